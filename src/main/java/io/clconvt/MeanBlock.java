package io.clconvt;

import io.clconvt.internal.StreamingBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code activation((b1(x) + ... + bn(x)) / n)} in one element-wise pass (up to four branches; one more for every
 * three beyond). Streamed, each branch's outputs wait on the backend until every branch has given those positions,
 * and the mean reads them where they wait.
 */
final class MeanBlock extends Block {
    private final List<Block> branches;
    private final Activation activation;

    MeanBlock(List<Block> branches, Activation activation) {
        this.branches = List.copyOf(branches);
        this.activation = activation;
        Layout layout = branches.get(0).layout();
        for (Block branch : branches) {
            if (branch.layout() != layout) {
                throw new IllegalArgumentException("a mean's branches must share one layout, got " + layout + " and "
                        + branch.layout());
            }
        }
    }

    @Override
    DeviceTensor apply(StreamingBackend backend, DeviceTensor x) {
        List<DeviceTensor> outputs = new ArrayList<>();
        try {
            for (Block branch : branches) {
                outputs.add(branch.apply(backend, x));
            }
            return backend.mean(outputs.stream().map(StreamingBackend.QueuedPositions::of).toList(),
                    BlockChunkStream.length(outputs.get(0), layout()), layout(), activation);
        } finally {
            outputs.forEach(DeviceTensor::close);
        }
    }

    @Override
    BlockStream open(StreamingBackend backend) {
        List<BlockStream> streams = new ArrayList<>();
        for (Block branch : branches) {
            streams.add(branch.open(backend));
        }
        Layout layout = layout();
        PositionQueue[] waiting = new PositionQueue[streams.size()];
        for (int i = 0; i < waiting.length; i++) {
            waiting[i] = new PositionQueue(backend, layout);
        }
        return new BlockStream() {
            @Override
            public DeviceTensor pushDevice(DeviceTensor chunk) {
                for (int i = 0; i < streams.size(); i++) {
                    append(i, streams.get(i).pushDevice(chunk));
                }
                return emit();
            }

            @Override
            public DeviceTensor finishDevice() {
                for (int i = 0; i < streams.size(); i++) {
                    append(i, streams.get(i).finishDevice());
                }
                DeviceTensor result = emit();
                for (PositionQueue left : waiting) {
                    if (left.length() > 0) {
                        if (result != null) {
                            result.close();
                        }
                        throw new IllegalStateException("a mean's branches must give outputs of the same length");
                    }
                }
                return result;
            }

            /** Queues branch {@code i}'s new outputs (null for none), which the queue closes. */
            private void append(int i, DeviceTensor outputs) {
                if (outputs != null) {
                    waiting[i].adopt(outputs);
                }
            }

            /** The mean of the positions every branch has given. */
            private DeviceTensor emit() {
                int ready = Integer.MAX_VALUE;
                for (PositionQueue queue : waiting) {
                    ready = Math.min(ready, queue.length());
                }
                if (ready == 0) {
                    return null;
                }
                // Each queue is read where its positions wait, then moves on: no copy.
                List<StreamingBackend.QueuedPositions> parts = new ArrayList<>();
                for (PositionQueue queue : waiting) {
                    parts.add(queue.positions());
                }
                DeviceTensor mean = backend.mean(parts, ready, layout, activation);
                for (PositionQueue queue : waiting) {
                    queue.drop(ready);
                }
                return mean;
            }

            @Override
            public void close() {
                for (PositionQueue queue : waiting) {
                    queue.close();
                }
                streams.forEach(BlockStream::close);
            }
        };
    }

    @Override
    Block withActivation(Activation next) {
        return activation == Activation.NONE ? new MeanBlock(branches, next) : null;
    }

    @Override
    int outputChannels(int inputChannels) {
        return branches.get(0).outputChannels(inputChannels);
    }

    @Override
    Layout layout() {
        return branches.get(0).layout();
    }

    @Override
    public String toString() {
        return branches.stream().map(Object::toString).collect(Collectors.joining(", ", "mean(", ")"))
                + (activation != Activation.NONE ? " -> " + activation : "");
    }
}
