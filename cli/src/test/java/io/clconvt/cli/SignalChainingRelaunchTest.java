package io.clconvt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.testing.OpenClSupport;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar} started as a user types it, without LD_PRELOAD, runs the command with the JDK's
 * signal-chaining library mapped: the command line starts itself again with it preloaded. The jar is a
 * launcher whose manifest names the command line's main class and the test class path (the shaded jar is
 * made after the tests).
 */
@EnabledOnOs(OS.LINUX)
class SignalChainingRelaunchTest {
    private static final String LOADED = "Signal chaining: libjsig is loaded";
    private static final String NOT_LOADED = "Signal chaining: libjsig is NOT loaded";

    @TempDir
    static Path dir;
    private static Path jar;

    @BeforeAll
    static void writeLauncherJar() throws IOException {
        Manifest manifest = new Manifest();
        Attributes attributes = manifest.getMainAttributes();
        attributes.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        attributes.put(Attributes.Name.MAIN_CLASS, Main.class.getName());
        attributes.put(Attributes.Name.CLASS_PATH, List.of(System.getProperty("java.class.path")
                .split(File.pathSeparator)).stream().map(entry -> Path.of(entry).toUri().toString())
                .collect(Collectors.joining(" ")));
        jar = dir.resolve("clconvt-launcher.jar");
        try (OutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            // The manifest is the whole jar.
        }
    }

    @Test
    void javaJarWithoutPreloadRunsTheCommandWithLibjsigMapped() throws Exception {
        OpenClSupport.backend().close(); // devices needs a device: fails under CI, skips elsewhere, without one
        CliResult result = javaJar(Map.of(), "devices");
        assertEquals(0, result.exitCode(), result::toString);
        assertTrue(result.out().contains(LOADED), result.out());
        assertEquals(1, result.out().lines().filter(line -> line.startsWith("Signal chaining")).count(),
                "the command ran once: " + result.out());
    }

    @Test
    void theOptOutRunsTheCommandAsStarted() throws Exception {
        OpenClSupport.backend().close();
        CliResult result = javaJar(Map.of(SignalChainingRelaunch.OPT_OUT, "1"), "devices");
        assertEquals(0, result.exitCode(), result::toString);
        assertTrue(result.out().contains(NOT_LOADED), result.out());
    }

    @Test
    void theRelaunchedCommandsExitStatusAndOutputAreTheCommandLines() throws Exception {
        // Arguments with spaces and an empty one reach the relaunched command as they were given.
        CliResult result = javaJar(Map.of(), "run", "--input", "no such input.npy", "--weight", "w.npy",
                "--output", "y.npy", "--convention", "");
        assertEquals(2, result.exitCode(), result::toString);
        result.assertOneErrorLine("'--convention': expected one of [TORCH, PADDLE, TENSORFLOW] (case-insensitive) but was ''");
    }

    /** {@code java -jar} on the launcher jar with LD_PRELOAD and the opt-out removed, then {@code environment}. */
    private static CliResult javaJar(Map<String, String> environment, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().remove("LD_PRELOAD");
        builder.environment().remove(SignalChainingRelaunch.OPT_OUT);
        builder.environment().putAll(environment);
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(String.join(" ", command) + " did not finish in 60 s");
        }
        return new CliResult(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
