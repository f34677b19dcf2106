package io.clconvt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clconvt.io.Npy;
import io.clconvt.testing.Accuracy;
import io.clconvt.testing.OpenClSupport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The Conv1d and gradient golden cases ({@code src/test/resources/golden/conv/manifest.json}, made by its
 * {@code make_golden.py}: PyTorch in float64 from the stored inputs, cross-checked by direct loops) on the CPU
 * backend and on OpenCL: Conv1d's forward in every padding form and mode, and the autograd gradients of Conv1d and
 * of the transposed convolution. "error" cases must be refused with IllegalArgumentException on every backend.
 * The float32 Conv1d cases run again stored in 16 bits, alternately FLOAT16 and BFLOAT16, as in
 * {@link GoldenCasesTest}: inputs rounded to the dtype, the reference recomputed from them on the CPU backend in
 * FLOAT64.
 *
 * <p>Each element must lie within the classic bound for a sum of R products, {@link Accuracy}'s
 * {@code 2 * gamma(R + 1) * S + 2 * u * |exact|}, with S the same sum over absolute values (stored beside each
 * reference) and R the most products one element sums (see {@link #reductionLengths}): for the weight gradient
 * that is every batch entry and every output position.
 */
class ConvGoldenCasesTest {
    private static final List<String> BACKENDS = List.of("cpu", "opencl");
    private static final Map<String, Backend> OPEN = new HashMap<>();

    @AfterAll
    static void close() {
        OPEN.values().forEach(Backend::close);
        OPEN.clear();
    }

    /** The CPU reference, or OpenCL with its outputs poisoned with NaN, so that an unwritten element fails. */
    private static synchronized Backend backend(String name) {
        return OPEN.computeIfAbsent(name, n -> n.equals("cpu") ? Backends.cpu() : OpenClSupport.backend());
    }

    private static Path goldenDirectory() {
        URL manifest = ConvGoldenCasesTest.class.getResource("/golden/conv/manifest.json");
        assertTrue(manifest != null, "golden/conv/manifest.json is not on the test classpath");
        try {
            return Path.of(manifest.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<JsonNode> cases() {
        List<JsonNode> cases = new ArrayList<>();
        try {
            new ObjectMapper().readTree(goldenDirectory().resolve("manifest.json").toFile()).get("cases")
                    .forEach(cases::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return cases;
    }

    @TestFactory
    List<DynamicTest> goldenCases() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String backend : BACKENDS) {
            for (JsonNode c : cases()) {
                tests.add(DynamicTest.dynamicTest(describe(c) + " [" + backend + "]", () -> check(c, backend(backend))));
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> conv1dInHalfPrecision() {
        List<JsonNode> float32 = cases().stream()
                .filter(c -> isOk(c) && isConv1d(c) && c.get("dtype").asText().equals("float32")).toList();
        List<DynamicTest> tests = new ArrayList<>();
        for (String backend : BACKENDS) {
            for (int index = 0; index < float32.size(); index++) {
                JsonNode c = float32.get(index);
                // alternately, so that each 16-bit dtype meets every kind of case at the cost of one pass
                DType dtype = index % 2 == 0 ? DType.FLOAT16 : DType.BFLOAT16;
                tests.add(DynamicTest.dynamicTest(describe(c) + " as " + dtype + " [" + backend + "]",
                        () -> checkInHalfPrecision(c, dtype, backend(backend))));
            }
        }
        assertTrue(tests.size() >= 20 * BACKENDS.size(), "float32 Conv1d cases found: " + tests.size());
        return tests;
    }

    /** The gradients are those of the plain convolution: params with an activation are refused. */
    @TestFactory
    List<DynamicTest> backwardRefusesAnActivation() {
        JsonNode conv = byName("conv_zeros_int");
        JsonNode transposed = byName("tconv_sym");
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : BACKENDS) {
            tests.add(DynamicTest.dynamicTest("conv1dBackward with RELU [" + name + "]", () -> {
                Conv1dParams params = conv1dParams(conv).toBuilder().activation(Activation.RELU).build();
                assertThrows(IllegalArgumentException.class, () -> backend(name).conv1dBackward(
                        read(conv, "gy"), read(conv, "x"), read(conv, "w"), true, params));
            }));
            tests.add(DynamicTest.dynamicTest("convTranspose1dBackward with TANH [" + name + "]", () -> {
                ConvTranspose1dParams params = transposedParams(transposed).toBuilder()
                        .activation(Activation.TANH).build();
                assertThrows(IllegalArgumentException.class, () -> backend(name).convTranspose1dBackward(
                        read(transposed, "gy"), read(transposed, "x"), read(transposed, "w"), true, params));
            }));
        }
        return tests;
    }

    /**
     * What the set must keep covering: every Conv1d padding form in every padding mode, with gradients, and each
     * feature of both operations' gradients. A regenerated manifest that drops one fails here, naming it.
     */
    @Test
    void casesCoverEveryPaddingFormModeAndFeature() {
        Set<String> met = new TreeSet<>();
        for (JsonNode c : cases()) {
            if (!isOk(c)) {
                met.add("error " + c.get("op").asText() + " " + c.get("error_in").asText());
                continue;
            }
            String op = c.get("op").asText();
            String gradients = c.get("gy").isNull() ? "forward" : "gradients";
            List<String> features = new ArrayList<>(List.of(c.get("dtype").asText(), c.get("layout").asText(),
                    "stride " + c.get("stride").asInt(), "dilation " + c.get("dilation").asInt(),
                    c.get("b").isNull() ? "no bias" : "bias", c.get("unbatched").asBoolean() ? "unbatched" : "batched",
                    paddingForm(c)));
            int inChannels = read(c, "x").dim(channelAxis(c));
            int outChannels = read(c, "y").dim(channelAxis(c));
            int groups = c.get("groups").asInt();
            if (groups > 1) {
                features.add(groups == inChannels ? (outChannels == inChannels ? "depthwise" : "channel multiplier")
                        : "groups");
            }
            if (read(c, "w").dim(2) == 1) {
                features.add("K 1");
            }
            if (read(c, "x").dim(lengthAxis(c)) >= 10_000) {
                features.add("long");
            }
            if (isConv1d(c)) {
                String mode = c.get("padding_mode").asText();
                met.add("conv1d " + gradients + " " + mode + " " + paddingForm(c));
                features.add(mode);
            } else {
                if (c.get("output_padding").asInt() > 0) {
                    features.add("output padding");
                }
                if (!c.get("output_size").isNull()) {
                    features.add("output size");
                }
            }
            features.forEach(feature -> met.add(op + " " + gradients + " " + feature));
        }
        List<String> required = new ArrayList<>();
        for (String mode : List.of("zeros", "reflect", "replicate", "circular")) {
            for (String form : List.of("int", "asymmetric", "same (odd total)", "same (even total)", "valid")) {
                required.add("conv1d gradients " + mode + " " + form);
            }
        }
        for (String feature : List.of("float32", "float64", "NCL", "NLC", "stride 1", "stride 2", "stride 3", "stride 4",
                "dilation 1", "dilation 2", "dilation 3", "bias", "no bias", "unbatched", "groups", "depthwise",
                "channel multiplier", "K 1", "long")) {
            required.add("conv1d gradients " + feature);
        }
        for (String feature : List.of("int", "asymmetric", "SAME", "VALID", "output padding", "output size",
                "stride 2", "dilation 2", "groups", "channel multiplier", "no bias", "unbatched", "NLC", "float64")) {
            required.add("conv_transpose1d gradients " + feature);
        }
        required.addAll(List.of("error conv1d forward", "error conv1d backward", "error conv_transpose1d backward"));
        List<String> missing = required.stream().filter(feature -> !met.contains(feature)).toList();
        assertEquals(List.of(), missing, "features the golden cases no longer cover");
    }

    private static String paddingForm(JsonNode c) {
        JsonNode padding = c.get("padding");
        if (padding.isArray()) {
            return "asymmetric";
        }
        if (padding.isInt()) {
            return "int";
        }
        if (padding.asText().equals("same")) {
            int total = c.get("dilation").asInt() * (read(c, "w").dim(2) - 1);
            return total % 2 == 0 ? "same (even total)" : "same (odd total)";
        }
        return padding.asText();
    }

    private static void check(JsonNode c, Backend backend) {
        Tensor x = read(c, "x");
        Tensor w = read(c, "w");
        Tensor b = read(c, "b");
        Tensor gy = read(c, "gy");
        String label = c.get("name").asText();
        if (!isOk(c) && c.get("error_in").asText().equals("forward")) {
            assertThrows(IllegalArgumentException.class, () -> forward(c, backend, x, w, b), label + " forward");
            assertThrows(IllegalArgumentException.class, () -> backward(c, backend, gy, x, w, b != null),
                    label + " backward");
            return;
        }
        Map<String, Integer> lengths = reductionLengths(c);
        DType dtype = x.dtype();
        assertWithinBound(forward(c, backend, x, w, b), read(c, "y"), read(c, "y_abs"), dtype, lengths.get("y"),
                label + " y");
        if (isConv1d(c)) {
            try (DeviceTensor onDevice = backend.upload(x);
                    DeviceTensor y = backend.conv1d(onDevice, w, b, conv1dParams(c))) {
                assertWithinBound(y.download(), read(c, "y"), read(c, "y_abs"), dtype, lengths.get("y"),
                        label + " y of a device tensor");
            }
        }
        if (!isOk(c)) {
            assertThrows(IllegalArgumentException.class, () -> backward(c, backend, gy, x, w, b != null),
                    label + " backward");
            return;
        }
        if (gy == null) {
            return; // a forward-only case
        }
        ConvGradients gradients = backward(c, backend, gy, x, w, b != null);
        assertWithinBound(gradients.input(), read(c, "gx"), read(c, "gx_abs"), dtype, lengths.get("gx"),
                label + " gradient of x");
        assertWithinBound(gradients.weight(), read(c, "gw"), read(c, "gw_abs"), dtype, lengths.get("gw"),
                label + " gradient of w");
        if (b == null) {
            assertNull(gradients.bias(), label + ": a bias gradient without a bias");
        } else {
            assertWithinBound(gradients.bias(), read(c, "gb"), read(c, "gb_abs"), dtype, lengths.get("gb"),
                    label + " gradient of b");
        }
    }

    private static void checkInHalfPrecision(JsonNode c, DType dtype, Backend backend) {
        Tensor x = read(c, "x").to(dtype);
        Tensor w = read(c, "w").to(dtype);
        Tensor storedBias = read(c, "b");
        Tensor b = storedBias == null ? null : storedBias.to(dtype);
        Conv1dParams params = conv1dParams(c);
        Backend cpu = backend("cpu");
        Tensor exact = cpu.conv1d(x.to(DType.FLOAT64), w.to(DType.FLOAT64), b == null ? null : b.to(DType.FLOAT64),
                params);
        // padding copies values, so the same convolution of the absolute values sums every product's magnitude
        Tensor magnitude = cpu.conv1d(Accuracy.absolute(x), Accuracy.absolute(w),
                b == null ? null : Accuracy.absolute(b), params);
        assertWithinBound(backend.conv1d(x, w, b, params), exact.to(dtype), magnitude, dtype,
                reductionLengths(c).get("y"), c.get("name").asText() + " as " + dtype);
    }

    private static Tensor forward(JsonNode c, Backend backend, Tensor x, Tensor w, Tensor b) {
        return isConv1d(c) ? backend.conv1d(x, w, b, conv1dParams(c))
                : backend.convTranspose1d(x, w, b, transposedParams(c));
    }

    private static ConvGradients backward(JsonNode c, Backend backend, Tensor gy, Tensor x, Tensor w,
            boolean withBias) {
        return isConv1d(c) ? backend.conv1dBackward(gy, x, w, withBias, conv1dParams(c))
                : backend.convTranspose1dBackward(gy, x, w, withBias, transposedParams(c));
    }

    /**
     * The most products one element sums (an upper bound; make_golden.py counts them on all-ones inputs and
     * checks them against the same rules). Conv1d: y sums Cin/groups * K; an input position is copied into the
     * padded input once (zeros), at most three times (reflect and circular, whose padding is at most Lin), or
     * left + right + 1 times (replicate), each copy meeting Cout/groups * ceil(K / (stride / gcd(stride, dilation)))
     * products of gy and w. The transposed convolution: y as {@link Accuracy#reductionLength}, x's gradient
     * every tap, Cout/groups * K. Weight gradients sum every batch entry and every output position (Conv1d) or input
     * position (transposed); the bias gradient every batch entry and output position.
     */
    private static Map<String, Integer> reductionLengths(JsonNode c) {
        Tensor x = read(c, "x");
        Tensor w = read(c, "w");
        Tensor y = read(c, "y");
        int stride = c.get("stride").asInt();
        int dilation = c.get("dilation").asInt();
        int groups = c.get("groups").asInt();
        int batch = c.get("unbatched").asBoolean() ? 1 : x.dim(0);
        int inChannels = x.dim(channelAxis(c));
        int inputLength = x.dim(lengthAxis(c));
        int outputLength = y.dim(lengthAxis(c));
        int kernelSize = w.dim(2);
        int tapStep = stride / gcd(stride, dilation);
        int stridedTaps = (kernelSize + tapStep - 1) / tapStep;
        Map<String, Integer> lengths = new HashMap<>();
        lengths.put("gb", batch * outputLength);
        if (isConv1d(c)) {
            int[] padding = conv1dPadding(c, kernelSize);
            int copies = switch (c.get("padding_mode").asText()) {
                case "zeros" -> 1;
                case "reflect", "circular" -> 3;
                case "replicate" -> padding[0] + padding[1] + 1;
                default -> throw new IllegalStateException("unknown padding mode in " + c);
            };
            lengths.put("y", inChannels / groups * kernelSize);
            lengths.put("gx", w.dim(0) / groups * stridedTaps * copies);
            lengths.put("gw", batch * outputLength);
        } else {
            lengths.put("y", inChannels / groups * stridedTaps);
            lengths.put("gx", w.dim(1) * kernelSize);
            lengths.put("gw", batch * inputLength);
        }
        return lengths;
    }

    /** Conv1d's (left, right) padding as PyTorch applies it; 'same' gives the left side the smaller half. */
    private static int[] conv1dPadding(JsonNode c, int kernelSize) {
        JsonNode padding = c.get("padding");
        if (padding.isArray()) {
            return new int[] {padding.get(0).asInt(), padding.get(1).asInt()};
        }
        if (padding.isInt()) {
            return new int[] {padding.asInt(), padding.asInt()};
        }
        if (padding.asText().equals("same")) {
            int total = c.get("dilation").asInt() * (kernelSize - 1);
            return new int[] {total / 2, total - total / 2};
        }
        return new int[] {0, 0};
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /**
     * Asserts {@code actual}, of {@code dtype}, is within {@link Accuracy}'s bound for sums of
     * {@code reductionLength} products of the float64 {@code exact} value, {@code magnitude} holding the same sums
     * over absolute values: the bound of every sum of products, which a forward call without activation is as well.
     * The exact value rounded to the dtype carries the one rounding of its own that the bound allows the reference.
     */
    private static void assertWithinBound(Tensor actual, Tensor exact, Tensor magnitude, DType dtype,
            int reductionLength, String label) {
        assertEquals(dtype, actual.dtype(), label + ": dtype");
        Accuracy.assertGradientClose(actual, exact.to(dtype), magnitude, reductionLength, label);
    }

    private static Conv1dParams conv1dParams(JsonNode c) {
        Conv1dParams.Builder builder = Conv1dParams.builder()
                .stride(c.get("stride").asInt())
                .dilation(c.get("dilation").asInt())
                .groups(c.get("groups").asInt())
                .layout(Layout.valueOf(c.get("layout").asText()))
                .paddingMode(PaddingMode.valueOf(c.get("padding_mode").asText().toUpperCase()));
        JsonNode padding = c.get("padding");
        if (padding.isArray()) {
            builder.padding(padding.get(0).asInt(), padding.get(1).asInt());
        } else if (padding.isTextual()) {
            builder.padding(switch (padding.asText()) {
                case "same" -> Padding.SAME;
                case "valid" -> Padding.VALID;
                default -> throw new IllegalStateException("unknown padding " + padding);
            });
        } else {
            builder.padding(padding.asInt());
        }
        return builder.build();
    }

    private static ConvTranspose1dParams transposedParams(JsonNode c) {
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

    private static boolean isOk(JsonNode c) {
        return c.get("expect").asText().equals("ok");
    }

    private static boolean isConv1d(JsonNode c) {
        return c.get("op").asText().equals("conv1d");
    }

    private static int channelAxis(JsonNode c) {
        int batchAxes = c.get("unbatched").asBoolean() ? 0 : 1;
        return batchAxes + (c.get("layout").asText().equals("NLC") ? 1 : 0);
    }

    private static int lengthAxis(JsonNode c) {
        int batchAxes = c.get("unbatched").asBoolean() ? 0 : 1;
        return batchAxes + (c.get("layout").asText().equals("NLC") ? 0 : 1);
    }

    private static JsonNode byName(String name) {
        return cases().stream().filter(c -> c.get("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no golden case " + name));
    }

    private static String describe(JsonNode c) {
        String padding = c.get("padding").toString();
        String extra = isConv1d(c) ? " " + c.get("padding_mode").asText()
                : " op" + c.get("output_padding").asInt() + " os=" + (c.get("output_size").isNull() ? "-"
                        : c.get("output_size").asText());
        return String.format("%s %s %s %s %s%s s%d p%s%s d%d g%d", c.get("name").asText(), c.get("op").asText(),
                c.get("expect").asText(), c.get("dtype").asText(), c.get("layout").asText(),
                c.get("unbatched").asBoolean() ? " unbatched" : "", c.get("stride").asInt(), padding, extra,
                c.get("dilation").asInt(), c.get("groups").asInt());
    }

    /** The case's array under {@code key}, or null where the manifest has none. */
    private static Tensor read(JsonNode c, String key) {
        JsonNode file = c.get(key);
        if (file == null || file.isNull()) {
            return null;
        }
        try {
            return Npy.read(goldenDirectory().resolve(file.asText()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
