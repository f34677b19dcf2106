package io.clconvt;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

/**
 * Opens the OpenCL backend for tests, poisoning outputs with NaN. Without a device the OpenCL tests
 * are skipped on a developer's machine, but fail when {@code CI} is set: CI must not report an
 * untested OpenCL path as passing.
 */
final class OpenClSupport {
    private OpenClSupport() {
    }

    static boolean inCi() {
        String ci = System.getenv("CI");
        return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false");
    }

    static Backend backend() {
        try {
            return new OpenClBackend(ClDevice.select(DeviceSelection.fromEnvironment()), true);
        } catch (OpenClException e) {
            if (inCi()) {
                fail("CI is set but no OpenCL device is usable: " + e.getMessage(), e);
            }
            return abort("no OpenCL device: " + e.getMessage());
        }
    }
}
