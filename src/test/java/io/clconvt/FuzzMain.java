package io.clconvt;

import io.clconvt.testing.CrossCheck;
import io.clconvt.testing.RandomConfigurations;
import io.clconvt.testing.RandomConfigurations.Configuration;
import io.clconvt.testing.TestTensors;
import java.util.SplittableRandom;

/**
 * Child-JVM main of {@link FuzzTest}: generates the seeded configurations {@code first} to
 * {@code first + count - 1} and checks each with {@link CrossCheck#check}. Prints {@code CASE index
 * description} before a configuration runs (so a native crash names it), then {@code PASS index
 * computed|refused millis} or {@code FAIL index problems}, and {@code DONE} at the end.
 *
 * <p>The configurations come from {@link RandomConfigurations#drawBeyondTheTunedEnvelope}, with NaN and ±Inf
 * in some inputs, weights and biases.
 */
public final class FuzzMain {
    static final long BASE_SEED = 0xF022_0008L;

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
        Configuration c = RandomConfigurations.drawBeyondTheTunedEnvelope(random);
        Tensor x = withSpecials(random, 5, TestTensors.random(random, c.dtype(), 1, c.inputShape()));
        Tensor weight = withSpecials(random, 4, TestTensors.random(random, c.dtype(), 1, c.weightShape()));
        Tensor bias = random.nextBoolean() ? null : withSpecials(random, 10, TestTensors.random(random, c.dtype(), 1,
                c.outChannels()));
        return new CrossCheck.Call(x, weight, bias, c.params());
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
