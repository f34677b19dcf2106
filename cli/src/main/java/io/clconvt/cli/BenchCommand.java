package io.clconvt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.clconvt.DType;
import io.clconvt.Sequential;
import io.clconvt.Tensor;
import io.clconvt.bench.Benchmark;
import io.clconvt.bench.BenchmarkResult;
import io.clconvt.bench.BenchmarkShape;
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
 * Times the OpenCL variants and the CPU backend on the decoder suite or given shapes, after checking
 * each result against the CPU reference, and prints a table (optionally beside PyTorch's numbers).
 */
@Command(name = "bench", mixinStandardHelpOptions = true, version = "clconvt " + Main.VERSION,
        description = {"Times transposed convolutions on OpenCL and the CPU.",
            "Each result is first checked against the CPU reference; then median and min of --runs timed runs "
                    + "after warm-up: OpenCL device time from profiling events, and host-to-host wall time.",
            "On OpenCL it then prints the device's latency floor: the wall time of 8 KB in, an empty kernel and a "
                    + "16 KB blocking read, and of an empty kernel and clFinish.",
            "Exits 1 if a result differs from the reference beyond tolerance."})
final class BenchCommand implements Callable<Integer> {
    enum BackendChoice { OPENCL, CPU, ALL }

    @Spec
    private CommandSpec spec;

    @Option(names = "--suite", defaultValue = "decoder", paramLabel = "decoder",
            description = "The built-in suite, used when no --shape is given. Default: ${DEFAULT-VALUE}.")
    private String suite;

    @Option(names = "--shape", paramLabel = "name=..,n=,cin=,cout=,k=,stride=,padding=,dilation=,groups=,lin=,"
            + "layout=,dtype=", description = "A shape to time instead of the suite; repeatable.")
    private List<String> shapes = new ArrayList<>();

    @Option(names = "--dtype", paramLabel = "float32|float64|float16|bfloat16",
            description = "Run every shape in this dtype instead of its own (the suite's are float32).")
    private String dtype;

    @Option(names = "--backend", defaultValue = "all", paramLabel = "opencl|cpu|all",
            description = "Default: ${DEFAULT-VALUE}.")
    private BackendChoice backend;

    @Option(names = "--variant", defaultValue = "auto", paramLabel = "auto|direct|phase|tiled|rows|gemm|all",
            description = "OpenCL kernel variant(s) to time. Default: ${DEFAULT-VALUE}.")
    private String variant;

    @Option(names = "--runs", defaultValue = "20", description = "Timed runs per row. Default: ${DEFAULT-VALUE}.")
    private int runs;

    @Option(names = "--warmup", defaultValue = "1", paramLabel = "SECONDS", description = "Untimed calls before each "
            + "row's timed runs, for this long (at least 3 calls): the JVM compiles the host path after some thousand "
            + "calls, which decides a small layer's wall time. Default: ${DEFAULT-VALUE}.")
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

    @Option(names = "--torch", paramLabel = "FILE",
            description = "Output of torch_reference.py (JSON lines) to show PyTorch's GFLOP/s and the ratio.")
    private Path torch;

    @Override
    public Integer call() throws IOException {
        List<BenchmarkShape> selected = selectedShapes();
        List<KernelVariant> variants = backend == BackendChoice.CPU ? List.of() : selectedVariants();
        Map<String, Double> torchGflops = torch == null ? Map.of() : readTorch(torch);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter progress = spec.commandLine().getErr();

        if (tune) {
            return tune(selected, out, progress);
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
            for (BenchmarkShape shape : selected) {
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

        printTable(out, selected, results, groups, torchGflops);
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
            printAgainstRule(out, selected);
        }
        if (stream && !variants.isEmpty()) {
            printStreaming(out);
        }
        if (json != null) {
            writeJson(json, results);
        }
        return checkAccuracy(selected, results);
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

    private List<BenchmarkShape> selectedShapes() {
        List<BenchmarkShape> selected;
        if (!shapes.isEmpty()) {
            selected = shapes.stream().map(BenchmarkShape::parse).toList();
        } else if (!suite.equals("decoder")) {
            throw new IllegalArgumentException("--suite must be 'decoder', got '" + suite + "'");
        } else {
            selected = BenchmarkShape.decoderSuite();
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

    /** GFLOP/s by shape name from torch_reference.py's JSON lines. */
    private static Map<String, Double> readTorch(Path file) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        Map<String, Double> gflops = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode row = mapper.readTree(line);
            gflops.put(row.get("name").asText(), row.get("gflops").asDouble());
        }
        return gflops;
    }

    private static void printTable(PrintWriter out, List<BenchmarkShape> shapes, List<BenchmarkResult> results,
            List<String> groups, Map<String, Double> torchGflops) {
        boolean withTorch = !torchGflops.isEmpty();
        List<String> headers = new ArrayList<>(List.of("NAME", "BACKEND", "VARIANT", "MEDIAN ms", "MIN ms",
                "WALL ms", "GFLOP/s", "GB/s", "MAX REL ERR"));
        if (withTorch) {
            headers.addAll(List.of("TORCH GFLOP/s", "RATIO"));
        }
        TextTable table = new TextTable(headers.toArray(String[]::new)).alignRight(3, 4, 5, 6, 7, 8);
        if (withTorch) {
            table.alignRight(9, 10);
        }
        for (BenchmarkResult r : results) {
            List<Object> cells = new ArrayList<>(List.of(r.name(), r.backend(), r.variant(), format("%.3f", r.medianMs()),
                    format("%.3f", r.minMs()), format("%.3f", r.wallMedianMs()), format("%.1f", r.gflops()),
                    format("%.1f", r.gbps()), format("%.1e", r.maxRelErr())));
            if (withTorch) {
                Double reference = torchGflops.get(r.name());
                cells.add(reference == null ? "-" : format("%.1f", reference));
                cells.add(reference == null ? "-" : format("%.2fx", r.gflops() / reference));
            }
            table.row(cells.toArray());
        }
        out.println();
        table.print(out);
        if (withTorch) {
            printGeometricMeans(out, shapes, results, groups, torchGflops);
        }
    }

    /** Per backend and requested variant, the geometric mean of the ratios to PyTorch. */
    private static void printGeometricMeans(PrintWriter out, List<BenchmarkShape> shapes,
            List<BenchmarkResult> results, List<String> groups, Map<String, Double> torchGflops) {
        Map<String, double[]> sums = new LinkedHashMap<>();
        for (int i = 0; i < results.size(); i++) {
            Double reference = torchGflops.get(results.get(i).name());
            if (reference != null) {
                double[] sum = sums.computeIfAbsent(groups.get(i), k -> new double[2]);
                sum[0] += Math.log(results.get(i).gflops() / reference);
                sum[1]++;
            }
        }
        out.println();
        sums.forEach((group, sum) -> out.printf(Locale.ROOT, "geometric mean ratio to PyTorch, %s: %.2fx over %d of %d"
                + " shapes%n", group, Math.exp(sum[0] / sum[1]), (int) sum[1], shapes.size()));
    }

    private static void writeJson(Path file, List<BenchmarkResult> results) throws IOException {
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
    private int checkAccuracy(List<BenchmarkShape> shapes, List<BenchmarkResult> results) {
        Map<String, BenchmarkShape> byName = new HashMap<>();
        shapes.forEach(s -> byName.put(s.name(), s));
        int status = ExitCode.OK;
        for (BenchmarkResult r : results) {
            BenchmarkShape s = byName.get(r.name());
            double tolerance = Benchmark.tolerance(s.dtype(), s.cin(), s.groups(), s.k(), s.stride(), s.dilation());
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
