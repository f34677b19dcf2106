package io.clconvt;

import io.clconvt.testing.CrossCheck;
import io.clconvt.testing.TestTensors;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Child-JVM main of {@link FuzzTest}: generates the seeded configurations {@code first} to
 * {@code first + count - 1} and checks each with {@link CrossCheck#check}. Prints {@code CASE index
 * description} before a configuration runs (so a native crash names it), then {@code PASS index
 * computed|refused millis} or {@code FAIL index problems}, and {@code DONE} at the end.
 *
 * <p>The envelope is wider than the one the kernels are tuned for: K up to 200, dilation up to 1000,
 * stride up to 2^20 (with padding that crops the output to a few hundred positions), up to 1100
 * channels, NaN and ±Inf in inputs, weights and biases, every padding form, groups and activations.
 * Shapes inside the phase/tiled programs' envelope are drawn from a few fixed (K, stride, dilation)
 * triples at its edges, since every new triple costs a program build of about a second.
 */
public final class FuzzMain {
    static final long BASE_SEED = 0xF022_0008L;
    /**
     * (K, stride, dilation) at the edges of the phase/tiled envelope: a window of 256 inputs at 8 rows, 32
     * accumulators at 1 row. Such draws use FLOAT32, NCL and no activation, to bound the builds.
     */
    private static final int[][] IN_ENVELOPE = {{3, 1, 124}, {2, 32, 1}};
    private static final List<Activation> ACTIVATIONS = List.of(Activation.RELU, Activation.leakyRelu(0.1));

    private FuzzMain() {
    }

    public static void main(String[] args) {
        int first = Integer.parseInt(args[0]);
        int count = Integer.parseInt(args[1]);
        try (CrossCheck check = CrossCheck.open()) {
            if (check == null) {
                return;
            }
            for (int index = first; index < first + count; index++) {
                long start = System.nanoTime();
                SplittableRandom random = new SplittableRandom(BASE_SEED + index);
                CrossCheck.Call call;
                try {
                    call = generate(random);
                } catch (IllegalArgumentException refused) {
                    System.out.println("CASE " + index + " parameters refused: " + refused.getMessage());
                    System.out.println("PASS " + index + " refused 0");
                    continue;
                }
                System.out.println("CASE " + index + " " + call);
                System.out.flush();
                CrossCheck.Verdict verdict = check.check(call);
                long millis = (System.nanoTime() - start) / 1_000_000;
                if (verdict.problems().isEmpty()) {
                    System.out.println("PASS " + index + " " + (verdict.refused() ? "refused" : "computed") + " "
                            + millis);
                } else {
                    System.out.println("FAIL " + index + " " + String.join(" | ", verdict.problems()));
                }
                System.out.flush();
            }
        }
        System.out.println("DONE");
    }

    /** One configuration; building its parameters may refuse them, which both backends then never see. */
    static CrossCheck.Call generate(SplittableRandom random) {
        DType dtype = random.nextInt(4) == 0 ? DType.FLOAT64 : DType.FLOAT32;
        Layout layout = random.nextBoolean() ? Layout.NCL : Layout.NLC;
        Activation activation = random.nextInt(10) == 0
                ? ACTIVATIONS.get(random.nextInt(ACTIVATIONS.size())) : Activation.NONE;
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
            int[] triple = IN_ENVELOPE[random.nextInt(IN_ENVELOPE.length)];
            kernelSize = triple[0];
            stride = triple[1];
            dilation = triple[2];
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
                int offset = random.nextInt(Math.min(stride, 64));
                params = builder.outputSize(params.padding().equals(Padding.SAME) ? natural - offset : natural + offset)
                        .build();
            } catch (IllegalArgumentException leavesNoOutput) {
                // keep the parameters without outputSize: the call itself is then refused
            }
        }

        int inChannels = groups * groupIn;
        int outChannels = groups * groupOut;
        int[] sample = layout == Layout.NCL ? new int[] {inChannels, inputLength} : new int[] {inputLength, inChannels};
        int[] xShape = batched ? new int[] {batch, sample[0], sample[1]} : sample;
        Tensor x = withSpecials(random, 5, TestTensors.random(random, dtype, 1, xShape));
        Tensor weight = withSpecials(random, 4, TestTensors.random(random, dtype, 1, inChannels, groupOut, kernelSize));
        Tensor bias = random.nextBoolean() ? null : withSpecials(random, 10, TestTensors.random(random, dtype, 1,
                outChannels));
        return new CrossCheck.Call(x, weight, bias, params);
    }

    /** Log-uniform in [1, max]: small values as likely as large ones by order of magnitude. */
    private static int logUniform(SplittableRandom random, int max) {
        return (int) Math.min(max, Math.floor(Math.exp(random.nextDouble() * Math.log(max + 1.0))));
    }

    /** {@code t} with, one time in {@code oneIn}, a few elements replaced by NaN, +Inf or -Inf. */
    private static Tensor withSpecials(SplittableRandom random, int oneIn, Tensor t) {
        if (random.nextInt(oneIn) != 0) {
            return t;
        }
        double[] values = t.toDoubleArray();
        double[] specials = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        for (int n = 1 + random.nextInt(3); n > 0; n--) {
            values[random.nextInt(values.length)] = specials[random.nextInt(specials.length)];
        }
        return TestTensors.of(t.dtype(), values, t.shape());
    }
}
