package io.clconvt.internal.kernels;

import io.clconvt.Activation;
import io.clconvt.DType;
import io.clconvt.Layout;
import io.clconvt.internal.ApiAccess;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.ConvShapes;

/**
 * The build options the kernel files share. Each implementation composes them in a fixed order: the
 * order is part of a program's key in the driver's binary cache.
 */
final class BuildOptions {
    private BuildOptions() {
    }

    /** The storage type of {@code kernels/storage.cl}. */
    static String storage(ConvProblem problem) {
        return storage(problem.dtype());
    }

    /** The storage type of {@code kernels/storage.cl} for tensors of {@code dtype}. */
    static String storage(DType dtype) {
        int code = switch (dtype) {
            case FLOAT32 -> 0;
            case FLOAT64 -> 1;
            case FLOAT16 -> 2;
            case BFLOAT16 -> 3;
        };
        return "-DSTORAGE=" + code;
    }

    /**
     * What every specialised program ({@code kernels/conv_transpose1d_prelude.cl}) starts with: the
     * storage type, then K, stride and dilation, which fix its loops' trip counts and each tap's phase and
     * row offset.
     */
    static String shape(ConvProblem problem) {
        return storage(problem)
                + " -DKERNEL_SIZE=" + problem.kernelSize()
                + " -DSTRIDE=" + problem.stride()
                + " -DDILATION=" + problem.dilation();
    }

    static String layout(ConvProblem problem) {
        return " -DCHANNELS_LAST=" + (problem.layout() == Layout.NLC ? 1 : 0);
    }

    /** The fused epilogue of {@code kernels/activation.cl}: the activations and the residual input. */
    static String activation(ConvShapes problem) {
        return activation(problem.activation()) + inputActivation(problem.inputActivation()) + residual(problem);
    }

    /** A residual input added in the epilogue ({@code kernels/activation.cl}); nothing when there is none. */
    private static String residual(ConvShapes problem) {
        return problem.addsResidual() ? " -DRESIDUAL=1" : "";
    }

    /**
     * The activation of {@code kernels/activation.cl} applied to inputs as they are loaded; nothing when there is
     * none, so that programs without one keep the options (and the driver's cache entries) they always had.
     */
    private static String inputActivation(Activation activation) {
        if (activation == Activation.NONE) {
            return "";
        }
        return " -DINPUT_ACTIVATION=" + ApiAccess.kernelCode(activation) + " -DINPUT_SLOPE=" + activation.slope();
    }

    static String activation(Activation activation) {
        return " -DACTIVATION=" + ApiAccess.kernelCode(activation);
    }
}
