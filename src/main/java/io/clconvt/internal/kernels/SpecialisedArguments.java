package io.clconvt.internal.kernels;

import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.ConvShapes;
import io.clconvt.internal.opencl.KernelArguments;
import io.clconvt.internal.opencl.ClBuffer;
import io.clconvt.internal.opencl.ProgramCache;
import org.jocl.cl_kernel;

/**
 * The argument list of every specialised transposed-convolution kernel (tiled, rows, gemm), as
 * {@code kernels/conv_transpose1d_prelude.cl} declares it in {@code CONV_TRANSPOSE1D_ARGUMENTS}: the one
 * place the host writes that signature down.
 */
public final class SpecialisedArguments {
    private SpecialisedArguments() {
    }

    /**
     * @param weight the weight in the layout the kernel expects
     * @param weightGroupOut the output channels of one group in that layout (padded where it is packed)
     * @param bias null for none
     * @param residual the residual input the epilogue adds, exactly when the problem adds one
     */
    public static void set(ProgramCache programs, cl_kernel kernel, ConvProblem problem, ClBuffer x, ClBuffer weight,
            ClBuffer bias, ClBuffer residual, ClBuffer y, int weightGroupOut) {
        KernelArguments arguments = programs.arguments(kernel)
                .buffer(x)
                .buffer(weight)
                .buffer(bias)
                .buffer(y)
                .integer(problem.inChannels())
                .integer(problem.outChannels())
                .integer(problem.groups())
                .integer(problem.inputLength())
                .integer(problem.outputLength())
                .integer(problem.padLeft())
                .integer(weightGroupOut)
                .real(problem.dtype(), problem.activation().slope());
        residual(arguments, problem, residual);
    }

    /**
     * The arguments that end every convolution kernel's list when {@code problem} adds a residual input
     * ({@code RESIDUAL_ARGUMENTS} of {@code kernels/activation.cl}): the residual, null exactly when it adds none,
     * and its scale.
     */
    static void residual(KernelArguments arguments, ConvShapes problem, ClBuffer residual) {
        if (problem.addsResidual() != (residual != null)) {
            throw new IllegalStateException("a residual buffer must be given exactly when the problem adds one");
        }
        if (residual != null) {
            arguments.buffer(residual).real(problem.dtype(), problem.residualScale());
        }
    }
}
