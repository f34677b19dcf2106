package io.clconvt;

import java.util.stream.IntStream;

/**
 * The reference implementation and the fallback when no OpenCL device is usable: the definition of
 * the transposed convolution as plain loops, accumulating in double. Each input element scatters
 * into the outputs its taps reach, a formulation independent of the OpenCL kernel's gather, which
 * makes this a useful oracle. Rows (one sample, one output channel) run in parallel.
 */
final class CpuBackend implements Backend {
    private volatile boolean closed;

    @Override
    public Tensor convTranspose1d(Tensor x, Tensor weight, Tensor bias, ConvTranspose1dParams params) {
        ConvProblem problem = ConvProblem.resolve(x, weight, bias, params);
        if (closed) {
            throw new IllegalStateException("the CPU backend is closed");
        }
        double[] input = x.toDoubleArray();
        double[] weights = weight.toDoubleArray();
        double[] biases = bias == null ? null : bias.toDoubleArray();
        double[] output = new double[problem.outputElements()];
        IntStream.range(0, problem.batch() * problem.outChannels()).parallel()
                .forEach(row -> computeRow(problem, input, weights, biases, row, output));
        int[] shape = problem.outputShape();
        if (problem.dtype() == DType.FLOAT64) {
            return Tensor.wrap(output, shape);
        }
        float[] rounded = new float[output.length];
        for (int i = 0; i < output.length; i++) {
            rounded[i] = (float) output[i];
        }
        return Tensor.wrap(rounded, shape);
    }

    /** Computes out[n, co, :] for row = n * Cout + co. */
    private static void computeRow(ConvProblem p, double[] input, double[] weights, double[] biases, int row,
            double[] output) {
        int n = row / p.outChannels();
        int co = row % p.outChannels();
        int group = co / p.groupOutChannels();
        int groupOutChannel = co - group * p.groupOutChannels();
        int outputLength = p.outputLength();
        double[] acc = new double[outputLength];
        if (biases != null) {
            java.util.Arrays.fill(acc, biases[co]);
        }
        int inputSample = n * p.inChannels() * p.inputLength();
        int inChannelStride = p.channelStride(p.inputLength());
        int inPositionStride = p.positionStride(p.inChannels());
        for (int ci = group * p.groupInChannels(); ci < (group + 1) * p.groupInChannels(); ci++) {
            int weightRow = (ci * p.groupOutChannels() + groupOutChannel) * p.kernelSize();
            for (int i = 0; i < p.inputLength(); i++) {
                double value = input[inputSample + ci * inChannelStride + i * inPositionStride];
                for (int k = 0; k < p.kernelSize(); k++) {
                    long o = (long) i * p.stride() + (long) k * p.dilation() - p.padLeft();
                    if (o >= 0 && o < outputLength) {
                        acc[(int) o] += value * weights[weightRow + k];
                    }
                }
            }
        }
        int outputSample = n * p.outChannels() * outputLength;
        int outChannelStride = p.channelStride(outputLength);
        int outPositionStride = p.positionStride(p.outChannels());
        for (int o = 0; o < outputLength; o++) {
            output[outputSample + co * outChannelStride + o * outPositionStride] = acc[o];
        }
    }

    @Override
    public String describe() {
        return "cpu: Java reference, " + Runtime.getRuntime().availableProcessors() + " threads";
    }

    @Override
    public void close() {
        closed = true;
    }
}
