package io.clconvt.internal.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.Layout;
import io.clconvt.Tensor;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.DeviceCapabilities;
import io.clconvt.internal.kernels.ConvTranspose1dImplementations;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The built-in plan rule on synthetic device descriptions (no device needed): an AVX2 CPU (native float
 * width 8), an AVX-512 CPU (16) and GPUs of three vendors, as their OpenCL drivers report them.
 */
public class LaunchPlanTest {
    public static final DeviceCapabilities AVX2 = cpu(8, 4);
    public static final DeviceCapabilities AVX512 = cpu(16, 8);
    public static final DeviceCapabilities NVIDIA = gpu("NVIDIA CUDA", "NVIDIA GeForce RTX 3080", 1024, 48 << 10);
    public static final DeviceCapabilities AMD = gpu("AMD Accelerated Parallel Processing", "gfx1030", 256, 64 << 10);
    public static final DeviceCapabilities INTEL = gpu("Intel(R) OpenCL Graphics", "Intel(R) UHD Graphics 630", 256, 64 << 10);

    public static DeviceCapabilities cpu(int floatWidth, int doubleWidth) {
        return new DeviceCapabilities("0:0", "Portable Computing Language", "pthread-cpu", "CPU", "OpenCL 3.0 PoCL", 2,
                24L << 30, 8L << 30, true, "3.1", floatWidth, floatWidth, doubleWidth, doubleWidth, 4096,
                List.of(4096L, 4096L, 4096L), false, 1 << 20);
    }

    public static DeviceCapabilities gpu(String platform, String name, long maxWorkGroup, long localBytes) {
        return new DeviceCapabilities("0:0", platform, name, "GPU", "OpenCL 3.0", 40, 10L << 30, 2L << 30, true, "1.0", 1, 1,
                1, 1, maxWorkGroup, List.of(maxWorkGroup, maxWorkGroup, 64L), true, localBytes);
    }

    public static ConvProblem problem(DType dtype, int cin, int cout, int groups, int k, int stride) {
        return problem(dtype, cin, cout, groups, k, stride, 1);
    }

    public static ConvProblem problem(DType dtype, int cin, int cout, int groups, int k, int stride, int dilation) {
        Tensor x = dtype == DType.FLOAT32 ? Tensor.of(new float[cin * 64], 1, cin, 64)
                : Tensor.of(new double[cin * 64], 1, cin, 64);
        int elements = cin * (cout / groups) * k;
        Tensor w = dtype == DType.FLOAT32 ? Tensor.of(new float[elements], cin, cout / groups, k)
                : Tensor.of(new double[elements], cin, cout / groups, k);
        return ConvProblem.resolve(x, w, null, ConvTranspose1dParams.builder().stride(stride).dilation(dilation)
                .groups(groups).build());
    }

    @Test
    void avx2UsesEightFloatVectorsAndFitsSixteenRegisters() {
        LaunchPlan plan = ConvTranspose1dImplementations.defaultFor(problem(DType.FLOAT32, 256, 128, 1, 4, 2), KernelVariant.AUTO, AVX2);
        assertEquals(new TiledPlan(8, 4, 16), plan);
        assertEquals(16, CpuRule.vectorRegisters(8));
        // HiFi-GAN's stride 8: 4 rows of 2 phases, 8 accumulators (every phase of 4 rows would need 34 registers)
        assertEquals(new TiledPlan(8, 4, 2, 16),
                ConvTranspose1dImplementations.defaultFor(problem(DType.FLOAT32, 512, 256, 1, 16, 8), KernelVariant.AUTO, AVX2));
        assertEquals(4, ((TiledPlan) ConvTranspose1dImplementations.defaultFor(problem(DType.FLOAT64, 256, 128, 1, 4, 2),
                KernelVariant.AUTO, AVX2)).channels());
    }

    /**
     * At stride 1 in NCL, with dilated taps or K up to 5, a row is one accumulator and an AVX-512 tile takes 16
     * rows (18 registers); AVX2's 16 registers keep 8, so do undilated K above 5 and NLC, and the envelope
     * still halves a tile whose 16 rows would widen the window past 256 positions.
     */
    @Test
    void strideOneTilesTakeSixteenRowsWhereMeasuredFaster() {
        assertEquals(new TiledPlan(16, 16, 16), defaultFor(problem(DType.FLOAT32, 256, 256, 1, 11, 1, 5), AVX512));
        assertEquals(new TiledPlan(16, 16, 16), defaultFor(problem(DType.FLOAT32, 256, 256, 1, 3, 1), AVX512));
        assertEquals(new TiledPlan(16, 16, 16), defaultFor(problem(DType.FLOAT32, 256, 256, 1, 5, 1), AVX512));
        assertEquals(new TiledPlan(8, 8, 16), defaultFor(problem(DType.FLOAT32, 256, 256, 1, 11, 1, 5), AVX2));
        assertEquals(new TiledPlan(16, 8, 16), defaultFor(problem(DType.FLOAT32, 256, 256, 1, 7, 1), AVX512));
        assertEquals(new TiledPlan(16, 8, 16), defaultFor(problem(DType.FLOAT32, 64, 64, 1, 3, 1, 124), AVX512),
                "window 16 + 248 > 256");
        ConvProblem nlc = ConvProblem.resolve(Tensor.of(new float[64 * 64], 1, 64, 64),
                Tensor.of(new float[64 * 64 * 7], 64, 64, 7), null,
                ConvTranspose1dParams.builder().dilation(2).layout(Layout.NLC).build());
        assertEquals(new TiledPlan(16, 8, 16), defaultFor(nlc, AVX512));
        // Strided tiles keep their 8-row cap (16 rows of every phase would not fit anyway).
        assertEquals(new TiledPlan(16, 8, 16), defaultFor(problem(DType.FLOAT32, 256, 128, 1, 4, 2), AVX512));
    }

    private static LaunchPlan defaultFor(ConvProblem problem, DeviceCapabilities device) {
        return ConvTranspose1dImplementations.defaultFor(problem, KernelVariant.AUTO, device);
    }

    @Test
    void avx512UsesSixteenFloatVectorsAndFitsThirtyTwoRegisters() {
        assertEquals(new TiledPlan(16, 8, 16),
                ConvTranspose1dImplementations.defaultFor(problem(DType.FLOAT32, 256, 128, 1, 4, 2), KernelVariant.AUTO, AVX512));
        assertEquals(32, CpuRule.vectorRegisters(16));
        // grouped_up: 32-channel groups, where scalar stores of a split tile would cost half the loads
        assertEquals(new TiledPlan(16, 4, 16),
                ConvTranspose1dImplementations.defaultFor(problem(DType.FLOAT32, 256, 256, 8, 8, 4), KernelVariant.AUTO, AVX512));
        assertEquals(new TiledPlan(16, 8, 2, 16),
                ConvTranspose1dImplementations.defaultFor(problem(DType.FLOAT32, 512, 256, 1, 16, 8), KernelVariant.AUTO, AVX512));
        assertEquals(8, ((TiledPlan) ConvTranspose1dImplementations.defaultFor(problem(DType.FLOAT64, 256, 128, 1, 4, 2),
                KernelVariant.AUTO, AVX512)).channels());
    }

    @Test
    void onEveryCpuAndStrideTheAccumulatorsAndOneTapFitTheRegisters() {
        for (DeviceCapabilities device : List.of(AVX2, AVX512, cpu(4, 2))) {
            int registers = CpuRule.vectorRegisters(device.nativeFloatWidth());
            for (int stride = 1; stride <= 16; stride++) {
                for (KernelVariant variant : List.of(KernelVariant.AUTO, KernelVariant.TILED, KernelVariant.PHASE)) {
                    TiledPlan plan = (TiledPlan) ConvTranspose1dImplementations.defaultFor(
                            problem(DType.FLOAT32, 64, 64, 1, 2 * stride, stride), variant, device);
                    ConvProblem problem = problem(DType.FLOAT32, 64, 64, 1, 2 * stride, stride);
                    int phases = plan.phasesOf(problem);
                    assertTrue(plan.rows() * phases + CpuRule.TAP_REGISTERS <= registers
                            || (plan.rows() == 1 && phases == stride),
                            plan + " at stride " + stride + " needs more than " + registers + " registers");
                    assertTrue(phases == stride
                            || CpuRule.splitPhaseFits(registers, problem, plan.rows(), phases),
                            plan + " at stride " + stride + " leaves no room for its input window");
                    assertTrue(ConvTranspose1dImplementations.supports(problem, plan, device), plan + " at stride " + stride);
                    assertTrue(plan.channels() <= device.nativeFloatWidth(), plan + " on width "
                            + device.nativeFloatWidth());
                }
            }
            GemmTile tile = ((GemmPlan) ConvTranspose1dImplementations.defaultFor(problem(DType.FLOAT32, 64, 64, 1, 4, 2),
                    KernelVariant.GEMM, device)).tile();
            int vectors = tile.mwg() / (tile.mdimc() * tile.vw());
            assertTrue(vectors * (tile.nwg() / tile.ndimc()) + vectors + 1 <= registers, tile.toString());
            assertEquals(device.nativeFloatWidth(), tile.vw());
        }
    }

    @Test
    void theTiledRuleTakesTheTileWithFewestLoadsPerMultiplyAdd() {
        // Dense layers (256 input channels): the stores are a rounding error beside the loads.
        // every phase where the registers allow it for 8 rows (stride 2), or for 4 rows at stride 5 and 7
        assertTwoDimensions(32, 16, 2, 1, 8, 2);
        assertTwoDimensions(32, 16, 5, 1, 4, 5);
        assertTwoDimensions(32, 16, 7, 1, 4, 7);
        // AVX2: rows x phases within 14 accumulators, weight reuse against input reuse
        assertTwoDimensions(16, 8, 2, 1, 4, 2);
        assertTwoDimensions(16, 8, 4, 1, 4, 2);
        // stride 5: 8 rows x 1 phase would need 8 accumulators + 9 window broadcasts + a weight
        assertTwoDimensions(16, 8, 5, 1, 2, 5);
        assertTwoDimensions(16, 8, 1, 1, 8, 1);
        // phases of a dilated layer are not split: every phase, as many rows as fit (at least one)
        assertTwoDimensions(32, 16, 8, 3, 2, 8);
        assertTwoDimensions(16, 8, 16, 2, 1, 16);
        for (int registers : new int[] {16, 32}) {
            for (int stride = 1; stride <= 32; stride++) {
                int[] tile = CpuRule.rowsAndPhases(registers,
                        problem(DType.FLOAT32, 256, 128, 1, 2 * stride, stride), registers / 2);
                assertTrue(stride % tile[1] == 0 && tile[0] * tile[1] + CpuRule.TAP_REGISTERS <= registers,
                        tile[0] + "x" + tile[1] + " at stride " + stride);
                // a split tile also holds its window: its rows and the one row back that K = 2 x stride reaches
                int window = tile[0] + 1;
                assertTrue(tile[1] == stride || tile[0] * tile[1] + window + 1 <= registers,
                        tile[0] + "x" + tile[1] + " at stride " + stride + " leaves no room for its input window");
            }
        }
    }

    @Test
    void aTileOfFewerPhasesThanTheStrideKeepsItsInputWindowInRegisters() {
        // encodec_up5 (K 10, stride 5) in AVX2: 8 x 1 has the fewest loads but 8 accumulators, 9 window
        // broadcasts and a weight do not fit 16 registers; 2 rows x every phase took 0.57 of its time
        ConvProblem encodec = problem(DType.FLOAT32, 256, 128, 1, 10, 5);
        assertFalse(CpuRule.splitPhaseFits(16, encodec, 8, 1));
        assertTrue(CpuRule.splitPhaseFits(16, encodec, 4, 1));
        assertEquals("2x5", tile(16, encodec, 8));
        assertEquals(new TiledPlan(8, 2, 16),
                ConvTranspose1dImplementations.defaultFor(encodec, KernelVariant.AUTO, AVX2));
        // AVX-512 keeps every phase of 4 rows there; stride 6 splits in halves, not thirds, on both
        assertEquals("4x5", tile(32, encodec, 16));
        ConvProblem strideSix = problem(DType.FLOAT32, 256, 128, 1, 12, 6);
        assertEquals("4x2", tile(16, strideSix, 8));
        assertEquals("8x2", tile(32, strideSix, 16));
        // the window grows with the taps a phase has: K 30 at stride 6 reaches 4 rows back
        assertTrue(CpuRule.splitPhaseFits(16, problem(DType.FLOAT32, 256, 128, 1, 6, 6), 4, 2));
        assertFalse(CpuRule.splitPhaseFits(16, problem(DType.FLOAT32, 256, 128, 1, 30, 6), 4, 2));
    }

    @Test
    void narrowGroupsTakeATileWhoseStoresAreTransposedWhereOneFits() {
        // 32-channel groups, K 8, stride 4: 64 multiply-adds per stored vector. A split tile (8 rows x 2
        // phases) stores 16 scalars per accumulator; 4 rows x every phase is one 16 x 16 block, transposed.
        ConvProblem grouped = problem(DType.FLOAT32, 256, 256, 8, 8, 4);
        assertEquals("4x4", tile(32, grouped, 16));
        assertTrue(CpuRule.storesPerMultiplyAdd(grouped, 16, 8, 2)
                > 5 * CpuRule.storesPerMultiplyAdd(grouped, 16, 4, 4));
        // AVX2 has no transposable tile that beats 4 x 2's loads: 2 x 4 would load a weight per 2 rows
        assertEquals("4x2", tile(16, grouped, 8));
        // NLC stores whole vectors whatever the tile: the dense choice
        ConvProblem groupedNlc = ConvProblem.resolve(Tensor.of(new float[256 * 64], 1, 64, 256),
                Tensor.of(new float[256 * 32 * 8], 256, 32, 8), null,
                ConvTranspose1dParams.builder().stride(4).groups(8).layout(Layout.NLC).build());
        assertEquals("8x2", tile(32, groupedNlc, 16));
    }

    private static String tile(int registers, ConvProblem problem, int channelTile) {
        int[] tile = CpuRule.rowsAndPhases(registers, problem, channelTile);
        return tile[0] + "x" + tile[1];
    }

    private static void assertTwoDimensions(int registers, int channelTile, int stride, int dilation, int rows,
            int phases) {
        ConvProblem problem = problem(DType.FLOAT32, 256, 128, 1, 2 * stride, stride, dilation);
        assertEquals(rows + "x" + phases, tile(registers, problem, channelTile),
                registers + " registers, stride " + stride + ", dilation " + dilation);
    }

    @Test
    void nclDepthwiseLayersKeepTheAccumulatorEnvelopeOfScalarRows() {
        // one channel per group: the phase variant, rows x stride = 32 accumulators on any CPU, whatever
        // its vector width or the dtype, since the work-items, not the accumulators, fill the lanes
        for (DeviceCapabilities cpu : List.of(AVX2, AVX512)) {
            for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64)) {
                assertEquals(new TiledPlan(1, 16, 16), ConvTranspose1dImplementations.defaultFor(
                        problem(dtype, 256, 256, 256, 4, 2), KernelVariant.AUTO, cpu), cpu.name() + " " + dtype);
            }
            assertEquals(new TiledPlan(1, 32, 16), ConvTranspose1dImplementations.defaultFor(
                    problem(DType.FLOAT32, 64, 64, 64, 3, 1), KernelVariant.AUTO, cpu));
            assertEquals(new TiledPlan(1, 8, 16), ConvTranspose1dImplementations.defaultFor(
                    problem(DType.FLOAT32, 64, 64, 64, 8, 4), KernelVariant.AUTO, cpu));
            // a stride past the envelope even at one row: the direct variant
            assertEquals(KernelVariant.DIRECT, ConvTranspose1dImplementations.defaultFor(problem(DType.FLOAT32, 8, 8, 8, 40, 40),
                    KernelVariant.AUTO, cpu).variant());
            // channels-last depthwise layers did not gain from more rows and keep the register-bound ones
            assertEquals(ConvTranspose1dImplementations.defaultFor(nlc(256, 256, 256), KernelVariant.PHASE, cpu),
                    ConvTranspose1dImplementations.defaultFor(nlc(256, 256, 256), KernelVariant.AUTO, cpu));
        }
    }

    @Test
    void narrowNclGroupsVectoriseAlongTheRows() {
        // up to a native vector of channels per group: as many channels as the registers hold beside the
        // stride's accumulators, the window's row vectors and a weight
        assertEquals(new RowsPlan(8, 16, 16), ConvTranspose1dImplementations.defaultFor(
                problem(DType.FLOAT32, 256, 256, 16, 4, 2), KernelVariant.AUTO, AVX512));
        assertEquals(new RowsPlan(4, 8, 16), ConvTranspose1dImplementations.defaultFor(
                problem(DType.FLOAT32, 256, 256, 32, 4, 2), KernelVariant.AUTO, AVX2));
        assertEquals(new RowsPlan(2, 8, 16), ConvTranspose1dImplementations.defaultFor(
                problem(DType.FLOAT32, 256, 256, 32, 16, 4), KernelVariant.AUTO, AVX2));
        // wider groups keep the channel vector
        assertEquals(KernelVariant.TILED, ConvTranspose1dImplementations.defaultFor(problem(DType.FLOAT32, 256, 256, 8, 8, 4),
                KernelVariant.AUTO, AVX512).variant());
        assertEquals(KernelVariant.TILED, ConvTranspose1dImplementations.defaultFor(problem(DType.FLOAT32, 256, 256, 16, 4, 2),
                KernelVariant.AUTO, AVX2).variant());
    }

    @Test
    void narrowNlcGroupsUseTheScalarPhaseVariantOrNarrowerVectors() {
        assertEquals(KernelVariant.PHASE, ConvTranspose1dImplementations.defaultFor(nlc(256, 256, 256), KernelVariant.AUTO, AVX512)
                .variant());
        assertEquals(KernelVariant.PHASE, ConvTranspose1dImplementations.defaultFor(nlc(16, 12, 4), KernelVariant.AUTO, AVX512)
                .variant()); // 3 channels per group
        assertEquals(new TiledPlan(4, 4, 16), ConvTranspose1dImplementations.defaultFor(nlc(16, 16, 4),
                KernelVariant.AUTO, AVX2)); // 4 channels: half of 8
        assertEquals(8, ((TiledPlan) ConvTranspose1dImplementations.defaultFor(nlc(16, 16, 2), KernelVariant.AUTO, AVX512))
                .channels());
    }

    private static ConvProblem nlc(int cin, int cout, int groups) {
        return ConvProblem.resolve(Tensor.of(new float[cin * 64], 1, 64, cin),
                Tensor.of(new float[cin * (cout / groups) * 4], cin, cout / groups, 4), null,
                ConvTranspose1dParams.builder().stride(2).groups(groups).layout(Layout.NLC).build());
    }

    @Test
    void gpusRunDenseLayersAsGemmWithPublishedTilesAndSmallRegisterTiles() {
        ConvProblem dense = problem(DType.FLOAT32, 256, 128, 1, 4, 2);
        assertEquals(new GemmTile(64, 64, 32, 16, 16, 4), ((GemmPlan) ConvTranspose1dImplementations.defaultFor(dense, KernelVariant.AUTO, NVIDIA)).tile());
        assertEquals(new GemmTile(64, 64, 32, 16, 8, 4), ((GemmPlan) ConvTranspose1dImplementations.defaultFor(dense, KernelVariant.AUTO, AMD)).tile());
        assertEquals(new GemmTile(64, 64, 32, 16, 8, 4), ((GemmPlan) ConvTranspose1dImplementations.defaultFor(dense, KernelVariant.AUTO, INTEL)).tile());
        for (DeviceCapabilities gpu : List.of(NVIDIA, AMD, INTEL, gpu("Other", "accelerated", 128, 32 << 10))) {
            LaunchPlan plan = ConvTranspose1dImplementations.defaultFor(dense, KernelVariant.AUTO, gpu);
            assertEquals(KernelVariant.GEMM, plan.variant(), gpu.name());
            GemmTile tile = ((GemmPlan) plan).tile();
            int accumulators = (tile.mwg() / tile.mdimc()) * (tile.nwg() / tile.ndimc());
            assertTrue(accumulators >= 8 && accumulators <= 64, tile + " holds " + accumulators);
            assertTrue(tile.mdimc() * tile.ndimc() <= gpu.maxWorkGroupSize(), tile.toString());
            assertEquals(KernelVariant.PHASE, ConvTranspose1dImplementations.defaultFor(problem(DType.FLOAT32, 64, 64, 64, 4, 2),
                    KernelVariant.AUTO, gpu).variant());
            TiledPlan tiled = (TiledPlan) ConvTranspose1dImplementations.defaultFor(dense, KernelVariant.TILED, gpu);
            assertTrue(tiled.channels() * tiled.rows() * 2 <= 32, tiled.toString());
        }
    }

    @Test
    void aGpuWithoutDedicatedLocalMemoryRunsDenseLayersTiled() {
        DeviceCapabilities shared = new DeviceCapabilities("0:0", "Other", "emulated", "GPU", "OpenCL 3.0", 8, 1L << 30, 1L << 28,
                false, "1.0", 4, 4, 0, 0, 256, List.of(256L, 256L, 256L), false, 32 << 10);
        LaunchPlan plan = ConvTranspose1dImplementations.defaultFor(problem(DType.FLOAT32, 256, 128, 1, 4, 2), KernelVariant.AUTO, shared);
        assertEquals(KernelVariant.TILED, plan.variant());
        TiledPlan tiled = (TiledPlan) plan;
        assertTrue(tiled.channels() * tiled.rows() * 2 <= 32, plan.toString());
    }

    @Test
    void aGemmTileThatOverflowsLocalMemoryShrinksItsSlabsRatherThanFallingBack() {
        // 1 KiB holds the published tile's slabs only at one input channel per step (see PlanFitTest for the
        // device too small for any tile, which falls through to the direct kernel).
        DeviceCapabilities small = gpu("NVIDIA CUDA", "tiny", 1024, 1 << 10);
        assertEquals(new GemmPlan(new GemmTile(64, 64, 1, 16, 16, 4)), ConvTranspose1dImplementations.defaultFor(
                problem(DType.FLOAT32, 256, 128, 1, 4, 2), KernelVariant.GEMM, small));
    }

    @Test
    void gemmLeavesHugeStridesToTheDirectKernel() {
        Tensor x = Tensor.of(new float[] {1, 2}, 1, 1, 2);
        Tensor w = Tensor.of(new float[] {3}, 1, 1, 1);
        int stride = 1 << 30;
        ConvProblem huge = ConvProblem.resolve(x, w, null,
                ConvTranspose1dParams.builder().stride(stride).padding(stride - 1, 0).build());
        assertEquals(LaunchPlan.direct(), ConvTranspose1dImplementations.defaultFor(huge, KernelVariant.GEMM, NVIDIA));
        ConvProblem usual = ConvProblem.resolve(x, w, null, ConvTranspose1dParams.builder().stride(8).build());
        assertEquals(KernelVariant.GEMM, ConvTranspose1dImplementations.defaultFor(usual, KernelVariant.GEMM, NVIDIA).variant());
    }

    @Test
    void storedPlansOutsideThePlanSpaceAreRefused() {
        for (String bad : List.of("tiled:0:4:16", "tiled:16:4:0", "phase:1:0:32", "tiled:5:4:16", "phase:2:4:32",
                "tiled:16:4", "fast:1:1:1", "auto:1:1:64", "gemm:64:64:32:16:16", "gemm:64:64:32:16:16:3",
                "gemm:64:64:32:32:16:4", "gemm:256:256:32:1:1:16", "tiled:16:-4:16", "tiled:16:4:2147483647", "")) {
            assertNull(PlanText.parse(bad), bad);
        }
        for (String good : List.of("tiled:16:4:16", "phase:1:8:32", "direct:1:1:64", "gemm:64:64:32:16:8:4")) {
            LaunchPlan plan = PlanText.parse(good);
            assertNotNull(plan, good);
            assertEquals(good, PlanText.encode(plan));
        }
    }

    @Test
    void candidatesStartWithTheBuiltInPlansAndSampleEveryVariant() {
        ConvProblem dense = problem(DType.FLOAT32, 256, 128, 1, 4, 2);
        List<LaunchPlan> plans = ConvTranspose1dImplementations.candidates(dense, AVX512, new SplittableRandom(1), 40);
        assertEquals(40, plans.size());
        assertEquals(ConvTranspose1dImplementations.defaultFor(dense, KernelVariant.AUTO, AVX512), plans.get(0));
        for (KernelVariant variant : List.of(KernelVariant.PHASE, KernelVariant.TILED, KernelVariant.GEMM)) {
            assertTrue(plans.stream().anyMatch(p -> p.variant() == variant), variant + " missing from " + plans);
        }
        assertTrue(plans.stream().allMatch(p -> p.isWellFormed() && ConvTranspose1dImplementations.supports(dense, p, AVX512)), plans.toString());
        assertEquals(plans.size(), plans.stream().distinct().count());
    }

    /** Wider vectors only split across registers on a CPU, and POCL warns of them in AVX2 code (BuildLogTest). */
    @Test
    void cpuCandidatesAreNoWiderThanTheNativeVector() {
        for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64)) {
            int floats = dtype == DType.FLOAT32 ? 1 : 2;
            for (ConvProblem problem : List.of(problem(dtype, 256, 128, 1, 4, 2), problem(dtype, 64, 64, 1, 7, 1, 2),
                    problem(dtype, 256, 256, 8, 8, 4))) {
                for (DeviceCapabilities device : List.of(AVX2, AVX512)) {
                    int widest = device.nativeFloatWidth() / floats;
                    List<LaunchPlan> plans = ConvTranspose1dImplementations.candidates(problem, device, new SplittableRandom(7), 10_000);
                    assertTrue(plans.stream().allMatch(p -> p.vectorWidth() <= widest), widest + ": " + plans);
                    for (KernelVariant variant : List.of(KernelVariant.TILED, KernelVariant.GEMM)) {
                        assertTrue(plans.stream().anyMatch(p -> p.variant() == variant && p.vectorWidth() == widest),
                                variant + " at the native width " + widest + " missing from " + plans);
                    }
                }
            }
        }
        // A GPU's reported width is no register budget: its gemm tiles keep their wide vectors.
        ConvProblem dense = problem(DType.FLOAT32, 256, 128, 1, 4, 2);
        DeviceCapabilities nvidia = gpu("NVIDIA CUDA", "NVIDIA GeForce RTX 3080", 1024, 48 << 10);
        assertTrue(ConvTranspose1dImplementations.candidates(dense, nvidia, new SplittableRandom(7), 10_000).stream()
                .anyMatch(p -> p.vectorWidth() > 2));
    }
}
