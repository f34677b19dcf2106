package io.clconvt.internal.kernels;

import io.clconvt.Layout;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.DeviceCapabilities;
import io.clconvt.internal.Maths;
import io.clconvt.internal.opencl.ClBuffer;
import io.clconvt.internal.opencl.ClContext;
import io.clconvt.internal.opencl.KernelArguments;
import io.clconvt.internal.opencl.ProgramCache;
import io.clconvt.internal.opencl.ProgramKey;
import io.clconvt.internal.plan.DirectPlan;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.internal.plan.LaunchPlan;
import java.util.List;
import org.jocl.cl_event;
import org.jocl.cl_kernel;

/**
 * {@code kernels/conv_transpose1d.cl}, the direct variant: one work-item per output element, every shape
 * as a runtime argument, so one program per dtype and activation serves every call. It is the
 * always-available implementation and the correctness baseline of the others.
 */
public final class ConvTranspose1dKernel implements ConvTranspose1dImplementation {
    public static final String SOURCE_FILE = "conv_transpose1d.cl";
    public static final String KERNEL_NAME = "conv_transpose1d";

    ConvTranspose1dKernel() {
    }

    @Override
    public boolean runs(LaunchPlan plan) {
        return plan instanceof DirectPlan;
    }

    @Override
    public boolean serves(KernelVariant variant) {
        return variant == KernelVariant.DIRECT;
    }

    @Override
    public boolean supports(ConvProblem problem, LaunchPlan plan, DeviceCapabilities device) {
        return runs(plan);
    }

    @Override
    public LaunchPlan defaultPlan(ConvProblem problem, KernelVariant variant, DeviceCapabilities device) {
        return LaunchPlan.direct();
    }

    @Override
    public List<LaunchPlan> space(ConvProblem problem, KernelVariant variant, DeviceCapabilities device) {
        return List.of(LaunchPlan.direct());
    }

    /** The build options of the direct program. */
    public static String options(ConvProblem problem) {
        return BuildOptions.storage(problem) + BuildOptions.activation(problem);
    }

    @Override
    public ProgramKey program(ConvProblem problem, LaunchPlan plan) {
        return new ProgramKey(SOURCE_FILE, KERNEL_NAME, options(problem));
    }

    @Override
    public cl_event enqueue(ClContext context, ProgramCache programs, ConvProblem problem, LaunchPlan plan,
            ClBuffer x, ClBuffer weight, ClBuffer bias, ClBuffer residual, ClBuffer y) {
        cl_kernel kernel = programs.kernel(program(problem, plan));
        int phaseGcd = Maths.gcd(problem.stride(), problem.dilation());
        KernelArguments arguments = programs.arguments(kernel)
                .buffer(x)                                    // x
                .buffer(weight)                               // w
                .buffer(bias)                                 // bias, NULL when absent
                .buffer(y)                                    // y
                .integer(problem.batch())                     // batch
                .integer(problem.inChannels())                // inChannels
                .integer(problem.outChannels())               // outChannels
                .integer(problem.inputLength())               // inputLength
                .integer(problem.outputLength())              // outputLength
                .integer(problem.kernelSize())                // kernelSize
                .integer(problem.stride())                    // stride
                .integer(problem.dilation())                  // dilation
                .integer(problem.padLeft())                   // padLeft
                .integer(problem.groups())                    // groups
                .integer(problem.layout() == Layout.NLC ? 1 : 0) // channelsLast
                .integer(phaseGcd)                            // phaseGcd
                .integer(Maths.modularInverse(problem.dilation() / phaseGcd, problem.tapStep())) // dilationInverse
                .real(problem.dtype(), problem.activation().slope()); // slope
        SpecialisedArguments.residual(arguments, problem, residual); // residual, residualScale where it adds one
        long localSize = plan.localSize();
        long globalSize = ((long) problem.outputElements() + localSize - 1) / localSize * localSize;
        return context.enqueue(kernel, KERNEL_NAME, new long[] {globalSize}, new long[] {localSize});
    }
}
