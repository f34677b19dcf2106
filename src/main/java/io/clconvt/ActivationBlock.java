package io.clconvt;

import io.clconvt.internal.StreamingBackend;

/** An activation on its own: one element-wise pass, which streams chunk by chunk. */
final class ActivationBlock extends Block {
    final Activation activation;

    ActivationBlock(Activation activation) {
        this.activation = activation;
    }

    @Override
    DeviceTensor apply(StreamingBackend backend, DeviceTensor x) {
        return backend.combine(x, 1, null, 0, activation);
    }

    @Override
    BlockStream open(StreamingBackend backend) {
        return new BlockStream() {
            @Override
            public DeviceTensor pushDevice(DeviceTensor chunk) {
                return apply(backend, chunk);
            }

            @Override
            public DeviceTensor finishDevice() {
                return null;
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    Block withActivation(Activation next) {
        return null;
    }

    @Override
    int outputChannels(int inputChannels) {
        return inputChannels;
    }

    @Override
    Layout layout() {
        return Layout.NCL;
    }

    @Override
    public String toString() {
        return activation.toString();
    }
}
