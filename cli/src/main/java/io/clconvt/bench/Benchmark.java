package io.clconvt.bench;

import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.ChunkStream;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.OpenClException;
import io.clconvt.Sequential;
import io.clconvt.Tensor;
import io.clconvt.internal.backend.EngineTools;
import io.clconvt.internal.kernels.Roofline;
import io.clconvt.internal.opencl.LatencyFloor;
import io.clconvt.internal.plan.KernelVariant;
import java.util.Arrays;

/**
 * Times backends on {@link BenchmarkShape}s: each result is first checked against the CPU reference,
 * then untimed calls run for the warm-up time, at least {@link #WARMUPS} of them (program builds, weight
 * uploads, pooled buffers, and the JIT compiling the host path, which decides a small layer's wall time),
 * then {@code runs} timed calls give the median and minimum. OpenCL rows report device time from
 * profiling events (what a decoder stack that stays on the device sees) beside host-to-host wall time.
 */
public final class Benchmark implements AutoCloseable {
    private static final long SEED = 20_261_121L;
    private static final int WARMUPS = 3;

    private final int runs;
    private final long warmupNanos;
    private final Backend cpu = Backends.cpu();
    private final Backend openCl;

    /**
     * @param variant the OpenCL kernel variant to time, or null to time only the CPU
     * @param warmupSeconds how long untimed calls run before each measurement (at least {@link #WARMUPS}
     *     calls in any case)
     * @throws OpenClException when a variant is given but no OpenCL device is usable
     */
    public Benchmark(KernelVariant variant, int runs, double warmupSeconds) {
        if (runs < 1) {
            throw new IllegalArgumentException("runs must be positive, got " + runs);
        }
        if (!(warmupSeconds >= 0 && warmupSeconds <= 600)) {
            throw new IllegalArgumentException("warm-up seconds must be in [0, 600], got " + warmupSeconds);
        }
        this.runs = runs;
        this.warmupNanos = (long) (warmupSeconds * 1e9);
        this.openCl = variant == null ? null : EngineTools.openCl(variant);
    }

    /**
     * The latency of streaming: {@code stack} fed {@code framesPerPush} random frames of {@code channels}
     * channels per push on the OpenCL backend, after the warm-up's pushes, which build the programs and fill
     * every layer's history; then {@code runs} timed pushes, host to host (upload, one kernel per layer and
     * the history joins, download).
     */
    public StreamingResult streaming(Sequential stack, int channels, int framesPerPush, DType dtype) {
        requireOpenCl();
        double[] values = new java.util.SplittableRandom(SEED).doubles((long) channels * framesPerPush, -1, 1)
                .toArray();
        Tensor chunk = Tensor.of(values, 1, channels, framesPerPush).to(dtype);
        try (ChunkStream stream = stack.stream(openCl)) {
            warmUp(() -> stream.push(chunk));
            double[] millis = new double[runs];
            int samples = 0;
            for (int i = 0; i < runs; i++) {
                long start = System.nanoTime();
                Tensor out = stream.push(chunk);
                millis[i] = (System.nanoTime() - start) / 1e6;
                samples = out.size() / out.dim(1); // one sample: every channel of one position
            }
            return new StreamingResult(openCl.describe(), framesPerPush, median(millis),
                    Arrays.stream(millis).min().orElseThrow(), samples);
        }
    }

    /**
     * One streaming measurement: host-to-host milliseconds per push (median and minimum) and the output
     * positions (audio samples) each push made final.
     */
    public record StreamingResult(String device, int framesPerPush, double medianMs, double minMs,
            int samplesPerPush) {
    }

    /** The CPU reference result of {@code shape}, which every measured result is checked against. */
    public Tensor reference(BenchmarkShape shape) {
        Inputs in = Inputs.of(shape);
        return cpu.convTranspose1d(in.x(), in.weight(), in.bias(), shape.params());
    }

    /** Times the OpenCL backend on {@code shape}. */
    public BenchmarkResult openCl(BenchmarkShape shape, Tensor reference) {
        requireOpenCl();
        return measure(shape, Inputs.of(shape), reference, openCl, "opencl", plan(shape),
                () -> EngineTools.lastKernelNanos(openCl));
    }

    /**
     * The OpenCL plan's device time over the built-in rule's on {@code shape}, per pair of calls run
     * alternately ({@code runs} pairs, after the warm-up), sorted: with a tuning file, whether the tuned
     * plan is faster than the rule on the same machine state.
     */
    public double[] againstRule(BenchmarkShape shape) {
        requireOpenCl();
        Inputs in = Inputs.of(shape);
        warmUp(() -> EngineTools.againstRule(openCl, in.x(), in.weight(), in.bias(), shape.params(), 1));
        double[] ratios = EngineTools.againstRule(openCl, in.x(), in.weight(), in.bias(), shape.params(), runs);
        Arrays.sort(ratios);
        return ratios;
    }

    /** The plan {@link #openCl} and {@link #againstRule} time for {@code shape}. */
    public String plan(BenchmarkShape shape) {
        requireOpenCl();
        Inputs in = Inputs.of(shape);
        return EngineTools.plan(openCl, in.x(), in.weight(), in.bias(), shape.params());
    }

    /**
     * Tries every candidate launch plan for {@code shape} on the OpenCL device, keeps the fastest whose
     * result is within {@link #tolerance} of {@code reference}, and stores it in the tuning file, where
     * {@link KernelVariant#AUTO} finds it from then on.
     *
     * @return the winner and its median device time, e.g. {@code tiled(16x4,local 8) 3.120 ms}
     */
    public String tune(BenchmarkShape shape, Tensor reference) {
        requireOpenCl();
        Inputs in = Inputs.of(shape);
        double limit = tolerance(shape.dtype(), shape.cin(), shape.groups(), shape.k(), shape.stride(), shape.dilation());
        return EngineTools.tune(openCl, in.x(), in.weight(), in.bias(), shape.params(), reference, limit);
    }

    /** The OpenCL device's FP32 multiply-add and streaming-copy ceilings. */
    public Roofline roofline() {
        requireOpenCl();
        return EngineTools.roofline(openCl);
    }

    /** The OpenCL device's latency floor, each part the median of {@code repetitions}. */
    public LatencyFloor latencyFloor(int repetitions) {
        requireOpenCl();
        return EngineTools.latencyFloor(openCl, repetitions);
    }

    /** Where {@link #tune} stores winners. */
    public static String tuningFile() {
        return EngineTools.tuningFile();
    }

    /**
     * The largest acceptable {@link Tensor#maxRelativeDifference} between a result and the
     * double-accumulating CPU reference: four unit roundoffs of the arithmetic per term of the reduction,
     * whose length R = (Cin / groups) * ceil(K / (stride / gcd(stride, dilation))) is the number of
     * products summed into one output. Summation error grows at most linearly in R. FLOAT16 and BFLOAT16
     * compute in FLOAT32 and both sides round their output once more: two unit roundoffs of the storage type.
     */
    public static double tolerance(DType dtype, int inChannels, int groups, int kernelSize, int stride,
            int dilation) {
        int tapStep = stride / gcd(stride, dilation);
        long reduction = (long) (inChannels / groups) * ((kernelSize + tapStep - 1) / tapStep);
        double storage = switch (dtype) {
            case FLOAT16 -> 0x1p-11;
            case BFLOAT16 -> 0x1p-8;
            default -> 0;
        };
        return 4 * reduction * (dtype == DType.FLOAT64 ? 0x1p-53 : 0x1p-24) + 2 * storage;
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /** Times the CPU backend on {@code shape}. */
    public BenchmarkResult cpu(BenchmarkShape shape, Tensor reference) {
        return measure(shape, Inputs.of(shape), reference, cpu, "cpu", "reference", null);
    }

    private void requireOpenCl() {
        if (openCl == null) {
            throw new IllegalStateException("this benchmark was made without an OpenCL variant");
        }
    }

    /** A shape's seeded tensors, generated once per measurement. */
    private record Inputs(Tensor x, Tensor weight, Tensor bias) {
        static Inputs of(BenchmarkShape shape) {
            return new Inputs(shape.input(SEED), shape.weight(SEED), shape.bias(SEED));
        }
    }

    /** Device time of the last call; null for backends timed by the wall clock. */
    private interface DeviceClock {
        long lastNanos();
    }

    private BenchmarkResult measure(BenchmarkShape shape, Inputs in, Tensor reference, Backend backend,
            String backendName, String variant, DeviceClock deviceClock) {
        Tensor x = in.x();
        Tensor weight = in.weight();
        Tensor bias = in.bias();
        ConvTranspose1dParams params = shape.params();
        double maxRelErr = Tensor.maxRelativeDifference(backend.convTranspose1d(x, weight, bias, params), reference);
        warmUp(() -> backend.convTranspose1d(x, weight, bias, params));
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

    private void warmUp(Runnable call) {
        long start = System.nanoTime();
        for (int calls = 0; calls < WARMUPS || System.nanoTime() - start < warmupNanos; calls++) {
            call.run();
        }
    }

    /** The median of {@code values} (the mean of the middle two for an even count). */
    public static double median(double[] values) {
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
