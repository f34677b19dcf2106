package io.clconvt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.clconvt.DType;
import io.clconvt.Sequential;
import io.clconvt.Tensor;
import io.clconvt.ConvGradients;
import io.clconvt.bench.BackwardResult;
import io.clconvt.bench.Benchmark;
import io.clconvt.bench.BenchmarkResult;
import io.clconvt.bench.BenchmarkShape;
import io.clconvt.bench.Conv1dShape;
import io.clconvt.bench.HifiGanResult;
import io.clconvt.bench.LayerShape;
import io.clconvt.bench.RandomHifiGan;
import io.clconvt.io.StateDict;
import io.clconvt.models.HifiGan;
import io.clconvt.internal.kernels.Roofline;
import io.clconvt.internal.opencl.LatencyFloor;
import io.clconvt.internal.plan.KernelVariant;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Times the OpenCL variants and the CPU backend on a suite (transposed convolutions or convolutions) or given
 * shapes, forward or backward, after checking each result against the CPU reference, or HiFi-GAN generators
 * whole and streamed, and prints a table (optionally beside PyTorch's numbers).
 */
@Command(name = "bench", mixinStandardHelpOptions = true, version = "clconvt " + Main.VERSION,
        description = {"Times transposed convolutions (--suite decoder) or convolutions (--suite resblocks) on OpenCL "
                + "and the CPU, their backward calls (--backward), or HiFi-GAN generators (--hifigan).",
            "Each result is first checked against the CPU reference; then median and min of --runs timed runs "
                    + "after warm-up: OpenCL device time from profiling events, and host-to-host wall time.",
            "On OpenCL it then prints the device's latency floor: the wall time of 8 KB in, an empty kernel and a "
                    + "16 KB blocking read, and of an empty kernel and clFinish.",
            "Exits 1 if a result differs from the reference beyond tolerance."})
final class BenchCommand implements Callable<Integer> {
    enum BackendChoice { OPENCL, CPU, ALL }

    @Spec
    private CommandSpec spec;

    @Option(names = "--suite", defaultValue = "decoder", paramLabel = "decoder|resblocks",
            description = "The built-in suite: 'decoder', transposed convolutions of real decoders, or 'resblocks', "
                    + "the convolutions of HiFi-GAN V1's residual blocks for one second of audio (rb_c<C>_k<K>_d<D>). "
                    + "Default: ${DEFAULT-VALUE}.")
    private String suite;

    @Option(names = "--shape", paramLabel = "name=..,n=,cin=,cout=,k=,stride=,padding=,dilation=,groups=,lin=,"
            + "layout=,dtype=", description = "A shape of the suite's operation (a transposed convolution for "
                    + "decoder, a convolution for resblocks) to time instead of the suite; repeatable.")
    private List<String> shapes = new ArrayList<>();

    @Option(names = "--only", split = ",", paramLabel = "NAME[,NAME...]",
            description = "Time only these shapes of the suite.")
    private List<String> only = new ArrayList<>();

    @Option(names = "--backward", description = "Time the backward call instead (input, weight and bias gradients, "
            + "host tensors in and out): ConvTranspose1d's on the decoder suite, Conv1d's on resblocks.")
    private boolean backward;

    @Option(names = "--hifigan", paramLabel = "v1|v2|v3|CONFIG.json", description = "Time a HiFi-GAN generator with "
            + "seeded random weights of the official shapes instead of the suite, on OpenCL (on the CPU reference "
            + "with --backend cpu); repeatable: the first call, then a whole mel of --frames frames to audio (host "
            + "to host), then streaming " + STREAM_FRAMES + " frames per push.")
    private List<String> hifigan = new ArrayList<>();

    @Option(names = "--frames", defaultValue = "86", description = "Mel frames of each --hifigan call (86: one second "
            + "of 22.05 kHz audio at hop 256). Default: ${DEFAULT-VALUE}.")
    private int frames;

    @Option(names = "--dtype", paramLabel = "float32|float64|float16|bfloat16",
            description = "Run every shape in this dtype instead of its own (the suite's are float32).")
    private String dtype;

    @Option(names = "--backend", defaultValue = "all", paramLabel = "opencl|cpu|all",
            description = "Default: ${DEFAULT-VALUE}.")
    private BackendChoice backend;

    @Option(names = "--variant", defaultValue = "auto", paramLabel = "auto|direct|phase|tiled|rows|gemm|all",
            description = "OpenCL kernel variant(s) to time. Default: ${DEFAULT-VALUE}.")
    private String variant;

    @Option(names = "--runs", defaultValue = "20", description = "Timed runs per row; for --hifigan's whole calls at "
            + "most this many (at least 3, no new one after 10 s). Default: ${DEFAULT-VALUE}.")
    private int runs;

    @Option(names = "--warmup", defaultValue = "1", paramLabel = "SECONDS", description = "Untimed calls before each "
            + "row's timed runs, for this long (at least 3 calls); a row whose calls take under 0.5 ms goes on to 20,000 "
            + "calls (at most 10 s; not with 0): the JVM's optimising compiler takes the host path over after about "
            + "15,000 calls, which decides a small layer's wall time. Default: ${DEFAULT-VALUE}.")
    private double warmupSeconds;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the rows as a JSON array.")
    private Path json;

    @Option(names = "--tune", description = "Try every launch plan per shape on OpenCL and store the fastest in the "
            + "tuning file (CLCONVT_TUNING_FILE, default ~/.cache/clconvt/tuning.tsv), which the auto variant uses.")
    private boolean tune;

    @Option(names = "--against-rule", description = "Also time the auto variant's plan (a tuned one, with a tuning "
            + "file) against the built-in rule's, alternately call by call for --runs pairs per shape, and print the "
            + "median ratio of their device times: processes timed one after the other on a shared machine differ "
            + "by more than most plans do.")
    private boolean againstRule;

    @Option(names = "--roofline", description = "Also measure the OpenCL device's peak FP32 multiply-add rate and "
            + "copy bandwidth, and show each row's share of them.")
    private boolean roofline;

    @Option(names = "--stream", description = "Also stream HiFi-GAN V1's upsampling stack on OpenCL, "
            + STREAM_FRAMES + " frames per push: milliseconds per push and the audio each push makes final.")
    private boolean stream;

    /** Repetitions of each part of the latency floor, whose medians the floor line prints. */
    static final int FLOOR_REPETITIONS = 200;

    /** Frames per push of the streaming row: about 93 ms of 22.05 kHz audio at hop 256. */
    static final int STREAM_FRAMES = 8;

    @Option(names = "--torch", paramLabel = "FILE", description = "PyTorch's timings of the same rows (JSON lines with "
            + "name and median_ms): torch_reference.py's (decoder), ci/bench/conv1d_reference.py's (resblocks), "
            + "ci/bench/backward_reference.py's (--backward) or hifigan_reference.py time's (--hifigan); adds "
            + "PyTorch's time and the ratios PyTorch ms / clconvt ms (above 1: clconvt is faster), device and wall.")
    private Path torch;

    @Option(names = "--sgemm", paramLabel = "FILE", description = "Output of sgemm_ceiling.py (a JSON line with "
            + "gflops and dgemm_gflops): adds each row's share of the OpenBLAS ceiling (dgemm's for float64).")
    private Path sgemm;

    /** The seed of --hifigan's random weights. */
    static final long HIFIGAN_SEED = 1;

    @Override
    public Integer call() throws IOException {
        int status = timeSelected();
        String heapWarmUp = Benchmark.heapWarmUp();
        if (heapWarmUp != null) {
            spec.commandLine().getOut().println(heapWarmUp);
        }
        return status;
    }

    private int timeSelected() throws IOException {
        if (!hifigan.isEmpty()) {
            return timeHifiGan();
        }
        List<LayerShape> selected = selectedShapes();
        boolean transposed = selected.stream().allMatch(shape -> shape instanceof BenchmarkShape);
        if (!transposed && (tune || againstRule)) {
            throw new IllegalArgumentException("--tune and --against-rule time transposed-convolution plans, not the "
                    + "resblocks suite's convolutions");
        }
        if (backward && (tune || againstRule || roofline || stream)) {
            throw new IllegalArgumentException("--backward times the backward calls alone: drop --tune, "
                    + "--against-rule, --roofline and --stream");
        }
        List<KernelVariant> variants = backend == BackendChoice.CPU ? List.of() : selectedVariants();
        Map<String, TorchRow> torchRows = torch == null ? Map.of() : readTorch(torch);
        Ceiling ceiling = sgemm == null ? null : Ceiling.read(sgemm);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter progress = spec.commandLine().getErr();

        if (tune) {
            return tune(selected.stream().map(BenchmarkShape.class::cast).toList(), out, progress);
        }
        if (backward) {
            return timeBackward(selected, variants, torchRows, out, progress);
        }
        List<BenchmarkResult> results = new ArrayList<>();
        List<String> groups = new ArrayList<>();
        List<Benchmark> benchmarks = new ArrayList<>();
        LatencyFloor floor = null;
        String floorDevice = null;
        try {
            for (KernelVariant v : variants) {
                benchmarks.add(new Benchmark(v, runs, warmupSeconds));
            }
            Benchmark cpuOnly = new Benchmark(null, runs, warmupSeconds);
            benchmarks.add(cpuOnly);
            int step = 0;
            int steps = selected.size() * (variants.size() + (backend == BackendChoice.OPENCL ? 0 : 1));
            for (LayerShape shape : selected) {
                Tensor reference = cpuOnly.reference(shape);
                for (int i = 0; i < variants.size(); i++) {
                    progress.printf(Locale.ROOT, "[%d/%d] %s %s opencl %s%n", ++step, steps, shape.name(),
                            shape.dtype(), variants.get(i).name().toLowerCase(Locale.ROOT));
                    progress.flush();
                    results.add(benchmarks.get(i).openCl(shape, reference));
                    groups.add("opencl " + variants.get(i).name().toLowerCase(Locale.ROOT));
                }
                if (backend != BackendChoice.OPENCL) {
                    progress.printf(Locale.ROOT, "[%d/%d] %s %s cpu%n", ++step, steps, shape.name(), shape.dtype());
                    progress.flush();
                    results.add(cpuOnly.cpu(shape, reference));
                    groups.add("cpu");
                }
            }
            if (!variants.isEmpty()) {
                // In the same process and right after the shapes, so that it sees the machine they saw.
                floor = benchmarks.get(0).latencyFloor(FLOOR_REPETITIONS);
                floorDevice = benchmarks.get(0).openClDevice();
            }
        } finally {
            benchmarks.forEach(Benchmark::close);
        }

        printTable(out, selected, results, groups, torchRows, ceiling);
        if (floor != null) {
            out.println();
            out.printf(Locale.ROOT, "latency floor of %s (wall, median of %d): 8 KB in + empty kernel + 16 KB blocking "
                    + "read %.3f ms; empty kernel + clFinish %.3f ms%n", floorDevice, floor.repetitions(),
                    floor.roundTripMs(), floor.emptyKernelMs());
        }
        if (roofline && !variants.isEmpty()) {
            try (Benchmark probe = new Benchmark(KernelVariant.AUTO, runs, warmupSeconds)) {
                Roofline ceilings = probe.roofline();
                out.println();
                out.printf(Locale.ROOT, "roofline of %s: peak %.1f GFLOP/s (FP32 multiply-add), copy %.1f GB/s%n",
                        probe.openClDevice(), ceilings.peakGflops(), ceilings.copyGbps());
                for (int i = 0; i < results.size(); i++) {
                    BenchmarkResult r = results.get(i);
                    if (r.backend().equals("opencl")) {
                        out.printf(Locale.ROOT, "  %-13s %-28s %5.1f%% of peak FLOP/s, %5.1f%% of copy bandwidth%n",
                                r.name(), groups.get(i), 100 * r.gflops() / ceilings.peakGflops(),
                                100 * r.gbps() / ceilings.copyGbps());
                    }
                }
            }
        }
        if (againstRule && !variants.isEmpty()) {
            printAgainstRule(out, selected.stream().map(BenchmarkShape.class::cast).toList());
        }
        if (stream && !variants.isEmpty()) {
            printStreaming(out);
        }
        if (json != null) {
            writeJson(json, results);
        }
        return checkAccuracy(selected, results);
    }

    /**
     * The backward rows: per shape, the CPU reference's gradients, then each requested OpenCL variant's and
     * the CPU's backward call timed (wall), checked gradient by gradient.
     */
    private int timeBackward(List<LayerShape> selected, List<KernelVariant> variants, Map<String, TorchRow> torchRows,
            PrintWriter out, PrintWriter progress) throws IOException {
        List<BackwardResult> results = new ArrayList<>();
        List<Benchmark> benchmarks = new ArrayList<>();
        try {
            for (KernelVariant v : variants) {
                benchmarks.add(new Benchmark(v, runs, warmupSeconds));
            }
            Benchmark cpuOnly = new Benchmark(null, runs, warmupSeconds);
            benchmarks.add(cpuOnly);
            int step = 0;
            int steps = selected.size() * (variants.size() + (backend == BackendChoice.OPENCL ? 0 : 1));
            for (LayerShape shape : selected) {
                ConvGradients reference = cpuOnly.referenceGradients(shape);
                for (int i = 0; i < variants.size(); i++) {
                    progress.printf(Locale.ROOT, "[%d/%d] %s %s backward opencl %s%n", ++step, steps, shape.name(),
                            shape.dtype(), variants.get(i).name().toLowerCase(Locale.ROOT));
                    progress.flush();
                    results.add(benchmarks.get(i).backward(shape, reference, false));
                }
                if (backend != BackendChoice.OPENCL) {
                    progress.printf(Locale.ROOT, "[%d/%d] %s %s backward cpu%n", ++step, steps, shape.name(),
                            shape.dtype());
                    progress.flush();
                    results.add(cpuOnly.backward(shape, reference, true));
                }
            }
        } finally {
            benchmarks.forEach(Benchmark::close);
        }
        Map<String, LayerShape> byName = new HashMap<>();
        selected.forEach(shape -> byName.put(shape.name(), shape));
        boolean withTorch = !torchRows.isEmpty();
        List<String> headers = new ArrayList<>(List.of("NAME", "BACKEND", "VARIANT", "WALL ms", "MIN ms", "GFLOP/s",
                "DX ERR", "DW ERR", "DB ERR"));
        if (withTorch) {
            headers.addAll(List.of("TORCH ms", "RATIO"));
        }
        TextTable table = new TextTable(headers.toArray(String[]::new)).alignRight(3, 4, 5, 6, 7, 8);
        if (withTorch) {
            table.alignRight(9, 10);
        }
        Map<String, List<Double>> ratios = new LinkedHashMap<>();
        for (BackwardResult r : results) {
            // The input and the weight gradient each take as many multiply-adds as the forward call.
            double gflops = 2 * byName.get(r.name()).flops() / r.wallMedianMs() / 1e6;
            List<Object> cells = new ArrayList<>(List.of(r.name(), r.backend(), r.variant(),
                    format("%.3f", r.wallMedianMs()), format("%.3f", r.wallMinMs()), format("%.1f", gflops),
                    format("%.1e", r.inputRelErr()), format("%.1e", r.weightRelErr()), format("%.1e", r.biasRelErr())));
            if (withTorch) {
                TorchRow peer = torchRows.get(r.name());
                cells.add(peer == null ? "-" : format("%.3f", peer.medianMs()));
                cells.add(peer == null ? "-" : format("%.2fx", peer.medianMs() / r.wallMedianMs()));
                if (peer != null) {
                    ratios.computeIfAbsent(r.backend() + " " + r.variant(), k -> new ArrayList<>())
                            .add(peer.medianMs() / r.wallMedianMs());
                }
            }
            table.row(cells.toArray());
        }
        out.println();
        out.println("backward calls (input, weight and bias gradients; host tensors in and out; wall time; GFLOP/s "
                + "counts twice the forward call's flops)");
        table.print(out);
        if (withTorch) {
            out.println();
            ratios.forEach((group, values) -> out.printf(Locale.ROOT, "geometric mean ratio to PyTorch's backward, %s: "
                    + "%.2fx over %d of %d shapes%n", group, geometricMean(values), values.size(), selected.size()));
        }
        if (json != null) {
            writeJson(json, results);
        }
        int status = ExitCode.OK;
        String[] gradientNames = {"input", "weight", "bias"};
        for (BackwardResult r : results) {
            double[] tolerances = byName.get(r.name()).gradientTolerances();
            double[] errors = {r.inputRelErr(), r.weightRelErr(), r.biasRelErr()};
            for (int g = 0; g < errors.length; g++) {
                if (!(errors[g] <= tolerances[g])) {
                    spec.commandLine().getErr().println(Main.ERROR_PREFIX + r.name() + " on " + r.backend() + " "
                            + r.variant() + ": the " + gradientNames[g] + " gradient differs from the CPU reference by "
                            + format("%.3e", errors[g]) + ", above the tolerance " + format("%.3e", tolerances[g]));
                    status = ExitCode.SOFTWARE;
                }
            }
        }
        return status;
    }

    /**
     * The --hifigan rows: each generator built from seeded random weights, then timed whole and streamed on
     * each requested OpenCL variant (or on the CPU reference with --backend cpu).
     */
    private int timeHifiGan() throws IOException {
        if (frames < 1) {
            throw new IllegalArgumentException("--frames must be at least 1, got " + frames);
        }
        if (backward || tune || againstRule || roofline || stream || !shapes.isEmpty() || !only.isEmpty()) {
            throw new IllegalArgumentException("--hifigan times generators alone: drop --backward, --tune, "
                    + "--against-rule, --roofline, --stream, --shape and --only");
        }
        List<RandomHifiGan> configs = hifigan.stream().map(RandomHifiGan::of).toList();
        List<KernelVariant> variants = backend == BackendChoice.CPU ? List.of() : selectedVariants();
        Map<String, TorchRow> torchRows = torch == null ? Map.of() : readTorch(torch);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter progress = spec.commandLine().getErr();
        List<HifiGanResult> results = new ArrayList<>();
        List<String> groups = new ArrayList<>();
        List<Long> parameters = new ArrayList<>();
        List<Benchmark> benchmarks = new ArrayList<>();
        try {
            for (KernelVariant v : variants) {
                benchmarks.add(new Benchmark(v, runs, warmupSeconds));
            }
            if (variants.isEmpty()) {
                benchmarks.add(new Benchmark(null, runs, warmupSeconds));
            }
            int step = 0;
            for (RandomHifiGan config : configs) {
                StateDict weights = config.weights(HIFIGAN_SEED);
                HifiGan model = config.load(weights);
                for (int i = 0; i < benchmarks.size(); i++) {
                    String group = variants.isEmpty() ? "cpu" : "opencl " + variants.get(i).name().toLowerCase(Locale.ROOT);
                    progress.printf(Locale.ROOT, "[%d/%d] hifigan %s %s (the first call builds the programs: up to "
                            + "a minute or more with a cold POCL cache)%n", ++step, configs.size() * benchmarks.size(),
                            config.name(), group);
                    progress.flush();
                    results.add(benchmarks.get(i).hifigan(config.name(), model, config.numMels(), frames,
                            STREAM_FRAMES, variants.isEmpty()));
                    groups.add(group);
                    parameters.add(RandomHifiGan.parameterCount(weights));
                }
            }
        } finally {
            benchmarks.forEach(Benchmark::close);
        }
        boolean withTorch = !torchRows.isEmpty();
        List<String> headers = new ArrayList<>(List.of("CONFIG", "BACKEND", "PARAMS", "FRAMES", "SAMPLES", "FIRST ms",
                "MEDIAN ms", "MIN ms", "RUNS", "ms / s AUDIO", "RTF", "PUSH ms", "PUSH MIN ms", "PUSH SAMPLES",
                "LOOK-AHEAD"));
        if (withTorch) {
            headers.addAll(List.of("TORCH ms", "TORCH RTF", "RATIO"));
        }
        TextTable table = new TextTable(headers.toArray(String[]::new)).alignRight(2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
                12, 13, 14);
        if (withTorch) {
            table.alignRight(15, 16, 17);
        }
        Map<String, List<Double>> ratios = new LinkedHashMap<>();
        for (int i = 0; i < results.size(); i++) {
            HifiGanResult r = results.get(i);
            List<Object> cells = new ArrayList<>(List.of(r.name(), groups.get(i),
                    format("%.2fM", parameters.get(i) / 1e6), r.frames(), r.samples(), format("%.1f", r.firstMs()),
                    format("%.2f", r.medianMs()), format("%.2f", r.minMs()), r.runs(),
                    format("%.1f", r.msPerAudioSecond()), format("%.2f", r.realTimeFactor()),
                    format("%.2f", r.pushMedianMs()), format("%.2f", r.pushMinMs()), r.samplesPerPush(),
                    r.heldBackSamples() + " (" + format("%.1f", 1e3 * r.heldBackSamples() / r.samplingRate())
                            + " ms)"));
            if (withTorch) {
                TorchRow peer = torchRows.get("hifigan_" + r.name());
                // PyTorch's script times its own --frames: a row of another length is not comparable.
                boolean comparable = peer != null && (peer.frames() == null || peer.frames() == r.frames());
                cells.add(comparable ? format("%.2f", peer.medianMs()) : "-");
                cells.add(comparable ? format("%.2f", r.audioSeconds() * 1000 / peer.medianMs()) : "-");
                cells.add(comparable ? format("%.2fx", peer.medianMs() / r.medianMs()) : "-");
                if (comparable) {
                    ratios.computeIfAbsent(groups.get(i), k -> new ArrayList<>()).add(peer.medianMs() / r.medianMs());
                }
            }
            table.row(cells.toArray());
        }
        out.println();
        out.printf(Locale.ROOT, "HiFi-GAN generators, seeded random weights, FLOAT32, batch 1: a mel of %d frames to audio "
                + "(host to host; FIRST includes program builds and weight uploads; then the median of RUNS after a "
                + "warm-up call), RTF = seconds of audio per second of compute; streaming %d frames per push (median and "
                + "min of %d pushes after the warm-up's) and the audio the pushes so far have held back (the look-ahead)%n",
                frames, STREAM_FRAMES, runs);
        table.print(out);
        if (withTorch) {
            out.println();
            ratios.forEach((group, values) -> out.printf(Locale.ROOT, "geometric mean ratio to PyTorch (PyTorch ms / "
                    + "clconvt ms), %s: %.2fx over %d of %d configs%n", group, geometricMean(values), values.size(),
                    configs.size()));
        }
        if (json != null) {
            writeJson(json, results);
        }
        return ExitCode.OK;
    }

    /** Per shape, auto's plan against the built-in rule's, timed alternately in this process. */
    private void printAgainstRule(PrintWriter out, List<BenchmarkShape> shapes) {
        try (Benchmark probe = new Benchmark(KernelVariant.AUTO, runs, warmupSeconds)) {
            out.println();
            out.printf(Locale.ROOT, "auto against the built-in rule (device time, %d pairs of calls alternating; below 1: "
                    + "auto is faster)%n", runs);
            List<Double> medians = new ArrayList<>();
            for (BenchmarkShape shape : shapes) {
                double[] ratios = probe.againstRule(shape);
                double median = Benchmark.median(ratios);
                medians.add(median);
                out.printf(Locale.ROOT, "  %-13s %-36s %.3f (quartiles %.3f-%.3f)%n", shape.name(), probe.plan(shape),
                        median, ratios[ratios.length / 4], ratios[3 * ratios.length / 4]);
            }
            out.printf(Locale.ROOT, "  geometric mean %.3f%n", Math.exp(medians.stream().mapToDouble(Math::log)
                    .average().orElse(0)));
        }
    }

    /** The streaming row: the demo's HiFi-GAN stack, fed {@link #STREAM_FRAMES} frames per push. */
    private void printStreaming(PrintWriter out) {
        Sequential.Builder builder = Sequential.builder();
        long seed = 1;
        for (DemoCommand.Stage stage : DemoCommand.STACK) {
            builder.add(stage.layer(seed++));
        }
        DType streamDtype = dtype == null ? DType.FLOAT32 : BenchmarkShape.dtype(dtype);
        try (Benchmark probe = new Benchmark(KernelVariant.AUTO, runs, warmupSeconds)) {
            Benchmark.StreamingResult r = probe.streaming(builder.build(), DemoCommand.STACK.get(0).inChannels(),
                    STREAM_FRAMES, streamDtype);
            out.println();
            out.printf(Locale.ROOT, "streaming HiFi-GAN V1 upsampling (%s, %s): %d frames per push, %.3f ms per push"
                    + " (median; min %.3f), %d samples per push = %.1f ms of audio at %.0f Hz%n", streamDtype,
                    r.device(), r.framesPerPush(), r.medianMs(), r.minMs(), r.samplesPerPush(),
                    1e3 * r.samplesPerPush() / DemoCommand.AUDIO_RATE_HZ, DemoCommand.AUDIO_RATE_HZ);
        }
    }

    private List<LayerShape> selectedShapes() {
        List<LayerShape> selected = new ArrayList<>();
        switch (suite) {
            case "decoder" -> {
                if (shapes.isEmpty()) {
                    selected.addAll(BenchmarkShape.decoderSuite());
                } else {
                    shapes.stream().map(BenchmarkShape::parse).forEach(selected::add);
                }
            }
            case "resblocks" -> {
                if (shapes.isEmpty()) {
                    selected.addAll(Conv1dShape.resblocksSuite());
                } else {
                    shapes.stream().map(Conv1dShape::parse).forEach(selected::add);
                }
            }
            default -> throw new IllegalArgumentException("--suite must be 'decoder' or 'resblocks', got '" + suite
                    + "'");
        }
        if (!only.isEmpty()) {
            List<String> names = selected.stream().map(LayerShape::name).toList();
            for (String name : only) {
                if (!names.contains(name)) {
                    throw new IllegalArgumentException("--only: no shape named '" + name + "' in " + (shapes.isEmpty()
                            ? "the " + suite + " suite" : "the --shape list") + " (" + String.join(", ", names) + ")");
                }
            }
            selected.removeIf(shape -> !only.contains(shape.name()));
        }
        if (dtype == null) {
            return selected;
        }
        DType override = BenchmarkShape.dtype(dtype);
        return selected.stream().map(shape -> shape.withDtype(override)).toList();
    }

    private List<KernelVariant> selectedVariants() {
        if (variant.equalsIgnoreCase("all")) {
            return List.of(KernelVariant.DIRECT, KernelVariant.PHASE, KernelVariant.TILED, KernelVariant.ROWS,
                    KernelVariant.GEMM, KernelVariant.AUTO);
        }
        try {
            return List.of(KernelVariant.valueOf(variant.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--variant must be auto, direct, phase, tiled, gemm or all, got '" + variant
                    + "'");
        }
    }

    private int tune(List<BenchmarkShape> shapes, PrintWriter out, PrintWriter progress) {
        out.println("tuning file: " + Benchmark.tuningFile());
        try (Benchmark benchmark = new Benchmark(KernelVariant.AUTO, runs, warmupSeconds)) {
            int step = 0;
            for (BenchmarkShape shape : shapes) {
                progress.printf(Locale.ROOT, "[%d/%d] tuning %s%n", ++step, shapes.size(), shape.name());
                progress.flush();
                out.println(shape.name() + ": " + benchmark.tune(shape, benchmark.reference(shape)));
            }
        }
        return ExitCode.OK;
    }

    /** A PyTorch timing: the median milliseconds of a row, and the mel frames it ran (HiFi-GAN rows only). */
    private record TorchRow(double medianMs, Integer frames) {
    }

    /** PyTorch's rows by name from the peer scripts' JSON lines (name, median_ms, frames for HiFi-GAN). */
    private static Map<String, TorchRow> readTorch(Path file) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        Map<String, TorchRow> rows = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank() || !line.strip().startsWith("{")) {
                continue; // the peers may print their configuration on lines of their own
            }
            JsonNode row = mapper.readTree(line);
            if (row.hasNonNull("name") && row.hasNonNull("median_ms")) {
                rows.put(row.get("name").asText(), new TorchRow(row.get("median_ms").asDouble(),
                        row.hasNonNull("frames") ? row.get("frames").asInt() : null));
            }
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("--torch: " + file + " holds no JSON line with name and median_ms");
        }
        return rows;
    }

    /** The OpenBLAS ceilings of sgemm_ceiling.py's last JSON line. */
    private record Ceiling(double sgemmGflops, double dgemmGflops, String core) {
        static Ceiling read(Path file) throws IOException {
            List<String> lines = Files.readAllLines(file).stream().filter(l -> l.strip().startsWith("{")).toList();
            if (lines.isEmpty()) {
                throw new IllegalArgumentException("--sgemm: " + file + " holds no JSON line");
            }
            JsonNode row = new ObjectMapper().readTree(lines.get(lines.size() - 1));
            if (!row.hasNonNull("gflops")) {
                throw new IllegalArgumentException("--sgemm: " + file + " has no gflops field");
            }
            double sgemm = row.get("gflops").asDouble();
            return new Ceiling(sgemm, row.hasNonNull("dgemm_gflops") ? row.get("dgemm_gflops").asDouble() : sgemm,
                    row.hasNonNull("openblas_core") ? row.get("openblas_core").asText() : "unknown");
        }

        double of(DType dtype) {
            return dtype == DType.FLOAT64 ? dgemmGflops : sgemmGflops;
        }
    }

    private static void printTable(PrintWriter out, List<LayerShape> shapes, List<BenchmarkResult> results,
            List<String> groups, Map<String, TorchRow> torchRows, Ceiling ceiling) {
        Map<String, LayerShape> byName = new HashMap<>();
        shapes.forEach(s -> byName.put(s.name(), s));
        boolean withTorch = !torchRows.isEmpty();
        List<String> headers = new ArrayList<>(List.of("NAME", "BACKEND", "VARIANT", "MEDIAN ms", "MIN ms",
                "WALL ms", "GFLOP/s", "GB/s", "MAX REL ERR"));
        if (ceiling != null) {
            headers.add("% SGEMM");
        }
        if (withTorch) {
            headers.addAll(List.of("TORCH ms", "TORCH GFLOP/s", "RATIO", "WALL RATIO"));
        }
        TextTable table = new TextTable(headers.toArray(String[]::new)).alignRight(
                java.util.stream.IntStream.range(3, headers.size()).toArray());
        Map<String, List<double[]>> ratios = new LinkedHashMap<>();
        for (int i = 0; i < results.size(); i++) {
            BenchmarkResult r = results.get(i);
            List<Object> cells = new ArrayList<>(List.of(r.name(), r.backend(), r.variant(), format("%.3f", r.medianMs()),
                    format("%.3f", r.minMs()), format("%.3f", r.wallMedianMs()), format("%.1f", r.gflops()),
                    format("%.1f", r.gbps()), format("%.1e", r.maxRelErr())));
            if (ceiling != null) {
                cells.add(format("%.0f%%", 100 * r.gflops() / ceiling.of(byName.get(r.name()).dtype())));
            }
            if (withTorch) {
                TorchRow peer = torchRows.get(r.name());
                cells.add(peer == null ? "-" : format("%.3f", peer.medianMs()));
                cells.add(peer == null ? "-" : format("%.1f", byName.get(r.name()).flops() / peer.medianMs() / 1e6));
                cells.add(peer == null ? "-" : format("%.2fx", peer.medianMs() / r.medianMs()));
                cells.add(peer == null ? "-" : format("%.2fx", peer.medianMs() / r.wallMedianMs()));
                if (peer != null) {
                    ratios.computeIfAbsent(groups.get(i), k -> new ArrayList<>()).add(new double[] {
                        peer.medianMs() / r.medianMs(), peer.medianMs() / r.wallMedianMs()});
                }
            }
            table.row(cells.toArray());
        }
        out.println();
        table.print(out);
        if (ceiling != null) {
            out.println();
            out.printf(Locale.ROOT, "OpenBLAS ceiling (sgemm_ceiling.py, core %s): sgemm %.1f GFLOP/s, dgemm %.1f "
                    + "GFLOP/s%n", ceiling.core(), ceiling.sgemmGflops(), ceiling.dgemmGflops());
        }
        if (withTorch) {
            // Ratios are PyTorch ms / clconvt ms: above 1, clconvt is faster.
            out.println();
            ratios.forEach((group, values) -> out.printf(Locale.ROOT, "geometric mean ratio to PyTorch, %s: %.2fx over "
                    + "%d of %d shapes (wall: %.2fx)%n", group, geometricMean(values.stream().map(v -> v[0]).toList()),
                    values.size(), shapes.size(), geometricMean(values.stream().map(v -> v[1]).toList())));
        }
    }

    private static double geometricMean(List<Double> values) {
        return Math.exp(values.stream().mapToDouble(Math::log).average().orElse(Double.NaN));
    }

    private static void writeJson(Path file, List<?> results) throws IOException {
        ObjectMapper mapper = new ObjectMapper()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(SerializationFeature.INDENT_OUTPUT);
        Path temporary = Files.createTempFile(file.toAbsolutePath().getParent(), ".bench", ".json");
        try {
            mapper.writeValue(temporary.toFile(), results);
            Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Exit 1 if any row is further from the CPU reference than float rounding allows. */
    private int checkAccuracy(List<LayerShape> shapes, List<BenchmarkResult> results) {
        Map<String, LayerShape> byName = new HashMap<>();
        shapes.forEach(s -> byName.put(s.name(), s));
        int status = ExitCode.OK;
        for (BenchmarkResult r : results) {
            double tolerance = byName.get(r.name()).tolerance();
            if (!(r.maxRelErr() <= tolerance)) {
                spec.commandLine().getErr().println(Main.ERROR_PREFIX + r.name() + " on " + r.backend() + " "
                        + r.variant() + " differs from the CPU reference by " + format("%.3e", r.maxRelErr())
                        + ", above the tolerance " + format("%.3e", tolerance));
                status = ExitCode.SOFTWARE;
            }
        }
        return status;
    }

    private static String format(String pattern, double value) {
        return String.format(Locale.ROOT, pattern, value);
    }
}
