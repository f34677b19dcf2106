package io.clconvt.bench;

import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.ChunkStream;
import io.clconvt.DType;
import io.clconvt.Tensor;
import io.clconvt.models.HifiGan;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The measurement of docs/performance.md (sitting 28) behind the 8-frame push's ratio: a HiFi-GAN generator (seeded
 * random weights of the official shapes; {@code v1} unless an argument names another) on the OpenCL backend, a
 * one-shot call of 86 frames and then 11 pushes of 8 frames, round after round (30, or {@code -Drounds}), so that
 * both see the same machine; the benchmark times all of its one-shot runs first and the pushes after them, and on a
 * shared VM that gap alone moves the ratio. Prints one line: the medians and the push's ratio to the one-shot's
 * cost per 8 frames, over all rounds and per round.
 */
public final class InterleavedPushMain {
    private static final int FRAMES = 86;
    private static final int FRAMES_PER_PUSH = 8;
    private static final int PUSHES_PER_ROUND = 11;

    private InterleavedPushMain() {
    }

    public static void main(String[] args) {
        RandomHifiGan random = RandomHifiGan.of(args.length > 0 ? args[0] : "v1");
        HifiGan model = random.load(random.weights(1));
        int rounds = Integer.getInteger("rounds", 30);
        SplittableRandom values = new SplittableRandom(2);
        Tensor chunk = Tensor.of(values.doubles(80L * FRAMES_PER_PUSH, -1, 1).toArray(), 1, 80, FRAMES_PER_PUSH)
                .to(DType.FLOAT32);
        Tensor mel = Tensor.of(values.doubles(80L * FRAMES, -1, 1).toArray(), 1, 80, FRAMES)
                .to(DType.FLOAT32);
        try (Backend backend = Backends.openCl(); ChunkStream stream = model.stream(backend)) {
            for (int i = 0; i < 5; i++) {
                model.generate(backend, mel);
            }
            for (int i = 0; i < 20; i++) {
                stream.push(chunk);
            }
            double[] oneShot = new double[rounds];
            double[] pushes = new double[rounds * PUSHES_PER_ROUND];
            double[] ratios = new double[rounds];
            for (int round = 0; round < rounds; round++) {
                long start = System.nanoTime();
                model.generate(backend, mel);
                oneShot[round] = (System.nanoTime() - start) / 1e6;
                double[] these = new double[PUSHES_PER_ROUND];
                for (int i = 0; i < PUSHES_PER_ROUND; i++) {
                    start = System.nanoTime();
                    stream.push(chunk);
                    these[i] = (System.nanoTime() - start) / 1e6;
                    pushes[round * PUSHES_PER_ROUND + i] = these[i];
                }
                ratios[round] = median(these) / perPush(oneShot[round]);
            }
            double perPush = perPush(median(oneShot));
            System.out.printf(Locale.ROOT, "one-shot median %.1f ms (%.2f per %d frames); push median %.2f ms -> %.2fx;"
                    + " per-round ratio median %.2f%n", median(oneShot), perPush, FRAMES_PER_PUSH, median(pushes),
                    median(pushes) / perPush, median(ratios));
        }
    }

    private static double perPush(double oneShotMs) {
        return oneShotMs / FRAMES * FRAMES_PER_PUSH;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
