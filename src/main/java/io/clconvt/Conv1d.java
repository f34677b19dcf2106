package io.clconvt;

import io.clconvt.internal.Conv1dProblem;
import io.clconvt.internal.Validation;
import io.clconvt.io.StateDict;
import java.util.Arrays;

/**
 * A convolution layer in the style of PyTorch's {@code nn.Conv1d}: it owns a weight (Cout, Cin / groups, K)
 * and an optional bias (Cout), initialised uniformly in (-sqrt(k), sqrt(k)) with k = groups / (Cin * K) from a
 * seed, as PyTorch does, and applies them with a {@link Backend}. Semantics and output lengths are those of
 * {@link Conv1dParams}; parameters are stored FLOAT32 and converted once per other dtype, as
 * {@link ConvTranspose1d}'s are. Immutable and safe to share between threads.
 */
public final class Conv1d {
    private final int inChannels;
    private final int outChannels;
    private final int kernelSize;
    private final Conv1dParams params;
    private final LayerWeights weights;

    public Conv1d(int inChannels, int outChannels, int kernelSize, Conv1dParams params, boolean bias, long seed) {
        this.inChannels = Validation.requirePositive("inChannels", inChannels);
        this.outChannels = Validation.requirePositive("outChannels", outChannels);
        this.kernelSize = Validation.requirePositive("kernelSize", kernelSize);
        this.params = Validation.requireNonNull("params", params);
        int groups = params.groups();
        if (inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException("inChannels (" + inChannels + ") and outChannels (" + outChannels
                    + ") must be divisible by groups (" + groups + ")");
        }
        double bound = Math.sqrt((double) groups / ((double) inChannels * kernelSize));
        this.weights = LayerWeights.uniform(new int[] {outChannels, inChannels / groups, kernelSize},
                bias ? outChannels : 0, bound, seed);
    }

    private Conv1d(Tensor weight, Tensor bias, Conv1dParams params) {
        this.params = Validation.requireNonNull("params", params);
        Validation.requireNonNull("weight", weight);
        if (weight.rank() != 3 || weight.size() == 0) {
            throw new IllegalArgumentException("weight must be (Cout, Cin / groups, K) with no zero dimension, got "
                    + Arrays.toString(weight.shape()));
        }
        this.outChannels = weight.dim(0);
        this.inChannels = Validation.toIntExact("inChannels", (long) weight.dim(1) * params.groups());
        this.kernelSize = weight.dim(2);
        if (outChannels % params.groups() != 0) {
            throw new IllegalArgumentException("weight's Cout (" + outChannels + ") must be divisible by groups ("
                    + params.groups() + ")");
        }
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != outChannels)) {
            throw new IllegalArgumentException("bias must be (Cout) = (" + outChannels + ") for weight "
                    + Arrays.toString(weight.shape()) + ", got " + Arrays.toString(bias.shape()));
        }
        this.weights = new LayerWeights(weight, bias);
    }

    /**
     * A layer with the given parameters: weight (Cout, Cin / groups, K) and bias (Cout) or null, of any dtype
     * (kept for inputs of that dtype, as {@link ConvTranspose1d#of} does).
     *
     * @throws IllegalArgumentException if the shapes do not fit each other or {@code params}' groups
     */
    public static Conv1d of(Tensor weight, Tensor bias, Conv1dParams params) {
        return new Conv1d(weight, bias, params);
    }

    /**
     * The layer {@code prefix} of a PyTorch state dict, e.g. {@code "resblocks.0.convs1.1"} of a HiFi-GAN
     * generator: {@code prefix.weight}, or a weight norm ({@code weight_g}/{@code weight_v} or
     * {@code parametrizations.weight.original0/1}) folded in double with PyTorch's default {@code dim=0} (the
     * output channels), and {@code prefix.bias} if present. {@code params} carries what the state dict does
     * not: stride, padding, padding mode, dilation, groups.
     *
     * @throws IllegalArgumentException if the layer's keys are missing or their shapes do not fit
     */
    public static Conv1d fromStateDict(StateDict dict, String prefix, Conv1dParams params) {
        LayerWeights.Read read = LayerWeights.fromStateDict(dict, prefix);
        return of(read.weight(), read.bias(), params);
    }

    /** The (Cout, Cin / groups, K) FLOAT32 weight. */
    public Tensor weight() {
        return weights.weight();
    }

    /** The (Cout) FLOAT32 bias, or null when the layer has none. */
    public Tensor bias() {
        return weights.bias();
    }

    public Conv1dParams params() {
        return params;
    }

    /** The weight as the layer applies it to inputs of {@code dtype} (see {@link ConvTranspose1d#weight(DType)}). */
    public Tensor weight(DType dtype) {
        return weights.weightFor(Validation.requireNonNull("dtype", dtype));
    }

    /** The bias as the layer applies it to inputs of {@code dtype}, or null. */
    public Tensor bias(DType dtype) {
        return weights.biasFor(Validation.requireNonNull("dtype", dtype));
    }

    /** The output shape for an input of {@code dtype} and {@code inputShape}, after every check a call makes. */
    public int[] outputShape(DType dtype, int... inputShape) {
        Validation.requireNonNull("inputShape", inputShape);
        return Conv1dProblem.resolve(inputShape.clone(), dtype, weights.weightFor(dtype), weights.biasFor(dtype),
                params).outputShape();
    }

    /**
     * Does ahead of time what the first call on inputs of {@code dtype} and {@code inputShape} would do before
     * its result (builds the program, uploads the weights, runs once on zeros), as
     * {@link ConvTranspose1d#prepare} does.
     */
    public void prepare(Backend backend, DType dtype, int... inputShape) {
        Block.of(this).prepare(backend, dtype, inputShape);
    }

    /** Applies the layer. */
    public Tensor forward(Backend backend, Tensor x) {
        Validation.requireNonNull("backend", backend);
        Validation.requireNonNull("input", x);
        return backend.conv1d(x, weights.weightFor(x.dtype()), weights.biasFor(x.dtype()), params);
    }

    /** Applies the layer to a tensor held by {@code backend}, keeping the result there; the caller closes it. */
    public DeviceTensor forward(Backend backend, DeviceTensor x) {
        Validation.requireNonNull("backend", backend);
        Validation.requireNonNull("input", x);
        return backend.conv1d(x, weights.weightFor(x.dtype()), weights.biasFor(x.dtype()), params);
    }

    /**
     * A stream applying the layer to an input that arrives in chunks; see {@link ChunkStream} and
     * {@code Conv1dStream} for what each push returns. The caller closes it.
     *
     * @throws IllegalArgumentException if {@code backend} is null or not one of {@link Backends}'
     */
    public ChunkStream stream(Backend backend) {
        return new Conv1dStream(ConvTranspose1d.engine(backend), this, params, Activation.NONE);
    }

    /** Applies the layer with {@code callParams} (its own, or with an activation fused) to a device tensor. */
    DeviceTensor run(Backend backend, DeviceTensor x, Conv1dParams callParams) {
        return backend.conv1d(x, weights.weightFor(x.dtype()), weights.biasFor(x.dtype()), callParams);
    }

    /** The weight in {@code dtype}, converted once. */
    Tensor weightFor(DType dtype) {
        return weights.weightFor(dtype);
    }

    /** The bias in {@code dtype}, converted once; null when the layer has none. */
    Tensor biasFor(DType dtype) {
        return weights.biasFor(dtype);
    }

    /** PyTorch's repr, e.g. {@code Conv1d(128, 128, kernel_size=(3,), stride=(1,), padding=(3,), dilation=(3,))}. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("Conv1d(").append(inChannels).append(", ").append(outChannels)
                .append(", kernel_size=(").append(kernelSize).append(",), stride=(").append(params.stride())
                .append(",)");
        if (!params.padding().equals(Padding.of(0))) {
            s.append(", padding=").append(params.padding());
        }
        if (params.dilation() != 1) {
            s.append(", dilation=(").append(params.dilation()).append(",)");
        }
        if (params.groups() != 1) {
            s.append(", groups=").append(params.groups());
        }
        if (weights.bias() == null) {
            s.append(", bias=False");
        }
        if (params.paddingMode() != PaddingMode.ZEROS) {
            s.append(", padding_mode='").append(params.paddingMode().name().toLowerCase()).append('\'');
        }
        if (params.layout() != Layout.NCL) {
            s.append(", layout=").append(params.layout());
        }
        if (params.activation() != Activation.NONE) {
            s.append(", activation=").append(params.activation());
        }
        return s.append(')').toString();
    }
}
