package io.clconvt.internal.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.Activation;
import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.DeviceInfo;
import io.clconvt.DeviceTensor;
import io.clconvt.OpenClException;
import io.clconvt.Tensor;
import io.clconvt.internal.DeviceSelection;
import io.clconvt.internal.Maths;
import io.clconvt.internal.cpu.CpuBackend;
import io.clconvt.internal.kernels.ConvTranspose1dKernel;
import io.clconvt.internal.opencl.ClBuffer;
import io.clconvt.internal.opencl.ClContext;
import io.clconvt.internal.opencl.ClDevice;
import io.clconvt.internal.opencl.ClProgram;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.internal.plan.TiledPlan;
import io.clconvt.testing.Accuracy;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestTensors;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Life cycle, device selection, errors and resource release of the OpenCL backend. */
class OpenClBackendTest {
    private static final Tensor X = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3);
    private static final Tensor W = Tensor.of(new float[] {1, -1, 2, 0.5f, 3, 1, -2, 4}, 2, 2, 2);
    private static final ConvTranspose1dParams PARAMS = ConvTranspose1dParams.builder().stride(2).build();

    @Test
    void describeNamesPlatformDeviceAndVersion() {
        try (Backend backend = OpenClSupport.backend()) {
            String description = backend.describe();
            assertTrue(description.startsWith("opencl: "), description);
            assertTrue(description.contains(" / ") && description.contains("(OpenCL "), description);
        }
    }

    @Test
    void closeIsIdempotentAndAClosedBackendRefusesWork() {
        Backend backend = OpenClSupport.backend();
        backend.convTranspose1d(X, W, null, PARAMS);
        backend.close();
        backend.close();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> backend.convTranspose1d(X, W, null, PARAMS));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void buffersAreReusedWhileOpenAndAllReleasedOnClose() {
        int before = ClBuffer.liveCount();
        Tensor bias = Tensor.of(new float[] {1, 2}, 2);
        for (KernelVariant variant : KernelVariant.values()) {
            try (Backend backend = OpenClSupport.backend(variant)) {
                backend.convTranspose1d(X, W, bias, PARAMS);
                int steady = ClBuffer.liveCount();
                for (int i = 0; i < 20; i++) {
                    backend.convTranspose1d(X, W, bias, PARAMS);
                    backend.convTranspose1d(Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3), W, bias, PARAMS);
                    assertThrows(IllegalArgumentException.class,
                            () -> backend.convTranspose1d(X, W, Tensor.of(new float[] {1}, 1), PARAMS));
                }
                assertEquals(steady, ClBuffer.liveCount(), variant + ": same-shaped calls reuse their buffers");
            }
            assertEquals(before, ClBuffer.liveCount(), variant + ": close releases every buffer");
        }
    }

    @Test
    void copiedAndWrittenInputsAlternateWithoutMixing() {
        // Inputs up to COPIED_INPUT_BYTES get a buffer of their own, larger ones a pooled buffer written
        // into; a pooled buffer reused too early, or a kernel that ran before its input's write, would mix
        // two calls' inputs. Lengths straddle the limit, so the two ways alternate.
        SplittableRandom random = new SplittableRandom(7);
        ConvTranspose1dParams params = ConvTranspose1dParams.builder().stride(2).padding(1).build();
        int channels = 4;
        try (Backend backend = OpenClSupport.backend(); CpuBackend cpu = new CpuBackend()) {
            for (DType dtype : DType.values()) {
                int limitLength = (int) (OpenClBackend.COPIED_INPUT_BYTES / dtype.byteSize() / channels);
                Tensor w = TestTensors.random(random, dtype, 1, channels, 3, 4);
                for (int length : new int[] {1, 37, limitLength, limitLength + 1, 5, limitLength + 1, 2}) {
                    Tensor x = TestTensors.random(random, dtype, 1, 1, channels, length);
                    Accuracy.assertClose(backend.convTranspose1d(x, w, null, params),
                            cpu.convTranspose1d(x, w, null, params), x, w, null, params, dtype + ", length " + length);
                }
            }
        }
    }

    @Test
    void warmCallsBuildNothing() {
        try (OpenClBackend backend = OpenClSupport.backend(KernelVariant.AUTO)) {
            ConvTranspose1dParams longer = PARAMS.toBuilder().padding(1).build();
            backend.convTranspose1d(X, W, null, PARAMS);
            int built = Diagnostics.builtPrograms(backend);
            backend.convTranspose1d(X, W, null, PARAMS);
            backend.convTranspose1d(Tensor.of(new float[40], 2, 2, 10), W, null, longer);
            assertEquals(built, Diagnostics.builtPrograms(backend), "new lengths and batch sizes reuse the built program");
        }
    }

    @Test
    void resultsAreDeterministicRunToRun() {
        float[] data = new float[3 * 64 * 50];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) Math.sin(i * 0.37);
        }
        Tensor x = Tensor.of(data, 3, 64, 50);
        Tensor w = Tensor.of(java.util.Arrays.copyOf(data, 64 * 8 * 5), 64, 8, 5);
        ConvTranspose1dParams params = ConvTranspose1dParams.builder().stride(3).padding(2).build();
        try (Backend backend = OpenClSupport.backend()) {
            float[] first = backend.convTranspose1d(x, w, null, params).toFloatArray();
            for (int run = 0; run < 3; run++) {
                assertArrayEquals(first, backend.convTranspose1d(x, w, null, params).toFloatArray());
            }
        }
    }

    @Test
    void aTensorLargerThanTheDeviceAllocatesIsRejectedBeforeAllocation() {
        try (OpenClBackend backend = (OpenClBackend) OpenClSupport.backend()) {
            DeviceInfo device = Backends.openClDevices().stream()
                    .filter(d -> backend.describe().contains(d.name())).findFirst().orElseThrow();
            // Lout = stride + 1 elements, just over the per-buffer limit, from a two-sample input. An output
            // is at most Integer.MAX_VALUE elements, so where FLOAT32 cannot pass the limit (POCL's 8 GiB on a
            // 24 GiB machine) FLOAT64 does.
            boolean floats = device.maxAllocationBytes() / 4 < Integer.MAX_VALUE - 1;
            long limitElements = device.maxAllocationBytes() / (floats ? 4 : 8);
            org.junit.jupiter.api.Assumptions.assumeTrue(
                    floats || device.fp64() && limitElements < Integer.MAX_VALUE - 1,
                    "the device allows buffers larger than a Java array of FLOAT64");
            ConvTranspose1dParams params = ConvTranspose1dParams.builder().stride((int) limitElements).build();
            Tensor input = floats ? Tensor.of(new float[] {1, 2}, 1, 1, 2) : Tensor.of(new double[] {1, 2}, 1, 1, 2);
            Tensor weight = floats ? Tensor.of(new float[] {1}, 1, 1, 1) : Tensor.of(new double[] {1}, 1, 1, 1);
            int before = ClBuffer.liveCount();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> backend.convTranspose1d(input, weight, null, params));
            assertTrue(e.getMessage().contains("CL_DEVICE_MAX_MEM_ALLOC_SIZE"), e.getMessage());
            assertEquals(before, ClBuffer.liveCount());
            // The same refusal for a device-resident input, which stays usable.
            try (DeviceTensor x = backend.upload(input)) {
                int uploaded = ClBuffer.liveCount();
                e = assertThrows(IllegalArgumentException.class,
                        () -> backend.convTranspose1d(x, weight, null, params));
                assertTrue(e.getMessage().contains("CL_DEVICE_MAX_MEM_ALLOC_SIZE"), e.getMessage());
                assertEquals(uploaded, ClBuffer.liveCount());
                assertArrayEquals(new double[] {1, 2}, x.download().toDoubleArray());
            }
            // still usable afterwards
            assertEquals(6, backend.convTranspose1d(X, W, null, PARAMS).shape()[2]); // (3 - 1) * 2 + 2
        }
    }

    @Test
    void aFailedBuildLeavesTheBackendUsable() {
        try (OpenClBackend backend = OpenClSupport.backend(KernelVariant.DIRECT)) {
            Tensor before = backend.convTranspose1d(X, W, null, PARAMS);
            int built = Diagnostics.builtPrograms(backend);
            // An option set the shared epilogue rejects with #error: a real compiler failure.
            OpenClException e = assertThrows(OpenClException.class, () -> Diagnostics.buildKernel(backend,
                    ConvTranspose1dKernel.SOURCE_FILE, "conv_transpose1d", "-DACTIVATION=99"));
            assertEquals("CL_BUILD_PROGRAM_FAILURE", e.statusName());
            assertTrue(e.buildLog().contains("ACTIVATION must be"), e.buildLog());
            assertEquals(built, Diagnostics.builtPrograms(backend), "a failed build caches nothing");
            // The same failure again (nothing half-built was kept), and other programs still build and run.
            assertThrows(OpenClException.class, () -> Diagnostics.buildKernel(backend,
                    ConvTranspose1dKernel.SOURCE_FILE, "conv_transpose1d", "-DACTIVATION=99"));
            assertArrayEquals(before.toFloatArray(), backend.convTranspose1d(X, W, null, PARAMS).toFloatArray());
            ConvTranspose1dParams relu = PARAMS.toBuilder().activation(Activation.RELU).build();
            assertEquals(6, backend.convTranspose1d(X, W, null, relu).shape()[2]);
            assertEquals(built + 1, Diagnostics.builtPrograms(backend));
        }
    }

    @Test
    void aBuildFailureCarriesTheFullBuildLog() {
        ClDevice device = ClDevice.select(new DeviceSelection(null, "default"));
        try (ClContext context = new ClContext(device, false)) {
            OpenClException e = assertThrows(OpenClException.class, () -> ClProgram.build(context, "broken.cl",
                    "__kernel void broken(__global float* y) { y[0] = undefined_symbol_xyz; }", ""));
            assertEquals("clBuildProgram", e.call());
            assertEquals("CL_BUILD_PROGRAM_FAILURE", e.statusName());
            assertNotNull(e.buildLog());
            assertTrue(e.buildLog().contains("undefined_symbol_xyz"), e.buildLog());
            assertTrue(e.getMessage().contains(e.buildLog()), "the message carries the log");
        }
    }

    @Test
    void devicesAreSelectedByIndexOrNameSubstring() {
        DeviceInfo first = Backends.openClDevices().get(0);
        assertEquals(first, ClDevice.select(new DeviceSelection(first.index(), "test")).capabilities().info());
        String fragment = first.name().substring(0, Math.min(6, first.name().length())).toUpperCase();
        assertEquals(first.name(), ClDevice.select(new DeviceSelection(fragment, "test")).capabilities().name());
        OpenClException e = assertThrows(OpenClException.class,
                () -> ClDevice.select(new DeviceSelection("no-such-device-xyz", "CLCONVT_DEVICE")));
        assertEquals("CL_DEVICE_NOT_FOUND", e.statusName());
        assertTrue(e.getMessage().contains("no-such-device-xyz") && e.getMessage().contains(first.index()),
                e.getMessage());
    }

    @Test
    void autoPicksOpenClWhenADeviceIsUsable() {
        OpenClSupport.backend().close(); // fails under CI, skips elsewhere, when there is no device
        try (Backend backend = Backends.auto()) {
            assertTrue(backend.describe().startsWith("opencl: "), backend.describe());
        }
    }

    @Test
    void workGroupsAreCutToWhatTheDeviceAccepts() {
        TiledPlan plan = new TiledPlan(16, 4, 64);
        assertEquals(plan, plan.withLocalSizeAtMost(64));
        assertEquals(new TiledPlan(16, 4, 32), plan.withLocalSizeAtMost(48));
        assertEquals(1, plan.withLocalSizeAtMost(1).localSize());
    }

    @Test
    void kernelPhaseArithmetic() {
        assertEquals(3, Maths.gcd(6, 9));
        for (int modulus = 1; modulus < 30; modulus++) {
            for (int value = 1; value < 40; value++) {
                if (Maths.gcd(value, modulus) == 1) {
                    int inverse = Maths.modularInverse(value, modulus);
                    assertEquals(1 % modulus, (long) value * inverse % modulus, value + " mod " + modulus);
                }
            }
        }
    }
}
