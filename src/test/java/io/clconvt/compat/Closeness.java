package io.clconvt.compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.DType;
import io.clconvt.Tensor;
import java.util.Arrays;

/**
 * Compares a front end's result with a float64 reference under the floating-point bound for a sum of
 * products: an output sums at most R = (Cin / groups) * K products plus the bias, so a correct evaluation
 * in the result's dtype is within gamma(R + 1) * S of the exact value, S being the same sum over absolute
 * values and gamma(n) = n * u / (1 - n * u); rounding the result adds u * |exact|. Allowed:
 * {@code |a - b| <= 2 * gamma(R + 1) * S + 2 * u * |b|}. S comes from the very core call the front end
 * translated to, run on |x|, |w| and |bias|.
 */
final class Closeness {
    private Closeness() {
    }

    static void assertClose(CoreCall call, Tensor actual, Tensor expected, String label) {
        assertArrayEquals(expected.shape(), actual.shape(), label + ": shape");
        double u = actual.dtype() == DType.FLOAT32 ? 0x1p-24 : 0x1p-53;
        int terms = call.weight().dim(0) / call.params().groups() * call.weight().dim(2) + 1;
        double gamma = terms * u / (1 - terms * u);
        double[] magnitude = absoluteSums(call);
        double[] a = actual.toDoubleArray();
        double[] b = expected.toDoubleArray();
        for (int e = 0; e < a.length; e++) {
            double allowed = 2 * gamma * magnitude[e] + 2 * u * Math.abs(b[e]);
            double error = Math.abs(a[e] - b[e]);
            if (!(error <= allowed)) {
                fail(String.format("%s: element %d of shape %s is %s, expected %s (|diff| %.3e > allowed %.3e)",
                        label, e, Arrays.toString(expected.shape()), a[e], b[e], error, allowed));
            }
        }
    }

    private static double[] absoluteSums(CoreCall call) {
        CoreCall absolute = new CoreCall(absolute(call.input()), absolute(call.weight()),
                call.bias() == null ? null : absolute(call.bias()), call.params());
        try (Backend cpu = Backends.cpu()) {
            return absolute.run(cpu).toDoubleArray();
        }
    }

    private static Tensor absolute(Tensor t) {
        double[] values = t.toDoubleArray();
        for (int i = 0; i < values.length; i++) {
            values[i] = Math.abs(values[i]);
        }
        return Tensor.of(values, t.shape());
    }
}
