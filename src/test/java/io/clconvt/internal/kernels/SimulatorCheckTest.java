package io.clconvt.internal.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import io.clconvt.testing.ChildJvm;
import io.clconvt.testing.OpenClSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPU semantics without a GPU: every kernel runs on the Oclgrind simulator, which reports local-memory
 * races, out-of-bounds accesses and API misuse that POCL's CPU execution hides (with the gemm kernel's
 * barrier removed POCL still returns correct numbers). Oclgrind is made the child JVM's only OpenCL
 * platform through a private ICD folder, and its race and API checks are switched on; any line it
 * writes fails the check, as does a wrong result. Its uninitialised-value check stays off: Oclgrind
 * 21.10 aborts on optimised builds of the direct and gemm kernels with it ("Unsupported instruction:
 * freeze") and crashes on the tiled and rows kernels' vector stores in unoptimised ones.
 */
class SimulatorCheckTest {
    /** Where Debian's oclgrind package puts its ICD library; CLCONVT_OCLGRIND_ICD names another. */
    private static final Path DEBIAN_ICD = Path.of("/usr/lib/oclgrind/liboclgrind-rt-icd.so");
    /** The JVM's own notice when a native library installs a signal handler through libjsig. */
    private static final String SIGNAL_CHAINING_NOTICE = "OpenJDK VM warning: the use of signal() and sigset()";
    private static final long TIMEOUT_SECONDS = 600;
    /** A gemm plan's text, e.g. {@code gemm(32x32x16,wg 8x2,vw 4)}: MWG x NWG x KWG and the work-group. */
    private static final Pattern GEMM_TILE = Pattern.compile("^gemm\\((\\d+)x(\\d+)x(\\d+),wg (\\d+)x(\\d+),");
    /** The simulator's default tile (GpuRule's for an unknown vendor), too large for 8 KiB and 16 work-items. */
    private static final List<Integer> DEFAULT_TILE = List.of(32, 32, 32, 8, 16);

    @TempDir
    static Path vendors;
    private static Map<String, String> simulator;

    @BeforeAll
    static void useTheSimulatorOnly() throws IOException {
        String configured = System.getenv("CLCONVT_OCLGRIND_ICD");
        Path icd = configured != null ? Path.of(configured) : DEBIAN_ICD;
        if (!Files.isRegularFile(icd)) {
            String missing = "the Oclgrind simulator is not installed (" + icd + "); ci/install-opencl.sh installs it"
                    + " (apt-get install -y oclgrind)";
            if (OpenClSupport.inCi()) {
                fail("CI is set but " + missing);
            }
            abort(missing);
        }
        Files.writeString(vendors.resolve("oclgrind.icd"), icd + "\n");
        simulator = new HashMap<>();
        simulator.put("OCL_ICD_VENDORS", vendors.toString());
        simulator.put("OCLGRIND_DATA_RACES", "1");
        simulator.put("OCLGRIND_CHECK_API", "1");
        simulator.put("CLCONVT_DEVICE", ""); // the simulator, whatever the parent chose
    }

    @AfterAll
    static void forget() {
        simulator = null;
    }

    @Test
    void everyImplementationRunsCleanOnTheSimulator() throws Exception {
        ChildJvm.Result result = ChildJvm.run(TIMEOUT_SECONDS, simulator, List.of(), SimulatorMain.class);
        assertEquals(List.of(), diagnostics(result), "Oclgrind reported problems:\n" + result);
        assertEquals(0, result.exitCode(), result.toString());
        assertTrue(result.out().contains("failures=0") && result.out().contains("ok "), result.toString());
        // The convolution's routes, both backward calls and a layer graph ran on the simulator too.
        assertEquals(3, result.lines("ok conv1d ").size(), result.toString());
        assertEquals(1, result.lines("ok convTranspose1dBackward ").size(), result.toString());
    }

    @Test
    void plansShrinkToASmallLocalMemoryAndWorkGroup() throws Exception {
        Map<String, String> small = new HashMap<>(simulator);
        small.put("OCLGRIND_LOCAL_MEM_SIZE", "8192");
        small.put("OCLGRIND_MAX_WGSIZE", "16");
        ChildJvm.Result result = ChildJvm.run(TIMEOUT_SECONDS, small, List.of(), SimulatorMain.class,
                "built-in-plans");
        assertEquals(List.of(), diagnostics(result), "Oclgrind reported problems:\n" + result);
        assertEquals(0, result.exitCode(), result.toString());
        List<String> plans = result.lines("plan ");
        // The layers of 16 output channels a group run gemm (not the direct kernel), with the default tile
        // shrunk to a work-group of at most 16 (each plan was also checked to fit 8 KiB before it ran).
        List<List<Integer>> tiles = plans.stream().map(GEMM_TILE::matcher).filter(Matcher::find)
                .map(tile -> IntStream.rangeClosed(1, 5)
                        .mapToObj(group -> Integer.parseInt(tile.group(group))).toList())
                .toList();
        assertTrue(tiles.size() >= 2, result.toString());
        assertTrue(tiles.stream().allMatch(tile -> !tile.equals(DEFAULT_TILE) && tile.get(3) * tile.get(4) <= 16),
                result.toString());
        assertTrue(plans.stream().noneMatch(plan -> plan.contains("local 32") || plan.contains("local 64")),
                result.toString());
    }

    @Test
    void aMissingBarrierIsReportedAsARace() throws Exception {
        ChildJvm.Result result = ChildJvm.run(TIMEOUT_SECONDS, simulator, List.of(), SimulatorMain.class,
                "broken-barrier");
        assertEquals(0, result.exitCode(), result.toString());
        assertTrue(result.err().contains("Read-write data race at local memory address")
                && result.err().contains("Kernel: conv_transpose1d_gemm"), result.toString());
    }

    /** The lines of the child's stderr that are not the JVM's signal-chaining notice. */
    private static List<String> diagnostics(ChildJvm.Result result) {
        return result.err().lines().filter(line -> !line.isBlank() && !line.startsWith(SIGNAL_CHAINING_NOTICE))
                .limit(40).collect(Collectors.toList());
    }
}
