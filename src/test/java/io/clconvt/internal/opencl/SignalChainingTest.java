package io.clconvt.internal.opencl;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
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
}
