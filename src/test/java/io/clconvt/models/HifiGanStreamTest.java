package io.clconvt.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.clconvt.Backend;
import io.clconvt.ChunkStream;
import io.clconvt.DType;
import io.clconvt.Tensor;
import io.clconvt.models.HifiGanTest.Architecture;
import io.clconvt.models.HifiGanTest.Fixture;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestTensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * {@link HifiGan#stream}: for random chunkings (one frame per push, eight, and random sizes) of the fixtures'
 * generators on the CPU and OpenCL in FLOAT32 and FLOAT64, the pushes and finish concatenated equal
 * {@link HifiGan#generate} on the whole mel, and after every push all but the generator's look-ahead
 * ({@link Architecture#lookAhead()}, derived from the architecture by hand) has been returned; a push's cost does
 * not grow with what came before it; refusals and the life cycle.
 */
class HifiGanStreamTest {
    /**
     * Streamed against one-shot FLOAT32 audio. The stream's pushes run the same convolutions on shorter inputs;
     * on the CPU each output is summed in the same order either way, but on OpenCL auto may choose another kernel
     * variant (another summation order) for a chunk's length than for the whole, so each layer may differ in its
     * last bits: a few units of 2^-24 relative, carried through some 20 to 35 layers of gain near 1. 1e-5 leaves
     * ample room for that and is still 30 times tighter than the bound against PyTorch (3e-4), so a stream that
     * drops or repeats a history position (errors of the signal's own size, about 0.1 to 1) cannot pass.
     */
    private static final double FLOAT32_STREAM_BOUND = 1e-5;
    /** The same in FLOAT64, where the last bits are 2^-53 relative. */
    private static final double FLOAT64_STREAM_BOUND = 1e-12;
    private static final int FRAMES = 40;

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

    /** 1-frame pushes, 8-frame pushes, and random sizes 1 to 9 (seeded). */
    private static int[] chunking(int trial, SplittableRandom random) {
        List<Integer> sizes = new ArrayList<>();
        for (int at = 0; at < FRAMES; ) {
            int size = switch (trial) {
                case 0 -> 1;
                case 1 -> 8;
                default -> 1 + random.nextInt(9);
            };
            size = Math.min(size, FRAMES - at);
            sizes.add(size);
            at += size;
        }
        return sizes.stream().mapToInt(Integer::intValue).toArray();
    }

    @TestFactory
    Stream<DynamicTest> streamsEqualGenerateForAnyChunking() {
        List<DynamicTest> tests = new ArrayList<>();
        int seed = 0;
        for (Fixture fixture : Fixture.values()) {
            for (String backendName : List.of("cpu", "opencl")) {
                for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64)) {
                    for (int trial = 0; trial < 3; trial++) {
                        SplittableRandom random = new SplittableRandom(seed++);
                        int[] sizes = chunking(trial, random);
                        String label = fixture + " on " + backendName + " in " + dtype + ", pushes of "
                                + (trial == 0 ? "1" : trial == 1 ? "8" : Arrays.toString(sizes));
                        tests.add(DynamicTest.dynamicTest(label, () -> {
                            Backend backend = backendName.equals("cpu") ? CPU : openCl();
                            HifiGan generator = fixture.load("safetensors");
                            Tensor mel = TestTensors.random(random, dtype, 2, fixture.mel().dim(0),
                                    fixture.architecture.numMels(), FRAMES);
                            Tensor whole = generator.generate(backend, mel);
                            Tensor streamed = stream(generator, backend, mel, sizes, fixture.architecture, label);
                            double bound = dtype == DType.FLOAT64 ? FLOAT64_STREAM_BOUND : FLOAT32_STREAM_BOUND;
                            HifiGanTest.assertWithin(bound, streamed, whole, label + ": streamed against generate");
                        }));
                    }
                }
            }
        }
        return tests.stream();
    }

    /**
     * Pushes {@code mel} in chunks of {@code sizes} frames, checking after each push that all but the look-ahead
     * has been returned, and returns every push's and finish's audio concatenated.
     */
    private static Tensor stream(HifiGan generator, Backend backend, Tensor mel, int[] sizes,
            Architecture architecture, String label) {
        int batch = mel.dim(0);
        List<Tensor> parts = new ArrayList<>();
        long returned = 0;
        int pushed = 0;
        try (ChunkStream stream = generator.stream(backend)) {
            for (int size : sizes) {
                Tensor out = stream.push(frames(mel, pushed, size));
                pushed += size;
                assertEquals(mel.dtype(), out.dtype(), label + ": dtype");
                assertEquals(3, out.rank(), label + ": rank");
                assertEquals(batch, out.dim(0), label + ": batch");
                assertEquals(1, out.dim(1), label + ": channels");
                returned += out.dim(2);
                long due = (long) pushed * architecture.hop() - architecture.lookAhead();
                assertTrue(returned >= due, String.format("%s: %d samples returned after %d frames, %d due (%d x %d"
                        + " less a look-ahead of %d)", label, returned, pushed, due, pushed, architecture.hop(),
                        architecture.lookAhead()));
                parts.add(out);
            }
            parts.add(stream.finish());
        }
        return concatenate(parts, batch, mel.dtype());
    }

    /** Frames [from, from + count) of an (N, C, T) mel. */
    static Tensor frames(Tensor mel, int from, int count) {
        int rows = mel.dim(0) * mel.dim(1);
        int length = mel.dim(2);
        double[] all = mel.toDoubleArray();
        double[] part = new double[rows * count];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(all, r * length + from, part, r * count, count);
        }
        return TestTensors.of(mel.dtype(), part, mel.dim(0), mel.dim(1), count);
    }

    /** (N, 1, L_i) parts joined along the length: (N, 1, sum L_i). */
    private static Tensor concatenate(List<Tensor> parts, int batch, DType dtype) {
        int total = parts.stream().mapToInt(p -> p.dim(2)).sum();
        double[] joined = new double[batch * total];
        int at = 0;
        for (Tensor part : parts) {
            double[] values = part.toDoubleArray();
            int length = part.dim(2);
            for (int n = 0; n < batch; n++) {
                System.arraycopy(values, n * length, joined, n * total + at, length);
            }
            at += length;
        }
        return TestTensors.of(dtype, joined, batch, 1, total);
    }

    /**
     * The look-ahead the stream tests hold the generators to, by hand from the architecture (see
     * {@link Architecture#lookAhead()}): V1-shaped: conv_pre 3 frames; stage 1 (u 4, P 2): 3 x 4 + 2 = 14, plus
     * its slowest residual block (K 11, dilations 1, 3, 5, two convolutions each: 5 + 5 + 15 + 5 + 25 + 5 = 60),
     * 74; stage 2: 74 x 4 + 2 + 60 = 358; conv_post: 361 samples.
     */
    @Test
    void theLookAheadsAreTheArchitecturesRightContexts() {
        assertEquals(361, Fixture.V1_WEIGHT_NORM.architecture.lookAhead());
        // V3-shaped: 3 x 8 + 4 = 28, + (K 7: 3 x 3 + 3 x 12 = 45) = 73; 73 x 2 + 1 + 45 = 192; + 3
        assertEquals(195, Fixture.V3_PARAMETRIZATIONS.architecture.lookAhead());
        // custom: 3 x 5 + 2 = 17, + (K 5: 2 x 2 + 2 x 6 = 16) = 33; 33 x 3 + 3 (odd K - u: (10 - 3) / 2) + 16 = 118; + 3
        assertEquals(121, Fixture.CUSTOM_PLAIN.architecture.lookAhead());
    }

    /**
     * A push computes only its new samples from a bounded history: on the CPU, one push of the V1-shaped generator
     * 280 frames into a stream costs about what one 20 frames in does. Recomputing the prefix would make it up to
     * 8 times dearer (300 frames against 40): a stream that runs generate on the whole prefix at each push
     * measured median ratios of 7.1 to 7.9 here, against about 1 for HifiGan's. The two streams advance in turns, one early push then one late push, so that a loaded machine
     * slows both alike, and the median of the 20 pairs' ratios must stay under 3. Three whole streams warm the JIT
     * up first (after one, early pushes still ran several times slower while it compiled); a failed attempt is
     * retried twice, since a slowdown from the machine comes and goes while one from recomputation stays.
     */
    @Test
    void aPushCostsTheSameLateAsEarly() {
        Fixture fixture = Fixture.V1_WEIGHT_NORM;
        HifiGan generator = fixture.load("safetensors");
        int frames = 300;
        int pairs = 20;
        Tensor mel = TestTensors.random(new SplittableRandom(7), DType.FLOAT32, 2, 1, fixture.architecture.numMels(),
                frames);
        List<Tensor> frame = new ArrayList<>();
        for (int i = 0; i < frames; i++) {
            frame.add(frames(mel, i, 1));
        }
        for (int warmUp = 0; warmUp < 3; warmUp++) {
            try (ChunkStream stream = generator.stream(CPU)) {
                frame.forEach(stream::push);
                stream.finish();
            }
        }
        List<String> attempts = new ArrayList<>();
        for (int attempt = 0; attempt < 3; attempt++) {
            double[] ratios = new double[pairs];
            try (ChunkStream early = generator.stream(CPU); ChunkStream late = generator.stream(CPU)) {
                frame.subList(0, pairs).forEach(early::push);
                frame.subList(0, frames - pairs).forEach(late::push);
                for (int k = 0; k < pairs; k++) {
                    long start = System.nanoTime();
                    early.push(frame.get(pairs + k));
                    long middle = System.nanoTime();
                    late.push(frame.get(frames - pairs + k));
                    ratios[k] = (double) (System.nanoTime() - middle) / Math.max(1, middle - start);
                }
            }
            double ratio = median(ratios);
            if (ratio <= 3) {
                return;
            }
            attempts.add(String.format("%.2f", ratio));
        }
        fail("a push after " + (frames - pairs) + " frames costs more than 3 times one after " + pairs
                + " (median ratios of " + pairs + " pairs, in three attempts: " + attempts + ")");
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return (sorted[(sorted.length - 1) / 2] + sorted[sorted.length / 2]) / 2;
    }

    @Test
    void aStreamRefusesBadChunksAndEndsOnce() {
        Fixture fixture = Fixture.V3_PARAMETRIZATIONS;
        HifiGan generator = fixture.load("safetensors");
        Tensor mel = fixture.mel();
        Tensor whole = generator.generate(CPU, mel);
        try (ChunkStream stream = generator.stream(CPU)) {
            assertThrows(IllegalStateException.class, stream::finish, "finish before any push");
            String message = assertThrows(IllegalArgumentException.class,
                    () -> stream.push(Tensor.of(new float[79 * 2], 1, 79, 2))).getMessage();
            assertTrue(message.contains("79"), message);
            List<Tensor> parts = new ArrayList<>();
            parts.add(stream.push(frames(mel, 0, 4)));
            assertThrows(IllegalArgumentException.class, () -> stream.push(frames(mel, 4, 1).to(DType.FLOAT64)),
                    "a chunk of another dtype");
            assertThrows(IllegalArgumentException.class, () -> stream.push(Tensor.of(new float[80 * 3], 2, 80, 3)),
                    "a chunk of another batch");
            parts.add(stream.push(frames(mel, 4, mel.dim(2) - 4)));
            parts.add(stream.finish());
            HifiGanTest.assertWithin(FLOAT32_STREAM_BOUND, concatenate(parts, 1, DType.FLOAT32), whole,
                    "the refused chunks left the stream as it was");
            assertThrows(IllegalStateException.class, () -> stream.push(frames(mel, 0, 1)), "push after finish");
            assertThrows(IllegalStateException.class, stream::finish, "finish twice");
        }
    }
}
