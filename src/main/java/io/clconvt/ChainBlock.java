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
        return new BlockStream() {
            @Override
            public DeviceTensor pushDevice(DeviceTensor chunk) {
                DeviceTensor current = chunk;
                for (int i = 0; i < streams.size(); i++) {
                    if (current == null) {
                        return null;
                    }
                    DeviceTensor next;
                    try {
                        fed[i] = true;
                        next = streams.get(i).pushDevice(current);
                    } finally {
                        if (current != chunk) {
                            current.close();
                        }
                    }
                    current = next;
                }
                return current;
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
