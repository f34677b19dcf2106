package io.clconvt.internal.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.DType;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.DeviceCapabilities;
import io.clconvt.internal.plan.GemmPlan;
import io.clconvt.internal.plan.GemmTile;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.internal.plan.LaunchPlan;
import io.clconvt.internal.plan.LaunchPlanTest;
import io.clconvt.internal.plan.TiledPlan;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Plans shrink to fit a device's local memory, work-group size and work-item limits before the call
 * falls through to the direct kernel; on synthetic GPU descriptions (the simulator check runs the same
 * on Oclgrind with its limits set low).
 */
class PlanFitTest {
    private static final ConvProblem DENSE_F64 = LaunchPlanTest.problem(DType.FLOAT64, 64, 64, 1, 4, 2);
    private static final ConvProblem DENSE_F32 = LaunchPlanTest.problem(DType.FLOAT32, 64, 64, 1, 4, 2);

    private static DeviceCapabilities gpu(long maxWorkGroup, List<Long> workItems, long localBytes) {
        return new DeviceCapabilities("0:0", "Oclgrind", "Oclgrind Simulator", "GPU", "OpenCL 1.2", 1, 1L << 30,
                1L << 28, true, "21.10", 1, 1, 1, 1, maxWorkGroup, workItems, true, localBytes);
    }

    @Test
    void aFloat64GemmTileTooLargeForLocalMemoryHalvesItsSlabsInsteadOfFallingBack() {
        // NVIDIA's published tile with FLOAT64 slabs needs 32 x 65 + 32 x 64 doubles, 33,024 B.
        DeviceCapabilities device = LaunchPlanTest.gpu("NVIDIA CUDA", "NVIDIA GeForce RTX 3080", 1024, 32 << 10);
        LaunchPlan plan = ConvTranspose1dImplementations.defaultFor(DENSE_F64, KernelVariant.AUTO, device);
        assertEquals(new GemmPlan(new GemmTile(64, 64, 16, 16, 16, 4)), plan);
        assertTrue(ConvTranspose1dImplementations.supports(DENSE_F64, plan, device));
    }

    @Test
    void eightKibOfLocalMemoryStillRunsGemm() {
        DeviceCapabilities device = gpu(1024, List.of(1024L, 1024L, 1024L), 8 << 10);
        for (ConvProblem problem : List.of(DENSE_F32, DENSE_F64)) {
            LaunchPlan plan = ConvTranspose1dImplementations.defaultFor(problem, KernelVariant.AUTO, device);
            assertInstanceOf(GemmPlan.class, plan, problem.toString());
            assertTrue(ConvTranspose1dImplementations.supports(problem, plan, device), plan.toString());
        }
    }

    @Test
    void aSmallWorkGroupShrinksEveryPlansWorkGroup() {
        DeviceCapabilities device = gpu(16, List.of(16L, 16L, 16L), 32 << 10);
        for (KernelVariant variant : List.of(KernelVariant.AUTO, KernelVariant.GEMM, KernelVariant.TILED,
                KernelVariant.PHASE, KernelVariant.ROWS, KernelVariant.DIRECT)) {
            LaunchPlan plan = ConvTranspose1dImplementations.defaultFor(DENSE_F32, variant, device);
            assertTrue(plan.localSize() <= 16, variant + ": " + plan);
            assertTrue(ConvTranspose1dImplementations.supports(DENSE_F32, plan, device), variant + ": " + plan);
        }
        assertInstanceOf(GemmPlan.class, ConvTranspose1dImplementations.defaultFor(DENSE_F32, KernelVariant.GEMM,
                device));
    }

    @Test
    void workItemLimitsBelowTheWorkGroupSizeBindTheRowsAxis() {
        DeviceCapabilities device = gpu(256, List.of(8L, 256L, 64L), 32 << 10);
        LaunchPlan plan = ConvTranspose1dImplementations.defaultFor(DENSE_F32, KernelVariant.TILED, device);
        assertInstanceOf(TiledPlan.class, plan);
        assertEquals(8, plan.localSize());
    }

    @Test
    void aWideGemmWorkGroupLosesHalfItsLargerSideWithHalfTheTile() {
        DeviceCapabilities device = gpu(64, List.of(64L, 64L, 64L), 32 << 10);
        assertEquals(new GemmTile(64, 32, 32, 16, 8, 4),
                ConvTranspose1dImplementations.smaller(new GemmTile(64, 64, 32, 16, 16, 4), device));
        assertEquals(new GemmTile(32, 32, 32, 8, 8, 4),
                ConvTranspose1dImplementations.smaller(new GemmTile(64, 32, 32, 16, 8, 4), device));
    }

    @Test
    void aDeviceWithAlmostNoLocalMemoryFallsThroughToTheDirectKernel() {
        DeviceCapabilities device = gpu(1024, List.of(1024L, 1024L, 1024L), 64);
        assertEquals(LaunchPlan.direct(),
                ConvTranspose1dImplementations.defaultFor(DENSE_F32, KernelVariant.GEMM, device));
        assertNull(ConvTranspose1dImplementations.smaller(new GemmTile(4, 1, 1, 1, 1, 4), device));
    }
}
