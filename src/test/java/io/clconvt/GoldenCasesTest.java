package io.clconvt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.io.Npy;
import io.clconvt.testing.Accuracy;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestScope;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every case of the PyTorch golden set ({@code src/test/resources/golden/torch/manifest.json}, read from
 * the classpath; float64 references derived by its {@code make_golden.py}) on the CPU backend and on each OpenCL kernel variant: "ok" cases must match within {@link Accuracy}'s bound, "error" cases
 * must be rejected with IllegalArgumentException. Arrays are read with the project's own .npy reader.
 * The "ok" cases run again stored in 16 bits, alternately FLOAT16 and BFLOAT16: inputs rounded to the dtype,
 * the reference recomputed from those rounded inputs on the CPU backend in FLOAT64 and rounded once.
 *
 * <p>Each case's shape is its own program for each specialised variant (phase, tiled, rows, gemm: K, stride,
 * dilation, tile and dtype are build options), about a thousand in all, which POCL compiles at a second each
 * with its cache empty. The default build therefore runs every case on the CPU reference and the direct
 * kernel (whose programs depend on the dtype and activation only), every "error" case on every backend (a
 * refusal builds nothing), and each "ok" case on one specialised variant in rotation; in 16 bits, the
 * specialised variants run the cases of a rotation that meets every feature on every variant. The
 * exhaustive profile ({@link TestScope}) runs every case on every backend.
 */
class GoldenCasesTest {
    /** The CPU reference and every OpenCL variant, each run explicitly. */
    private static final List<String> BACKENDS = List.of("cpu", "direct", "phase", "tiled", "rows", "gemm");
    /** The variants with a program per shape, which the default build runs in rotation over the "ok" cases. */
    private static final List<String> SPECIALISED = List.of("phase", "tiled", "rows", "gemm");
    private static final Map<String, Backend> OPEN = new HashMap<>();

    @AfterAll
    static void close() {
        OPEN.values().forEach(Backend::close);
        OPEN.clear();
    }

    private static synchronized Backend backend(String name) {
        return OPEN.computeIfAbsent(name, n -> n.equals("cpu")
                ? Backends.cpu()
                : OpenClSupport.backend(KernelVariant.valueOf(n.toUpperCase())));
    }

    /** The upstream copy in the project's workspace, beside the repository; absent in a plain clone. */
    private static final Path UPSTREAM = Path.of("..", "shared", "golden", "torch");

    private static Path goldenDirectory() {
        URL manifest = GoldenCasesTest.class.getResource("/golden/torch/manifest.json");
        assertTrue(manifest != null, "golden/torch/manifest.json is not on the test classpath");
        try {
            return Path.of(manifest.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Where the upstream copy exists, the repository's copy must be the same files, byte for byte. */
    @Test
    void repositoryCopyMatchesUpstream() throws IOException {
        assumeTrue(Files.isRegularFile(UPSTREAM.resolve("manifest.json")), "no upstream copy at " + UPSTREAM);
        Path copy = goldenDirectory();
        List<String> upstreamFiles = fileNames(UPSTREAM);
        List<String> copiedFiles = fileNames(copy).stream().filter(name -> !name.equals("make_golden.py")).toList();
        assertEquals(upstreamFiles, copiedFiles, "file list of " + copy + " vs " + UPSTREAM);
        for (String name : upstreamFiles) {
            assertArrayEquals(Files.readAllBytes(UPSTREAM.resolve(name)), Files.readAllBytes(copy.resolve(name)),
                    name + " differs from the upstream copy; copy it again and rerun make_golden.py");
        }
    }

    private static List<String> fileNames(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        }
    }

    @TestFactory
    List<DynamicTest> goldenCases() throws IOException {
        Path dir = goldenDirectory();
        List<JsonNode> cases = cases(dir);
        List<DynamicTest> tests = new ArrayList<>();
        for (String backend : BACKENDS) {
            int ok = 0;
            for (JsonNode c : cases) {
                // An "error" case runs everywhere: a refusal builds no program.
                if (!isOk(c) || runsInStoredDtype(backend, ok++)) {
                    tests.add(DynamicTest.dynamicTest(describe(c) + " [" + backend + "]",
                            () -> check(dir, c, () -> backend(backend))));
                }
            }
        }
        return tests;
    }

    /** The specialised variant the {@code ok}-th "ok" case has in the rotation of the stored dtypes. */
    private static String storedVariant(int ok) {
        return SPECIALISED.get(ok % SPECIALISED.size());
    }

    /**
     * Whether the {@code ok}-th "ok" case runs on {@code backend} in its stored dtype: on the CPU and the
     * direct kernel always; on its specialised variant in rotation (on all in the exhaustive profile).
     */
    private static boolean runsInStoredDtype(String backend, int ok) {
        return !SPECIALISED.contains(backend) || TestScope.exhaustive() || backend.equals(storedVariant(ok));
    }

    @TestFactory
    List<DynamicTest> goldenCasesInHalfPrecision() throws IOException {
        Path dir = goldenDirectory();
        List<JsonNode> okCases = cases(dir).stream().filter(GoldenCasesTest::isOk).toList();
        Set<Integer> covering = halfPrecisionCovering(okCases);
        List<DynamicTest> tests = new ArrayList<>();
        for (String backend : BACKENDS) {
            for (int index = 0; index < okCases.size(); index++) {
                JsonNode c = okCases.get(index);
                DType dtype = halfDtype(index);
                if (runsInHalfPrecision(backend, index, covering)) {
                    tests.add(DynamicTest.dynamicTest(describe(c) + " as " + dtype + " [" + backend + "]",
                            () -> checkInHalfPrecision(dir, c, dtype, () -> backend(backend))));
                }
            }
        }
        assertTrue(tests.size() >= 2 * BACKENDS.size(), "golden cases found: " + tests.size());
        return tests;
    }

    /**
     * The 16-bit dtype of the {@code ok}-th "ok" case: alternately, so that each dtype meets every kind of
     * case at the cost of one pass: POCL compiles the 16-bit stores of the phase and tiled programs slowly,
     * seconds per program.
     */
    private static DType halfDtype(int ok) {
        return ok % 2 == 0 ? DType.FLOAT16 : DType.BFLOAT16;
    }

    /**
     * The specialised variant the {@code ok}-th "ok" case has in the 16-bit rotation: one per pair of cases,
     * so that, the dtype alternating case by case, every variant meets both dtypes.
     */
    private static String halfVariant(int ok) {
        return SPECIALISED.get((ok / 2) % SPECIALISED.size());
    }

    /**
     * Whether the {@code ok}-th "ok" case runs on {@code backend} in 16 bits: on the CPU and the direct
     * kernel always; on its variant of the 16-bit rotation where it is one of the {@code covering} cases
     * (all in the exhaustive profile).
     */
    private static boolean runsInHalfPrecision(String backend, int ok, Set<Integer> covering) {
        return !SPECIALISED.contains(backend) || TestScope.exhaustive()
                || backend.equals(halfVariant(ok)) && covering.contains(ok);
    }

    /**
     * The "ok" cases that the 16-bit rotation keeps in the default build: in order, each case whose
     * variant meets in it a feature or a dtype it has not met in an earlier kept case.
     */
    private static Set<Integer> halfPrecisionCovering(List<JsonNode> okCases) {
        List<Set<String>> features = new ArrayList<>();
        for (int index = 0; index < okCases.size(); index++) {
            Set<String> own = new LinkedHashSet<>();
            for (String feature : features(okCases.get(index), halfDtype(index))) {
                own.add(halfVariant(index) + " " + feature);
            }
            features.add(own);
        }
        return TestScope.covering(features, own -> own);
    }

    /**
     * What the default build's sample must keep: every feature of the set meets every specialised variant,
     * in the stored dtypes (the rotation) and in 16 bits (the covering rotation). A manifest whose cases
     * leave a variant without a feature in its rotation fails here, naming what is missing.
     */
    @Test
    void defaultSampleMeetsEveryFeatureOnEveryVariant() throws IOException {
        List<JsonNode> okCases = cases(goldenDirectory()).stream().filter(GoldenCasesTest::isOk).toList();
        Set<Integer> covering = halfPrecisionCovering(okCases);
        Set<String> stored = new TreeSet<>();
        Set<String> half = new TreeSet<>();
        Map<String, Set<String>> storedMet = new TreeMap<>();
        Map<String, Set<String>> halfMet = new TreeMap<>();
        for (int index = 0; index < okCases.size(); index++) {
            JsonNode c = okCases.get(index);
            List<String> inStored = features(c, DType.valueOf(c.get("dtype").asText().toUpperCase()));
            List<String> inHalf = features(c, halfDtype(index));
            stored.addAll(inStored);
            half.addAll(inHalf);
            storedMet.computeIfAbsent(storedVariant(index), v -> new TreeSet<>()).addAll(inStored);
            if (covering.contains(index)) {
                halfMet.computeIfAbsent(halfVariant(index), v -> new TreeSet<>()).addAll(inHalf);
            }
        }
        assertTrue(stored.size() >= 10, "features found: " + stored);
        List<String> missing = new ArrayList<>();
        for (String variant : SPECIALISED) {
            for (String feature : stored) {
                if (!storedMet.getOrDefault(variant, Set.of()).contains(feature)) {
                    missing.add(variant + " never meets " + feature);
                }
            }
            for (String feature : half) {
                if (!halfMet.getOrDefault(variant, Set.of()).contains(feature)) {
                    missing.add(variant + " never meets " + feature + " in 16 bits");
                }
            }
        }
        assertEquals(List.of(), missing, "the default build's rotation of the golden cases");
    }

    /** The features of case {@code c} run in {@code dtype}: what a kernel variant must get right. */
    private static List<String> features(JsonNode c, DType dtype) {
        List<String> features = new ArrayList<>(List.of(dtype.toString(), c.get("layout").asText()));
        JsonNode padding = c.get("padding");
        features.add(padding.isArray() ? "asymmetric padding" : padding.isTextual() ? padding.asText() + " padding"
                : padding.asInt() > 0 ? "symmetric padding" : "no padding");
        if (c.get("unbatched").asBoolean()) {
            features.add("unbatched");
        }
        if (c.get("stride").asInt() > 1) {
            features.add("stride > 1");
        }
        if (c.get("dilation").asInt() > 1) {
            features.add("dilation > 1");
        }
        if (c.get("groups").asInt() > 1) {
            features.add("groups");
        }
        if (c.get("output_padding").asInt() > 0) {
            features.add("output padding");
        }
        if (!c.get("output_size").isNull()) {
            features.add("output size");
        }
        features.add(c.get("b") == null || c.get("b").isNull() ? "no bias" : "bias");
        return features;
    }

    private static List<JsonNode> cases(Path dir) throws IOException {
        List<JsonNode> cases = new ArrayList<>();
        new ObjectMapper().readTree(dir.resolve("manifest.json").toFile()).get("cases").forEach(cases::add);
        return cases;
    }

    private static boolean isOk(JsonNode c) {
        return c.get("expect").asText().equals("ok");
    }

    private static void checkInHalfPrecision(Path dir, JsonNode c, DType dtype, Supplier<Backend> backend) {
        Tensor x = read(dir, c.get("x")).to(dtype);
        Tensor w = read(dir, c.get("w")).to(dtype);
        Tensor bias = read(dir, c.get("b"));
        Tensor b = bias == null ? null : bias.to(dtype);
        ConvTranspose1dParams params = params(c);
        Tensor expected = backend("cpu").convTranspose1d(x.to(DType.FLOAT64), w.to(DType.FLOAT64),
                b == null ? null : b.to(DType.FLOAT64), params).to(dtype);
        Accuracy.assertClose(backend.get().convTranspose1d(x, w, b, params), expected, x, w, b, params,
                c.get("name").asText() + " as " + dtype);
    }

    private static String describe(JsonNode c) {
        return String.format("%s %s %s %s%s s%d p%s op%d d%d g%d os=%s", c.get("name").asText(), c.get("expect").asText(),
                c.get("dtype").asText(), c.get("layout").asText(), c.get("unbatched").asBoolean() ? " unbatched" : "",
                c.get("stride").asInt(), c.get("padding"), c.get("output_padding").asInt(), c.get("dilation").asInt(),
                c.get("groups").asInt(), c.get("output_size").isNull() ? "-" : c.get("output_size").asText());
    }

    private static void check(Path dir, JsonNode c, Supplier<Backend> backend) {
        Tensor x = read(dir, c.get("x"));
        Tensor w = read(dir, c.get("w"));
        Tensor b = read(dir, c.get("b"));
        Backend target = backend.get();
        if (c.get("expect").asText().equals("error")) {
            assertThrows(IllegalArgumentException.class, () -> target.convTranspose1d(x, w, b, params(c)));
            return;
        }
        assertEquals("ok", c.get("expect").asText());
        ConvTranspose1dParams params = params(c);
        Tensor expected = read(dir, c.get("y"));
        Accuracy.assertClose(target.convTranspose1d(x, w, b, params), expected, x, w, b, params,
                c.get("name").asText());
    }

    /** The manifest's parameters; invalid ones throw IllegalArgumentException as the builder does. */
    private static ConvTranspose1dParams params(JsonNode c) {
        ConvTranspose1dParams.Builder builder = ConvTranspose1dParams.builder()
                .stride(c.get("stride").asInt())
                .outputPadding(c.get("output_padding").asInt())
                .dilation(c.get("dilation").asInt())
                .groups(c.get("groups").asInt())
                .layout(Layout.valueOf(c.get("layout").asText()));
        JsonNode padding = c.get("padding");
        if (padding.isArray()) {
            builder.padding(padding.get(0).asInt(), padding.get(1).asInt());
        } else if (padding.isTextual()) {
            builder.padding(switch (padding.asText()) {
                case "SAME" -> Padding.SAME;
                case "VALID" -> Padding.VALID;
                default -> throw new IllegalStateException("unknown padding " + padding);
            });
        } else {
            builder.padding(padding.asInt());
        }
        if (!c.get("output_size").isNull()) {
            builder.outputSize(c.get("output_size").asInt());
        }
        return builder.build();
    }

    private static Tensor read(Path dir, JsonNode file) {
        if (file == null || file.isNull()) {
            return null;
        }
        try {
            return Npy.read(dir.resolve(file.asText()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
