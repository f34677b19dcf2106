package io.clconvt.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clconvt.bench.RandomHifiGan;
import io.clconvt.io.StateDict;
import io.clconvt.testing.OpenClSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench --hifigan: random generators of the official shapes, timed whole and streamed. */
class BenchHifiGanTest {
    /** Two 2x stages of 16 then 8 then 4 channels, one residual block kind: hop 4, tiny and fast to build. */
    private static final String TINY = "{\"resblock\": \"1\", \"upsample_rates\": [2, 2], \"upsample_kernel_sizes\": "
            + "[4, 4], \"upsample_initial_channel\": 16, \"resblock_kernel_sizes\": [3], \"resblock_dilation_sizes\": "
            + "[[1, 3]], \"num_mels\": 8, \"sampling_rate\": 16000}";

    @TempDir
    Path dir;

    @Test
    void builtInConfigsHaveTheOfficialKeysShapesAndParameterCounts() {
        // Counted from the reference generators (hifigan_reference.py) with weight normalisation removed.
        StateDict v1 = RandomHifiGan.of("v1").weights(1);
        assertEquals(156, v1.keys().size());
        assertEquals(13_926_017, RandomHifiGan.parameterCount(v1));
        assertArrayEquals(new int[] {512, 256, 16}, v1.get("ups.0.weight").shape());
        assertArrayEquals(new int[] {32, 32, 11}, v1.get("resblocks.11.convs2.2.weight").shape());
        assertArrayEquals(new int[] {1, 32, 7}, v1.get("conv_post.weight").shape());
        StateDict v2 = RandomHifiGan.of("V2").weights(1);
        assertEquals(925_985, RandomHifiGan.parameterCount(v2));
        assertArrayEquals(new int[] {8, 8, 11}, v2.get("resblocks.11.convs2.2.weight").shape());
        StateDict v3 = RandomHifiGan.of("v3").weights(1);
        assertEquals(46, v3.keys().size());
        assertEquals(1_462_273, RandomHifiGan.parameterCount(v3));
        assertArrayEquals(new int[] {128, 128, 3}, v3.get("resblocks.0.convs.1.weight").shape());
        assertArrayEquals(new int[] {32, 32, 7}, v3.get("resblocks.8.convs.1.weight").shape());
    }

    @Test
    void weightsDependOnlyOnTheSeed() {
        RandomHifiGan v2 = RandomHifiGan.of("v2");
        float[] first = v2.weights(7).get("resblocks.4.convs1.1.weight").toFloatArray();
        assertArrayEquals(first, v2.weights(7).get("resblocks.4.convs1.1.weight").toFloatArray());
        assertFalse(Arrays.equals(first, v2.weights(8).get("resblocks.4.convs1.1.weight").toFloatArray()));
        // uniform in +-sqrt(3 / (Cin * K)) = +-sqrt(3 / (32 * 7))
        double bound = Math.sqrt(3.0 / (32 * 7));
        double max = 0;
        for (float w : first) {
            max = Math.max(max, Math.abs(w));
        }
        assertTrue(max <= bound && max > 0.9 * bound, max + " against " + bound);
    }

    @Test
    void aConfigFileIsTimedWholeAndStreamedBesidePyTorch() throws Exception {
        OpenClSupport.backend().close(); // fails under CI, skips elsewhere, when there is no device
        Path config = dir.resolve("tiny.json");
        Files.writeString(config, TINY);
        Path torch = dir.resolve("hifigan.jsonl");
        Files.writeString(torch, "{\"name\": \"hifigan_tiny\", \"frames\": 24, \"samples\": 96, \"median_ms\": 50.0}\n");
        Path json = dir.resolve("hifigan.json");
        CliResult result = CliResult.run("bench", "--hifigan", config.toString(), "--frames", "24", "--runs", "4",
                "--warmup", "0", "--torch", torch.toString(), "--json", json.toString());
        assertEquals(0, result.exitCode(), result.toString());
        JsonNode row = new ObjectMapper().readTree(json.toFile()).get(0);
        assertEquals("tiny", row.get("name").asText());
        assertEquals(24, row.get("frames").asInt());
        assertEquals(96, row.get("samples").asInt(), "24 frames at hop 2 * 2");
        assertEquals(16000, row.get("sampling_rate").asInt());
        assertTrue(row.get("runs").asInt() >= 3 && row.get("runs").asInt() <= 4, row.toString());
        assertEquals(32, row.get("samples_per_push").asInt(), "8 frames at hop 4 once the stream is steady");
        // conv_pre alone waits for 3 frames (K 7, padding 3): at least 12 samples, and never a whole push's worth
        // more than the warm-up's pushes
        long heldBack = row.get("held_back_samples").asLong();
        assertTrue(heldBack >= 12 && heldBack < 96, row.toString());
        double median = row.get("median_ms").asDouble();
        assertTrue(row.get("min_ms").asDouble() <= median && row.get("first_ms").asDouble() > 0, row.toString());
        Matcher line = Pattern.compile("\\ntiny +opencl auto +0\\.00M +24 +96 .* ([0-9.]+) +([0-9.]+) +[0-9.]+ +[0-9.]+ "
                + "+32 +" + heldBack + " \\([0-9.]+ ms\\) +50\\.00 +([0-9.]+) +([0-9.]+)x\\n").matcher(result.out());
        assertTrue(line.find(), result.out());
        double audioSeconds = 96 / 16000.0;
        assertEquals(median / audioSeconds, Double.parseDouble(line.group(1)), 0.06, line.group());
        assertEquals(audioSeconds * 1000 / median, Double.parseDouble(line.group(2)), 0.006, line.group());
        assertEquals(audioSeconds * 1000 / 50, Double.parseDouble(line.group(3)), 0.006, line.group());
        assertEquals(50 / median, Double.parseDouble(line.group(4)), 0.01 * 50 / median + 0.006, line.group());
    }

    @Test
    void badChoicesAreInvalidInput() {
        CliResult.run("bench", "--hifigan", "v4").assertInvalidInput(
                "--hifigan must be v1, v2, v3 or a config.json file, got 'v4'");
        CliResult.run("bench", "--hifigan", "v1", "--frames", "0").assertInvalidInput("--frames must be at least 1, got 0");
        CliResult.run("bench", "--hifigan", "v1", "--backward").assertInvalidInput("--hifigan times generators alone");
    }
}
