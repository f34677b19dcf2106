package io.clconvt.internal.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.ConvTranspose1dParams;
import io.clconvt.Tensor;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.DeviceCapabilities;
import io.clconvt.internal.DeviceSelection;
import io.clconvt.internal.opencl.ClBuffer;
import io.clconvt.internal.opencl.ClContext;
import io.clconvt.internal.opencl.ClDevice;
import io.clconvt.internal.opencl.ProgramCache;
import io.clconvt.internal.opencl.TensorCache;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.internal.plan.LaunchPlan;
import io.clconvt.internal.plan.LaunchPlanTest;
import io.clconvt.internal.plan.PlanText;
import io.clconvt.internal.plan.TiledPlan;
import io.clconvt.testing.OpenClSupport;
import java.util.function.Function;
import org.jocl.cl_kernel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The phase/tiled programs' envelope ({@code supports}, in 64-bit arithmetic) and the fallbacks around
 * it, and the bounds of the parameter and program caches.
 */
class EnvelopeTest {
    private static ClContext context;

    @BeforeAll
    static void open() {
        OpenClSupport.backend(KernelVariant.AUTO).close(); // skips, or fails under CI, without a device
        context = new ClContext(ClDevice.select(DeviceSelection.fromEnvironment()), false);
    }

    @AfterAll
    static void close() {
        if (context != null) {
            context.close();
        }
    }

    private static ConvProblem problem(int inChannels, int outChannels, int kernelSize, int inputLength,
            ConvTranspose1dParams params) {
        return ConvProblem.resolve(Tensor.of(new float[inChannels * inputLength], 1, inChannels, inputLength),
                Tensor.of(new float[inChannels * outChannels * kernelSize], inChannels, outChannels, kernelSize),
                null, params);
    }

    private static ConvTranspose1dParams.Builder params() {
        return ConvTranspose1dParams.builder();
    }

    private static LaunchPlan tiled(int rows) {
        return new TiledPlan(16, rows, 16);
    }

    /** The machine the decoder suite's plans were measured on. */
    private static final DeviceCapabilities AVX512 = LaunchPlanTest.cpu(16, 8);

    @Test
    void envelopeIsComputedWithoutOverflow() {
        // 4 rows x 2^30 wraps to 0 accumulators in 32-bit arithmetic.
        ConvProblem hugeStride = problem(1, 1, 1, 2, params().stride(1 << 30).padding((1 << 30) - 1, 0).build());
        assertFalse(ConvTranspose1dImplementations.TILED.supports(hugeStride, tiled(4), null));
        assertFalse(ConvTranspose1dImplementations.TILED.supports(hugeStride, new TiledPlan(1, 4, 32), null));
        // (K - 1) x dilation wraps in 32 bits too.
        ConvProblem hugeReach = problem(1, 16, 3, 2, params().dilation(1 << 30).padding(1 << 30).build());
        assertFalse(ConvTranspose1dImplementations.TILED.supports(hugeReach, tiled(1), null));
        assertEquals(LaunchPlan.direct(), ConvTranspose1dImplementations.defaultFor(hugeStride,
                KernelVariant.AUTO, AVX512));
    }

    @Test
    void eachBoundOfTheEnvelopeIsInclusive() {
        // Window: 8 rows + 2 x 124 = 256 fits, 2 x 125 does not.
        assertTrue(ConvTranspose1dImplementations.TILED.supports(problem(1, 16, 3, 8, params().dilation(124).build()), tiled(8), null));
        assertFalse(ConvTranspose1dImplementations.TILED.supports(problem(1, 16, 3, 8, params().dilation(125).build()),
                tiled(8), null));
        // Accumulators: 1 row x stride 32 fits, stride 33 does not.
        assertTrue(ConvTranspose1dImplementations.TILED.supports(problem(1, 16, 2, 8, params().stride(32).build()), tiled(1), null));
        assertFalse(ConvTranspose1dImplementations.TILED.supports(problem(1, 16, 2, 8, params().stride(33).build()), tiled(1), null));
        // K x accumulators: 64 x 16 fits, 64 x 32 does not.
        assertTrue(ConvTranspose1dImplementations.TILED.supports(problem(1, 16, 64, 8, params().stride(16).build()), tiled(1), null));
        assertFalse(ConvTranspose1dImplementations.TILED.supports(problem(1, 16, 64, 8, params().stride(32).build()), tiled(1), null));
        // Unrolled taps: 64 x 4 rows fits, 64 x 8 does not; K = 65 is over the kernel size bound.
        assertTrue(ConvTranspose1dImplementations.TILED.supports(problem(1, 16, 64, 8, params().build()), tiled(4), null));
        assertFalse(ConvTranspose1dImplementations.TILED.supports(problem(1, 16, 64, 8, params().build()), tiled(8), null));
        assertFalse(ConvTranspose1dImplementations.TILED.supports(problem(1, 16, 65, 8, params().build()), tiled(1), null));
        // With one phase of two (K = 32, 16 taps a phase): 16 rows unroll 256 taps and fit, 32 rows do not.
        assertTrue(ConvTranspose1dImplementations.TILED.supports(problem(1, 16, 32, 8, params().stride(2).build()),
                new TiledPlan(16, 16, 1, 16), null));
        assertFalse(ConvTranspose1dImplementations.TILED.supports(problem(1, 16, 32, 8, params().stride(2).build()),
                new TiledPlan(16, 32, 1, 16), null));
    }

    @Test
    void malformedPlansAreOutsideTheEnvelope() {
        ConvProblem problem = problem(1, 16, 3, 8, params().build());
        assertFalse(ConvTranspose1dImplementations.TILED.supports(problem, tiled(0), null));
        assertFalse(ConvTranspose1dImplementations.TILED.supports(problem, new TiledPlan(5, 4, 16), null));
        assertFalse(ConvTranspose1dImplementations.TILED.supports(problem, new TiledPlan(16, 4, 0), null));
        // A phase plan of 8 channels cannot be built any more (one channel is what makes it the phase
        // variant); the tuning file's text is where it could still come from, and it is refused there.
        assertEquals(KernelVariant.TILED, new TiledPlan(8, 4, 32).variant());
        assertNull(PlanText.parse("phase:8:4:32"));
    }

    @Test
    void defaultPlansShrinkIntoTheEnvelopeOrFallBackToDirect() {
        // The decoder suite's shapes keep their plans (README, Performance).
        assertEquals(new TiledPlan(16, 8, 2, 16), ConvTranspose1dImplementations.defaultFor(
                problem(512, 256, 16, 128, params().stride(8).padding(4).build()), KernelVariant.AUTO, AVX512));
        assertEquals(tiled(8), ConvTranspose1dImplementations.defaultFor(problem(128, 64, 4, 64, params().stride(2).padding(1).build()),
                KernelVariant.AUTO, AVX512));
        // K = 64 at stride 16: 8 rows of 2 phases keep 16 accumulators (K x accumulators 1024) and unroll
        // 64 taps; with dilation 2 the phases stay together and one row keeps 16.
        assertEquals(new TiledPlan(16, 8, 2, 16), ConvTranspose1dImplementations.defaultFor(
                problem(4, 32, 64, 50, params().stride(16).build()), KernelVariant.AUTO, AVX512));
        assertEquals(tiled(1), ConvTranspose1dImplementations.defaultFor(problem(4, 32, 64, 50, params().stride(16).dilation(3).build()),
                KernelVariant.AUTO, AVX512));
        // K = 64 at stride 32: 2 phases of 8 rows; with dilation 3 (every phase together, 32 accumulators x
        // K over the bound), or a window of 1808 (dilation 900): the direct kernel.
        assertEquals(new TiledPlan(16, 8, 2, 16), ConvTranspose1dImplementations.defaultFor(
                problem(4, 32, 64, 50, params().stride(32).build()), KernelVariant.TILED, AVX512));
        assertEquals(LaunchPlan.direct(), ConvTranspose1dImplementations.defaultFor(problem(4, 32, 64, 50,
                params().stride(32).dilation(3).build()), KernelVariant.TILED, AVX512));
        assertEquals(LaunchPlan.direct(), ConvTranspose1dImplementations.defaultFor(problem(4, 16, 3, 50, params().dilation(900).build()),
                KernelVariant.PHASE, AVX512));
    }

    @Test
    void parametersHandedToACallStayAllocatedBeyondTheBudget() {
        int live = ClBuffer.liveCount();
        try (TensorCache cache = new TensorCache(1000)) {
            Function<Tensor, ClBuffer> upload = tensor -> ClBuffer.upload(context, tensor);
            Tensor weight = Tensor.of(new float[256], 1, 1, 256); // 1024 bytes, over the budget alone
            Tensor bias = Tensor.of(new float[16], 16);
            ClBuffer weightBuffer = cache.get(weight, "plain", upload);
            cache.get(bias, "plain", upload);
            assertEquals(live + 2, ClBuffer.liveCount(), "a copy the call holds was released");
            assertSame(weightBuffer, cache.get(weight, "plain", upload));
            cache.unpinAll();
            // The next call needs room: least recently used first, the bias and then the weight go.
            cache.get(Tensor.of(new float[16], 16), "plain", upload);
            assertEquals(live + 1, ClBuffer.liveCount());
            assertEquals(64, cache.bytes());
        }
        assertEquals(live, ClBuffer.liveCount());
    }

    @Test
    void deviceCopiesOfUnreachableTensorsAreReleased() throws InterruptedException {
        int live = ClBuffer.liveCount();
        try (TensorCache cache = new TensorCache(TensorCache.MAX_BYTES)) {
            for (int i = 0; i < 4; i++) {
                cache.get(Tensor.of(new float[1024], 1, 1, 1024), "plain", tensor -> ClBuffer.upload(context, tensor));
            }
            cache.unpinAll();
            assertEquals(live + 4, ClBuffer.liveCount());
            for (int attempt = 0; attempt < 100 && cache.size() > 0; attempt++) {
                System.gc();
                Thread.sleep(20);
            }
            assertEquals(0, cache.size(), "device copies of collected tensors are still held");
            assertEquals(0, cache.bytes());
            assertEquals(live, ClBuffer.liveCount());
        }
    }

    @Test
    void programCacheKeepsTheMostRecentlyUsed() {
        try (ProgramCache programs = new ProgramCache(context, 2, ProgramCache::kernelSource)) {
            cl_kernel first = programs.kernel("roofline.cl", "copy", "-DCHAINS=1");
            cl_kernel second = programs.kernel("roofline.cl", "copy", "-DCHAINS=2");
            assertSame(first, programs.kernel("roofline.cl", "copy", "-DCHAINS=1")); // now the most recent
            programs.kernel("roofline.cl", "copy", "-DCHAINS=3");
            assertEquals(2, programs.size());
            assertSame(first, programs.kernel("roofline.cl", "copy", "-DCHAINS=1"));
            assertNotSame(second, programs.kernel("roofline.cl", "copy", "-DCHAINS=2"), "the evicted program was kept");
            assertEquals(2, programs.size());
        }
    }
}
