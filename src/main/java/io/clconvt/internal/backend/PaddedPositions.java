package io.clconvt.internal.backend;

import io.clconvt.Tensor;
import io.clconvt.internal.Conv1dProblem;
import io.clconvt.internal.cpu.CpuBackend;

/**
 * The host side of a convolution whose padding reads the input itself (reflect, replicate, circular): the
 * padded input its weight gradient correlates with, and the folding of a gradient over padded positions
 * back onto the input positions they read. Both are one pass over a tensor the size of the input.
 */
final class PaddedPositions {
    private PaddedPositions() {
    }

    /** How many padded positions the call reads: the padding on the left, the input, what it reads beyond. */
    static int length(Conv1dProblem p) {
        return p.padLeft() + p.inputLength() + Math.max(0, p.padRight());
    }

    /** The input padded as {@code p}'s mode says, in the input's dtype, shape and layout but {@link #length} long. */
    static Tensor pad(Conv1dProblem p, Tensor x) {
        int length = length(p);
        double[] plane = CpuBackend.plane(x, p.layout(), p.batch(), p.inChannels(), p.inputLength());
        double[] padded = new double[p.batch() * p.inChannels() * length];
        for (int row = 0; row < p.batch() * p.inChannels(); row++) {
            for (int j = 0; j < length; j++) {
                int source = p.sourcePosition(j - (long) p.padLeft());
                padded[row * length + j] = source < 0 ? 0 : plane[row * p.inputLength() + source];
            }
        }
        return CpuBackend.tensor(padded, p.dtype(), p.layout(), p.batch(), p.inChannels(), length,
                p.shape(p.inChannels(), length));
    }

    /** A gradient over {@link #length} padded positions summed onto the input positions each read. */
    static Tensor fold(Conv1dProblem p, Tensor paddedGradient, int[] inputShape) {
        int length = length(p);
        double[] plane = CpuBackend.plane(paddedGradient, p.layout(), p.batch(), p.inChannels(), length);
        double[] folded = new double[p.inputElements()];
        for (int row = 0; row < p.batch() * p.inChannels(); row++) {
            for (int j = 0; j < length; j++) {
                int source = p.sourcePosition(j - (long) p.padLeft());
                if (source >= 0) {
                    folded[row * p.inputLength() + source] += plane[row * length + j];
                }
            }
        }
        return CpuBackend.tensor(folded, p.dtype(), p.layout(), p.batch(), p.inChannels(), p.inputLength(),
                inputShape);
    }
}
