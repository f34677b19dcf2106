package io.clconvt.compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.Backend;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.Layout;
import io.clconvt.Padding;
import io.clconvt.Tensor;
import io.clconvt.testing.OpenClSupport.ClassBackends;
import io.clconvt.testing.TestTensors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Paddle's documented example, its padding rules in core terms, its data formats and every error. */
class PaddleTest {
    private static final ClassBackends BACKENDS = new ClassBackends();
    /** x (1, 2, 4) and w (2, 1, 2) of Paddle's conv1d_transpose documentation. */
    private static final Tensor DOC_X = Tensor.of(new float[] {4, 0, 9, 7, 8, 0, 9, 2}, 1, 2, 4);
    private static final Tensor DOC_W = Tensor.of(new float[] {7, 0, 4, 2}, 2, 1, 2);
    /** x (1, 4, 5) NCL and w (4, 3, 3): Cin 4, Cout 3, K 3. */
    private static final Tensor X = TestTensors.random(1, 1, 4, 5);
    private static final Tensor W = TestTensors.random(2, 4, 3, 3);

    @AfterAll
    static void close() {
        BACKENDS.close();
    }

    @ParameterizedTest
    @EnumSource(ClassBackends.Kind.class)
    void documentedExample(ClassBackends.Kind kind) {
        Tensor y = Paddle.conv1dTranspose(BACKENDS.get(kind), DOC_X, DOC_W, null, 1, 0, 0, 1, 1, null, "NCL");

        assertArrayEquals(new int[] {1, 1, 5}, y.shape());
        assertArrayEquals(new float[] {60, 16, 99, 75, 4}, y.toFloatArray());
    }

    @Test
    void defaultsAreNullPaddingAndNullDataFormat() {
        CoreCall call = Paddle.translate(DOC_X, DOC_W, null, 1, null, 0, 1, 1, null, null);

        assertEquals(ConvTranspose1dParams.builder().padding(0, 0).build(), call.params());
    }

    static Stream<Arguments> paddingForms() {
        return Stream.of(
                Arguments.of(2, Padding.of(2, 2)),
                Arguments.of(new int[] {3}, Padding.of(3, 3)),
                Arguments.of(new int[] {1, 2}, Padding.of(1, 2)),
                Arguments.of(new int[] {2, 2}, Padding.of(2, 2)),
                Arguments.of("VALID", Padding.of(0, 0)),
                Arguments.of("valid", Padding.of(0, 0)));
    }

    @ParameterizedTest
    @MethodSource("paddingForms")
    void paddingFormsBecomeExplicitCorePadding(Object padding, Padding expected) {
        CoreCall call = Paddle.translate(X, W, null, 2, padding, 0, 1, 1, null, "NCL");

        assertEquals(expected, call.params().padding());
    }

    /** Lin, stride, K, the explicit (left, right) padding Paddle's SAME rule gives, and Lout. */
    static Stream<Arguments> sameRule() {
        return Stream.of(
                Arguments.of(6, 3, 5, 1, 1, 18),  // stride divides Lin: Lout = Lin * stride
                Arguments.of(5, 2, 3, 1, 1, 9),   // Lin not divisible: 9, not 10
                Arguments.of(7, 3, 4, 1, 2, 19),  // odd padSum: the larger half on the right; 19, not 21
                Arguments.of(4, 2, 1, 0, 0, 7),   // K < stride: nothing to pad, 7, not 8
                Arguments.of(3, 2, 6, 2, 3, 5));  // K > stride, odd padSum 5: 5, not 6
    }

    @ParameterizedTest
    @MethodSource("sameRule")
    void sameFollowsPaddlesRuleNotLinTimesStride(int inputLength, int stride, int kernelSize, int left, int right,
            int outputLength) {
        Tensor x = TestTensors.random(3, 1, 2, inputLength);
        Tensor w = TestTensors.random(4, 2, 1, kernelSize);

        CoreCall call = Paddle.translate(x, w, null, stride, "SAME", 0, 1, 1, null, "NCL");

        assertEquals(Padding.of(left, right), call.params().padding());
        assertArrayEquals(new int[] {1, 1, outputLength}, call.outputShape());
    }

    @ParameterizedTest
    @EnumSource(ClassBackends.Kind.class)
    void sameForcesDilationToOne(ClassBackends.Kind kind) {
        Backend backend = BACKENDS.get(kind);
        Tensor dilated = Paddle.conv1dTranspose(backend, X, W, null, 2, "same", 0, 1, 3, null, "NCL");
        Tensor undilated = Paddle.conv1dTranspose(backend, X, W, null, 2, "same", 0, 1, 1, null, "NCL");

        assertEquals(1, Paddle.translate(X, W, null, 2, "same", 0, 1, 3, null, "NCL").params().dilation());
        assertArrayEquals(undilated.shape(), dilated.shape());
        assertArrayEquals(undilated.toFloatArray(), dilated.toFloatArray());
    }

    @Test
    void sameIgnoresEvenAnInvalidDilationAsPaddleDoes() {
        CoreCall call = Paddle.translate(X, W, null, 2, "SAME", 0, 1, 0, null, "NCL");

        assertEquals(1, call.params().dilation());
    }

    @Test
    void outputPaddingMayEqualStrideWhenDilationIsLarger() {
        CoreCall call = Paddle.translate(X, W, null, 2, 1, 2, 1, 3, null, "NCL");

        assertEquals(2, call.params().outputPadding());
        assertEquals(Layout.NCL, call.params().layout());
    }

    @Test
    void outputSizeRangeIsInferredUpToInferredPlusStride() {
        // Lin 5, stride 3, padding 1, K 3: inferred (5 - 1) * 3 - 2 + 3 = 13, valid [13, 16).
        for (int size = 13; size < 16; size++) {
            CoreCall call = Paddle.translate(X, W, null, 3, 1, 0, 1, 1, size, "NCL");
            assertArrayEquals(new int[] {1, 3, size}, call.outputShape());
        }
    }

    @ParameterizedTest
    @EnumSource(ClassBackends.Kind.class)
    void nlcGivesTheTransposeOfNcl(ClassBackends.Kind kind) {
        Backend backend = BACKENDS.get(kind);
        Tensor ncl = Paddle.conv1dTranspose(backend, X, W, null, 3, "SAME", 1, 1, 1, null, "NCL");
        Tensor nlc = Paddle.conv1dTranspose(backend, TestTensors.swapLastAxes(X), W, null, 3, "SAME", 1, 1, 1, null,
                "NLC");

        assertArrayEquals(new int[] {1, 3, 15}, ncl.shape()); // padSum 1: (5 - 1) * 3 - 1 + 3, plus 1
        assertArrayEquals(TestTensors.swapLastAxes(ncl).toFloatArray(), nlc.toFloatArray());
        assertArrayEquals(ncl.toFloatArray(), TestTensors.swapLastAxes(nlc).toFloatArray());
    }

    static Stream<Arguments> errors() {
        Tensor grouped = TestTensors.random(5, 4, 2, 3); // Cin 4, Cout 2 per group
        return Stream.of(
                error("lower-case data format", call(X, W, 1, 0, 0, 1, 1, null, "ncl"),
                        "Attr(data_format) of conv2d_transpose got wrong value: received ncl, but only 'NCL' or "
                                + "'NLC' are supported."),
                error("TensorFlow's data format", call(X, W, 1, 0, 0, 1, 1, null, "NWC"), "received NWC"),
                error("unbatched input", call(TestTensors.random(6, 4, 5), W, 1, 0, 0, 1, 1, null, "NCL"),
                        "Input x should be 3D tensor, but received x with the shape of [4, 5]"),
                error("zero groups", call(X, W, 1, 0, 0, 0, 1, null, "NCL"),
                        "The groups of conv1d_transpose should not be zero."),
                error("negative groups", call(X, W, 1, 0, 0, -2, 1, null, "NCL"),
                        "The groups of conv1d_transpose should be larger than 0, but received groups is -2."),
                error("channels not divisible by groups", call(X, grouped, 1, 0, 0, 3, 1, null, "NCL"),
                        "the channel of input must be divisible by groups,received: the channel of input is 4, the "
                                + "shape of input is [1, 4, 5], the groups is 3"),
                error("unknown padding word", call(X, W, 1, "full", 0, 1, 1, null, "NCL"),
                        "Unknown padding: 'FULL'. It can only be 'SAME' or 'VALID'."),
                error("three padding values", call(X, W, 1, new int[] {1, 2, 3}, 0, 1, 1, null, "NCL"),
                        "Invalid padding: [1, 2, 3]"),
                error("no padding values", call(X, W, 1, new int[0], 0, 1, 1, null, "NCL"), "Invalid padding: []"),
                error("negative int padding", call(X, W, 1, -1, 0, 1, 1, null, "NCL"),
                        "Invalid padding, all value should be larger than or equal to 0, but received: [-1]"),
                error("negative right padding", call(X, W, 1, new int[] {1, -2}, 0, 1, 1, null, "NCL"),
                        "but received: [1, -2]"),
                error("symmetric negative pair", call(X, W, 1, new int[] {-1, -1}, 0, 1, 1, null, "NCL"),
                        "but received: [-1]"),
                error("padding of another type", call(X, W, 1, 1.5, 0, 1, 1, null, "NCL"),
                        "padding must be an int, an int[] of one or two values, or 'SAME' or 'VALID', got Double 1.5"),
                error("output size with output padding", call(X, W, 2, 0, 1, 1, 1, 10, "NCL"),
                        "output_padding option is mutually exclusive with output_size"),
                error("output padding above stride", call(X, W, 2, 0, 3, 1, 4, null, "NCL"),
                        "The size of output_padding should not be greater than stride.But got output_padding=3 and "
                                + "stride=2"),
                error("weight of rank 2", call(X, TestTensors.random(7, 4, 3), 1, 0, 0, 1, 1, null, "NCL"),
                        "Input weight should be 3D tensor, but received weight with the shape of [4, 3]"),
                error("zero stride", call(X, W, 0, 0, 0, 1, 1, null, "NCL"),
                        "The stride of Op(Conv) should be larger than 0, but received stride is 0."),
                error("weight for other channels", call(X, TestTensors.random(8, 3, 3, 3), 1, 0, 0, 1, 1, null, "NCL"),
                        "The number of input channels should be equal to filter channels for Op(conv_transpose). But "
                                + "received: the input's channels is [4], the shape of input is [1, 4, 5], the "
                                + "filter's channels is [3], the shape of filter is [3, 3, 3]. The "
                                + "data_format is NCL."),
                error("NCL data read as NLC", call(X, W, 1, 0, 0, 1, 1, null, "NLC"),
                        "the input's channels is [5]"),
                error("output size below the inferred size", call(X, W, 3, 1, 0, 1, 1, 12, "NCL"),
                        "output_size of Op(ConvTransposeOp) should not be less than the inferred output size. But "
                                + "received output_size = [12], whose dim 0 is less than the inferred output "
                                + "size [13]"),
                error("output size of inferred + stride", call(X, W, 3, 1, 0, 1, 1, 16, "NCL"),
                        "output_size of Op(ConvTransposeOp) should be less than inferred size + stride. But received "
                                + "output_size = [16], whose dim 0 is not less than the inferred output size (13) + "
                                + "stride (3) = 16"),
                error("negative output padding", call(X, W, 2, 0, -1, 1, 1, null, "NCL"),
                        "output_padding of Op(ConvTransposeOp) should not be less than the 0. But received "
                                + "output_padding = [-1], whose dim 0 is less than 0"),
                error("output padding equal to stride", call(X, W, 2, 0, 2, 1, 1, null, "NCL"),
                        "output_padding of Op(ConvTransposeOp) should be less than either stride or dilation. But "
                                + "received output_padding = [2], whose dim 0 is not less than either stride (2) or "
                                + "dilation (1)"),
                error("SAME drops the dilation that would allow the output padding",
                        call(X, W, 2, "SAME", 2, 1, 3, null, "NCL"),
                        "is not less than either stride (2) or dilation (1)"),
                error("zero dilation", call(X, W, 1, 0, 0, 1, 0, null, "NCL"),
                        "The dilation of Op(conv_transpose) should be larger than 0, but received dilation is 0."));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void rejectsWithPaddlesMessage(String what, Executable call, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(message), "expected '" + message + "' in: " + e.getMessage());
    }

    @Test
    void rejectsBeforeTheBackendComputes() {
        // The error path must not depend on the backend: a closed backend would throw IllegalStateException.
        Backend closed = io.clconvt.Backends.cpu();
        closed.close();
        assertThrows(IllegalArgumentException.class,
                () -> Paddle.conv1dTranspose(closed, X, W, null, 0, 0, 0, 1, 1, null, "NCL"));
    }

    private static Arguments error(String what, Executable call, String message) {
        return Arguments.of(what, call, message);
    }

    private static Executable call(Tensor x, Tensor w, int stride, Object padding, int outputPadding, int groups,
            int dilation, Integer outputSize, String dataFormat) {
        return () -> Paddle.translate(x, w, null, stride, padding, outputPadding, groups, dilation, outputSize,
                dataFormat);
    }
}
