package io.clconvt.compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.Layout;
import io.clconvt.Padding;
import io.clconvt.Tensor;
import io.clconvt.testing.TestTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WeightsTest {
    /** TensorFlow filters (K 2, Cout 3, Cin 4) whose value at [k][co][ci] is 100k + 10co + ci. */
    private static Tensor labelledTensorFlowFilters() {
        double[] data = new double[2 * 3 * 4];
        for (int k = 0; k < 2; k++) {
            for (int co = 0; co < 3; co++) {
                for (int ci = 0; ci < 4; ci++) {
                    data[(k * 3 + co) * 4 + ci] = 100 * k + 10 * co + ci;
                }
            }
        }
        return Tensor.of(data, 2, 3, 4);
    }

    @Test
    void fromTensorFlowPutsEachTapWhereTheCoreReadsIt() {
        Tensor core = Weights.fromTensorFlow(labelledTensorFlowFilters());

        assertArrayEquals(new int[] {4, 3, 2}, core.shape());
        assertEquals(DType.FLOAT64, core.dtype());
        double[] values = core.toDoubleArray();
        for (int ci = 0; ci < 4; ci++) {
            for (int co = 0; co < 3; co++) {
                for (int k = 0; k < 2; k++) {
                    assertEquals(100 * k + 10 * co + ci, values[(ci * 3 + co) * 2 + k],
                            "core[" + ci + "][" + co + "][" + k + "]");
                }
            }
        }
    }

    @Test
    void toTensorFlowUndoesFromTensorFlow() {
        Tensor filters = TestTensors.random(21, 5, 3, 2);

        Tensor back = Weights.toTensorFlow(Weights.fromTensorFlow(filters));

        assertEquals(DType.FLOAT32, back.dtype());
        assertArrayEquals(filters.shape(), back.shape());
        assertArrayEquals(filters.toFloatArray(), back.toFloatArray());
    }

    @Test
    void convertedFiltersGiveTensorFlowsResultOnTheCore() {
        // With VALID padding and the full length, TensorFlow's op is the core's plain transposed convolution.
        Tensor input = TestTensors.random(22, 1, 5, 4);
        Tensor filters = TestTensors.random(23, 3, 2, 4);
        try (Backend cpu = Backends.cpu()) {
            Tensor tf = TensorFlow.conv1dTranspose(cpu, input, filters, new int[] {1, 11, 2}, 2, "VALID", "NWC", 1);
            Tensor core = cpu.convTranspose1d(input, Weights.fromTensorFlow(filters), null, ConvTranspose1dParams
                    .builder().stride(2).layout(Layout.NLC).build());
            assertArrayEquals(core.toFloatArray(), tf.toFloatArray());
        }
    }

    @Test
    void rejectsFiltersThatAreNotRank3() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Weights.fromTensorFlow(TestTensors.random(24, 3, 4)));
        assertTrue(e.getMessage().contains("TensorFlow filters (K, Cout, Cin) must have rank 3, got shape [3, 4]"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Weights.toTensorFlow(null));
    }

    /** A decoder layer (stride, K, padding, dilation), an input length and the length the encoder had. */
    @ParameterizedTest(name = "stride {0}, K {1}, padding {2}, dilation {3}: {4} -> {5} needs {6}")
    @CsvSource({
        "8, 16, 4, 1, 86, 688, 0",   // HiFi-GAN: exactly Lin * stride already
        "2, 4, 1, 1, 50, 101, 1",    // an odd target length: one more position
        "4, 8, 2, 1, 10, 43, 3",     // the largest output padding a stride of 4 allows
        "2, 3, 2, 3, 5, 13, 2",      // output padding 2 >= stride 2 is allowed below dilation 3
        "5, 10, 3, 1, 7, 35, 1"})    // EnCodec-like: (7 - 1) * 5 - 6 + 10 = 34, one short of 35
    void outputPaddingForReachesTheTarget(int stride, int kernelSize, int padding, int dilation, int inputLength,
            int target, int expected) {
        ConvTranspose1dParams params = ConvTranspose1dParams.builder().stride(stride).padding(padding)
                .dilation(dilation).outputPadding(Math.min(1, stride - 1)).build(); // its own output padding is ignored

        int outputPadding = Weights.outputPaddingFor(params, inputLength, kernelSize, target);

        assertEquals(expected, outputPadding);
        assertEquals(target,
                params.toBuilder().outputPadding(outputPadding).build().outputLength(inputLength, kernelSize));
    }

    @Test
    void outputPaddingForAppliesAfterSame() {
        ConvTranspose1dParams same = ConvTranspose1dParams.builder().stride(3).padding(Padding.SAME).build();

        assertEquals(2, Weights.outputPaddingFor(same, 4, 5, 14));
    }

    @Test
    void outputPaddingForNamesTheReachableLengths() {
        ConvTranspose1dParams params = ConvTranspose1dParams.builder().stride(2).padding(1).build();

        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> Weights.outputPaddingFor(params, 50, 4, 102));
        IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class,
                () -> Weights.outputPaddingFor(params, 50, 4, 99));

        assertTrue(tooLong.getMessage().contains("target length 102 cannot be reached"), tooLong.getMessage());
        assertTrue(tooLong.getMessage().contains("output padding 0 to 1 gives lengths 100 to 101"),
                tooLong.getMessage());
        assertTrue(tooShort.getMessage().contains("gives lengths 100 to 101"), tooShort.getMessage());
    }

    @Test
    void outputPaddingForRefusesParamsWithAnOutputSize() {
        ConvTranspose1dParams params = ConvTranspose1dParams.builder().stride(2).outputSize(12).build();

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Weights.outputPaddingFor(params, 5, 3, 12));
        assertTrue(e.getMessage().contains("outputSize 12"), e.getMessage());
    }
}
