package io.clconvt;

import io.clconvt.internal.StreamingBackend;

/** One {@link Conv1d} or {@link ConvTranspose1d} layer, with the activation its kernel fuses. */
final class LayerBlock extends Block {
    private final Conv1d conv;
    private final Conv1dParams convParams;
    private final ConvTranspose1d transposed;
    private final ConvTranspose1dParams transposedParams;

    LayerBlock(Conv1d layer) {
        this(layer, layer.params(), null, null);
    }

    LayerBlock(ConvTranspose1d layer) {
        this(null, null, layer, layer.params());
    }

    private LayerBlock(Conv1d conv, Conv1dParams convParams, ConvTranspose1d transposed,
            ConvTranspose1dParams transposedParams) {
        this.conv = conv;
        this.convParams = convParams;
        this.transposed = transposed;
        this.transposedParams = transposedParams;
    }

    @Override
    DeviceTensor apply(StreamingBackend backend, DeviceTensor x) {
        return conv != null ? conv.run(backend, x, convParams) : transposed.run(backend, x, transposedParams);
    }

    @Override
    BlockStream open(StreamingBackend backend) {
        return conv != null ? new Conv1dStream(backend, conv, convParams)
                : new ConvTranspose1dStream(backend, transposed, transposedParams);
    }

    @Override
    Block withActivation(Activation activation) {
        Activation own = conv != null ? convParams.activation() : transposedParams.activation();
        if (own != Activation.NONE) {
            return null;
        }
        return conv != null ? new LayerBlock(conv, convParams.toBuilder().activation(activation).build(), null, null)
                : new LayerBlock(null, null, transposed, transposedParams.toBuilder().activation(activation).build());
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
        return (conv != null ? conv.toString() : transposed.toString())
                + (activation != Activation.NONE ? " -> " + activation : "");
    }
}
