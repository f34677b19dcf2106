package io.clconvt.compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.Backend;
import io.clconvt.Layout;
import io.clconvt.Padding;
import io.clconvt.Tensor;
import io.clconvt.testing.OpenClSupport.ClassBackends;
import io.clconvt.testing.TestTensors;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * TensorFlow's own conv1d_transpose kernel tests, its output_shape rule at every boundary, NWC / NCW and
 * every error.
 */
class TensorFlowTest {
    private static final ClassBackends BACKENDS = new ClassBackends();
    /** input (1, 4, 3) NWC: batch 1, width 4, 3 channels; filters (3, 2, 3): K 3, Cout 2, Cin 3. */
    private static final Tensor INPUT = TestTensors.random(11, 1, 4, 3);
    private static final Tensor FILTERS = TestTensors.random(12, 3, 2, 3);

    @AfterAll
    static void close() {
        BACKENDS.close();
    }

    /**
     * TensorFlow's conv1d_transpose_test.py: inputs and filters of ones, [batch 2, width, 3 channels] and
     * [3, 2, 3] filters. Each output counts the taps that reach it, times 3 input channels; which taps reach
     * the first position shows where TensorFlow puts the padding.
     */
    @ParameterizedTest
    @EnumSource(ClassBackends.Kind.class)
    void tensorFlowsKernelTests(ClassBackends.Kind kind) {
        Backend backend = BACKENDS.get(kind);
        // testConv1DTransposeSingleStride: width 6 to 6, stride 1, SAME: 6 at both ends, 9 inside.
        assertOnes(backend, 6, 6, 1, "SAME", new float[] {6, 9, 9, 9, 9, 6});
        // testConv1DTransposeSame: width 4 to 8, stride 2, SAME: 6 at even positions inside, else 3.
        assertOnes(backend, 4, 8, 2, "SAME", new float[] {3, 3, 6, 3, 6, 3, 6, 3});
        // testConv1DTransposeValid: width 4 to 9, stride 2, VALID.
        assertOnes(backend, 4, 9, 2, "VALID", new float[] {3, 3, 6, 3, 6, 3, 6, 3, 3});
    }

    private static void assertOnes(Backend backend, int inputWidth, int outputWidth, int stride, String padding,
            float[] perPosition) {
        for (String dataFormat : new String[] {"NWC", "NCW"}) {
            boolean nwc = dataFormat.equals("NWC");
            Tensor x = ones(nwc ? new int[] {2, inputWidth, 3} : new int[] {2, 3, inputWidth});
            int[] outputShape = nwc ? new int[] {2, outputWidth, 2} : new int[] {2, 2, outputWidth};

            Tensor y = TensorFlow.conv1dTranspose(backend, x, ones(3, 2, 3), outputShape, stride, padding, dataFormat,
                    1);

            float[] expected = new float[2 * outputWidth * 2];
            for (int n = 0; n < 2; n++) {
                for (int w = 0; w < outputWidth; w++) {
                    for (int c = 0; c < 2; c++) {
                        expected[nwc ? (n * outputWidth + w) * 2 + c : (n * 2 + c) * outputWidth + w] = perPosition[w];
                    }
                }
            }
            assertArrayEquals(outputShape, y.shape(), dataFormat);
            assertArrayEquals(expected, y.toFloatArray(), dataFormat + " " + padding + " "
                    + Arrays.toString(outputShape));
        }
    }

    /** Every width in the valid range is accepted, and the widths just outside are refused. */
    @ParameterizedTest(name = "Lin {0}, stride {1}, K {2}, dilation {3}, {4}: widths {5} to {6}")
    @CsvSource({
        "4, 2, 3, 1, SAME, 7, 8",
        "5, 3, 2, 1, SAME, 13, 15",
        "3, 2, 3, 2, SAME, 5, 6",
        "1, 4, 5, 1, SAME, 1, 4",
        "4, 2, 3, 1, VALID, 9, 10",
        "5, 3, 2, 1, VALID, 14, 16",
        "3, 2, 3, 3, VALID, 11, 12"})
    void outputWidthMustGiveBackTheInputWidth(int inputWidth, int stride, int kernelSize, int dilation,
            String padding, int smallest, int largest) {
        Tensor x = TestTensors.random(13, 1, inputWidth, 2);
        Tensor filters = TestTensors.random(14, kernelSize, 3, 2);
        for (int width = smallest; width <= largest; width++) {
            CoreCall call = TensorFlow.translate(x, filters, new int[] {1, width, 3}, stride, padding, "NWC", dilation);
            assertArrayEquals(new int[] {1, width, 3}, call.outputShape());
        }
        for (int width : new int[] {smallest - 1, largest + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TensorFlow.translate(x,
                    filters, new int[] {1, width, 3}, stride, padding, "NWC", dilation));
            assertTrue(e.getMessage().contains("output widths " + smallest + " to " + largest + " are"),
                    e.getMessage());
        }
    }

    @Test
    void translatesToTheCoresSameAndVALIDWithTheRequestedLength() {
        CoreCall same = TensorFlow.translate(INPUT, FILTERS, new int[] {1, 7, 2}, 2, "SAME", "NWC", 1);
        CoreCall valid = TensorFlow.translate(INPUT, FILTERS, new int[] {1, 10, 2}, 2, "VALID", "NWC", 1);

        assertEquals(Padding.SAME, same.params().padding());
        assertEquals(7, same.params().outputSize().getAsInt());
        assertEquals(Layout.NLC, same.params().layout());
        assertEquals(Padding.VALID, valid.params().padding());
        assertEquals(10, valid.params().outputSize().getAsInt());
        assertArrayEquals(Weights.fromTensorFlow(FILTERS).toFloatArray(), same.weight().toFloatArray());
        assertEquals(null, same.bias());
    }

    @Test
    void nullPaddingAndDataFormatAreTensorFlowsDefaults() {
        CoreCall call = TensorFlow.translate(INPUT, FILTERS, new int[] {1, 8, 2}, 2, null, null, 1);

        assertEquals(Padding.SAME, call.params().padding());
        assertEquals(Layout.NLC, call.params().layout());
    }

    @ParameterizedTest
    @EnumSource(ClassBackends.Kind.class)
    void ncwGivesTheTransposeOfNwc(ClassBackends.Kind kind) {
        Backend backend = BACKENDS.get(kind);
        Tensor nwc = TensorFlow.conv1dTranspose(backend, INPUT, FILTERS, new int[] {1, 7, 2}, 2, "SAME", "NWC", 1);
        Tensor ncw = TensorFlow.conv1dTranspose(backend, TestTensors.swapLastAxes(INPUT), FILTERS,
                new int[] {1, 2, 7}, 2, "SAME", "NCW", 1);

        assertArrayEquals(new int[] {1, 7, 2}, nwc.shape());
        assertArrayEquals(TestTensors.swapLastAxes(nwc).toFloatArray(), ncw.toFloatArray());
        assertArrayEquals(nwc.toFloatArray(), TestTensors.swapLastAxes(ncw).toFloatArray());
    }

    static Stream<Arguments> errors() {
        return Stream.of(
                error("NLC is not a TensorFlow data format",
                        call(INPUT, FILTERS, new int[] {1, 8, 2}, 2, "SAME", "NLC", 1),
                        "`data_format` must be 'NWC' or 'NCW'. Received: data_format=NLC"),
                error("lower-case padding", call(INPUT, FILTERS, new int[] {1, 8, 2}, 2, "same", "NWC", 1),
                        "Value for attr 'padding' of \"same\" is not in the list of allowed values: "
                                + "\"SAME\", \"VALID\""),
                error("explicit padding", call(INPUT, FILTERS, new int[] {1, 8, 2}, 2, "EXPLICIT", "NWC", 1),
                        "of \"EXPLICIT\" is not in the list"),
                error("zero stride", call(INPUT, FILTERS, new int[] {1, 8, 2}, 0, "SAME", "NWC", 1),
                        "Row and column strides should be larger than 0. Received: strides=0"),
                error("zero dilation", call(INPUT, FILTERS, new int[] {1, 8, 2}, 2, "SAME", "NWC", 0),
                        "Dilated rates should be larger than 0. Received: dilations=0"),
                error("unbatched input", call(TestTensors.random(15, 4, 3), FILTERS, new int[] {1, 8, 2}, 2, "SAME",
                        "NWC", 1), "conv1d_transpose: input must be 3-dimensional [batch, in_width, in_channels] "
                                + "for NWC, got shape [4, 3]"),
                error("filters of rank 2", call(INPUT, TestTensors.random(16, 3, 2), new int[] {1, 8, 2}, 2, "SAME",
                        "NWC", 1), "conv1d_transpose: filters must be 3-dimensional [filter_width, output_channels, "
                                + "in_channels], got shape [3, 2]"),
                error("output_shape of 2 values", call(INPUT, FILTERS, new int[] {8, 2}, 2, "SAME", "NWC", 1),
                        "conv1d_transpose: output_shape must have 3 elements [batch, out_width, out_channels] for NWC, "
                                + "got [8, 2]"),
                error("no output_shape", call(INPUT, FILTERS, null, 2, "SAME", "NCW", 1),
                        "output_shape must have 3 elements [batch, out_channels, out_width] for NCW, got null"),
                error("negative output dimension", call(INPUT, FILTERS, new int[] {1, -8, 2}, 2, "SAME", "NWC", 1),
                        "Dimension -8 must be >= 0 (output_shape [1, -8, 2])"),
                error("batch differs", call(INPUT, FILTERS, new int[] {3, 8, 2}, 2, "SAME", "NWC", 1),
                        "Conv2DSlowBackpropInput: input and out_backprop must have the same batch size. Input batch: "
                                + "3, outbackprop batch: 1, batch_dim: 0"),
                error("channels not a multiple of the filters'", call(INPUT, FILTERS, new int[] {1, 8, 3}, 2, "SAME",
                        "NWC", 1), "Conv2DSlowBackpropInput: input depth must be evenly divisible by filter depth "
                                + "(output_shape channels 3, filters output_channels 2)"),
                error("channels a multiple of the filters' (groups)", call(INPUT, FILTERS, new int[] {1, 8, 4}, 2,
                        "SAME", "NWC", 1), "conv1d_transpose has no groups: output_shape channels (4) must equal the "
                                + "filters' output_channels (2)"),
                error("filters for other input channels", call(INPUT, TestTensors.random(17, 3, 2, 5),
                        new int[] {1, 8, 2}, 2, "SAME", "NWC", 1), "Conv2DSlowBackpropInput: filter and out_backprop "
                                + "must have the same out_depth (filters in_channels 5, input channels 3"),
                error("NWC data read as NCW", call(INPUT, FILTERS, new int[] {1, 2, 8}, 2, "SAME", "NCW", 1),
                        "filters in_channels 3, input channels 4"),
                error("SAME width too long", call(INPUT, FILTERS, new int[] {1, 9, 2}, 2, "SAME", "NWC", 1),
                        "Conv2DSlowBackpropInput: Size of out_backprop doesn't match computed: actual = 4, "
                                + "computed = 5 "
                                + "spatial_dim: 2 input: 9 filter: 3 output: 4 stride: 2 dilation: 1 "
                                + "(conv1d_transpose: output width 9 is not valid for input width 4 with padding SAME; "
                                + "output widths 7 to 8 are)"),
                error("VALID width too short", call(INPUT, FILTERS, new int[] {1, 8, 2}, 2, "VALID", "NWC", 1),
                        "actual = 4, computed = 3 spatial_dim: 2 input: 8 filter: 3 output: 4 stride: 2 dilation: 1 "
                                + "(conv1d_transpose: output width 8 is not valid for input width 4 with "
                                + "padding VALID; "
                                + "output widths 9 to 10 are)"),
                error("VALID width shorter than the kernel", call(INPUT, TestTensors.random(18, 9, 2, 3),
                        new int[] {1, 2, 2}, 2, "VALID", "NWC", 3), "Computed output size would be negative: -10 "
                                + "[input_size: 2, effective_filter_size: 25, stride: 2]"),
                error("SAME width 0", call(INPUT, FILTERS, new int[] {1, 0, 2}, 2, "SAME", "NWC", 1),
                        "actual = 4, computed = 0"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void rejectsWithTensorFlowsMessage(String what, Executable call, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(message), "expected '" + message + "' in: " + e.getMessage());
    }

    private static Arguments error(String what, Executable call, String message) {
        return Arguments.of(what, call, message);
    }

    private static Executable call(Tensor input, Tensor filters, int[] outputShape, int strides, String padding,
            String dataFormat, int dilations) {
        return () -> TensorFlow.translate(input, filters, outputShape, strides, padding, dataFormat, dilations);
    }

    private static Tensor ones(int... shape) {
        float[] data = new float[Arrays.stream(shape).reduce(1, Math::multiplyExact)];
        Arrays.fill(data, 1);
        return Tensor.of(data, shape);
    }
}
