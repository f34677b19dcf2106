package io.clconvt;

import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.StreamingBackend;
import io.clconvt.internal.Validation;
import io.clconvt.io.StateDict;
import java.util.Arrays;
import java.util.List;

/**
 * A transposed-convolution layer in the style of PyTorch's {@code nn.ConvTranspose1d}: it owns a
 * weight (Cin, Cout / groups, K) and an optional bias (Cout), initialised uniformly in (-sqrt(k), sqrt(k))
 * with k = groups / (Cout * K) from a seed, and applies them with a {@link Backend}.
 *
 * <p>Parameters are stored FLOAT32 as in PyTorch; an input of another dtype is computed with the
 * parameters converted to it once (widened exactly to FLOAT64, rounded to nearest even to FLOAT16 or
 * BFLOAT16) and kept. Output lengths follow {@link ConvTranspose1dParams}:
 * {@code Lout = (Lin - 1) * stride - padLeft - padRight + dilation * (K - 1) + 1 + outputPadding} for
 * explicit padding, {@code Lin * stride} for SAME. The input is (N, Cin, L) or (N, L, Cin) by layout, or
 * rank 2 unbatched. The params' {@link Activation} is applied after the bias, fused into the same pass.
 * {@link #forward(Backend, DeviceTensor)} keeps input and output on the backend, for stacks of layers
 * (see {@link Sequential}).
 */
public final class ConvTranspose1d {
    private final int inChannels;
    private final int outChannels;
    private final int kernelSize;
    private final ConvTranspose1dParams params;
    private final LayerWeights weights;

    public ConvTranspose1d(int inChannels, int outChannels, int kernelSize, ConvTranspose1dParams params,
            boolean bias, long seed) {
        this.inChannels = Validation.requirePositive("inChannels", inChannels);
        this.outChannels = Validation.requirePositive("outChannels", outChannels);
        this.kernelSize = Validation.requirePositive("kernelSize", kernelSize);
        this.params = Validation.requireNonNull("params", params);
        int groups = params.groups();
        if (inChannels % groups != 0) {
            throw new IllegalArgumentException("inChannels (" + inChannels + ") must be divisible by groups ("
                    + groups + ")");
        }
        if (outChannels % groups != 0) {
            throw new IllegalArgumentException("outChannels (" + outChannels + ") must be divisible by groups ("
                    + groups + ")");
        }
        double bound = Math.sqrt((double) groups / ((double) outChannels * kernelSize));
        this.weights = LayerWeights.uniform(new int[] {inChannels, outChannels / groups, kernelSize},
                bias ? outChannels : 0, bound, seed);
    }

    private ConvTranspose1d(Tensor weight, Tensor bias, ConvTranspose1dParams params) {
        this.params = Validation.requireNonNull("params", params);
        Validation.requireNonNull("weight", weight);
        if (weight.rank() != 3 || weight.size() == 0) {
            throw new IllegalArgumentException("weight must be (Cin, Cout / groups, K) with no zero dimension, got "
                    + Arrays.toString(weight.shape()));
        }
        this.inChannels = weight.dim(0);
        this.outChannels = Validation.toIntExact("outChannels", (long) weight.dim(1) * params.groups());
        this.kernelSize = weight.dim(2);
        if (inChannels % params.groups() != 0) {
            throw new IllegalArgumentException("weight's Cin (" + inChannels + ") must be divisible by groups ("
                    + params.groups() + ")");
        }
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != outChannels)) {
            throw new IllegalArgumentException("bias must be (Cout) = (" + outChannels + ") for weight "
                    + Arrays.toString(weight.shape()) + " and groups " + params.groups() + ", got "
                    + Arrays.toString(bias.shape()));
        }
        this.weights = new LayerWeights(weight, bias);
    }

    /**
     * A layer with the given parameters: weight (Cin, Cout / groups, K) and bias (Cout) or null, of any dtype.
     * Parameters of another dtype than FLOAT32 are kept for inputs of that dtype and converted to FLOAT32 (and
     * so {@link #weight()}): FLOAT64 ones rounded, 16-bit ones widened exactly.
     *
     * @throws IllegalArgumentException if the shapes do not fit each other or {@code params}' groups
     */
    public static ConvTranspose1d of(Tensor weight, Tensor bias, ConvTranspose1dParams params) {
        return new ConvTranspose1d(weight, bias, params);
    }

    /**
     * The layer {@code prefix} of a PyTorch state dict, e.g. {@code "ups.0"} of a HiFi-GAN generator: its
     * {@code prefix.weight}, or for a weight-normalised layer {@code prefix.weight_g} and {@code prefix.weight_v}
     * ({@code torch.nn.utils.weight_norm}) or {@code prefix.parametrizations.weight.original0} and
     * {@code original1} ({@code torch.nn.utils.parametrizations.weight_norm}), folded as PyTorch does with its
     * default {@code dim=0}: {@code w[i] = g[i] * v[i] / ||v[i]||}, the norm over every axis but the first,
     * computed in double. {@code prefix.bias} is the bias if present. {@code params} carries what the state
     * dict does not: stride, padding, dilation, groups and so on.
     *
     * @throws IllegalArgumentException if the layer's keys are missing (the message names the prefix and the
     *     keys found under it) or their shapes do not fit
     */
    public static ConvTranspose1d fromStateDict(StateDict dict, String prefix, ConvTranspose1dParams params) {
        LayerWeights.Read read = LayerWeights.fromStateDict(dict, prefix);
        return of(read.weight(), read.bias(), params);
    }

    /** The (Cin, Cout / groups, K) FLOAT32 weight. */
    public Tensor weight() {
        return weights.weight();
    }

    /** The (Cout) FLOAT32 bias, or null when the layer has none. */
    public Tensor bias() {
        return weights.bias();
    }

    public ConvTranspose1dParams params() {
        return params;
    }

    /**
     * The weight as the layer applies it to inputs of {@code dtype}: for FLOAT32 {@link #weight()}; for another
     * dtype the weight it was given in that dtype (e.g. a weight norm folded in double), else {@link #weight()}
     * converted once (widened exactly to FLOAT64, rounded to nearest even to FLOAT16 or BFLOAT16).
     */
    public Tensor weight(DType dtype) {
        return weightFor(Validation.requireNonNull("dtype", dtype));
    }

    /** The bias as the layer applies it to inputs of {@code dtype} (see {@link #weight(DType)}), or null. */
    public Tensor bias(DType dtype) {
        return biasFor(Validation.requireNonNull("dtype", dtype));
    }

    /**
     * Does ahead of time what the first call on inputs of {@code dtype} and {@code inputShape} would do
     * before its result: on an OpenCL backend, builds the layer's program (seconds on a CPU device whose
     * driver cache is empty), uploads its weights and runs it once on zeros, so that a server's first
     * request does not wait for any of it.
     *
     * @throws IllegalArgumentException if the layer refuses that shape, or {@code backend} is not one of
     *     {@link Backends}'
     */
    public void prepare(Backend backend, DType dtype, int... inputShape) {
        engine(backend).prepare(List.of(call(dtype, inputShape, params)));
    }

    /**
     * The call this layer makes with {@code callParams} on an input of {@code dtype} and {@code inputShape},
     * resolved and checked.
     */
    StreamingBackend.Call call(DType dtype, int[] inputShape, ConvTranspose1dParams callParams) {
        Validation.requireNonNull("dtype", dtype);
        Validation.requireNonNull("inputShape", inputShape);
        return new StreamingBackend.Call(ConvProblem.resolve(inputShape.clone(), dtype, weightFor(dtype),
                biasFor(dtype), callParams), weightFor(dtype), biasFor(dtype));
    }

    /** {@code backend} as the engine's backends all are, for what the public interface does not offer. */
    static StreamingBackend engine(Backend backend) {
        Validation.requireNonNull("backend", backend);
        if (!(backend instanceof StreamingBackend engine)) {
            throw new IllegalArgumentException("backend " + backend.describe() + " is not one of io.clconvt.Backends'");
        }
        return engine;
    }

    /** Applies the layer with its parameters' output length. */
    public Tensor forward(Backend backend, Tensor x) {
        return run(backend, x, params);
    }

    /**
     * Applies the layer producing {@code outputSize} positions, which must lie in the range
     * {@link ConvTranspose1dParams} gives; as in PyTorch, this replaces the layer's outputPadding.
     */
    public Tensor forward(Backend backend, Tensor x, int outputSize) {
        return run(backend, x, params.toBuilder().outputPadding(0).outputSize(outputSize).build());
    }

    /**
     * Applies the layer to a tensor held by {@code backend}, keeping the result there; the caller closes
     * it. {@code x} stays open.
     */
    public DeviceTensor forward(Backend backend, DeviceTensor x) {
        return run(backend, x, params);
    }

    /**
     * A stream applying the layer to an input that arrives in chunks; see {@link ChunkStream}. The caller
     * closes it.
     *
     * @throws IllegalArgumentException if the layer's params set outputSize, which depends on the whole
     *     length and cannot stream, or {@code backend} is null or not one of {@link Backends}'
     */
    public ChunkStream stream(Backend backend) {
        return new ConvTranspose1dStream(backend, this, params);
    }

    Tensor run(Backend backend, Tensor x, ConvTranspose1dParams callParams) {
        Validation.requireNonNull("backend", backend);
        Validation.requireNonNull("input", x);
        return backend.convTranspose1d(x, weightFor(x.dtype()), biasFor(x.dtype()), callParams);
    }

    DeviceTensor run(Backend backend, DeviceTensor x, ConvTranspose1dParams callParams) {
        Validation.requireNonNull("backend", backend);
        Validation.requireNonNull("input", x);
        return backend.convTranspose1d(x, weightFor(x.dtype()), biasFor(x.dtype()), callParams);
    }

    /** The weight in {@code dtype}, converted once. */
    Tensor weightFor(DType dtype) {
        return weights.weightFor(dtype);
    }

    /** The bias in {@code dtype}, converted once; null when the layer has none. */
    Tensor biasFor(DType dtype) {
        return weights.biasFor(dtype);
    }

    /** PyTorch's repr, e.g. {@code ConvTranspose1d(512, 256, kernel_size=(16,), stride=(8,), padding=(4,))}. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("ConvTranspose1d(").append(inChannels).append(", ").append(outChannels)
                .append(", kernel_size=(").append(kernelSize).append(",), stride=(").append(params.stride())
                .append(",)");
        if (!params.padding().equals(Padding.of(0))) {
            s.append(", padding=").append(params.padding());
        }
        if (params.dilation() != 1) {
            s.append(", dilation=(").append(params.dilation()).append(",)");
        }
        if (params.outputPadding() != 0) {
            s.append(", output_padding=(").append(params.outputPadding()).append(",)");
        }
        if (params.groups() != 1) {
            s.append(", groups=").append(params.groups());
        }
        if (weights.bias() == null) {
            s.append(", bias=False");
        }
        if (params.layout() != Layout.NCL) {
            s.append(", layout=").append(params.layout());
        }
        params.outputSize().ifPresent(size -> s.append(", output_size=").append(size));
        if (params.activation() != Activation.NONE) {
            s.append(", activation=").append(params.activation());
        }
        return s.append(')').toString();
    }
}
