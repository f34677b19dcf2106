package io.clconvt.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.clconvt.Tensor;
import io.clconvt.io.Npy;
import io.clconvt.testing.TestTensors;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The tests' generator and corpus, made from seeded tensors ({@link TestTensors}): a HiFi-GAN-style config with
 * upsample_rates [4, 2], kernel sizes [8, 4] and 16 initial channels (hop 8), a state dict as np.savez writes it with
 * ups.0 and conv_post weight-normalised as HiFi-GAN's are, and mels of 16 channels.
 */
final class Corpus {
    static final int CHANNELS = 16;
    static final int HOP = 8;
    static final int SAMPLING_RATE = 16000;
    static final String CONFIG = """
            {"resblock": "1", "upsample_rates": [4, 2], "upsample_kernel_sizes": [8, 4],
             "upsample_initial_channel": 16, "sampling_rate": 16000}
            """;

    private Corpus() {
    }

    /** The state dict's tensors, by key. */
    static Map<String, Tensor> weights() {
        Map<String, Tensor> w = new LinkedHashMap<>();
        w.put("ups.0.weight_g", positive(TestTensors.random(11, 16, 1, 1)));
        w.put("ups.0.weight_v", TestTensors.random(12, 16, 8, 8));
        w.put("ups.0.bias", TestTensors.random(13, 8));
        w.put("ups.1.weight", scaled(TestTensors.random(14, 8, 4, 4), 0.25f));
        w.put("ups.1.bias", TestTensors.random(15, 4));
        w.put("conv_post.weight_g", positive(TestTensors.random(16, 1, 1, 1)));
        w.put("conv_post.weight_v", TestTensors.random(17, 1, 4, 7));
        w.put("conv_post.bias", TestTensors.random(18, 1));
        return w;
    }

    /** Writes config.json and generator.npz into {@code folder}. */
    static void writeGenerator(Path folder) throws IOException {
        Files.writeString(folder.resolve("config.json"), CONFIG);
        try (OutputStream out = Files.newOutputStream(folder.resolve("generator.npz"));
             ZipOutputStream zip = new ZipOutputStream(out)) {
            Path scratch = Files.createTempFile(folder, "tensor", ".npy");
            for (Map.Entry<String, Tensor> entry : weights().entrySet()) {
                Npy.write(scratch, entry.getValue());
                zip.putNextEntry(new ZipEntry(entry.getKey() + ".npy"));
                zip.write(Files.readAllBytes(scratch));
                zip.closeEntry();
            }
            Files.delete(scratch);
        }
    }

    /**
     * Utterance {@code i}'s number of frames, 5 to 60: utterances 2k and 2k + 1 share a length, so that a task's
     * files of consecutive names include equal lengths, which the job decodes in one batch.
     */
    static int frames(int i) {
        return 5 + (i / 2 * 23) % 56;
    }

    /** Utterance {@code i}'s mel, (CHANNELS, frames(i)). */
    static Tensor mel(int i) {
        return TestTensors.random(1000 + i, CHANNELS, frames(i));
    }

    static String id(int i) {
        return String.format("utt%03d", i);
    }

    /** The samples of a WAV file WavFiles wrote, after checking its header. */
    static float[] readWav(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x46464952, b.getInt(0), file + ": RIFF");
        assertEquals(3, b.getShort(20), file + ": IEEE float format");
        assertEquals(1, b.getShort(22), file + ": mono");
        assertEquals(SAMPLING_RATE, b.getInt(24), file + ": sampling rate");
        assertEquals(32, b.getShort(34), file + ": bits per sample");
        int dataBytes = b.getInt(54);
        assertEquals(b.capacity() - 58, dataBytes, file + ": data chunk size");
        float[] samples = new float[dataBytes / 4];
        b.position(58).asFloatBuffer().get(samples);
        return samples;
    }

    private static Tensor positive(Tensor t) {
        float[] v = t.toFloatArray();
        for (int i = 0; i < v.length; i++) {
            v[i] = 0.3f + Math.abs(v[i]);
        }
        return Tensor.of(v, t.shape());
    }

    /** Weights small enough that the output stays mostly short of tanh's saturation, where any error would vanish. */
    private static Tensor scaled(Tensor t, float factor) {
        float[] v = t.toFloatArray();
        for (int i = 0; i < v.length; i++) {
            v[i] *= factor;
        }
        return Tensor.of(v, t.shape());
    }
}
