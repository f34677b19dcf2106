package io.clconvt.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.OpenClException;
import io.clconvt.internal.DeviceSelection;
import io.clconvt.internal.backend.OpenClBackend;
import io.clconvt.internal.opencl.ClDevice;
import io.clconvt.internal.plan.KernelVariant;
import java.util.function.Supplier;

/**
 * Opens the OpenCL backend for tests. Without a device the OpenCL tests are skipped on a developer's
 * machine, but fail when {@code CI} is set: CI must not report an untested OpenCL path as passing.
 */
public final class OpenClSupport {
    private OpenClSupport() {
    }

    public static boolean inCi() {
        String ci = System.getenv("CI");
        return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false");
    }

    /** A backend that poisons its outputs with NaN, so that an element a kernel skips fails the test. */
    public static Backend backend() {
        return backend(KernelVariant.AUTO);
    }

    /** A backend that runs every call with {@code variant}, its outputs poisoned with NaN. */
    public static OpenClBackend backend(KernelVariant variant) {
        return openOrSkip(() -> new OpenClBackend(ClDevice.select(DeviceSelection.fromEnvironment()), variant, true, false));
    }

    /** {@link #backend(KernelVariant)} with device time recorded, as the tuner and the benchmark open it. */
    public static OpenClBackend profiledBackend(KernelVariant variant) {
        return openOrSkip(() -> new OpenClBackend(ClDevice.select(DeviceSelection.fromEnvironment()), variant, true, true));
    }

    private static <B extends Backend> B openOrSkip(Supplier<B> open) {
        try {
            return open.get();
        } catch (OpenClException e) {
            if (inCi()) {
                fail("CI is set but no OpenCL device is usable: " + e.getMessage(), e);
            }
            return abort("no OpenCL device: " + e.getMessage());
        }
    }

    /**
     * The two backends every front-end test runs on, opened on first use and closed by {@link #close()}
     * after the test class. OpenCL is the public {@link Backends#openCl()}, as a user of the front ends
     * opens it (outputs not poisoned).
     */
    public static final class ClassBackends implements AutoCloseable {
        /** Which backend a parameterized test runs on. */
        public enum Kind { CPU, OPENCL }

        private final boolean poisoned;
        private Backend cpu;
        private Backend openCl;

        /** OpenCL as a user opens it, outputs not poisoned. */
        public ClassBackends() {
            this(false);
        }

        /** With {@code poisoned}, OpenCL is {@link OpenClSupport#backend()}: outputs filled with NaN first. */
        public ClassBackends(boolean poisoned) {
            this.poisoned = poisoned;
        }

        public Backend cpu() {
            return get(Kind.CPU);
        }

        public Backend openCl() {
            return get(Kind.OPENCL);
        }

        public synchronized Backend get(Kind kind) {
            if (kind == Kind.CPU) {
                if (cpu == null) {
                    cpu = Backends.cpu();
                }
                return cpu;
            }
            if (openCl == null) {
                openCl = poisoned ? backend() : openOrSkip(Backends::openCl);
            }
            return openCl;
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
}
