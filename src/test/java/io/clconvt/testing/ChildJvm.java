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

    /** What a child printed and how it ended; {@code exitCode} is -1 when it was killed for running too long. */
    public record Result(int exitCode, String out, String err) {
        /** The lines of stdout that start with {@code prefix}, without it. */
        public List<String> lines(String prefix) {
            return out.lines().filter(line -> line.startsWith(prefix)).map(line -> line.substring(prefix.length()))
                    .toList();
        }

        @Override
        public String toString() {
            return "exit code " + exitCode + (exitCode > 128 ? " (killed by signal " + (exitCode - 128) + ")" : "")
                    + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
        }
    }

    /** Lines of the JVM's crash report kept: the signal, the problematic frame and the native stack. */
    private static final int CRASH_REPORT_LINES = 60;

    public static Result run(long timeoutSeconds, List<String> jvmOptions, Class<?> mainClass, String... args)
            throws IOException, InterruptedException {
        return run(timeoutSeconds, Map.of(), jvmOptions, mainClass, args);
    }

    /** As {@link #run(long, List, Class, String...)}, with {@code environment} added to the child's. */
    public static Result run(long timeoutSeconds, Map<String, String> environment, List<String> jvmOptions,
            Class<?> mainClass, String... args) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("clconvt-child");
        try {
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"),
                    "-Dclconvt.tuningFile=" + dir.resolve("no-tuning.json"),
                    "-XX:ErrorFile=" + dir.resolve("hs_err.log")));
            command.addAll(jvmOptions);
            command.add(mainClass.getName());
            command.addAll(List.of(args));
            Path out = dir.resolve("out.txt");
            Path err = dir.resolve("err.txt");
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().putAll(environment);
            Process process = builder.start();
            int exitCode;
            if (process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                exitCode = process.exitValue();
            } else {
                process.destroyForcibly().waitFor();
                exitCode = -1;
            }
            String stderr = Files.readString(err, StandardCharsets.UTF_8);
            Path crashReport = dir.resolve("hs_err.log");
            if (Files.exists(crashReport)) {
                stderr += "--- JVM crash report (head) ---\n" + String.join("\n",
                        Files.readAllLines(crashReport, StandardCharsets.UTF_8).stream().limit(CRASH_REPORT_LINES)
                                .toList()) + "\n";
            }
            return new Result(exitCode, Files.readString(out, StandardCharsets.UTF_8), stderr);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(dir);
        }
    }
}
