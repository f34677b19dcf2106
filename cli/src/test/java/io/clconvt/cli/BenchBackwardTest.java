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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench --backward: the gradient calls of both operations, checked, timed and set beside PyTorch's. */
class BenchBackwardTest {
    private static final double U = 0x1p-24;
    private static final String SMALL = "name=small,n=2,cin=16,cout=16,k=4,stride=2,padding=1,lin=24";
    private static final Set<String> JSON_KEYS = Set.of("name", "backend", "variant", "device", "wall_median_ms",
            "wall_min_ms", "input_rel_err", "weight_rel_err", "bias_rel_err");

    @TempDir
    Path dir;

    @Test
    void transposedGradientTolerancesCountEachGradientsReduction() {
        double[] tolerances = BenchmarkShape.parse(SMALL).gradientTolerances();
        // dx: Cout * K = 64 products; dw: N * Lin = 48; the bias: N * Lout = 2 * 48 = 96.
        assertEquals(4 * 64 * U, tolerances[0]);
        assertEquals(4 * 48 * U, tolerances[1]);
        assertEquals(4 * 96 * U, tolerances[2]);
    }

    @Test
    void transposedBackwardRowsAreCheckedAndComparedWithPyTorch() throws Exception {
        OpenClSupport.backend().close(); // fails under CI, skips elsewhere, when there is no device
        Path torch = dir.resolve("backward.jsonl");
        Files.writeString(torch, "{\"peer\": \"backward_reference conv_transpose1d\"}\n"
                + "{\"name\": \"small\", \"op\": \"conv_transpose1d\", \"median_ms\": 30.0, \"gflops\": 0.1}\n");
        Path json = dir.resolve("backward.json");
        CliResult result = CliResult.run("bench", "--backward", "--shape", SMALL, "--shape",
                SMALL.replace("small", "nlc") + ",layout=NLC,dtype=float64", "--runs", "3", "--warmup", "0",
                "--torch", torch.toString(), "--json", json.toString());
        assertEquals(0, result.exitCode(), result.toString());
        JsonNode rows = new ObjectMapper().readTree(json.toFile());
        List<String> rowNames = new ArrayList<>();
        for (JsonNode row : rows) {
            Set<String> keys = new TreeSet<>();
            row.fieldNames().forEachRemaining(keys::add);
            assertEquals(new TreeSet<>(JSON_KEYS), keys);
            rowNames.add(row.get("name").asText() + " " + row.get("backend").asText());
            double limit = row.get("name").asText().equals("nlc") ? 1e-13 : 1e-5;
            for (String error : List.of("input_rel_err", "weight_rel_err", "bias_rel_err")) {
                assertTrue(row.get(error).asDouble() <= limit, error + " in " + row);
            }
            assertTrue(row.get("wall_min_ms").asDouble() > 0
                    && row.get("wall_min_ms").asDouble() <= row.get("wall_median_ms").asDouble(), row.toString());
        }
        assertEquals(List.of("small opencl", "small cpu", "nlc opencl", "nlc cpu"), rowNames);
        double openClMs = rows.get(0).get("wall_median_ms").asDouble();
        Matcher line = Pattern.compile("\\nsmall +opencl .* 30\\.000 +([0-9.]+)x\\n").matcher(result.out());
        assertTrue(line.find(), result.out());
        assertEquals(30 / openClMs, Double.parseDouble(line.group(1)), 0.01 * 30 / openClMs + 0.01, line.group());
        assertTrue(result.out().contains("geometric mean ratio to PyTorch's backward, opencl auto: "), result.out());
        assertTrue(result.out().contains("over 1 of 2 shapes"), "nlc has no PyTorch row:\n" + result.out());
    }

    @Test
    void convolutionBackwardRunsOnTheResblocksSuitesOperation() throws Exception {
        OpenClSupport.backend().close();
        Path json = dir.resolve("conv1d.json");
        CliResult result = CliResult.run("bench", "--backward", "--suite", "resblocks", "--shape",
                "name=dilated,cin=8,cout=6,k=3,padding=3,dilation=3,lin=40", "--runs", "2", "--warmup", "0", "--json",
                json.toString());
        assertEquals(0, result.exitCode(), result.toString());
        assertTrue(result.err().contains("dilated FLOAT32 backward opencl auto"), result.err());
        JsonNode rows = new ObjectMapper().readTree(json.toFile());
        assertEquals(2, rows.size(), rows.toString());
        for (JsonNode row : rows) {
            // dx sums 6 * 3 products, dw and the bias 40.
            assertTrue(row.get("input_rel_err").asDouble() <= 4 * 18 * U, row.toString());
            assertTrue(row.get("weight_rel_err").asDouble() <= 4 * 40 * U, row.toString());
            assertTrue(row.get("bias_rel_err").asDouble() <= 4 * 40 * U, row.toString());
        }
    }

    @Test
    void backwardAloneIsTimed() {
        CliResult.run("bench", "--backward", "--stream", "--shape", SMALL, "--backend", "cpu")
                .assertInvalidInput("--backward times the backward calls alone");
    }
}
