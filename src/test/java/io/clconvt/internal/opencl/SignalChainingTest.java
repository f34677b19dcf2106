package io.clconvt.internal.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.clconvt.internal.DeviceCapabilities;
import io.clconvt.testing.ChildJvm;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The build runs the tests (and their child JVMs) with the JDK's signal-chaining library preloaded, so
 * that POCL's LLVM cannot take the JVM's SIGSEGV handler: a JVM killed that way leaves no crash report,
 * and it happened in benchmark runs here.
 */
class SignalChainingTest {
    @Test
    void theTestJvmHasTheSignalChainingLibrary() {
        // LD_PRELOAD and /proc are Linux's; elsewhere this is reported as skipped
        assumeTrue(Files.isReadable(Path.of("/proc/self/maps")), "no /proc/self/maps");
        assertTrue(SignalChaining.loaded(), "libjsig is not loaded; LD_PRELOAD=" + System.getenv("LD_PRELOAD"));
    }

    /**
     * An application that binds no SLF4J provider (the recommended dependency setup) would never see the
     * warning through SLF4J's no-operation logger: it must reach stderr, naming the library to preload.
     */
    @Test
    void withoutAnSlf4jProviderTheWarningGoesToStderr() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/maps")), "no /proc/self/maps");
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.contains("logback")).collect(Collectors.joining(File.pathSeparator));
        Map<String, String> environment = new HashMap<>();
        environment.put("LD_PRELOAD", null);
        ChildJvm.Result result = ChildJvm.run(60, environment, List.of("-cp", classPath), WithoutProvider.class);
        assertEquals(0, result.exitCode(), result.toString());
        String libjsig = Path.of(System.getProperty("java.home"), "lib", "libjsig.so").toString();
        assertTrue(result.err().lines().anyMatch(line -> line.startsWith("clconvt: WARNING: ")
                && line.contains("LD_PRELOAD=" + libjsig)), result.toString());
    }

    /** The child: a POCL device seen without libjsig and without an SLF4J provider. */
    static final class WithoutProvider {
        public static void main(String[] args) {
            SignalChaining.warnIfMissing(new DeviceCapabilities("0:0", "Portable Computing Language", "pthread-cpu",
                    "CPU", "OpenCL 3.0 PoCL", 2, 1L << 30, 1L << 28, true, "3.1", 16, 16, 8, 8, 4096,
                    List.of(4096L, 4096L, 4096L), false, 1 << 20));
        }
    }
}
