package io.clconvt;

import io.clconvt.internal.StreamingBackend;

/**
 * {@code activation(x + branch(x))}. Streamed, the skip path waits on the backend for the branch: each input
 * position is kept until the branch's output for it arrives, so the sum is exact for any chunking.
 */
final class ResidualBlock extends Block {
    private final Block branch;
    private final Activation activation;

    ResidualBlock(Block branch, Activation activation) {
        this.branch = branch;
        this.activation = activation;
    }

    /** One pass less where the branch's last layer adds the skip path in its epilogue. */
    @Override
    DeviceTensor apply(StreamingBackend backend, DeviceTensor x) {
        if (branch.addsResidual()) {
            return branch.applyAdding(backend, x, x, 1, activation);
        }
        try (DeviceTensor y = branch.apply(backend, x)) {
            return backend.combine(x, 1, y, 1, activation);
        }
    }

    @Override
    BlockStream open(StreamingBackend backend) {
        BlockStream branchStream = branch.open(backend);
        Layout layout = layout();
        return new BlockStream() {
            /** Input positions whose branch output has not arrived yet; null when there are none. */
            private DeviceTensor waiting;

            @Override
            public DeviceTensor pushDevice(DeviceTensor chunk) {
                DeviceTensor queued = backend.joinLength(waiting, 0, chunk, layout);
                release();
                waiting = queued;
                return add(branchStream.pushDevice(chunk));
            }

            @Override
            public DeviceTensor finishDevice() {
                DeviceTensor sum = add(branchStream.finishDevice());
                if (waiting != null) {
                    sum.close();
                    throw new IllegalStateException("a residual branch must keep the length of its input: "
                            + BlockChunkStream.length(waiting, layout) + " positions had no branch output");
                }
                return sum;
            }

            /** The branch's new outputs added to the input positions they belong to. */
            private DeviceTensor add(DeviceTensor branchOutput) {
                if (branchOutput == null) {
                    return null;
                }
                try (branchOutput) {
                    int matched = BlockChunkStream.length(branchOutput, layout);
                    int queued = BlockChunkStream.length(waiting, layout);
                    DeviceTensor rest = queued > matched
                            ? backend.sliceLength(waiting, matched, queued - matched, layout) : null;
                    try (DeviceTensor skip = backend.sliceLength(waiting, 0, matched, layout)) {
                        return backend.combine(skip, 1, branchOutput, 1, activation);
                    } finally {
                        release();
                        waiting = rest;
                    }
                }
            }

            private void release() {
                if (waiting != null) {
                    waiting.close();
                    waiting = null;
                }
            }

            @Override
            public void close() {
                release();
                branchStream.close();
            }
        };
    }

    @Override
    Block withActivation(Activation next) {
        return activation == Activation.NONE ? new ResidualBlock(branch, next) : null;
    }

    @Override
    int outputChannels(int inputChannels) {
        return inputChannels;
    }

    @Override
    Layout layout() {
        return branch.layout();
    }

    @Override
    public String toString() {
        return "residual(" + branch + ")" + (activation != Activation.NONE ? " -> " + activation : "");
    }
}
