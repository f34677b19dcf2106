package io.clconvt.cli;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.OpenClException;

/**
 * Guards tests that need an OpenCL device: without one they are skipped on a developer's machine but
 * fail when {@code CI} is set, so CI cannot report an untested OpenCL path as passing.
 */
final class OpenClRequirement {
    private OpenClRequirement() {
    }

    static void requireUsableDevice() {
        try (Backend openCl = Backends.openCl()) {
            openCl.describe();
        } catch (OpenClException e) {
            String ci = System.getenv("CI");
            if (ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false")) {
                fail("CI is set but no OpenCL device is usable: " + e.getMessage(), e);
            }
            abort("no OpenCL device: " + e.getMessage());
        }
    }
}
