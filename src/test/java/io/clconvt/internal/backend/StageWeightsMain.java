package io.clconvt.internal.backend;

import io.clconvt.Backend;
import io.clconvt.ConvTranspose1d;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.DeviceTensor;
import io.clconvt.Tensor;
import io.clconvt.internal.plan.KernelVariant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The measurement of docs/performance.md (sitting 28) behind what bounds the 8-frame push: the 18 residual-block
 * convolutions of one HiFi-GAN V1 stage ({@code channels} and {@code positions} new outputs, arguments; K 3, 7, 11
 * at dilations 1, 3, 5 and 1, as transposed convolutions over their windows) chained with no host wait, each with
 * weights of its own (as a push reads them, from memory) and again with one weight per K reused (from cache).
 * Prints the median wall time of 21 chains and the GFLOP/s, twice each, alternating.
 */
public final class StageWeightsMain {
    private static final int ROUNDS = 21;

    private StageWeightsMain() {
    }

    public static void main(String[] args) {
        int channels = Integer.parseInt(args[0]);
        int positions = Integer.parseInt(args[1]);
        SplittableRandom random = new SplittableRandom(1);
        List<ConvTranspose1d> layers = new ArrayList<>();
        List<DeviceTensor> inputs = new ArrayList<>();
        double flops = 0;
        try (Backend backend = EngineTools.openCl(KernelVariant.AUTO)) {
            for (int k : new int[] {3, 7, 11}) {
                for (int d : new int[] {1, 3, 5}) {
                    for (int dilation : new int[] {d, 1}) {
                        int reach = (k - 1) * dilation;
                        layers.add(new ConvTranspose1d(channels, channels, k, ConvTranspose1dParams.builder()
                                .padding(reach).dilation(dilation).build(), true, random.nextLong()));
                        inputs.add(backend.upload(Tensor.of(random.doubles((long) channels * (positions + reach), -1,
                                1).toArray(), 1, channels, positions + reach).to(DType.FLOAT32)));
                        flops += 2.0 * channels * channels * k * positions;
                    }
                }
            }
            for (boolean reused : new boolean[] {false, true, false, true}) {
                double[] wall = new double[ROUNDS];
                for (int r = 0; r < ROUNDS; r++) {
                    long start = System.nanoTime();
                    List<DeviceTensor> outputs = new ArrayList<>();
                    for (int i = 0; i < layers.size(); i++) {
                        int layer = reused ? i / 6 * 6 : i; // one K's six convolutions share its first weight
                        outputs.add(layers.get(layer).forward(backend, inputs.get(layer)));
                    }
                    outputs.get(outputs.size() - 1).download();
                    wall[r] = (System.nanoTime() - start) / 1e6;
                    outputs.forEach(DeviceTensor::close);
                }
                Arrays.sort(wall);
                System.out.printf(Locale.ROOT, "%d channels, %d positions, %s weights: %.2f ms (min %.2f), %.0f GFLOP/s%n",
                        channels, positions, reused ? "reused" : "own", wall[ROUNDS / 2], wall[0],
                        flops / wall[ROUNDS / 2] / 1e6);
            }
            inputs.forEach(DeviceTensor::close);
        }
    }
}
