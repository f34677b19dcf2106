package io.clconvt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.internal.StreamingBackend;
import io.clconvt.internal.backend.Diagnostics;
import io.clconvt.internal.backend.OpenClBackend;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.testing.Accuracy;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.RandomConfigurations;
import io.clconvt.testing.RandomConfigurations.Configuration;
import io.clconvt.testing.TestScope;
import io.clconvt.testing.TestTensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Streams against one-shot calls: random chunkings (all chunks of length 1 among them) of random
 * configurations spanning both layouts and every dtype, rank 2 and 3, dense, grouped and depthwise channels,
 * dilation, every padding form, outputPadding, bias and activations, on the CPU backend and on every
 * OpenCL variant; a Sequential HiFi-GAN-like stack; and the stream's checks and life cycle.
 *
 * <p>Each random case streams on one OpenCL variant in turn. The specialised variants' programs depend on the
 * shape, so the default build streams every case on the CPU and the direct kernel and, on the others, the
 * cases that bring their variant a new dtype, layout or activation, or the specialised variants a new
 * (K, stride, dilation) ({@link #openClCases}); the exhaustive profile streams every case.
 */
class StreamTest {
    private static final int CASES = 100;
    private static final long BASE_SEED = 0x57AE_A11DL;
    private static final KernelVariant[] VARIANTS = {
        KernelVariant.DIRECT, KernelVariant.PHASE, KernelVariant.TILED, KernelVariant.ROWS, KernelVariant.GEMM,
        KernelVariant.AUTO,
    };

    private static final Map<KernelVariant, Backend> OPEN_CL = new EnumMap<>(KernelVariant.class);
    private static final Backend CPU = Backends.cpu();

    @AfterAll
    static void close() {
        OPEN_CL.values().forEach(Backend::close);
        OPEN_CL.clear();
        CPU.close();
    }

    /** One generated stream: a layer, an input and how it is cut into chunks. */
    record Case(ConvTranspose1d layer, Tensor x, int[] chunks, KernelVariant variant) {
    }

    static Stream<Named<Case>> cases() {
        return IntStream.range(0, CASES).mapToObj(index -> generate(index, BASE_SEED + index));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void cpuStreamMatchesOneShot(Case c) {
        check(CPU, c, "cpu");
    }

    /**
     * The cases the OpenCL stream runs: in the exhaustive profile ({@link TestScope}) all; in the default build
     * every direct case (its programs depend on the dtype and activation alone) and, of each other variant's,
     * those that bring the variant a dtype, layout or activation it has not met in an earlier case, or bring the
     * specialised variants together a (K, stride, dilation) none has met: every specialised program is a new
     * build. Keying the triple on each variant too would keep some 60 programs instead of 48.
     */
    static Stream<Named<Case>> openClCases() {
        List<Named<Case>> all = cases().toList();
        Set<Integer> covering = covering(all.stream().map(Named::getPayload).toList());
        return IntStream.range(0, all.size())
                .filter(index -> TestScope.exhaustive() || covering.contains(index)
                        || all.get(index).getPayload().variant() == KernelVariant.DIRECT)
                .mapToObj(all::get);
    }

    private static Set<Integer> covering(List<Case> cases) {
        return TestScope.covering(cases, c -> {
            List<String> features = features(c);
            List<String> own = new ArrayList<>();
            features.subList(0, 3).forEach(feature -> own.add(c.variant() + " " + feature));
            own.add(features.get(3));
            return own;
        });
    }

    /** What a variant must get right in case {@code c}: its dtype, layout, activation and triple, in order. */
    private static List<String> features(Case c) {
        ConvTranspose1dParams params = c.layer().params();
        return List.of(c.x().dtype().toString(), params.layout().toString(), "activation " + params.activation(),
                "K" + c.layer().weight().dim(2) + " s" + params.stride() + " d" + params.dilation());
    }

    /**
     * What the default build's sample must keep: every variant streams every dtype and layout, and meets every
     * activation that its cases of the full set have; every triple of the full set streams on some
     * specialised variant.
     */
    @Test
    void defaultSampleStreamsEveryDtypeAndLayoutOnEveryVariant() {
        List<Case> all = cases().map(Named::getPayload).toList();
        Set<Integer> covering = covering(all);
        List<String> missing = new ArrayList<>();
        Set<String> triples = new TreeSet<>();
        Set<String> triplesMet = new TreeSet<>();
        for (KernelVariant variant : VARIANTS) {
            Set<String> needed = new TreeSet<>();
            Arrays.stream(DType.values()).forEach(dtype -> needed.add(dtype.toString()));
            Arrays.stream(Layout.values()).forEach(layout -> needed.add(layout.toString()));
            Set<String> met = new TreeSet<>();
            for (int index = 0; index < all.size(); index++) {
                Case c = all.get(index);
                if (c.variant() == variant) {
                    List<String> features = features(c);
                    needed.addAll(features.subList(0, 3));
                    boolean runs = variant == KernelVariant.DIRECT || covering.contains(index);
                    if (runs) {
                        met.addAll(features.subList(0, 3));
                    }
                    if (variant != KernelVariant.DIRECT) {
                        triples.add(features.get(3));
                        if (runs) {
                            triplesMet.add(features.get(3));
                        }
                    }
                }
            }
            for (String feature : needed) {
                if (!met.contains(feature)) {
                    missing.add(variant + " never streams " + feature);
                }
            }
        }
        assertTrue(triples.size() >= 9, "triples found: " + triples);
        for (String triple : triples) {
            if (!triplesMet.contains(triple)) {
                missing.add("no specialised variant streams " + triple);
            }
        }
        assertEquals(List.of(), missing, "the default build's sample of the streams");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("openClCases")
    void openClStreamMatchesOneShot(Case c) {
        check(OPEN_CL.computeIfAbsent(c.variant(), OpenClSupport::backend), c, "opencl " + c.variant());
    }

    private static void check(Backend backend, Case c, String label) {
        ConvTranspose1d layer = c.layer();
        DType dtype = c.x().dtype();
        Tensor weight = layer.weightFor(dtype);
        Tensor bias = layer.biasFor(dtype);
        Tensor expected = CPU.convTranspose1d(c.x(), weight, bias, layer.params());
        Tensor streamed;
        try (ChunkStream stream = layer.stream(backend)) {
            streamed = streamed(stream, c.x(), c.chunks(), layer.params().layout(), expected);
        }
        Accuracy.assertClose(streamed, expected, c.x(), weight, bias, layer.params(), label + " stream vs one-shot");
    }

    /**
     * Pushes {@code x} cut into {@code chunks} and concatenates what comes back; checks on the way that no
     * push returns an output beyond the one-shot result and that each push's result has the right shape.
     */
    static Tensor streamed(ChunkStream stream, Tensor x, int[] chunks, Layout layout, Tensor expected) {
        int lengthAxis = StreamingBackend.lengthAxis(x.rank(), layout);
        Tensor joined = null;
        int from = 0;
        for (int chunk : chunks) {
            Tensor out = stream.push(slice(x, lengthAxis, from, from + chunk));
            joined = append(joined, out, lengthAxis, expected);
            from += chunk;
        }
        return append(joined, stream.finish(), lengthAxis, expected);
    }

    private static Tensor append(Tensor joined, Tensor out, int lengthAxis, Tensor expected) {
        assertEquals(expected.dtype(), out.dtype(), "dtype of a step");
        int[] stepShape = expected.shape();
        stepShape[lengthAxis] = out.dim(lengthAxis);
        assertArrayEquals(stepShape, out.shape(), "shape of a step");
        Tensor result = joined == null ? out : Tensor.joinLength(joined, 0, out, lengthAxis);
        assertTrue(result.dim(lengthAxis) <= expected.dim(lengthAxis),
                "the stream returned " + result.dim(lengthAxis) + " outputs, the one-shot call has "
                        + expected.dim(lengthAxis));
        return result;
    }

    /** Positions [from, to) of the length axis, same dtype. */
    static Tensor slice(Tensor x, int lengthAxis, int from, int to) {
        Tensor head = Tensor.joinLength(null, 0, x, lengthAxis); // a copy, to cut from
        int[] shape = x.shape();
        double[] values = head.toDoubleArray();
        int rows = 1;
        for (int axis = 0; axis < lengthAxis; axis++) {
            rows *= shape[axis];
        }
        int unit = x.size() / rows / shape[lengthAxis];
        double[] cut = new double[rows * (to - from) * unit];
        for (int row = 0; row < rows; row++) {
            System.arraycopy(values, (row * shape[lengthAxis] + from) * unit, cut, row * (to - from) * unit,
                    (to - from) * unit);
        }
        shape[lengthAxis] = to - from;
        return TestTensors.of(x.dtype(), cut, shape);
    }

    private static Named<Case> generate(int index, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Configuration c = RandomConfigurations.draw(random, RandomConfigurations.STREAMABLE_LAYERS);
        ConvTranspose1d layer = new ConvTranspose1d(c.inChannels(), c.outChannels(), c.kernelSize(), c.params(),
                random.nextBoolean(), seed);
        Tensor x = TestTensors.random(random, c.dtype(), 1, c.inputShape());
        int[] chunks = chunking(random, c.inputLength());
        KernelVariant variant = VARIANTS[index % VARIANTS.length];
        String name = String.format("#%d seed=%d %s Lin%d %s %s chunks=%s %s", index, seed, c.describe(),
                c.inputLength(), layer.bias() == null ? "nobias" : "bias", c.params().activation(),
                Arrays.toString(chunks), variant);
        return Named.of(name, new Case(layer, x, chunks, variant));
    }

    /** Chunk lengths summing to {@code length}: all 1, short random ones, one chunk, or long random ones. */
    private static int[] chunking(SplittableRandom random, int length) {
        int mode = random.nextInt(4);
        List<Integer> chunks = new ArrayList<>();
        for (int left = length; left > 0; ) {
            int chunk = switch (mode) {
                case 0 -> 1;
                case 1 -> 1 + random.nextInt(Math.min(left, 4));
                case 2 -> left;
                default -> 1 + random.nextInt(left);
            };
            chunks.add(chunk);
            left -= chunk;
        }
        return chunks.stream().mapToInt(Integer::intValue).toArray();
    }

    static Stream<Named<Supplier<Backend>>> backends() {
        return Stream.of(Named.of("cpu", Backends::cpu), Named.of("opencl", OpenClSupport::backend));
    }

    /**
     * A HiFi-GAN-like generator: upsampling layers with K = 2 * stride and padding (K - stride) / 2, each
     * followed by a leaky ReLU, then a stride-1 SAME layer with tanh; fed 8 frames per push.
     */
    private static Sequential hifiGan() {
        return Sequential.builder()
                .add(new ConvTranspose1d(32, 16, 16, ConvTranspose1dParams.builder().stride(8).padding(4).build(),
                        true, 1))
                .activation(Activation.leakyRelu(0.1))
                .add(new ConvTranspose1d(16, 8, 16, ConvTranspose1dParams.builder().stride(8).padding(4).build(),
                        true, 2))
                .activation(Activation.leakyRelu(0.1))
                .add(new ConvTranspose1d(8, 4, 4, ConvTranspose1dParams.builder().stride(2).padding(1).build(),
                        true, 3))
                .activation(Activation.leakyRelu(0.1))
                .add(new ConvTranspose1d(4, 1, 7, ConvTranspose1dParams.builder().padding(Padding.SAME).build(),
                        true, 4))
                .activation(Activation.TANH)
                .build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void aHifiGanStackStreamsWithOneHistoryPerLayer(Supplier<Backend> open) {
        Sequential generator = hifiGan();
        Tensor frames = TestTensors.random(new SplittableRandom(5), DType.FLOAT32, 1, 1, 32, 37);
        try (Backend backend = open.get()) {
            Tensor expected = generator.forward(CPU, frames);
            Tensor hostTrips = generator.forwardHost(backend, frames);
            int[] chunks = {8, 8, 8, 8, 5};
            Tensor streamed;
            try (ChunkStream stream = generator.stream(backend)) {
                streamed = streamed(stream, frames, chunks, Layout.NCL, expected);
                if (backend instanceof OpenClBackend openCl) {
                    assertEquals(0, Diagnostics.residentTensors(openCl), "finish leaves nothing on the device");
                }
            }
            assertArrayEquals(new int[] {1, 1, 37 * 128}, streamed.shape());
            // Each layer is within the bound of its own one-shot result, so compare the stack's output by the
            // error of the host round trips, which run the same kernels one layer at a time.
            double allowed = 4 * Tensor.maxRelativeDifference(hostTrips, expected) + 1e-6;
            double error = Tensor.maxRelativeDifference(streamed, expected);
            assertTrue(error <= allowed, "stream error " + error + " exceeds " + allowed);
            if (backend instanceof OpenClBackend openCl) {
                try (ChunkStream stream = generator.stream(backend)) {
                    stream.push(slice(frames, 2, 0, 8));
                    assertEquals(generator.size(), Diagnostics.residentTensors(openCl),
                            "between pushes, each layer keeps one history on the device");
                    stream.push(slice(frames, 2, 8, 9));
                    assertEquals(generator.size(), Diagnostics.residentTensors(openCl));
                }
                assertEquals(0, Diagnostics.residentTensors(openCl), "close releases every history");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void aSingleFramePushMakesTheLayersOutputsFinal(Supplier<Backend> open) {
        // HiFi-GAN's first upsampler: K 16, stride 8, padding 4: after n frames, outputs below 8n - 4 are final.
        ConvTranspose1d layer = new ConvTranspose1d(3, 2, 16,
                ConvTranspose1dParams.builder().stride(8).padding(4).build(), true, 7);
        Tensor x = TestTensors.random(new SplittableRandom(3), DType.FLOAT32, 1, 3, 4);
        try (Backend backend = open.get(); ChunkStream stream = layer.stream(backend)) {
            assertArrayEquals(new int[] {2, 4}, stream.push(slice(x, 1, 0, 1)).shape());
            assertArrayEquals(new int[] {2, 8}, stream.push(slice(x, 1, 1, 2)).shape());
            assertArrayEquals(new int[] {2, 16}, stream.push(slice(x, 1, 2, 4)).shape());
            assertArrayEquals(new int[] {2, 4}, stream.finish().shape()); // Lout = 3 * 8 - 8 + 16 = 32
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void aPushCanFinaliseNothing(Supplier<Backend> open) {
        // Padding 9 on each side hides the first 9 outputs; one frame makes only t < 2 final.
        ConvTranspose1d layer = new ConvTranspose1d(2, 3, 12,
                ConvTranspose1dParams.builder().stride(2).padding(9).layout(Layout.NLC).build(), false, 8);
        Tensor x = TestTensors.random(new SplittableRandom(4), DType.FLOAT64, 1, 2, 6, 2);
        try (Backend backend = open.get(); ChunkStream stream = layer.stream(backend)) {
            Tensor first = stream.push(slice(x, 1, 0, 1));
            assertArrayEquals(new int[] {2, 0, 3}, first.shape());
            assertEquals(DType.FLOAT64, first.dtype());
            assertEquals(0, first.size());
            Tensor rest = streamed(stream, slice(x, 1, 1, 6), new int[] {2, 3}, Layout.NLC,
                    CPU.convTranspose1d(x, layer.weightFor(DType.FLOAT64), null, layer.params()));
            Tensor expected = CPU.convTranspose1d(x, layer.weightFor(DType.FLOAT64), null, layer.params());
            Accuracy.assertClose(rest, expected, x, layer.weightFor(DType.FLOAT64), null, layer.params(), "stream");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void aWrongChunkIsRefusedAndTheStreamGoesOn(Supplier<Backend> open) {
        ConvTranspose1d layer = new ConvTranspose1d(4, 2, 4,
                ConvTranspose1dParams.builder().stride(2).padding(1).build(), true, 9);
        SplittableRandom random = new SplittableRandom(6);
        Tensor x = TestTensors.random(random, DType.FLOAT32, 1, 2, 4, 6);
        Tensor expected = CPU.convTranspose1d(x, layer.weight(), layer.bias(), layer.params());
        try (Backend backend = open.get(); ChunkStream stream = layer.stream(backend)) {
            Tensor first = stream.push(slice(x, 2, 0, 2));
            assertThrows(IllegalArgumentException.class,
                    () -> stream.push(TestTensors.random(random, DType.FLOAT32, 1, 3, 4, 2)), "other batch");
            assertThrows(IllegalArgumentException.class,
                    () -> stream.push(TestTensors.random(random, DType.FLOAT32, 1, 2, 5, 2)), "other channels");
            assertThrows(IllegalArgumentException.class,
                    () -> stream.push(TestTensors.random(random, DType.FLOAT32, 1, 2, 2, 4)), "other layout");
            assertThrows(IllegalArgumentException.class,
                    () -> stream.push(TestTensors.random(random, DType.FLOAT64, 1, 2, 4, 2)), "other dtype");
            assertThrows(IllegalArgumentException.class,
                    () -> stream.push(TestTensors.random(random, DType.FLOAT32, 1, 4, 2)), "other rank");
            assertThrows(IllegalArgumentException.class,
                    () -> stream.push(Tensor.of(new float[0], 2, 4, 0)), "empty chunk");
            assertThrows(IllegalArgumentException.class, () -> stream.push(null), "null");
            Tensor rest = streamed(stream, slice(x, 2, 2, 6), new int[] {1, 3}, Layout.NCL, expected);
            Tensor all = Tensor.joinLength(first, 0, rest, 2);
            Accuracy.assertClose(all, expected, x, layer.weight(), layer.bias(), layer.params(), "after refusals");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void finishEndsTheStreamAndCloseIsIdempotent(Supplier<Backend> open) {
        ConvTranspose1d layer = new ConvTranspose1d(2, 2, 3, ConvTranspose1dParams.builder().stride(2).build(), true, 10);
        Tensor chunk = TestTensors.random(new SplittableRandom(7), DType.FLOAT32, 1, 2, 3);
        try (Backend backend = open.get()) {
            ChunkStream stream = layer.stream(backend);
            assertThrows(IllegalStateException.class, stream::finish, "finish before any push");
            stream.push(chunk);
            stream.finish();
            assertThrows(IllegalStateException.class, () -> stream.push(chunk));
            assertThrows(IllegalStateException.class, stream::finish);
            stream.close();
            stream.close();
            ChunkStream closed = Sequential.of(layer).stream(backend);
            closed.push(chunk);
            closed.close();
            closed.close();
            assertThrows(IllegalStateException.class, () -> closed.push(chunk));
            assertThrows(IllegalStateException.class, closed::finish);
            if (backend instanceof OpenClBackend openCl) {
                assertEquals(0, Diagnostics.residentTensors(openCl), "closed streams hold nothing on the device");
            }
        }
    }

    @Test
    void outputSizeCannotStream() {
        ConvTranspose1d layer = new ConvTranspose1d(2, 2, 3,
                ConvTranspose1dParams.builder().stride(2).outputSize(9).build(), true, 11);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> layer.stream(CPU));
        assertTrue(e.getMessage().contains("outputSize"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Sequential.of(layer).stream(CPU));
        assertThrows(IllegalArgumentException.class, () -> layer.stream(null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void anInputWhoseOutputWouldBeEmptyIsRefusedAtFinish(Supplier<Backend> open) {
        // One position and padding 2 + 2 leave 3 - 4 < 1 outputs; three positions make 1.
        ConvTranspose1d layer = new ConvTranspose1d(1, 1, 3, ConvTranspose1dParams.builder().padding(2).build(),
                false, 12);
        Tensor x = Tensor.of(new float[] {1, 2, 3}, 1, 3);
        try (Backend backend = open.get(); ChunkStream stream = layer.stream(backend)) {
            stream.push(slice(x, 1, 0, 1));
            assertThrows(IllegalArgumentException.class, stream::finish);
            Tensor expected = CPU.convTranspose1d(x, layer.weight(), null, layer.params());
            Tensor rest = streamed(stream, slice(x, 1, 1, 3), new int[] {2}, Layout.NCL, expected);
            Accuracy.assertClose(rest, expected, x, layer.weight(), null, layer.params(), "after the refusal");
        }
    }
}
