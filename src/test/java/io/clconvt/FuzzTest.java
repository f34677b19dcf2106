package io.clconvt;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import io.clconvt.testing.ChildJvm;
import io.clconvt.testing.TestScope;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A few hundred seeded configurations from an envelope wider than the kernels are tuned for (see
 * {@link FuzzMain}), each computed on the CPU and on OpenCL with every variant and compared, or refused
 * with IllegalArgumentException by all of them. They run in a child JVM, so that a native crash fails
 * this test with the configuration that caused it; the run then goes on with the next configuration.
 *
 * <p>The default build runs the first {@value #SAMPLED} of the {@value #ALL} seeded configurations (each
 * seed draws every parameter independently, so these are a sample of the whole set; about 40 programs of
 * the 140 the whole set builds), the exhaustive profile ({@link TestScope}) all of them.
 */
class FuzzTest {
    /** The seeded configurations of the exhaustive profile, and how many of them the default build runs. */
    private static final int ALL = 300;
    private static final int SAMPLED = 60;
    private static final int CONFIGURATIONS = TestScope.size(ALL, SAMPLED);
    /** How long one configuration may run without the child printing: its builds and its calls. */
    private static final long QUIET_SECONDS = 300;

    @Test
    void openClMatchesCpuOrBothRefuse() throws Exception {
        List<String> failures = new ArrayList<>();
        int computed = 0;
        int next = 0;
        while (next < CONFIGURATIONS) {
            ChildJvm.Result result = ChildJvm.run(QUIET_SECONDS, List.of(), FuzzMain.class, String.valueOf(next),
                    String.valueOf(CONFIGURATIONS - next));
            if (!result.lines("NO_OPENCL ").isEmpty()) {
                abort("no OpenCL device: " + result.lines("NO_OPENCL ").get(0));
            }
            for (String line : result.lines("FAIL ")) {
                failures.add(line);
            }
            computed += (int) result.lines("PASS ").stream().filter(line -> line.contains(" computed ")).count();
            List<String> started = result.lines("CASE ");
            if (!result.lines("DONE").isEmpty() && result.exitCode() == 0) {
                break;
            }
            if (started.isEmpty()) {
                fail("the fuzz child JVM ran no configuration: " + result);
            }
            // The child died (a native crash) or stalled in the last configuration it started: report it and
            // carry on after it.
            String last = started.get(started.size() - 1);
            failures.add((result.stalled() ? "child JVM stalled (no output for " + QUIET_SECONDS + " s)"
                    : "child JVM died (exit code " + result.exitCode() + ")") + " in configuration " + last
                    + "; stderr: " + tail(result.err()));
            next = Integer.parseInt(last.substring(0, last.indexOf(' '))) + 1;
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + CONFIGURATIONS + " configurations failed:\n" + String.join("\n", failures));
        }
        // Most draws are valid calls: a generator that only produced refusals would test little.
        assertTrue(computed >= CONFIGURATIONS / 2, "only " + computed + " configurations were computed");
    }

    private static String tail(String text) {
        return text.length() <= 2000 ? text : "..." + text.substring(text.length() - 2000);
    }
}
