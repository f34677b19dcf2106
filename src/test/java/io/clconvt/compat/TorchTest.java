package io.clconvt.compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.ConvTranspose1d;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.Layout;
import io.clconvt.Padding;
import io.clconvt.Tensor;
import io.clconvt.testing.Accuracy;
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

/** PyTorch's documented examples, output_size handling, unbatched and empty inputs, and every error. */
class TorchTest {
    private static final ClassBackends BACKENDS = new ClassBackends();
    /** x (1, 4, 5), w (4, 3, 3), b (3): Cin 4, Cout 3, K 3. */
    private static final Tensor X = TestTensors.random(31, 1, 4, 5);
    private static final Tensor W = TestTensors.random(32, 4, 3, 3);
    private static final Tensor B = TestTensors.random(33, 3);

    @AfterAll
    static void close() {
        BACKENDS.close();
    }

    /** F.conv_transpose1d's documentation: inputs (20, 16, 50), weights (16, 33, 5) give (20, 33, 54). */
    @ParameterizedTest
    @EnumSource(ClassBackends.Kind.class)
    void documentedFunctionalExample(ClassBackends.Kind kind) {
        Tensor inputs = TestTensors.random(34, 20, 16, 50);
        Tensor weights = TestTensors.random(35, 16, 33, 5);
        CoreCall call = Torch.translate(inputs, weights, null, 1, 0, 0, 1, 1);

        Tensor y = Torch.convTranspose1d(BACKENDS.get(kind), inputs, weights, null, 1, 0, 0, 1, 1);

        assertArrayEquals(new int[] {20, 33, 54}, y.shape());
        Accuracy.assertClose(call, y, call.run(BACKENDS.get(ClassBackends.Kind.CPU)), "documented example");
    }

    /**
     * nn.ConvTranspose2d's documentation in one dimension: a stride-2 convolution halves 12 positions to 6,
     * and {@code upsample(h, output_size=input.size())} restores 12 where the default would give 11.
     */
    @ParameterizedTest
    @EnumSource(ClassBackends.Kind.class)
    void documentedOutputSizeExample(ClassBackends.Kind kind) {
        ConvTranspose1d upsample = new ConvTranspose1d(16, 16, 3, ConvTranspose1dParams.builder().stride(2).padding(1)
                .build(), true, 7L);
        Tensor h = TestTensors.random(36, 1, 16, 6);
        Backend backend = BACKENDS.get(kind);

        assertArrayEquals(new int[] {1, 16, 11}, Torch.forward(upsample, backend, h).shape());
        Tensor output = Torch.forward(upsample, backend, h, 1, 16, 12);

        assertArrayEquals(new int[] {1, 16, 12}, output.shape());
        assertArrayEquals(upsample.forward(backend, h, 12).toFloatArray(), output.toFloatArray());
        assertArrayEquals(Torch.convTranspose1d(backend, h, upsample.weight(), upsample.bias(), 2, 1, 1, 1, 1)
                .toFloatArray(), output.toFloatArray());
    }

    @Test
    void outputSizeReplacesTheLayersOutputPadding() {
        ConvTranspose1d layer = new ConvTranspose1d(4, 3, 3, ConvTranspose1dParams.builder().stride(2).padding(1)
                .outputPadding(1).build(), false, 8L);
        try (Backend cpu = Backends.cpu()) {
            Tensor smallest = Torch.forward(layer, cpu, X, 9);

            assertArrayEquals(new int[] {1, 3, 9}, smallest.shape());
            assertArrayEquals(Torch.convTranspose1d(cpu, X, layer.weight(), null, 2, 1, 0, 1, 1).toFloatArray(),
                    smallest.toFloatArray());
        }
    }

    @Test
    void outputPaddingMirrorsPyTorchsOutputPaddingHelper() {
        // Lin 5, stride 3, padding 1, K 3, dilation 2: L' = 12 - 2 + 5 = 15, valid 15 to 17.
        assertEquals(0, Torch.outputPadding(X, new int[] {15}, 3, 1, 3, 2));
        assertEquals(2, Torch.outputPadding(X, new int[] {1, 3, 17}, 3, 1, 3, 2));
        assertEquals(1, Torch.outputPadding(TestTensors.random(37, 4, 5), new int[] {3, 16}, 3, 1, 3, 2));
    }

    @ParameterizedTest
    @EnumSource(ClassBackends.Kind.class)
    void unbatchedInputGivesTheSampleOfTheBatchedResult(ClassBackends.Kind kind) {
        Backend backend = BACKENDS.get(kind);
        Tensor sample = Tensor.of(X.toFloatArray(), 4, 5);

        Tensor unbatched = Torch.convTranspose1d(backend, sample, W, B, 2, 1, 1, 1, 1);
        Tensor batched = Torch.convTranspose1d(backend, X, W, B, 2, 1, 1, 1, 1);

        assertArrayEquals(new int[] {3, 10}, unbatched.shape());
        assertArrayEquals(batched.toFloatArray(), unbatched.toFloatArray());
    }

    @Test
    void emptyBatchGivesAnEmptyOutputOfTheRightShape() {
        Tensor empty = Tensor.of(new double[0], 0, 4, 5);
        Tensor w = Tensor.of(W.toDoubleArray(), 4, 3, 3);
        try (Backend cpu = Backends.cpu()) {
            Tensor y = Torch.convTranspose1d(cpu, empty, w, null, 2, 0, 1, 1, 1);

            assertArrayEquals(new int[] {0, 3, 12}, y.shape());
            assertEquals(DType.FLOAT64, y.dtype());
            assertThrows(IllegalArgumentException.class,
                    () -> Torch.convTranspose1d(cpu, Tensor.of(new double[0], 0, 5, 5), w, null, 1, 0, 0, 1, 1));
        }
    }

    @Test
    void translatesToSymmetricCorePadding() {
        CoreCall call = Torch.translate(X, W, B, 3, 2, 1, 1, 2);

        assertEquals(ConvTranspose1dParams.builder().stride(3).padding(Padding.of(2)).outputPadding(1).dilation(2)
                .layout(Layout.NCL).build(), call.params());
    }

    @Test
    void layersPyTorchCannotExpressAreRefused() {
        ConvTranspose1d same = new ConvTranspose1d(4, 3, 3, ConvTranspose1dParams.builder().padding(Padding.SAME)
                .build(), false, 1L);
        ConvTranspose1d nlc = new ConvTranspose1d(4, 3, 3, ConvTranspose1dParams.builder().layout(Layout.NLC).build(),
                false, 1L);
        try (Backend cpu = Backends.cpu()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Torch.forward(same, cpu, X, 5));
            assertTrue(e.getMessage().contains("PyTorch's ConvTranspose1d has no 'same' padding"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Torch.forward(nlc, cpu, X, 5));
            assertTrue(e.getMessage().contains("has no NLC layout"), e.getMessage());
        }
    }

    /** The core module's own forward(x, outputSize) keeps PyTorch's range and names it when refusing. */
    @Test
    void moduleForwardNamesTheValidRange() {
        ConvTranspose1d layer = new ConvTranspose1d(4, 3, 3, ConvTranspose1dParams.builder().stride(2).padding(1)
                .build(), false, 9L);
        try (Backend cpu = Backends.cpu()) {
            assertArrayEquals(new int[] {1, 3, 10}, layer.forward(cpu, X, 10).shape());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> layer.forward(cpu, X, 11));
            assertTrue(e.getMessage().contains("valid range [9, 10]"), e.getMessage());
        }
    }

    static Stream<Arguments> errors() {
        Tensor x5 = TestTensors.random(38, 1, 5, 5);
        return Stream.of(
                error("input of rank 4", conv(TestTensors.random(39, 1, 1, 4, 5), W, null, 1, 0, 0, 1, 1),
                        "Expected 2D (unbatched) or 3D (batched) input to conv_transpose1d, but got input of size: "
                                + "[1, 1, 4, 5]"),
                error("input of rank 1", conv(TestTensors.random(40, 5), W, null, 1, 0, 0, 1, 1),
                        "but got input of size: [5]"),
                error("weight of rank 2", conv(X, TestTensors.random(41, 4, 3), null, 0, 0, 0, 1, 1),
                        "weight should have at least three dimensions"),
                error("weight of rank 4", conv(X, TestTensors.random(42, 1, 4, 3, 3), null, 1, 0, 0, 1, 1),
                        "Expected 4-dimensional input for 4-dimensional weight [1, 4, 3, 3], but got 3-dimensional "
                                + "input of size [1, 4, 5] instead"),
                error("negative padding", conv(X, W, null, 0, -1, 0, 1, 1), "negative padding is not supported"),
                error("negative output padding", conv(X, W, null, 0, 0, -1, 1, 1),
                        "negative output_padding is not supported"),
                error("zero groups", conv(X, W, null, 0, 0, 0, 0, 1), "non-positive groups is not supported"),
                error("zero stride", conv(X, W, null, 0, 0, 0, 1, 0), "non-positive stride is not supported"),
                error("weight channels not divisible by groups", conv(X, W, null, 1, 0, 0, 3, 1),
                        "Given groups=3, expected weight to be divisible by 3 at dimension 0, but got weight of size "
                                + "[[4, 3, 3]] instead"),
                error("more groups than weight channels", conv(X, W, null, 1, 0, 0, 8, 1),
                        "Given groups=8, expected weight to be at least 8 at dimension 0"),
                error("input channels differ", conv(x5, W, null, 1, 0, 0, 1, 1),
                        "Given transposed=1, weight of size [4, 3, 3], expected input[1, 5, 5] to have 4 channels, but "
                                + "got 5 channels instead"),
                error("unbatched input channels differ", conv(TestTensors.random(43, 5, 5), W, null, 1, 0, 0, 1, 1),
                        "expected input[1, 5, 5] to have 4 channels"),
                error("bias for other channels", conv(X, W, TestTensors.random(44, 4), 1, 0, 0, 1, 1),
                        "Given transposed=1, weight of size [4, 3, 3], expected bias to be 1-dimensional with 3 "
                                + "elements, but got bias of size [4] instead"),
                error("bias of rank 2", conv(X, W, TestTensors.random(45, 3, 1), 1, 0, 0, 1, 1),
                        "but got bias of size [3, 1] instead"),
                error("zero dilation", conv(X, W, null, 1, 0, 0, 1, 0),
                        "dilation should be greater than zero, but got dilation_height: 1, dilation_width: 0"),
                error("output padding equal to stride", conv(X, W, null, 2, 0, 2, 1, 1),
                        "output padding must be smaller than either stride or dilation, but got output_padding_height: "
                                + "0 output_padding_width: 2 stride_height: 1 stride_width: 2 dilation_height: 1 "
                                + "dilation_width: 1"),
                error("output too small", conv(X, W, null, 1, 4, 0, 1, 1),
                        "Given input size per channel: (1 x 5). Calculated output size per channel: (1 x -1). Output "
                                + "size is too small"),
                error("weight of another dtype", conv(X, Tensor.of(W.toDoubleArray(), 4, 3, 3), null, 1, 0, 0, 1, 1),
                        "expected scalar type Float but found Double"),
                error("output_size of 2 values for batched input", () -> Torch.outputPadding(X, new int[] {3, 10}, 2,
                        1, 3, 1), "ConvTranspose1D: for 3D input, output_size must have 1 or 3 elements (got 2)"),
                error("output_size of 3 values for unbatched input", () -> Torch.outputPadding(
                        TestTensors.random(46, 4, 5), new int[] {1, 3, 10}, 2, 1, 3, 1),
                        "ConvTranspose1D: for 2D input, output_size must have 1 or 2 elements (got 3)"),
                error("output_size above the range", () -> Torch.outputPadding(X, new int[] {11}, 2, 1, 3, 1),
                        "requested an output size of [11], but valid sizes range from [9] to [10] (for an input of "
                                + "torch.Size([5]))"),
                error("output_size below the range", () -> Torch.outputPadding(X, new int[] {1, 3, 8}, 2, 1, 3, 1),
                        "requested an output size of [8], but valid sizes range from [9] to [10]"),
                error("layer output_size out of range", () -> Torch.forward(new ConvTranspose1d(4, 3, 3,
                        ConvTranspose1dParams.builder().stride(2).padding(1).build(), false, 1L),
                        BACKENDS.get(ClassBackends.Kind.CPU), X, 11), "valid sizes range from [9] to [10]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void rejectsWithPyTorchsMessage(String what, Executable call, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(message), "expected '" + message + "' in: " + e.getMessage());
    }

    private static Arguments error(String what, Executable call, String message) {
        return Arguments.of(what, call, message);
    }

    private static Executable conv(Tensor input, Tensor weight, Tensor bias, int stride, int padding,
            int outputPadding, int groups, int dilation) {
        return () -> Torch.translate(input, weight, bias, stride, padding, outputPadding, groups, dilation);
    }
}
