package io.clconvt.bench;

import io.clconvt.Backend;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.Tensor;

/**
 * Not API. What the benchmark needs from the engine beyond the public API: a backend running one kernel
 * variant, device time from profiling events, the tuner and the roofline probes. The engine's classes
 * stay package-private in {@code io.clconvt}; its implementation of this class installs itself when it
 * is initialised, the way the JDK's SharedSecrets connects packages.
 */
public abstract class EngineAccess {
    private static final String IMPLEMENTATION = "io.clconvt.BenchEngineAccess";
    private static volatile EngineAccess installed;

    protected EngineAccess() {
    }

    /** Called once, by the engine's implementation. */
    public static synchronized void install(EngineAccess access) {
        if (installed != null) {
            throw new IllegalStateException("the engine access is installed already");
        }
        installed = access;
    }

    static EngineAccess get() {
        if (installed == null) {
            try {
                Class.forName(IMPLEMENTATION, true, EngineAccess.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("the engine's " + IMPLEMENTATION + " is missing", e);
            }
        }
        return installed;
    }

    /** The OpenCL device chosen as {@code Backends.openCl()} chooses it, running every call with {@code variant}. */
    protected abstract Backend openCl(KernelVariant variant);

    /** The launch plan {@code openCl} runs the call with, e.g. {@code tiled(16x4,local 16)}. */
    protected abstract String plan(Backend openCl, Tensor x, Tensor weight, Tensor bias, ConvTranspose1dParams params);

    /** Device time of {@code openCl}'s last kernel, from its profiling event. */
    protected abstract long lastKernelNanos(Backend openCl);

    /**
     * Times the candidate plans of the call on {@code openCl}'s device, keeps the fastest whose result is
     * within {@code tolerance} of {@code reference} and stores it in the tuning file.
     *
     * @return the winner and its median device time, e.g. {@code tiled(16x4,local 8) 3.120 ms}
     */
    protected abstract String tune(Backend openCl, Tensor x, Tensor weight, Tensor bias, ConvTranspose1dParams params,
            Tensor reference, double tolerance);

    /**
     * Times the call {@code pairs} times with {@code openCl}'s plan and with the built-in rule's plan
     * for its variant, alternately, call by call, so that both see the same machine.
     *
     * @return the device time of each pair's first call over its second's
     */
    protected abstract double[] againstRule(Backend openCl, Tensor x, Tensor weight, Tensor bias,
            ConvTranspose1dParams params, int pairs);

    /** The device's FP32 multiply-add and streaming-copy ceilings. */
    protected abstract Roofline roofline(Backend openCl);

    /** Where tuned plans are stored. */
    protected abstract String tuningFile();
}
