package io.clconvt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.io.Npy;
import io.clconvt.io.StateDict;
import io.clconvt.testing.Accuracy;
import io.clconvt.testing.OpenClSupport;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * A weight-normalised HiFi-GAN-style upsampler exported from PyTorch ({@code src/test/resources/statedict/
 * make_fixtures.py}) as .safetensors and .npz, with both weight_norm key conventions, loaded with
 * {@link ConvTranspose1d#fromStateDict} and run on the CPU and OpenCL backends in FLOAT32 and FLOAT64 against
 * PyTorch's float64 outputs: each layer within {@link Accuracy}'s bound given PyTorch's input to it, and the whole
 * FLOAT64 stack end to end.
 */
class PyTorchCheckpointTest {
    private static final List<String> FILES = List.of("upsampler_weight_norm.safetensors", "upsampler_weight_norm.npz",
            "upsampler_parametrizations.safetensors", "upsampler_parametrizations.npz");
    private static final Activation LEAKY = Activation.leakyRelu(0.1);
    private static final List<String> LAYERS = List.of("ups.0", "ups.1", "post");
    /** What the state dict does not say: each layer's hyper-parameters, as the PyTorch model sets them. */
    private static final List<ConvTranspose1dParams> PARAMS = List.of(
            ConvTranspose1dParams.builder().stride(8).padding(4).activation(LEAKY).build(),
            ConvTranspose1dParams.builder().stride(2).padding(1).activation(LEAKY).build(),
            ConvTranspose1dParams.builder().padding(3).activation(Activation.TANH).build());
    private static final List<String> REFERENCES = List.of("upsampler_h0.npy", "upsampler_h1.npy", "upsampler_y.npy");

    private static Backend openCl;
    private static final Backend CPU = Backends.cpu();

    @AfterAll
    static void close() {
        CPU.close();
        if (openCl != null) {
            openCl.close();
        }
    }

    private static synchronized Backend openCl() {
        if (openCl == null) {
            openCl = OpenClSupport.backend();
        }
        return openCl;
    }

    private static Path fixture(String name) {
        try {
            return Path.of(PyTorchCheckpointTest.class.getResource("/statedict/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Tensor npy(String name) throws IOException {
        return Npy.read(fixture(name));
    }

    @TestFactory
    List<DynamicTest> upsamplerMatchesPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String file : FILES) {
            for (String backend : List.of("cpu", "opencl")) {
                Supplier<Backend> target = backend.equals("cpu") ? () -> CPU : PyTorchCheckpointTest::openCl;
                for (DType dtype : DType.values()) {
                    if (dtype == DType.FLOAT32 || dtype == DType.FLOAT64) {
                        tests.add(DynamicTest.dynamicTest(file + " " + backend + " " + dtype,
                                () -> check(file, target.get(), dtype)));
                    }
                }
            }
        }
        return tests;
    }

    private static void check(String file, Backend backend, DType dtype) throws IOException {
        StateDict dict = StateDict.read(fixture(file));
        Tensor input = npy("upsampler_x.npy");
        Tensor stack = cast(input, dtype);
        for (int i = 0; i < LAYERS.size(); i++) {
            ConvTranspose1d layer = ConvTranspose1d.fromStateDict(dict, LAYERS.get(i), PARAMS.get(i));
            Tensor reference = npy(REFERENCES.get(i));
            Tensor layerInput = cast(input, dtype);
            Accuracy.assertClose(layer.forward(backend, layerInput), cast(reference, dtype), layerInput,
                    cast(layer.weight(), dtype), layer.bias() == null ? null : cast(layer.bias(), dtype),
                    layer.params(), file + " " + LAYERS.get(i));
            stack = layer.forward(backend, stack);
            input = reference;
        }
        if (dtype == DType.FLOAT64) {
            // Three float64 layers: every output is within a few ulps of 1 (tanh) after at most 10^3-term sums.
            Tensor y = npy("upsampler_y.npy");
            assertArrayEquals(y.shape(), stack.shape());
            assertTrue(Tensor.maxRelativeDifference(stack, y) < 1e-12,
                    "stack vs PyTorch: " + Tensor.maxRelativeDifference(stack, y));
        }
    }

    private static Tensor cast(Tensor t, DType dtype) {
        return dtype == DType.FLOAT32 ? Tensor.of(t.toFloatArray(), t.shape()) : Tensor.of(t.toDoubleArray(), t.shape());
    }

    @Test
    void weightNormIsFoldedInDouble() throws IOException {
        StateDict dict = StateDict.read(fixture("upsampler_weight_norm.safetensors"));
        ConvTranspose1d layer = ConvTranspose1d.fromStateDict(dict, "ups.1", PARAMS.get(1));
        double[] g = dict.get("ups.1.weight_g").toDoubleArray();
        double[] v = dict.get("ups.1.weight_v").toDoubleArray();
        float[] w = layer.weight().toFloatArray();
        int slice = v.length / g.length;
        for (int i = 0; i < g.length; i++) {
            double norm = 0;
            for (int j = 0; j < slice; j++) {
                norm += v[i * slice + j] * v[i * slice + j];
            }
            for (int j = 0; j < slice; j++) {
                assertEquals((float) (g[i] * v[i * slice + j] / Math.sqrt(norm)), w[i * slice + j], 1e-7,
                        "w[" + i + ", " + j + "]");
            }
        }
        assertArrayEquals(new int[] {8, 4, 4}, layer.weight().shape());
        assertArrayEquals(dict.get("ups.1.bias").toFloatArray(), layer.bias().toFloatArray());
    }

    @Test
    void plainWeightAndMissingBias() throws IOException {
        StateDict dict = StateDict.read(fixture("upsampler_weight_norm.npz"));
        ConvTranspose1d post = ConvTranspose1d.fromStateDict(dict, "post", PARAMS.get(2));
        assertArrayEquals(dict.get("post.weight").toFloatArray(), post.weight().toFloatArray());
        ConvTranspose1d noBias = ConvTranspose1d.of(dict.get("post.weight"), null, PARAMS.get(2));
        assertNull(noBias.bias());
        assertTrue(noBias.toString().contains("bias=False"), noBias.toString());
    }

    @Test
    void missingLayerNamesThePrefixAndTheKeysUnderIt() throws IOException {
        StateDict dict = StateDict.read(fixture("upsampler_weight_norm.safetensors"));
        IllegalArgumentException absent = assertThrows(IllegalArgumentException.class,
                () -> ConvTranspose1d.fromStateDict(dict, "ups.7", PARAMS.get(0)));
        assertTrue(absent.getMessage().contains("'ups.7'") && absent.getMessage().contains("ups.0.weight_g"),
                absent.getMessage());
        // A prefix with keys under it but no layer: those keys are listed.
        StateDict partial = StateDict.read(fixture("upsampler_parametrizations.npz"));
        IllegalArgumentException incomplete = assertThrows(IllegalArgumentException.class,
                () -> ConvTranspose1d.fromStateDict(partial, "ups.0.parametrizations", PARAMS.get(0)));
        assertTrue(incomplete.getMessage().contains("keys under 'ups.0.parametrizations.': [ups.0.parametrizations"
                + ".weight.original0, ups.0.parametrizations.weight.original1]"), incomplete.getMessage());
    }

    @Test
    void ofChecksShapes() {
        Tensor weight = Tensor.of(new float[24], 4, 2, 3);
        IllegalArgumentException bias = assertThrows(IllegalArgumentException.class,
                () -> ConvTranspose1d.of(weight, Tensor.of(new float[3], 3), ConvTranspose1dParams.builder().build()));
        assertTrue(bias.getMessage().contains("bias must be (Cout) = (2)"), bias.getMessage());
        IllegalArgumentException groups = assertThrows(IllegalArgumentException.class,
                () -> ConvTranspose1d.of(weight, null, ConvTranspose1dParams.builder().groups(3).build()));
        assertTrue(groups.getMessage().contains("divisible by groups (3)"), groups.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ConvTranspose1d.of(Tensor.of(new float[6], 2, 3), null, ConvTranspose1dParams.builder().build()));
        IllegalArgumentException g = assertThrows(IllegalArgumentException.class,
                () -> LayerWeights.foldWeightNorm(Tensor.of(new float[3], 3, 1, 1), weight, "g"));
        assertTrue(g.getMessage().contains("expected 4 magnitudes"), g.getMessage());
    }

    /** FLOAT64 parameters serve FLOAT64 inputs unrounded and FLOAT32 inputs rounded. */
    @Test
    void float64ParametersAreKeptForFloat64Inputs() {
        double third = 1.0 / 3;
        ConvTranspose1d layer = ConvTranspose1d.of(Tensor.of(new double[] {third}, 1, 1, 1), null,
                ConvTranspose1dParams.builder().build());
        assertEquals(third, layer.forward(CPU, Tensor.of(new double[] {1}, 1, 1, 1)).toDoubleArray()[0]);
        assertEquals((float) third, layer.forward(CPU, Tensor.of(new float[] {1}, 1, 1, 1)).toFloatArray()[0]);
        assertEquals(DType.FLOAT32, layer.weight().dtype());
    }
}
