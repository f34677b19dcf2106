package io.clconvt.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.Tensor;
import io.clconvt.io.Npy;
import io.clconvt.testing.TestResources;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run --op conv1d}: a weight-normalised HiFi-GAN Conv1d layer of a PyTorch state dict against PyTorch's
 * own float64 output (the fixture of the library's Conv1dModuleTest), a hand-worked padding mode, and the
 * refusals.
 */
class RunConv1dTest {
    @TempDir
    Path dir;

    private static Path fixture(String name) {
        return TestResources.folder("statedict").resolve(name);
    }

    @Test
    void readsAConv1dLayerOfAStateDictAsPyTorchComputesIt() throws IOException {
        double[] x = Npy.read(fixture("resblock_x.npy")).toDoubleArray();
        for (int i = 0; i < x.length; i++) {
            x[i] = x[i] < 0 ? x[i] * 0.1 : x[i]; // the leaky ReLU PyTorch applied before the layer, in double
        }
        Path input = dir.resolve("x.npy");
        Npy.write(input, Tensor.of(x, 2, 8, 40));
        Tensor h = Npy.read(fixture("resblock_h.npy"));
        for (String backend : List.of("cpu", "opencl")) {
            Path output = dir.resolve("h-" + backend + ".npy");
            CliResult result = CliResult.run("run", "--op", "conv1d", "--input", input.toString(), "--weights",
                    fixture("resblock.safetensors").toString(), "--layer", "resblocks.0.convs1.0", "--padding", "3",
                    "--dilation", "3", "--backend", backend, "--output", output.toString());
            assertEquals(0, result.exitCode(), result::toString);
            Tensor actual = Npy.read(output);
            assertArrayEquals(h.shape(), actual.shape());
            assertTrue(Tensor.maxRelativeDifference(actual, h) < 1e-12,
                    backend + ": " + Tensor.maxRelativeDifference(actual, h));
        }
    }

    @Test
    void appliesAPaddingMode() throws IOException {
        Path input = dir.resolve("x.npy");
        Path weight = dir.resolve("w.npy");
        Path output = dir.resolve("y.npy");
        Npy.write(input, Tensor.of(new float[] {1, 2, 3, 4, 5}, 1, 5));
        Npy.write(weight, Tensor.of(new float[] {1, 10, 100}, 1, 1, 3));
        CliResult result = CliResult.run("run", "--op", "conv1d", "--input", input.toString(), "--weight",
                weight.toString(), "--padding", "2", "--padding-mode", "reflect", "--backend", "cpu", "--output",
                output.toString());
        assertEquals(0, result.exitCode(), result::toString);
        // Reflected: 3 2 | 1 2 3 4 5 | 4 3; out[t] = p[t] + 10 p[t + 1] + 100 p[t + 2].
        assertArrayEquals(new float[] {123, 212, 321, 432, 543, 454, 345}, Npy.read(output).toFloatArray());
    }

    @Test
    void refusals() throws IOException {
        Path input = dir.resolve("x.npy");
        Path weight = dir.resolve("w.npy");
        String output = dir.resolve("y.npy").toString();
        Npy.write(input, Tensor.of(new float[] {1, 2, 3, 4, 5}, 1, 5));
        Npy.write(weight, Tensor.of(new float[] {1, 10, 100}, 1, 1, 3));
        String x = input.toString();
        String w = weight.toString();
        CliResult.run("run", "--op", "conv1d", "--input", x, "--weight", w, "--padding", "5", "--padding-mode",
                "reflect", "--output", output, "--backend", "cpu").assertInvalidInput("REFLECT");
        CliResult.run("run", "--input", x, "--weight", w, "--padding-mode", "reflect", "--output", output,
                "--backend", "cpu").assertInvalidInput("--padding-mode REFLECT needs --op conv1d");
        CliResult.run("run", "--op", "conv1d", "--convention", "paddle", "--input", x, "--weight", w, "--output",
                output, "--backend", "cpu").assertInvalidInput("torch convention");
        CliResult.run("run", "--op", "conv1d", "--input", x, "--weight", w, "--output-padding", "1", "--output",
                output, "--backend", "cpu").assertInvalidInput("--output-padding");
        CliResult.run("run", "--op", "conv1d", "--input", x, "--weight", w, "--padding", "same", "--stride", "2",
                "--output", output, "--backend", "cpu").assertInvalidInput("SAME needs stride 1");
    }
}
