package io.clconvt.internal.cpu;

import io.clconvt.Activation;
import io.clconvt.internal.ConvShapes;

/**
 * What the CPU reference does to each output sum (bias included) before rounding it once, as the kernels'
 * epilogue does: the activation of {@code scale * sum + residual} when the call adds a residual input, else of
 * the sum alone.
 *
 * @param residual the residual input in the output array's order, or null
 */
record Epilogue(Activation activation, double scale, double[] residual) {

    /** {@code problem}'s epilogue; {@code residual} as the backend checked it (StreamingBackend.requireResidual). */
    static Epilogue of(ConvShapes problem, double[] residual) {
        return new Epilogue(problem.activation(), problem.residualScale(), residual);
    }

    /** The output value of {@code sum} at position {@code index} of the output array. */
    double apply(double sum, int index) {
        return activation.apply(residual == null ? sum : scale * sum + residual[index]);
    }
}
