package io.clconvt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.testing.Accuracy;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.RandomConfigurations;
import io.clconvt.testing.RandomConfigurations.Configuration;
import io.clconvt.testing.TestScope;
import io.clconvt.testing.TestTensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * OpenCL against the CPU reference on seeded random configurations spanning every option: both
 * layouts and dtypes, rank 2 and 3, dense, grouped and depthwise channels, dilation 1-4, stride 1-8
 * (also beyond K), K = 1, Lin = 1, symmetric, asymmetric, SAME and VALID padding, outputPadding and
 * outputSize, on every kernel variant (gemm included). Output buffers are poisoned with NaN, so an element a
 * kernel skips fails the test. The same configurations run again stored in 16 bits, alternately FLOAT16 and
 * BFLOAT16 (inputs rounded to the dtype, the CPU computing from those in double and rounding once).
 *
 * <p>The specialised variants compile a program per (K, stride, dilation) triple, dtype and layout (and tile),
 * some 480 in all over both passes, which POCL compiles at about a second each with its cache empty. The
 * default build therefore runs every case on the direct kernel (whose programs depend on the dtype alone) and,
 * on phase, tiled, rows, gemm and auto, the cases of a quarter of the (triple, dtype, layout) combinations,
 * a different quarter for each variant and pass ({@link #runs}), so that each still meets every triple, dtype
 * and layout; the exhaustive profile ({@link TestScope}) runs every case on every variant.
 */
class RandomConfigurationsTest {
    private static final int CASES = 400;
    private static final long BASE_SEED = 0x5EED_C0DEL;
    /** The variants whose programs depend on the shape, which the default build runs on a sample. */
    private static final List<KernelVariant> SAMPLED = List.of(KernelVariant.PHASE, KernelVariant.TILED,
            KernelVariant.ROWS, KernelVariant.GEMM, KernelVariant.AUTO);
    private static final Map<KernelVariant, Backend> OPEN_CL = new EnumMap<>(KernelVariant.class);
    private static Backend cpu;

    @BeforeAll
    static void open() {
        cpu = Backends.cpu();
    }

    @AfterAll
    static void close() {
        OPEN_CL.values().forEach(Backend::close);
        OPEN_CL.clear();
        cpu.close();
    }

    private static Backend openCl(KernelVariant variant) {
        return OPEN_CL.computeIfAbsent(variant, OpenClSupport::backend);
    }

    /** One generated call. */
    record Case(Tensor x, Tensor weight, Tensor bias, ConvTranspose1dParams params) {
    }

    static Stream<Named<Case>> cases() {
        return IntStream.range(0, CASES).mapToObj(index -> generate(index, BASE_SEED + index));
    }

    /**
     * The configurations of {@link #cases()} with their tensors rounded to FLOAT16 (even cases) or BFLOAT16
     * (odd ones): both dtypes on every kind of configuration, at the cost of one pass (POCL compiles the
     * 16-bit stores of the unrolled tiled kernel slowly, seconds per program).
     */
    static Stream<Named<Case>> halfCases() {
        return IntStream.range(0, CASES).mapToObj(index -> {
            Named<Case> named = generate(index, BASE_SEED + index);
            DType dtype = index % 2 == 0 ? DType.FLOAT16 : DType.BFLOAT16;
            Case c = named.getPayload();
            return Named.of(named.getName() + " as " + dtype, new Case(c.x().to(dtype), c.weight().to(dtype),
                    c.bias() == null ? null : c.bias().to(dtype), c.params()));
        });
    }

    static Stream<Named<Case>> directCases() {
        return cases(); // the direct kernel's programs depend on the dtype alone: every case, always
    }

    static Stream<Named<Case>> phaseCases() {
        return sampled(cases(), KernelVariant.PHASE, false);
    }

    static Stream<Named<Case>> tiledCases() {
        return sampled(cases(), KernelVariant.TILED, false);
    }

    static Stream<Named<Case>> rowsCases() {
        return sampled(cases(), KernelVariant.ROWS, false);
    }

    static Stream<Named<Case>> gemmCases() {
        return sampled(cases(), KernelVariant.GEMM, false);
    }

    static Stream<Named<Case>> autoCases() {
        return sampled(cases(), KernelVariant.AUTO, false);
    }

    static Stream<Named<Case>> directHalfCases() {
        return halfCases();
    }

    static Stream<Named<Case>> phaseHalfCases() {
        return sampled(halfCases(), KernelVariant.PHASE, true);
    }

    static Stream<Named<Case>> tiledHalfCases() {
        return sampled(halfCases(), KernelVariant.TILED, true);
    }

    static Stream<Named<Case>> rowsHalfCases() {
        return sampled(halfCases(), KernelVariant.ROWS, true);
    }

    static Stream<Named<Case>> gemmHalfCases() {
        return sampled(halfCases(), KernelVariant.GEMM, true);
    }

    static Stream<Named<Case>> autoHalfCases() {
        return sampled(halfCases(), KernelVariant.AUTO, true);
    }

    /** The cases of {@code all} that {@code variant} runs in this scope (all in the exhaustive one). */
    private static Stream<Named<Case>> sampled(Stream<Named<Case>> all, KernelVariant variant, boolean half) {
        return all.filter(named -> runs(variant, named.getPayload(), half));
    }

    /**
     * Whether {@code variant} runs case {@code c} (stored in 16 bits when {@code half}) in this scope: every
     * case in the exhaustive one; in the default build a quarter of the (triple, dtype, layout) combinations,
     * those with {@code (triple + 2 * dtype + layout + slot) % 4 == 0}, where the slot is the variant's (and
     * two more in 16 bits, so that the second pass meets the combinations the first left out). The program of
     * a specialised variant is a function of the triple, dtype and layout (and a tile), so the chosen cases
     * repeat programs; and for each triple the four (dtype, layout) pairs take the four residues, so every
     * variant still meets every triple, and over the triples every dtype and layout.
     */
    static boolean runs(KernelVariant variant, Case c, boolean half) {
        if (TestScope.exhaustive() || variant == KernelVariant.DIRECT) {
            return true;
        }
        int slot = SAMPLED.indexOf(variant) + (half ? 2 : 0);
        return Math.floorMod(tripleIndex(c) + 2 * dtypeIndex(c) + layoutIndex(c) + slot, 4) == 0;
    }

    /** The index of the case's (K, stride, dilation) among the distribution's triples. */
    private static int tripleIndex(Case c) {
        int[][] triples = RandomConfigurations.ENGINE_CALLS.codeShapes();
        int[] own = {c.weight().dim(2), c.params().stride(), c.params().dilation()};
        for (int index = 0; index < triples.length; index++) {
            if (Arrays.equals(triples[index], own)) {
                return index;
            }
        }
        throw new IllegalStateException("a triple outside the distribution: " + Arrays.toString(own));
    }

    /** 0 for FLOAT32 and FLOAT16, 1 for FLOAT64 and BFLOAT16: the two dtypes of a pass. */
    private static int dtypeIndex(Case c) {
        DType dtype = c.x().dtype();
        return dtype == DType.FLOAT32 || dtype == DType.FLOAT16 ? 0 : 1;
    }

    private static int layoutIndex(Case c) {
        return c.params().layout().ordinal();
    }

    /**
     * What the default build's sample must keep: every triple, dtype and layout of the full set meets every
     * sampled variant, in the stored dtypes and in 16 bits. A change to the distribution or the selection that
     * leaves a variant without one fails here, naming it.
     */
    @Test
    void defaultSampleMeetsEveryTripleDtypeAndLayoutOnEveryVariant() {
        List<String> missing = new ArrayList<>();
        for (boolean half : new boolean[] {false, true}) {
            List<Case> all = (half ? halfCases() : cases()).map(Named::getPayload).toList();
            Set<String> features = new TreeSet<>();
            all.forEach(c -> features.addAll(features(c)));
            assertTrue(features.size() >= RandomConfigurations.ENGINE_CALLS.codeShapes().length + 4,
                    "features found: " + features);
            for (KernelVariant variant : SAMPLED) {
                Set<String> met = new TreeSet<>();
                all.stream().filter(c -> runs(variant, c, half)).forEach(c -> met.addAll(features(c)));
                for (String feature : features) {
                    if (!met.contains(feature)) {
                        missing.add(variant + " never meets " + feature + (half ? " in 16 bits" : ""));
                    }
                }
            }
        }
        assertEquals(List.of(), missing, "the default build's sample of the random configurations");
    }

    private static List<String> features(Case c) {
        return List.of(c.x().dtype().toString(), c.params().layout().toString(),
                "K" + c.weight().dim(2) + " s" + c.params().stride() + " d" + c.params().dilation());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("directHalfCases")
    void directMatchesCpuInHalfPrecision(Case c) {
        check(KernelVariant.DIRECT, c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("phaseHalfCases")
    void phaseMatchesCpuInHalfPrecision(Case c) {
        check(KernelVariant.PHASE, c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tiledHalfCases")
    void tiledMatchesCpuInHalfPrecision(Case c) {
        check(KernelVariant.TILED, c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rowsHalfCases")
    void rowsMatchesCpuInHalfPrecision(Case c) {
        check(KernelVariant.ROWS, c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("gemmHalfCases")
    void gemmMatchesCpuInHalfPrecision(Case c) {
        check(KernelVariant.GEMM, c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("autoHalfCases")
    void autoMatchesCpuInHalfPrecision(Case c) {
        check(KernelVariant.AUTO, c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("directCases")
    void directMatchesCpu(Case c) {
        check(KernelVariant.DIRECT, c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("phaseCases")
    void phaseMatchesCpu(Case c) {
        check(KernelVariant.PHASE, c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tiledCases")
    void tiledMatchesCpu(Case c) {
        check(KernelVariant.TILED, c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rowsCases")
    void rowsMatchesCpu(Case c) {
        check(KernelVariant.ROWS, c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("gemmCases")
    void gemmMatchesCpu(Case c) {
        check(KernelVariant.GEMM, c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("autoCases")
    void autoMatchesCpu(Case c) {
        check(KernelVariant.AUTO, c);
    }

    private static void check(KernelVariant variant, Case c) {
        Tensor expected = cpu.convTranspose1d(c.x(), c.weight(), c.bias(), c.params());
        Tensor actual = openCl(variant).convTranspose1d(c.x(), c.weight(), c.bias(), c.params());
        Accuracy.assertClose(actual, expected, c.x(), c.weight(), c.bias(), c.params(), variant + " vs CPU");
    }

    private static Named<Case> generate(int index, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Configuration c = RandomConfigurations.draw(random, RandomConfigurations.ENGINE_CALLS);
        Tensor x = randomTensor(random, c.dtype(), c.inputShape());
        Tensor weight = randomTensor(random, c.dtype(), c.weightShape());
        Tensor bias = random.nextBoolean() ? randomTensor(random, c.dtype(), c.outChannels()) : null;
        ConvTranspose1dParams params = c.params();
        String name = String.format("#%d seed=%d %s os=%s Lin%d %s", index, seed, c.describe(),
                params.outputSize().isPresent() ? params.outputSize().getAsInt() : "-", c.inputLength(),
                bias == null ? "nobias" : "bias");
        return Named.of(name, new Case(x, weight, bias, params));
    }

    private static Tensor randomTensor(SplittableRandom random, DType dtype, int... shape) {
        return TestTensors.random(random, dtype, 1, shape);
    }
}
