package io.clconvt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.testing.OpenClSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** bench prints the OpenCL device's latency floor beside the shapes, and only when it ran on OpenCL. */
class BenchLatencyFloorTest {
    private static final String SMALL = "name=small,n=1,cin=8,cout=8,k=4,stride=2,padding=1,lin=16";
    private static final Pattern FLOOR = Pattern.compile("latency floor of (.+) \\(wall, median of 200\\): 8 KB in \\+ "
            + "empty kernel \\+ 16 KB blocking read (\\d+\\.\\d{3}) ms; empty kernel \\+ clFinish (\\d+\\.\\d{3}) ms");

    @Test
    void theFloorIsPrintedWithPositiveTimes() {
        OpenClSupport.backend().close(); // fails under CI, skips elsewhere, when there is no device
        CliResult result = CliResult.run("bench", "--shape", SMALL, "--backend", "opencl", "--runs", "2",
                "--warmup", "0");
        assertEquals(0, result.exitCode(), result.toString());
        Matcher floor = FLOOR.matcher(result.out());
        assertTrue(floor.find(), result.out());
        assertFalse(floor.group(1).isBlank(), "the device is named");
        for (int group = 2; group <= 3; group++) {
            double millis = Double.parseDouble(floor.group(group));
            // A millisecond rounds to 0.000 only if the device is absurdly fast; a second means it ran nothing else.
            assertTrue(millis > 0 && millis < 1000, floor.group());
        }
    }

    /**
     * The rows are timed on a heap the collector has recycled: the warm-up line names at least three collections
     * (the test JVM's heap is far below the 10 s cap's reach), and only as much garbage as it took.
     */
    @Test
    void theHeapIsWarmedBeforeTheFirstRow() {
        CliResult result = CliResult.run("bench", "--shape", SMALL, "--backend", "cpu", "--runs", "2", "--warmup", "0");
        assertEquals(0, result.exitCode(), result.toString());
        Matcher warm = Pattern.compile("heap warmed before the first row: (\\d+) MB of garbage, (\\d+) collections, "
                + "(\\d+\\.\\d) s").matcher(result.out());
        assertTrue(warm.find(), result.out());
        assertTrue(Integer.parseInt(warm.group(2)) >= 3, warm.group());
        assertTrue(Long.parseLong(warm.group(1)) > 0, warm.group());
        assertTrue(Double.parseDouble(warm.group(3)) < 10.5, warm.group());
    }

    @Test
    void aCpuOnlyBenchHasNoFloor() {
        CliResult result = CliResult.run("bench", "--shape", SMALL, "--backend", "cpu", "--runs", "2", "--warmup", "0");
        assertEquals(0, result.exitCode(), result.toString());
        assertFalse(result.out().contains("latency floor"), result.out());
    }
}
