package io.clconvt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clconvt.DType;
import io.clconvt.bench.Conv1dShape;
import io.clconvt.testing.OpenClSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench --suite resblocks: the suite's shapes, convolution rows, PyTorch's and OpenBLAS's columns, bad input. */
class BenchResblocksTest {
    private static final double U = 0x1p-24;

    @TempDir
    Path dir;

    @Test
    void theSuiteIsTheConvolutionsOfHifiGanV1sResidualBlocksForOneSecond() {
        // Channels and length after each upsampling stage of 86 frames: 8x, 8x, 2x, 2x.
        int[][] stages = {{256, 688}, {128, 5504}, {64, 11008}, {32, 22016}};
        List<String> expected = new ArrayList<>();
        for (int[] stage : stages) {
            for (int k : new int[] {3, 7, 11}) {
                for (int d : new int[] {1, 3, 5}) {
                    expected.add(String.format(Locale.ROOT, "rb_c%d_k%d_d%d n1 cin%d cout%d s1 p%d g1 lin%d NCL FLOAT32",
                            stage[0], k, d, stage[0], stage[0], (k * d - d) / 2, stage[1]));
                }
            }
        }
        List<String> actual = Conv1dShape.resblocksSuite().stream().map(s -> String.format(Locale.ROOT,
                "%s n%d cin%d cout%d s%d p%d g%d lin%d %s %s", s.name(), s.n(), s.cin(), s.cout(), s.stride(),
                s.padding(), s.groups(), s.lin(), s.layout(), s.dtype())).toList();
        assertEquals(expected, actual);
        for (Conv1dShape shape : Conv1dShape.resblocksSuite()) {
            assertEquals(shape.lin(), shape.outputLength(), shape.name() + ": the padding keeps the length");
            assertTrue(shape.name().endsWith("_k" + shape.k() + "_d" + shape.dilation()), shape.name());
        }
        Conv1dShape last = Conv1dShape.resblocksSuite().get(35);
        assertEquals(2.0 * 32 * 32 * 11 * 22016, last.flops());
    }

    @Test
    void convolutionFlopsAndTolerancesCountTheOutputsReduction() {
        Conv1dShape strided = Conv1dShape.parse("name=s,n=2,cin=12,cout=8,k=5,stride=2,padding=1,groups=4,lin=21");
        // Lout = (21 + 2 - 5) / 2 + 1 = 10; each output sums (12 / 4) * 5 products.
        assertEquals(10, strided.outputLength());
        assertEquals(2.0 * 2 * 8 * 3 * 5 * 10, strided.flops());
        assertEquals(4 * 15 * U, strided.tolerance());
        // dx: (8 / 4) * ceil(5 / 2) = 6 products per input position; dw and the bias: N * Lout = 20.
        double[] gradients = strided.gradientTolerances();
        assertEquals(4 * 6 * U, gradients[0]);
        assertEquals(4 * 20 * U, gradients[1]);
        assertEquals(4 * 20 * U, gradients[2]);
        assertEquals(4 * 15 * 0x1p-53, strided.withDtype(DType.FLOAT64).tolerance());
    }

    @Test
    void onlyTheNamedShapesAreTimedBesidePyTorchAndTheSgemmCeiling() throws Exception {
        OpenClSupport.backend().close(); // fails under CI, skips elsewhere, when there is no device
        Path torch = dir.resolve("conv1d.jsonl");
        Files.writeString(torch, "{\"peer\": \"conv1d_reference\", \"openblas_core\": \"Haswell\"}\n"
                + "{\"name\": \"dilated\", \"median_ms\": 40.0, \"gflops\": 0.1}\n");
        Path sgemm = dir.resolve("gemm.json");
        Files.writeString(sgemm, "{\"name\": \"sgemm_2048\", \"gflops\": 100.0, \"dgemm_gflops\": 50.0, "
                + "\"openblas_core\": \"Haswell\"}\n");
        Path json = dir.resolve("rows.json");
        CliResult result = CliResult.run("bench", "--suite", "resblocks",
                "--shape", "name=dilated,cin=8,cout=6,k=3,padding=3,dilation=3,lin=40",
                "--shape", "name=skipped,cin=4,cout=4,k=3,lin=10", "--only", "dilated", "--runs", "3", "--warmup", "0",
                "--torch", torch.toString(), "--sgemm", sgemm.toString(), "--json", json.toString());
        assertEquals(0, result.exitCode(), result.toString());
        assertTrue(!result.out().contains("skipped") && !result.err().contains("skipped"), result.toString());
        JsonNode rows = new ObjectMapper().readTree(json.toFile());
        assertEquals(2, rows.size(), "one shape on opencl and the cpu");
        for (JsonNode row : rows) {
            assertEquals("dilated", row.get("name").asText());
            assertTrue(row.get("max_rel_err").asDouble() <= 4 * 24 * U, row.toString());
            double median = row.get("median_ms").asDouble();
            double wall = row.get("wall_median_ms").asDouble();
            // 2 * 6 * 8 * 3 * 40 flops
            assertEquals(2.0 * 6 * 8 * 3 * 40 / median / 1e6, row.get("gflops").asDouble(), 1e-9);
            Matcher line = Pattern.compile("\\ndilated +" + row.get("backend").asText() + " .* ([0-9.]+)%  +40\\.000 +"
                    + "[0-9.]+ +([0-9.]+)x +([0-9.]+)x\\n").matcher(result.out());
            assertTrue(line.find(), result.out());
            assertEquals(Math.round(100 * row.get("gflops").asDouble() / 100.0), Double.parseDouble(line.group(1)), 1);
            assertEquals(40 / median, Double.parseDouble(line.group(2)), 0.01 * 40 / median + 0.01, line.group());
            assertEquals(40 / wall, Double.parseDouble(line.group(3)), 0.01 * 40 / wall + 0.01, line.group());
        }
        assertTrue(result.out().contains("OpenBLAS ceiling (sgemm_ceiling.py, core Haswell): sgemm 100.0 GFLOP/s, "
                + "dgemm 50.0 GFLOP/s"), result.out());
        assertTrue(Pattern.compile("geometric mean ratio to PyTorch, opencl auto: [0-9.]+x over 1 of 1 shapes \\(wall: "
                + "[0-9.]+x\\)").matcher(result.out()).find(), result.out());
    }

    @Test
    void aShapeOfTheBuiltInSuiteRunsByName() throws Exception {
        OpenClSupport.backend().close();
        CliResult result = CliResult.run("bench", "--suite", "resblocks", "--only", "rb_c32_k3_d1", "--backend", "opencl",
                "--runs", "2", "--warmup", "0");
        assertEquals(0, result.exitCode(), result.toString());
        assertEquals(1, result.out().lines().filter(line -> line.startsWith("rb_c32_k3_d1  opencl")).count(),
                result.out());
    }

    @Test
    void badSelectionsAreInvalidInput() {
        CliResult.run("bench", "--suite", "resblocks", "--only", "rb_c999_k3_d1", "--backend", "cpu")
                .assertInvalidInput("--only: no shape named 'rb_c999_k3_d1' in the resblocks suite");
        CliResult.run("bench", "--suite", "encoder", "--backend", "cpu")
                .assertInvalidInput("--suite must be 'decoder' or 'resblocks', got 'encoder'");
        CliResult.run("bench", "--suite", "resblocks", "--only", "rb_c32_k3_d1", "--tune")
                .assertInvalidInput("--tune and --against-rule time transposed-convolution plans");
        CliResult.run("bench", "--suite", "resblocks", "--shape", "name=x,cin=4,cout=4,k=9,lin=5", "--backend", "cpu")
                .assertInvalidInput("shorter than the kernel's span (9)");
    }
}
