package io.clconvt.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class of the test class path in a child JVM, for calls that could crash the JVM natively:
 * a crash then fails the test that spawned it, with what the child printed, instead of the build. The
 * child sees the same OpenCL devices, and no tuning file, so every call runs the built-in plan. When the
 * JVM's crash handler runs, the head of its error report (the failing native frame) joins the child's
 * stderr, so a rare crash names where it happened.
 */
public final class ChildJvm {
    private ChildJvm() {
    }

    /**
     * What a child printed and how it ended; {@code stalled} when it was killed for printing nothing for
     * the whole timeout (its {@code exitCode} is then -1).
     */
    public record Result(int exitCode, boolean stalled, String out, String err) {
        /** The lines of stdout that start with {@code prefix}, without it. */
        public List<String> lines(String prefix) {
            return out.lines().filter(line -> line.startsWith(prefix)).map(line -> line.substring(prefix.length()))
                    .toList();
        }

        @Override
        public String toString() {
            return (stalled ? "stalled: killed after printing nothing for the whole timeout"
                    : "exit code " + exitCode + (exitCode > 128 ? " (killed by signal " + (exitCode - 128) + ")" : ""))
                    + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
        }
    }

    /** Lines of the JVM's crash report kept: the signal, the problematic frame and the native stack. */
    private static final int CRASH_REPORT_LINES = 60;

    /**
     * Runs {@code mainClass} with {@code args} and waits for it to end. {@code timeoutSeconds} bounds the
     * time the child may go without printing anything, not its whole run: a slow machine that takes
     * longer over many steps is not a failure, while a child stuck in one step is killed and reported as
     * stalled, apart from a crash.
     */
    public static Result run(long timeoutSeconds, List<String> jvmOptions, Class<?> mainClass, String... args)
            throws IOException, InterruptedException {
        return run(timeoutSeconds, Map.of(), jvmOptions, mainClass, args);
    }

    /**
     * As {@link #run(long, List, Class, String...)}, with {@code environment} applied to the child's: a
     * variable mapped to null is removed.
     */
    public static Result run(long timeoutSeconds, Map<String, String> environment, List<String> jvmOptions,
            Class<?> mainClass, String... args) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("clconvt-child");
        try {
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"),
                    "-Dclconvt.tuningFile=" + dir.resolve("no-tuning.json"),
                    "-D" + TestScope.PROPERTY + "=" + TestScope.exhaustive(),
                    "-XX:ErrorFile=" + dir.resolve("hs_err.log")));
            command.addAll(jvmOptions);
            command.add(mainClass.getName());
            command.addAll(List.of(args));
            Path out = dir.resolve("out.txt");
            Path err = dir.resolve("err.txt");
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            environment.forEach((name, value) -> {
                if (value == null) {
                    builder.environment().remove(name);
                } else {
                    builder.environment().put(name, value);
                }
            });
            Process process = builder.start();
            boolean stalled = !awaitWhilePrinting(process, out, err, timeoutSeconds);
            int exitCode = stalled ? -1 : process.exitValue();
            String stderr = Files.readString(err, StandardCharsets.UTF_8);
            Path crashReport = dir.resolve("hs_err.log");
            if (Files.exists(crashReport)) {
                stderr += "--- JVM crash report (head) ---\n" + String.join("\n",
                        Files.readAllLines(crashReport, StandardCharsets.UTF_8).stream().limit(CRASH_REPORT_LINES)
                                .toList()) + "\n";
            }
            return new Result(exitCode, stalled, Files.readString(out, StandardCharsets.UTF_8), stderr);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(dir);
        }
    }

    /**
     * Waits for {@code process} to end while it keeps printing; kills it once {@code out} and {@code err}
     * have not grown for {@code quietSeconds}. Returns whether it ended by itself.
     */
    private static boolean awaitWhilePrinting(Process process, Path out, Path err, long quietSeconds)
            throws IOException, InterruptedException {
        long printed = -1;
        long lastProgress = System.nanoTime();
        while (!process.waitFor(1, TimeUnit.SECONDS)) {
            long now = Files.size(out) + Files.size(err);
            if (now != printed) {
                printed = now;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(quietSeconds)) {
                process.destroyForcibly().waitFor();
                return false;
            }
        }
        return true;
    }
}
