package io.clconvt;

import io.clconvt.internal.StreamingBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/** Blocks applied in order; each intermediate is closed as soon as the next block has read it. */
final class ChainBlock extends Block {
    private final List<Block> blocks;

    private ChainBlock(List<Block> blocks) {
        this.blocks = List.copyOf(blocks);
    }

    /** The chain of {@code blocks}, nested chains flattened and each activation fused where it can be. */
    static Block of(List<Block> blocks) {
        List<Block> fused = new ArrayList<>();
        for (Block block : blocks) {
            if (block instanceof ChainBlock chain) {
                chain.blocks.forEach(inner -> append(fused, inner));
            } else {
                append(fused, block);
            }
        }
        Layout layout = null;
        for (Block block : fused) {
            if (!(block instanceof ActivationBlock)) {
                if (layout != null && block.layout() != layout) {
                    throw new IllegalArgumentException("a chain's layers must share one layout, got " + layout
                            + " and " + block.layout() + " (" + block + ")");
                }
                layout = block.layout();
            }
        }
        return fused.size() == 1 ? fused.get(0) : new ChainBlock(fused);
    }

    private static void append(List<Block> fused, Block block) {
        if (block instanceof LayerBlock layer && !fused.isEmpty()
                && fused.get(fused.size() - 1) instanceof ActivationBlock before) {
            Block merged = layer.withInputActivation(before.activation);
            if (merged != null) {
                fused.set(fused.size() - 1, merged);
                return;
            }
        }
        if (block instanceof ActivationBlock activation && !fused.isEmpty()) {
            Block merged = fused.get(fused.size() - 1).withActivation(activation.activation);
            if (merged != null) {
                fused.set(fused.size() - 1, merged);
                return;
            }
        }
        fused.add(block);
    }

    @Override
    DeviceTensor apply(StreamingBackend backend, DeviceTensor x) {
        return apply(backend, x, input -> blocks.get(blocks.size() - 1).apply(backend, input));
    }

    @Override
    boolean addsResidual() {
        return blocks.get(blocks.size() - 1).addsResidual();
    }

    @Override
    DeviceTensor applyAdding(StreamingBackend backend, DeviceTensor x, DeviceTensor residual, double scale,
            Activation activation) {
        return apply(backend, x,
                input -> blocks.get(blocks.size() - 1).applyAdding(backend, input, residual, scale, activation));
    }

    /** Every block but the last applied in order, then {@code last} on what they give. */
    private DeviceTensor apply(StreamingBackend backend, DeviceTensor x, UnaryOperator<DeviceTensor> last) {
        DeviceTensor current = x;
        for (int i = 0; i < blocks.size(); i++) {
            DeviceTensor next;
            try {
                next = i < blocks.size() - 1 ? blocks.get(i).apply(backend, current) : last.apply(current);
            } finally {
                if (current != x) {
                    current.close();
                }
            }
            current = next;
        }
        return current;
    }

    @Override
    BlockStream open(StreamingBackend backend) {
        return open(backend, last -> last.open(backend));
    }

    @Override
    BlockStream openAdding(StreamingBackend backend, LayerStream.SkipInput skip, Activation activation) {
        return open(backend, last -> last.openAdding(backend, skip, activation));
    }

    /** The chain's stream, with every block but the last opened plainly and the last by {@code openLast}. */
    private BlockStream open(StreamingBackend backend, Function<Block, BlockStream> openLast) {
        List<BlockStream> streams = new ArrayList<>();
        try {
            for (int i = 0; i < blocks.size(); i++) {
                streams.add(i < blocks.size() - 1 ? blocks.get(i).open(backend) : openLast.apply(blocks.get(i)));
            }
        } catch (RuntimeException e) {
            streams.forEach(BlockStream::close);
            throw e;
        }
        // Which streams have had input: one that never had any has nothing to finish.
        boolean[] fed = new boolean[streams.size()];
        boolean[] takesWindow = windowHandOffs(streams);
        return new BlockStream() {
            /**
             * Each stream's new outputs are the next one's chunk; where the next one takes windows, the producer
             * gives its outputs from the consumer's next window start on (its history computed again), and the
             * consumer keeps them as its window instead of joining them.
             */
            @Override
            public DeviceTensor pushDevice(DeviceTensor chunk) {
                long[] emitFrom = emitFrom();
                DeviceTensor current = chunk;
                for (int i = 0; i < streams.size(); i++) {
                    if (current == null) {
                        return null;
                    }
                    DeviceTensor next;
                    fed[i] = true;
                    if (takesWindow[i]) {
                        next = ((LayerStream<?>) streams.get(i)).pushWindowDevice(current, emitFrom[i - 1], emitFrom[i]);
                    } else {
                        try {
                            next = i + 1 < streams.size() && takesWindow[i + 1]
                                    ? ((LayerStream<?>) streams.get(i)).pushDevice(current, emitFrom[i])
                                    : streams.get(i).pushDevice(current);
                        } finally {
                            if (current != chunk) {
                                current.close();
                            }
                        }
                    }
                    current = next;
                }
                return current;
            }

            /**
             * Where each layer stream's outputs of this push begin, from the last back: a stream that hands its
             * outputs on gives them from where its consumer's window must start for the consumer's own outputs.
             */
            private long[] emitFrom() {
                long[] from = new long[streams.size()];
                for (int i = streams.size() - 1; i >= 0; i--) {
                    if (i + 1 < streams.size() && takesWindow[i + 1]) {
                        from[i] = ((LayerStream<?>) streams.get(i + 1)).windowStartFor(from[i + 1]);
                    } else if (streams.get(i) instanceof LayerStream<?> stream) {
                        from[i] = stream.emitted;
                    }
                }
                return from;
            }

            /** The chain's chunks are its first stream's. */
            @Override
            public boolean carry(PositionQueue queue) {
                return streams.get(0).carry(queue);
            }

            /** Each block's last pushes, then its finish, joined, are what the next one receives before it ends. */
            @Override
            public DeviceTensor finishDevice() {
                DeviceTensor carried = null;
                for (int i = 0; i < streams.size(); i++) {
                    DeviceTensor pushed = null;
                    try {
                        fed[i] |= carried != null;
                        pushed = carried == null ? null : streams.get(i).pushDevice(carried);
                    } finally {
                        if (carried != null) {
                            carried.close();
                        }
                    }
                    DeviceTensor finished;
                    try {
                        finished = fed[i] ? streams.get(i).finishDevice() : null;
                    } catch (RuntimeException e) {
                        if (pushed != null) {
                            pushed.close();
                        }
                        throw e;
                    }
                    carried = BlockChunkStream.concatenate(backend, pushed, finished, layout());
                }
                return carried;
            }

            @Override
            public void close() {
                streams.forEach(BlockStream::close);
            }
        };
    }

    /**
     * Which streams take their predecessor's outputs as their whole window: a layer stream that reads its input
     * as it is, after a layer stream without a skip path (whose outputs can be given again). A stream that takes
     * windows is always fed by the chain, so a chunk that is not a window never reaches it while it does.
     */
    private static boolean[] windowHandOffs(List<BlockStream> streams) {
        boolean[] takes = new boolean[streams.size()];
        for (int i = 1; i < streams.size(); i++) {
            takes[i] = streams.get(i - 1) instanceof LayerStream<?> producer && producer.skip == null
                    && streams.get(i) instanceof LayerStream<?> consumer && consumer.takesWindows();
        }
        return takes;
    }

    @Override
    Block withActivation(Activation activation) {
        Block last = blocks.get(blocks.size() - 1).withActivation(activation);
        if (last == null) {
            return null;
        }
        List<Block> fused = new ArrayList<>(blocks);
        fused.set(fused.size() - 1, last);
        return new ChainBlock(fused);
    }

    @Override
    int outputChannels(int inputChannels) {
        int channels = inputChannels;
        for (Block block : blocks) {
            channels = block.outputChannels(channels);
        }
        return channels;
    }

    @Override
    Layout layout() {
        return blocks.stream().filter(b -> !(b instanceof ActivationBlock)).map(Block::layout).findFirst()
                .orElse(Layout.NCL);
    }

    @Override
    public String toString() {
        return blocks.stream().map(Object::toString).collect(Collectors.joining(", ", "chain(", ")"));
    }
}
