package io.clconvt.internal.kernels;

import io.clconvt.Tensor;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.DeviceCapabilities;
import io.clconvt.internal.opencl.ClBuffer;
import io.clconvt.internal.opencl.ClContext;
import io.clconvt.internal.opencl.ProgramCache;
import io.clconvt.internal.opencl.ProgramKey;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.internal.plan.LaunchPlan;
import java.util.List;
import org.jocl.cl_event;

/**
 * One kernel family of the transposed convolution: what plans it runs, the plan the built-in rule
 * gives it, the space the tuner searches, the weight layout it reads, and the enqueue. The backend
 * iterates {@link ConvTranspose1dImplementations#ALL} and falls through to the direct kernel, which
 * runs everything.
 */
public interface ConvTranspose1dImplementation {
    /** Whether this implementation runs plans of {@code plan}'s type. */
    boolean runs(LaunchPlan plan);

    /** Whether this implementation runs the plans of {@code variant}. */
    boolean serves(KernelVariant variant);

    /** Whether {@code plan} (one this implementation {@link #runs}) can run {@code problem} on {@code device}. */
    boolean supports(ConvProblem problem, LaunchPlan plan, DeviceCapabilities device);

    /** The built-in rule's plan of {@code variant} (one this implementation serves) for {@code problem}. */
    LaunchPlan defaultPlan(ConvProblem problem, KernelVariant variant, DeviceCapabilities device);

    /** Every plan of {@code variant} (one this implementation serves) the tuner may try, in a fixed order. */
    List<LaunchPlan> space(ConvProblem problem, KernelVariant variant, DeviceCapabilities device);

    /**
     * Names the weight layout {@code plan} reads, for the device weight cache; the same name, the same
     * layout. By default the weight as given, (Cin, Cout / groups, K).
     */
    default String weightLayout(ConvProblem problem, LaunchPlan plan) {
        return ConvTranspose1dImplementations.GIVEN_LAYOUT;
    }

    /** The weight (Cin, Cout / groups, K) in the layout {@link #weightLayout} names. */
    default Tensor layWeight(Tensor weight, ConvProblem problem, LaunchPlan plan) {
        return weight;
    }

    /**
     * Whether this implementation applies an input activation as it loads the input at about the cost of a pass
     * of its own, or less; where it does not, the backend activates the input in a pass first and runs the
     * problem without one. By default it does.
     */
    default boolean fusesInputActivation(LaunchPlan plan) {
        return true;
    }

    /** The program {@code plan} runs {@code problem} with: its kernel file, kernel and build options. */
    ProgramKey program(ConvProblem problem, LaunchPlan plan);

    /**
     * Enqueues {@code problem} into {@code y} and returns the kernel's event; {@code bias} may be null, and
     * {@code residual} is the input the epilogue adds, null unless the problem adds one.
     */
    cl_event enqueue(ClContext context, ProgramCache programs, ConvProblem problem, LaunchPlan plan, ClBuffer x,
            ClBuffer weight, ClBuffer bias, ClBuffer residual, ClBuffer y);
}
