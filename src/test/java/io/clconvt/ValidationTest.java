package io.clconvt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.internal.opencl.ClBuffer;
import io.clconvt.testing.OpenClSupport;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One test per validation rule: each invalid input throws IllegalArgumentException naming the
 * parameter and values. Call-level rules run on both backends; on OpenCL the live-buffer count shows
 * that rejection happens before any device allocation.
 */
class ValidationTest {
    private static Backend cpu;
    private static Backend openCl;

    @BeforeAll
    static void open() {
        cpu = Backends.cpu();
        openCl = OpenClSupport.backend();
    }

    @AfterAll
    static void close() {
        cpu.close();
        openCl.close();
    }

    private static ConvTranspose1dParams.Builder params() {
        return ConvTranspose1dParams.builder();
    }

    private static Tensor ones(int... shape) {
        int size = 1;
        for (int dim : shape) {
            size *= dim;
        }
        float[] data = new float[size];
        java.util.Arrays.fill(data, 1f);
        return Tensor.of(data, shape);
    }

    private static void assertRejected(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment),
                    () -> "message '" + e.getMessage() + "' should mention '" + fragment + "'");
        }
    }

    // Rules on the parameters alone, checked when they are built.

    @Test
    void strideBelowOne() {
        assertRejected(() -> params().stride(0).build(), "stride", "0");
    }

    @Test
    void dilationBelowOne() {
        assertRejected(() -> params().dilation(0).build(), "dilation", "0");
    }

    @Test
    void groupsBelowOne() {
        assertRejected(() -> params().groups(-2).build(), "groups", "-2");
    }

    @Test
    void negativePadding() {
        assertRejected(() -> params().padding(-1).build(), "padding", "-1");
        assertRejected(() -> Padding.of(2, -3), "padding right", "-3");
        assertRejected(() -> Padding.of(-4, 2), "padding left", "-4");
    }

    @Test
    void negativeOutputPadding() {
        assertRejected(() -> params().outputPadding(-1).build(), "outputPadding", "-1");
    }

    @Test
    void outputPaddingNotBelowMaxOfStrideAndDilation() {
        assertRejected(() -> params().stride(2).outputPadding(2).build(), "outputPadding", "max(stride, dilation) = 2");
        assertRejected(() -> params().stride(2).dilation(3).outputPadding(3).build(), "= 3", "outputPadding=3");
        assertEquals(2, params().stride(2).dilation(3).outputPadding(2).build().outputPadding(),
                "PyTorch allows outputPadding up to max(stride, dilation) - 1");
    }

    @Test
    void outputSizeWithOutputPadding() {
        assertRejected(() -> params().stride(2).outputPadding(1).outputSize(10).build(), "outputSize (10)",
                "outputPadding (1)");
    }

    @Test
    void outputSizeBelowOne() {
        assertRejected(() -> params().outputSize(0).build(), "outputSize", "0");
    }

    @Test
    void nullPaddingOrLayout() {
        assertRejected(() -> params().padding((Padding) null).build(), "padding");
        assertRejected(() -> params().layout(null).build(), "layout");
    }

    // Rules on lengths, checked by outputLength and by every call.

    @Test
    void outputLengthBelowOne() {
        assertRejected(() -> params().padding(20).build().outputLength(5, 3), "output length would be -33",
                "inputLength=5", "kernelSize=3");
    }

    @Test
    void outputSizeOutOfRangeWithExplicitPadding() {
        ConvTranspose1dParams p = params().stride(2).outputSize(8).build();
        assertRejected(() -> p.outputLength(5, 3), "outputSize 8", "[11, 12]");
        assertRejected(() -> params().stride(2).outputSize(13).build().outputLength(5, 3), "outputSize 13", "[11, 12]");
    }

    @Test
    void outputSizeOutOfRangeWithSame() {
        assertRejected(() -> params().stride(4).padding(Padding.SAME).outputSize(12).build().outputLength(4, 3),
                "outputSize 12", "[13, 16]");
        assertRejected(() -> params().stride(4).padding(Padding.SAME).outputSize(17).build().outputLength(4, 3),
                "[13, 16]");
    }

    @Test
    void outputSizeOutOfRangeWithValid() {
        assertRejected(() -> params().stride(3).padding(Padding.VALID).outputSize(13).build().outputLength(4, 5),
                "outputSize 13", "[14, 16]");
        assertRejected(() -> params().stride(3).padding(Padding.VALID).outputSize(17).build().outputLength(4, 5),
                "outputSize 17", "[14, 16]");
    }

    @Test
    void nonPositiveLengths() {
        assertRejected(() -> params().build().outputLength(0, 3), "inputLength", "0");
        assertRejected(() -> params().build().outputLength(3, 0), "kernelSize", "0");
    }

    // Rules on tensors, checked by each backend's call before any device work.

    static Stream<Arguments> invalidCalls() {
        ConvTranspose1dParams plain = params().build();
        List<Arguments> calls = List.of(
                Arguments.of("input rank 1", call(ones(5), ones(1, 2, 3), null, plain), List.of("rank", "[5]")),
                Arguments.of("input rank 4", call(ones(1, 1, 1, 5), ones(1, 2, 3), null, plain), List.of("rank", "[1, 1, 1, 5]")),
                Arguments.of("weight rank 2", call(ones(1, 4, 5), ones(4, 2), null, plain), List.of("weight", "rank 3", "[4, 2]")),
                Arguments.of("bias rank 2", call(ones(1, 4, 5), ones(4, 2, 3), ones(2, 1), plain), List.of("bias", "rank 1", "[2, 1]")),
                Arguments.of("weight Cin mismatch", call(ones(1, 4, 5), ones(3, 2, 3), null, plain),
                        List.of("Cin=3", "4 channels", "[1, 4, 5]")),
                Arguments.of("NLC weight Cin mismatch", call(ones(1, 5, 4), ones(5, 2, 3), null, params().layout(Layout.NLC).build()),
                        List.of("Cin=5", "NLC", "4 channels")),
                Arguments.of("bias length mismatch", call(ones(1, 4, 5), ones(4, 2, 3), ones(5), plain),
                        List.of("bias has 5 elements", "2 out channels")),
                Arguments.of("in channels not divisible by groups", call(ones(1, 4, 5), ones(4, 2, 3), null, params().groups(3).build()),
                        List.of("in channels (4)", "groups (3)")),
                Arguments.of("weight dtype mismatch", call(ones(1, 4, 5), Tensor.of(new double[24], 4, 2, 3), null, plain),
                        List.of("weight dtype FLOAT64", "input dtype FLOAT32")),
                Arguments.of("bias dtype mismatch", call(ones(1, 4, 5), ones(4, 2, 3), Tensor.of(new double[2], 2), plain),
                        List.of("bias dtype FLOAT64")),
                Arguments.of("zero batch", call(ones(0, 4, 5), ones(4, 2, 3), null, plain), List.of("input", "zero dimension")),
                Arguments.of("zero kernel", call(ones(1, 4, 5), ones(4, 2, 0), null, plain), List.of("weight", "zero dimension")),
                Arguments.of("empty output", call(ones(1, 4, 5), ones(4, 2, 3), null, params().padding(20).build()),
                        List.of("output length would be", "padding=(20,)")),
                Arguments.of("outputSize out of range", call(ones(1, 4, 5), ones(4, 2, 3), null, params().stride(2).outputSize(40).build()),
                        List.of("outputSize 40", "[11, 12]")),
                Arguments.of("null input", call(null, ones(4, 2, 3), null, plain), List.of("input")),
                Arguments.of("null weight", call(ones(1, 4, 5), null, null, plain), List.of("weight")),
                Arguments.of("null params", call(ones(1, 4, 5), ones(4, 2, 3), null, null), List.of("params")));
        return calls.stream();
    }

    private static Function<Backend, Tensor> call(Tensor x, Tensor w, Tensor b, ConvTranspose1dParams p) {
        return backend -> backend.convTranspose1d(x, w, b, p);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidCalls")
    void rejectedByBothBackendsBeforeDeviceWork(String rule, Function<Backend, Tensor> call, List<String> fragments) {
        assertRejected(() -> call.apply(cpu), fragments.toArray(String[]::new));
        int liveBefore = ClBuffer.liveCount();
        assertRejected(() -> call.apply(openCl), fragments.toArray(String[]::new));
        assertEquals(liveBefore, ClBuffer.liveCount(), "no device buffer may outlive a rejected call");
    }

    @Test
    void outChannelsNotDivisibleByGroupsInModule() {
        assertRejected(() -> new ConvTranspose1d(4, 6, 3, params().groups(4).build(), true, 1), "outChannels (6)",
                "groups (4)");
    }

    @Test
    void tensorShapeMustMatchData() {
        assertRejected(() -> Tensor.of(new float[5], 2, 3), "[2, 3]", "6", "5");
        assertRejected(() -> Tensor.of(new float[0], -1, 0), "negative");
    }
}
