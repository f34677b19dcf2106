package io.clconvt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.clconvt.internal.HalfFloats;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.testing.Accuracy;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestScope;
import io.clconvt.testing.TestTensors;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * FLOAT16 and BFLOAT16: the host conversions against an independent oracle (the midpoints between
 * neighbouring 16-bit values), the device's loads and rounding stores bit for bit on every variant, and the
 * module, device tensors and Sequential in 16 bits.
 *
 * <p>Each (variant, dtype, layout, shape) is a program that POCL compiles slowly in 16 bits. The default
 * build runs everything on the CPU and the direct kernel; each specialised variant stores every pattern in
 * both dtypes, the layout alternating between them (its own layouts only: the rows variant runs NCL), and
 * runs the device-tensor test in one dtype and the stack in the other. The exhaustive profile
 * ({@link TestScope}) runs every dtype and layout on every variant.
 */
class HalfPrecisionTest {
    private static final DType[] HALVES = {DType.FLOAT16, DType.BFLOAT16};

    private static float value(DType dtype, int bits) {
        return dtype == DType.FLOAT16 ? HalfFloats.fromFloat16((short) bits) : HalfFloats.fromBfloat16((short) bits);
    }

    private static short round(DType dtype, double value) {
        return dtype == DType.FLOAT16 ? HalfFloats.toFloat16(value) : HalfFloats.toBfloat16(value);
    }

    /** The bit pattern of positive infinity. */
    private static int infinity(DType dtype) {
        return dtype == DType.FLOAT16 ? 0x7c00 : 0x7f80;
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT16", "BFLOAT16"})
    void everyFiniteValueRoundTripsAndMidpointsRoundToEven(DType dtype) {
        int infinity = infinity(dtype);
        for (int bits = 0; bits < infinity; bits++) {
            double v = value(dtype, bits);
            double next = value(dtype, bits + 1); // bits + 1 == infinity: the overflow threshold's neighbour
            if (bits + 1 == infinity) {
                next = 2 * v - value(dtype, bits - 1); // where the next finite value would be
            }
            assertEquals(bits, round(dtype, v), "value of " + Integer.toHexString(bits));
            assertEquals((short) (bits | 0x8000), round(dtype, -v), "negative of " + Integer.toHexString(bits));
            double midpoint = (v + next) / 2; // exact in double
            int even = (bits & 1) == 0 ? bits : bits + 1;
            assertEquals((short) even, round(dtype, midpoint), "tie above " + Integer.toHexString(bits));
            assertEquals((short) bits, round(dtype, Math.nextDown(midpoint)), "below the tie above "
                    + Integer.toHexString(bits));
            assertEquals((short) (bits + 1), round(dtype, Math.nextUp(midpoint)), "above the tie above "
                    + Integer.toHexString(bits));
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT16", "BFLOAT16"})
    void specialValuesConvert(DType dtype) {
        int infinity = infinity(dtype);
        assertEquals(Float.POSITIVE_INFINITY, value(dtype, infinity));
        assertEquals(Float.NEGATIVE_INFINITY, value(dtype, infinity | 0x8000));
        assertEquals((short) infinity, round(dtype, Double.POSITIVE_INFINITY));
        assertEquals((short) infinity, round(dtype, Double.MAX_VALUE));
        assertEquals((short) 0x8000, round(dtype, -0.0));
        assertEquals((short) 0x8000, round(dtype, -Double.MIN_VALUE));
        assertTrue(Float.isNaN(value(dtype, round(dtype, Double.NaN))));
        assertTrue(Float.isNaN(value(dtype, infinity + 1)));
        double negativeNaN = Double.longBitsToDouble(0xfff8_0000_0000_0000L);
        assertEquals(0x8000, round(dtype, negativeNaN) & 0x8000, "NaN keeps its sign");
    }

    @Test
    void float16KnownPatterns() {
        assertEquals((short) 0x3c00, HalfFloats.toFloat16(1));
        assertEquals((short) 0x7bff, HalfFloats.toFloat16(65504));
        assertEquals((short) 0x7bff, HalfFloats.toFloat16(Math.nextDown(65520.0)));
        assertEquals((short) 0x7c00, HalfFloats.toFloat16(65520), "the tie above the largest finite overflows");
        assertEquals((short) 0x0001, HalfFloats.toFloat16(0x1p-24));
        assertEquals((short) 0x0000, HalfFloats.toFloat16(0x1p-25), "the tie with 0 rounds to even");
        assertEquals((short) 0x0001, HalfFloats.toFloat16(Math.nextUp(0x1p-25)));
        assertEquals((short) 0x0400, HalfFloats.toFloat16(0x1p-14));
        assertEquals((short) 0x3555, HalfFloats.toFloat16(1.0 / 3));
        assertEquals(0x1p-24f, HalfFloats.fromFloat16((short) 1));
        // One rounding from double: 1 + 2^-11 + 2^-40 is above the tie, although as a float it is the tie.
        assertEquals((short) 0x3c01, HalfFloats.toFloat16(1 + 0x1p-11 + 0x1p-40));
    }

    @Test
    void bfloat16KnownPatterns() {
        assertEquals((short) 0x3f80, HalfFloats.toBfloat16(1));
        assertEquals((short) 0x3eab, HalfFloats.toBfloat16(1.0 / 3));
        assertEquals((short) 0x7f7f, HalfFloats.toBfloat16(Float.intBitsToFloat(0x7f7f7fff)));
        assertEquals((short) 0x7f80, HalfFloats.toBfloat16(Float.MAX_VALUE), "rounds up into infinity");
        assertEquals((short) 0x0001, HalfFloats.toBfloat16(0x1p-133));
        assertEquals(Float.MIN_NORMAL, HalfFloats.fromBfloat16((short) 0x0080));
    }

    @Test
    void tensorsConvertBetweenEveryDtype() {
        double[] values = {1.0 / 3, -2.5, 70000, 1e-9, Double.NaN, Double.NEGATIVE_INFINITY};
        Tensor doubles = Tensor.of(values, 2, 3);
        Tensor half = doubles.to(DType.FLOAT16);
        assertEquals(DType.FLOAT16, half.dtype());
        assertArrayEquals(new int[] {2, 3}, half.shape());
        assertArrayEquals(new short[] {0x3555, (short) 0xc100, 0x7c00, 0x0000, 0x7e00, (short) 0xfc00},
                half.toHalfBits());
        assertArrayEquals(new double[] {0x1.554p-2, -2.5, Double.POSITIVE_INFINITY, 0, Double.NaN,
                Double.NEGATIVE_INFINITY}, half.toDoubleArray());
        assertArrayEquals(half.toFloatArray(), half.to(DType.FLOAT32).toFloatArray(), "widening is exact");
        assertArrayEquals(half.toHalfBits(), half.to(DType.FLOAT64).to(DType.FLOAT16).toHalfBits());
        assertArrayEquals(half.toHalfBits(), doubles.to(DType.FLOAT32).to(DType.FLOAT16).toHalfBits());
        Tensor brain = doubles.to(DType.BFLOAT16);
        assertArrayEquals(new short[] {0x3eab, (short) 0xc020, 0x4789, 0x3089, 0x7fc0, (short) 0xff80},
                brain.toHalfBits());
        assertSame(half, half.to(DType.FLOAT16));
        short[] bits = {1, 2, 3};
        Tensor wrapped = Tensor.ofBfloat16Bits(bits, 3);
        bits[0] = 9;
        assertEquals(1, wrapped.toHalfBits()[0], "the factory copies");
        assertThrows(IllegalStateException.class, () -> doubles.toHalfBits());
        assertThrows(IllegalArgumentException.class, () -> Tensor.ofFloat16Bits(bits, 2));
        assertThrows(IllegalArgumentException.class, () -> Tensor.ofFloat16Bits(null, 2));
        Tensor empty = Tensor.ofFloat16Bits(new short[0], 2, 0, 3);
        assertEquals(0, empty.size());
        assertEquals(0, empty.to(DType.FLOAT32).size());
    }

    /**
     * A backend under test: {@code specialised} when its programs are specialised on the shape (each new
     * dtype, layout or shape a new program), {@code rotation} its place in the default build's rotation of
     * dtypes and layouts, {@code layouts} those it has kernels for (in any other it runs the direct kernel).
     */
    record Target(boolean specialised, int rotation, List<Layout> layouts, Supplier<Backend> open) {
        /** Whether the default build runs {@code dtype} on this backend in the device-tensor and stack tests. */
        boolean runs(DType dtype, int shift) {
            return !specialised || TestScope.exhaustive() || dtype == HALVES[(rotation + shift) % HALVES.length];
        }

        /** Whether the default build stores every pattern in {@code dtype} and {@code layout} on this backend. */
        boolean stores(DType dtype, Layout layout) {
            if (!specialised || TestScope.exhaustive()) {
                return true;
            }
            int d = dtype == HALVES[0] ? 0 : 1;
            return layout == layouts.get((d + rotation) % layouts.size());
        }
    }

    static Stream<Named<Target>> backends() {
        List<Layout> both = List.of(Layout.NCL, Layout.NLC);
        return Stream.of(Named.of("cpu", new Target(false, 0, both, Backends::cpu)),
                Named.of("direct", new Target(false, 0, both, () -> OpenClSupport.backend(KernelVariant.DIRECT))),
                Named.of("phase", new Target(true, 0, both, () -> OpenClSupport.backend(KernelVariant.PHASE))),
                Named.of("tiled", new Target(true, 1, both, () -> OpenClSupport.backend(KernelVariant.TILED))),
                Named.of("rows", new Target(true, 0, List.of(Layout.NCL),
                        () -> OpenClSupport.backend(KernelVariant.ROWS))),
                Named.of("gemm", new Target(true, 1, both, () -> OpenClSupport.backend(KernelVariant.GEMM))));
    }

    /**
     * Every 16-bit pattern times 1.5 in 8 output channels: each product is exact in float, so the result is
     * exactly one rounding of it, ties (many: 1.5 adds a bit), subnormals, overflow to infinity and NaN
     * included; every backend must store the same bits as the CPU's rounding from double. NCL stores element
     * by element, NLC whole channel vectors.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void storesRoundToNearestEvenBitForBit(Target target) {
        int stored = 0;
        try (Backend backend = target.open().get()) {
            for (DType dtype : HALVES) {
                for (Layout layout : Layout.values()) {
                    if (!target.stores(dtype, layout)) {
                        continue;
                    }
                    stored++;
                    short[] all = new short[1 << 16];
                    for (int i = 0; i < all.length; i++) {
                        all[i] = (short) i;
                    }
                    int[] shape = layout == Layout.NCL ? new int[] {1, 1, all.length} : new int[] {1, all.length, 1};
                    Tensor x = dtype == DType.FLOAT16 ? Tensor.ofFloat16Bits(all, shape) : Tensor.ofBfloat16Bits(all, shape);
                    float[] ones = new float[8];
                    java.util.Arrays.fill(ones, 1.5f);
                    Tensor weight = Tensor.of(ones, 1, 8, 1).to(dtype);
                    ConvTranspose1dParams params = ConvTranspose1dParams.builder().layout(layout).build();
                    short[] actual = backend.convTranspose1d(x, weight, null, params).toHalfBits();
                    double[] inputs = x.toDoubleArray();
                    for (int i = 0; i < all.length; i++) {
                        short expected = round(dtype, 0.0 + inputs[i] * 1.5); // a sum from +0: -0 becomes +0
                        for (int c = 0; c < 8; c++) {
                            short got = actual[layout == Layout.NCL ? c * all.length + i : i * 8 + c];
                            boolean bothNaN = Float.isNaN(value(dtype, got)) && Float.isNaN(value(dtype, expected));
                            if (got != expected && !bothNaN) {
                                fail(String.format("%s %s: %04x * 1.5 stored as %04x, expected %04x (channel %d)",
                                        dtype, layout, i, got & 0xffff, expected & 0xffff, c));
                            }
                        }
                    }
                }
            }
        }
        assertTrue(stored >= HALVES.length, "stored in " + stored + " dtypes and layouts");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void deviceTensorsKeepTheBitsAndTheModuleConvertsItsParametersOnce(Target target) {
        SplittableRandom random = new SplittableRandom(21);
        ConvTranspose1d layer = new ConvTranspose1d(6, 4, 4,
                ConvTranspose1dParams.builder().stride(2).padding(1).activation(Activation.leakyRelu(0.2)).build(),
                true, 3);
        try (Backend backend = target.open().get(); Backend cpu = Backends.cpu()) {
            for (DType dtype : HALVES) {
                Tensor x = TestTensors.random(random, dtype, 2, 2, 6, 9);
                if (!target.runs(dtype, 0)) {
                    continue;
                }
                try (DeviceTensor resident = backend.upload(x)) {
                    assertEquals(dtype, resident.dtype());
                    assertArrayEquals(x.toHalfBits(), resident.download().toHalfBits());
                    Tensor weight = layer.weightFor(dtype);
                    assertSame(weight, layer.weightFor(dtype), "converted once and kept");
                    assertArrayEquals(layer.weight().to(dtype).toHalfBits(), weight.toHalfBits());
                    assertArrayEquals(layer.bias().to(dtype).toHalfBits(), layer.biasFor(dtype).toHalfBits());
                    Tensor expected = cpu.convTranspose1d(x, weight, layer.biasFor(dtype), layer.params());
                    Tensor host = layer.forward(backend, x);
                    assertEquals(dtype, host.dtype());
                    Accuracy.assertClose(host, expected, x, weight, layer.biasFor(dtype), layer.params(), "forward");
                    try (DeviceTensor y = layer.forward(backend, resident)) {
                        assertArrayEquals(host.toHalfBits(), y.download().toHalfBits(), "device call, same bits");
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void aSequentialStackRunsIn16Bits(Target target) {
        ConvTranspose1d up1 = new ConvTranspose1d(8, 6, 8,
                ConvTranspose1dParams.builder().stride(4).padding(2).build(), true, 1);
        ConvTranspose1d up2 = new ConvTranspose1d(6, 3, 4,
                ConvTranspose1dParams.builder().stride(2).padding(1).layout(Layout.NCL).build(), false, 2);
        Sequential stack = Sequential.builder().add(up1).activation(Activation.leakyRelu(0.1)).add(up2)
                .activation(Activation.TANH).build();
        ConvTranspose1dParams first = up1.params().toBuilder().activation(Activation.leakyRelu(0.1)).build();
        ConvTranspose1dParams second = up2.params().toBuilder().activation(Activation.TANH).build();
        try (Backend backend = target.open().get(); Backend cpu = Backends.cpu()) {
            for (DType dtype : HALVES) {
                if (!target.runs(dtype, 1)) {
                    continue;
                }
                Tensor x = TestTensors.random(new SplittableRandom(8), dtype, 1, 2, 8, 11);
                Tensor y = stack.forward(backend, x);
                assertEquals(dtype, y.dtype());
                assertArrayEquals(new int[] {2, 3, 88}, y.shape());
                // Layer by layer against the CPU on the same 16-bit intermediate values.
                Tensor hidden = up1.run(backend, x, first);
                Accuracy.assertClose(hidden, up1.run(cpu, x, first), x, up1.weightFor(dtype), up1.biasFor(dtype),
                        first, "layer 1");
                Tensor out = up2.run(backend, hidden, second);
                Accuracy.assertClose(out, up2.run(cpu, hidden, second), hidden, up2.weightFor(dtype), null, second,
                        "layer 2");
                assertArrayEquals(out.toHalfBits(), y.toHalfBits(), "device-resident: the same kernels, the same bits");
            }
        }
    }
}
