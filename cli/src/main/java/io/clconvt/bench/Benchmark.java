package io.clconvt.bench;

import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.ChunkStream;
import io.clconvt.ConvGradients;
import io.clconvt.DType;
import io.clconvt.OpenClException;
import io.clconvt.Sequential;
import io.clconvt.Tensor;
import io.clconvt.internal.backend.EngineTools;
import io.clconvt.internal.kernels.Roofline;
import io.clconvt.internal.opencl.LatencyFloor;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.models.HifiGan;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Times backends on {@link LayerShape}s (transposed convolutions and convolutions, forward and backward)
 * and HiFi-GAN generators: each result is first checked against the CPU reference,
 * then untimed calls run for the warm-up time, at least {@link #WARMUPS} of them (program builds, weight
 * uploads, pooled buffers, and the JIT compiling the host path, which decides a small layer's wall time:
 * cheap calls warm up for {@link #JIT_CALLS} calls, see {@link #warming}),
 * then {@code runs} timed calls give the median and minimum. OpenCL rows report device time from
 * profiling events (what a decoder stack that stays on the device sees) beside host-to-host wall time.
 *
 * <p>Before its first row the benchmark churns garbage through the heap until the collectors have run
 * {@link #HEAP_WARM_COLLECTIONS} times ({@link #warmHeap()}): a fresh JVM places every new result on memory it
 * has never touched, and on a virtual machine the page faults of that first pass (a 1 MB result: about 2.5 ms
 * of faults on 2 cores, where the call itself takes 1.5 ms) make the calling thread compete with the device's
 * worker threads. A long-running server allocates on memory its collector has recycled before; that is what
 * the rows report.
 */
public final class Benchmark implements AutoCloseable {
    private static final long SEED = 20_261_121L;
    private static final int WARMUPS = 3;
    /** Warm-up calls of a cheap call, for the JIT ({@link #warming}). */
    private static final int JIT_CALLS = 20_000;
    /** A call is cheap, for the warm-up, under this average. */
    private static final long CHEAP_CALL_NANOS = 500_000;
    /** The longest a cheap call's warm-up goes on for the JIT. */
    private static final long JIT_WARMUP_NANOS = 10_000_000_000L;
    /** Collections of churned garbage before the first row: enough for G1 to settle its young generation. */
    private static final int HEAP_WARM_COLLECTIONS = 3;
    /** The heap warm-up stops after this long even if the collectors have not run that often. */
    private static final long HEAP_WARM_NANOS = 10_000_000_000L;
    /** Keeps the churned arrays from being optimised away. */
    private static volatile Object sink;
    /** Timed whole-model calls at least, as PyTorch's HiFi-GAN timing script does. */
    private static final int MIN_MODEL_RUNS = 3;
    /** No whole-model call is started after this many seconds of timed calls (beyond the minimum). */
    private static final double MODEL_SECONDS = 10;

    private final int runs;
    private final long warmupNanos;
    private final Backend cpu = Backends.cpu();
    private final Backend openCl;
    private final KernelVariant variant;
    /** What the process's one heap warm-up did, or null before it ran. */
    private static String heapWarmUp;

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
        this.variant = variant;
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

    /**
     * Times a HiFi-GAN generator on OpenCL (on the CPU reference when {@code onCpu}) with a seeded random mel
     * of {@code frames} frames, host tensors in and out: the first call alone (program builds, weight uploads
     * and the JIT's first pass included), then, after one more untimed call, at least {@link #MIN_MODEL_RUNS}
     * and at most {@code runs} timed calls, no new one started after {@link #MODEL_SECONDS} seconds of them.
     * Then streaming: the same mel in pushes of {@code framesPerPush} frames, the warm-up's pushes first (at
     * least {@link #WARMUPS}, and for the warm-up time), then {@code runs} timed pushes; the look-ahead is
     * what every push so far has left unfinished, frames pushed times the hop minus samples returned.
     */
    public HifiGanResult hifigan(String name, HifiGan model, int numMels, int frames, int framesPerPush,
            boolean onCpu) {
        Backend backend = onCpu ? cpu : openCl;
        if (backend == null) {
            requireOpenCl();
        }
        Tensor mel = LayerShape.random(SEED, DType.FLOAT32, 1, numMels, frames);
        long start = System.nanoTime();
        Tensor audio = model.generate(backend, mel);
        double firstMs = (System.nanoTime() - start) / 1e6;
        warmHeapOnce();
        model.generate(backend, mel);
        List<Double> millis = new ArrayList<>();
        long deadline = System.nanoTime() + (long) (MODEL_SECONDS * 1e9);
        while (millis.size() < MIN_MODEL_RUNS || millis.size() < runs && System.nanoTime() < deadline) {
            long callStart = System.nanoTime();
            model.generate(backend, mel);
            millis.add((System.nanoTime() - callStart) / 1e6);
        }
        double[] timed = millis.stream().mapToDouble(Double::doubleValue).toArray();

        Tensor chunk = LayerShape.random(SEED + 1, DType.FLOAT32, 1, numMels, framesPerPush);
        long[] pushedFrames = {0};
        long[] samplesOut = {0};
        int lastPushSamples = 0;
        double[] pushes = new double[runs];
        try (ChunkStream stream = model.stream(backend)) {
            warmUp(() -> {
                samplesOut[0] += stream.push(chunk).dim(2);
                pushedFrames[0] += framesPerPush;
            });
            for (int i = 0; i < runs; i++) {
                long pushStart = System.nanoTime();
                Tensor out = stream.push(chunk);
                pushes[i] = (System.nanoTime() - pushStart) / 1e6;
                lastPushSamples = out.dim(2);
                samplesOut[0] += lastPushSamples;
                pushedFrames[0] += framesPerPush;
            }
        }
        return new HifiGanResult(name, backend.describe(), frames, audio.dim(2), model.samplingRate(), firstMs,
                median(timed), Arrays.stream(timed).min().orElseThrow(), timed.length, framesPerPush, median(pushes),
                Arrays.stream(pushes).min().orElseThrow(), lastPushSamples,
                pushedFrames[0] * model.hopLength() - samplesOut[0]);
    }

    /** The CPU reference result of {@code shape}, which every measured result is checked against. */
    public Tensor reference(LayerShape shape) {
        Inputs in = Inputs.of(shape);
        return shape.forward(cpu, in.x(), in.weight(), in.bias());
    }

    /**
     * Times the OpenCL backend on {@code shape}. A transposed convolution's row names the plan that ran; a
     * convolution's the requested variant (it runs as a transposed convolution where it can, whose plan the
     * engine's tools do not expose for a convolution).
     */
    public BenchmarkResult openCl(LayerShape shape, Tensor reference) {
        requireOpenCl();
        String plan = shape instanceof BenchmarkShape transposed ? plan(transposed)
                : variant.name().toLowerCase(java.util.Locale.ROOT);
        return measure(shape, Inputs.of(shape), reference, openCl, "opencl", plan,
                () -> EngineTools.lastKernelNanos(openCl));
    }

    /** The CPU reference's gradients of {@code shape}, which every measured backward call is checked against. */
    public ConvGradients referenceGradients(LayerShape shape) {
        Inputs in = Inputs.of(shape);
        return shape.backward(cpu, shape.gradOutput(SEED), in.x(), in.weight());
    }

    /**
     * Times the backward call (input, weight and bias gradients, host tensors in and out) on OpenCL, or on the
     * CPU reference when {@code onCpu}, after checking its gradients against {@code reference}.
     */
    public BackwardResult backward(LayerShape shape, ConvGradients reference, boolean onCpu) {
        Backend backend = onCpu ? cpu : openCl;
        if (backend == null) {
            requireOpenCl();
        }
        Inputs in = Inputs.of(shape);
        Tensor gradOutput = shape.gradOutput(SEED);
        ConvGradients first = shape.backward(backend, gradOutput, in.x(), in.weight());
        double[] errors = {Tensor.maxRelativeDifference(first.input(), reference.input()),
            Tensor.maxRelativeDifference(first.weight(), reference.weight()),
            Tensor.maxRelativeDifference(first.bias(), reference.bias())};
        warmUp(() -> shape.backward(backend, gradOutput, in.x(), in.weight()));
        double[] wall = new double[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            shape.backward(backend, gradOutput, in.x(), in.weight());
            wall[i] = (System.nanoTime() - start) / 1e6;
        }
        return new BackwardResult(shape.name(), onCpu ? "cpu" : "opencl",
                onCpu ? "reference" : variant.name().toLowerCase(java.util.Locale.ROOT), backend.describe(),
                median(wall), Arrays.stream(wall).min().orElseThrow(), errors[0], errors[1], errors[2]);
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
        return tolerance(dtype, (long) (inChannels / groups) * ((kernelSize + tapStep - 1) / tapStep));
    }

    /**
     * {@link #tolerance(DType, int, int, int, int, int)} for a result each element of which sums
     * {@code reduction} products.
     */
    public static double tolerance(DType dtype, long reduction) {
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
    public BenchmarkResult cpu(LayerShape shape, Tensor reference) {
        return measure(shape, Inputs.of(shape), reference, cpu, "cpu", "reference", null);
    }

    private void requireOpenCl() {
        if (openCl == null) {
            throw new IllegalStateException("this benchmark was made without an OpenCL variant");
        }
    }

    /** A shape's seeded tensors, generated once per measurement. */
    private record Inputs(Tensor x, Tensor weight, Tensor bias) {
        static Inputs of(LayerShape shape) {
            return new Inputs(shape.input(SEED), shape.weight(SEED), shape.bias(SEED));
        }
    }

    /** Device time of the last call; null for backends timed by the wall clock. */
    private interface DeviceClock {
        long lastNanos();
    }

    private BenchmarkResult measure(LayerShape shape, Inputs in, Tensor reference, Backend backend,
            String backendName, String variantName, DeviceClock deviceClock) {
        Tensor x = in.x();
        Tensor weight = in.weight();
        Tensor bias = in.bias();
        double maxRelErr = Tensor.maxRelativeDifference(shape.forward(backend, x, weight, bias), reference);
        warmUp(() -> shape.forward(backend, x, weight, bias));
        double[] wall = new double[runs];
        double[] device = new double[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            shape.forward(backend, x, weight, bias);
            wall[i] = (System.nanoTime() - start) / 1e6;
            device[i] = deviceClock == null ? wall[i] : deviceClock.lastNanos() / 1e6;
        }
        double median = median(device);
        return new BenchmarkResult(shape.name(), backendName, variantName, backend.describe(), median,
                Arrays.stream(device).min().orElseThrow(), median(wall), shape.flops() / median / 1e6,
                shape.minimalBytes() / median / 1e6, maxRelErr);
    }

    private void warmUp(Runnable call) {
        warmHeapOnce();
        long start = System.nanoTime();
        for (int calls = 0; calls < WARMUPS || warming(calls, System.nanoTime() - start); calls++) {
            call.run();
        }
    }

    /**
     * Whether the warm-up goes on after {@code calls} calls in {@code elapsed} nanoseconds: for the warm-up time,
     * and for cheap calls (under {@link #CHEAP_CALL_NANOS} on average) until {@link #JIT_CALLS} calls, at most
     * {@link #JIT_WARMUP_NANOS}: the JIT's optimising compiler takes the host path over after about 15,000 calls,
     * and until then a tiny layer's wall time is twice what it settles at (tiny_latency 0.13-0.16 ms after a
     * 1 s warm-up, 0.04-0.07 ms after 4 s). An expensive call's host path is a small share of it.
     */
    private boolean warming(int calls, long elapsed) {
        return elapsed < warmupNanos || warmupNanos > 0 && calls < JIT_CALLS && elapsed < JIT_WARMUP_NANOS
                && elapsed / calls < CHEAP_CALL_NANOS;
    }

    private static synchronized void warmHeapOnce() {
        if (heapWarmUp == null) {
            heapWarmUp = warmHeap();
        }
    }

    /**
     * Allocates and drops arrays (mostly 1 MB, every eighth 16 MB, which G1 places outside the young
     * generation, as it does large results) until the collectors have run {@link #HEAP_WARM_COLLECTIONS}
     * times, so the timed calls' results land on memory the JVM has used before.
     *
     * @return what it did, for the report
     */
    private static String warmHeap() {
        long start = System.nanoTime();
        long target = collections() + HEAP_WARM_COLLECTIONS;
        // Under a small -Xmx the large arrays shrink to a sixteenth of the heap, so the churn cannot exhaust it.
        long large = Math.min(16L << 20, Runtime.getRuntime().maxMemory() / 16);
        long bytes = 0;
        for (int i = 0; collections() < target && System.nanoTime() - start < HEAP_WARM_NANOS; i++) {
            int size = (int) (i % 8 == 7 ? large : Math.min(1 << 20, large));
            sink = new byte[size];
            bytes += size;
        }
        sink = null;
        return String.format(Locale.ROOT, "heap warmed before the first row: %d MB of garbage, %d "
                + "collections, %.1f s", bytes >> 20, collections() - target + HEAP_WARM_COLLECTIONS,
                (System.nanoTime() - start) / 1e9);
    }

    private static long collections() {
        long count = 0;
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, collector.getCollectionCount());
        }
        return count;
    }

    /** What the process's heap warm-up did ({@link #warmHeap()}), or null before the first row. */
    public static synchronized String heapWarmUp() {
        return heapWarmUp;
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
