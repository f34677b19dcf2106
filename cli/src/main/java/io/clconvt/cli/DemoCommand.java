package io.clconvt.cli;

import io.clconvt.Activation;
import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.ConvTranspose1d;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.Sequential;
import io.clconvt.Tensor;
import io.clconvt.bench.Benchmark;
import io.clconvt.bench.RandomHifiGan;
import io.clconvt.io.StateDict;
import io.clconvt.models.HifiGan;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Runs the upsampling stack of a HiFi-GAN-style vocoder on the default OpenCL device and on the CPU
 * reference, timing each layer and checking that the two agree, then times the whole stack on the device
 * with a host round trip per layer against {@link Sequential}'s device-resident run; then a whole HiFi-GAN V1
 * generator with seeded random weights on both backends, whose audio must agree.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, version = "clconvt " + Main.VERSION,
        description = {"Runs a HiFi-GAN-style upsampling stack on OpenCL and on the CPU, and compares them.",
            "Four transposed convolutions take 512 channels to 32 and make the signal 256 times longer, with a "
                    + "leaky ReLU (slope 0.1) fused into the first three. Each layer is timed on the default OpenCL "
                    + "device and on the CPU reference, and their outputs compared. Then the whole stack is timed "
                    + "on the device with a host round trip per layer and kept on the device (one upload, one "
                    + "download).",
            "Then a whole HiFi-GAN V1 generator (seeded random weights of the official shapes) turns a short mel "
                    + "into audio on the device and on the CPU reference; it prints the device's real-time factor.",
            "Exits 1 if OpenCL is unusable, a layer differs by more than its tolerance, the device-resident "
                    + "stack differs from the round-trip one, or the two generators' audio differs by more than "
                    + DemoCommand.HIFIGAN_TOLERANCE_TEXT + "."})
final class DemoCommand implements Callable<Integer> {
    /** HiFi-GAN's leaky ReLU slope between upsampling layers. */
    private static final Activation LEAKY = Activation.leakyRelu(0.1);
    /** HiFi-GAN V1's upsampling: two 8x layers (kernel 16) then two 2x layers (kernel 4). */
    static final List<Stage> STACK = List.of(
            new Stage(512, 256, 16, 8, 4, LEAKY),
            new Stage(256, 128, 16, 8, 4, LEAKY),
            new Stage(128, 64, 4, 2, 1, LEAKY),
            new Stage(64, 32, 4, 2, 1, Activation.NONE));
    /** Timed runs of the whole stack per mode; the fastest counts, the usual guard against a noisy machine. */
    private static final int STACK_RUNS = 3;
    private static final long INPUT_SEED = 2024;
    /** The audio sample rate of this HiFi-GAN configuration (V1, hop 256). */
    static final double AUDIO_RATE_HZ = 22_050;

    @Spec
    private CommandSpec spec;

    /** About one second of 22.05 kHz audio at hop 256; tests use a few frames to stay fast. */
    @Option(names = "--frames", defaultValue = "86", hidden = true)
    private int frames;

    /** The generator's mel frames: its CPU reference takes seconds per second of audio, so a short mel. */
    @Option(names = "--hifigan-frames", defaultValue = "32", hidden = true)
    private int hifiganFrames;

    /**
     * The largest absolute difference allowed between the generators' float32 audio on the two backends: the
     * audio is tanh's output, within [-1, 1], some 30 layers deep (78 convolutions in all), each rounding its
     * float32 sums; {@link #HIFIGAN_TOLERANCE_TEXT} is the same number for the messages.
     */
    static final double HIFIGAN_TOLERANCE = 3e-4;
    static final String HIFIGAN_TOLERANCE_TEXT = "3e-4";
    private static final long HIFIGAN_SEED = 1;

    /** One layer of the stack and the activation fused after it: bias on, groups 1, as in HiFi-GAN. */
    record Stage(int inChannels, int outChannels, int kernelSize, int stride, int padding, Activation activation) {
        /** The layer with its seeded weights; the seed fixes the weights so that runs are comparable. */
        ConvTranspose1d layer(long seed) {
            return new ConvTranspose1d(inChannels, outChannels, kernelSize, ConvTranspose1dParams.builder()
                    .stride(stride).padding(padding).activation(activation).build(), true, seed);
        }

        double tolerance() {
            return Benchmark.tolerance(DType.FLOAT32, inChannels, 1, kernelSize, stride, 1);
        }
    }

    /** One layer's result on one backend. */
    private record Timed(Tensor output, double millis) {
    }

    @Override
    public Integer call() {
        if (frames < 1) {
            throw new IllegalArgumentException("--frames must be at least 1, got " + frames);
        }
        if (hifiganFrames < 1) {
            throw new IllegalArgumentException("--hifigan-frames must be at least 1, got " + hifiganFrames);
        }
        PrintWriter out = spec.commandLine().getOut();
        List<ConvTranspose1d> layers = new ArrayList<>();
        for (int i = 0; i < STACK.size(); i++) {
            layers.add(STACK.get(i).layer(i + 1));
        }
        Tensor input = randomInput(STACK.get(0).inChannels(), frames);

        Sequential stack = Sequential.of(layers.toArray(ConvTranspose1d[]::new));
        List<Timed> openClRuns;
        List<Timed> cpuRuns;
        Timed roundTrips;
        Timed resident;
        Vocoder vocoder;
        try (Backend openCl = Backends.openCl(); Backend cpu = Backends.cpu()) {
            out.println("device:    " + openCl.describe());
            out.println("reference: " + cpu.describe());
            // Untimed first passes, so OpenCL program builds and JIT warm-up are not in the timings.
            runStack(openCl, layers, input);
            runStack(cpu, layers, input);
            openClRuns = runStack(openCl, layers, input);
            cpuRuns = runStack(cpu, layers, input);
            stack.forward(openCl, input);
            roundTrips = fastest(() -> stack.forwardHost(openCl, input));
            resident = fastest(() -> stack.forward(openCl, input));
            vocoder = runVocoder(openCl, cpu);
        }

        out.println();
        for (int i = 0; i < layers.size(); i++) {
            out.println("layer " + (i + 1) + ": " + layers.get(i));
        }
        out.println();
        TextTable table = new TextTable("LAYER", "IN -> OUT", "OPENCL ms", "CPU ms", "MAX REL DIFF", "TOLERANCE", "OK")
                .alignRight(2, 3, 4, 5);
        int firstFailure = -1;
        double[] differences = new double[STACK.size()];
        for (int i = 0; i < STACK.size(); i++) {
            Tensor in = i == 0 ? input : cpuRuns.get(i - 1).output();
            differences[i] = Tensor.maxRelativeDifference(openClRuns.get(i).output(), cpuRuns.get(i).output());
            boolean ok = differences[i] <= STACK.get(i).tolerance();
            if (!ok && firstFailure < 0) {
                firstFailure = i;
            }
            table.row(i + 1,
                    Messages.shape(in.shape()) + " -> " + Messages.shape(cpuRuns.get(i).output().shape()),
                    format("%.2f", openClRuns.get(i).millis()), format("%.2f", cpuRuns.get(i).millis()),
                    format("%.2e", differences[i]), format("%.2e", STACK.get(i).tolerance()), ok ? "yes" : "NO");
        }
        table.print(out);
        out.println();
        out.println("whole stack on the device: host round trip per layer " + format("%.2f", roundTrips.millis())
                + " ms, device-resident (one upload, one download) " + format("%.2f", resident.millis()) + " ms");
        // The stack's output positions are audio samples: the question a vocoder user asks is whether it keeps up.
        long samples = resident.output().shape()[2];
        out.println("real time at " + format("%.0f", AUDIO_RATE_HZ) + " Hz: device-resident " + realTime(samples,
                resident.millis()) + "; CPU reference " + realTime(samples,
                cpuRuns.stream().mapToDouble(Timed::millis).sum()));
        out.println();
        out.println("HiFi-GAN V1 generator (" + format("%.1f", vocoder.parameters() / 1e6) + "M parameters, seeded random "
                + "weights), " + hifiganFrames + " mel frames -> " + vocoder.device().output().dim(2) + " samples:");
        out.println("  device: first call " + format("%.0f", vocoder.firstMs()) + " ms (program builds included), then "
                + format("%.1f", vocoder.device().millis()) + " ms; CPU reference " + format("%.0f", vocoder.cpu().millis())
                + " ms");
        double difference = maxAbsDifference(vocoder.device().output(), vocoder.cpu().output());
        out.println("  audio RMS " + format("%.3f", rms(vocoder.cpu().output())) + ", max abs difference device vs CPU "
                + format("%.2e", difference) + " (tolerance " + HIFIGAN_TOLERANCE_TEXT + ")");
        out.println("  real time at " + format("%.0f", AUDIO_RATE_HZ) + " Hz: device " + realTime(
                vocoder.device().output().dim(2), vocoder.device().millis()));
        if (!(difference <= HIFIGAN_TOLERANCE)) {
            spec.commandLine().getErr().println(Main.ERROR_PREFIX + "the HiFi-GAN generator's audio on OpenCL differs "
                    + "from the CPU's by " + format("%.3e", difference) + ", above " + HIFIGAN_TOLERANCE_TEXT);
            return ExitCode.SOFTWARE;
        }
        if (!Arrays.equals(resident.output().toFloatArray(), roundTrips.output().toFloatArray())) {
            spec.commandLine().getErr().println(Main.ERROR_PREFIX
                    + "the device-resident stack differs from the same stack with host round trips");
            return ExitCode.SOFTWARE;
        }
        if (firstFailure >= 0) {
            spec.commandLine().getErr().println(Main.ERROR_PREFIX + "layer " + (firstFailure + 1)
                    + " disagrees: OpenCL differs from the CPU by " + format("%.3e", differences[firstFailure])
                    + " relative, above the tolerance " + format("%.3e", STACK.get(firstFailure).tolerance()));
            return ExitCode.SOFTWARE;
        }
        out.println("All layers agree within tolerance.");
        return ExitCode.OK;
    }

    /** The generator's audio on both backends, the device's first call and the weights' count. */
    private record Vocoder(Timed device, Timed cpu, double firstMs, long parameters) {
    }

    /**
     * HiFi-GAN V1 on {@code hifiganFrames} seeded random mel frames: the device's first call (program builds),
     * then its fastest of {@link #STACK_RUNS}, and one call of the CPU reference.
     */
    private Vocoder runVocoder(Backend openCl, Backend cpu) {
        RandomHifiGan config = RandomHifiGan.of("v1");
        StateDict weights = config.weights(HIFIGAN_SEED);
        HifiGan generator = config.load(weights);
        Tensor mel = randomInput(config.numMels(), hifiganFrames);
        long start = System.nanoTime();
        generator.generate(openCl, mel);
        double firstMs = (System.nanoTime() - start) / 1e6;
        Timed device = fastest(() -> generator.generate(openCl, mel));
        start = System.nanoTime();
        Tensor reference = generator.generate(cpu, mel);
        Timed onCpu = new Timed(reference, (System.nanoTime() - start) / 1e6);
        return new Vocoder(device, onCpu, firstMs, RandomHifiGan.parameterCount(weights));
    }

    /** max |a - b| over the elements; NaN anywhere gives NaN. */
    static double maxAbsDifference(Tensor a, Tensor b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException("shapes differ: " + Messages.shape(a.shape()) + " and "
                    + Messages.shape(b.shape()));
        }
        double[] x = a.toDoubleArray();
        double[] y = b.toDoubleArray();
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            double difference = Math.abs(x[i] - y[i]);
            if (Double.isNaN(difference)) {
                return difference;
            }
            max = Math.max(max, difference);
        }
        return max;
    }

    private static double rms(Tensor tensor) {
        double sum = 0;
        for (double v : tensor.toDoubleArray()) {
            sum += v * v;
        }
        return Math.sqrt(sum / tensor.size());
    }

    /** E.g. "1.00 s of audio in 39.0 ms: 25x faster than real time". */
    static String realTime(long samples, double millis) {
        double seconds = samples / AUDIO_RATE_HZ;
        double factor = seconds * 1000 / millis;
        String speed = factor >= 1
                ? format(factor >= 10 ? "%.0f" : "%.1f", factor) + "x faster than real time"
                : format("%.1f", 1 / factor) + "x slower than real time";
        return format("%.2f", seconds) + " s of audio in " + format("%.1f", millis) + " ms: " + speed;
    }

    /** Batch 1, NCL float32, uniform in [-1, 1) from a fixed seed. */
    private static Tensor randomInput(int channels, int length) {
        SplittableRandom random = new SplittableRandom(INPUT_SEED);
        float[] data = new float[channels * length];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextDouble(-1, 1);
        }
        return Tensor.of(data, 1, channels, length);
    }

    /** Each layer's output and time on {@code backend}, every layer fed by this backend's previous output. */
    private static List<Timed> runStack(Backend backend, List<ConvTranspose1d> layers, Tensor input) {
        List<Timed> runs = new ArrayList<>();
        Tensor x = input;
        for (ConvTranspose1d layer : layers) {
            long start = System.nanoTime();
            x = layer.forward(backend, x);
            runs.add(new Timed(x, (System.nanoTime() - start) / 1e6));
        }
        return runs;
    }

    /** The fastest of {@link #STACK_RUNS} runs of {@code stack}, with its output. */
    private static Timed fastest(Supplier<Tensor> stack) {
        Timed best = null;
        for (int run = 0; run < STACK_RUNS; run++) {
            long start = System.nanoTime();
            Tensor output = stack.get();
            double millis = (System.nanoTime() - start) / 1e6;
            if (best == null || millis < best.millis()) {
                best = new Timed(output, millis);
            }
        }
        return best;
    }

    private static String format(String pattern, double value) {
        return String.format(Locale.ROOT, pattern, value);
    }
}
