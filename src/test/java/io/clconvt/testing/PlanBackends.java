package io.clconvt.testing;

import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.internal.backend.OpenClBackend;
import io.clconvt.internal.plan.KernelVariant;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The backends of a test class that runs explicit launch plans against the CPU reference: an OpenCL
 * backend with poisoned outputs (its own variant never runs: every call names its plan) and the CPU
 * backend, opened before the class's tests and closed after them. Register it as a static field with
 * {@code @RegisterExtension}.
 */
public final class PlanBackends implements BeforeAllCallback, AfterAllCallback {
    private OpenClBackend openCl;
    private Backend cpu;

    @Override
    public void beforeAll(ExtensionContext context) {
        cpu = Backends.cpu();
        openCl = OpenClSupport.backend(KernelVariant.DIRECT);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (openCl != null) {
            openCl.close();
        }
        if (cpu != null) {
            cpu.close();
        }
    }

    public OpenClBackend openCl() {
        return openCl;
    }

    public Backend cpu() {
        return cpu;
    }
}
