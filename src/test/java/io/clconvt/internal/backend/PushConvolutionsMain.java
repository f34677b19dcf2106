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
 * The measurement of docs/performance.md (sitting 26) behind the 8-frame V1 push's bound: the push's 78
 * convolutions at their window sizes (stride-1 convolutions as transposed convolutions over the same window), each
 * with weights of its own, timed each repeated alone and in push order (device time from profiling events), and
 * enqueued back to back in push order with no host wait between them (wall). Prints one line.
 */
public final class PushConvolutionsMain {
    private PushConvolutionsMain() {
    }

    /** One convolution of the push: channels, K, stride, padding, dilation and its window's input length. */
    private record Conv(int cin, int cout, int k, int stride, int padding, int dilation, int lin) {
    }

    private static final int ROUNDS = 15;

    public static void main(String[] args) {
        List<Conv> push = push();
        SplittableRandom random = new SplittableRandom(1);
        List<ConvTranspose1d> layers = new ArrayList<>();
        List<DeviceTensor> inputs = new ArrayList<>();
        long weightBytes = 0;
        try (Backend backend = EngineTools.openCl(KernelVariant.AUTO)) {
            for (Conv c : push) {
                layers.add(new ConvTranspose1d(c.cin(), c.cout(), c.k(), ConvTranspose1dParams.builder()
                        .stride(c.stride()).padding(c.padding()).dilation(c.dilation()).build(), true, random.nextLong()));
                inputs.add(backend.upload(Tensor.of(random.doubles((long) c.cin() * c.lin(), -1, 1).toArray(), 1,
                        c.cin(), c.lin()).to(DType.FLOAT32)));
                weightBytes += 4L * c.cin() * c.cout() * c.k();
            }
            int n = push.size();
            for (int warmUp = 0; warmUp < 5; warmUp++) {
                for (int i = 0; i < n; i++) {
                    layers.get(i).forward(backend, inputs.get(i)).close();
                }
            }
            double[][] inOrder = new double[n][ROUNDS];
            double[][] alone = new double[n][ROUNDS];
            double[] chainedWall = new double[ROUNDS];
            for (int r = 0; r < ROUNDS; r++) {
                long start = System.nanoTime();
                List<DeviceTensor> outputs = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    outputs.add(layers.get(i).forward(backend, inputs.get(i)));
                }
                EngineTools.lastKernelNanos(backend); // waits for the last one
                chainedWall[r] = (System.nanoTime() - start) / 1e6;
                outputs.forEach(DeviceTensor::close);
                for (int i = 0; i < n; i++) {
                    layers.get(i).forward(backend, inputs.get(i)).close();
                    inOrder[i][r] = EngineTools.lastKernelNanos(backend) / 1e6;
                }
                for (int i = 0; i < n; i++) {
                    for (int repeat = 0; repeat < 4; repeat++) {
                        layers.get(i).forward(backend, inputs.get(i)).close();
                    }
                    alone[i][r] = EngineTools.lastKernelNanos(backend) / 1e6;
                }
            }
            System.out.printf(Locale.ROOT, "%d convolutions, %.1f MB of weights: device time summed, in push order "
                    + "%.2f ms, each repeated alone %.2f ms; in push order without host waits, wall %.2f ms (medians "
                    + "of %d)%n", n, weightBytes / 1e6, sumOfMedians(inOrder), sumOfMedians(alone),
                    median(chainedWall), ROUNDS);
            inputs.forEach(DeviceTensor::close);
        }
    }

    /** V1's push of 8 frames: conv_pre, then per stage the upsampler and its resblocks' dilated and d-1 pairs, conv_post. */
    private static List<Conv> push() {
        List<Conv> push = new ArrayList<>();
        push.add(new Conv(80, 512, 7, 1, 6, 1, 8 + 6));
        int[][] upsamplers = {{512, 256, 16, 8, 4}, {256, 128, 16, 8, 4}, {128, 64, 4, 2, 1}, {64, 32, 4, 2, 1}};
        int length = 8;
        for (int[] u : upsamplers) {
            push.add(new Conv(u[0], u[1], u[2], u[3], u[4], 1, length));
            length = (length - 1) * u[3] + u[2] - 2 * u[4];
            for (int k : new int[] {3, 7, 11}) {
                for (int d : new int[] {1, 3, 5}) {
                    push.add(new Conv(u[1], u[1], k, 1, (k - 1) * d, d, length + (k - 1) * d));
                    push.add(new Conv(u[1], u[1], k, 1, k - 1, 1, length + k - 1));
                }
            }
        }
        push.add(new Conv(32, 1, 7, 1, 6, 1, length + 6));
        return push;
    }

    private static double sumOfMedians(double[][] times) {
        double sum = 0;
        for (double[] t : times) {
            sum += median(t);
        }
        return sum;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
