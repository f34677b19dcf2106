package io.clconvt.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clconvt.Activation;
import io.clconvt.Backend;
import io.clconvt.ConvTranspose1d;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.Sequential;
import io.clconvt.Tensor;
import io.clconvt.io.StateDict;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The stand-in generator until {@code io.clconvt.models.HifiGan} lands: a HiFi-GAN generator's upsampling stack and
 * output convolution, without its {@code conv_pre} and residual blocks. From {@code config.json}'s
 * {@code upsample_rates}, {@code upsample_kernel_sizes} and {@code upsample_initial_channel}, and the state dict's
 * {@code ups.{i}} (plain or weight-normalised) and optional {@code conv_post}, it computes, as HiFi-GAN does between
 * those layers:
 *
 * <pre>
 *   x (N, upsample_initial_channel, T)
 *   -> ups.0 (stride u0, padding (k0 - u0) / 2) -> leaky ReLU 0.1 -> ups.1 -> ... -> ups.{n-1}
 *   -> leaky ReLU 0.01 -> conv_post (Conv1d, padding (K - 1) / 2) -> tanh        with conv_post
 *   -> tanh                                                                        without it
 * </pre>
 *
 * Its input is therefore what HiFi-GAN's {@code conv_pre} would output, not an 80-band mel. Every activation is
 * fused into the layer before it and the whole stack stays on the device ({@link Sequential}). {@code conv_post}, a
 * Conv1d, runs as the equal ConvTranspose1d of stride 1: weight (1, C, K) transposed to (C, 1, K) and flipped along
 * K, padding K - 1 - (K - 1) / 2. The output must have one channel: audio.
 */
public final class UpsamplingStack {
    /** HiFi-GAN's LRELU_SLOPE, applied between upsampling stages. */
    static final double STAGE_SLOPE = 0.1;
    /** HiFi-GAN calls F.leaky_relu with its default slope before conv_post. */
    static final double POST_SLOPE = 0.01;

    private final Sequential layers;
    private final int inChannels;
    private final int hopLength;

    private UpsamplingStack(Sequential layers, int inChannels, int hopLength) {
        this.layers = layers;
        this.inChannels = inChannels;
        this.hopLength = hopLength;
    }

    /**
     * @throws IllegalArgumentException if the config lacks a field or the fields disagree, a layer's keys are missing
     *     or its shape does not chain with the previous one, or the stack does not end with one channel
     */
    public static UpsamplingStack load(Path configJson, StateDict weights) throws IOException {
        JsonNode config = new ObjectMapper().readTree(configJson.toFile());
        int[] rates = ints(config, "upsample_rates", configJson);
        int[] kernels = ints(config, "upsample_kernel_sizes", configJson);
        JsonNode initial = config.get("upsample_initial_channel");
        if (initial == null || !initial.canConvertToInt() || initial.asInt() <= 0) {
            throw new IllegalArgumentException(configJson + ": upsample_initial_channel must be a positive integer, got "
                    + initial);
        }
        if (rates.length == 0 || rates.length != kernels.length) {
            throw new IllegalArgumentException(configJson + ": upsample_rates " + Arrays.toString(rates)
                    + " and upsample_kernel_sizes " + Arrays.toString(kernels) + " must be non-empty and as long");
        }
        Sequential.Builder stack = Sequential.builder();
        int channels = initial.asInt();
        int hop = 1;
        for (int i = 0; i < rates.length; i++) {
            int u = rates[i];
            int k = kernels[i];
            if (u <= 0 || k < u || (k - u) % 2 != 0) {
                throw new IllegalArgumentException(configJson + ": stage " + i + " has upsample rate " + u
                        + " and kernel size " + k + "; the stack needs k >= u > 0 with k - u even, so that padding"
                        + " (k - u) / 2 multiplies the length by u exactly");
            }
            ConvTranspose1dParams params = ConvTranspose1dParams.builder().stride(u).padding((k - u) / 2).build();
            ConvTranspose1d layer = ConvTranspose1d.fromStateDict(weights, "ups." + i, params);
            int[] shape = layer.weight().shape();
            if (shape[0] != channels || shape[2] != k) {
                throw new IllegalArgumentException(weights.file() + ": ups." + i + " has weight shape "
                        + Arrays.toString(shape) + " but the config gives it " + channels + " input channels and kernel"
                        + " size " + k);
            }
            stack.add(layer);
            if (i < rates.length - 1) {
                stack.activation(Activation.leakyRelu(STAGE_SLOPE));
            }
            channels = shape[1];
            hop = Math.multiplyExact(hop, u);
        }
        if (weights.keys().stream().anyMatch(key -> key.startsWith("conv_post."))) {
            stack.activation(Activation.leakyRelu(POST_SLOPE));
            stack.add(convPost(weights, channels));
            channels = 1;
        }
        stack.activation(Activation.TANH);
        if (channels != 1) {
            throw new IllegalArgumentException(weights.file() + ": the upsampling stack ends with " + channels
                    + " channels and there is no conv_post to make them one; audio has one channel");
        }
        return new UpsamplingStack(stack.build(), initial.asInt(), hop);
    }

    public int hopLength() {
        return hopLength;
    }

    /**
     * (N, upsample_initial_channel, T) to (N, 1, T * hopLength()).
     *
     * @throws IllegalArgumentException if {@code mel} is not of rank 3 with that many channels
     */
    public Tensor generate(Backend backend, Tensor mel) {
        if (mel.rank() != 3 || mel.dim(1) != inChannels) {
            throw new IllegalArgumentException("mel has shape " + Arrays.toString(mel.shape()) + "; expected (N, "
                    + inChannels + ", T)");
        }
        return layers.forward(backend, mel);
    }

    /** HiFi-GAN's conv_post, Conv1d(C, 1, K, padding (K - 1) / 2), as the ConvTranspose1d that equals it. */
    private static ConvTranspose1d convPost(StateDict weights, int channels) {
        Tensor weight = convPostWeight(weights);
        int[] shape = weight.shape();
        if (shape.length != 3 || shape[0] != 1 || shape[1] != channels || shape[2] % 2 == 0) {
            throw new IllegalArgumentException(weights.file() + ": conv_post has weight shape " + Arrays.toString(shape)
                    + "; expected (1, " + channels + ", K) with K odd");
        }
        int k = shape[2];
        float[] w = weight.toFloatArray();
        float[] transposed = new float[w.length];
        for (int c = 0; c < channels; c++) {
            for (int j = 0; j < k; j++) {
                transposed[c * k + j] = w[c * k + (k - 1 - j)];
            }
        }
        Tensor bias = weights.keys().contains("conv_post.bias") ? weights.get("conv_post.bias") : null;
        ConvTranspose1dParams params = ConvTranspose1dParams.builder().padding(k - 1 - (k - 1) / 2).build();
        return ConvTranspose1d.of(Tensor.of(transposed, channels, 1, k), bias, params);
    }

    /**
     * conv_post's weight with weight norm folded as {@code torch.nn.utils.weight_norm} defines it (dim 0: one
     * magnitude per output channel, the norm over the rest). The library folds only the layers it loads itself, and
     * a Conv1d's (out, in, K) weight does not load as a ConvTranspose1d's (in, out, K).
     */
    private static Tensor convPostWeight(StateDict weights) {
        if (weights.keys().contains("conv_post.weight")) {
            return weights.get("conv_post.weight");
        }
        String g = weights.keys().contains("conv_post.weight_g") ? "conv_post.weight_g"
                : "conv_post.parametrizations.weight.original0";
        String v = g.equals("conv_post.weight_g") ? "conv_post.weight_v" : "conv_post.parametrizations.weight.original1";
        if (!weights.keys().contains(g) || !weights.keys().contains(v)) {
            throw new IllegalArgumentException(weights.file() + ": conv_post has no weight (conv_post.weight, or"
                    + " weight_g with weight_v); its keys are "
                    + weights.keys().stream().filter(key -> key.startsWith("conv_post.")).toList());
        }
        double[] magnitude = weights.get(g).toDoubleArray();
        Tensor direction = weights.get(v);
        double[] values = direction.toDoubleArray();
        if (magnitude.length != direction.dim(0)) {
            throw new IllegalArgumentException(weights.file() + ": " + g + " holds " + magnitude.length
                    + " magnitudes but " + v + " has shape " + Arrays.toString(direction.shape()));
        }
        int slice = values.length / magnitude.length;
        float[] folded = new float[values.length];
        for (int o = 0; o < magnitude.length; o++) {
            double squares = 0;
            for (int j = o * slice; j < (o + 1) * slice; j++) {
                squares += values[j] * values[j];
            }
            double scale = magnitude[o] / Math.sqrt(squares);
            for (int j = o * slice; j < (o + 1) * slice; j++) {
                folded[j] = (float) (values[j] * scale);
            }
        }
        return Tensor.of(folded, direction.shape());
    }

    private static int[] ints(JsonNode config, String field, Path configJson) {
        JsonNode node = config.get(field);
        if (node == null || !node.isArray()) {
            throw new IllegalArgumentException(configJson + ": " + field + " must be an array of integers, got " + node);
        }
        List<Integer> values = new ArrayList<>();
        for (JsonNode value : node) {
            if (!value.canConvertToInt()) {
                throw new IllegalArgumentException(configJson + ": " + field + " must hold integers, got " + node);
            }
            values.add(value.asInt());
        }
        return values.stream().mapToInt(Integer::intValue).toArray();
    }
}
