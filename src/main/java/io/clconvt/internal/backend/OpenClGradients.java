package io.clconvt.internal.backend;

import io.clconvt.Activation;
import io.clconvt.Conv1dParams;
import io.clconvt.ConvGradients;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.PaddingMode;
import io.clconvt.Tensor;
import io.clconvt.internal.BackwardCalls;
import io.clconvt.internal.Conv1dProblem;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.Validation;
import io.clconvt.internal.WeightGradientProblem;
import io.clconvt.internal.kernels.ChannelSumKernel;
import io.clconvt.internal.kernels.WeightGradientKernel;
import io.clconvt.internal.opencl.ClBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.jocl.cl_event;

/**
 * The backward passes on one {@link OpenClBackend}, under its lock: each input gradient is the other operation,
 * run through the backend's own plans and kernels; the weight gradient is the correlation kernel, the bias
 * gradient the channel sum.
 */
final class OpenClGradients {
    private final OpenClBackend backend;

    OpenClGradients(OpenClBackend backend) {
        this.backend = backend;
    }

    /**
     * The input gradient is a transposed convolution of gradOutput with the same weight (over the padded
     * positions, folded back on the host, when the padding reads the input), the weight gradient a
     * correlation of gradOutput with the (padded) input, the bias gradient a sum.
     */
    ConvGradients conv1dBackward(Tensor gradOutput, Tensor x, Tensor weight, boolean withBias,
            Conv1dParams params) {
        Conv1dProblem p = BackwardCalls.conv1d(gradOutput, x, weight, params);
        boolean zeros = p.paddingMode() == PaddingMode.ZEROS;
        Tensor correlated = zeros ? x : PaddedPositions.pad(p, x);
        int inputWindow = zeros ? p.inputLength() : PaddedPositions.length(p);
        // Folded on the host in double, a padded gradient in 16 bits would be rounded once too often: it is
        // computed in FLOAT32 then.
        boolean widen = !zeros && p.dtype().isHalf();
        ConvProblem inputGradient = new ConvProblem(widen ? DType.FLOAT32 : p.dtype(), p.layout(), p.batched(),
                p.batch(), p.outChannels(), p.inChannels(), p.groups(), p.kernelSize(), p.outputLength(), inputWindow,
                p.stride(), p.dilation(), zeros ? p.padLeft() : 0, false, Activation.NONE, Activation.NONE, false, 1);
        WeightGradientProblem weightGradient = new WeightGradientProblem(p.dtype(), p.layout(), p.batch(),
                p.outChannels(), p.outputLength(), p.inChannels(), inputWindow, p.groups(), p.kernelSize(),
                p.stride(), p.dilation(), zeros ? p.padLeft() : 0);
        backend.requireOpen();
        backend.device().requireRuns(inputGradient);
        backend.device().requireAllocatable("the padded input", correlated.size(), p.dtype());
        requireHeapForGradients(p.dtype(), inputGradient.outputElements(), p.weightElements(),
                withBias ? p.outChannels() : 0);
        return gradients(gradOutput, correlated, p.outChannels(), p.outputLength(), weight, withBias,
                gy -> widen
                        ? backend.run(inputGradient, backend.plan(inputGradient), gradOutput.to(DType.FLOAT32),
                                weight.to(DType.FLOAT32), null)
                        : readAndRelease(backend.launch(inputGradient, backend.plan(inputGradient), gy, weight, null),
                                p.dtype(), inputGradient.outputShape()),
                (gy, input, out) -> WeightGradientKernel.enqueue(backend.context, backend.programs, weightGradient, gy,
                        input, out),
                weightGradient, inputResult -> zeros ? inputResult : PaddedPositions.fold(p, inputResult, x.shape()));
    }

    /**
     * The input gradient is a convolution of gradOutput with the same weight, stride, dilation and groups
     * over the forward call's window; the weight gradient a correlation of the input with gradOutput.
     */
    ConvGradients convTranspose1dBackward(Tensor gradOutput, Tensor x, Tensor weight,
            boolean withBias, ConvTranspose1dParams params) {
        ConvProblem p = BackwardCalls.convTranspose1d(gradOutput, x, weight, params);
        Conv1dProblem inputGradient = new Conv1dProblem(p.dtype(), p.layout(), p.batched(), p.batch(),
                p.outChannels(), p.inChannels(), p.groups(), p.kernelSize(), p.outputLength(), 1, p.stride(),
                p.dilation(), 0, 0, PaddingMode.ZEROS, false, Activation.NONE, Activation.NONE, false, 1)
                .window(p.outputLength(), p.padLeft(), p.inputLength());
        WeightGradientProblem weightGradient = new WeightGradientProblem(p.dtype(), p.layout(), p.batch(),
                p.inChannels(), p.inputLength(), p.outChannels(), p.outputLength(), p.groups(), p.kernelSize(),
                p.stride(), p.dilation(), p.padLeft());
        backend.requireOpen();
        backend.device().requireRuns(p);
        requireHeapForGradients(p.dtype(), p.inputElements(), p.weightElements(), withBias ? p.outChannels() : 0);
        return gradients(gradOutput, x, p.outChannels(), p.outputLength(), weight, withBias,
                gy -> readAndRelease(backend.launch(inputGradient, gy, weight, null, null), p.dtype(), p.inputShape()),
                (gy, input, out) -> WeightGradientKernel.enqueue(backend.context, backend.programs, weightGradient, input,
                        gy, out),
                weightGradient, UnaryOperator.identity());
    }

    /**
     * The three gradients of one backward call: uploads gradOutput and the tensor the weight gradient
     * correlates it with, computes the input gradient ({@code inputGradient}, then {@code finish} on the
     * host), the weight gradient ({@code enqueueWeightGradient} into the buffer it allocates) and the bias
     * gradient (a sum of gradOutput per channel), and releases every buffer.
     */
    private ConvGradients gradients(Tensor gradOutput, Tensor correlated, int outChannels, int outputLength,
            Tensor weight, boolean withBias, Function<ClBuffer, Tensor> inputGradient,
            Correlation weightGradientKernel, WeightGradientProblem weightGradient, UnaryOperator<Tensor> finish) {
        List<ClBuffer> owned = new ArrayList<>();
        try {
            ClBuffer gy = own(owned, ClBuffer.upload(backend.context, gradOutput));
            ClBuffer input = own(owned, ClBuffer.upload(backend.context, correlated));
            Tensor dx = finish.apply(inputGradient.apply(gy));
            backend.lastKernel.await();
            ClBuffer dw = own(owned, ClBuffer.allocate(backend.context,
                    (long) weightGradient.outputElements() * weight.dtype().byteSize()));
            backend.lastKernel.set(weightGradientKernel.enqueue(gy, input, dw));
            Tensor dWeight = dw.read(weight.dtype(), weight.shape());
            Tensor dBias = null;
            if (withBias) {
                ClBuffer db = own(owned, ClBuffer.allocate(backend.context, (long) outChannels * weight.dtype().byteSize()));
                backend.lastKernel.set(ChannelSumKernel.enqueue(backend.context, backend.programs, weight.dtype(), weightGradient.layout(),
                        weightGradient.batch(), outChannels, outputLength, gy, db));
                dBias = db.read(weight.dtype(), new int[] {outChannels});
            }
            return new ConvGradients(dx, dWeight, dBias);
        } finally {
            backend.lastKernel.await();
            owned.forEach(ClBuffer::close);
        }
    }

    /** Enqueues a weight gradient from gradOutput and the tensor it is correlated with into {@code out}. */
    @FunctionalInterface
    private interface Correlation {
        cl_event enqueue(ClBuffer gradOutput, ClBuffer correlated, ClBuffer out);
    }

    private static ClBuffer own(List<ClBuffer> owned, ClBuffer buffer) {
        owned.add(buffer);
        return buffer;
    }

    /** Reads a pooled result and gives its buffer back. */
    private Tensor readAndRelease(ClBuffer output, DType dtype, int[] shape) {
        try {
            return output.read(dtype, shape);
        } finally {
            backend.buffers.release(output);
        }
    }

    /** Refuses, before any device work, gradients the heap could not hold (with their double-precision folding). */
    private static void requireHeapForGradients(DType dtype, long inputElements, long weightElements,
            long biasElements) {
        Validation.requireHeap("the gradients (" + inputElements + " input, " + weightElements + " weight and "
                + biasElements + " bias elements)", (inputElements + weightElements + biasElements)
                * (dtype.byteSize() + Double.BYTES));
    }
}
