package consumer;

import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.OpenClException;
import io.clconvt.Tensor;
import java.util.Arrays;

/**
 * One convolution through the public API on the CPU backend and, when a device exists, on OpenCL: x = [1, 2],
 * w = [1, 10, 100], bias 0.5, stride 2 gives [1.5, 10.5, 102.5, 20.5, 200.5] by hand. Exits 1 on a wrong result.
 */
public final class Consumer {
    private static final double[] EXPECTED = {1.5, 10.5, 102.5, 20.5, 200.5};

    public static void main(String[] args) {
        boolean requireOpenCl = args.length > 0 && args[0].equals("--require-opencl");
        Tensor x = Tensor.of(new float[] {1, 2}, 1, 1, 2);
        Tensor w = Tensor.of(new float[] {1, 10, 100}, 1, 1, 3);
        Tensor b = Tensor.of(new float[] {0.5f}, 1);
        ConvTranspose1dParams params = ConvTranspose1dParams.builder().stride(2).build();
        try (Backend cpu = Backends.cpu()) {
            check("cpu", cpu.convTranspose1d(x, w, b, params));
        }
        Backend openCl;
        try {
            openCl = Backends.openCl();
        } catch (OpenClException e) {
            if (requireOpenCl) {
                throw e;
            }
            System.out.println("consumer: no OpenCL device (" + e.getMessage() + "); CPU only");
            return;
        }
        try (Backend backend = openCl) {
            check("opencl", backend.convTranspose1d(x, w, b, params));
        }
    }

    private static void check(String backend, Tensor y) {
        double[] actual = y.toDoubleArray();
        if (!Arrays.equals(actual, EXPECTED)) {
            System.err.println("consumer: " + backend + " gave " + Arrays.toString(actual) + ", expected "
                    + Arrays.toString(EXPECTED));
            System.exit(1);
        }
        System.out.println("consumer: " + backend + " ok " + Arrays.toString(actual));
    }
}
