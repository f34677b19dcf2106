package io.clconvt.testing;

import io.clconvt.Activation;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.Layout;
import io.clconvt.Padding;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import java.util.stream.Stream;

/**
 * The seeded random layer configurations of the randomized tests: {@link #draw} within the envelope the kernels
 * are tuned for, with each test's distribution as a parameter, and {@link #drawBeyondTheTunedEnvelope} for the
 * fuzz test. Both consume the generator in a fixed order, so a seed names the same configuration as long as the
 * distribution stays as it is; the tests draw their tensors from the same generator afterwards.
 */
public final class RandomConfigurations {
    /**
     * (K, stride, dilation) triples. The phase and tiled variants compile a program per triple, layout and dtype
     * (POCL takes up to half a second each), so the draws pick from a fixed set that still covers K = 1, stride 1
     * to 8 with stride > K, stride and dilation sharing a factor, and dilation 1 to 4; lengths, channels, groups
     * and padding stay free.
     */
    private static final int[][] CODE_SHAPES = {
        {1, 3, 2}, {2, 8, 1}, {3, 5, 1}, {4, 2, 1}, {4, 4, 2}, {5, 3, 2}, {7, 1, 3}, {3, 2, 4},
    };
    private static final int[][] STREAMED_CODE_SHAPES = Stream.concat(Arrays.stream(CODE_SHAPES),
            Stream.<int[]>of(new int[] {16, 8, 1})).toArray(int[][]::new);

    /**
     * RandomConfigurationsTest's calls: FLOAT32 or FLOAT64, every channel structure with up to 8 depthwise groups,
     * inputs of 1 to 40 positions (1 one time in eight), no activation, every padding form, outputPadding and
     * outputSize.
     */
    public static final Distribution ENGINE_CALLS = new Distribution(
            random -> random.nextBoolean() ? DType.FLOAT32 : DType.FLOAT64,
            random -> ChannelStructure.draw(random, 4, 8),
            CODE_SHAPES,
            random -> random.nextInt(8) == 0 ? 1 : 1 + random.nextInt(40),
            List.of(Activation.NONE),
            PaddingDraw.WITHIN_THE_KERNEL,
            OutputLengthDraw.PADDING_OR_SIZE);

    /**
     * StreamTest's layers: every dtype, depthwise, grouped or dense channels with up to 6 depthwise groups, K = 16
     * at stride 8 besides the shared triples, inputs of 1 to 30 positions, every activation, paddings that crop up
     * to a stride more than the kernel spans, and outputPadding (a stream cannot take outputSize).
     */
    public static final Distribution STREAMABLE_LAYERS = new Distribution(
            random -> DType.values()[random.nextInt(DType.values().length)],
            random -> ChannelStructure.draw(random, 3, 6),
            STREAMED_CODE_SHAPES,
            random -> 1 + random.nextInt(30),
            List.of(Activation.NONE, Activation.RELU, Activation.leakyRelu(0.1), Activation.TANH, Activation.SILU),
            PaddingDraw.A_STRIDE_PAST_THE_KERNEL,
            OutputLengthDraw.PADDING_ONLY);

    /** (K, stride, dilation) at the edges of the phase/tiled envelope: 256 inputs at 8 rows, 32 accumulators. */
    private static final int[][] ENVELOPE_EDGES = {{3, 1, 124}, {2, 32, 1}};
    private static final List<Activation> FUZZED_ACTIVATIONS = List.of(Activation.RELU, Activation.leakyRelu(0.1));

    private RandomConfigurations() {
    }

    /** A drawn layer and the shape of its input; the tests draw the tensors. */
    public record Configuration(DType dtype, Layout layout, boolean batched, int batch, ChannelStructure channels,
            int kernelSize, int inputLength, ConvTranspose1dParams params) {
        public int inChannels() {
            return channels.groups() * channels.groupIn();
        }

        public int outChannels() {
            return channels.groups() * channels.groupOut();
        }

        /** (N, C, L) or (N, L, C) as the layout says, without N when unbatched. */
        public int[] inputShape() {
            int[] sample = layout == Layout.NCL ? new int[] {inChannels(), inputLength}
                    : new int[] {inputLength, inChannels()};
            return batched ? new int[] {batch, sample[0], sample[1]} : sample;
        }

        /** (Cin, Cout / groups, K). */
        public int[] weightShape() {
            return new int[] {inChannels(), channels.groupOut(), kernelSize};
        }

        /** The part of a test's name that says which layer this is, e.g. "FLOAT32 NCL rank3 N2 Cin3 ... op0". */
        public String describe() {
            return String.format("%s %s rank%d N%d Cin%d Cout%d G%d K%d s%d d%d pad=%s op%d", dtype, layout,
                    batched ? 3 : 2, batch, inChannels(), outChannels(), channels.groups(), kernelSize,
                    params.stride(), params.dilation(), params.padding(), params.outputPadding());
        }
    }

    /**
     * How {@link #draw} picks each choice. A distribution of one activation draws none, as RandomConfigurationsTest
     * never drew one, so that its seeds keep their configurations.
     */
    public record Distribution(Function<SplittableRandom, DType> dtype,
            Function<SplittableRandom, ChannelStructure> channels, int[][] codeShapes,
            ToIntFunction<SplittableRandom> inputLength, List<Activation> activations, PaddingDraw padding,
            OutputLengthDraw outputLength) {
    }

    /** The padding forms, given the span E = dilation * (K - 1) + 1 of the dilated kernel. */
    public enum PaddingDraw {
        /** SAME, VALID, up to E on each side independently, or (two chances in five) up to E on both. */
        WITHIN_THE_KERNEL(5, 0),
        /** SAME, VALID, up to E plus a stride on each side independently, or up to E on both. */
        A_STRIDE_PAST_THE_KERNEL(4, 1);

        private final int forms;
        private final int stridesPastTheKernel;

        PaddingDraw(int forms, int stridesPastTheKernel) {
            this.forms = forms;
            this.stridesPastTheKernel = stridesPastTheKernel;
        }
    }

    /** Whether the output is lengthened beyond its natural length, and how. */
    public enum OutputLengthDraw {
        /** outputPadding one time in four, outputSize within its valid range one time in four. */
        PADDING_OR_SIZE,
        /** outputPadding half the time. */
        PADDING_ONLY
    }

    /** A configuration within the tuned envelope; parameters that leave no output are drawn again. */
    public static Configuration draw(SplittableRandom random, Distribution distribution) {
        while (true) {
            DType dtype = distribution.dtype().apply(random);
            Layout layout = random.nextBoolean() ? Layout.NCL : Layout.NLC;
            boolean batched = random.nextInt(4) != 0;
            int batch = batched ? 1 + random.nextInt(3) : 1;
            ChannelStructure channels = distribution.channels().apply(random);
            int[] codeShape = distribution.codeShapes()[random.nextInt(distribution.codeShapes().length)];
            int kernelSize = codeShape[0];
            int stride = codeShape[1];
            int dilation = codeShape[2];
            int inputLength = distribution.inputLength().applyAsInt(random);
            List<Activation> activations = distribution.activations();
            Activation activation = activations.size() == 1 ? activations.get(0)
                    : activations.get(random.nextInt(activations.size()));
            int span = dilation * (kernelSize - 1) + 1;
            ConvTranspose1dParams.Builder builder = ConvTranspose1dParams.builder()
                    .stride(stride).dilation(dilation).groups(channels.groups()).layout(layout).activation(activation);
            PaddingDraw padding = distribution.padding();
            int asymmetricReach = span + padding.stridesPastTheKernel * stride;
            switch (random.nextInt(padding.forms)) {
                case 0 -> builder.padding(Padding.SAME);
                case 1 -> builder.padding(Padding.VALID);
                case 2 -> builder.padding(random.nextInt(asymmetricReach + 1), random.nextInt(asymmetricReach + 1));
                default -> builder.padding(random.nextInt(span + 1));
            }
            boolean outputPadding;
            boolean outputSize;
            if (distribution.outputLength() == OutputLengthDraw.PADDING_OR_SIZE) {
                int choice = random.nextInt(4);
                outputPadding = choice == 0;
                outputSize = choice == 1;
            } else {
                outputPadding = random.nextBoolean();
                outputSize = false;
            }
            if (outputPadding) {
                builder.outputPadding(random.nextInt(Math.max(stride, dilation)));
            }
            ConvTranspose1dParams params;
            try {
                params = builder.build();
                int natural = params.outputLength(inputLength, kernelSize);
                if (outputSize) {
                    params = builder.outputSize(outputSizeInRange(params, natural, random.nextInt(stride))).build();
                    params.outputLength(inputLength, kernelSize);
                }
            } catch (IllegalArgumentException leavesNoOutput) {
                continue;
            }
            return new Configuration(dtype, layout, batched, batch, channels, kernelSize, inputLength, params);
        }
    }

    /**
     * A configuration from an envelope wider than the one the kernels are tuned for: K up to 200, dilation up to
     * 1000, stride up to 2^20 (with padding that crops the output to a few hundred positions), up to 1100
     * channels, every padding form, groups and activations, and outputPadding up to and including its limit.
     * Shapes inside the phase/tiled programs' envelope are drawn from a few (K, stride, dilation) triples at its
     * edges, with FLOAT32, NCL and no activation, since every new program costs a build of about a second.
     *
     * @throws IllegalArgumentException if the drawn parameters are refused, as a fuzzed call may be
     */
    public static Configuration drawBeyondTheTunedEnvelope(SplittableRandom random) {
        DType dtype = random.nextInt(4) == 0 ? DType.FLOAT64 : DType.FLOAT32;
        Layout layout = random.nextBoolean() ? Layout.NCL : Layout.NLC;
        Activation activation = random.nextInt(10) == 0
                ? FUZZED_ACTIVATIONS.get(random.nextInt(FUZZED_ACTIVATIONS.size())) : Activation.NONE;
        boolean batched = random.nextInt(5) != 0;
        int batch = batched ? 1 + random.nextInt(2) : 1;
        int groups;
        int groupIn;
        int groupOut;
        switch (random.nextInt(8)) {
            case 0 -> { // wide: up to 1100 channels on one side
                groups = random.nextBoolean() ? 1 : 1 + random.nextInt(4);
                boolean wideIn = random.nextBoolean();
                groupIn = wideIn ? 1 + random.nextInt(1100 / groups) : 1 + random.nextInt(3);
                groupOut = wideIn ? 1 + random.nextInt(3) : 1 + random.nextInt(1100 / groups);
            }
            case 1 -> { // depthwise, up to 1100 channels
                groups = 1 + random.nextInt(random.nextBoolean() ? 8 : 1100);
                groupIn = 1;
                groupOut = 1 + random.nextInt(2);
            }
            case 2, 3 -> { // grouped
                groups = 2 + random.nextInt(3);
                groupIn = 1 + random.nextInt(4);
                groupOut = 1 + random.nextInt(12);
            }
            default -> { // dense
                groups = 1;
                groupIn = 1 + random.nextInt(12);
                groupOut = 1 + random.nextInt(20);
            }
        }
        int kernelSize = random.nextBoolean() ? 1 + random.nextInt(8) : logUniform(random, 200);
        int dilation = random.nextBoolean() ? 1 : logUniform(random, 1000);
        int stride = switch (random.nextInt(3)) {
            case 0 -> 1 + random.nextInt(4);
            case 1 -> logUniform(random, 64);
            default -> logUniform(random, 1 << 20);
        };
        if (kernelSize <= 64 && stride <= 32 && (long) (kernelSize - 1) * dilation / stride < 256
                && kernelSize * stride <= 1024) {
            int[] edge = ENVELOPE_EDGES[random.nextInt(ENVELOPE_EDGES.length)];
            kernelSize = edge[0];
            stride = edge[1];
            dilation = edge[2];
            dtype = DType.FLOAT32;
            layout = Layout.NCL;
            activation = Activation.NONE;
        }
        int inputLength = 1 + random.nextInt(stride > 64 ? 4 : 24);
        // Keep the reference cheap: at most about 2 million multiply-adds and 100,000 outputs.
        while ((long) batch * groups * groupIn * groupOut * kernelSize * inputLength > 2_000_000 && inputLength > 1) {
            inputLength = (inputLength + 1) / 2;
        }
        while ((long) batch * groups * groupIn * groupOut * kernelSize > 2_000_000) {
            if (groupIn >= groupOut && groupIn > 1) {
                groupIn = (groupIn + 1) / 2;
            } else if (groupOut > 1) {
                groupOut = (groupOut + 1) / 2;
            } else {
                groups = (groups + 1) / 2;
            }
        }
        int maxLength = (int) Math.max(1, 100_000 / ((long) batch * groups * groupOut));

        ConvTranspose1dParams.Builder builder = ConvTranspose1dParams.builder().stride(stride).dilation(dilation)
                .groups(groups).layout(layout).activation(activation);
        long full = (long) (inputLength - 1) * stride + (long) (kernelSize - 1) * dilation + 1;
        int form = random.nextInt(6);
        if (form == 0 && (long) inputLength * stride <= maxLength) {
            builder.padding(Padding.SAME);
        } else if (form == 1 && full + stride <= maxLength) {
            builder.padding(Padding.VALID);
        } else if (full <= maxLength && form < 4) {
            int bound = (int) Math.min(full, Integer.MAX_VALUE / 2);
            int left = random.nextInt(bound + 1);
            builder.padding(left, form == 2 ? left : random.nextInt(bound + 1)); // may leave no output
        } else {
            // A window of at most a few hundred positions anywhere in the full output: large paddings.
            long length = 1 + random.nextInt((int) Math.min(Math.min(full, 300), maxLength));
            long left = random.nextLong(full - length + 1);
            builder.padding((int) left, (int) (full - length - left));
        }
        int limit = Math.max(stride, dilation);
        switch (random.nextInt(8)) {
            case 0, 1 -> builder.outputPadding(random.nextInt(Math.min(limit, 64)));
            case 2 -> builder.outputPadding(limit); // refused: must stay below max(stride, dilation)
            default -> {
            }
        }
        ConvTranspose1dParams params = builder.build();
        if (random.nextInt(6) == 0 && params.outputPadding() == 0) {
            try {
                int natural = params.outputLength(inputLength, kernelSize);
                params = builder.outputSize(outputSizeInRange(params, natural, random.nextInt(Math.min(stride, 64))))
                        .build();
            } catch (IllegalArgumentException leavesNoOutput) {
                // keep the parameters without outputSize: the call itself is then refused
            }
        }
        return new Configuration(dtype, layout, batched, batch, new ChannelStructure(groups, groupIn, groupOut),
                kernelSize, inputLength, params);
    }

    /**
     * The outputSize {@code offset} into its valid range: SAME's range ends at the natural length, the others'
     * starts there.
     */
    private static int outputSizeInRange(ConvTranspose1dParams params, int natural, int offset) {
        return params.padding().equals(Padding.SAME) ? natural - offset : natural + offset;
    }

    /** Log-uniform in [1, max]: small values as likely as large ones by order of magnitude. */
    private static int logUniform(SplittableRandom random, int max) {
        return (int) Math.min(max, Math.floor(Math.exp(random.nextDouble() * Math.log(max + 1.0))));
    }
}
