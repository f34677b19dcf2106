package io.clconvt.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.ConvTranspose1d;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.Tensor;
import io.clconvt.io.Npy;
import io.clconvt.io.StateDict;
import io.clconvt.testing.TestResources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run --weights FILE --layer PREFIX}: one layer of the PyTorch upsampler fixture (whose layers
 * PyTorchCheckpointTest checks against PyTorch) through the command line, in both dtypes, and its refusals.
 */
class RunWeightsTest {
    @TempDir
    Path dir;

    /** A file of the library's test resources (its test-jar), src/test/resources/statedict. */
    private static Path fixture(String name) {
        return TestResources.folder("statedict").resolve(name);
    }

    @Test
    void runsOneLayerOfAStateDictAsTheApiDoes() throws IOException {
        Tensor x32 = Npy.read(fixture("upsampler_x.npy"));
        Tensor x64 = Tensor.of(x32.toDoubleArray(), x32.shape());
        ConvTranspose1dParams params = ConvTranspose1dParams.builder().stride(8).padding(4).build();
        for (String file : List.of("upsampler_weight_norm.safetensors", "upsampler_parametrizations.npz")) {
            ConvTranspose1d layer = ConvTranspose1d.fromStateDict(StateDict.read(fixture(file)), "ups.0", params);
            for (Tensor x : List.of(x32, x64)) {
                Path input = dir.resolve("x.npy");
                Path output = dir.resolve("y.npy");
                Npy.write(input, x);
                CliResult result = CliResult.run("run", "--input", input.toString(), "--weights",
                        fixture(file).toString(), "--layer", "ups.0", "--stride", "8", "--padding", "4",
                        "--backend", "cpu", "--output", output.toString());
                assertEquals(0, result.exitCode(), result::toString);
                Tensor expected;
                try (Backend cpu = Backends.cpu()) {
                    expected = layer.forward(cpu, x);
                }
                Tensor actual = Npy.read(output);
                assertEquals(expected.dtype(), actual.dtype());
                assertArrayEquals(expected.shape(), actual.shape());
                assertArrayEquals(expected.toDoubleArray(), actual.toDoubleArray(), file + " " + x.dtype());
            }
        }
    }

    @Test
    void refusals() throws IOException {
        Path input = dir.resolve("x.npy");
        Files.copy(fixture("upsampler_x.npy"), input);
        String weights = fixture("upsampler_weight_norm.safetensors").toString();
        String output = dir.resolve("y.npy").toString();
        CliResult.run("run", "--input", input.toString(), "--weights", weights, "--output", output)
                .assertInvalidInput("--weights needs --layer");
        CliResult.run("run", "--input", input.toString(), "--weights", weights, "--layer", "ups.0", "--weight",
                input.toString(), "--output", output).assertInvalidInput("excludes --weight");
        CliResult.run("run", "--input", input.toString(), "--output", output)
                .assertInvalidInput("give the weight");
        CliResult.run("run", "--input", input.toString(), "--weights", weights, "--layer", "ups.9", "--output",
                output, "--backend", "cpu").assertInvalidInput("no weight for layer 'ups.9'");
        Path broken = Files.write(dir.resolve("broken.safetensors"), new byte[] {1, 2, 3});
        CliResult.run("run", "--input", input.toString(), "--weights", broken.toString(), "--layer", "ups.0",
                "--output", output, "--backend", "cpu").assertInvalidInput("truncated");
        CliResult.run("run", "--input", input.toString(), "--weights", dir.resolve("absent.npz").toString(),
                "--layer", "ups.0", "--output", output, "--backend", "cpu").assertInvalidInput("cannot read --weights");
    }
}
