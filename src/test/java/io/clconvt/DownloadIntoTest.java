package io.clconvt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestTensors;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link DeviceTensor#downloadInto}: the same data as {@link DeviceTensor#download()} in the caller's array, for
 * every dtype, its refusals, and what it is for: a long run of device-resident calls that reuses one result
 * array allocates a small fraction of what downloading a new tensor each time does (measured with the JVM's
 * per-thread allocation counter, not with time).
 */
class DownloadIntoTest {
    @Test
    void fillsTheCallersArrayWithWhatDownloadGives() {
        for (Backend backend : List.of(Backends.cpu(), OpenClSupport.backend())) {
            try (backend) {
                for (DType dtype : DType.values()) {
                    Tensor x = TestTensors.random(new java.util.SplittableRandom(1), dtype, 1, 2, 3, 5);
                    try (DeviceTensor device = backend.upload(x)) {
                        switch (dtype) {
                            case FLOAT32 -> {
                                float[] into = new float[33];
                                device.downloadInto(into, 3);
                                assertArrayEquals(x.toFloatArray(), java.util.Arrays.copyOfRange(into, 3, 33));
                                assertThrows(IllegalArgumentException.class, () -> device.downloadInto(into, 4));
                                assertThrows(IllegalArgumentException.class,
                                        () -> device.downloadInto(new double[30], 0));
                            }
                            case FLOAT64 -> {
                                double[] into = new double[30];
                                device.downloadInto(into, 0);
                                assertArrayEquals(x.toDoubleArray(), into);
                                assertThrows(IllegalArgumentException.class, () -> device.downloadInto(new float[30], 0));
                            }
                            default -> {
                                short[] into = new short[30];
                                device.downloadInto(into, 0);
                                assertArrayEquals(x.toHalfBits(), into);
                                assertThrows(IllegalArgumentException.class, () -> device.downloadInto(into, -1));
                            }
                        }
                    }
                }
                DeviceTensor closed = backend.upload(TestTensors.random(2, 4));
                closed.close();
                assertThrows(IllegalStateException.class, () -> closed.downloadInto(new float[4], 0));
            }
        }
    }

    /**
     * The bytes this thread has allocated so far (HotSpot's com.sun.management.ThreadMXBean), by reflection:
     * the tests compile inside the library's module, which reads neither java.management nor jdk.management.
     */
    private static long allocatedBytes() throws ReflectiveOperationException {
        Object threads = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                .invoke(null);
        return (long) Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes")
                .invoke(threads);
    }

    @Test
    void aReusedArrayMakesNoGarbageForTheResults() throws ReflectiveOperationException {
        ConvTranspose1d layer = new ConvTranspose1d(64, 64, 16, ConvTranspose1dParams.builder().stride(8).padding(4)
                .build(), true, 1);
        Tensor x = TestTensors.random(3, 1, 64, 256);
        int calls = 30;
        try (Backend backend = OpenClSupport.backend(); DeviceTensor input = backend.upload(x)) {
            float[] result = new float[64 * 2048];
            long outputBytes = (long) result.length * Float.BYTES;
            for (int warm = 0; warm < 3; warm++) {
                try (DeviceTensor y = layer.forward(backend, input)) {
                    y.downloadInto(result, 0);
                    y.download();
                }
            }
            long before = allocatedBytes();
            for (int i = 0; i < calls; i++) {
                try (DeviceTensor y = layer.forward(backend, input)) {
                    y.download();
                }
            }
            long downloading = (allocatedBytes() - before) / calls;
            before = allocatedBytes();
            for (int i = 0; i < calls; i++) {
                try (DeviceTensor y = layer.forward(backend, input)) {
                    y.downloadInto(result, 0);
                }
            }
            long reusing = (allocatedBytes() - before) / calls;
            assertTrue(downloading >= outputBytes, "download allocates its result: " + downloading + " bytes per call");
            assertTrue(reusing < outputBytes / 20, "downloadInto allocated " + reusing + " bytes per call for a "
                    + outputBytes + "-byte result (download: " + downloading + ")");
        }
    }
}
