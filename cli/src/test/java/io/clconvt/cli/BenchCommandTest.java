package io.clconvt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clconvt.bench.BenchmarkShape;
import io.clconvt.testing.OpenClSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench command on small shapes: rows, the JSON other tools read, tuning and bad input. */
class BenchCommandTest {
    private static final String SMALL = "name=small,n=2,cin=16,cout=16,k=4,stride=2,padding=1,lin=24";
    private static final Set<String> JSON_KEYS = Set.of("name", "backend", "variant", "device", "median_ms", "min_ms",
            "wall_median_ms", "gflops", "gbps", "max_rel_err");

    @TempDir
    Path dir;

    @Test
    void jsonHasOneRowPerShapeAndBackendWithExactlyTheDocumentedKeys() throws Exception {
        OpenClSupport.backend().close(); // fails under CI, skips elsewhere, when there is no device
        Path json = dir.resolve("bench.json");
        CliResult result = CliResult.run("bench", "--shape", SMALL, "--shape", SMALL.replace("small", "nlc")
                + ",layout=NLC,dtype=float64", "--runs", "3", "--warmup", "0", "--json", json.toString());
        assertEquals(0, result.exitCode(), result.toString());
        assertTrue(result.out().contains("small") && result.out().contains("GFLOP/s"), result.out());
        JsonNode rows = new ObjectMapper().readTree(json.toFile());
        assertEquals(4, rows.size(), "two shapes times opencl and cpu");
        List<String> backends = new ArrayList<>();
        for (JsonNode row : rows) {
            Set<String> keys = new TreeSet<>();
            row.fieldNames().forEachRemaining(keys::add);
            assertEquals(new TreeSet<>(JSON_KEYS), keys);
            assertTrue(row.get("median_ms").asDouble() > 0 && row.get("min_ms").asDouble() <= row.get("median_ms")
                    .asDouble(), row.toString());
            assertTrue(row.get("max_rel_err").asDouble() < 1e-5, row.toString());
            backends.add(row.get("backend").asText());
        }
        assertEquals(List.of("opencl", "cpu", "opencl", "cpu"), backends);
    }

    @Test
    void dtypeOverridesEveryShapesDtype() throws Exception {
        OpenClSupport.backend().close();
        for (String dtype : List.of("float16", "bfloat16")) {
            Path json = dir.resolve(dtype + ".json");
            CliResult result = CliResult.run("bench", "--shape", SMALL, "--shape", SMALL.replace("small", "nlc")
                    + ",layout=NLC", "--dtype", dtype, "--runs", "2", "--warmup", "0", "--json", json.toString());
            assertEquals(0, result.exitCode(), result.toString());
            assertTrue(result.err().contains("small " + dtype.toUpperCase(java.util.Locale.ROOT) + " opencl")
                    && result.err().contains("nlc " + dtype.toUpperCase(java.util.Locale.ROOT) + " cpu"), result.err());
            JsonNode rows = new ObjectMapper().readTree(json.toFile());
            assertEquals(4, rows.size(), "two shapes times opencl and cpu");
            for (JsonNode row : rows) {
                // Both sides rounded to 16 bits: within two roundings of the dtype.
                assertTrue(row.get("max_rel_err").asDouble() <= 2 * (dtype.equals("float16") ? 0x1p-11 : 0x1p-8)
                        + 1e-5, row.toString());
            }
        }
        CliResult bad = CliResult.run("bench", "--shape", SMALL, "--dtype", "int8");
        assertEquals(2, bad.exitCode(), bad.toString());
        assertTrue(bad.err().contains("float16"), bad.err());
    }

    @Test
    void streamReportsMillisecondsAndAudioPerPush() throws Exception {
        OpenClSupport.backend().close();
        CliResult result = CliResult.run("bench", "--shape", SMALL, "--backend", "opencl", "--runs", "2",
                "--warmup", "0.2", "--stream");
        assertEquals(0, result.exitCode(), result.toString());
        // 8 frames of 256x upsampling make 2048 samples final per push once the histories are full.
        java.util.regex.Matcher row = java.util.regex.Pattern.compile("streaming HiFi-GAN V1 upsampling \\(FLOAT32, "
                + "opencl: .*\\): 8 frames per push, ([0-9.]+) ms per push \\(median; min [0-9.]+\\), 2048 samples per "
                + "push = 92\\.9 ms of audio at 22050 Hz").matcher(result.out());
        assertTrue(row.find(), result.out());
        assertTrue(Double.parseDouble(row.group(1)) > 0, row.group());
    }

    @Test
    void everyVariantIsTimedAndComparedWithPyTorchNumbers() throws Exception {
        OpenClSupport.backend().close();
        Path torch = dir.resolve("torch.jsonl");
        Files.writeString(torch, "{\"name\": \"small\", \"median_ms\": 1.0, \"gflops\": 0.5}\n");
        CliResult result = CliResult.run("bench", "--shape", SMALL, "--variant", "all", "--backend", "opencl",
                "--runs", "2", "--warmup", "0", "--torch", torch.toString());
        assertEquals(0, result.exitCode(), result.toString());
        for (String variant : List.of("direct", "phase(", "tiled(")) {
            assertTrue(result.out().contains(variant), variant + " missing from\n" + result.out());
        }
        assertTrue(result.out().contains("geometric mean ratio to PyTorch, opencl tiled"), result.out());
    }

    @Test
    void tuneStoresAWinnerThatAutoThenUses() throws Exception {
        OpenClSupport.backend().close();
        Path tuning = dir.resolve("tuning.tsv");
        String previous = System.setProperty("clconvt.tuningFile", tuning.toString());
        try {
            CliResult tuned = CliResult.run("bench", "--tune", "--shape", SMALL, "--runs", "2");
            assertEquals(0, tuned.exitCode(), tuned.toString());
            List<String> entries = Files.readAllLines(tuning).stream().filter(l -> !l.startsWith("#")).toList();
            assertEquals(1, entries.size(), entries.toString());
            String[] fields = entries.get(0).split("\t");
            assertEquals(4, fields.length, entries.get(0));
            assertTrue(fields[2].contains("k4 s2 d1"), fields[2]);
            // A plan the built-in rule never picks, so only the file can make AUTO use it.
            Files.writeString(tuning, fields[0] + "\t" + fields[1] + "\t" + fields[2] + "\ttiled:8:2:4\n");
            CliResult auto = CliResult.run("bench", "--shape", SMALL, "--backend", "opencl", "--runs", "3",
                    "--warmup", "0", "--against-rule");
            assertEquals(0, auto.exitCode(), auto.toString());
            assertTrue(auto.out().contains("tiled(8x2,local 4)"), "the tuned plan is not used:\n" + auto.out());
            // the tuned plan timed against the rule's in the same process: a positive ratio per shape
            java.util.regex.Matcher ratio = java.util.regex.Pattern.compile("\\n  small +tiled\\(8x2,local 4\\) +"
                    + "([0-9.]+) \\(quartiles [0-9.]+-[0-9.]+\\)").matcher(auto.out());
            assertTrue(auto.out().contains("auto against the built-in rule") && ratio.find(), auto.out());
            assertTrue(Double.parseDouble(ratio.group(1)) > 0, ratio.group());
        } finally {
            if (previous == null) {
                System.clearProperty("clconvt.tuningFile");
            } else {
                System.setProperty("clconvt.tuningFile", previous);
            }
        }
    }

    @Test
    void theBuiltInSuiteIsTheSharedDecoderSuite() {
        List<String> names = BenchmarkShape.decoderSuite().stream().map(BenchmarkShape::name).toList();
        assertEquals(List.of("hifigan_up1", "hifigan_up2", "hifigan_up3", "hifigan_up4", "encodec_up5", "unet_up",
                "unet_up_nlc", "depthwise_up", "grouped_up", "dilated_s1", "unet_up_f64", "tiny_latency"), names);
        BenchmarkShape grouped = BenchmarkShape.decoderSuite().get(8);
        assertEquals(2.0 * 4 * 256 * 32 * 8 * 512, grouped.flops());
    }

    @Test
    void malformedShapesAreInvalidInput() {
        CliResult.run("bench", "--shape", "name=x,cin=3,cout=4,k=2,lin=5,groups=2", "--backend", "cpu")
                .assertInvalidInput("divisible by groups");
        CliResult.run("bench", "--shape", "name=x,cin=3,k=2,lin=5", "--backend", "cpu")
                .assertInvalidInput("'cout' is required");
        CliResult.run("bench", "--shape", "cin=3,cout=x", "--backend", "cpu").assertInvalidInput("'cout' must be an integer");
        CliResult.run("bench", "--variant", "fast", "--backend", "opencl").assertInvalidInput("--variant");
        CliResult.run("bench", "--shape", "name=x,cin=3,cout=4,k=2,lin=5", "--backend", "cpu", "--warmup", "-1")
                .assertInvalidInput("warm-up seconds must be in [0, 600], got -1.0");
    }
}
