package io.clconvt.internal;

import io.clconvt.Activation;
import io.clconvt.Backend;
import io.clconvt.DeviceTensor;
import io.clconvt.Layout;
import io.clconvt.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * What the library's modules need of a backend beyond {@link Backend}: computing a window of a
 * (transposed) convolution chosen by the caller and joining device tensors along the length axis (for
 * streams), both without leaving the backend, and preparing for calls ahead of them. Both library
 * backends implement it.
 */
public interface StreamingBackend extends Backend {
    /**
     * Computes {@code problem}, whose window (padLeft, outputLength) the caller chose, from {@code x}, which
     * must have {@code problem}'s input shape; the result stays on the backend and the caller closes it.
     */
    default DeviceTensor convTranspose1dWindow(ConvProblem problem, DeviceTensor x, Tensor weight, Tensor bias) {
        return convTranspose1dWindow(problem, x, weight, bias, null);
    }

    /**
     * {@link #convTranspose1dWindow(ConvProblem, DeviceTensor, Tensor, Tensor)} adding {@code residual} (which
     * stays open) in the epilogue, when {@code problem} {@link ConvShapes#addsResidual adds one}: a tensor of the
     * output's shape and dtype; null when the problem adds none.
     */
    DeviceTensor convTranspose1dWindow(ConvProblem problem, DeviceTensor x, Tensor weight, Tensor bias,
            DeviceTensor residual);

    /** {@link #convTranspose1dWindow} for a convolution: its window chosen by the caller, e.g. a stream. */
    default DeviceTensor conv1dWindow(Conv1dProblem problem, DeviceTensor x, Tensor weight, Tensor bias) {
        return conv1dWindow(problem, x, weight, bias, null);
    }

    /** {@link #conv1dWindow(Conv1dProblem, DeviceTensor, Tensor, Tensor)} adding {@code residual}, as above. */
    DeviceTensor conv1dWindow(Conv1dProblem problem, DeviceTensor x, Tensor weight, Tensor bias,
            DeviceTensor residual);

    /** Refuses a residual that is not exactly what {@code problem} adds: present or not, its output's shape and dtype. */
    static void requireResidual(ConvShapes problem, DeviceTensor residual) {
        if (problem.addsResidual() != (residual != null)) {
            throw new IllegalArgumentException(problem.addsResidual() ? "the call adds a residual input but none was given"
                    : "a residual input was given to a call that adds none");
        }
        if (residual != null && (!Arrays.equals(residual.shape(), problem.outputShape())
                || residual.dtype() != problem.dtype())) {
            throw new IllegalArgumentException("cannot add the residual input " + residual.dtype() + " "
                    + Arrays.toString(residual.shape()) + " to an output " + problem.dtype() + " "
                    + Arrays.toString(problem.outputShape()) + ": shapes and dtypes must match");
        }
    }

    /**
     * A new device tensor: {@code head} from position {@code from} of the length axis on (nothing when
     * head is null), followed by {@code tail}. Both have the same rank, dtype and other dimensions, laid out
     * as {@code layout} says; neither is closed.
     */
    default DeviceTensor joinLength(DeviceTensor head, int from, DeviceTensor tail, Layout layout) {
        return joinLength(head, from, tail, layout, Activation.NONE);
    }

    /**
     * {@link #joinLength(DeviceTensor, int, DeviceTensor, Layout)} with {@code tailActivation} applied to the
     * tail's values (rounded to the dtype) as they are joined: a stream keeps the window its convolution reads
     * activated, and activates each new chunk once.
     */
    DeviceTensor joinLength(DeviceTensor head, int from, DeviceTensor tail, Layout layout, Activation tailActivation);

    /**
     * Two joins of one tail, in one pass where the backend can: {@code joinLength(head, from, tail, layout,
     * tailActivation)} and {@code joinLength(otherHead, otherFrom, tail, layout)} (the tail as it is), the second
     * in two tensors: its first {@code otherSplit} positions and the rest (null when otherSplit is its whole
     * length). A residual block's skip queue takes each chunk its branch's first layer joins, in that layer's join,
     * split where the branch's last layer will take from it. All results are new; no input is closed.
     */
    DeviceTensor[] joinLengthTwice(DeviceTensor head, int from, DeviceTensor tail, Layout layout,
            Activation tailActivation, DeviceTensor otherHead, int otherFrom, int otherSplit);

    /** Refuses a split of a second join outside its positions: at least one before it, any number after. */
    static void requireSplit(int otherSplit, DeviceTensor otherHead, int otherFrom, DeviceTensor tail, Layout layout) {
        int[] tailShape = tail.shape();
        int axis = lengthAxis(tailShape.length, layout);
        long length = (long) tailShape[axis] + (otherHead == null ? 0 : otherHead.shape()[axis] - otherFrom);
        if (otherSplit < 1 || otherSplit > length) {
            throw new IllegalArgumentException("otherSplit must be in [1, " + length + "] (the second join's "
                    + "positions), got " + otherSplit);
        }
    }

    /** Refuses a {@link #joinLength} of tensors that differ in dtype, rank or any dimension but the length. */
    static void requireJoinable(DeviceTensor head, int from, DeviceTensor tail, Layout layout) {
        if (head == null) {
            return;
        }
        requireSameButLength(head, tail, layout, "join");
        int length = head.shape()[lengthAxis(head.shape().length, layout)];
        if (from < 0 || from > length) {
            throw new IllegalArgumentException("from (" + from + ") is outside the head's length " + length);
        }
    }

    /** Refuses to {@code what} two tensors that differ in dtype, rank or any dimension but the length. */
    private static void requireSameButLength(DeviceTensor a, DeviceTensor b, Layout layout, String what) {
        int[] first = a.shape();
        int[] second = b.shape();
        int axis = lengthAxis(second.length, layout);
        boolean same = first.length == second.length && a.dtype() == b.dtype();
        for (int i = 0; same && i < first.length; i++) {
            same = i == axis || first[i] == second[i];
        }
        if (!same) {
            throw new IllegalArgumentException("cannot " + what + " " + a.dtype() + " " + Arrays.toString(first)
                    + " with " + b.dtype() + " " + Arrays.toString(second) + " along the length axis: dtypes, ranks"
                    + " and other dimensions must match");
        }
    }

    /**
     * A new device tensor {@code y = activation(alpha * a + beta * b)}, {@code b} null for none, of
     * {@code a}'s shape and dtype (which {@code b} must share): the residual sums, branch means and
     * activations of a layer graph that no convolution fuses. Neither input is closed.
     */
    public DeviceTensor combine(DeviceTensor a, double alpha, DeviceTensor b, double beta, Activation activation);

    /**
     * A new device tensor of {@code length} positions: {@code activation} of the mean of the first {@code length}
     * positions of each part (a mean of branches whose outputs wait in queues, read where they wait). The parts'
     * tensors share rank, dtype and every dimension but the length; none is closed.
     */
    DeviceTensor mean(List<QueuedPositions> parts, int length, Layout layout, Activation activation);

    /**
     * Positions where they wait: those of {@code first} from {@code from} on, then all of {@code then}'s (null for
     * none).
     */
    record QueuedPositions(DeviceTensor first, int from, DeviceTensor then) {
        /** All of {@code tensor}'s positions. */
        public static QueuedPositions of(DeviceTensor tensor) {
            return new QueuedPositions(tensor, 0, null);
        }

        /** How many positions of {@link #first} are in the queue, laid out as {@code layout} says. */
        public int inFirst(Layout layout) {
            return first.shape()[lengthAxis(first.shape().length, layout)] - from;
        }
    }

    /** Refuses a {@link #mean} of no parts, of tensors that differ but in length, or of positions a part lacks. */
    static void requireMean(List<QueuedPositions> parts, int length, Layout layout) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("a mean needs at least one part");
        }
        if (length < 1) {
            throw new IllegalArgumentException("a mean's length must be at least 1, got " + length);
        }
        DeviceTensor shape = parts.get(0).first();
        for (QueuedPositions part : parts) {
            requireSameButLength(shape, part.first(), layout, "average");
            requireSlice(part.first().shape(), part.from(), 0, layout);
            int queued = part.inFirst(layout);
            if (part.then() != null) {
                requireSameButLength(shape, part.then(), layout, "average");
                queued += part.then().shape()[lengthAxis(part.then().shape().length, layout)];
            }
            if (queued < length) {
                throw new IllegalArgumentException("a mean of " + length + " positions was given a part of "
                        + queued);
            }
        }
    }

    /** Positions [from, from + length) of {@code x} along its length axis, in a new device tensor. */
    public DeviceTensor sliceLength(DeviceTensor x, int from, int length, Layout layout);

    /** One call to prepare: its problem and the weight and bias (or null) it will run with. */
    record Call(ConvProblem problem, Tensor weight, Tensor bias) {
    }

    /**
     * Does ahead of time what the first of each of {@code calls} would do before its result: an OpenCL
     * backend builds their programs (several at once where the driver compiles in parallel), uploads and
     * packs their weights, and runs each once on zeros, which is when a CPU driver such as POCL generates
     * the code for the work-group size; a backend that needs nothing does nothing.
     */
    default void prepare(List<Call> calls) {
    }

    /** Refuses a {@link #combine} of tensors of different shapes or dtypes. */
    public static void requireSameShape(DeviceTensor a, DeviceTensor b) {
        if (b != null && (!Arrays.equals(a.shape(), b.shape()) || a.dtype() != b.dtype())) {
            throw new IllegalArgumentException("cannot combine " + a.dtype() + " " + Arrays.toString(a.shape())
                    + " with " + b.dtype() + " " + Arrays.toString(b.shape()) + ": shapes and dtypes must match");
        }
    }

    /** Refuses a {@link #sliceLength} outside the tensor. */
    public static void requireSlice(int[] shape, int from, int length, Layout layout) {
        int available = shape[lengthAxis(shape.length, layout)];
        if (from < 0 || length < 0 || (long) from + length > available) {
            throw new IllegalArgumentException("positions [" + from + ", " + ((long) from + length)
                    + ") are outside a tensor of length " + available + " (shape " + Arrays.toString(shape) + ")");
        }
    }

    /** The length axis of a tensor of {@code rank} laid out as {@code layout}. */
    public static int lengthAxis(int rank, Layout layout) {
        return layout == Layout.NCL ? rank - 1 : rank - 2;
    }
}
