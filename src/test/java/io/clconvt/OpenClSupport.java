package io.clconvt;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import io.clconvt.bench.KernelVariant;

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
        return backend(KernelVariant.AUTO);
    }

    /** A backend that runs every call with {@code variant}. */
    static OpenClBackend backend(KernelVariant variant) {
        try {
            return new OpenClBackend(ClDevice.select(DeviceSelection.fromEnvironment()), variant, true);
        } catch (OpenClException e) {
            if (inCi()) {
                fail("CI is set but no OpenCL device is usable: " + e.getMessage(), e);
            }
            return abort("no OpenCL device: " + e.getMessage());
        }
    }
}
