package io.clconvt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.DType;
import io.clconvt.Tensor;
import io.clconvt.bench.Benchmark;
import io.clconvt.testing.OpenClSupport;
import org.junit.jupiter.api.Test;

class DemoCommandTest {
    private static final double U = Math.scalb(1.0, -24);

    @Test
    void toleranceGrowsWithTheReductionLength() {
        // R = 512 * ceil(16 / 8) = 1024
        assertEquals(4 * 1024 * U, Benchmark.tolerance(DType.FLOAT32, 512, 1, 16, 8, 1));
        // R = (64 / 2) * ceil(5 / 2) = 96: groups divide the channels, the kernel rounds up
        assertEquals(4 * 96 * U, Benchmark.tolerance(DType.FLOAT32, 64, 2, 5, 2, 1));
        // R = 3 * ceil(2 / 4) = 3: a stride beyond the kernel leaves one tap per output
        assertEquals(4 * 3 * U, Benchmark.tolerance(DType.FLOAT32, 3, 1, 2, 4, 1));
        // R = 4 * ceil(4 / (4 / gcd(4, 2))) = 8: with dilation 2 every other tap lands on a position
        assertEquals(4 * 8 * U, Benchmark.tolerance(DType.FLOAT32, 4, 1, 4, 4, 2));
        assertEquals(4 * 1024 * Math.scalb(1.0, -53), Benchmark.tolerance(DType.FLOAT64, 512, 1, 16, 8, 1));
    }

    @Test
    void stackTolerancesUseEachLayersShape() {
        assertEquals(Benchmark.tolerance(DType.FLOAT32, 128, 1, 4, 2, 1), DemoCommand.STACK.get(2).tolerance());
    }

    @Test
    void relativeDifferenceIsScaledByTheLargestReference() {
        Tensor reference = Tensor.of(new float[] {1, -4, 2}, 3);
        Tensor actual = Tensor.of(new float[] {1.5f, -4, 2}, 3);
        assertEquals(0.5 / 4, Tensor.maxRelativeDifference(actual, reference));
        assertEquals(0, Tensor.maxRelativeDifference(reference, reference));
    }

    @Test
    void relativeDifferenceAgainstAZeroReference() {
        Tensor zeros = Tensor.of(new float[] {0, 0}, 2);
        assertEquals(0, Tensor.maxRelativeDifference(zeros, zeros));
        assertEquals(Double.POSITIVE_INFINITY,
                Tensor.maxRelativeDifference(Tensor.of(new float[] {0, 1e-30f}, 2), zeros));
    }

    @Test
    void nanNeverPasses() {
        Tensor reference = Tensor.of(new float[] {1, 2}, 2);
        double difference = Tensor.maxRelativeDifference(Tensor.of(new float[] {Float.NaN, 2}, 2), reference);
        assertFalse(difference <= 1, "NaN must fail any tolerance, got " + difference);
    }

    @Test
    void differentSizesAreABug() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.maxRelativeDifference(
                Tensor.of(new float[] {1}, 1), Tensor.of(new float[] {1, 2}, 2)));
    }

    @Test
    void scaledDownDemoAgrees() {
        OpenClSupport.backend().close(); // fails under CI, skips elsewhere, when there is no device
        CliResult result = CliResult.run("demo", "--frames", "4", "--hifigan-frames", "6");

        assertEquals(0, result.exitCode(), result::toString);
        // 4 frames upsampled 8 * 8 * 2 * 2 = 256 times by the last layer.
        assertTrue(result.out().contains("(1, 64, 512) -> (1, 32, 1024)"), result.out());
        assertEquals(4, result.out().lines().filter(line -> line.matches("\\d  .*yes")).count(), result.out());
        assertTrue(result.out().contains("All layers agree"), result.out());
        assertTrue(result.out().lines().anyMatch(line -> line.matches("whole stack on the device: host round trip "
                + "per layer [0-9.]+ ms, device-resident \\(one upload, one download\\) [0-9.]+ ms")), result.out());
        assertTrue(result.out().contains("activation=LEAKY_RELU(0.1))"), "the layers' activations are fused");
        // 1024 samples at 22,050 Hz are 0.046 s of audio.
        assertTrue(result.out().lines().anyMatch(line -> line.matches("real time at 22050 Hz: device-resident 0\\.05 s "
                + "of audio in [0-9.]+ ms: [0-9.]+x (faster|slower) than real time; CPU reference 0\\.05 s of audio in "
                + "[0-9.]+ ms: [0-9.]+x (faster|slower) than real time")), result.out());
        // HiFi-GAN V1 upsamples 6 frames 256 times.
        assertTrue(result.out().contains("HiFi-GAN V1 generator (13.9M parameters, seeded random weights), 6 mel frames "
                + "-> 1536 samples:"), result.out());
        java.util.regex.Matcher agreement = java.util.regex.Pattern.compile("audio RMS ([0-9.]+), max abs difference "
                + "device vs CPU ([0-9.e+-]+) \\(tolerance 3e-4\\)").matcher(result.out());
        assertTrue(agreement.find(), result.out());
        // Audio of order one, not a constant or a saturated tanh, so that agreeing means something.
        double rms = Double.parseDouble(agreement.group(1));
        assertTrue(rms > 0.01 && rms < 0.9, agreement.group());
        assertTrue(Double.parseDouble(agreement.group(2)) <= 3e-4, agreement.group());
        assertTrue(result.out().lines().anyMatch(line -> line.matches("  real time at 22050 Hz: device 0\\.07 s of audio "
                + "in [0-9.]+ ms: [0-9.]+x (faster|slower) than real time")), result.out());
    }

    @Test
    void maxAbsDifferenceIsTheLargestElementwiseGapAndNaNNeverPasses() {
        Tensor reference = Tensor.of(new float[] {0.5f, -0.25f, 0}, 3);
        assertEquals(0.125, DemoCommand.maxAbsDifference(Tensor.of(new float[] {0.5f, -0.125f, 0.0625f}, 3), reference));
        // Equal elements after the NaN must not hide it.
        double nan = DemoCommand.maxAbsDifference(Tensor.of(new float[] {Float.NaN, -0.25f, 0}, 3), reference);
        assertFalse(nan <= DemoCommand.HIFIGAN_TOLERANCE, "NaN must fail, got " + nan);
        assertThrows(IllegalArgumentException.class, () -> DemoCommand.maxAbsDifference(reference,
                Tensor.of(new float[] {1, 2}, 2)));
    }

    @Test
    void realTimeFactorIsAudioDurationOverComputeTime() {
        assertEquals("1.00 s of audio in 39.0 ms: 26x faster than real time", DemoCommand.realTime(22_050, 39));
        assertEquals("0.50 s of audio in 100.0 ms: 5.0x faster than real time", DemoCommand.realTime(11_025, 100));
        assertEquals("2.00 s of audio in 8000.0 ms: 4.0x slower than real time", DemoCommand.realTime(44_100, 8000));
    }

    @Test
    void framesMustBePositive() {
        CliResult.run("demo", "--frames", "0").assertInvalidInput("--frames must be at least 1");
        CliResult.run("demo", "--hifigan-frames", "0").assertInvalidInput("--hifigan-frames must be at least 1");
    }
}
