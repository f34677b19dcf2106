package io.clconvt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.internal.opencl.ClBuffer;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.testing.Accuracy;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestTensors;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A long run of mixed shapes, dtypes, layouts, activations and kernel variants, host calls and
 * device-resident chains interleaved, each checked against the CPU reference while the live device-buffer
 * count is watched. Not in the default build: {@code mvn -Psoak verify} runs it, for
 * {@code -Dclconvt.soak.seconds} seconds (default 180).
 */
@Tag("soak")
class SoakTest {
    private static final int SECONDS = Integer.getInteger("clconvt.soak.seconds", 180);
    private static final int[] LENGTHS = {1, 7, 32};
    private static final KernelVariant[] VARIANTS = KernelVariant.values();

    /** One layer (padded so that a one-position input still has an output) and a 1x1 layer that follows it. */
    private record Layer(Tensor weight, Tensor bias, ConvTranspose1dParams params, Tensor pointwise) {
        static Layer random(SplittableRandom random, DType dtype, Layout layout, int groups, int kernelSize,
                int stride, Activation activation) {
            int inChannels = groups * (1 + random.nextInt(6));
            int groupOut = 1 + random.nextInt(10);
            int outChannels = groups * groupOut;
            ConvTranspose1dParams params = ConvTranspose1dParams.builder().stride(stride).groups(groups)
                    .padding(random.nextInt((kernelSize + 1) / 2)).layout(layout).activation(activation).build();
            return new Layer(TestTensors.random(random, dtype, 1, inChannels, groupOut, kernelSize),
                    random.nextBoolean() ? TestTensors.random(random, dtype, 1, outChannels) : null, params,
                    TestTensors.random(random, dtype, 1, outChannels, outChannels, 1));
        }

        int inChannels() {
            return weight.dim(0);
        }

        ConvTranspose1dParams pointwiseParams() {
            return ConvTranspose1dParams.builder().layout(params.layout()).build();
        }
    }

    @Test
    void mixedWorkloadStaysCorrectAndBounded() {
        SplittableRandom random = new SplittableRandom(2024);
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            layers.add(Layer.random(random, i % 3 == 2 ? DType.FLOAT64 : DType.FLOAT32,
                    i % 2 == 0 ? Layout.NCL : Layout.NLC, i % 4 == 3 ? 3 : 1, 2 + i % 4, 1 + i % 5,
                    ActivationTest.ACTIVATIONS.get(i % ActivationTest.ACTIVATIONS.size())));
        }
        int before = ClBuffer.liveCount();
        Map<KernelVariant, Backend> openCl = new EnumMap<>(KernelVariant.class);
        long calls = 0;
        try (Backend cpu = Backends.cpu()) {
            for (KernelVariant variant : VARIANTS) {
                openCl.put(variant, OpenClSupport.backend(variant));
            }
            // Warm-up: every layer, length and variant once, so that every program, cached weight and pooled
            // buffer size exists; from here on the live count may not grow.
            for (Layer layer : layers) {
                for (int length : LENGTHS) {
                    for (KernelVariant variant : VARIANTS) {
                        calls += check(cpu, openCl.get(variant), layer, input(random, layer, length, 2));
                    }
                }
            }
            int bound = ClBuffer.liveCount();
            long end = System.nanoTime() + SECONDS * 1_000_000_000L;
            while (System.nanoTime() < end) {
                Layer layer = layers.get(random.nextInt(layers.size()));
                Tensor x = input(random, layer, LENGTHS[random.nextInt(LENGTHS.length)], 2);
                calls += check(cpu, openCl.get(VARIANTS[random.nextInt(VARIANTS.length)]), layer, x);
                int live = ClBuffer.liveCount();
                if (live > bound) {
                    throw new AssertionError("after " + calls + " calls " + live + " device buffers are live, more "
                            + "than the " + bound + " of the warm backends");
                }
            }
        } finally {
            openCl.values().forEach(Backend::close);
        }
        assertEquals(before, ClBuffer.liveCount(), "closing the backends releases every buffer");
        assertTrue(calls > 0);
        System.out.println("soak: " + calls + " checked calls in " + SECONDS + " s");
    }

    /**
     * The layer on the host path against the CPU, then the layer and its 1x1 follower as a device-resident
     * chain against the same two calls with a host round trip between them, bit for bit.
     *
     * @return the number of backend calls made
     */
    private static int check(Backend cpu, Backend openCl, Layer layer, Tensor x) {
        Tensor expected = cpu.convTranspose1d(x, layer.weight(), layer.bias(), layer.params());
        Tensor hidden = openCl.convTranspose1d(x, layer.weight(), layer.bias(), layer.params());
        Accuracy.assertClose(hidden, expected, x, layer.weight(), layer.bias(), layer.params(),
                openCl.describe() + " " + layer.params() + " " + x);
        Tensor hostChain = openCl.convTranspose1d(hidden, layer.pointwise(), null, layer.pointwiseParams());
        try (DeviceTensor input = openCl.upload(x);
                DeviceTensor first = openCl.convTranspose1d(input, layer.weight(), layer.bias(), layer.params());
                DeviceTensor second = openCl.convTranspose1d(first, layer.pointwise(), null,
                        layer.pointwiseParams())) {
            assertArrayEquals(hostChain.toDoubleArray(), second.download().toDoubleArray(), "device-resident chain");
        }
        return 6;
    }

    private static Tensor input(SplittableRandom random, Layer layer, int length, int batch) {
        int[] shape = layer.params().layout() == Layout.NCL
                ? new int[] {batch, layer.inChannels(), length}
                : new int[] {batch, length, layer.inChannels()};
        return TestTensors.random(random, layer.weight().dtype(), 1, shape);
    }
}
