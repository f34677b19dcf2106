package io.clconvt.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import io.clconvt.Backend;
import io.clconvt.OpenClException;
import io.clconvt.internal.DeviceSelection;
import io.clconvt.internal.backend.OpenClBackend;
import io.clconvt.internal.opencl.ClDevice;
import io.clconvt.internal.plan.KernelVariant;

/**
 * Opens the OpenCL backend for tests, poisoning outputs with NaN. Without a device the OpenCL tests
 * are skipped on a developer's machine, but fail when {@code CI} is set: CI must not report an
 * untested OpenCL path as passing.
 */
public final class OpenClSupport {
    private OpenClSupport() {
    }

    public static boolean inCi() {
        String ci = System.getenv("CI");
        return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false");
    }

    public static Backend backend() {
        return backend(KernelVariant.AUTO);
    }

    /** A backend that runs every call with {@code variant}. */
    public static OpenClBackend backend(KernelVariant variant) {
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
