package io.clconvt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.clconvt.LaunchPlan.GemmTile;
import io.clconvt.bench.KernelVariant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Every kernel file compiles without a warning on the device (POCL in CI): the direct, phase, tiled and
 * gemm programs in both dtypes and layouts with every activation, and the roofline probes sized to the
 * device. A compiler warning would otherwise reach the user's build log.
 */
class BuildLogTest {
    private static final List<Activation> ACTIVATIONS = List.of(Activation.NONE, Activation.RELU,
            Activation.leakyRelu(0.1), Activation.TANH, Activation.SILU);

    @Test
    void noProgramBuildsWithAWarning() {
        try (OpenClBackend backend = OpenClSupport.backend(KernelVariant.AUTO)) {
            DeviceInfo device = backend.device();
            List<String[]> programs = new ArrayList<>();
            for (DType dtype : DType.values()) {
                for (Activation activation : ACTIVATIONS) {
                    for (Layout layout : Layout.values()) {
                        ConvProblem problem = problem(dtype, layout, activation);
                        for (LaunchPlan plan : List.of(LaunchPlan.defaultFor(problem, KernelVariant.PHASE, device),
                                LaunchPlan.defaultFor(problem, KernelVariant.TILED, device))) {
                            programs.add(new String[] {ConvTranspose1dTiledKernel.SOURCE_FILE, "conv_transpose1d_tiled",
                                ConvTranspose1dTiledKernel.options(problem, plan)});
                        }
                        if (layout == Layout.NCL) {
                            // padding 1 at stride 3: output rows of 52 positions, tiles shifted a phase
                            ConvProblem padded = problem(dtype, layout, activation, 1);
                            LaunchPlan shifted = new LaunchPlan(KernelVariant.TILED, 4, 4, 16);
                            assertEquals(1, ConvTranspose1dTiledKernel.phaseShift(padded, shifted));
                            programs.add(new String[] {ConvTranspose1dTiledKernel.SOURCE_FILE, "conv_transpose1d_tiled",
                                ConvTranspose1dTiledKernel.options(padded, shifted)});
                            for (LaunchPlan plan : List.of(LaunchPlan.defaultFor(problem, KernelVariant.ROWS, device),
                                    new LaunchPlan(KernelVariant.ROWS, 3, 2, 16))) {
                                programs.add(new String[] {ConvTranspose1dRowsKernel.SOURCE_FILE,
                                    "conv_transpose1d_rows", ConvTranspose1dRowsKernel.options(problem, plan)});
                            }
                        }
                        for (GemmTile tile : List.of(LaunchPlan.defaultFor(problem, KernelVariant.GEMM, device).gemm(),
                                new GemmTile(1, 1, 1, 1, 1, 1), new GemmTile(64, 64, 32, 16, 8, 4))) {
                            programs.add(new String[] {ConvTranspose1dGemmKernel.SOURCE_FILE, "conv_transpose1d_gemm",
                                ConvTranspose1dGemmKernel.options(problem, tile)});
                        }
                    }
                    programs.add(new String[] {ConvTranspose1dKernel.SOURCE_FILE, "conv_transpose1d",
                        ConvTranspose1dKernel.storageOption(problem(dtype, Layout.NCL, activation))
                                + ConvTranspose1dKernel.activationOption(problem(dtype, Layout.NCL, activation))});
                }
            }
            programs.add(new String[] {"roofline.cl", "peak_flops", RooflineProbe.options(device)});
            programs.add(new String[] {"roofline.cl", "copy", ""});
            for (String[] program : programs) {
                String log = backend.buildLog(program[0], program[1], program[2]);
                assertFalse(log.toLowerCase(Locale.ROOT).contains("warning"),
                        program[0] + " with '" + program[2] + "' built with warnings:\n" + log);
            }
        }
    }

    private static ConvProblem problem(DType dtype, Layout layout, Activation activation) {
        return problem(dtype, layout, activation, 0);
    }

    private static ConvProblem problem(DType dtype, Layout layout, Activation activation, int padding) {
        int[] shape = layout == Layout.NCL ? new int[] {1, 32, 16} : new int[] {1, 16, 32};
        Tensor x = dtype == DType.FLOAT32 ? Tensor.wrap(new float[512], shape) : Tensor.wrap(new double[512], shape);
        Tensor w = dtype == DType.FLOAT32 ? Tensor.wrap(new float[32 * 32 * 5], 32, 32, 5)
                : Tensor.wrap(new double[32 * 32 * 5], 32, 32, 5);
        return ConvProblem.resolve(x, w, null, ConvTranspose1dParams.builder().stride(3).dilation(2).padding(padding)
                .layout(layout).activation(activation).build());
    }
}
