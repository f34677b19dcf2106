package io.clconvt;

import io.clconvt.internal.Validation;
import io.clconvt.io.StateDict;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A layer's weight and optional bias, stored FLOAT32 as in PyTorch, with their conversions to other dtypes made
 * on first use and kept: later calls pass the same tensors, so the OpenCL backend's weight cache (keyed by
 * identity) uploads them once. Shared by {@link ConvTranspose1d} and {@link Conv1d}, as is the reading of a
 * layer from a PyTorch state dict.
 */
final class LayerWeights {
    /** A layer's tensors as a state dict holds them, weight norm folded. */
    record Read(Tensor weight, Tensor bias) {
    }

    private final Tensor weight;
    private final Tensor bias;
    private final Map<DType, Tensor> convertedWeights = new ConcurrentHashMap<>();
    private final Map<DType, Tensor> convertedBiases = new ConcurrentHashMap<>();

    /**
     * Parameters given in another dtype than FLOAT32 serve inputs of that dtype as given (FLOAT64 ones not
     * through their FLOAT32 rounding, 16-bit ones without a round trip) and are narrowed to FLOAT32 for the rest.
     */
    LayerWeights(Tensor weight, Tensor bias) {
        this.weight = narrow(weight);
        this.bias = bias == null ? null : narrow(bias);
        if (weight.dtype() != DType.FLOAT32) {
            convertedWeights.put(weight.dtype(), weight);
        }
        if (bias != null && bias.dtype() != DType.FLOAT32) {
            convertedBiases.put(bias.dtype(), bias);
        }
    }

    /** PyTorch's default initialisation: uniform in (-bound, bound), drawn from {@code seed}. */
    static LayerWeights uniform(int[] weightShape, int biasSize, double bound, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long elements = (long) weightShape[0] * weightShape[1] * weightShape[2];
        Tensor weight = Tensor.wrap(uniform(random, Validation.toIntExact("weight elements", elements), bound),
                weightShape);
        Tensor bias = biasSize > 0 ? Tensor.wrap(uniform(random, biasSize, bound), biasSize) : null;
        return new LayerWeights(weight, bias);
    }

    private static float[] uniform(SplittableRandom random, int count, double bound) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextDouble(-bound, bound);
        }
        return values;
    }

    private static Tensor narrow(Tensor t) {
        return t.dtype() == DType.FLOAT32 ? t : Tensor.wrap(t.toFloatArray(), t.shape());
    }

    /**
     * The layer {@code prefix} of a PyTorch state dict: {@code prefix.weight}, or for a weight-normalised layer
     * {@code prefix.weight_g} and {@code prefix.weight_v} ({@code torch.nn.utils.weight_norm}) or
     * {@code prefix.parametrizations.weight.original0} and {@code original1}
     * ({@code torch.nn.utils.parametrizations.weight_norm}), folded as PyTorch does with its default
     * {@code dim=0}; {@code prefix.bias} if present.
     */
    static Read fromStateDict(StateDict dict, String prefix) {
        Validation.requireNonNull("dict", dict);
        Validation.requireNonNull("prefix", prefix);
        String p = prefix.isEmpty() ? "" : prefix + ".";
        List<String> under = dict.keys().stream().filter(key -> key.startsWith(p)).toList();
        Tensor weight;
        if (under.contains(p + "weight")) {
            weight = dict.get(p + "weight");
        } else if (under.contains(p + "weight_g") && under.contains(p + "weight_v")) {
            weight = foldWeightNorm(dict.get(p + "weight_g"), dict.get(p + "weight_v"), p + "weight_g");
        } else if (under.contains(p + "parametrizations.weight.original0")
                && under.contains(p + "parametrizations.weight.original1")) {
            weight = foldWeightNorm(dict.get(p + "parametrizations.weight.original0"),
                    dict.get(p + "parametrizations.weight.original1"), p + "parametrizations.weight.original0");
        } else {
            throw new IllegalArgumentException("no weight for layer '" + prefix + "' in " + dict + ": expected '"
                    + p + "weight', '" + p + "weight_g' with '" + p + "weight_v', or '" + p
                    + "parametrizations.weight.original0' with '...original1'; "
                    + (under.isEmpty() ? "no key starts with '" + p + "' (keys: " + dict.keys() + ")"
                            : "keys under '" + p + "': " + under));
        }
        return new Read(weight, under.contains(p + "bias") ? dict.get(p + "bias") : null);
    }

    /** w = g * v / ||v|| per slice of the first axis, in double; g holds one value per slice. */
    static Tensor foldWeightNorm(Tensor g, Tensor v, String gName) {
        if (v.rank() == 0 || v.dim(0) == 0 || g.size() != v.dim(0)) {
            throw new IllegalArgumentException(gName + " has shape " + java.util.Arrays.toString(g.shape())
                    + " but weight_norm's direction has shape " + java.util.Arrays.toString(v.shape()) + "; expected "
                    + (v.rank() == 0 ? "a direction of rank 1 or more" : v.dim(0) + " magnitudes (dim=0)"));
        }
        double[] magnitude = g.toDoubleArray();
        double[] w = v.toDoubleArray();
        int slice = w.length / magnitude.length;
        for (int i = 0; i < magnitude.length; i++) {
            double squares = 0;
            for (int j = i * slice; j < (i + 1) * slice; j++) {
                squares += w[j] * w[j];
            }
            double scale = magnitude[i] / Math.sqrt(squares);
            for (int j = i * slice; j < (i + 1) * slice; j++) {
                w[j] *= scale;
            }
        }
        return Tensor.wrap(w, v.shape());
    }

    /** The FLOAT32 weight. */
    Tensor weight() {
        return weight;
    }

    /** The FLOAT32 bias, or null. */
    Tensor bias() {
        return bias;
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
}
