package io.clconvt.models;

import io.clconvt.Activation;
import io.clconvt.Backend;
import io.clconvt.Block;
import io.clconvt.ChunkStream;
import io.clconvt.Conv1d;
import io.clconvt.Conv1dParams;
import io.clconvt.ConvTranspose1d;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.Tensor;
import io.clconvt.internal.Validation;
import io.clconvt.io.StateDict;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The HiFi-GAN generator (Kong et al. 2020; the paper's V1, V2 and V3 and any configuration of the same
 * architecture) from the official {@code config.json} and the generator's PyTorch state dict, run as one
 * {@link Block} graph: every intermediate stays on the backend.
 *
 * <p>The architecture, exactly as published: {@code conv_pre} = Conv1d(num_mels -> C, K 7, padding 3); for each
 * upsampling stage i, leaky ReLU 0.1, ConvTranspose1d(C / 2^i -> C / 2^(i+1), K k_i, stride u_i, padding
 * floor((k_i - u_i) / 2)), then the mean of one residual block per resblock kernel size. Residual block "1":
 * for each dilation d, {@code x = x + conv_1(lrelu(conv_d(lrelu(x))))}; block "2": {@code x = x + conv_d(lrelu(x))};
 * every Conv1d there pads {@code (K * d - d) / 2} zeros on both sides, slope 0.1. After the last stage leaky ReLU
 * with PyTorch's default slope 0.01, {@code conv_post} = Conv1d(-> 1, K 7, padding 3), tanh.
 *
 * <p>Weights: the official key names ({@code conv_pre.*}, {@code ups.{i}.*}, {@code resblocks.{j}.convs1.{k}.*},
 * {@code convs2}, {@code convs}, {@code conv_post.*}), weight-normalised or plain, as {@code .safetensors} or
 * {@code .npz}; folded in double, so FLOAT64 runs use the double weights. Immutable and safe to share.
 */
public final class HifiGan {
    private static final Activation STAGE_SLOPE = Activation.leakyRelu(0.1);
    private static final Activation FINAL_SLOPE = Activation.leakyRelu(0.01);

    private final HifiGanConfig config;
    private final Block generator;

    private HifiGan(HifiGanConfig config, Block generator) {
        this.config = config;
        this.generator = generator;
    }

    /**
     * The generator of {@code configJson} with the weights of {@code weights}.
     *
     * @throws IllegalArgumentException naming a missing or mis-shaped key, or a bad config field
     * @throws UncheckedIOException if the config cannot be read
     */
    public static HifiGan load(Path configJson, StateDict weights) {
        Validation.requireNonNull("configJson", configJson);
        Validation.requireNonNull("weights", weights);
        String text;
        try {
            text = Files.readString(configJson);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the HiFi-GAN config " + configJson, e);
        }
        HifiGanConfig config = HifiGanConfig.parse(text, configJson.toString());
        return new HifiGan(config, build(config, weights));
    }

    private static Block build(HifiGanConfig config, StateDict weights) {
        int channels = config.upsampleInitialChannel();
        List<Block> stages = new ArrayList<>();
        stages.add(Block.of(conv(weights, "conv_pre", channels, config.numMels(), 7, 1)));
        for (int i = 0; i < config.upsampleRates().size(); i++) {
            int rate = config.upsampleRates().get(i);
            int kernel = config.upsampleKernelSizes().get(i);
            int in = channels >> i;
            int out = channels >> (i + 1);
            stages.add(Block.activation(STAGE_SLOPE));
            stages.add(Block.of(transposed(weights, "ups." + i, in, out, kernel,
                    ConvTranspose1dParams.builder().stride(rate).padding((kernel - rate) / 2).build())));
            int kinds = config.resblockKernelSizes().size();
            Block[] resblocks = new Block[kinds];
            for (int j = 0; j < kinds; j++) {
                resblocks[j] = resblock(config, weights, "resblocks." + (i * kinds + j), out,
                        config.resblockKernelSizes().get(j), config.resblockDilationSizes().get(j));
            }
            stages.add(Block.mean(resblocks));
        }
        stages.add(Block.activation(FINAL_SLOPE));
        stages.add(Block.of(conv(weights, "conv_post", 1, channels >> config.upsampleRates().size(), 7, 1)));
        stages.add(Block.activation(Activation.TANH));
        return Block.chain(stages.toArray(Block[]::new));
    }

    private static Block resblock(HifiGanConfig config, StateDict weights, String prefix, int channels, int kernel,
            List<Integer> dilations) {
        List<Block> steps = new ArrayList<>();
        for (int k = 0; k < dilations.size(); k++) {
            int dilation = dilations.get(k);
            Block branch = config.resblock().equals("1")
                    ? Block.chain(Block.activation(STAGE_SLOPE),
                            Block.of(conv(weights, prefix + ".convs1." + k, channels, channels, kernel, dilation)),
                            Block.activation(STAGE_SLOPE),
                            Block.of(conv(weights, prefix + ".convs2." + k, channels, channels, kernel, 1)))
                    : Block.chain(Block.activation(STAGE_SLOPE),
                            Block.of(conv(weights, prefix + ".convs." + k, channels, channels, kernel, dilation)));
            steps.add(Block.residual(branch));
        }
        return Block.chain(steps.toArray(Block[]::new));
    }

    /** The Conv1d {@code prefix} (Cout, Cin, K), padding (K x d - d) / 2 on both sides, its shape checked. */
    private static Conv1d conv(StateDict weights, String prefix, int out, int in, int kernel, int dilation) {
        Conv1d layer = named(prefix, () -> Conv1d.fromStateDict(weights, prefix, Conv1dParams.builder()
                .dilation(dilation).padding((kernel * dilation - dilation) / 2).build()));
        requireShape(weights, prefix, layer.weight().shape(), new int[] {out, in, kernel}, layer.bias());
        return layer;
    }

    /** The ConvTranspose1d {@code prefix} (Cin, Cout, K), its shape checked. */
    private static ConvTranspose1d transposed(StateDict weights, String prefix, int in, int out, int kernel,
            ConvTranspose1dParams params) {
        ConvTranspose1d layer = named(prefix, () -> ConvTranspose1d.fromStateDict(weights, prefix, params));
        requireShape(weights, prefix, layer.weight().shape(), new int[] {in, out, kernel}, layer.bias());
        return layer;
    }

    /** {@code read}, its refusal (e.g. a bias that does not fit its weight) naming the layer's keys. */
    private static <T> T named(String prefix, Supplier<T> read) {
        try {
            return read.get();
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().contains("'" + prefix)) {
                throw e;
            }
            throw new IllegalArgumentException("the tensors of '" + prefix + "' (" + prefix + ".weight, " + prefix
                    + ".bias) do not fit each other: " + e.getMessage(), e);
        }
    }

    private static void requireShape(StateDict weights, String prefix, int[] actual, int[] expected, Tensor bias) {
        if (!Arrays.equals(actual, expected)) {
            throw new IllegalArgumentException("the weight of '" + prefix + "' in " + weights + " has shape "
                    + Arrays.toString(actual) + " but the config needs " + Arrays.toString(expected));
        }
        if (bias == null) {
            throw new IllegalArgumentException("'" + prefix + ".bias' is missing from " + weights
                    + ": every HiFi-GAN convolution has a bias");
        }
    }

    /** The samples per mel frame: the product of the upsampling rates. */
    public int hopLength() {
        return config.hopLength();
    }

    /** The mel channels the generator takes (the config's num_mels, 80 when it has none). */
    public int numMels() {
        return config.numMels();
    }

    /** The config's sampling rate (22050 when it has none). */
    public int samplingRate() {
        return config.samplingRate();
    }

    /**
     * The audio of {@code mel}: (N, num_mels, T) to (N, 1, L), or (num_mels, T) to (1, L), L as PyTorch's
     * generator gives it (T x hop when every k - u is even); the mel's dtype. One upload, one download.
     *
     * @throws IllegalArgumentException for a mel of another channel count, or a backend not of the library's
     */
    public Tensor generate(Backend backend, Tensor mel) {
        return generator.forward(backend, mel);
    }

    /**
     * Builds and runs once on zeros every program a {@link #generate} call on a mel of {@code dtype} and
     * {@code melShape} needs (see {@link Block#prepare}), so that the first real call waits for none of them.
     */
    public void prepare(Backend backend, DType dtype, int... melShape) {
        generator.prepare(backend, dtype, melShape);
    }

    /**
     * A stream of the audio of a mel that arrives in chunks of frames, (N, num_mels, t >= 1): each push returns
     * every sample that no later frame changes, finish the rest (the generator's look-ahead); the concatenation
     * equals {@link #generate} on the whole mel. Each layer keeps a bounded history on the backend.
     */
    public ChunkStream stream(Backend backend) {
        return generator.stream(backend);
    }

    /** The generator's layer graph, for inspection. */
    @Override
    public String toString() {
        return "HifiGan(resblock " + config.resblock() + ", rates " + config.upsampleRates() + ", channels "
                + config.upsampleInitialChannel() + ": " + generator + ")";
    }
}
