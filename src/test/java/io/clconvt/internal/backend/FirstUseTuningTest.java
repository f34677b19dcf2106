package io.clconvt.internal.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.Tensor;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.DeviceSelection;
import io.clconvt.internal.opencl.ClDevice;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.internal.plan.PlanText;
import io.clconvt.testing.Accuracy;
import io.clconvt.testing.ChildJvm;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tuning on first use across processes: a first child JVM with {@code -Dclconvt.tune=1} tunes the shape
 * class of its call and stores the winner; a second child JVM finds it in the file and runs it without
 * tuning; a third, without the setting, never tunes. Child JVMs, since each process reads the file once
 * and a native crash must fail the test, not the build.
 */
class FirstUseTuningTest {
    @TempDir
    Path dir;

    /** One call, checked against the CPU; prints the plan auto chose and how many classes this process tuned. */
    public static void main(String[] args) {
        SplittableRandom random = new SplittableRandom(3);
        Tensor x = TestTensors.random(random, DType.FLOAT32, 1, 2, 24, 50);
        Tensor w = TestTensors.random(random, DType.FLOAT32, 1, 24, 16, 4);
        Tensor b = TestTensors.random(random, DType.FLOAT32, 1, 16);
        ConvTranspose1dParams params = ConvTranspose1dParams.builder().stride(2).padding(1).build();
        try (OpenClBackend openCl = new OpenClBackend(ClDevice.select(DeviceSelection.fromEnvironment()),
                KernelVariant.AUTO, true, false); Backend cpu = Backends.cpu()) {
            Tensor actual = openCl.convTranspose1d(x, w, b, params);
            Accuracy.assertClose(actual, cpu.convTranspose1d(x, w, b, params), x, w, b, params, "auto vs CPU");
            System.out.println("plan=" + PlanText.encode(openCl.plan(ConvProblem.resolve(x, w, b, params)))
                    + " tunings=" + Tuner.firstUseTunings());
        }
    }

    @Test
    void aPlanTunedInOneProcessIsUsedByTheNext() throws Exception {
        OpenClSupport.backend(KernelVariant.AUTO).close(); // skips (or fails under CI) without a device
        Path file = dir.resolve("tuning.tsv");
        String first = child(file, true);
        assertTrue(first.contains("tunings=1"), first);
        List<String> entries = Files.readAllLines(file).stream().filter(l -> !l.startsWith("#")).toList();
        assertEquals(1, entries.size(), entries.toString());
        String stored = entries.get(0).substring(entries.get(0).lastIndexOf('\t') + 1);
        assertTrue(first.contains("plan=" + stored + " "), first + " vs stored " + stored);

        String second = child(file, true);
        assertTrue(second.contains("plan=" + stored + " tunings=0"), second);
        String third = child(file, false);
        assertTrue(third.contains("plan=" + stored + " tunings=0"), third);
    }

    private String child(Path tuningFile, boolean tune) throws Exception {
        List<String> options = new ArrayList<>(List.of("-Dclconvt.tuningFile=" + tuningFile));
        if (tune) {
            options.add("-Dclconvt.tune=1");
        }
        Map<String, String> environment = new HashMap<>();
        environment.put("CLCONVT_TUNE", null);
        ChildJvm.Result result = ChildJvm.run(120, environment, options, FirstUseTuningTest.class);
        assertEquals(0, result.exitCode(), result.toString());
        return result.out();
    }
}
