package io.clconvt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.internal.StreamingBackend;
import io.clconvt.internal.StreamingBackend.QueuedPositions;
import io.clconvt.internal.opencl.ClBuffer;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestTensors;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Device tensors and Sequential on both backends: same results as the host path, same checks, clean life cycle. */
class DeviceResidentTest {
    private static final SplittableRandom RANDOM = new SplittableRandom(11);
    private static final Tensor X = TestTensors.random(RANDOM, DType.FLOAT32, 1, 2, 6, 7);
    private static final ConvTranspose1d UP1 = new ConvTranspose1d(6, 4, 4, params(2, 1), true, 1);
    private static final ConvTranspose1d UP2 = new ConvTranspose1d(4, 3, 3, params(3, 0), false, 2);
    private static final ConvTranspose1d UP3 = new ConvTranspose1d(3, 2, 2, params(1, 0), true, 3);

    private static ConvTranspose1dParams params(int stride, int padding) {
        return ConvTranspose1dParams.builder().stride(stride).padding(padding).build();
    }

    static Stream<Named<Supplier<Backend>>> backends() {
        return Stream.of(Named.of("cpu", Backends::cpu), Named.of("opencl", OpenClSupport::backend));
    }

    private static Sequential decoder() {
        return Sequential.builder()
                .add(UP1).activation(Activation.leakyRelu(0.1))
                .add(UP2).activation(Activation.SILU)
                .add(UP3).activation(Activation.TANH)
                .build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void uploadDownloadRoundTripsExactly(Supplier<Backend> open) {
        Tensor doubles = TestTensors.random(RANDOM, DType.FLOAT64, 1e300, 3, 5);
        try (Backend backend = open.get(); DeviceTensor x = backend.upload(X);
                DeviceTensor d = backend.upload(doubles)) {
            assertArrayEquals(X.shape(), x.shape());
            assertEquals(DType.FLOAT32, x.dtype());
            assertArrayEquals(X.toFloatArray(), x.download().toFloatArray());
            assertEquals(DType.FLOAT64, d.download().dtype());
            assertArrayEquals(doubles.toDoubleArray(), d.download().toDoubleArray());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void aDeviceCallGivesTheHostCallsResultBitForBit(Supplier<Backend> open) {
        ConvTranspose1dParams params = UP1.params().toBuilder().activation(Activation.RELU).build();
        try (Backend backend = open.get(); DeviceTensor x = backend.upload(X);
                DeviceTensor y = backend.convTranspose1d(x, UP1.weight(), UP1.bias(), params)) {
            Tensor host = backend.convTranspose1d(X, UP1.weight(), UP1.bias(), params);
            assertArrayEquals(host.shape(), y.shape());
            assertArrayEquals(host.toFloatArray(), y.download().toFloatArray());
            assertArrayEquals(X.toFloatArray(), x.download().toFloatArray(), "the input is left as it was");
            try (DeviceTensor layerOutput = UP1.forward(backend, x)) {
                assertArrayEquals(UP1.forward(backend, X).toFloatArray(), layerOutput.download().toFloatArray());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void aStackRunsWithOneUploadAndOneDownload(Supplier<Backend> open) {
        Sequential decoder = decoder();
        try (Backend backend = open.get()) {
            CountingBackend counting = new CountingBackend(backend);
            Tensor resident = decoder.forward(counting, X);
            assertEquals(1, counting.uploads, "uploads");
            assertEquals(1, counting.downloads, "downloads");
            assertEquals(0, counting.hostCalls, "host calls");
            assertEquals(3, counting.deviceCalls, "device calls");
            assertEquals(0, counting.open, "intermediate tensors left open");

            Tensor hostTrips = decoder.forwardHost(backend, X);
            assertArrayEquals(hostTrips.toFloatArray(), resident.toFloatArray(), "same kernels, same bits");
            assertArrayEquals(new int[] {2, 2, 43}, resident.shape()); // length 7 -> 14 -> 42 -> 43
        }
    }

    @Test
    void theStackMatchesTheCpuLayerByLayerDefinition() {
        Sequential decoder = decoder();
        try (Backend cpu = Backends.cpu()) {
            Tensor y = X;
            for (int i = 0; i < decoder.size(); i++) {
                ConvTranspose1d layer = decoder.layer(i);
                y = cpu.convTranspose1d(y, layer.weight(), layer.bias(),
                        layer.params().toBuilder().activation(decoder.activation(i)).build());
            }
            assertArrayEquals(y.toFloatArray(), decoder.forward(cpu, X).toFloatArray());
        }
        assertEquals(Activation.SILU, decoder.activation(1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void aFailingLayerLeavesNoIntermediateOpen(Supplier<Backend> open) {
        // UP3 expects 3 channels; UP1 gives 4.
        Sequential broken = Sequential.of(UP1, UP3, UP2);
        try (Backend backend = open.get()) {
            CountingBackend counting = new CountingBackend(backend);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> broken.forward(counting, X));
            assertTrue(e.getMessage().contains("weight has Cin=3"), e.getMessage());
            assertEquals(0, counting.open);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void deviceInputsGetTheHostPathsValidation(Supplier<Backend> open) {
        try (Backend backend = open.get(); DeviceTensor x = backend.upload(X)) {
            String host = assertThrows(IllegalArgumentException.class,
                    () -> backend.convTranspose1d(X, UP2.weight(), null, UP2.params())).getMessage();
            String device = assertThrows(IllegalArgumentException.class,
                    () -> backend.convTranspose1d(x, UP2.weight(), null, UP2.params())).getMessage();
            assertEquals(host, device);
            assertThrows(IllegalArgumentException.class, () -> backend.upload(Tensor.of(new float[0], 2, 0)));
            assertThrows(IllegalArgumentException.class, () -> backend.upload(null));
            assertThrows(IllegalArgumentException.class,
                    () -> backend.convTranspose1d((DeviceTensor) null, UP1.weight(), null, UP1.params()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void closedTensorsAndBackendsRefuseWork(Supplier<Backend> open) {
        Backend backend = open.get();
        DeviceTensor closedEarly = backend.upload(X);
        DeviceTensor leftOpen = backend.upload(X);
        closedEarly.close();
        closedEarly.close();
        assertTrue(closedEarly.isClosed());
        assertFalse(leftOpen.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, closedEarly::download);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class,
                () -> backend.convTranspose1d(closedEarly, UP1.weight(), UP1.bias(), UP1.params()));

        backend.close();
        assertTrue(leftOpen.isClosed(), "closing the backend closes its tensors");
        assertThrows(IllegalStateException.class, leftOpen::download);
        assertThrows(IllegalStateException.class, () -> backend.upload(X));
        assertThrows(IllegalStateException.class,
                () -> backend.convTranspose1d(leftOpen, UP1.weight(), UP1.bias(), UP1.params()));
        leftOpen.close();
    }

    /**
     * A stream's window join: the head's kept positions as stored, then the tail through the activation, in every
     * dtype and both layouts; and beside it, in the same pass, a second join of the same tail as it is. Short rows,
     * and rows long enough that the device joins whole vectors of the head and of the tail on either side of the
     * seam and a remainder at the row's end. The values are eighths and the slope 1/2, so every activated value is
     * exact in every dtype and the expected tensor is computed here, element by element.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void aJoinActivatesOnlyTheTail(Supplier<Backend> open) {
        Activation halfSlope = Activation.leakyRelu(0.5);
        try (Backend backend = open.get()) {
            for (DType dtype : DType.values()) {
                for (Layout layout : Layout.values()) {
                    for (Activation activation : new Activation[] {Activation.NONE, halfSlope}) {
                        checkJoins(backend, dtype, layout, activation, 7, 2, 4, 5);
                        checkJoins(backend, dtype, layout, activation, 26, 3, 19, 9);
                    }
                }
            }
            StreamingBackend streaming = (StreamingBackend) backend;
            try (DeviceTensor h = backend.upload(eighths(new int[] {1, 3, 7}, 0));
                    DeviceTensor other = backend.upload(eighths(new int[] {1, 2, 4}, 0))) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> streaming.joinLength(h, 2, other, Layout.NCL, halfSlope));
                assertTrue(e.getMessage().contains("[1, 3, 7]") && e.getMessage().contains("[1, 2, 4]"),
                        e.getMessage());
            }
        }
    }

    /**
     * The mean of one to eight parts, each read where it waits (a mean's branch queues): the odd parts from an
     * offset in one tensor and on into a second, the even ones from an offset in one; in every dtype and both
     * layouts, with and without an activation; more than four parts take more than one pass on the device. The
     * values are eighths, so every sum is exact and only the division by the part count and the dtype's rounding of
     * the result stand between the device and the mean computed here in double.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void aMeanReadsEachPartWhereItWaits(Supplier<Backend> open) {
        int length = 19;
        try (Backend backend = open.get()) {
            StreamingBackend streaming = (StreamingBackend) backend;
            for (DType dtype : DType.values()) {
                double unit = switch (dtype) {
                    case FLOAT64 -> 0x1p-52;
                    case FLOAT32 -> 0x1p-23;
                    case FLOAT16 -> 0x1p-10;
                    case BFLOAT16 -> 0x1p-7;
                };
                for (Layout layout : Layout.values()) {
                    for (Activation activation : new Activation[] {Activation.NONE, Activation.leakyRelu(0.5)}) {
                        for (int n : new int[] {1, 2, 3, 4, 5, 8}) {
                            checkMean(backend, streaming, dtype, unit, layout, activation, n, length);
                        }
                    }
                }
            }
            try (DeviceTensor a = backend.upload(eighths(new int[] {1, 3, 7}, 0));
                    DeviceTensor b = backend.upload(eighths(new int[] {1, 3, 5}, 0))) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> streaming.mean(List.of(new QueuedPositions(a, 2, null), QueuedPositions.of(b)), 6,
                                Layout.NCL, Activation.NONE));
                assertTrue(e.getMessage().contains("of 6 positions was given a part of 5"), e.getMessage());
                e = assertThrows(IllegalArgumentException.class, () -> streaming.mean(List.of(), 3, Layout.NCL,
                        Activation.NONE));
                assertTrue(e.getMessage().contains("at least one part"), e.getMessage());
                try (DeviceTensor fewerChannels = backend.upload(eighths(new int[] {1, 2, 7}, 0))) {
                    e = assertThrows(IllegalArgumentException.class, () -> streaming.mean(List.of(
                            QueuedPositions.of(a), QueuedPositions.of(fewerChannels)), 5, Layout.NCL, Activation.NONE));
                    assertTrue(e.getMessage().contains("cannot average") && e.getMessage().contains("[1, 2, 7]"),
                            e.getMessage());
                }
            }
        }
    }

    private static void checkMean(Backend backend, StreamingBackend streaming, DType dtype, double unit,
            Layout layout, Activation activation, int n, int length) {
        // Part i: positions [i, ...) of firsts[i], then (odd i) all of thens[i], 5 + i of them from the first.
        List<Tensor> firsts = new ArrayList<>();
        List<Tensor> thens = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean split = i % 2 == 1;
            firsts.add(eighths(shape(layout, split ? i + 5 + i : i + length + 1), 3 * i).to(dtype));
            thens.add(split ? eighths(shape(layout, length - (5 + i) + 2), 5 * i + 1).to(dtype) : null);
        }
        List<DeviceTensor> uploaded = new ArrayList<>();
        String what = dtype + " " + layout + " " + activation + ", " + n + " parts";
        try {
            List<QueuedPositions> parts = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                DeviceTensor first = backend.upload(firsts.get(i));
                uploaded.add(first);
                DeviceTensor then = thens.get(i) == null ? null : backend.upload(thens.get(i));
                if (then != null) {
                    uploaded.add(then);
                }
                parts.add(new QueuedPositions(first, i, then));
            }
            try (DeviceTensor mean = streaming.mean(parts, length, layout, activation)) {
                assertArrayEquals(shape(layout, length), mean.shape(), what);
                assertEquals(dtype, mean.dtype(), what);
                double[] actual = mean.download().toDoubleArray();
                for (int b = 0; b < 2; b++) {
                    for (int c = 0; c < 3; c++) {
                        for (int t = 0; t < length; t++) {
                            double sum = 0;
                            for (int i = 0; i < n; i++) {
                                int inFirst = firsts.get(i).shape()[layout == Layout.NCL ? 2 : 1] - i;
                                sum += t < inFirst ? at(firsts.get(i), layout, b, c, t + i)
                                        : at(thens.get(i), layout, b, c, t - inFirst);
                            }
                            double expected = activation.apply(sum / n);
                            double got = actual[index(layout, b, c, t, length)];
                            assertTrue(Math.abs(got - expected) <= unit * Math.abs(expected), what + " at (" + b
                                    + ", " + c + ", " + t + "): " + got + " against " + expected);
                        }
                    }
                }
            }
        } finally {
            uploaded.forEach(DeviceTensor::close);
        }
    }

    /**
     * Joins head (batch 2, 3 channels, {@code headLength} positions) from {@code from} on with a tail of
     * {@code tailLength} positions, once alone and once beside a second join from {@code otherFrom} on.
     */
    private static void checkJoins(Backend backend, DType dtype, Layout layout, Activation activation, int headLength,
            int from, int tailLength, int otherFrom) {
        StreamingBackend streaming = (StreamingBackend) backend;
        int length = headLength - from + tailLength;
        int otherLength = headLength - otherFrom + tailLength;
        Tensor head = eighths(shape(layout, headLength), 0).to(dtype);
        Tensor tail = eighths(shape(layout, tailLength), 5).to(dtype);
        double[] expected = new double[2 * 3 * length];
        double[] other = new double[2 * 3 * otherLength];
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int t = 0; t < length; t++) {
                    expected[index(layout, n, c, t, length)] = t < headLength - from ? at(head, layout, n, c, t + from)
                            : activation.apply(at(tail, layout, n, c, t - (headLength - from)));
                }
                for (int t = 0; t < otherLength; t++) {
                    int kept = headLength - otherFrom;
                    other[index(layout, n, c, t, otherLength)] = t < kept ? at(head, layout, n, c, t + otherFrom)
                            : at(tail, layout, n, c, t - kept);
                }
            }
        }
        String what = dtype + " " + layout + " " + activation + ", head " + headLength + " from " + from + ", tail "
                + tailLength;
        try (DeviceTensor h = backend.upload(head); DeviceTensor tl = backend.upload(tail);
                DeviceTensor joined = streaming.joinLength(h, from, tl, layout, activation)) {
            Tensor result = joined.download();
            assertArrayEquals(shape(layout, length), result.shape(), what);
            assertEquals(dtype, result.dtype(), what);
            assertArrayEquals(expected, result.toDoubleArray(), what);
            assertArrayEquals(tail.toDoubleArray(), tl.download().toDoubleArray(),
                    what + ": the tail is left as it was");
            // The second join whole, split after its first position, and split inside the tail's positions.
            for (int split : new int[] {otherLength, 1, headLength - otherFrom + tailLength / 2 + 1}) {
                DeviceTensor[] both = streaming.joinLengthTwice(h, from, tl, layout, activation, h, otherFrom, split);
                String twice = what + ", twice, split after " + split;
                try (DeviceTensor first = both[0]; DeviceTensor front = both[1]; DeviceTensor rest = both[2]) {
                    assertArrayEquals(expected, first.download().toDoubleArray(), twice);
                    assertArrayEquals(shape(layout, split), front.shape(), twice);
                    assertArrayEquals(positions(other, layout, otherLength, 0, split), front.download()
                            .toDoubleArray(), twice + ": front");
                    if (split == otherLength) {
                        assertNull(rest, twice);
                    } else {
                        assertArrayEquals(shape(layout, otherLength - split), rest.shape(), twice);
                        assertArrayEquals(positions(other, layout, otherLength, split, otherLength - split),
                                rest.download().toDoubleArray(), twice + ": rest");
                    }
                }
            }
            DeviceTensor[] fromNothing = streaming.joinLengthTwice(h, from, tl, layout, activation, null, 0,
                    tailLength);
            try (DeviceTensor first = fromNothing[0]; DeviceTensor second = fromNothing[1]) {
                assertArrayEquals(expected, first.download().toDoubleArray(), what + ", twice");
                assertArrayEquals(tail.toDoubleArray(), second.download().toDoubleArray(),
                        what + ", twice: the tail alone");
                assertNull(fromNothing[2], what);
            }
            for (int split : new int[] {0, otherLength + 1}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> streaming
                        .joinLengthTwice(h, from, tl, layout, activation, h, otherFrom, split), what);
                assertTrue(e.getMessage().contains("otherSplit") && e.getMessage().contains("" + split),
                        e.getMessage());
            }
        }
    }

    /** Batch 2, 3 channels, {@code length} positions, laid out as {@code layout}. */
    private static int[] shape(Layout layout, int length) {
        return layout == Layout.NCL ? new int[] {2, 3, length} : new int[] {2, length, 3};
    }

    /** Positions [from, from + count) of {@code values}, a tensor of {@link #shape}(layout, length), flattened. */
    private static double[] positions(double[] values, Layout layout, int length, int from, int count) {
        double[] slice = new double[2 * 3 * count];
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int t = 0; t < count; t++) {
                    slice[index(layout, n, c, t, count)] = values[index(layout, n, c, from + t, length)];
                }
            }
        }
        return slice;
    }

    /** The flat index of (n, c, t) in a tensor of {@link #shape}. */
    private static int index(Layout layout, int n, int c, int t, int length) {
        return layout == Layout.NCL ? (n * 3 + c) * length + t : (n * length + t) * 3 + c;
    }

    /** Values k / 8 for k = -20, -19, ... from {@code start} on, cycling: negatives, zero and positives. */
    private static Tensor eighths(int[] shape, int start) {
        double[] values = new double[shape[0] * shape[1] * shape[2]];
        for (int i = 0; i < values.length; i++) {
            values[i] = ((start + i * 7) % 41 - 20) / 8.0;
        }
        return Tensor.of(values, shape);
    }

    /** Element (n, channel, position) of {@code x}, laid out as {@code layout}. */
    private static double at(Tensor x, Layout layout, int n, int c, int t) {
        int[] shape = x.shape();
        double[] values = x.toDoubleArray();
        return layout == Layout.NCL ? values[(n * shape[1] + c) * shape[2] + t]
                : values[(n * shape[1] + t) * shape[2] + c];
    }

    @Test
    void aTensorOfAnotherBackendIsRefused() {
        try (Backend cpu = Backends.cpu(); Backend otherCpu = Backends.cpu(); Backend openCl = OpenClSupport.backend();
                DeviceTensor onCpu = cpu.upload(X); DeviceTensor onOpenCl = openCl.upload(X)) {
            for (Backend backend : new Backend[] {otherCpu, openCl}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> backend.convTranspose1d(onCpu, UP1.weight(), null, UP1.params()));
                assertTrue(e.getMessage().contains("belongs to another backend"), e.getMessage());
            }
            assertThrows(IllegalArgumentException.class,
                    () -> cpu.convTranspose1d(onOpenCl, UP1.weight(), null, UP1.params()));
        }
    }

    @Test
    void openClTensorBuffersAreReusedAndAllReleasedOnClose() {
        int before = ClBuffer.liveCount();
        Sequential decoder = decoder();
        try (Backend backend = OpenClSupport.backend()) {
            decoder.forward(backend, X);
            int steady = ClBuffer.liveCount();
            for (int i = 0; i < 20; i++) {
                decoder.forward(backend, X);
            }
            assertEquals(steady, ClBuffer.liveCount(), "a warm stack allocates nothing");
            backend.upload(X); // never closed by the caller
        }
        assertEquals(before, ClBuffer.liveCount(), "close releases every buffer, forgotten tensors included");
    }

    @Test
    void builderRules() {
        assertThrows(IllegalArgumentException.class, () -> Sequential.builder().build());
        assertThrows(IllegalArgumentException.class, () -> Sequential.builder().activation(Activation.RELU));
        assertThrows(IllegalArgumentException.class,
                () -> Sequential.builder().add(UP1).activation(Activation.RELU).activation(Activation.TANH));
        ConvTranspose1d activated = new ConvTranspose1d(6, 4, 4,
                UP1.params().toBuilder().activation(Activation.SILU).build(), true, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sequential.builder().add(activated).activation(Activation.RELU));
        assertTrue(e.getMessage().contains("already ends with SILU"), e.getMessage());
        assertEquals(Activation.SILU, Sequential.of(activated).activation(0));
    }

    /** Delegates to a backend, counting transfers, calls and device tensors still open. */
    private static final class CountingBackend implements Backend {
        private final Backend delegate;
        int uploads;
        int downloads;
        int hostCalls;
        int deviceCalls;
        int open;

        CountingBackend(Backend delegate) {
            this.delegate = delegate;
        }

        private final class Counted implements DeviceTensor {
            final DeviceTensor inner;
            private boolean closed;

            Counted(DeviceTensor inner) {
                this.inner = inner;
                open++;
            }

            @Override
            public int[] shape() {
                return inner.shape();
            }

            @Override
            public DType dtype() {
                return inner.dtype();
            }

            @Override
            public Tensor download() {
                downloads++;
                return inner.download();
            }

            @Override
            public void downloadInto(float[] destination, int offset) {
                downloads++;
                inner.downloadInto(destination, offset);
            }

            @Override
            public void downloadInto(double[] destination, int offset) {
                downloads++;
                inner.downloadInto(destination, offset);
            }

            @Override
            public void downloadInto(short[] destination, int offset) {
                downloads++;
                inner.downloadInto(destination, offset);
            }

            @Override
            public boolean isClosed() {
                return inner.isClosed();
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    open--;
                }
                inner.close();
            }
        }

        @Override
        public Tensor convTranspose1d(Tensor x, Tensor weight, Tensor bias, ConvTranspose1dParams params) {
            hostCalls++;
            return delegate.convTranspose1d(x, weight, bias, params);
        }

        @Override
        public DeviceTensor convTranspose1d(DeviceTensor x, Tensor weight, Tensor bias, ConvTranspose1dParams params) {
            deviceCalls++;
            return new Counted(delegate.convTranspose1d(((Counted) x).inner, weight, bias, params));
        }

        @Override
        public Tensor conv1d(Tensor x, Tensor weight, Tensor bias, Conv1dParams params) {
            hostCalls++;
            return delegate.conv1d(x, weight, bias, params);
        }

        @Override
        public DeviceTensor conv1d(DeviceTensor x, Tensor weight, Tensor bias, Conv1dParams params) {
            deviceCalls++;
            return new Counted(delegate.conv1d(((Counted) x).inner, weight, bias, params));
        }

        @Override
        public ConvGradients conv1dBackward(Tensor gradOutput, Tensor x, Tensor weight, boolean withBias,
                Conv1dParams params) {
            hostCalls++;
            return delegate.conv1dBackward(gradOutput, x, weight, withBias, params);
        }

        @Override
        public ConvGradients convTranspose1dBackward(Tensor gradOutput, Tensor x, Tensor weight, boolean withBias,
                ConvTranspose1dParams params) {
            hostCalls++;
            return delegate.convTranspose1dBackward(gradOutput, x, weight, withBias, params);
        }

        @Override
        public DeviceTensor upload(Tensor tensor) {
            uploads++;
            return new Counted(delegate.upload(tensor));
        }

        @Override
        public String describe() {
            return delegate.describe();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
