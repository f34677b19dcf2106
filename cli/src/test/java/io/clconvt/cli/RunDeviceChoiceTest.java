package io.clconvt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.Tensor;
import io.clconvt.io.Npy;
import io.clconvt.testing.OpenClSupport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library's DeviceChoiceTest through the command line: {@code run --backend auto} with a device named in
 * {@code CLCONVT_DEVICE} that is not there fails with one error line instead of computing on the CPU.
 */
class RunDeviceChoiceTest {
    @TempDir
    Path dir;

    @Test
    void runOnAutoRefusesAnUnmatchedDevice() throws Exception {
        OpenClSupport.backend().close(); // fails under CI, skips elsewhere, when there is no device
        Path x = dir.resolve("x.npy");
        Path w = dir.resolve("w.npy");
        Path y = dir.resolve("y.npy");
        Npy.write(x, Tensor.of(new float[] {1, 2}, 1, 1, 2));
        Npy.write(w, Tensor.of(new float[] {3, 4}, 1, 1, 2));
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run", "--input", x.toString(),
                "--weight", w.toString(), "--backend", "auto", "--output", y.toString());
        builder.environment().put("CLCONVT_DEVICE", "RTX-9999");
        Path err = dir.resolve("err.txt");
        Process process = builder.redirectError(err.toFile()).redirectOutput(dir.resolve("out.txt").toFile()).start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "run did not finish");
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertEquals(1, process.exitValue(), stderr);
        assertEquals(1, stderr.lines().count(), stderr);
        assertTrue(stderr.startsWith("clconvt: error: ") && stderr.contains("'RTX-9999' matches none of"), stderr);
        assertTrue(Files.notExists(y));
    }
}
