package io.clconvt.internal.kernels;

import static org.jocl.CL.clReleaseEvent;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.clconvt.DType;
import io.clconvt.Layout;
import io.clconvt.Tensor;
import io.clconvt.internal.DeviceCapabilities;
import io.clconvt.internal.DeviceSelection;
import io.clconvt.internal.WeightGradientProblem;
import io.clconvt.internal.kernels.WeightGradientKernel.Tile;
import io.clconvt.internal.kernels.WeightGradientKernel.Variant;
import io.clconvt.internal.opencl.ClBuffer;
import io.clconvt.internal.opencl.ClContext;
import io.clconvt.internal.opencl.ClDevice;
import io.clconvt.internal.opencl.ProgramCache;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.testing.Accuracy;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestTensors;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.jocl.cl_event;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The weight-gradient kernels against a plain double loop over the definition in
 * {@link WeightGradientProblem}: every dtype, both layouts, both variants and each tile shape the rule can
 * take, on shapes with groups, depthwise groups, stride, dilation, padding beyond the taps' reach, B shorter
 * than the taps' reach, batches, and a reduction of 10^5 products; NaN and Inf reaching exactly the elements
 * they touch; NLC's scratch copies released.
 */
class WeightGradientKernelTest {
    private static ClContext context;
    private static ProgramCache programs;

    @BeforeAll
    static void open() {
        OpenClSupport.backend(KernelVariant.AUTO).close(); // skips, or fails under CI, without a device
        context = new ClContext(ClDevice.select(DeviceSelection.fromEnvironment()), false);
        programs = new ProgramCache(context);
    }

    @AfterAll
    static void close() {
        if (programs != null) {
            programs.close();
        }
        if (context != null) {
            context.close();
        }
    }

    /** A, B as (N, C, L) (the test's own order) and the problem's scalar parameters. */
    private record Shape(int batch, int aChannels, int aLength, int bChannels, int bLength, int groups,
            int kernelSize, int stride, int dilation, int padLeft, String label) {
        WeightGradientProblem problem(DType dtype, Layout layout) {
            return new WeightGradientProblem(dtype, layout, batch, aChannels, aLength, bChannels, bLength, groups,
                    kernelSize, stride, dilation, padLeft);
        }
    }

    private static List<Shape> shapes() {
        List<Shape> shapes = new ArrayList<>();
        shapes.add(new Shape(2, 5, 13, 6, 38, 1, 4, 3, 1, 1, "dense, stride 3, batch 2"));
        shapes.add(new Shape(1, 6, 40, 10, 41, 2, 5, 1, 2, 3, "2 groups, dilation 2"));
        shapes.add(new Shape(3, 4, 37, 4, 37, 4, 7, 1, 1, 3, "depthwise, batch 3"));
        shapes.add(new Shape(1, 3, 20, 4, 30, 1, 3, 2, 1, 10, "padding beyond the taps' reach at the start"));
        shapes.add(new Shape(1, 2, 9, 3, 30, 1, 3, 2, 1, 100, "padding beyond B: all zero"));
        shapes.add(new Shape(2, 3, 30, 5, 5, 1, 4, 2, 1, 0, "B shorter than the taps' reach"));
        shapes.add(new Shape(1, 8, 11, 12, 88, 1, 16, 8, 1, 4, "HiFi-GAN-like, K 16 stride 8"));
        shapes.add(new Shape(2, 9, 7, 14, 70, 1, 20, 8, 1, 4, "K 20: a partial tap vector"));
        shapes.add(new Shape(2, 8, 50, 8, 50, 1, 3, 1, 3, 3, "Conv1d-like, dilation 3"));
        shapes.add(new Shape(1, 4, 35, 6, 33, 2, 3, 3, 2, 1, "stride 3 and dilation 2, groups"));
        return shapes;
    }

    /** Every tile the rule can pick on this device, so that each kernel runs every shape. */
    private static List<Tile> tiles(DType dtype) {
        DeviceCapabilities device = context.device().capabilities();
        List<Tile> tiles = new ArrayList<>();
        // problems that make the rule pick each tile: dense with K >= vector, dense with dilation 2, depthwise
        tiles.add(WeightGradientKernel.tile(new WeightGradientProblem(dtype, Layout.NCL, 1, 64, 8, 64, 8, 1, 16, 1,
                1, 0), device));
        tiles.add(WeightGradientKernel.tile(new WeightGradientProblem(dtype, Layout.NCL, 1, 64, 8, 64, 8, 1, 3, 1,
                2, 0), device));
        tiles.add(WeightGradientKernel.tile(new WeightGradientProblem(dtype, Layout.NCL, 1, 64, 8, 64, 8, 64, 3, 1,
                1, 0), device));
        assertEquals(List.of(Variant.TAPS, Variant.REDUCTION, Variant.REDUCTION),
                tiles.stream().map(Tile::variant).toList());
        assertEquals(1, tiles.get(2).rows());
        return tiles;
    }

    @Test
    void everyDtypeLayoutAndTileMatchesTheDefinition() {
        SplittableRandom random = new SplittableRandom(11);
        int checked = 0;
        for (DType dtype : DType.values()) {
            List<Tile> tiles = tiles(dtype);
            for (Layout layout : Layout.values()) {
                for (Shape shape : shapes()) {
                    // 16-bit and FLOAT64 take every tile on half the shapes, turning over with the layout
                    if (dtype != DType.FLOAT32 && (shapes().indexOf(shape) + layout.ordinal()) % 2 == 1) {
                        continue;
                    }
                    Tensor a = TestTensors.random(random, dtype, 1, shape.batch, shape.aChannels, shape.aLength);
                    Tensor b = TestTensors.random(random, dtype, 1, shape.batch, shape.bChannels, shape.bLength);
                    WeightGradientProblem problem = shape.problem(dtype, layout);
                    Expected expected = reference(problem, a.toDoubleArray(), b.toDoubleArray());
                    for (Tile tile : tiles) {
                        Tensor g = run(problem, tile, a, b);
                        assertWithinBound(g, expected, problem.reductionLength(),
                                dtype + " " + layout + " " + tile + " " + shape.label);
                        checked++;
                    }
                    // and the rule's own choice, through the entry point the backends call
                    assertWithinBound(run(problem, null, a, b), expected, problem.reductionLength(),
                            dtype + " " + layout + " rule " + shape.label);
                }
            }
        }
        assertTrue(checked > 100, "ran " + checked);
    }

    @Test
    void aReductionOfAHundredThousandProductsStaysWithinGammaR() {
        SplittableRandom random = new SplittableRandom(12);
        // positive values: the sum is as large as its magnitude, so a lost carry shows; R = 2 x 50,000
        Shape shape = new Shape(2, 4, 50_000, 6, 50_001, 1, 3, 1, 1, 1, "long");
        Tensor a = TestTensors.random(random, DType.FLOAT32, 1, shape.batch, shape.aChannels, shape.aLength);
        Tensor b = TestTensors.random(random, DType.FLOAT32, 1, shape.batch, shape.bChannels, shape.bLength);
        a = TestTensors.of(DType.FLOAT32, abs(a.toDoubleArray()), a.shape());
        b = TestTensors.of(DType.FLOAT32, abs(b.toDoubleArray()), b.shape());
        for (Layout layout : Layout.values()) {
            WeightGradientProblem problem = shape.problem(DType.FLOAT32, layout);
            assertEquals(100_000, problem.reductionLength());
            Expected expected = reference(problem, a.toDoubleArray(), b.toDoubleArray());
            for (Tile tile : tiles(DType.FLOAT32)) {
                assertWithinBound(run(problem, tile, a, b), expected, problem.reductionLength(),
                        layout + " " + tile);
            }
        }
    }

    @Test
    void nanAndInfReachExactlyTheElementsTheyTouch() {
        SplittableRandom random = new SplittableRandom(13);
        for (DType dtype : DType.values()) {
            // padding 3: A position 0's taps 0..2 land before B and must stay finite
            Shape shape = new Shape(2, 4, 20, 6, 24, 2, 5, 1, 1, 3, "non-finite");
            double[] a = TestTensors.random(random, dtype, 1, shape.batch, shape.aChannels, shape.aLength)
                    .toDoubleArray();
            double[] b = TestTensors.random(random, dtype, 1, shape.batch, shape.bChannels, shape.bLength)
                    .toDoubleArray();
            a[(1 * shape.aChannels + 1) * shape.aLength] = Double.NaN;          // n 1, c1 1, a 0
            b[(0 * shape.bChannels + 4) * shape.bLength + 23] = Double.POSITIVE_INFINITY; // n 0, c2 4, last
            Tensor at = TestTensors.of(dtype, a, shape.batch, shape.aChannels, shape.aLength);
            Tensor bt = TestTensors.of(dtype, b, shape.batch, shape.bChannels, shape.bLength);
            for (Layout layout : Layout.values()) {
                WeightGradientProblem problem = shape.problem(dtype, layout);
                Expected expected = reference(problem, at.toDoubleArray(), bt.toDoubleArray());
                long nonFinite = java.util.Arrays.stream(expected.values).filter(v -> !Double.isFinite(v)).count();
                assertTrue(nonFinite > 0 && nonFinite < expected.values.length / 4, "non-finite: " + nonFinite);
                for (Tile tile : tiles(dtype)) {
                    assertWithinBound(run(problem, tile, at, bt), expected, problem.reductionLength(),
                            dtype + " " + layout + " " + tile);
                }
            }
        }
    }

    @Test
    void channelsLastScratchBuffersAreReleased() {
        SplittableRandom random = new SplittableRandom(14);
        Shape shape = new Shape(2, 6, 30, 8, 31, 2, 3, 1, 2, 2, "scratch");
        Tensor a = TestTensors.random(random, DType.FLOAT32, 1, shape.batch, shape.aChannels, shape.aLength);
        Tensor b = TestTensors.random(random, DType.FLOAT32, 1, shape.batch, shape.bChannels, shape.bLength);
        int live = ClBuffer.liveCount();
        WeightGradientProblem problem = shape.problem(DType.FLOAT32, Layout.NLC);
        assertWithinBound(run(problem, null, a, b), reference(problem, a.toDoubleArray(), b.toDoubleArray()),
                problem.reductionLength(), "NLC");
        assertEquals(live, ClBuffer.liveCount(), "buffers left open");
    }

    @Test
    void problemRefusesBadValuesNamingThem() {
        IllegalArgumentException groups = assertThrows(IllegalArgumentException.class,
                () -> new WeightGradientProblem(DType.FLOAT32, Layout.NCL, 1, 6, 4, 4, 4, 3, 3, 1, 1, 0));
        assertTrue(groups.getMessage().contains("groups (3)") && groups.getMessage().contains("bChannels (4)"),
                groups.getMessage());
        IllegalArgumentException stride = assertThrows(IllegalArgumentException.class,
                () -> new WeightGradientProblem(DType.FLOAT32, Layout.NCL, 1, 4, 4, 4, 4, 1, 3, 0, 1, 0));
        assertTrue(stride.getMessage().contains("stride") && stride.getMessage().contains("0"), stride.getMessage());
        IllegalArgumentException pad = assertThrows(IllegalArgumentException.class,
                () -> new WeightGradientProblem(DType.FLOAT32, Layout.NCL, 1, 4, 4, 4, 4, 1, 3, 1, 1, -1));
        assertTrue(pad.getMessage().contains("padLeft"), pad.getMessage());
        IllegalArgumentException huge = assertThrows(IllegalArgumentException.class,
                () -> new WeightGradientProblem(DType.FLOAT32, Layout.NCL, 1, 65_536, 4, 65_536, 4, 1, 1, 1, 1, 0));
        assertTrue(huge.getMessage().contains("4294967296"), huge.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new WeightGradientProblem(null, Layout.NCL, 1, 4, 4, 4, 4, 1, 3, 1, 1, 0));

        WeightGradientProblem problem = new WeightGradientProblem(DType.FLOAT32, Layout.NLC, 3, 6, 10, 4, 12, 2, 5,
                2, 1, 1);
        assertArrayEquals(new int[] {6, 2, 5}, problem.outputShape());
        assertEquals(60, problem.outputElements());
        assertEquals(30, problem.reductionLength());
    }

    /** G computed on the device, with {@code tile} or (null) the rule's, from NCL-ordered a and b. */
    private static Tensor run(WeightGradientProblem problem, Tile tile, Tensor a, Tensor b) {
        Tensor aStored = problem.layout() == Layout.NLC ? TestTensors.swapLastAxes(a) : a;
        Tensor bStored = problem.layout() == Layout.NLC ? TestTensors.swapLastAxes(b) : b;
        try (ClBuffer aBuffer = ClBuffer.upload(context, aStored);
                ClBuffer bBuffer = ClBuffer.upload(context, bStored);
                ClBuffer out = ClBuffer.allocate(context,
                        (long) problem.outputElements() * problem.dtype().byteSize())) {
            out.poison(problem.dtype());
            cl_event event = tile == null
                    ? WeightGradientKernel.enqueue(context, programs, problem, aBuffer, bBuffer, out)
                    : WeightGradientKernel.enqueue(context, programs, problem, tile, aBuffer, bBuffer, out);
            try {
                return out.read(problem.dtype(), problem.outputShape());
            } finally {
                clReleaseEvent(event);
            }
        }
    }

    /** The exact-as-double value of each G element and the sum of its products' magnitudes. */
    record Expected(double[] values, double[] magnitudes) {
    }

    /** The definition, in double, over (N, C, L)-ordered values; B positions outside it are skipped. */
    private static Expected reference(WeightGradientProblem p, double[] a, double[] b) {
        int aGroup = p.aChannels() / p.groups();
        int bGroup = p.bChannels() / p.groups();
        double[] values = new double[p.outputElements()];
        double[] magnitudes = new double[p.outputElements()];
        for (int c1 = 0; c1 < p.aChannels(); c1++) {
            for (int c2l = 0; c2l < bGroup; c2l++) {
                int c2 = c1 / aGroup * bGroup + c2l;
                for (int k = 0; k < p.kernelSize(); k++) {
                    double sum = 0;
                    double magnitude = 0;
                    for (int n = 0; n < p.batch(); n++) {
                        for (int i = 0; i < p.aLength(); i++) {
                            long position = (long) i * p.stride() + (long) k * p.dilation() - p.padLeft();
                            if (position >= 0 && position < p.bLength()) {
                                double product = a[(n * p.aChannels() + c1) * p.aLength() + i]
                                        * b[(int) ((n * p.bChannels() + c2) * (long) p.bLength() + position)];
                                sum += product;
                                magnitude += Math.abs(product);
                            }
                        }
                    }
                    int e = (c1 * bGroup + c2l) * p.kernelSize() + k;
                    values[e] = sum;
                    magnitudes[e] = magnitude;
                }
            }
        }
        return new Expected(values, magnitudes);
    }

    /**
     * The classic bound for a sum of {@code terms} products, as {@link Accuracy} states it: any summation order
     * is within gamma(terms) * S of the exact sum, the double reference carries such an error too (which
     * matters for FLOAT64), each side may round its result once, and 16-bit storage rounds the result once more. Non-finite references are matched
     * exactly: NaN by NaN, an infinity by the same infinity.
     */
    static void assertWithinBound(Tensor actual, Expected expected, long terms, String label) {
        DType dtype = actual.dtype();
        double u = Accuracy.unitRoundoff(dtype);
        double v = Accuracy.storageRoundoff(dtype);
        double eta = Accuracy.storageUnderflow(dtype);
        double gamma = terms * u / (1 - terms * u);
        double[] got = actual.toDoubleArray();
        assertEquals(expected.values.length, got.length, label + ": elements");
        for (int e = 0; e < got.length; e++) {
            double want = expected.values[e];
            if (!Double.isFinite(want) || !Double.isFinite(got[e])) {
                if (Double.compare(want, got[e]) != 0 && !(Double.isNaN(want) && Double.isNaN(got[e]))) {
                    fail(label + ": element " + e + " is " + got[e] + ", expected " + want);
                }
                continue;
            }
            double error = 2 * gamma * expected.magnitudes[e] + 2 * u * Math.abs(want);
            double bound = error + 2 * v * (Math.abs(want) + error) + 2 * eta;
            if (Math.abs(got[e] - want) > bound) {
                fail(label + ": element " + e + " is " + got[e] + ", expected " + want + " within " + bound);
            }
        }
    }

    private static double[] abs(double[] values) {
        double[] result = values.clone();
        for (int i = 0; i < result.length; i++) {
            result[i] = Math.abs(result[i]);
        }
        return result;
    }
}
