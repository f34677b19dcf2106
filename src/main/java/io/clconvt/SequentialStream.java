package io.clconvt;

import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.StreamingBackend;
import io.clconvt.internal.Validation;
import java.util.List;

/**
 * The {@link ChunkStream} of a {@link Sequential}: one {@link ConvTranspose1dStream} per layer, each with
 * its own history on the backend. A chunk is uploaded once; each layer's new final outputs, kept on the
 * backend, are the next layer's chunk, and only the last layer's are downloaded. A layer that finalises
 * nothing ends the step (the later layers have no new input). Every chunk is checked against the whole
 * chain before any work, so a wrong chunk leaves every layer untouched.
 */
final class SequentialStream implements ChunkStream {
    private final StreamingBackend backend;
    private final List<ConvTranspose1dStream> layers;
    /** The last layer's problem for the first chunk: shape and dtype of empty results. */
    private ConvProblem outputShapes;
    private long pushed;
    private boolean finished;
    private boolean closed;

    /** {@code layers} were made for {@code backend}, which they checked is a {@link StreamingBackend}. */
    SequentialStream(Backend backend, List<ConvTranspose1dStream> layers) {
        this.backend = (StreamingBackend) backend;
        this.layers = List.copyOf(layers);
    }

    @Override
    public synchronized Tensor push(Tensor chunk) {
        requireUsable();
        Validation.requireNonNull("chunk", chunk);
        ConvProblem last = checkChain(chunk.shape(), chunk.dtype());
        DeviceTensor current = backend.upload(chunk);
        try {
            pushed += layers.get(0).check(chunk.shape(), chunk.dtype()).inputLength();
            outputShapes = last;
            for (ConvTranspose1dStream layer : layers) {
                DeviceTensor next = layer.pushDevice(current);
                current.close();
                current = next;
                if (current == null) {
                    return empty();
                }
            }
            return current.download();
        } finally {
            if (current != null) {
                current.close();
            }
        }
    }

    /** Checks {@code shape} and {@code dtype} through every layer; the last layer's problem. */
    private ConvProblem checkChain(int[] shape, DType dtype) {
        ConvProblem problem = null;
        int[] input = shape;
        for (ConvTranspose1dStream layer : layers) {
            problem = layer.check(input, dtype);
            input = problem.shape(problem.outChannels(), 1); // any length: the next layer checks the rest
        }
        return problem;
    }

    /**
     * Finishes the layers in order, each after pushing the previous layer's remaining outputs into it. The
     * whole input's lengths are checked through every layer first; a failure on the device leaves the stream
     * finished.
     */
    @Override
    public synchronized Tensor finish() {
        requireUsable();
        if (pushed == 0) {
            throw new IllegalStateException("finish() before any push: the stream has no input");
        }
        long length = pushed;
        for (ConvTranspose1dStream layer : layers) {
            length = layer.totalOutputLength(length);
        }
        finished = true;
        DeviceTensor carry = null;
        try {
            for (ConvTranspose1dStream layer : layers) {
                DeviceTensor fromCarry = null;
                if (carry != null) {
                    fromCarry = layer.pushDevice(carry);
                    carry.close();
                    carry = null;
                }
                DeviceTensor rest;
                try {
                    rest = layer.finishDevice();
                } catch (RuntimeException e) {
                    if (fromCarry != null) {
                        fromCarry.close();
                    }
                    throw e;
                }
                carry = concatenate(fromCarry, rest, layer.layout());
            }
            return carry == null ? empty() : carry.download();
        } finally {
            if (carry != null) {
                carry.close();
            }
            layers.forEach(ConvTranspose1dStream::close);
        }
    }

    /** {@code a} followed by {@code b}, either possibly null; closes what it does not return. */
    private DeviceTensor concatenate(DeviceTensor a, DeviceTensor b, Layout layout) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        try (a; b) {
            return backend.joinLength(a, 0, b, layout);
        }
    }

    private Tensor empty() {
        return Tensor.empty(outputShapes.dtype(), outputShapes.shape(outputShapes.outChannels(), 0));
    }

    private void requireUsable() {
        if (closed) {
            throw new IllegalStateException("the stream is closed");
        }
        if (finished) {
            throw new IllegalStateException("the stream is finished: push and finish are not allowed after finish()");
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        layers.forEach(ConvTranspose1dStream::close);
    }
}
