package io.clconvt;

import io.clconvt.internal.StreamingBackend;
import io.clconvt.internal.Validation;
import java.util.List;

/**
 * A 1-D module assembled from layers, activations, residual sums and branch means: the layer graph of
 * decoders such as HiFi-GAN's generator, which runs with every intermediate on the backend, one shot or
 * streamed.
 *
 * <pre>{@code
 * Block resblock = Block.chain(
 *         Block.residual(Block.chain(Block.activation(Activation.leakyRelu(0.1)), Block.of(conv1),
 *                 Block.activation(Activation.leakyRelu(0.1)), Block.of(conv2))),
 *         ...);
 * Tensor y = resblock.forward(backend, x);   // one upload, one download
 * }</pre>
 *
 * An activation that follows a layer, a residual sum or a mean is fused into it (the layer's kernel, or the
 * sum's own pass); one that follows another activation or starts a chain is a pass of its own. Residual
 * branches and the branches of a mean must keep the length and the channels of their input. Blocks are
 * immutable and safe to share between threads; the library's backends ({@link Backends}) run them.
 */
public abstract class Block {
    Block() {
    }

    /** A convolution layer; its params' activation stays fused, as in {@link Conv1d#forward}. */
    public static Block of(Conv1d layer) {
        return new LayerBlock(Validation.requireNonNull("layer", layer));
    }

    /** A transposed-convolution layer; its params' activation stays fused. */
    public static Block of(ConvTranspose1d layer) {
        return new LayerBlock(Validation.requireNonNull("layer", layer));
    }

    /** The activation applied to every element. */
    public static Block activation(Activation activation) {
        return new ActivationBlock(Validation.requireNonNull("activation", activation));
    }

    /** The blocks applied in order, each activation fused into the block before it where that one takes it. */
    public static Block chain(Block... blocks) {
        Validation.requireNonNull("blocks", blocks);
        if (blocks.length == 0) {
            throw new IllegalArgumentException("a chain needs at least one block");
        }
        return ChainBlock.of(List.of(blocks));
    }

    /** {@code x + branch(x)}: the branch must keep the shape of its input. */
    public static Block residual(Block branch) {
        return new ResidualBlock(Validation.requireNonNull("branch", branch), Activation.NONE);
    }

    /** {@code (b1(x) + ... + bn(x)) / n}: every branch must give the same shape. */
    public static Block mean(Block... branches) {
        Validation.requireNonNull("branches", branches);
        if (branches.length == 0) {
            throw new IllegalArgumentException("a mean needs at least one branch");
        }
        return new MeanBlock(List.of(branches), Activation.NONE);
    }

    /**
     * Applies the block to a host tensor: one upload, every intermediate on the backend, one download.
     *
     * @throws IllegalArgumentException for a shape or dtype a layer refuses, or a backend not of {@link Backends}
     */
    public Tensor forward(Backend backend, Tensor x) {
        StreamingBackend engine = ConvTranspose1d.engine(backend);
        Validation.requireNonNull("input", x);
        try (DeviceTensor input = engine.upload(x); DeviceTensor y = apply(engine, input)) {
            return y.download();
        }
    }

    /** Applies the block to a tensor the backend holds, keeping the result there; {@code x} stays open. */
    public DeviceTensor forward(Backend backend, DeviceTensor x) {
        return apply(ConvTranspose1d.engine(backend), Validation.requireNonNull("input", x));
    }

    /**
     * A stream applying the block to an input that arrives in chunks along the length axis (see
     * {@link ChunkStream}): each push returns the outputs no later input can change, computed from bounded
     * history each layer keeps on the backend.
     */
    public ChunkStream stream(Backend backend) {
        return new BlockChunkStream(ConvTranspose1d.engine(backend), this);
    }

    /**
     * Does ahead of time what the first call on inputs of {@code dtype} and {@code inputShape} would do before
     * its result: on an OpenCL backend, builds every layer's program (seconds each on a CPU device whose driver
     * cache is empty), uploads the weights and runs the block once on zeros, so that a server's first request
     * waits for none of it.
     *
     * @throws IllegalArgumentException if a layer refuses that shape, or {@code backend} is not one of
     *     {@link Backends}'
     */
    public void prepare(Backend backend, DType dtype, int... inputShape) {
        StreamingBackend engine = ConvTranspose1d.engine(backend);
        Validation.requireNonNull("dtype", dtype);
        Validation.requireNonNull("inputShape", inputShape);
        try (DeviceTensor zeros = engine.upload(Tensor.zeros(dtype, inputShape.clone()));
                DeviceTensor y = apply(engine, zeros)) {
            y.shape(); // the result itself is not needed: building and running the layers was the point
        }
    }

    /** The block's output for {@code x}, a new device tensor; {@code x} stays open. */
    abstract DeviceTensor apply(StreamingBackend backend, DeviceTensor x);

    /**
     * Whether {@link #applyAdding} can fold a residual sum into this block's last kernel: a block ending in a
     * layer that fuses no activation of its own.
     */
    boolean addsResidual() {
        return false;
    }

    /**
     * {@code activation(scale * this(x) + residual)}, the sum and the activation in the epilogue of the block's
     * last kernel, for a block that {@link #addsResidual}; {@code x} and {@code residual} stay open.
     */
    DeviceTensor applyAdding(StreamingBackend backend, DeviceTensor x, DeviceTensor residual, double scale,
            Activation activation) {
        throw new UnsupportedOperationException(this + " adds no residual in its epilogue");
    }

    /** A new stream of the block's outputs. */
    abstract BlockStream open(StreamingBackend backend);

    /**
     * A new stream of {@code activation(this(x) + skip)}, the sum and the activation in the epilogue of the
     * block's last kernel, for a block that {@link #addsResidual}: each of that kernel's steps takes as many
     * positions from {@code skip} as it computes outputs.
     */
    BlockStream openAdding(StreamingBackend backend, LayerStream.SkipInput skip, Activation activation) {
        throw new UnsupportedOperationException(this + " adds no residual in its epilogue");
    }

    /** This block followed by {@code activation}, fused; null if it cannot take one. */
    abstract Block withActivation(Activation activation);

    /** The channels of the block's output for an input of {@code inputChannels}. */
    abstract int outputChannels(int inputChannels);

    /** The layout of the block's layers, NCL if it has none. */
    abstract Layout layout();
}
