package io.clconvt.internal.kernels;

import io.clconvt.DType;
import io.clconvt.Layout;
import io.clconvt.Tensor;
import io.clconvt.internal.ApiAccess;
import io.clconvt.internal.Conv1dProblem;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.opencl.ClBuffer;
import io.clconvt.internal.opencl.ClContext;
import io.clconvt.internal.opencl.KernelArguments;
import io.clconvt.internal.opencl.ProgramCache;
import io.clconvt.internal.opencl.ProgramKey;
import org.jocl.cl_event;
import org.jocl.cl_kernel;

/**
 * {@code kernels/conv1d.cl}: the convolution's direct kernel, one work-item per output, every shape and the
 * padding mode as runtime arguments, so one program per dtype and activation serves every call. It runs the
 * calls that {@link Conv1dProblem#asTransposed()} cannot hand to the transposed convolution's kernels; for
 * those, {@link #adjointWeight} lays the weight out as that operation reads it.
 */
public final class Conv1dKernel {
    public static final String SOURCE_FILE = "conv1d.cl";
    public static final String KERNEL_NAME = "conv1d";
    /** The weight cache's name for {@link #adjointWeight}'s layout, prefixed to the transposed kernel's own. */
    public static final String ADJOINT_LAYOUT = "conv1d-adjoint/";
    /** Work-items per work-group: the direct transposed kernel's default. */
    private static final long LOCAL_SIZE = 64;

    private Conv1dKernel() {
    }

    public static ProgramKey program(Conv1dProblem problem) {
        return new ProgramKey(SOURCE_FILE, KERNEL_NAME, BuildOptions.storage(problem.dtype())
                + BuildOptions.activation(problem));
    }

    /**
     * Enqueues {@code problem} into {@code y}, {@code bias} null for none, {@code residual} the input the epilogue
     * adds (null unless the problem adds one), and returns the kernel's event.
     */
    public static cl_event enqueue(ClContext context, ProgramCache programs, Conv1dProblem problem, ClBuffer x,
            ClBuffer weight, ClBuffer bias, ClBuffer residual, ClBuffer y, long maxLocalSize) {
        cl_kernel kernel = programs.kernel(program(problem));
        KernelArguments arguments = programs.arguments(kernel)
                .buffer(x)
                .buffer(weight)
                .buffer(bias)
                .buffer(y)
                .integer(problem.batch())
                .integer(problem.inChannels())
                .integer(problem.outChannels())
                .integer(problem.inputLength())
                .integer(problem.outputLength())
                .integer(problem.kernelSize())
                .integer(problem.stride())
                .integer(problem.dilation())
                .integer(problem.padLeft())
                .integer(problem.groups())
                .integer(problem.layout() == Layout.NLC ? 1 : 0)
                .integer(problem.paddingModeCode())
                .real(problem.dtype(), problem.activation().slope());
        SpecialisedArguments.residual(arguments, problem, residual);
        long localSize = Math.min(LOCAL_SIZE, maxLocalSize);
        long globalSize = ((long) problem.outputElements() + localSize - 1) / localSize * localSize;
        return context.enqueue(kernel, KERNEL_NAME, new long[] {globalSize}, new long[] {localSize});
    }

    /**
     * A convolution weight (Cout, Cin / groups, K) as the weight of the transposed convolution
     * {@code transposed} (from {@link Conv1dProblem#asTransposed()}): (Cin, Cout / groups, K), each group's
     * block transposed and the taps reversed.
     */
    public static Tensor adjointWeight(Tensor weight, ConvProblem transposed) {
        int groupIn = transposed.groupInChannels();
        int groupOut = transposed.groupOutChannels();
        int kernelSize = transposed.kernelSize();
        int[] from = new int[weight.size()];
        for (int ci = 0; ci < transposed.inChannels(); ci++) {
            int group = ci / groupIn;
            for (int c = 0; c < groupOut; c++) {
                for (int k = 0; k < kernelSize; k++) {
                    int co = group * groupOut + c;
                    from[(ci * groupOut + c) * kernelSize + k] =
                            (co * groupIn + ci - group * groupIn) * kernelSize + kernelSize - 1 - k;
                }
            }
        }
        int[] shape = {transposed.inChannels(), groupOut, kernelSize};
        DType dtype = weight.dtype();
        if (dtype == DType.FLOAT64) {
            double[] source = ApiAccess.doubleData(weight);
            double[] laid = new double[from.length];
            for (int i = 0; i < from.length; i++) {
                laid[i] = source[from[i]];
            }
            return ApiAccess.wrap(laid, shape);
        }
        if (dtype.isHalf()) {
            short[] source = ApiAccess.shortData(weight);
            short[] laid = new short[from.length];
            for (int i = 0; i < from.length; i++) {
                laid[i] = source[from[i]];
            }
            return ApiAccess.wrapHalf(dtype, laid, shape);
        }
        float[] source = ApiAccess.floatData(weight);
        float[] laid = new float[from.length];
        for (int i = 0; i < from.length; i++) {
            laid[i] = source[from[i]];
        }
        return ApiAccess.wrap(laid, shape);
    }
}
