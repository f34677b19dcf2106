package io.clconvt;

import io.clconvt.internal.StreamingBackend;
import io.clconvt.internal.Validation;

/** The {@link ChunkStream} of a {@link Block}: host chunks in, host outputs out, the state on the backend. */
final class BlockChunkStream implements ChunkStream {
    private final StreamingBackend backend;
    private final BlockStream stream;
    private final Layout layout;
    private final Block block;
    /** The first chunk's shape and dtype: what an empty result is shaped after. */
    private int[] firstShape;
    private DType dtype;
    private boolean finished;
    private boolean closed;

    BlockChunkStream(StreamingBackend backend, Block block) {
        this.backend = backend;
        this.block = block;
        this.stream = block.open(backend);
        this.layout = block.layout();
    }

    @Override
    public synchronized Tensor push(Tensor chunk) {
        requireUsable();
        Validation.requireNonNull("chunk", chunk);
        if (firstShape == null) {
            firstShape = chunk.shape();
            dtype = chunk.dtype();
        }
        try (DeviceTensor input = backend.upload(chunk)) {
            return download(stream.pushDevice(input));
        }
    }

    @Override
    public synchronized Tensor finish() {
        requireUsable();
        if (firstShape == null) {
            throw new IllegalStateException("finish() before any push: the stream has no input");
        }
        Tensor rest = download(stream.finishDevice());
        finished = true;
        stream.close();
        return rest;
    }

    private Tensor download(DeviceTensor result) {
        if (result == null) {
            int[] shape = firstShape.clone();
            int lengthAxis = StreamingBackend.lengthAxis(shape.length, layout);
            int channelAxis = layout == Layout.NCL ? shape.length - 2 : shape.length - 1;
            shape[channelAxis] = block.outputChannels(shape[channelAxis]);
            shape[lengthAxis] = 0;
            return Tensor.empty(dtype, shape);
        }
        try (result) {
            return result.download();
        }
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
        stream.close();
    }

    /** {@code head} followed by {@code tail} along the length axis, either null for none; both are closed. */
    static DeviceTensor concatenate(StreamingBackend backend, DeviceTensor head, DeviceTensor tail, Layout layout) {
        if (head == null) {
            return tail;
        }
        if (tail == null) {
            return head;
        }
        try (head; tail) {
            return backend.joinLength(head, 0, tail, layout);
        }
    }

    /** The length of {@code tensor}, 0 for null. */
    static int length(DeviceTensor tensor, Layout layout) {
        if (tensor == null) {
            return 0;
        }
        int[] shape = tensor.shape();
        return shape[StreamingBackend.lengthAxis(shape.length, layout)];
    }
}
