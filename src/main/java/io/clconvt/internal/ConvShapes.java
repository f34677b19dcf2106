package io.clconvt.internal;

import io.clconvt.Activation;
import io.clconvt.DType;
import io.clconvt.Layout;

/**
 * The sizes every convolution problem derives the same way from its channels, lengths, batch, rank and layout,
 * whichever operation it describes ({@link ConvProblem}, {@link Conv1dProblem}).
 */
public interface ConvShapes {
    DType dtype();

    Layout layout();

    boolean batched();

    int batch();

    int inChannels();

    int outChannels();

    int groups();

    int kernelSize();

    int inputLength();

    int outputLength();

    /** The activation fused after the layer. */
    Activation activation();

    /** The activation applied to each input value as the kernel loads it. */
    Activation inputActivation();

    /**
     * Whether the call adds a residual input of its output's shape:
     * {@code y = f(residualScale * (conv + bias) + residual)}.
     */
    boolean addsResidual();

    double residualScale();

    default int groupInChannels() {
        return inChannels() / groups();
    }

    default int groupOutChannels() {
        return outChannels() / groups();
    }

    default int inputElements() {
        return batch() * inChannels() * inputLength();
    }

    /** Cin x Cout / groups x K: both operations' weights hold one tap per pair of channels of a group. */
    default int weightElements() {
        return inChannels() * groupOutChannels() * kernelSize();
    }

    default int outputElements() {
        return batch() * outChannels() * outputLength();
    }

    /** The output's shape: same rank and layout as the input. */
    default int[] outputShape() {
        return shape(outChannels(), outputLength());
    }

    /** The input's shape. */
    default int[] inputShape() {
        return shape(inChannels(), inputLength());
    }

    /** The shape of a tensor of this problem's rank, layout and batch with {@code channels} and {@code length}. */
    default int[] shape(int channels, int length) {
        int[] sample = layout() == Layout.NCL ? new int[] {channels, length} : new int[] {length, channels};
        return batched() ? new int[] {batch(), sample[0], sample[1]} : sample;
    }
}
