package io.clconvt.internal.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.Tensor;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.DeviceCapabilities;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tuning file's format, validation and concurrent writers; pure Java, no device needed. */
class TuningFileTest {
    private static final DeviceCapabilities DEVICE = LaunchPlanTest.AVX512;
    private static final ConvProblem PROBLEM = LaunchPlanTest.problem(DType.FLOAT32, 256, 128, 1, 4, 2);

    @TempDir
    Path dir;

    private String entry(String driver, String plan) {
        return TuningFile.deviceKey(DEVICE) + "\t" + driver + "\t" + TuningFile.shapeClass(PROBLEM) + "\t" + plan;
    }

    @Test
    void aStoredPlanIsFoundByAnotherLoadOfTheFile() {
        Path path = dir.resolve("sub").resolve("tuning.tsv");
        TuningFile.load(path).store(DEVICE, PROBLEM, new TiledPlan(8, 2, 4));
        assertEquals(new TiledPlan(8, 2, 4), TuningFile.load(path).plan(DEVICE, PROBLEM));
    }

    @Test
    void shapeClassesSeparateTheLayersOfOneDecoder() {
        // HiFi-GAN's first two upsamplers: same K, stride and dilation, different channels and lengths
        assertEquals("FLOAT32 NCL k16 s8 d1 in512 out256 len64", TuningFile.shapeClass(hifiGan(512, 256, 128)));
        assertEquals("FLOAT32 NCL k16 s8 d1 in256 out128 len1024", TuningFile.shapeClass(hifiGan(256, 128, 1024)));
        // channels to the power of two and positions to the power of four below them
        assertEquals(TuningFile.shapeClass(hifiGan(256, 128, 1024)), TuningFile.shapeClass(hifiGan(300, 200, 4095)));
        assertTrue(!TuningFile.shapeClass(hifiGan(256, 128, 1024)).equals(TuningFile.shapeClass(hifiGan(256, 128, 4096))));
    }

    private static ConvProblem hifiGan(int cin, int cout, int length) {
        return ConvProblem.resolve(Tensor.of(new float[cin * length], 1, cin, length),
                Tensor.of(new float[cin * cout * 16], cin, cout, 16), null,
                ConvTranspose1dParams.builder().stride(8).padding(4).build());
    }

    @Test
    void invalidEntriesAreIgnoredAndTheValidOnesKept() throws Exception {
        Path path = dir.resolve("tuning.tsv");
        ConvProblem other = LaunchPlanTest.problem(DType.FLOAT64, 256, 128, 1, 4, 2);
        List<String> lines = new ArrayList<>(List.of("# comment", "", "not an entry at all"));
        for (String bad : List.of("tiled:0:4:16", "tiled:16:4:0", "phase:1:0:32", "tiled:5:4:16")) {
            lines.add(entry("3.1", bad));
        }
        lines.add(TuningFile.deviceKey(DEVICE) + "\t3.1\t" + TuningFile.shapeClass(other) + "\tgemm:32:64:16:1:8:16");
        Files.write(path, lines);
        TuningFile file = TuningFile.load(path);
        assertNull(file.plan(DEVICE, PROBLEM), "every entry for this class is invalid: the built-in rule applies");
        assertEquals(PlanText.parse("gemm:32:64:16:1:8:16"), file.plan(DEVICE, other));
    }

    @Test
    void anEntryOfAnotherDriverVersionIsIgnored() throws Exception {
        Path path = dir.resolve("tuning.tsv");
        Files.write(path, List.of(entry("2.9", "tiled:8:2:4")));
        assertNull(TuningFile.load(path).plan(DEVICE, PROBLEM));
        Files.write(path, List.of(entry("2.9", "tiled:8:2:4"), entry(DEVICE.driverVersion(), "tiled:16:1:8")));
        assertEquals(new TiledPlan(16, 1, 8), TuningFile.load(path).plan(DEVICE, PROBLEM));
    }

    @Test
    void anUnreadableFileMeansNoEntries() throws Exception {
        Path path = dir.resolve("tuning.tsv");
        Files.write(path, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
        assertNull(TuningFile.load(path).plan(DEVICE, PROBLEM));
    }

    @Test
    void concurrentWritersKeepEveryEntryAndAWellFormedFile() throws Exception {
        Path path = dir.resolve("tuning.tsv");
        int writers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int stride = w + 1;
                // each writer its own file object, as separate processes would have
                done.add(pool.submit(() -> TuningFile.load(path).store(DEVICE,
                        LaunchPlanTest.problem(DType.FLOAT32, 64, 64, 1, 4, stride),
                        new TiledPlan(1, stride, 32))));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        TuningFile file = TuningFile.load(path);
        for (int stride = 1; stride <= writers; stride++) {
            assertEquals(new TiledPlan(1, stride, 32),
                    file.plan(DEVICE, LaunchPlanTest.problem(DType.FLOAT32, 64, 64, 1, 4, stride)), "stride " + stride);
        }
        List<String> lines = Files.readAllLines(path);
        assertEquals(writers + 1, lines.size(), lines.toString());
        try (var files = Files.list(dir)) {
            assertTrue(files.allMatch(p -> p.equals(path) || p.getFileName().toString().endsWith(".lock")),
                    "no temporary file is left behind");
        }
    }
}
