package io.clconvt.internal.cpu;

import io.clconvt.ConvGradients;
import io.clconvt.DType;
import io.clconvt.Tensor;
import io.clconvt.internal.Conv1dProblem;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.Validation;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The convolution and the gradients of both operations as their definitions, in double: each sum written
 * out over the positions it runs over, with no use of one operation's adjoint to compute the other, so that
 * the OpenCL backend (which does use them) is checked against something independent. Rows run in parallel.
 */
final class CpuConvolution {
    private CpuConvolution() {
    }

    /**
     * The convolution: out[n, co, t] = f(bias[co] + sum xpad[n, ci, t * stride + k * dilation - padLeft] * w[co, ci', k]),
     * with the residual input (null unless the problem adds one) in the epilogue.
     */
    static Tensor conv1d(Conv1dProblem p, Tensor x, Tensor weight, Tensor bias, Tensor residual) {
        requireHeap(p, p.outputElements() * (p.addsResidual() ? 2L : 1L));
        Epilogue epilogue = Epilogue.of(p, residual == null ? null
                : Planes.read(residual, p.layout(), p.batch(), p.outChannels(), p.outputLength()));
        double[] input = Planes.activate(Planes.read(x, p.layout(), p.batch(), p.inChannels(), p.inputLength()),
                p.inputActivation());
        double[] w = weight.toDoubleArray();
        double[] b = bias == null ? null : bias.toDoubleArray();
        int[][] source = sources(p);
        int length = p.outputLength();
        double[] output = new double[p.outputElements()];
        IntStream.range(0, p.batch() * p.outChannels()).parallel().forEach(row -> {
            int n = row / p.outChannels();
            int co = row % p.outChannels();
            int firstChannel = co / p.groupOutChannels() * p.groupInChannels();
            double[] acc = new double[length];
            for (int c = 0; c < p.groupInChannels(); c++) {
                int in = (n * p.inChannels() + firstChannel + c) * p.inputLength();
                for (int k = 0; k < p.kernelSize(); k++) {
                    double tap = w[(co * p.groupInChannels() + c) * p.kernelSize() + k];
                    int[] from = source[k];
                    for (int t = 0; t < length; t++) {
                        if (from[t] >= 0) {
                            acc[t] += tap * input[in + from[t]];
                        }
                    }
                }
            }
            double start = b == null ? 0 : b[co];
            for (int t = 0; t < length; t++) {
                output[row * length + t] = epilogue.apply(start + acc[t], row * length + t);
            }
        });
        return Planes.write(output, p.dtype(), p.layout(), p.batch(), p.outChannels(), length, p.outputShape());
    }

    /** The gradients of {@link #conv1d}, the forward problem {@code p} without activation. */
    static ConvGradients conv1dBackward(Conv1dProblem p, Tensor gradOutput, Tensor x, Tensor weight,
            boolean withBias) {
        requireHeap(p, p.inputElements() + (long) p.weightElements());
        double[] gy = Planes.read(gradOutput, p.layout(), p.batch(), p.outChannels(), p.outputLength());
        double[] input = Planes.read(x, p.layout(), p.batch(), p.inChannels(), p.inputLength());
        double[] w = weight.toDoubleArray();
        int[][] source = sources(p);
        int length = p.outputLength();
        int groupIn = p.groupInChannels();
        int groupOut = p.groupOutChannels();
        int kernelSize = p.kernelSize();

        // dx[n, ci, source(j)] += w[co, ci', k] * gy[n, co, t] for every padded position j the output t read.
        double[] gx = new double[p.inputElements()];
        IntStream.range(0, p.batch() * p.inChannels()).parallel().forEach(row -> {
            int n = row / p.inChannels();
            int ci = row % p.inChannels();
            int group = ci / groupIn;
            int in = row * p.inputLength();
            for (int co = group * groupOut; co < (group + 1) * groupOut; co++) {
                int out = (n * p.outChannels() + co) * length;
                for (int k = 0; k < kernelSize; k++) {
                    double tap = w[(co * groupIn + ci - group * groupIn) * kernelSize + k];
                    int[] from = source[k];
                    for (int t = 0; t < length; t++) {
                        if (from[t] >= 0) {
                            gx[in + from[t]] += tap * gy[out + t];
                        }
                    }
                }
            }
        });

        // dw[co, ci', k] = sum over n, t of gy[n, co, t] * xpad[n, ci, t * stride + k * dilation - padLeft].
        double[] gw = new double[p.weightElements()];
        IntStream.range(0, p.outChannels()).parallel().forEach(co -> {
            int firstChannel = co / groupOut * groupIn;
            for (int c = 0; c < groupIn; c++) {
                for (int k = 0; k < kernelSize; k++) {
                    int[] from = source[k];
                    double sum = 0;
                    for (int n = 0; n < p.batch(); n++) {
                        int out = (n * p.outChannels() + co) * length;
                        int in = (n * p.inChannels() + firstChannel + c) * p.inputLength();
                        for (int t = 0; t < length; t++) {
                            if (from[t] >= 0) {
                                sum += gy[out + t] * input[in + from[t]];
                            }
                        }
                    }
                    gw[(co * groupIn + c) * kernelSize + k] = sum;
                }
            }
        });
        return new ConvGradients(
                Planes.write(gx, p.dtype(), p.layout(), p.batch(), p.inChannels(), p.inputLength(), x.shape()),
                Planes.round(gw, p.dtype(), weight.shape()),
                withBias ? biasGradient(gy, p.batch(), p.outChannels(), length, p.dtype()) : null);
    }

    /** The gradients of the transposed convolution {@code p} (without activation). */
    static ConvGradients convTranspose1dBackward(ConvProblem p, Tensor gradOutput, Tensor x, Tensor weight,
            boolean withBias) {
        requireHeap(p.inputElements() + (long) p.weightElements() + p.outputElements() + p.inputElements(),
                p.inputShape());
        double[] gy = Planes.read(gradOutput, p.layout(), p.batch(), p.outChannels(), p.outputLength());
        double[] input = Planes.read(x, p.layout(), p.batch(), p.inChannels(), p.inputLength());
        double[] w = weight.toDoubleArray();
        int groupIn = p.groupInChannels();
        int groupOut = p.groupOutChannels();
        int kernelSize = p.kernelSize();
        int inputLength = p.inputLength();
        int outputLength = p.outputLength();
        // Input i's tap k reaches output o = i * stride + k * dilation - padLeft, when 0 <= o < Lout.
        int[][] target = new int[kernelSize][inputLength];
        for (int k = 0; k < kernelSize; k++) {
            for (int i = 0; i < inputLength; i++) {
                long o = (long) i * p.stride() + (long) k * p.dilation() - p.padLeft();
                target[k][i] = o >= 0 && o < outputLength ? (int) o : -1;
            }
        }

        // dx[n, ci, i] = sum over co in ci's group, k of w[ci, co', k] * gy[n, co, target(k, i)].
        double[] gx = new double[p.inputElements()];
        IntStream.range(0, p.batch() * p.inChannels()).parallel().forEach(row -> {
            int n = row / p.inChannels();
            int ci = row % p.inChannels();
            int group = ci / groupIn;
            int in = row * inputLength;
            for (int c = 0; c < groupOut; c++) {
                int out = (n * p.outChannels() + group * groupOut + c) * outputLength;
                for (int k = 0; k < kernelSize; k++) {
                    double tap = w[(ci * groupOut + c) * kernelSize + k];
                    int[] to = target[k];
                    for (int i = 0; i < inputLength; i++) {
                        if (to[i] >= 0) {
                            gx[in + i] += tap * gy[out + to[i]];
                        }
                    }
                }
            }
        });

        // dw[ci, co', k] = sum over n, i of x[n, ci, i] * gy[n, co, target(k, i)].
        double[] gw = new double[p.weightElements()];
        IntStream.range(0, p.inChannels()).parallel().forEach(ci -> {
            int group = ci / groupIn;
            for (int c = 0; c < groupOut; c++) {
                for (int k = 0; k < kernelSize; k++) {
                    int[] to = target[k];
                    double sum = 0;
                    for (int n = 0; n < p.batch(); n++) {
                        int in = (n * p.inChannels() + ci) * inputLength;
                        int out = (n * p.outChannels() + group * groupOut + c) * outputLength;
                        for (int i = 0; i < inputLength; i++) {
                            if (to[i] >= 0) {
                                sum += input[in + i] * gy[out + to[i]];
                            }
                        }
                    }
                    gw[(ci * groupOut + c) * kernelSize + k] = sum;
                }
            }
        });
        return new ConvGradients(
                Planes.write(gx, p.dtype(), p.layout(), p.batch(), p.inChannels(), inputLength, x.shape()),
                Planes.round(gw, p.dtype(), weight.shape()),
                withBias ? biasGradient(gy, p.batch(), p.outChannels(), outputLength, p.dtype()) : null);
    }

    private static Tensor biasGradient(double[] gy, int batch, int channels, int length,
            DType dtype) {
        double[] gb = new double[channels];
        for (int n = 0; n < batch; n++) {
            for (int c = 0; c < channels; c++) {
                int row = (n * channels + c) * length;
                for (int t = 0; t < length; t++) {
                    gb[c] += gy[row + t];
                }
            }
        }
        return Planes.round(gb, dtype, new int[] {channels});
    }

    /** For each tap k and output t, the input position it reads, or -1 for a zero of the padding. */
    private static int[][] sources(Conv1dProblem p) {
        int[][] source = new int[p.kernelSize()][p.outputLength()];
        for (int k = 0; k < p.kernelSize(); k++) {
            for (int t = 0; t < p.outputLength(); t++) {
                source[k][t] = p.sourcePosition((long) t * p.stride() + (long) k * p.dilation() - p.padLeft());
            }
        }
        return source;
    }

    /**
     * Refuses a call whose working set cannot fit the heap that is left: the tap table, the tensors in double
     * and {@code results} more doubles.
     */
    private static void requireHeap(Conv1dProblem p, long results) {
        long table = (long) p.kernelSize() * p.outputLength();
        if (table > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("the CPU backend's tap table would have " + table + " entries (K "
                    + p.kernelSize() + " x output length " + p.outputLength() + "), more than a Java array holds");
        }
        requireHeap(table / 2 + p.inputElements() + (long) p.weightElements() + p.outputElements() + results,
                p.outputShape());
    }

    private static void requireHeap(long doubles, int[] shape) {
        Validation.requireHeap("the CPU backend's working set for a call of shape " + Arrays.toString(shape),
                doubles * Double.BYTES);
    }
}
