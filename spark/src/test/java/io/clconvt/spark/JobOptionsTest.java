package io.clconvt.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The job's command line and its refusals, each naming the option. */
class JobOptionsTest {
    private static final String[] REQUIRED = {"--config", "c.json", "--weights", "g.npz", "--input", "mels",
            "--output", "out.parquet"};

    @Test
    void formatsFollowThePathsUnlessGiven() {
        JobOptions options = JobOptions.parse(REQUIRED);
        assertEquals(Path.of("c.json"), options.config());
        assertEquals("npy", options.inputFormat());
        assertEquals("parquet", options.outputFormat());
        assertEquals(1, options.batchSize());
        assertEquals(false, options.skipBad());
        JobOptions given = JobOptions.parse(concat(REQUIRED, "--output-format", "wav", "--skip-bad", "--batch-size", "8"));
        assertEquals("wav", given.outputFormat());
        assertEquals(8, given.batchSize());
        assertTrue(given.skipBad());
    }

    @Test
    void refusesWhatItCannotRun() {
        assertMessage("--input is required", "--config", "c.json", "--weights", "g.npz", "--output", "o");
        assertMessage("unknown option '--masterr'", concat(REQUIRED, "--masterr"));
        assertMessage("--batch-size must be a positive integer, got '0'", concat(REQUIRED, "--batch-size", "0"));
        assertMessage("--output-format must be one of wav, parquet, got 'flac'", concat(REQUIRED, "--output-format", "flac"));
        assertMessage("--weights needs a value", "--config", "c.json", "--weights");
        assertMessage("--no-spark decodes .npy files to .wav files only", concat(REQUIRED, "--no-spark"));
    }

    @Test
    void addsThePluginToTheUsersPlugins() {
        String ours = ClconvtSparkPlugin.class.getName();
        assertEquals(ours, DecodeJob.withPlugin(""));
        assertEquals("com.example.P," + ours, DecodeJob.withPlugin("com.example.P"));
        assertEquals("com.example.P," + ours, DecodeJob.withPlugin("com.example.P," + ours));
    }

    private static void assertMessage(String expected, String... args) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobOptions.parse(args));
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
