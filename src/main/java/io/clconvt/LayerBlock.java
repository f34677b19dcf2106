package io.clconvt;

import io.clconvt.internal.Conv1dProblem;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.StreamingBackend;

/**
 * One {@link Conv1d} or {@link ConvTranspose1d} layer, with the activation its kernel fuses after it and the
 * one it applies to its input as it loads it (the activation a chain puts before the layer).
 */
final class LayerBlock extends Block {
    private final Conv1d conv;
    private final Conv1dParams convParams;
    private final ConvTranspose1d transposed;
    private final ConvTranspose1dParams transposedParams;
    private final Activation inputActivation;

    LayerBlock(Conv1d layer) {
        this(layer, layer.params(), null, null, Activation.NONE);
    }

    LayerBlock(ConvTranspose1d layer) {
        this(null, null, layer, layer.params(), Activation.NONE);
    }

    private LayerBlock(Conv1d conv, Conv1dParams convParams, ConvTranspose1d transposed,
            ConvTranspose1dParams transposedParams, Activation inputActivation) {
        this.conv = conv;
        this.convParams = convParams;
        this.transposed = transposed;
        this.transposedParams = transposedParams;
        this.inputActivation = inputActivation;
    }

    @Override
    DeviceTensor apply(StreamingBackend backend, DeviceTensor x) {
        return run(backend, x, null, 1);
    }

    /**
     * A layer without an activation of its own, except a strided convolution: that one runs at stride 1 and is
     * thinned after, where no residual of the thinned output's shape fits, so it leaves the sum to a pass.
     */
    @Override
    boolean addsResidual() {
        return conv != null ? convParams.activation() == Activation.NONE && convParams.stride() == 1
                : transposedParams.activation() == Activation.NONE;
    }

    @Override
    DeviceTensor applyAdding(StreamingBackend backend, DeviceTensor x, DeviceTensor residual, double scale,
            Activation activation) {
        requireAddsResidual();
        return ((LayerBlock) withActivation(activation)).run(backend, x, residual, scale);
    }

    /** The layer on {@code x}, adding {@code residual} in its epilogue at {@code scale} unless it is null. */
    private DeviceTensor run(StreamingBackend backend, DeviceTensor x, DeviceTensor residual, double scale) {
        if (conv != null) {
            Tensor weight = conv.weightFor(x.dtype());
            Tensor bias = conv.biasFor(x.dtype());
            Conv1dProblem problem = Conv1dProblem.resolve(x.shape(), x.dtype(), weight, bias, convParams)
                    .withInputActivation(inputActivation);
            return backend.conv1dWindow(residual == null ? problem : problem.withResidual(scale), x, weight, bias,
                    residual);
        }
        Tensor weight = transposed.weightFor(x.dtype());
        Tensor bias = transposed.biasFor(x.dtype());
        ConvProblem problem = ConvProblem.resolve(x.shape(), x.dtype(), weight, bias, transposedParams)
                .withInputActivation(inputActivation);
        return backend.convTranspose1dWindow(residual == null ? problem : problem.withResidual(scale), x, weight,
                bias, residual);
    }

    @Override
    BlockStream open(StreamingBackend backend) {
        return conv != null ? new Conv1dStream(backend, conv, convParams, inputActivation)
                : new ConvTranspose1dStream(backend, transposed, transposedParams, inputActivation);
    }

    @Override
    BlockStream openAdding(StreamingBackend backend, LayerStream.SkipInput skip, Activation activation) {
        requireAddsResidual();
        LayerStream<?> stream = (LayerStream<?>) withActivation(activation).open(backend);
        stream.skip = skip;
        return stream;
    }

    private void requireAddsResidual() {
        if (!addsResidual()) {
            throw new UnsupportedOperationException(this + " adds no residual in its epilogue");
        }
    }

    @Override
    Block withActivation(Activation activation) {
        Activation own = conv != null ? convParams.activation() : transposedParams.activation();
        if (own != Activation.NONE) {
            return null;
        }
        return conv != null
                ? new LayerBlock(conv, convParams.toBuilder().activation(activation).build(), null, null,
                        inputActivation)
                : new LayerBlock(null, null, transposed, transposedParams.toBuilder().activation(activation).build(),
                        inputActivation);
    }

    /** This layer reading {@code activation} of its input, fused; null if it applies one already. */
    Block withInputActivation(Activation activation) {
        if (inputActivation != Activation.NONE) {
            return null;
        }
        return new LayerBlock(conv, convParams, transposed, transposedParams, activation);
    }

    @Override
    int outputChannels(int inputChannels) {
        return conv != null ? conv.weight().dim(0) : transposed.weight().dim(1) * transposedParams.groups();
    }

    @Override
    Layout layout() {
        return conv != null ? convParams.layout() : transposedParams.layout();
    }

    @Override
    public String toString() {
        Activation activation = conv != null ? convParams.activation() : transposedParams.activation();
        return (inputActivation != Activation.NONE ? inputActivation + " -> " : "")
                + (conv != null ? conv.toString() : transposed.toString())
                + (activation != Activation.NONE ? " -> " + activation : "");
    }
}
