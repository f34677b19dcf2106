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

    /**
     * Streamed, the skip path waits in a queue for the branch's outputs. Where the branch's last layer adds a
     * residual, each of its steps takes the positions it needs from the queue into its epilogue (one pass less per
     * push, as in {@link #apply}); otherwise a pass adds the branch's new outputs to them.
     */
    @Override
    BlockStream open(StreamingBackend backend) {
        Layout layout = layout();
        PositionQueue queue = new PositionQueue(backend, layout);
        boolean fused = branch.addsResidual();
        BlockStream branchStream;
        try {
            branchStream = fused ? branch.openAdding(backend, queue, activation) : branch.open(backend);
        } catch (RuntimeException e) {
            queue.close();
            throw e;
        }
        // Where the branch's first layer activates its chunks as they join, the queue takes them in that kernel.
        boolean carried = branchStream.carry(queue);
        return new BlockStream() {
            @Override
            public DeviceTensor pushDevice(DeviceTensor chunk) {
                if (!carried) {
                    queue.append(chunk);
                }
                return add(branchStream.pushDevice(chunk));
            }

            @Override
            public DeviceTensor finishDevice() {
                DeviceTensor sum = add(branchStream.finishDevice());
                if (queue.length() > 0) {
                    if (sum != null) {
                        sum.close();
                    }
                    throw new IllegalStateException("a residual branch must keep the length of its input: "
                            + queue.length() + " positions had no branch output");
                }
                return sum;
            }

            /** The branch's new outputs, added to the input positions they belong to unless the branch added them. */
            private DeviceTensor add(DeviceTensor branchOutput) {
                if (branchOutput == null || fused) {
                    return branchOutput;
                }
                try (branchOutput; DeviceTensor skip = queue.take(BlockChunkStream.length(branchOutput, layout))) {
                    return backend.combine(skip, 1, branchOutput, 1, activation);
                }
            }

            @Override
            public void close() {
                queue.close();
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
