package io.clconvt.cli;

import io.clconvt.internal.opencl.SignalChaining;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Starts the command line again with the JDK's signal-chaining library preloaded when it is not: POCL's
 * LLVM can put its own SIGSEGV handler in place of the JVM's, and the JVM then dies of a fault it makes on
 * purpose, with no crash report (docs/troubleshooting.md). A user who types {@code java -jar clconvt.jar}
 * as written gets the protection without knowing the preload line. Linux only (where
 * {@code /proc/self/maps} tells whether libjsig is mapped and {@code /proc/self/cmdline} gives the exact
 * command line); {@value #OPT_OUT}{@code =1} turns it off, and the relaunched process has it set, so it
 * never relaunches again even where the preload did not take.
 */
final class SignalChainingRelaunch {
    static final String OPT_OUT = "CLCONVT_NO_RELAUNCH";
    private static final Path MAPS = Path.of("/proc/self/maps");
    private static final Path COMMAND_LINE = Path.of("/proc/self/cmdline");

    private SignalChainingRelaunch() {
    }

    /**
     * Runs this process's command line again in a child with libjsig preloaded, its standard streams this
     * process's, and returns the child's exit status; empty where no relaunch is needed or possible.
     */
    static OptionalInt runPreloaded() {
        Path libjsig = Path.of(System.getProperty("java.home"), "lib", "libjsig.so");
        String optOut = System.getenv(OPT_OUT);
        if ((optOut != null && !optOut.isBlank() && !optOut.equals("0")) || !Files.isReadable(MAPS)
                || !Files.isReadable(libjsig) || SignalChaining.loaded()) {
            return OptionalInt.empty();
        }
        List<String> command = commandLine();
        if (command.isEmpty()) {
            return OptionalInt.empty();
        }
        // The same JVM binary whatever the first word was (a relative "java", a launcher script's exec).
        command.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        Map<String, String> environment = builder.environment();
        String preload = environment.get("LD_PRELOAD");
        environment.put("LD_PRELOAD", libjsig + (preload == null || preload.isBlank() ? "" : ":" + preload));
        environment.put(OPT_OUT, "1");
        Process child;
        try {
            child = builder.start();
        } catch (IOException e) {
            return OptionalInt.empty();
        }
        // A parent stopped by SIGTERM or SIGINT takes the child with it rather than orphan it.
        Thread stopChild = new Thread(child::destroy, "clconvt-stop-relaunched");
        Runtime.getRuntime().addShutdownHook(stopChild);
        while (true) {
            try {
                int status = child.waitFor();
                Runtime.getRuntime().removeShutdownHook(stopChild);
                return OptionalInt.of(status);
            } catch (InterruptedException e) {
                // Nothing interrupts the main thread on purpose; the child's status is still what to exit with.
            }
        }
    }

    /** This process's arguments, the JVM's first, as the kernel holds them; empty if unreadable. */
    private static List<String> commandLine() {
        try {
            String raw = new String(Files.readAllBytes(COMMAND_LINE), StandardCharsets.UTF_8);
            if (raw.endsWith("\0")) {
                raw = raw.substring(0, raw.length() - 1);
            }
            return raw.isEmpty() ? new ArrayList<>() : new ArrayList<>(Arrays.asList(raw.split("\0", -1)));
        } catch (IOException e) {
            return new ArrayList<>();
        }
    }
}
