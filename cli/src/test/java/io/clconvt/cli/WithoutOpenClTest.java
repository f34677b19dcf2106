package io.clconvt.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.OpenClException;
import io.clconvt.Tensor;
import io.clconvt.io.Npy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands on a machine without OpenCL, simulated by running the command line in a child JVM
 * whose OpenCL ICD loader is pointed at an empty vendor folder, so it finds no platform.
 */
class WithoutOpenClTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void requireThatOpenClCanBeHidden() throws Exception {
        Files.createDirectories(dir.resolve("no-vendors"));
        // Where the loader ignores OCL_ICD_VENDORS the platforms stay visible and nothing here can be tested.
        Assumptions.assumeTrue(cli("devices").exitCode() != 0, "OpenCL cannot be hidden from a child process here");
    }

    @Test
    void devicesExplainsHowToInstallOpenCl() throws Exception {
        CliResult result = cli("devices");
        assertEquals(1, result.exitCode(), result::toString);
        assertTrue(result.err().contains("No OpenCL runtime or platform was found: "), result.err());
        assertTrue(result.err().contains("apt-get install -y pocl-opencl-icd ocl-icd-libopencl1 clinfo"), result.err());
        assertTrue(result.err().contains("ci/install-opencl.sh"), result.err());
        assertTrue(result.err().contains("POCL_CACHE_DIR"), result.err());
        assertTrue(result.err().contains("CLCONVT_DEVICE"), result.err());
    }

    @Test
    void runOnOpenClFailsWithOneLine() throws Exception {
        Path y = dir.resolve("y-opencl.npy");
        CliResult result = cli(runArgs(y, "opencl"));
        assertEquals(1, result.exitCode(), result::toString);
        result.assertOneErrorLine("CL_PLATFORM_NOT_FOUND_KHR");
        assertFalse(Files.exists(y));
    }

    @Test
    void runOnAutoFallsBackToTheCpu() throws Exception {
        Path y = dir.resolve("y-auto.npy");
        CliResult result = cli(runArgs(y, "auto"));
        assertEquals(0, result.exitCode(), result::toString);
        // The fallback is logged on stderr; stdout holds only the result line.
        assertEquals(1, result.out().lines().count(), result.out());
        assertTrue(result.out().contains("cpu:"), result.out());
        assertTrue(result.err().startsWith("WARN  Backends - No usable OpenCL device"), result.err());
        assertEquals(1, result.err().lines().count(), "one WARN line: " + result.err());
        Tensor output = Npy.read(y);
        assertArrayEquals(new int[] {1, 1, 3}, output.shape());
        assertArrayEquals(new float[] {3, 10, 8}, output.toFloatArray());
    }

    /** The library itself, not only the command line, says what is missing and how to install it. */
    @Test
    void openClThrowsSayingWhatIsMissingAndHowToInstallIt() throws Exception {
        CliResult result = java(OpenClProbe.class.getName());
        assertEquals(0, result.exitCode(), result::toString);
        assertTrue(result.out().startsWith("OpenClException: "), result.out());
        assertTrue(result.out().contains("no OpenCL platform is installed"), result.out());
        assertTrue(result.out().contains("apt-get install -y pocl-opencl-icd"), result.out());
    }

    /** Calls Backends.openCl() and prints the exception it throws, for the test above. */
    public static final class OpenClProbe {
        public static void main(String[] args) {
            try (Backend backend = Backends.openCl()) {
                System.out.println("opened " + backend.describe());
            } catch (OpenClException e) {
                System.out.println("OpenClException: " + e.getMessage());
            }
        }
    }

    @Test
    void demoFailsSayingWhy() throws Exception {
        CliResult result = cli("demo", "--frames", "1");
        assertEquals(1, result.exitCode(), result::toString);
        result.assertOneErrorLine("no OpenCL platform is installed");
    }

    private static String[] runArgs(Path y, String backend) throws IOException {
        Path x = dir.resolve("x.npy");
        Path w = dir.resolve("w.npy");
        Npy.write(x, Tensor.of(new float[] {1, 2}, 1, 1, 2));
        Npy.write(w, Tensor.of(new float[] {3, 4}, 1, 1, 2));
        return new String[] {"run", "--input", x.toString(), "--weight", w.toString(), "--backend", backend,
            "--output", y.toString()};
    }

    /**
     * Runs {@code java io.clconvt.cli.Main args} with OpenCL hidden; Main itself points logback at the
     * command line's configuration, ahead of the tests' logback-test.xml.
     */
    private static CliResult cli(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Main.class.getName()));
        command.addAll(List.of(args));
        return java(command.toArray(String[]::new));
    }

    /** Runs {@code java mainClassAndArgs} on the test class path with OpenCL hidden. */
    private static CliResult java(String... mainClassAndArgs) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path")));
        command.addAll(List.of(mainClassAndArgs));
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        env.put("OCL_ICD_VENDORS", dir.resolve("no-vendors").toString());
        env.remove("OCL_ICD_FILENAMES");
        env.remove("CLCONVT_DEVICE");
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", mainClassAndArgs) + " did not finish in 60 s");
        }
        return new CliResult(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
