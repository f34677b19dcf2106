package io.clconvt.compat;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.OpenClException;

/**
 * The two backends every front-end test runs on, opened once per test class and closed by
 * {@link #close()}. Without an OpenCL device the OpenCL tests are skipped on a developer's machine but
 * fail when {@code CI} is set, so CI cannot report an untested OpenCL path as passing.
 */
final class TestBackends implements AutoCloseable {
    /** Which backend a parameterized test runs on. */
    enum Kind { CPU, OPENCL }

    private Backend cpu;
    private Backend openCl;

    synchronized Backend get(Kind kind) {
        if (kind == Kind.CPU) {
            if (cpu == null) {
                cpu = Backends.cpu();
            }
            return cpu;
        }
        if (openCl == null) {
            openCl = openOpenCl();
        }
        return openCl;
    }

    private static Backend openOpenCl() {
        try {
            return Backends.openCl();
        } catch (OpenClException e) {
            String ci = System.getenv("CI");
            if (ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false")) {
                fail("CI is set but no OpenCL device is usable: " + e.getMessage(), e);
            }
            return abort("no OpenCL device: " + e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        if (cpu != null) {
            cpu.close();
        }
        if (openCl != null) {
            openCl.close();
        }
    }
}
