package io.clconvt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;

import io.clconvt.testing.ChildJvm;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 8's reproducers, each run by {@link ReproducerMain} in a child JVM on the CPU and every OpenCL
 * variant: before the fixes they killed the JVM (SIGSEGV in POCL's compiler, a PTHREAD abort), returned
 * garbage, leaked NaN/Inf from a weight into outputs it never reaches, or threw
 * NegativeArraySizeException / OutOfMemoryError. Each must give PyTorch's numbers (or agree with the CPU
 * reference) or a clear IllegalArgumentException, on every backend. The command line's run of the first one is
 * the cli build's RunRobustnessTest.
 */
class RobustnessTest {
    private static final List<String> BACKENDS = List.of("cpu", "auto", "direct", "phase", "tiled", "rows", "gemm");

    @Test
    void largeDilationsComputeInsteadOfCrashingTheCompiler() throws Exception {
        for (String name : List.of("dilation900", "kernel64Dilation32", "kernel32Dilation64")) {
            assertAgreesWithCpu(name, run(name, List.of()));
        }
    }

    @Test
    void weightAndBiasBeyondTheCacheBudgetStayValidForTheCall() throws Exception {
        List<String> results = run("parametersBeyondCacheBudget", List.of("-Xmx3g"));
        assertEquals(List.of("cpu: largest error 0.0", "auto: largest error 0.0", "direct: largest error 0.0"),
                results);
    }

    @Test
    void hugeStridesGivePyTorchsNumbers() throws Exception {
        for (String name : List.of("stride2pow30", "stride2pow30plus8")) {
            assertEveryBackendGives("[0.5, 6.5]", run(name, List.of()));
        }
    }

    @Test
    void nonFiniteWeightsReachOnlyTheOutputsTheyTouch() throws Exception {
        assertEveryBackendGives("[1.0, 2.0, NaN, NaN, NaN, NaN]", run("nanWeight", List.of()));
        assertEveryBackendGives("[Infinity, Infinity, Infinity, Infinity, 2.0, 1.0]", run("infWeight", List.of()));
    }

    @Test
    void outputsBeyondTheHeapAreRefused() throws Exception {
        for (String name : List.of("output2pow30", "outputBeyondHeap")) {
            List<String> results = run(name, List.of("-Xmx128m"));
            assertEquals(BACKENDS.size(), results.size(), name + ": " + results);
            for (String result : results) {
                assertTrue(result.contains(": IllegalArgumentException: "), name + ": " + result);
            }
            assertTrue(results.get(0).contains("heap"), name + ": " + results.get(0));
        }
    }

    /** The RESULT lines of the reproducer {@code name}, after checking the child finished normally. */
    private static List<String> run(String name, List<String> jvmOptions) throws Exception {
        ChildJvm.Result result = ChildJvm.run(300, jvmOptions, ReproducerMain.class, name);
        if (!result.lines("NO_OPENCL ").isEmpty()) {
            abort("no OpenCL device: " + result.lines("NO_OPENCL ").get(0));
        }
        assertTrue(result.exitCode() == 0 && !result.lines("DONE").isEmpty(),
                "the reproducer " + name + " did not finish: " + result);
        return result.lines("RESULT ");
    }

    private static void assertEveryBackendGives(String values, List<String> results) {
        assertEquals(BACKENDS.stream().map(backend -> backend + ": " + values).toList(), results);
    }

    private static void assertAgreesWithCpu(String name, List<String> results) {
        assertEquals(BACKENDS.size(), results.size(), name + ": " + results);
        assertTrue(results.get(0).startsWith("cpu: computed "), name + ": " + results.get(0));
        for (String result : results.subList(1, results.size())) {
            assertTrue(result.endsWith("(agrees with cpu)"), name + ": " + result);
        }
    }
}
