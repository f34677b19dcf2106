package io.clconvt;

import java.util.Arrays;

/**
 * Times backends on {@link BenchmarkShape}s: each result is first checked against the CPU reference,
 * then {@code warmups} untimed calls run (program builds, weight uploads, pooled buffers), then
 * {@code runs} timed calls give the median and minimum. OpenCL rows report device time from
 * profiling events (what a decoder stack that stays on the device sees) beside host-to-host wall time.
 */
public final class Benchmark implements AutoCloseable {
    private static final long SEED = 20_261_121L;
    private static final int WARMUPS = 3;

    private final int runs;
    private final Backend cpu = Backends.cpu();
    private final OpenClBackend openCl;

    /**
     * @param variant the OpenCL kernel variant to time, or null to time only the CPU
     * @throws OpenClException when a variant is given but no OpenCL device is usable
     */
    public Benchmark(KernelVariant variant, int runs) {
        this.runs = Validation.requirePositive("runs", runs);
        this.openCl = variant == null ? null
                : new OpenClBackend(ClDevice.select(DeviceSelection.fromEnvironment()), variant, false);
    }

    /** The CPU reference result of {@code shape}, which every measured result is checked against. */
    public Tensor reference(BenchmarkShape shape) {
        return cpu.convTranspose1d(shape.input(SEED), shape.weight(SEED), shape.bias(SEED), shape.params());
    }

    /** Times the OpenCL backend on {@code shape}. */
    public BenchmarkResult openCl(BenchmarkShape shape, Tensor reference) {
        if (openCl == null) {
            throw new IllegalStateException("this benchmark was made without an OpenCL variant");
        }
        ConvProblem problem = problem(shape);
        LaunchPlan plan = openCl.plan(problem);
        return measure(shape, reference, openCl, "opencl", plan.toString(), openCl::lastKernelNanos);
    }

    /** Times the CPU backend on {@code shape}. */
    public BenchmarkResult cpu(BenchmarkShape shape, Tensor reference) {
        return measure(shape, reference, cpu, "cpu", "reference", null);
    }

    private static ConvProblem problem(BenchmarkShape shape) {
        return ConvProblem.resolve(shape.input(SEED), shape.weight(SEED), shape.bias(SEED), shape.params());
    }

    /** Device time of the last call; null for backends timed by the wall clock. */
    private interface DeviceClock {
        long lastNanos();
    }

    private BenchmarkResult measure(BenchmarkShape shape, Tensor reference, Backend backend, String backendName,
            String variant, DeviceClock deviceClock) {
        Tensor x = shape.input(SEED);
        Tensor weight = shape.weight(SEED);
        Tensor bias = shape.bias(SEED);
        ConvTranspose1dParams params = shape.params();
        double maxRelErr = Tensor.maxRelativeDifference(backend.convTranspose1d(x, weight, bias, params), reference);
        for (int i = 0; i < WARMUPS; i++) {
            backend.convTranspose1d(x, weight, bias, params);
        }
        double[] wall = new double[runs];
        double[] device = new double[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            backend.convTranspose1d(x, weight, bias, params);
            wall[i] = (System.nanoTime() - start) / 1e6;
            device[i] = deviceClock == null ? wall[i] : deviceClock.lastNanos() / 1e6;
        }
        double median = median(device);
        return new BenchmarkResult(shape.name(), backendName, variant, backend.describe(), median,
                Arrays.stream(device).min().orElseThrow(), median(wall), shape.flops() / median / 1e6,
                shape.minimalBytes() / median / 1e6, maxRelErr);
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /** The device the OpenCL rows run on, or null. */
    public String openClDevice() {
        return openCl == null ? null : openCl.describe();
    }

    @Override
    public void close() {
        cpu.close();
        if (openCl != null) {
            openCl.close();
        }
    }
}
