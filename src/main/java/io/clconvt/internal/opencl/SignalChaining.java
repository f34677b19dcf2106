package io.clconvt.internal.opencl;

import io.clconvt.internal.DeviceCapabilities;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.NOPLoggerFactory;

/**
 * Whether the JDK's signal-chaining library (libjsig) is in the process. POCL replaces two of the JVM's
 * signal handlers when it initialises its CPU device (docs/troubleshooting.md has the measurements): LLVM's
 * for SIGSEGV and most other signals (installed through {@code llvm::sys::RemoveFileOnSignal}, one-shot
 * with SA_RESETHAND), and its own for SIGFPE. The JVM faults on purpose (safepoint polls, implicit null
 * and division checks in compiled code): a SIGSEGV can then kill the process with no crash report, and an
 * integer division by zero in compiled Java code returns the dividend instead of throwing. Preloaded,
 * libjsig keeps the JVM's handlers first and chains the others behind them. A Java library cannot preload
 * it, so it warns once per process: through SLF4J, or, where the application has bound no SLF4J provider
 * (whose no-operation logger would swallow the warning), as one line on stderr.
 */
public final class SignalChaining {
    private static final Path MAPS = Path.of("/proc/self/maps");
    private static final AtomicBoolean CHECKED = new AtomicBoolean();

    private SignalChaining() {
    }

    /** Warns once per process when {@code device} is POCL's and libjsig is not loaded (Linux only). */
    public static void warnIfMissing(DeviceCapabilities device) {
        if (!device.platform().contains("Portable Computing Language") || !CHECKED.compareAndSet(false, true)) {
            return;
        }
        if (Files.isReadable(MAPS) && !loaded()) {
            String warning = "POCL's LLVM can replace the JVM's SIGSEGV handler, and the JVM is then killed by a fault"
                    + " it makes on purpose, with no crash report, and POCL's SIGFPE handler makes an integer division"
                    + " by zero in compiled Java code return a value instead of throwing; start java with LD_PRELOAD="
                    + Path.of(System.getProperty("java.home"), "lib", "libjsig.so") + " (docs/troubleshooting.md)";
            if (LoggerFactory.getILoggerFactory() instanceof NOPLoggerFactory) {
                System.err.println("clconvt: WARNING: " + warning);
            } else {
                // Looked up here, not in a static field: the command line asks loaded() before it has
                // configured logging, which the first logger would initialise.
                Logger log = LoggerFactory.getLogger(SignalChaining.class);
                log.warn(warning);
            }
        }
    }

    /** Whether libjsig is mapped into this process; false where /proc/self/maps cannot be read. */
    public static boolean loaded() {
        try {
            return Files.readString(MAPS).contains("/libjsig.so");
        } catch (IOException e) {
            return false;
        }
    }
}
