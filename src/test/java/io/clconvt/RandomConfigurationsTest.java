package io.clconvt;

import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.testing.Accuracy;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.RandomConfigurations;
import io.clconvt.testing.RandomConfigurations.Configuration;
import io.clconvt.testing.TestTensors;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * OpenCL against the CPU reference on seeded random configurations spanning every option: both
 * layouts and dtypes, rank 2 and 3, dense, grouped and depthwise channels, dilation 1-4, stride 1-8
 * (also beyond K), K = 1, Lin = 1, symmetric, asymmetric, SAME and VALID padding, outputPadding and
 * outputSize, on every kernel variant (gemm included). Output buffers are poisoned with NaN, so an element a
 * kernel skips fails the test. The same configurations run again stored in 16 bits, alternately FLOAT16 and
 * BFLOAT16 (inputs rounded to the dtype, the CPU computing from those in double and rounding once).
 */
class RandomConfigurationsTest {
    private static final int CASES = 400;
    private static final long BASE_SEED = 0x5EED_C0DEL;
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

    @ParameterizedTest(name = "{0}")
    @MethodSource("halfCases")
    void directMatchesCpuInHalfPrecision(Case c) {
        check(KernelVariant.DIRECT, c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("halfCases")
    void phaseMatchesCpuInHalfPrecision(Case c) {
        check(KernelVariant.PHASE, c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("halfCases")
    void tiledMatchesCpuInHalfPrecision(Case c) {
        check(KernelVariant.TILED, c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("halfCases")
    void rowsMatchesCpuInHalfPrecision(Case c) {
        check(KernelVariant.ROWS, c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("halfCases")
    void gemmMatchesCpuInHalfPrecision(Case c) {
        check(KernelVariant.GEMM, c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("halfCases")
    void autoMatchesCpuInHalfPrecision(Case c) {
        check(KernelVariant.AUTO, c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void directMatchesCpu(Case c) {
        check(KernelVariant.DIRECT, c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void phaseMatchesCpu(Case c) {
        check(KernelVariant.PHASE, c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void tiledMatchesCpu(Case c) {
        check(KernelVariant.TILED, c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rowsMatchesCpu(Case c) {
        check(KernelVariant.ROWS, c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gemmMatchesCpu(Case c) {
        check(KernelVariant.GEMM, c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
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
