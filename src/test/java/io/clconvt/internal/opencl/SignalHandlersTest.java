package io.clconvt.internal.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.testing.ChildJvm;
import io.clconvt.testing.OpenClSupport;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * With libjsig preloaded (as the build's test JVMs and their children are), the JVM keeps its own SIGFPE
 * handler first after POCL has installed its: every integer division by zero in compiled Java code still
 * throws. Without libjsig some return the dividend (docs/troubleshooting.md).
 */
class SignalHandlersTest {
    @Test
    void integerDivisionByZeroThrowsAfterOpenClIsInitialised() throws Exception {
        OpenClSupport.backend().close(); // fails under CI, skips elsewhere, when there is no device
        assertTrue(SignalChaining.loaded(), "the child inherits this JVM's LD_PRELOAD, which must name libjsig");
        ChildJvm.Result result = ChildJvm.run(120, List.of(), DivisionByZeroProbe.class);
        assertEquals(0, result.exitCode(), result.toString());
        assertEquals(List.of(String.valueOf(DivisionByZeroProbe.BY_ZERO)), result.lines("thrown "), result.toString());
        // 1000 / 7 = 142 for every other division.
        assertEquals(List.of(String.valueOf(142L * (DivisionByZeroProbe.DIVISIONS - DivisionByZeroProbe.BY_ZERO))),
                result.lines("sum "), result.toString());
    }
}
