package io.clconvt;

import io.clconvt.bench.EngineAccess;
import io.clconvt.bench.KernelVariant;
import io.clconvt.bench.Roofline;

/** The engine's side of {@link EngineAccess}: installs itself when the benchmark first asks for it. */
final class BenchEngineAccess extends EngineAccess {
    static {
        EngineAccess.install(new BenchEngineAccess());
    }

    private BenchEngineAccess() {
    }

    @Override
    protected Backend openCl(KernelVariant variant) {
        Validation.requireNonNull("variant", variant);
        return new OpenClBackend(ClDevice.select(DeviceSelection.fromEnvironment()), variant, false);
    }

    @Override
    protected String plan(Backend openCl, Tensor x, Tensor weight, Tensor bias, ConvTranspose1dParams params) {
        return engine(openCl).plan(ConvProblem.resolve(x, weight, bias, params)).toString();
    }

    @Override
    protected long lastKernelNanos(Backend openCl) {
        return engine(openCl).lastKernelNanos();
    }

    @Override
    protected String tune(Backend openCl, Tensor x, Tensor weight, Tensor bias, ConvTranspose1dParams params,
            Tensor reference, double tolerance) {
        return Tuner.tune(engine(openCl), ConvProblem.resolve(x, weight, bias, params), x, weight, bias, reference,
                tolerance);
    }

    @Override
    protected double[] againstRule(Backend openCl, Tensor x, Tensor weight, Tensor bias,
            ConvTranspose1dParams params, int pairs) {
        return engine(openCl).againstRule(ConvProblem.resolve(x, weight, bias, params), x, weight, bias, pairs);
    }

    @Override
    protected Roofline roofline(Backend openCl) {
        return engine(openCl).roofline();
    }

    @Override
    protected String tuningFile() {
        return TuningFile.defaultPath().toString();
    }

    private static OpenClBackend engine(Backend backend) {
        if (!(backend instanceof OpenClBackend openCl)) {
            throw new IllegalArgumentException("not an OpenCL backend: " + backend.describe());
        }
        return openCl;
    }
}
