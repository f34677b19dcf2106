package io.clconvt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The PyTorch-style module: initialisation, repr and forward. */
class ConvTranspose1dModuleTest {
    private static ConvTranspose1dParams.Builder params() {
        return ConvTranspose1dParams.builder();
    }

    @Test
    void initialisationIsSeededAndBoundedByPyTorchsRule() {
        ConvTranspose1dParams p = params().groups(2).build();
        ConvTranspose1d layer = new ConvTranspose1d(6, 4, 3, p, true, 42);
        assertArrayEquals(new int[] {6, 2, 3}, layer.weight().shape());
        assertArrayEquals(new int[] {4}, layer.bias().shape());
        double bound = Math.sqrt(2.0 / (4 * 3));
        for (float v : layer.weight().toFloatArray()) {
            assertTrue(Math.abs(v) < bound, v + " outside (-" + bound + ", " + bound + ")");
        }
        for (float v : layer.bias().toFloatArray()) {
            assertTrue(Math.abs(v) < bound, v + " outside the bias bound");
        }
        ConvTranspose1d same = new ConvTranspose1d(6, 4, 3, p, true, 42);
        ConvTranspose1d other = new ConvTranspose1d(6, 4, 3, p, true, 43);
        assertArrayEquals(layer.weight().toFloatArray(), same.weight().toFloatArray());
        assertFalse(Arrays.equals(layer.weight().toFloatArray(), other.weight().toFloatArray()));
        assertNull(new ConvTranspose1d(6, 4, 3, p, false, 42).bias());
    }

    @Test
    void reprFollowsPyTorch() {
        assertEquals("ConvTranspose1d(512, 256, kernel_size=(16,), stride=(8,), padding=(4,))",
                new ConvTranspose1d(512, 256, 16, params().stride(8).padding(4).build(), true, 0).toString());
        assertEquals("ConvTranspose1d(4, 8, kernel_size=(3,), stride=(1,))",
                new ConvTranspose1d(4, 8, 3, params().build(), true, 0).toString());
        assertEquals("ConvTranspose1d(4, 8, kernel_size=(3,), stride=(2,), padding=(1,), dilation=(2,),"
                        + " output_padding=(1,), groups=2, bias=False",
                new ConvTranspose1d(4, 8, 3, params().stride(2).padding(1).dilation(2).outputPadding(1).groups(2)
                        .build(), false, 0).toString().replaceAll("\\)$", ""));
        assertEquals("ConvTranspose1d(4, 8, kernel_size=(3,), stride=(2,), padding=same, layout=NLC)",
                new ConvTranspose1d(4, 8, 3, params().stride(2).padding(Padding.SAME).layout(Layout.NLC).build(),
                        true, 0).toString());
    }

    @Test
    void forwardAppliesTheLayersParameters() {
        ConvTranspose1dParams p = params().stride(2).padding(1).build();
        ConvTranspose1d layer = new ConvTranspose1d(3, 5, 4, p, true, 7);
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 3, 3);
        try (Backend cpu = Backends.cpu()) {
            Tensor y = layer.forward(cpu, x);
            assertArrayEquals(new int[] {5, 6}, y.shape(), "unbatched in, unbatched out");
            assertArrayEquals(cpu.convTranspose1d(x, layer.weight(), layer.bias(), p).toFloatArray(), y.toFloatArray());
        }
    }

    @Test
    void forwardWithOutputSizeReplacesOutputPadding() {
        ConvTranspose1dParams p = params().stride(4).padding(1).outputPadding(3).build();
        ConvTranspose1d layer = new ConvTranspose1d(2, 2, 4, p, false, 7);
        Tensor x = Tensor.of(new float[2 * 2 * 5], 2, 2, 5);
        try (Backend cpu = Backends.cpu()) {
            assertEquals(21, layer.forward(cpu, x).shape()[2]);
            for (int size = 18; size <= 21; size++) {
                assertEquals(size, layer.forward(cpu, x, size).shape()[2]);
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> layer.forward(cpu, x, 22));
            assertTrue(e.getMessage().contains("[18, 21]"), e.getMessage());
        }
    }

    @Test
    void float64InputUsesTheSameWeightsWidened() {
        ConvTranspose1d layer = new ConvTranspose1d(2, 3, 3, params().stride(2).build(), true, 5);
        float[] data = {0.5f, -1, 2, 0.25f, 3, -2};
        double[] wide = new double[data.length];
        for (int i = 0; i < data.length; i++) {
            wide[i] = data[i];
        }
        try (Backend cpu = Backends.cpu()) {
            Tensor single = layer.forward(cpu, Tensor.of(data, 1, 2, 3));
            Tensor dbl = layer.forward(cpu, Tensor.of(wide, 1, 2, 3));
            assertEquals(DType.FLOAT64, dbl.dtype());
            float[] rounded = dbl.toFloatArray();
            float[] expected = single.toFloatArray();
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], rounded[i], Math.ulp(expected[i]));
            }
        }
    }
}
