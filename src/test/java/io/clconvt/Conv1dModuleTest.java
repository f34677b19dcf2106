package io.clconvt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.io.Npy;
import io.clconvt.io.StateDict;
import io.clconvt.testing.Accuracy;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestTensors;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The {@link Conv1d} module: a weight-normalised HiFi-GAN residual branch exported from PyTorch
 * ({@code src/test/resources/statedict/make_resblock.py}) read with {@code fromStateDict} and run on the CPU and
 * OpenCL, streams against the one-shot call for random chunkings (with the outputs each push must have
 * returned), and the module's own checks.
 */
class Conv1dModuleTest {
    /** The CPU reference and OpenCL with its outputs poisoned, opened once for the class. */
    private static final OpenClSupport.ClassBackends BACKENDS = new OpenClSupport.ClassBackends(true);
    private static final Backend CPU = BACKENDS.cpu();

    private static Backend openCl() {
        return BACKENDS.openCl();
    }

    @AfterAll
    static void close() {
        BACKENDS.close();
    }

    private static List<Backend> backends() {
        return List.of(CPU, openCl());
    }

    private static Path fixture(String name) {
        try {
            return Path.of(Conv1dModuleTest.class.getResource("/statedict/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Tensor leakyRelu(Tensor t, double slope) {
        double[] v = t.toDoubleArray();
        for (int i = 0; i < v.length; i++) {
            v[i] = v[i] < 0 ? v[i] * slope : v[i];
        }
        return TestTensors.of(t.dtype(), v, t.shape());
    }

    @Test
    void aWeightNormalisedResidualBranchFromPyTorchMatches() throws IOException {
        StateDict dict = StateDict.read(fixture("resblock.safetensors"));
        Conv1d first = Conv1d.fromStateDict(dict, "resblocks.0.convs1.0",
                Conv1dParams.builder().padding(3).dilation(3).build());
        Conv1d second = Conv1d.fromStateDict(dict, "resblocks.0.convs2.0", Conv1dParams.builder().padding(1).build());
        assertEquals("Conv1d(8, 8, kernel_size=(3,), stride=(1,), padding=(3,), dilation=(3,))", first.toString());
        Tensor x = Npy.read(fixture("resblock_x.npy"));
        Tensor h = Npy.read(fixture("resblock_h.npy"));
        Tensor y = Npy.read(fixture("resblock_y.npy"));
        for (Backend backend : backends()) {
            Tensor input = leakyRelu(x, 0.1);
            Accuracy.assertConv1dClose(first.forward(backend, input), TestTensors.of(DType.FLOAT32,
                    h.toDoubleArray(), h.shape()), input, first.weight(), first.bias(), first.params(),
                    backend.describe() + " convs1");
            // FLOAT64 all the way, weight norm folded in double: within a few ulps of PyTorch's float64.
            Tensor wide = TestTensors.widen(x);
            Tensor branch = second.forward(backend, leakyRelu(first.forward(backend, leakyRelu(wide, 0.1)), 0.1));
            double[] sum = branch.toDoubleArray();
            double[] residual = wide.toDoubleArray();
            for (int i = 0; i < sum.length; i++) {
                sum[i] += residual[i];
            }
            assertTrue(Tensor.maxRelativeDifference(Tensor.of(sum, y.shape()), y) < 1e-12,
                    backend.describe() + ": " + Tensor.maxRelativeDifference(Tensor.of(sum, y.shape()), y));
        }
    }

    private static List<Conv1dParams> streamedParams() {
        return List.of(
                Conv1dParams.builder().padding(3).dilation(3).build(),
                Conv1dParams.builder().padding(Padding.SAME).activation(Activation.leakyRelu(0.1)).build(),
                Conv1dParams.builder().stride(2).padding(4, 1).layout(Layout.NLC).build(),
                Conv1dParams.builder().stride(3).padding(Padding.VALID).dilation(2).build(),
                Conv1dParams.builder().padding(2).paddingMode(PaddingMode.REFLECT).build(),
                Conv1dParams.builder().padding(1, 3).paddingMode(PaddingMode.CIRCULAR).build());
    }

    /**
     * Concatenated pushes and finish equal the one-shot result for random chunkings, chunks of one position
     * included; with zero padding each push has returned every output whose inputs have all arrived.
     */
    @TestFactory
    Stream<DynamicTest> streamsEqualTheOneShotCallForAnyChunking() {
        List<DynamicTest> tests = new ArrayList<>();
        int seed = 0;
        for (Conv1dParams params : streamedParams()) {
            int layerSeed = seed++;
            for (String name : List.of("cpu", "opencl")) {
                tests.add(DynamicTest.dynamicTest(params + " on " + name, () -> {
                    Backend backend = name.equals("cpu") ? CPU : openCl();
                    Conv1d layer = new Conv1d(6, 4, 5, params, true, layerSeed);
                    SplittableRandom random = new SplittableRandom(layerSeed);
                    int length = 37;
                    boolean nlc = params.layout() == Layout.NLC;
                    Tensor x = TestTensors.random(random, DType.FLOAT32, 1, nlc ? new int[] {2, length, 6}
                            : new int[] {2, 6, length});
                    Tensor whole = layer.forward(backend, x);
                    int axis = nlc ? 1 : 2;
                    for (int trial = 0; trial < 3; trial++) {
                        List<Tensor> parts = new ArrayList<>();
                        try (ChunkStream stream = layer.stream(backend)) {
                            int at = 0;
                            long returned = 0;
                            while (at < length) {
                                int size = trial == 0 ? 1 : Math.min(length - at, 1 + random.nextInt(9));
                                Tensor out = stream.push(slice(x, axis, at, size));
                                at += size;
                                returned += out.dim(axis);
                                parts.add(out);
                                assertEquals(expectedAfter(params, at), returned, "outputs after " + at + " inputs");
                            }
                            parts.add(stream.finish());
                        }
                        Tensor joined = join(parts, axis);
                        assertArrayEquals(whole.shape(), joined.shape());
                        assertArrayEquals(whole.toFloatArray(), joined.toFloatArray(), 1e-5f);
                    }
                }));
            }
        }
        return tests.stream();
    }

    /** Outputs a stream of a K5 layer has returned after {@code n} inputs: those whose last read is below n. */
    private static long expectedAfter(Conv1dParams params, long n) {
        if (params.paddingMode() != PaddingMode.ZEROS) {
            return 0;
        }
        long span = 4L * params.dilation();
        long left = params.padding().equals(Padding.SAME) ? span / 2
                : params.padding().equals(Padding.VALID) ? 0 : Long.parseLong(params.padding().toString()
                        .replaceAll("[()\\s]", "").split(",")[0]);
        long right = params.padding().equals(Padding.SAME) ? span - span / 2
                : params.padding().equals(Padding.VALID) ? 0 : Long.parseLong(params.padding().toString()
                        .replaceAll("[()\\s]", "").split(",", -1)[params.padding().toString().contains(", ") ? 1 : 0]);
        long lastRead = n - 1 + left - span;
        long shortest = n + left + right - span - 1;
        return lastRead < 0 || shortest < 0 ? 0 : Math.min(lastRead, shortest) / params.stride() + 1;
    }

    private static Tensor slice(Tensor t, int axis, int from, int size) {
        int[] shape = t.shape();
        double[] v = t.toDoubleArray();
        int[] out = shape.clone();
        out[axis] = size;
        int outer = 1;
        for (int a = 0; a < axis; a++) {
            outer *= shape[a];
        }
        int inner = 1;
        for (int a = axis + 1; a < shape.length; a++) {
            inner *= shape[a];
        }
        double[] r = new double[outer * size * inner];
        for (int o = 0; o < outer; o++) {
            System.arraycopy(v, (o * shape[axis] + from) * inner, r, o * size * inner, size * inner);
        }
        return TestTensors.of(t.dtype(), r, out);
    }

    private static Tensor join(List<Tensor> parts, int axis) {
        int[] shape = parts.get(0).shape().clone();
        shape[axis] = parts.stream().mapToInt(p -> p.dim(axis)).sum();
        int outer = 1;
        for (int a = 0; a < axis; a++) {
            outer *= shape[a];
        }
        int inner = 1;
        for (int a = axis + 1; a < shape.length; a++) {
            inner *= shape[a];
        }
        double[] r = new double[outer * shape[axis] * inner];
        int offset = 0;
        for (Tensor p : parts) {
            double[] v = p.toDoubleArray();
            int size = p.dim(axis);
            for (int o = 0; o < outer; o++) {
                System.arraycopy(v, o * size * inner, r, (o * shape[axis] + offset) * inner, size * inner);
            }
            offset += size;
        }
        return TestTensors.of(parts.get(0).dtype(), r, shape);
    }

    @Test
    void theModuleChecksItsParameters() {
        Conv1d layer = new Conv1d(4, 6, 3, Conv1dParams.builder().groups(2).build(), true, 5);
        assertArrayEquals(new int[] {6, 2, 3}, layer.weight().shape());
        double bound = Math.sqrt(2.0 / (4 * 3));
        for (float v : layer.weight().toFloatArray()) {
            assertTrue(Math.abs(v) <= bound, "PyTorch's init bound sqrt(groups / (Cin * K))");
        }
        assertArrayEquals(new int[] {1, 6, 8}, layer.outputShape(DType.FLOAT32, 1, 4, 10));
        assertThrows(IllegalArgumentException.class, () -> new Conv1d(3, 6, 3, Conv1dParams.builder().groups(2).build(),
                true, 1));
        assertThrows(IllegalArgumentException.class, () -> Conv1d.of(TestTensors.random(1, 6, 2, 3),
                TestTensors.random(2, 5), Conv1dParams.builder().build()));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> Conv1d.fromStateDict(StateDict.read(fixture("resblock.safetensors")), "resblocks.1.convs1.0",
                        Conv1dParams.builder().build()));
        assertTrue(missing.getMessage().contains("resblocks.1.convs1.0"), missing.getMessage());
    }
}
