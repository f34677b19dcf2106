package io.clconvt;

import io.clconvt.internal.StreamingBackend;
import io.clconvt.internal.Validation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A stack of {@link ConvTranspose1d} layers applied in order, each optionally followed by an
 * {@link Activation} that is fused into that layer's kernel pass: like PyTorch's
 * {@code nn.Sequential(ConvTranspose1d(...), LeakyReLU(0.1), ConvTranspose1d(...))}.
 *
 * <pre>{@code
 * Sequential decoder = Sequential.builder()
 *         .add(up1).activation(Activation.leakyRelu(0.1))
 *         .add(up2).activation(Activation.TANH)
 *         .build();
 * Tensor y = decoder.forward(backend, x);   // one upload, every layer on the device, one download
 * }</pre>
 *
 * Each layer's output is the next layer's input, so the channels and layouts must chain; the backend
 * validates every call as usual. Immutable and safe to share between threads.
 */
public final class Sequential {
    /** One layer and the parameters it runs with: its own, with the following activation fused in. */
    private record Stage(ConvTranspose1d layer, ConvTranspose1dParams params) {
    }

    private final List<Stage> stages;

    private Sequential(List<Stage> stages) {
        this.stages = List.copyOf(stages);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The layers without activations between them (or with their own params' activations). */
    public static Sequential of(ConvTranspose1d... layers) {
        Builder builder = builder();
        for (ConvTranspose1d layer : layers) {
            builder.add(layer);
        }
        return builder.build();
    }

    /** The number of layers. */
    public int size() {
        return stages.size();
    }

    /** Layer {@code index} (from 0). */
    public ConvTranspose1d layer(int index) {
        return stages.get(index).layer();
    }

    /** The activation fused into layer {@code index}: the one added after it, else its params' own. */
    public Activation activation(int index) {
        return stages.get(index).params().activation();
    }

    /**
     * Runs the stack keeping every intermediate result on {@code backend}: one upload of {@code x}, one
     * download of the result. Intermediate device tensors are closed as soon as the next layer has read
     * them, also when a layer fails.
     *
     * @throws IllegalArgumentException before any work if a layer refuses its input's shape, or the
     *     result would not fit the Java heap
     */
    public Tensor forward(Backend backend, Tensor x) {
        Validation.requireNonNull("backend", backend);
        Validation.requireNonNull("input", x);
        List<StreamingBackend.Call> calls = calls(x.dtype(), x.shape());
        int[] shape = calls.get(calls.size() - 1).problem().outputShape();
        long elements = 1;
        for (int dimension : shape) {
            elements *= dimension;
        }
        Validation.requireHeap("the output of shape " + Arrays.toString(shape), elements * x.dtype().byteSize());
        DeviceTensor current = backend.upload(x);
        try {
            for (Stage stage : stages) {
                DeviceTensor next = stage.layer().run(backend, current, stage.params());
                current.close();
                current = next;
            }
            return current.download();
        } finally {
            current.close();
        }
    }

    /**
     * Does ahead of time what the first {@link #forward} on inputs of {@code dtype} and {@code inputShape}
     * would do before its result: on an OpenCL backend, builds every layer's program (several at once where
     * the driver compiles in parallel), uploads the weights and runs each layer once on zeros, so that a
     * server's first request waits for none of it.
     *
     * @throws IllegalArgumentException if a layer refuses its input's shape, or {@code backend} is not one
     *     of {@link Backends}'
     */
    public void prepare(Backend backend, DType dtype, int... inputShape) {
        ConvTranspose1d.engine(backend).prepare(calls(dtype, inputShape));
    }

    /** Each layer's call, in order, for an input of {@code dtype} and {@code inputShape}. */
    private List<StreamingBackend.Call> calls(DType dtype, int[] inputShape) {
        List<StreamingBackend.Call> calls = new ArrayList<>();
        int[] shape = inputShape;
        for (Stage stage : stages) {
            StreamingBackend.Call call = stage.layer().call(dtype, shape, stage.params());
            calls.add(call);
            shape = call.problem().outputShape();
        }
        return calls;
    }

    /**
     * Runs the stack with a host round trip per layer (upload, compute, download), as calling each layer's
     * {@link ConvTranspose1d#forward(Backend, Tensor)} does; the result equals {@link #forward}'s. For
     * comparing against device-resident execution.
     */
    public Tensor forwardHost(Backend backend, Tensor x) {
        Validation.requireNonNull("backend", backend);
        Tensor current = x;
        for (Stage stage : stages) {
            current = stage.layer().run(backend, current, stage.params());
        }
        return current;
    }

    /**
     * A stream running the stack on an input that arrives in chunks (see {@link ChunkStream}): each layer
     * keeps its own history on {@code backend}, and a chunk's intermediate results stay there; only the last
     * layer's new outputs are downloaded. The caller closes it.
     *
     * @throws IllegalArgumentException if a layer's params set outputSize, which cannot stream, or
     *     {@code backend} is null or not one of {@link Backends}'
     */
    public ChunkStream stream(Backend backend) {
        List<ConvTranspose1dStream> layers = new ArrayList<>();
        for (Stage stage : stages) {
            layers.add(new ConvTranspose1dStream(backend, stage.layer(), stage.params()));
        }
        return new SequentialStream(backend, layers);
    }

    /** Collects layers and activations in order; {@link #build()} needs at least one layer. */
    public static final class Builder {
        private final List<Stage> stages = new ArrayList<>();
        private boolean activationAdded;

        private Builder() {
        }

        /** Appends a layer. */
        public Builder add(ConvTranspose1d layer) {
            Validation.requireNonNull("layer", layer);
            stages.add(new Stage(layer, layer.params()));
            activationAdded = false;
            return this;
        }

        /**
         * Applies {@code activation} to the output of the layer just added, fused into its pass.
         *
         * @throws IllegalArgumentException if no layer precedes it, or that layer already has an activation
         *     (from its params or an earlier call)
         */
        public Builder activation(Activation activation) {
            Validation.requireNonNull("activation", activation);
            if (stages.isEmpty()) {
                throw new IllegalArgumentException("an activation must follow a layer; add a layer first");
            }
            int last = stages.size() - 1;
            Stage stage = stages.get(last);
            if (activationAdded || stage.params().activation() != Activation.NONE) {
                throw new IllegalArgumentException("layer " + (last + 1) + " already ends with "
                        + stage.params().activation() + "; it cannot also apply " + activation);
            }
            stages.set(last, new Stage(stage.layer(), stage.params().toBuilder().activation(activation).build()));
            activationAdded = true;
            return this;
        }

        /**
         * @throws IllegalArgumentException if there is no layer
         */
        public Sequential build() {
            if (stages.isEmpty()) {
                throw new IllegalArgumentException("a Sequential needs at least one layer");
            }
            return new Sequential(stages);
        }
    }
}
