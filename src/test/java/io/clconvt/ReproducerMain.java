package io.clconvt;

import io.clconvt.internal.cpu.CpuBackend;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.testing.CrossCheck;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestTensors;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.opentest4j.TestAbortedException;

/**
 * Child-JVM main of {@link RobustnessTest}: runs one of issue 8's reproducers on the CPU and every OpenCL
 * variant and prints {@code RESULT backend: outcome} lines (the values for small outputs, else whether
 * OpenCL agrees with the CPU), then {@code DONE}. A native crash ends the child before {@code DONE}.
 */
public final class ReproducerMain {
    private ReproducerMain() {
    }

    public static void main(String[] args) {
        String name = args[0];
        if (name.equals("parametersBeyondCacheBudget")) {
            parametersBeyondCacheBudget();
            return;
        }
        CrossCheck.Call call = call(name);
        try (CrossCheck check = CrossCheck.open()) {
            if (check == null) {
                return;
            }
            System.out.println("CASE " + name + ": " + call);
            System.out.flush();
            for (String line : check.outcomes(call, small(call))) {
                System.out.println("RESULT " + line);
            }
        }
        System.out.println("DONE");
    }

    /**
     * Weight (1024, 1017, 129) plus a bias beyond the parameter cache's 512 MiB: the cache evicted and freed
     * the bias while the call still used it (PTHREAD abort). Too large for the CPU comparison's copies, so
     * the values are exact by construction instead: x = 1 and w = 1/4 make y[co, o] = co + 256 * (taps
     * reaching o), 1 or 2. Each backend is closed before the next opens, to hold one device copy at a time.
     */
    private static void parametersBeyondCacheBudget() {
        int in = 1024;
        int out = 1017;
        int kernelSize = 129;
        float[] x = new float[in * 2];
        Arrays.fill(x, 1);
        float[] w = new float[in * out * kernelSize];
        Arrays.fill(w, 0.25f);
        float[] b = new float[out];
        for (int co = 0; co < out; co++) {
            b[co] = co;
        }
        CrossCheck.Call call = new CrossCheck.Call(Tensor.of(x, 1, in, 2), Tensor.of(w, in, out, kernelSize),
                Tensor.of(b, out), builder().build());
        System.out.println("CASE parametersBeyondCacheBudget: " + call);
        System.out.flush();
        List<Supplier<Backend>> backends = List.of(CpuBackend::new, () -> OpenClSupport.backend(KernelVariant.AUTO),
                () -> OpenClSupport.backend(KernelVariant.DIRECT));
        List<String> names = List.of("cpu", "auto", "direct");
        for (int index = 0; index < backends.size(); index++) {
            try (Backend backend = backends.get(index).get()) {
                double[] y = backend.convTranspose1d(call.x(), call.weight(), call.bias(), call.params())
                        .toDoubleArray();
                int length = 2 + kernelSize - 1;
                double worst = 0;
                for (int co = 0; co < out; co++) {
                    for (int o = 0; o < length; o++) {
                        int taps = (o == 0 || o == length - 1) ? 1 : 2;
                        worst = Math.max(worst, Math.abs(y[co * length + o] - (co + 256.0 * taps)));
                    }
                }
                System.out.println("RESULT " + names.get(index) + ": largest error " + worst);
            } catch (TestAbortedException e) {
                System.out.println("NO_OPENCL " + e.getMessage());
                return;
            }
            System.out.flush();
        }
        System.out.println("DONE");
    }

    private static boolean small(CrossCheck.Call call) {
        return call.x().size() <= 16;
    }

    /** The reproducer {@code name}'s call (public: the cli build's RunRobustnessTest runs one through the command line). */
    public static CrossCheck.Call call(String name) {
        SplittableRandom random = new SplittableRandom(8);
        return switch (name) {
            // A tile window of 8 + 2 * 900 inputs crashed POCL's compiler (the JVM died with SIGSEGV).
            case "dilation900" -> dense(random, 4, 16, 3, 50, builder().dilation(900));
            case "kernel64Dilation32" -> dense(random, 4, 16, 64, 50, builder().dilation(32));
            case "kernel32Dilation64" -> dense(random, 4, 16, 32, 50, builder().dilation(64));
            // An int overflow in the index arithmetic or the plan's envelope check: garbage, and on the CPU
            // a NegativeArraySizeException from scratch sized by the stride.
            case "stride2pow30" -> hugeStride(1 << 30);
            case "stride2pow30plus8" -> hugeStride((1 << 30) + 8);
            // The phase and tiled kernels multiplied the zero padding of their window by the weight.
            case "nanWeight" -> ones(new float[] {1, 1, Float.NaN});
            case "infWeight" -> ones(new float[] {Float.POSITIVE_INFINITY, 1, 1});
            // 2^30 outputs: the CPU ran out of heap where OpenCL refused.
            case "output2pow30" -> longOutput(1 << 20);
            // 2^26 outputs, run with a heap of 128 MiB: OpenCL computes them, but the host result does not fit.
            case "outputBeyondHeap" -> longOutput(1 << 16);
            default -> throw new IllegalArgumentException("no reproducer named " + name);
        };
    }

    private static ConvTranspose1dParams.Builder builder() {
        return ConvTranspose1dParams.builder();
    }

    private static CrossCheck.Call dense(SplittableRandom random, int in, int out, int kernelSize, int length,
            ConvTranspose1dParams.Builder params) {
        return new CrossCheck.Call(TestTensors.random(random, DType.FLOAT32, 1, 1, in, length),
                TestTensors.random(random, DType.FLOAT32, 1, in, out, kernelSize), null, params.build());
    }

    /** An output of about {@code inputLength} x 1024 elements. */
    private static CrossCheck.Call longOutput(int inputLength) {
        return new CrossCheck.Call(Tensor.of(new float[inputLength], 1, 1, inputLength),
                Tensor.of(new float[] {1}, 1, 1, 1), null, builder().stride(1 << 10).build());
    }

    private static CrossCheck.Call hugeStride(int stride) {
        return new CrossCheck.Call(Tensor.of(new float[] {1, 2}, 1, 1, 2), Tensor.of(new float[] {3}, 1, 1, 1),
                Tensor.of(new float[] {0.5f}, 1), builder().stride(stride).padding(stride - 1, 0).build());
    }

    private static CrossCheck.Call ones(float[] weight) {
        float[] x = new float[4];
        Arrays.fill(x, 1);
        return new CrossCheck.Call(Tensor.of(x, 1, 1, 4), Tensor.of(weight, 1, 1, weight.length), null,
                builder().build());
    }
}
