package io.clconvt;

import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.testing.Accuracy;
import io.clconvt.testing.ChannelStructure;
import io.clconvt.testing.OpenClSupport;
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
    /**
     * (K, stride, dilation) triples. The phase and tiled variants compile a program per triple, layout
     * and dtype (POCL takes up to half a second each), so the cases draw from a fixed set that still
     * covers K = 1, stride 1 to 8 with stride > K, stride and dilation sharing a factor, and dilation
     * 1 to 4; lengths, channels, groups and padding stay free.
     */
    private static final int[][] CODE_SHAPES = {
        {1, 3, 2}, {2, 8, 1}, {3, 5, 1}, {4, 2, 1}, {4, 4, 2}, {5, 3, 2}, {7, 1, 3}, {3, 2, 4},
    };

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
        while (true) {
            DType dtype = random.nextBoolean() ? DType.FLOAT32 : DType.FLOAT64;
            Layout layout = random.nextBoolean() ? Layout.NCL : Layout.NLC;
            boolean batched = random.nextInt(4) != 0;
            int batch = batched ? 1 + random.nextInt(3) : 1;
            ChannelStructure channels = ChannelStructure.draw(random, 4, 8);
            int groups = channels.groups();
            int groupIn = channels.groupIn();
            int groupOut = channels.groupOut();
            int[] codeShape = CODE_SHAPES[random.nextInt(CODE_SHAPES.length)];
            int kernelSize = codeShape[0];
            int stride = codeShape[1];
            int dilation = codeShape[2];
            int inputLength = random.nextInt(8) == 0 ? 1 : 1 + random.nextInt(40);
            int effectiveKernel = dilation * (kernelSize - 1) + 1;

            ConvTranspose1dParams.Builder builder = ConvTranspose1dParams.builder()
                    .stride(stride).dilation(dilation).groups(groups).layout(layout);
            switch (random.nextInt(5)) {
                case 0 -> builder.padding(Padding.SAME);
                case 1 -> builder.padding(Padding.VALID);
                case 2 -> builder.padding(random.nextInt(effectiveKernel + 1), random.nextInt(effectiveKernel + 1));
                default -> builder.padding(random.nextInt(effectiveKernel + 1));
            }
            int outputChoice = random.nextInt(4);
            if (outputChoice == 0) {
                builder.outputPadding(random.nextInt(Math.max(stride, dilation)));
            }
            ConvTranspose1dParams params;
            try {
                params = builder.build();
                int natural = params.outputLength(inputLength, kernelSize);
                if (outputChoice == 1) {
                    // a length inside the valid range: SAME's range ends at natural, the others start there
                    int offset = random.nextInt(stride);
                    int size = params.padding().equals(Padding.SAME) ? natural - offset : natural + offset;
                    params = builder.outputSize(size).build();
                    params.outputLength(inputLength, kernelSize);
                }
            } catch (IllegalArgumentException invalid) {
                continue; // e.g. padding that leaves no output: draw again
            }
            int inChannels = groups * groupIn;
            int outChannels = groups * groupOut;
            int[] xShape = layout == Layout.NCL
                    ? new int[] {inChannels, inputLength}
                    : new int[] {inputLength, inChannels};
            if (batched) {
                xShape = new int[] {batch, xShape[0], xShape[1]};
            }
            Tensor x = randomTensor(random, dtype, xShape);
            Tensor weight = randomTensor(random, dtype, inChannels, groupOut, kernelSize);
            Tensor bias = random.nextBoolean() ? randomTensor(random, dtype, outChannels) : null;
            String name = String.format("#%d seed=%d %s %s rank%d N%d Cin%d Cout%d G%d K%d s%d d%d pad=%s op%d os=%s"
                            + " Lin%d %s", index, seed, dtype, layout, batched ? 3 : 2, batch, inChannels, outChannels,
                    groups, kernelSize, stride, dilation, params.padding(), params.outputPadding(),
                    params.outputSize().isPresent() ? params.outputSize().getAsInt() : "-", inputLength,
                    bias == null ? "nobias" : "bias");
            return Named.of(name, new Case(x, weight, bias, params));
        }
    }

    private static Tensor randomTensor(SplittableRandom random, DType dtype, int... shape) {
        return TestTensors.random(random, dtype, 1, shape);
    }
}
