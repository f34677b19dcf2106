package io.clconvt.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.DType;
import io.clconvt.Tensor;
import io.clconvt.io.Npy;
import io.clconvt.testing.TestResources;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code vocode}: the HiFi-GAN fixtures of the library's test resources (src/test/resources/hifigan, PyTorch's
 * float64 audio beside each) through the command line on the CPU and OpenCL, streamed and not, as .npy and as a
 * WAV file whose bytes the test reads itself; and its refusals.
 */
class VocodeCommandTest {
    /** FLOAT32 audio against PyTorch's float64, the library's HifiGanTest bound. */
    private static final double FLOAT32_BOUND = 3e-4;
    /** Streamed against one-shot FLOAT32 audio: the same convolutions, summed in another order at most. */
    private static final double STREAM_BOUND = 1e-5;
    private static final List<String> FIXTURES = List.of("v1_weight_norm", "v3_parametrizations", "custom_plain");

    @TempDir
    Path dir;

    private static Path fixture(String name, String file) {
        return TestResources.folder("hifigan").resolve(name).resolve(file);
    }

    private static double maxAbsoluteDifference(Tensor actual, Tensor reference) {
        assertArrayEquals(reference.shape(), actual.shape(), "shape");
        double[] a = actual.toDoubleArray();
        double[] b = reference.toDoubleArray();
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            double difference = Math.abs(a[i] - b[i]);
            max = Double.isNaN(difference) ? Double.POSITIVE_INFINITY : Math.max(max, difference);
        }
        return max;
    }

    private static void assertWithin(double bound, Tensor actual, Tensor reference, String label) {
        double error = maxAbsoluteDifference(actual, reference);
        assertTrue(error <= bound, String.format("%s: max |difference| %.3e > %.1e", label, error, bound));
    }

    private CliResult vocode(String name, String backend, Path input, String... more) {
        List<String> args = new ArrayList<>(List.of("vocode", "--config", fixture(name, "config.json").toString(),
                "--weights", fixture(name, "generator.safetensors").toString(), "--input", input.toString(),
                "--backend", backend));
        args.addAll(Arrays.asList(more));
        return CliResult.run(args.toArray(String[]::new));
    }

    /** Every fixture, one-shot and in pushes of 3 frames, matches PyTorch; the streamed audio matches the one-shot. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cpu", "opencl"})
    void vocodesTheFixturesAsPyTorchDoes(String backend) throws IOException {
        for (String name : FIXTURES) {
            Path whole = dir.resolve(name + ".npy");
            CliResult result = vocode(name, backend, fixture(name, "mel.npy"), "--output", whole.toString());
            assertEquals(0, result.exitCode(), result::toString);
            assertTrue(result.out().startsWith("wrote " + whole + ": shape "), result.out());
            Tensor reference = Npy.read(fixture(name, "audio.npy"));
            Tensor audio = Npy.read(whole);
            assertEquals(DType.FLOAT32, audio.dtype());
            assertWithin(FLOAT32_BOUND, audio, reference, name + " on " + backend);

            Path streamed = dir.resolve(name + "_streamed.npy");
            result = vocode(name, backend, fixture(name, "mel.npy"), "--stream-frames", "3", "--output",
                    streamed.toString());
            assertEquals(0, result.exitCode(), result::toString);
            assertWithin(STREAM_BOUND, Npy.read(streamed), audio, name + " on " + backend + ", 3-frame pushes");
        }
    }

    /** A float64 mel gives float64 audio within the library's FLOAT64 bound; an unbatched mel unbatched audio. */
    @Test
    void keepsTheMelsDtypeAndRank() throws IOException {
        String name = "custom_plain";
        Tensor mel = Npy.read(fixture(name, "mel.npy"));
        Tensor reference = Npy.read(fixture(name, "audio.npy"));
        Path wide = dir.resolve("mel64.npy");
        Npy.write(wide, Tensor.of(mel.toDoubleArray(), mel.shape()));
        Path output = dir.resolve("audio64.npy");
        for (String frames : List.of("0", "4")) {
            CliResult result = frames.equals("0") ? vocode(name, "cpu", wide, "--output", output.toString())
                    : vocode(name, "cpu", wide, "--output", output.toString(), "--stream-frames", frames);
            assertEquals(0, result.exitCode(), result::toString);
            Tensor audio = Npy.read(output);
            assertEquals(DType.FLOAT64, audio.dtype());
            assertWithin(1e-9, audio, reference, "float64, stream frames " + frames);
        }

        int size = mel.dim(1) * mel.dim(2);
        Path second = dir.resolve("mel_second.npy");
        Npy.write(second, Tensor.of(Arrays.copyOfRange(mel.toFloatArray(), size, 2 * size), mel.dim(1), mel.dim(2)));
        int length = reference.dim(2);
        Tensor expected = Tensor.of(Arrays.copyOfRange(reference.toDoubleArray(), length, 2 * length), 1, length);
        for (String frames : List.of("0", "1")) {
            CliResult result = frames.equals("0") ? vocode(name, "cpu", second, "--output", output.toString())
                    : vocode(name, "cpu", second, "--output", output.toString(), "--stream-frames", frames);
            assertEquals(0, result.exitCode(), result::toString);
            assertWithin(FLOAT32_BOUND, Npy.read(output), expected, "unbatched, stream frames " + frames);
        }
    }

    /**
     * The WAV file's header fields and samples, read from its bytes: RIFF/WAVE, PCM, one channel, the config's
     * sampling rate, 16 bits, and each sample round(clip(audio) x 32767) of the .npy written beside it.
     */
    @Test
    void writesSixteenBitPcmAtTheConfigsRate() throws IOException {
        Path npy = dir.resolve("audio.npy");
        Path wav = dir.resolve("audio.wav");
        CliResult result = vocode("v1_weight_norm", "cpu", fixture("v1_weight_norm", "mel.npy"), "--output",
                npy.toString(), "--wav", wav.toString());
        assertEquals(0, result.exitCode(), result::toString);
        assertTrue(result.out().contains("wrote " + wav + ": 192 samples, 16-bit PCM mono, 22050 Hz"), result.out());
        assertWav(wav, 22050, Npy.read(npy).toDoubleArray());

        // the custom generator's config says 16000 Hz; one sample of its batch, streamed
        Tensor mel = Npy.read(fixture("custom_plain", "mel.npy"));
        Path one = dir.resolve("one.npy");
        Npy.write(one, Tensor.of(Arrays.copyOf(mel.toFloatArray(), mel.dim(1) * mel.dim(2)), 1, mel.dim(1),
                mel.dim(2)));
        result = vocode("custom_plain", "cpu", one, "--wav", wav.toString(), "--output", npy.toString(),
                "--stream-frames", "2");
        assertEquals(0, result.exitCode(), result::toString);
        double[] audio = Npy.read(npy).toDoubleArray();
        assertEquals(136, audio.length);
        assertWav(wav, 16000, audio);
    }

    private static void assertWav(Path wav, int rate, double[] audio) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(wav)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(44 + 2 * audio.length, bytes.limit(), "file size");
        assertEquals("RIFF", tag(bytes, 0));
        assertEquals(36 + 2 * audio.length, bytes.getInt(4), "RIFF chunk size");
        assertEquals("WAVE", tag(bytes, 8));
        assertEquals("fmt ", tag(bytes, 12));
        assertEquals(16, bytes.getInt(16), "fmt chunk size");
        assertEquals(1, bytes.getShort(20), "PCM");
        assertEquals(1, bytes.getShort(22), "channels");
        assertEquals(rate, bytes.getInt(24), "sample rate");
        assertEquals(2 * rate, bytes.getInt(28), "bytes per second");
        assertEquals(2, bytes.getShort(32), "block align");
        assertEquals(16, bytes.getShort(34), "bits per sample");
        assertEquals("data", tag(bytes, 36));
        assertEquals(2 * audio.length, bytes.getInt(40), "data size");
        boolean loud = false;
        for (int i = 0; i < audio.length; i++) {
            long expected = Math.round(Math.max(-1, Math.min(1, audio[i])) * 32767);
            assertEquals(expected, bytes.getShort(44 + 2 * i), "sample " + i + " of " + audio[i]);
            loud |= Math.abs(expected) > 16384;
        }
        assertTrue(loud, "the fixture's audio reaches beyond half scale, so the scaling is seen");
    }

    private static String tag(ByteBuffer bytes, int at) {
        byte[] four = new byte[4];
        bytes.get(at, four);
        return new String(four, StandardCharsets.US_ASCII);
    }

    /** Clipping, scaling and rounding of single samples, which the generator's tanh never takes out of range. */
    @Test
    void samplesAreClippedScaledAndRounded() {
        double[] samples = {-2, -1, -0.5, 0, 0.25, 0.5, 1, 1.5, Double.NaN, Double.POSITIVE_INFINITY};
        short[] expected = {-32767, -32767, -16383, 0, 8192, 16384, 32767, 32767, 0, 32767};
        for (int i = 0; i < samples.length; i++) {
            assertEquals(expected[i], Wav.pcm16(samples[i]), "sample " + samples[i]);
        }
    }

    @Test
    void refusals() throws IOException {
        String name = "v1_weight_norm";
        Path mel = fixture(name, "mel.npy");
        String out = dir.resolve("audio.npy").toString();
        vocode(name, "cpu", mel).assertInvalidInput("give --output audio.npy, --wav audio.wav, or both");
        vocode(name, "cpu", mel, "--output", out, "--stream-frames", "0")
                .assertInvalidInput("--stream-frames must be at least 1, got 0");
        vocode(name, "cpu", mel, "--output", dir.toString()).assertInvalidInput("is a directory");
        vocode(name, "cpu", mel, "--wav", dir.resolve("absent/a.wav").toString()).assertInvalidInput("does not exist");
        vocode("custom_plain", "cpu", fixture("custom_plain", "mel.npy"), "--wav", dir.resolve("a.wav").toString())
                .assertInvalidInput("holds 2 samples");
        vocode(name, "cpu", dir.resolve("absent.npy"), "--output", out).assertInvalidInput("cannot read --input");
        // custom_plain's mel has 20 channels; v1_weight_norm takes 80: refused before a backend opens
        vocode(name, "opencl", fixture("custom_plain", "mel.npy"), "--output", out)
                .assertInvalidInput("has 20 mel channels");

        Path rank1 = dir.resolve("rank1.npy");
        Npy.write(rank1, Tensor.of(new float[80], 80));
        vocode(name, "cpu", rank1, "--output", out).assertInvalidInput("got shape (80,)");
        Path fewMels = dir.resolve("mel79.npy");
        Npy.write(fewMels, Tensor.of(new float[79 * 3], 1, 79, 3));
        vocode(name, "cpu", fewMels, "--output", out).assertInvalidInput("79");

        Path badConfig = dir.resolve("config.json");
        Files.writeString(badConfig, Files.readString(fixture(name, "config.json"))
                .replace("\"resblock\": \"1\"", "\"resblock\": \"3\""));
        CliResult.run("vocode", "--config", badConfig.toString(), "--weights",
                fixture(name, "generator.safetensors").toString(), "--input", mel.toString(), "--output", out,
                "--backend", "cpu").assertInvalidInput("resblock");
        CliResult.run("vocode", "--config", dir.resolve("absent.json").toString(), "--weights",
                fixture(name, "generator.safetensors").toString(), "--input", mel.toString(), "--output", out,
                "--backend", "cpu").assertInvalidInput("absent.json");
        CliResult.run("vocode", "--config", fixture(name, "config.json").toString(), "--weights",
                fixture("custom_plain", "generator.safetensors").toString(), "--input", mel.toString(), "--output",
                out, "--backend", "cpu").assertInvalidInput("conv_pre");
        CliResult.run("vocode", "--config", fixture(name, "config.json").toString(), "--weights",
                dir.resolve("absent.npz").toString(), "--input", mel.toString(), "--output", out)
                .assertInvalidInput("cannot read --weights");
        CliResult.run("vocode", "--weights", fixture(name, "generator.safetensors").toString(), "--input",
                mel.toString(), "--output", out).assertInvalidInput("--config");
        assertTrue(Files.notExists(Path.of(out)), "no refusal wrote audio");
    }
}
