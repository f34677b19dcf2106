package io.clconvt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestTensors;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Layer graphs: a block's result against the same arithmetic done layer by layer on the host (each layer a
 * plain call, activations, sums and means in double), on the CPU and OpenCL, in FLOAT64 where the two must
 * agree to rounding; streams of blocks against the one-shot call for random chunkings; fusion and refusals.
 */
class BlockTest {
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

    private static final Activation SLOPE = Activation.leakyRelu(0.1);

    private static Conv1d conv(int channels, int k, int d, long seed) {
        return new Conv1d(channels, channels, k, Conv1dParams.builder().dilation(d).padding((k * d - d) / 2).build(),
                true, seed);
    }

    /** A HiFi-GAN-like piece: upsample, then the mean of two residual blocks, then an activation. */
    private static Block stage() {
        ConvTranspose1d up = new ConvTranspose1d(6, 4, 4, ConvTranspose1dParams.builder().stride(2).padding(1).build(),
                true, 1);
        Block first = Block.chain(
                Block.residual(Block.chain(Block.activation(SLOPE), Block.of(conv(4, 3, 1, 2)), Block.activation(SLOPE),
                        Block.of(conv(4, 3, 1, 3)))),
                Block.residual(Block.chain(Block.activation(SLOPE), Block.of(conv(4, 3, 3, 4)), Block.activation(SLOPE),
                        Block.of(conv(4, 3, 1, 5)))));
        Block second = Block.residual(Block.chain(Block.activation(SLOPE), Block.of(conv(4, 5, 2, 6))));
        return Block.chain(Block.activation(SLOPE), Block.of(up), Block.mean(first, second),
                Block.activation(Activation.TANH));
    }

    /** The same arithmetic, layer by layer on the CPU backend in FLOAT64, activations and sums in double. */
    private static Tensor byHand(Tensor x) {
        Backend cpu = CPU;
        ConvTranspose1d up = new ConvTranspose1d(6, 4, 4, ConvTranspose1dParams.builder().stride(2).padding(1).build(),
                true, 1);
        Tensor h = up.forward(cpu, map(x, SLOPE));
        Tensor a = add(h, conv(4, 3, 1, 3).forward(cpu, map(conv(4, 3, 1, 2).forward(cpu, map(h, SLOPE)), SLOPE)));
        a = add(a, conv(4, 3, 1, 5).forward(cpu, map(conv(4, 3, 3, 4).forward(cpu, map(a, SLOPE)), SLOPE)));
        Tensor b = add(h, conv(4, 5, 2, 6).forward(cpu, map(h, SLOPE)));
        double[] u = a.toDoubleArray();
        double[] v = b.toDoubleArray();
        for (int i = 0; i < u.length; i++) {
            u[i] = Math.tanh((u[i] + v[i]) / 2);
        }
        return Tensor.of(u, a.shape());
    }

    private static Tensor map(Tensor t, Activation f) {
        double[] v = t.toDoubleArray();
        for (int i = 0; i < v.length; i++) {
            v[i] = f.apply(v[i]);
        }
        return Tensor.of(v, t.shape());
    }

    private static Tensor add(Tensor a, Tensor b) {
        double[] u = a.toDoubleArray();
        double[] v = b.toDoubleArray();
        for (int i = 0; i < u.length; i++) {
            u[i] += v[i];
        }
        return Tensor.of(u, a.shape());
    }

    @Test
    void aBlockComputesWhatItsLayersDoOneByOne() {
        Tensor x = TestTensors.random(new SplittableRandom(3), DType.FLOAT64, 1, 2, 6, 21);
        Tensor expected = byHand(x);
        for (Backend backend : List.of(CPU, openCl())) {
            Tensor y = stage().forward(backend, x);
            assertArrayEquals(new int[] {2, 4, 42}, y.shape());
            assertTrue(Tensor.maxRelativeDifference(y, expected) < 1e-12,
                    backend.describe() + ": " + Tensor.maxRelativeDifference(y, expected));
            Tensor y32 = stage().forward(backend, x.to(DType.FLOAT32));
            double[] a = y32.toDoubleArray();
            double[] b = expected.toDoubleArray();
            for (int i = 0; i < a.length; i++) {
                // tanh outputs of sums of at most a few hundred FLOAT32 products of O(1) values
                assertEquals(b[i], a[i], 1e-5, backend.describe() + " FLOAT32 element " + i);
            }
        }
    }

    @Test
    void activationsAreFusedIntoTheLayersAroundThem() {
        String graph = stage().toString();
        // The leading activation is read by the upsampling layer, the ones inside the branches by their
        // first convolution or written by it, the final one by the mean: no activation pass is left.
        assertTrue(!graph.contains("chain(" + SLOPE + ",") && graph.contains(SLOPE + " -> ConvTranspose1d"), graph);
        assertTrue(graph.endsWith(") -> " + Activation.TANH + ")"), graph); // the mean applies it
    }

    @TestFactory
    Stream<DynamicTest> streamsEqualTheOneShotCall() {
        return onBothBackends(backend -> assertStreamsEqualTheOneShotCall(backend, stage(), 6,
                new SplittableRandom(9), 7));
    }

    /**
     * A mean whose branches give their outputs in different pushes: a stride-2 convolution gives one output
     * every second input position, and one with a wider kernel gives it a position later, so each push leaves
     * one branch with outputs the other has not reached, and some pushes give one branch nothing new while
     * the mean still averages what it had waiting.
     */
    @TestFactory
    Stream<DynamicTest> aMeanOfBranchesThatGiveOutputsInDifferentPushesStreamsExactly() {
        Block block = Block.mean(
                Block.of(new Conv1d(3, 4, 2, Conv1dParams.builder().stride(2).build(), true, 21)),
                Block.of(new Conv1d(3, 4, 4, Conv1dParams.builder().stride(2).padding(1).build(), true, 22)));
        return onBothBackends(backend -> assertStreamsEqualTheOneShotCall(backend, block, 3,
                new SplittableRandom(23), 4));
    }

    /**
     * A residual over a reflect-padded convolution: its stream keeps every chunk and computes at finish (reflect
     * padding reads the end of the input), so the skip path's whole queue goes into that one step's epilogue.
     */
    @TestFactory
    Stream<DynamicTest> aResidualOverAReflectPaddedConvolutionStreamsExactly() {
        Block block = Block.residual(Block.of(new Conv1d(4, 4, 3, Conv1dParams.builder().padding(1)
                .paddingMode(PaddingMode.REFLECT).build(), true, 24)));
        return onBothBackends(backend -> assertStreamsEqualTheOneShotCall(backend, block, 4,
                new SplittableRandom(25), 5));
    }

    /**
     * A chain whose layers hand their new outputs on as the next layer's whole window (the producer gives the
     * consumer's history again instead of the consumer joining it): a dilated convolution writing an activation,
     * a strided one, a transposed convolution on either side of a plain one; then a reflect-padded layer (which
     * computes at finish) and a layer reading an activation, which join their chunks themselves.
     */
    @TestFactory
    Stream<DynamicTest> aChainOfLayersHandingOnWindowsStreamsExactly() {
        Block block = Block.chain(
                Block.of(new Conv1d(3, 4, 3, Conv1dParams.builder().padding(2).dilation(2).build(), true, 31)),
                Block.activation(SLOPE),
                Block.of(new Conv1d(4, 4, 4, Conv1dParams.builder().stride(2).padding(1).build(), true, 32)),
                Block.of(new ConvTranspose1d(4, 4, 4, ConvTranspose1dParams.builder().stride(2).padding(1).build(),
                        true, 33)),
                Block.of(new Conv1d(4, 4, 3, Conv1dParams.builder().padding(1).build(), true, 34)),
                Block.of(new Conv1d(4, 4, 3, Conv1dParams.builder().padding(1).paddingMode(PaddingMode.REFLECT)
                        .build(), true, 35)),
                Block.activation(SLOPE), Block.activation(Activation.TANH),
                Block.of(new Conv1d(4, 4, 3, Conv1dParams.builder().padding(1).build(), true, 36)));
        String graph = block.toString();
        assertTrue(graph.contains(Activation.TANH + " -> Conv1d("), "the last layer reads the activation: " + graph);
        return onBothBackends(backend -> assertStreamsEqualTheOneShotCall(backend, block, 3,
                new SplittableRandom(37), 5));
    }

    /** A residual branch that shortens its input leaves skip positions without an output: finish says so. */
    @TestFactory
    Stream<DynamicTest> aStreamedResidualRefusesABranchThatShortensItsInput() {
        Block block = Block.residual(Block.of(new Conv1d(4, 4, 3, Conv1dParams.builder().build(), true, 26)));
        return onBothBackends(backend -> {
            try (ChunkStream stream = block.stream(backend)) {
                stream.push(TestTensors.random(new SplittableRandom(27), DType.FLOAT64, 1, 1, 4, 10));
                IllegalStateException e = assertThrows(IllegalStateException.class, stream::finish);
                assertTrue(e.getMessage().contains("keep the length of its input")
                        && e.getMessage().contains("2 positions"), e.getMessage());
            }
        });
    }

    private static Stream<DynamicTest> onBothBackends(Consumer<Backend> test) {
        return Stream.of("cpu", "opencl").map(name -> DynamicTest.dynamicTest(name,
                () -> test.accept(name.equals("cpu") ? CPU : openCl())));
    }

    /**
     * Streams 30 random positions of {@code channels} channels through {@code block} three times, in pushes of
     * one position and then of 1 to {@code maxChunk}, each time against the one-shot call on the whole input.
     */
    private static void assertStreamsEqualTheOneShotCall(Backend backend, Block block, int channels,
            SplittableRandom random, int maxChunk) {
        Tensor x = TestTensors.random(random, DType.FLOAT64, 1, 1, channels, 30);
        Tensor whole = block.forward(backend, x);
        int outputs = whole.dim(2);
        double[] all = x.toDoubleArray();
        for (int trial = 0; trial < 3; trial++) {
            double[] joined = new double[whole.size()];
            int written = 0;
            try (ChunkStream stream = block.stream(backend)) {
                for (int at = 0; at < 30; ) {
                    int size = trial == 0 ? 1 : Math.min(30 - at, 1 + random.nextInt(maxChunk));
                    double[] part = new double[channels * size];
                    for (int c = 0; c < channels; c++) {
                        System.arraycopy(all, c * 30 + at, part, c * size, size);
                    }
                    written = append(joined, written, stream.push(Tensor.of(part, 1, channels, size)), outputs);
                    at += size;
                }
                written = append(joined, written, stream.finish(), outputs);
            }
            assertEquals(outputs, written);
            assertArrayEquals(whole.toDoubleArray(), joined, 1e-12, backend.describe() + " trial " + trial);
        }
    }

    /** Appends a (1, 4, n) result to a (1, 4, total) array at position {@code at}; returns the new position. */
    private static int append(double[] joined, int at, Tensor part, int total) {
        int n = part.dim(2);
        double[] values = part.toDoubleArray();
        for (int c = 0; c < 4; c++) {
            System.arraycopy(values, c * n, joined, c * total + at, n);
        }
        return at + n;
    }

    @Test
    void blocksRefuseWhatTheyCannotCompute() {
        Conv1d ncl = conv(4, 3, 1, 1);
        Conv1d nlc = new Conv1d(4, 4, 3, Conv1dParams.builder().padding(1).layout(Layout.NLC).build(), true, 1);
        assertThrows(IllegalArgumentException.class, () -> Block.chain(Block.of(ncl), Block.of(nlc)));
        assertThrows(IllegalArgumentException.class, () -> Block.chain());
        assertThrows(IllegalArgumentException.class, () -> Block.mean());
        Conv1d shrinking = new Conv1d(4, 4, 3, Conv1dParams.builder().build(), true, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Block.residual(Block.of(shrinking)).forward(CPU, TestTensors.random(1, 1, 4, 10)));
        assertTrue(e.getMessage().contains("shapes"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Block.of(ncl).forward(CPU, TestTensors.random(1, 1, 5, 10)));
    }
}
