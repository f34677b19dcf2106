package io.clconvt;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

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
    private final Tensor weight;
    private final Tensor bias;
    /**
     * The parameters converted to other dtypes, made on the first call of each and kept, so that later calls
     * pass the same tensors and the OpenCL backend's weight cache (keyed by identity) uploads them once.
     */
    private final Map<DType, Tensor> convertedWeights = new ConcurrentHashMap<>();
    private final Map<DType, Tensor> convertedBiases = new ConcurrentHashMap<>();

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
        int groupOut = outChannels / groups;
        double bound = Math.sqrt((double) groups / ((double) outChannels * kernelSize));
        SplittableRandom random = new SplittableRandom(seed);
        this.weight = Tensor.wrap(uniform(random, Validation.toIntExact("weight elements",
                (long) inChannels * groupOut * kernelSize), bound), inChannels, groupOut, kernelSize);
        this.bias = bias ? Tensor.wrap(uniform(random, outChannels, bound), outChannels) : null;
    }

    private static float[] uniform(SplittableRandom random, int count, double bound) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextDouble(-bound, bound);
        }
        return values;
    }

    /** The (Cin, Cout / groups, K) FLOAT32 weight. */
    public Tensor weight() {
        return weight;
    }

    /** The (Cout) FLOAT32 bias, or null when the layer has none. */
    public Tensor bias() {
        return bias;
    }

    public ConvTranspose1dParams params() {
        return params;
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
        return dtype == DType.FLOAT32 ? weight : convertedWeights.computeIfAbsent(dtype, weight::to);
    }

    /** The bias in {@code dtype}, converted once; null when the layer has none. */
    Tensor biasFor(DType dtype) {
        if (bias == null || dtype == DType.FLOAT32) {
            return bias;
        }
        return convertedBiases.computeIfAbsent(dtype, bias::to);
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
        if (bias == null) {
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
