package io.clconvt.internal.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.clconvt.Activation;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.Layout;
import io.clconvt.Tensor;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.DeviceCapabilities;
import io.clconvt.internal.backend.Diagnostics;
import io.clconvt.internal.backend.OpenClBackend;
import io.clconvt.internal.plan.GemmPlan;
import io.clconvt.internal.plan.GemmTile;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.internal.plan.LaunchPlan;
import io.clconvt.internal.plan.LaunchPlanTest;
import io.clconvt.internal.plan.RowsPlan;
import io.clconvt.internal.plan.TiledPlan;
import io.clconvt.testing.ChildJvm;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestScope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every kernel file compiles without a warning on the device (POCL in CI): the direct, phase, tiled and
 * gemm programs in both dtypes and layouts with every activation, and the roofline probes sized to the
 * device. A compiler warning would otherwise reach the user's build log.
 *
 * <p>The default build builds the direct programs of every dtype and activation, and the specialised
 * variants' programs in both layouts with every second activation in each dtype, FLOAT32 and FLOAT64 in
 * turn, so that every activation meets every variant in both layouts; the exhaustive profile
 * ({@link TestScope}) builds every combination.
 */
class BuildLogTest {
    private static final List<Activation> ACTIVATIONS = List.of(Activation.NONE, Activation.RELU,
            Activation.leakyRelu(0.1), Activation.TANH, Activation.SILU);

    @Test
    void noProgramBuildsWithAWarning() {
        try (OpenClBackend backend = OpenClSupport.backend(KernelVariant.AUTO)) {
            DeviceCapabilities device = backend.device();
            List<String[]> programs = new ArrayList<>();
            for (DType dtype : DType.values()) {
                for (Activation activation : ACTIVATIONS) {
                    for (Layout layout : Layout.values()) {
                        // the specialised programs with every second activation, FLOAT32 the even ones and
                        // FLOAT64 the odd ones (problem() builds the 16-bit dtypes' problems in FLOAT64)
                        if (!TestScope.exhaustive()
                                && ACTIVATIONS.indexOf(activation) % 2 != (dtype == DType.FLOAT32 ? 0 : 1)) {
                            continue;
                        }
                        ConvProblem problem = problem(dtype, layout, activation);
                        for (LaunchPlan plan : List.of(ConvTranspose1dImplementations.defaultFor(problem, KernelVariant.PHASE, device),
                                ConvTranspose1dImplementations.defaultFor(problem, KernelVariant.TILED, device))) {
                            programs.add(program(problem, plan));
                        }
                        if (layout == Layout.NCL) {
                            // padding 1 at stride 3: output rows of 52 positions, tiles shifted a phase
                            ConvProblem padded = problem(dtype, layout, activation, 1);
                            TiledPlan shifted = new TiledPlan(4, 4, 16);
                            assertEquals(1, ConvTranspose1dTiledKernel.phaseShift(padded, shifted));
                            programs.add(program(padded, shifted));
                            for (LaunchPlan plan : List.of(ConvTranspose1dImplementations.defaultFor(problem, KernelVariant.ROWS, device),
                                    new RowsPlan(3, 2, 16))) {
                                programs.add(program(problem, plan));
                            }
                        }
                        for (GemmTile tile : List.of(((GemmPlan) ConvTranspose1dImplementations.defaultFor(problem, KernelVariant.GEMM, device)).tile(),
                                new GemmTile(1, 1, 1, 1, 1, 1), new GemmTile(64, 64, 32, 16, 8, 4))) {
                            programs.add(program(problem, new GemmPlan(tile)));
                        }
                    }
                    programs.add(program(problem(dtype, Layout.NCL, activation), LaunchPlan.direct()));
                }
            }
            programs.add(new String[] {"roofline.cl", "peak_flops", RooflineProbe.options(device)});
            programs.add(new String[] {"roofline.cl", "copy", ""});
            for (String[] program : programs) {
                String log = Diagnostics.buildLog(backend, program[0], program[1], program[2]);
                assertFalse(log.toLowerCase(Locale.ROOT).contains("warning"),
                        program[0] + " with '" + program[2] + "' built with warnings:\n" + log);
            }
        }
    }

    /**
     * What the rule and the tuner would build on an AVX2 CPU (16 registers of 8 floats), compiled as AVX2
     * code: POCL generates it on this machine when asked (its device still reports AVX-512's widths, so the
     * plans come from the synthetic AVX2 description), in a child JVM with a kernel cache of its own so that
     * every program is really compiled. A float16 handed to a built-in in AVX2 code makes POCL print
     * "warnings generated." on the user's stderr.
     */
    @Test
    void everyPlanForAnAvx2CpuBuildsWithoutAWarningInAvx2Code() throws IOException, InterruptedException {
        String device;
        try (OpenClBackend backend = OpenClSupport.backend(KernelVariant.AUTO)) {
            device = backend.device().name();
        }
        String arch = System.getProperty("os.arch");
        assumeTrue(device.startsWith("pthread-") && (arch.equals("amd64") || arch.equals("x86_64")),
                device + " on " + arch + " is not POCL's x86 CPU device, which alone can be asked for AVX2 code");
        Path cache = Files.createTempDirectory("clconvt-pocl-avx2");
        try {
            Map<String, String> environment = new HashMap<>();
            environment.put("POCL_LLVM_CPU_NAME", "haswell");
            environment.put("POCL_KERNELLIB_NAME", "avx2");
            environment.put("POCL_CACHE_DIR", cache.toString());
            // Each program builds from an empty cache; the child prints one line per program.
            ChildJvm.Result result = ChildJvm.run(300, environment, List.of(), Avx2Code.class);
            String output = result.toString();
            assertEquals(0, result.exitCode(), output);
            assertTrue(result.out().contains("built cleanly: "), output);
            assertFalse((result.out() + result.err()).toLowerCase(Locale.ROOT).contains("warning"), output);
        } finally {
            try (Stream<Path> files = Files.walk(cache)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
    }

    /** The child: one program per variant and vector width among every candidate plan for an AVX2 CPU. */
    static final class Avx2Code {
        public static void main(String[] args) {
            try (OpenClBackend backend = OpenClSupport.backend(KernelVariant.AUTO)) {
                if (!backend.device().name().contains("haswell")) {
                    throw new AssertionError("POCL_LLVM_CPU_NAME=haswell gave " + backend.device().name());
                }
                Map<String, String[]> programs = new LinkedHashMap<>();
                for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64)) {
                    for (Layout layout : Layout.values()) {
                        ConvProblem problem = problem(dtype, layout, Activation.NONE);
                        SplittableRandom random = new SplittableRandom(1);
                        for (LaunchPlan plan : ConvTranspose1dImplementations.candidates(problem, LaunchPlanTest.AVX2, random,
                                Integer.MAX_VALUE)) {
                            programs.putIfAbsent(dtype + " " + layout + " " + plan.variant() + " " + plan.vectorWidth(),
                                    program(problem, plan));
                        }
                    }
                }
                programs.put("roofline", new String[] {"roofline.cl", "peak_flops",
                    RooflineProbe.options(LaunchPlanTest.AVX2)});
                for (Map.Entry<String, String[]> program : programs.entrySet()) {
                    String[] p = program.getValue();
                    String log = Diagnostics.buildLog(backend, p[0], p[1], p[2]);
                    System.out.println("built " + program.getKey());
                    if (log.toLowerCase(Locale.ROOT).contains("warning")) {
                        throw new AssertionError(program.getKey() + ": " + p[0] + " with '" + p[2]
                                + "' built with warnings:\n" + log);
                    }
                }
                System.out.println("built cleanly: " + programs.keySet());
            }
        }
    }

    /** The kernel file, kernel name and build options that run {@code plan}. */
    private static String[] program(ConvProblem problem, LaunchPlan plan) {
        return switch (plan.variant()) {
            case PHASE, TILED -> new String[] {ConvTranspose1dTiledKernel.SOURCE_FILE, "conv_transpose1d_tiled",
                ConvTranspose1dTiledKernel.options(problem, (TiledPlan) plan)};
            case ROWS -> new String[] {ConvTranspose1dRowsKernel.SOURCE_FILE, "conv_transpose1d_rows",
                ConvTranspose1dRowsKernel.options(problem, (RowsPlan) plan)};
            case GEMM -> new String[] {ConvTranspose1dGemmKernel.SOURCE_FILE, "conv_transpose1d_gemm",
                ConvTranspose1dGemmKernel.options(problem, ((GemmPlan) plan).tile())};
            default -> new String[] {ConvTranspose1dKernel.SOURCE_FILE, "conv_transpose1d",
                ConvTranspose1dKernel.options(problem)};
        };
    }

    private static ConvProblem problem(DType dtype, Layout layout, Activation activation) {
        return problem(dtype, layout, activation, 0);
    }

    private static ConvProblem problem(DType dtype, Layout layout, Activation activation, int padding) {
        int[] shape = layout == Layout.NCL ? new int[] {1, 32, 16} : new int[] {1, 16, 32};
        Tensor x = dtype == DType.FLOAT32 ? Tensor.of(new float[512], shape) : Tensor.of(new double[512], shape);
        Tensor w = dtype == DType.FLOAT32 ? Tensor.of(new float[32 * 32 * 5], 32, 32, 5)
                : Tensor.of(new double[32 * 32 * 5], 32, 32, 5);
        return ConvProblem.resolve(x, w, null, ConvTranspose1dParams.builder().stride(3).dilation(2).padding(padding)
                .layout(layout).activation(activation).build());
    }
}
