package io.clconvt.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.Tensor;
import io.clconvt.io.StateDict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stand-in generator against HiFi-GAN's arithmetic written out here in double: each ConvTranspose1d by its
 * definition, weight norm folded, conv_post as the Conv1d it is, the leaky ReLUs and tanh.
 */
class UpsamplingStackTest {
    private static final double U = 0x1p-24;

    @TempDir
    Path dir;

    @Test
    void computesTheUpsamplingStackAndConvPostOfHifiGan() throws IOException {
        Corpus.writeGenerator(dir);
        UpsamplingStack stack = UpsamplingStack.load(dir.resolve("config.json"), StateDict.read(dir.resolve("generator.npz")));
        assertEquals(Corpus.HOP, stack.hopLength());
        Map<String, Tensor> w = Corpus.weights();
        int frames = Corpus.frames(0); // 5: mel(1) is longer, its first 5 frames are taken
        Tensor mel = Tensor.of(concat(Corpus.mel(0).toFloatArray(), Corpus.mel(1).toFloatArray(), frames), 2,
                Corpus.CHANNELS, frames);

        double[][][] x = unflatten(mel.toDoubleArray(), 2, Corpus.CHANNELS, frames);
        double[] w0 = fold(w.get("ups.0.weight_g"), w.get("ups.0.weight_v"));
        Layer ups0 = transposed(x, w0, w.get("ups.0.bias").toDoubleArray(), 16, 8, 8, 4, 2, 0.1);
        Layer ups1 = transposed(ups0.y, w.get("ups.1.weight").toDoubleArray(), w.get("ups.1.bias").toDoubleArray(),
                8, 4, 4, 2, 1, 0.01);
        double[] wp = fold(w.get("conv_post.weight_g"), w.get("conv_post.weight_v"));
        Layer post = convPost(ups1.y, wp, w.get("conv_post.bias").toDoubleArray()[0]);

        Tensor actual;
        try (Backend cpu = Backends.cpu()) {
            actual = stack.generate(cpu, mel);
        }
        assertArrayEquals(new int[] {2, 1, frames * Corpus.HOP}, actual.shape());
        // Each layer rounds its output to float32 once and folded weights once (u times the absolute sums), and
        // passes the error it received on amplified by at most its largest absolute weight sum; activations are
        // 1-Lipschitz.
        double allowed = 0;
        for (Layer layer : new Layer[] {ups0, ups1, post}) {
            allowed = layer.gain * allowed + 2 * U * layer.absoluteSum;
        }
        allowed += 8 * U; // tanh evaluated in float32: a few units in the last place of a value at most 1
        float[] a = actual.toFloatArray();
        int saturated = 0;
        for (int n = 0; n < 2; n++) {
            for (int t = 0; t < frames * Corpus.HOP; t++) {
                double expected = Math.tanh(post.y[n][0][t]);
                assertEquals(expected, a[n * frames * Corpus.HOP + t], allowed, "sample " + n + "," + t);
                saturated += Math.abs(expected) > 0.99 ? 1 : 0;
            }
        }
        assertTrue(saturated < frames * Corpus.HOP / 4, saturated + " samples saturate tanh: the check would be weak");
    }

    @Test
    void refusesAStackThatDoesNotEndInOneChannel() throws IOException {
        Corpus.writeGenerator(dir);
        Files.writeString(dir.resolve("config.json"), Corpus.CONFIG.replace("[4, 2]", "[4]").replace("[8, 4]", "[8]"));
        // Without conv_post's keys ups.0 alone would end with 8 channels; with them conv_post expects 4.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UpsamplingStack.load(dir.resolve("config.json"), StateDict.read(dir.resolve("generator.npz"))));
        assertTrue(e.getMessage().contains("conv_post has weight shape [1, 4, 7]"), e.getMessage());
        Files.writeString(dir.resolve("config.json"), Corpus.CONFIG.replace("[8, 4]", "[8, 5]"));
        e = assertThrows(IllegalArgumentException.class,
                () -> UpsamplingStack.load(dir.resolve("config.json"), StateDict.read(dir.resolve("generator.npz"))));
        assertTrue(e.getMessage().contains("stage 1 has upsample rate 2 and kernel size 5"), e.getMessage());
    }

    /** A layer's activated output, its largest absolute weight sum per output, and its largest absolute sum. */
    private record Layer(double[][][] y, double gain, double absoluteSum) {
    }

    /** ConvTranspose1d by definition, then leaky ReLU of {@code slope}. */
    private static Layer transposed(double[][][] x, double[] w, double[] b, int cin, int cout, int k, int stride,
            int padding, double slope) {
        int n = x.length;
        int lin = x[0][0].length;
        int lout = (lin - 1) * stride - 2 * padding + k;
        double[][][] y = new double[n][cout][lout];
        double[][][] abs = new double[n][cout][lout];
        double gain = 0;
        for (int bi = 0; bi < n; bi++) {
            for (int o = 0; o < cout; o++) {
                for (int t = 0; t < lout; t++) {
                    double sum = b[o];
                    double absSum = Math.abs(b[o]);
                    double weights = 0;
                    for (int i = 0; i < cin; i++) {
                        for (int kk = 0; kk < k; kk++) {
                            int s = t + padding - kk;
                            if (s % stride == 0 && s / stride >= 0 && s / stride < lin && s >= 0) {
                                double product = x[bi][i][s / stride] * w[(i * cout + o) * k + kk];
                                sum += product;
                                absSum += Math.abs(product);
                                weights += Math.abs(w[(i * cout + o) * k + kk]);
                            }
                        }
                    }
                    y[bi][o][t] = sum >= 0 ? sum : slope * sum;
                    abs[bi][o][t] = absSum;
                    gain = Math.max(gain, weights);
                }
            }
        }
        return new Layer(y, gain, max(abs));
    }

    /** Conv1d(C, 1, K, padding (K - 1) / 2) by definition, before tanh. */
    private static Layer convPost(double[][][] x, double[] w, double b) {
        int n = x.length;
        int c = x[0].length;
        int l = x[0][0].length;
        int k = w.length / c;
        double[][][] y = new double[n][1][l];
        double[][][] abs = new double[n][1][l];
        double gain = 0;
        for (int bi = 0; bi < n; bi++) {
            for (int t = 0; t < l; t++) {
                double sum = b;
                double absSum = Math.abs(b);
                double weights = 0;
                for (int ci = 0; ci < c; ci++) {
                    for (int kk = 0; kk < k; kk++) {
                        int s = t + kk - (k - 1) / 2;
                        if (s >= 0 && s < l) {
                            sum += w[ci * k + kk] * x[bi][ci][s];
                            absSum += Math.abs(w[ci * k + kk] * x[bi][ci][s]);
                            weights += Math.abs(w[ci * k + kk]);
                        }
                    }
                }
                y[bi][0][t] = sum;
                abs[bi][0][t] = absSum;
                gain = Math.max(gain, weights);
            }
        }
        return new Layer(y, gain, max(abs));
    }

    /** torch.nn.utils.weight_norm with dim 0. */
    private static double[] fold(Tensor g, Tensor v) {
        double[] gv = g.toDoubleArray();
        double[] vv = v.toDoubleArray();
        int slice = vv.length / gv.length;
        double[] w = new double[vv.length];
        for (int o = 0; o < gv.length; o++) {
            double norm = 0;
            for (int j = 0; j < slice; j++) {
                norm += vv[o * slice + j] * vv[o * slice + j];
            }
            for (int j = 0; j < slice; j++) {
                w[o * slice + j] = gv[o] * vv[o * slice + j] / Math.sqrt(norm);
            }
        }
        return w;
    }

    private static double max(double[][][] values) {
        double m = 0;
        for (double[][] a : values) {
            for (double[] b : a) {
                for (double v : b) {
                    m = Math.max(m, v);
                }
            }
        }
        return m;
    }

    private static double[][][] unflatten(double[] values, int n, int c, int l) {
        double[][][] x = new double[n][c][l];
        for (int i = 0; i < values.length; i++) {
            x[i / (c * l)][i / l % c][i % l] = values[i];
        }
        return x;
    }

    /** The first {@code frames} frames of two (C, T) mels, one after the other. */
    private static float[] concat(float[] a, float[] b, int frames) {
        float[] out = new float[2 * Corpus.CHANNELS * frames];
        int la = a.length / Corpus.CHANNELS;
        int lb = b.length / Corpus.CHANNELS;
        for (int c = 0; c < Corpus.CHANNELS; c++) {
            System.arraycopy(a, c * la, out, c * frames, frames);
            System.arraycopy(b, c * lb, out, (Corpus.CHANNELS + c) * frames, frames);
        }
        return out;
    }
}
