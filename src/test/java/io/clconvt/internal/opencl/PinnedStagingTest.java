package io.clconvt.internal.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.DeviceTensor;
import io.clconvt.Tensor;
import io.clconvt.internal.DeviceSelection;
import io.clconvt.internal.backend.OpenClBackend;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestTensors;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Host transfers through pinned staging ({@link PinnedStaging}), asked for with chunks of a few KiB, so that every
 * transfer takes several and both stages take turns: what goes in comes back bit for bit, and a backend that
 * stages computes exactly what one that does not computes.
 */
class PinnedStagingTest {
    /** 24 KiB: no multiple of the tensors' sizes, so the last chunk of each transfer is a partial one. */
    private static final String CHUNK = "24576";

    @Test
    void transfersComeBackBitForBitThroughSeveralChunks() {
        OpenClSupport.backend(KernelVariant.AUTO).close(); // skips (or fails under CI) without a device
        ClDevice device = ClDevice.select(DeviceSelection.fromEnvironment());
        SplittableRandom random = new SplittableRandom(31);
        int live = ClBuffer.liveCount();
        try (ClContext direct = new ClContext(device, false); ClContext staged = staged(() -> new ClContext(device, false))) {
            assertNull(direct.staging(), "no staging unless asked for");
            assertNotNull(staged.staging(), "the property asks for staging");
            for (DType dtype : DType.values()) {
                Tensor tensor = TestTensors.random(random, dtype, 1, 3, 7001); // 21,003 elements
                long bytes = (long) tensor.size() * dtype.byteSize();
                try (ClBuffer buffer = ClBuffer.allocate(staged, bytes)) {
                    buffer.write(tensor);
                    Tensor back = buffer.read(dtype, tensor.shape());
                    assertArrayEquals(tensor.toDoubleArray(), back.toDoubleArray(), dtype + " read back");
                    if (dtype == DType.FLOAT32) {
                        float[] into = new float[tensor.size() + 5];
                        Arrays.fill(into, -7);
                        buffer.readInto(into, 5L * Float.BYTES);
                        assertArrayEquals(new float[] {-7, -7, -7, -7, -7}, Arrays.copyOf(into, 5), "before the offset");
                        assertArrayEquals(tensor.toFloatArray(), Arrays.copyOfRange(into, 5, into.length));
                    }
                }
            }
        }
        assertEquals(live, ClBuffer.liveCount(), "nothing leaks");
    }

    @Test
    void aBackendThatStagesComputesWhatOneThatDoesNotComputes() {
        OpenClSupport.backend(KernelVariant.AUTO).close();
        ClDevice device = ClDevice.select(DeviceSelection.fromEnvironment());
        SplittableRandom random = new SplittableRandom(32);
        // 64 x 2,100 floats: 525 KB in, over the size that is copied into a buffer of its own, so it is written
        Tensor x = TestTensors.random(random, DType.FLOAT32, 1, 1, 64, 2100);
        Tensor w = TestTensors.random(random, DType.FLOAT32, 1, 64, 32, 4);
        Tensor b = TestTensors.random(random, DType.FLOAT32, 1, 32);
        ConvTranspose1dParams params = ConvTranspose1dParams.builder().stride(2).padding(1).build();
        try (OpenClBackend direct = new OpenClBackend(device, KernelVariant.AUTO, false, false);
                OpenClBackend staged = staged(() -> new OpenClBackend(device, KernelVariant.AUTO, false, false))) {
            assertTrue((long) x.size() * Float.BYTES > OpenClBackend.COPIED_INPUT_BYTES);
            float[] expected = direct.convTranspose1d(x, w, b, params).toFloatArray();
            assertArrayEquals(expected, staged.convTranspose1d(x, w, b, params).toFloatArray(), "host call");
            try (DeviceTensor input = staged.upload(x); DeviceTensor y = staged.convTranspose1d(input, w, b, params)) {
                assertArrayEquals(expected, y.download().toFloatArray(), "device-resident call");
                float[] into = new float[expected.length];
                y.downloadInto(into, 0);
                assertArrayEquals(expected, into, "downloadInto");
            }
        }
    }

    @Test
    void aChunkSizeThatIsNoMultipleOfEightIsRefusedByName() {
        String before = System.getProperty(PinnedStaging.CHUNK_PROPERTY);
        try {
            for (String bad : new String[] {"100", "-8", "4 MiB"}) {
                System.setProperty(PinnedStaging.CHUNK_PROPERTY, bad);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, PinnedStaging::chunkBytes);
                assertTrue(e.getMessage().contains(PinnedStaging.CHUNK_PROPERTY) && e.getMessage().contains(bad),
                        e.getMessage());
            }
            System.clearProperty(PinnedStaging.CHUNK_PROPERTY);
            assertEquals(0, PinnedStaging.chunkBytes(), "off unless asked for");
        } finally {
            restore(before);
        }
    }

    /** Opens what {@code open} makes with staging forced at {@link #CHUNK} bytes a chunk. */
    private static <T> T staged(Supplier<T> open) {
        String before = System.getProperty(PinnedStaging.CHUNK_PROPERTY);
        System.setProperty(PinnedStaging.CHUNK_PROPERTY, CHUNK);
        try {
            return open.get();
        } finally {
            restore(before);
        }
    }

    private static void restore(String before) {
        if (before == null) {
            System.clearProperty(PinnedStaging.CHUNK_PROPERTY);
        } else {
            System.setProperty(PinnedStaging.CHUNK_PROPERTY, before);
        }
    }
}
