package io.clconvt.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clconvt.Tensor;
import io.clconvt.io.StateDict;
import io.clconvt.models.HifiGan;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A HiFi-GAN generator of the official shapes (the paper's V1, V2 and V3, whose {@code config.json} files are
 * built into the jar, or any config file) with seeded random weights under the official key names, for timing
 * and for the demo. Each convolution's weight is uniform in +-sqrt(3 / taps), taps being the products one
 * output sums (Cin * K, over the stride for a transposed convolution), which keeps every activation of order
 * one, as trained weights do (PyTorch's default initialisation would shrink the signal at every layer until
 * the output is a constant); biases are uniform in +-0.05.
 */
public final class RandomHifiGan {
    /** The built-in configurations. */
    public static final List<String> BUILT_IN = List.of("v1", "v2", "v3");
    private static final double BIAS_BOUND = 0.05;

    private final String name;
    private final String configText;
    private final JsonNode config;

    private RandomHifiGan(String name, String configText) {
        this.name = name;
        this.configText = configText;
        try {
            this.config = new ObjectMapper().readTree(configText);
        } catch (IOException e) {
            throw new IllegalArgumentException("the HiFi-GAN config " + name + " is not valid JSON: "
                    + e.getMessage(), e);
        }
    }

    /**
     * The built-in configuration {@code v1}, {@code v2} or {@code v3} (any case), or the config file of that
     * path (named after the file).
     *
     * @throws IllegalArgumentException for another name that is not a readable file
     */
    public static RandomHifiGan of(String nameOrFile) {
        String lower = nameOrFile.toLowerCase(Locale.ROOT);
        if (BUILT_IN.contains(lower)) {
            try (InputStream in = RandomHifiGan.class.getResourceAsStream("hifigan_" + lower + ".json")) {
                if (in == null) {
                    throw new IllegalStateException("the built-in config hifigan_" + lower + ".json is missing");
                }
                return new RandomHifiGan(lower, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the built-in config hifigan_" + lower + ".json", e);
            }
        }
        Path file = Path.of(nameOrFile);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--hifigan must be v1, v2, v3 or a config.json file, got '"
                    + nameOrFile + "'");
        }
        try {
            String fileName = file.getFileName().toString();
            return new RandomHifiGan(fileName.replaceFirst("\\.json$", ""), Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the HiFi-GAN config " + file, e);
        }
    }

    public String name() {
        return name;
    }

    public int numMels() {
        return config.has("num_mels") ? config.get("num_mels").asInt() : 80;
    }

    /**
     * This config's generator with {@code weights}, e.g. those of {@link #weights(long)}.
     *
     * @throws IllegalArgumentException if the library refuses the config or the weights
     */
    public HifiGan load(StateDict weights) {
        try {
            Path file = Files.createTempFile("clconvt-hifigan-" + name, ".json");
            try {
                Files.writeString(file, configText);
                return HifiGan.load(file, weights);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the HiFi-GAN config to a temporary file", e);
        }
    }

    /**
     * Random float32 weights of this config's generator under the official keys, the same for the same seed:
     * {@code conv_pre}, {@code ups.i}, {@code resblocks.j.convs1.k} and {@code convs2.k} (resblock "1") or
     * {@code convs.k} (resblock "2"), {@code conv_post}, each with {@code .weight} and {@code .bias}.
     */
    public StateDict weights(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        int channels = config.get("upsample_initial_channel").asInt();
        JsonNode rates = config.get("upsample_rates");
        JsonNode kernels = config.get("upsample_kernel_sizes");
        JsonNode resblockKernels = config.get("resblock_kernel_sizes");
        JsonNode dilations = config.get("resblock_dilation_sizes");
        boolean resblockOne = config.get("resblock").asText().equals("1");
        conv(tensors, random, "conv_pre", channels, numMels(), 7);
        int resblock = 0;
        for (int i = 0; i < rates.size(); i++) {
            int in = channels >> i;
            int out = channels >> (i + 1);
            int k = kernels.get(i).asInt();
            // ConvTranspose1d weights are (Cin, Cout, K); each output sums Cin * K / stride products.
            tensors.put("ups." + i + ".weight", uniform(random, Math.sqrt(3.0 * rates.get(i).asInt() / (in * k)),
                    in, out, k));
            tensors.put("ups." + i + ".bias", uniform(random, BIAS_BOUND, out));
            for (int j = 0; j < resblockKernels.size(); j++, resblock++) {
                int kernel = resblockKernels.get(j).asInt();
                String prefix = "resblocks." + resblock;
                for (int d = 0; d < dilations.get(j).size(); d++) {
                    if (resblockOne) {
                        conv(tensors, random, prefix + ".convs1." + d, out, out, kernel);
                        conv(tensors, random, prefix + ".convs2." + d, out, out, kernel);
                    } else {
                        conv(tensors, random, prefix + ".convs." + d, out, out, kernel);
                    }
                }
            }
        }
        conv(tensors, random, "conv_post", 1, channels >> rates.size(), 7);
        return StateDict.of(tensors);
    }

    /** The number of weights and biases in {@code weights}. */
    public static long parameterCount(StateDict weights) {
        return weights.keys().stream().mapToLong(key -> weights.get(key).size()).sum();
    }

    /** A Conv1d's (Cout, Cin, K) weight and its bias. */
    private static void conv(Map<String, Tensor> tensors, SplittableRandom random, String prefix, int out, int in,
            int kernel) {
        tensors.put(prefix + ".weight", uniform(random, Math.sqrt(3.0 / (in * kernel)), out, in, kernel));
        tensors.put(prefix + ".bias", uniform(random, BIAS_BOUND, out));
    }

    private static Tensor uniform(SplittableRandom random, double bound, int... shape) {
        int size = 1;
        for (int dim : shape) {
            size = Math.multiplyExact(size, dim);
        }
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) random.nextDouble(-bound, bound);
        }
        return Tensor.of(values, shape);
    }
}
