package io.clconvt;

import static org.jocl.CL.*;

import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;

/**
 * Host launcher of {@code kernels/conv_transpose1d.cl}: one program and kernel object for one dtype,
 * built once and reused for every call. Not thread-safe (kernel arguments are per-kernel state): the
 * backend serialises calls.
 */
final class ConvTranspose1dKernel implements AutoCloseable {
    static final String SOURCE_FILE = "conv_transpose1d.cl";
    private static final String KERNEL_NAME = "conv_transpose1d";
    /** One fixed work-group size: POCL compiles a kernel per local size, so a varying one would recompile. */
    private static final long PREFERRED_LOCAL_SIZE = 64;

    private final ClContext context;
    private final ClProgram program;
    private final cl_kernel kernel;
    private final long localSize;
    private boolean closed;

    ConvTranspose1dKernel(ClContext context, DType dtype) {
        this.context = context;
        String options = "-DUSE_FP64=" + (dtype == DType.FLOAT64 ? 1 : 0);
        this.program = ClProgram.build(context, SOURCE_FILE, ClProgram.loadSource(SOURCE_FILE), options);
        try {
            this.kernel = program.createKernel(KERNEL_NAME);
        } catch (RuntimeException e) {
            program.close();
            throw e;
        }
        long[] kernelLimit = new long[1];
        int status = clGetKernelWorkGroupInfo(kernel, context.device().id(), CL_KERNEL_WORK_GROUP_SIZE,
                Sizeof.size_t, Pointer.to(kernelLimit), null);
        if (status != CL_SUCCESS) {
            close();
            Cl.check(status, "clGetKernelWorkGroupInfo");
        }
        long limit = Math.min(Math.max(kernelLimit[0], 1), context.device().maxWorkGroupSize());
        this.localSize = Math.max(1, Math.min(PREFERRED_LOCAL_SIZE, Long.highestOneBit(limit)));
    }

    /** Enqueues the computation of {@code problem} into {@code y}; {@code bias} may be null. */
    void enqueue(ConvProblem problem, ClBuffer x, ClBuffer weight, ClBuffer bias, ClBuffer y) {
        int phaseGcd = gcd(problem.stride(), problem.dilation());
        int tapStep = problem.stride() / phaseGcd;
        int dilationInverse = modularInverse(problem.dilation() / phaseGcd, tapStep);
        int index = 0;
        setBuffer(index++, x);                                    // x
        setBuffer(index++, weight);                               // w
        setBuffer(index++, bias);                                 // bias, NULL when absent
        setBuffer(index++, y);                                    // y
        setInt(index++, problem.batch());                         // batch
        setInt(index++, problem.inChannels());                    // inChannels
        setInt(index++, problem.outChannels());                   // outChannels
        setInt(index++, problem.inputLength());                   // inputLength
        setInt(index++, problem.outputLength());                  // outputLength
        setInt(index++, problem.kernelSize());                    // kernelSize
        setInt(index++, problem.stride());                        // stride
        setInt(index++, problem.dilation());                      // dilation
        setInt(index++, problem.padLeft());                       // padLeft
        setInt(index++, problem.groups());                        // groups
        setInt(index++, problem.layout() == Layout.NLC ? 1 : 0);  // channelsLast
        setInt(index++, phaseGcd);                                // phaseGcd
        setInt(index, dilationInverse);                           // dilationInverse
        long globalSize = ((long) problem.outputElements() + localSize - 1) / localSize * localSize;
        Cl.check(clEnqueueNDRangeKernel(context.queue(), kernel, 1, null, new long[] {globalSize},
                new long[] {localSize}, 0, null, null), "clEnqueueNDRangeKernel(" + KERNEL_NAME + ")");
    }

    private void setBuffer(int index, ClBuffer buffer) {
        Pointer value = buffer == null ? null : buffer.argument();
        Cl.check(clSetKernelArg(kernel, index, ClBuffer.argumentSize(), value), "clSetKernelArg(" + index + ")");
    }

    private void setInt(int index, int value) {
        Cl.check(clSetKernelArg(kernel, index, Sizeof.cl_int, Pointer.to(new int[] {value})),
                "clSetKernelArg(" + index + ")");
    }

    static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /** The x in [0, modulus) with value * x == 1 (mod modulus), for coprime arguments; 0 for modulus 1. */
    static int modularInverse(int value, int modulus) {
        if (modulus == 1) {
            return 0;
        }
        // Extended Euclid on longs: the intermediate coefficients fit easily.
        long oldR = value % modulus;
        long r = modulus;
        long oldS = 1;
        long s = 0;
        while (r != 0) {
            long q = oldR / r;
            long nextR = oldR - q * r;
            oldR = r;
            r = nextR;
            long nextS = oldS - q * s;
            oldS = s;
            s = nextS;
        }
        return (int) (((oldS % modulus) + modulus) % modulus);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            clReleaseKernel(kernel);
            program.close();
        }
    }
}
