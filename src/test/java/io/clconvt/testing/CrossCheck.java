package io.clconvt.testing;

import io.clconvt.Backend;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.Tensor;
import io.clconvt.internal.cpu.CpuBackend;
import io.clconvt.internal.plan.KernelVariant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.opentest4j.TestAbortedException;

/**
 * The child-JVM side of the robustness tests: runs one call on the CPU reference and on OpenCL with every
 * variant (AUTO, DIRECT, PHASE, TILED; outputs poisoned with NaN), and describes what each did, so that
 * the parent can check the outcomes and a native crash names the call that caused it.
 */
public final class CrossCheck implements AutoCloseable {
    /** A call to make. */
    public record Call(Tensor x, Tensor weight, Tensor bias, ConvTranspose1dParams params) {
        @Override
        public String toString() {
            return "x " + Arrays.toString(x.shape()) + " " + x.dtype() + ", weight " + Arrays.toString(weight.shape())
                    + (bias == null ? "" : ", bias") + ", " + params;
        }
    }

    private final Backend cpu = new CpuBackend();
    private final Map<KernelVariant, Backend> openCl = new EnumMap<>(KernelVariant.class);

    /**
     * Opens the OpenCL backends; without a device prints {@code NO_OPENCL} and returns null (the parent
     * then skips, or fails under CI, as {@link OpenClSupport} decides in the child too).
     */
    public static CrossCheck open() {
        CrossCheck check = new CrossCheck();
        try {
            for (KernelVariant variant : KernelVariant.values()) {
                check.openCl.put(variant, OpenClSupport.backend(variant));
            }
        } catch (TestAbortedException e) {
            check.close();
            System.out.println("NO_OPENCL " + e.getMessage());
            return null;
        }
        return check;
    }

    /** What the CPU reference and every OpenCL variant make of {@code call}, as "backend: outcome" lines. */
    public List<String> outcomes(Call call, boolean printValues) {
        List<String> lines = new ArrayList<>();
        Object reference = attempt(cpu, call);
        lines.add("cpu: " + describe(reference, printValues));
        for (Map.Entry<KernelVariant, Backend> entry : openCl.entrySet()) {
            Object result = attempt(entry.getValue(), call);
            String outcome = describe(result, printValues);
            if (result instanceof Tensor actual && reference instanceof Tensor expected) {
                try {
                    Accuracy.assertClose(actual, expected, call.x(), call.weight(), call.bias(), call.params(),
                            entry.getKey().toString());
                    outcome += printValues ? "" : " (agrees with cpu)";
                } catch (AssertionError e) {
                    outcome = "DIFFERS from cpu: " + e.getMessage();
                }
            }
            lines.add(entry.getKey().toString().toLowerCase() + ": " + outcome);
        }
        return lines;
    }

    /** What {@link #check} found: the problems (none when all is well), and whether the CPU refused the call. */
    public record Verdict(List<String> problems, boolean refused) {
    }

    /**
     * Checks {@code call}: a problem is an OpenCL result that differs from the CPU's, an exception other
     * than IllegalArgumentException, or a call one backend refuses and another runs.
     */
    public Verdict check(Call call) {
        List<String> problems = new ArrayList<>();
        Object reference = attempt(cpu, call);
        if (!(reference instanceof Tensor) && !(reference instanceof IllegalArgumentException)) {
            problems.add("cpu threw " + reference);
        }
        for (Map.Entry<KernelVariant, Backend> entry : openCl.entrySet()) {
            Object result = attempt(entry.getValue(), call);
            String variant = entry.getKey().toString();
            if (result instanceof Tensor actual && reference instanceof Tensor expected) {
                try {
                    Accuracy.assertClose(actual, expected, call.x(), call.weight(), call.bias(), call.params(),
                            variant);
                } catch (AssertionError e) {
                    problems.add(e.getMessage());
                }
            } else if (result instanceof Tensor) {
                problems.add(variant + " computed what the cpu refused: " + reference);
            } else if (!(result instanceof IllegalArgumentException)) {
                problems.add(variant + " threw " + result);
            } else if (reference instanceof Tensor) {
                problems.add(variant + " refused what the cpu computed: " + result);
            }
        }
        return new Verdict(problems, !(reference instanceof Tensor));
    }

    /** The result tensor, or the exception the call threw. */
    private static Object attempt(Backend backend, Call call) {
        try {
            return backend.convTranspose1d(call.x(), call.weight(), call.bias(), call.params());
        } catch (RuntimeException | OutOfMemoryError e) {
            return e;
        }
    }

    private static String describe(Object outcome, boolean printValues) {
        if (outcome instanceof Tensor tensor) {
            return printValues ? Arrays.toString(tensor.toDoubleArray()) : "computed " + Arrays.toString(tensor.shape());
        }
        Throwable thrown = (Throwable) outcome;
        return thrown.getClass().getSimpleName() + ": " + thrown.getMessage();
    }

    @Override
    public void close() {
        openCl.values().forEach(Backend::close);
        cpu.close();
    }
}
