package io.clconvt.internal;

import io.clconvt.Activation;
import io.clconvt.Conv1dParams;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.Tensor;
import java.util.Arrays;

/**
 * The validation of the backward calls, shared by every backend: the forward call's own, then the output
 * gradient against the forward output, and no activation (its derivative would need the pre-activation
 * values, which the caller keeps).
 */
public final class BackwardCalls {
    private BackwardCalls() {
    }

    /** The forward problem of a {@code conv1dBackward} call, after every check. */
    public static Conv1dProblem conv1d(Tensor gradOutput, Tensor x, Tensor weight, Conv1dParams params) {
        Conv1dProblem forward = Conv1dProblem.resolve(x, weight, null, params);
        requireNoActivation(params.activation());
        requireGradOutput(gradOutput, forward.outputShape(), x);
        return forward;
    }

    /** The forward problem of a {@code convTranspose1dBackward} call, after every check. */
    public static ConvProblem convTranspose1d(Tensor gradOutput, Tensor x, Tensor weight,
            ConvTranspose1dParams params) {
        ConvProblem forward = ConvProblem.resolve(x, weight, null, params);
        requireNoActivation(params.activation());
        requireGradOutput(gradOutput, forward.outputShape(), x);
        return forward;
    }

    private static void requireNoActivation(Activation activation) {
        if (activation != Activation.NONE) {
            throw new IllegalArgumentException("backward calls take params without an activation (its derivative"
                    + " is the caller's: apply it to gradOutput first), got activation=" + activation);
        }
    }

    private static void requireGradOutput(Tensor gradOutput, int[] outputShape, Tensor x) {
        Validation.requireNonNull("gradOutput", gradOutput);
        if (!Arrays.equals(gradOutput.shape(), outputShape)) {
            throw new IllegalArgumentException("gradOutput has shape " + Arrays.toString(gradOutput.shape())
                    + " but the forward call's output has shape " + Arrays.toString(outputShape));
        }
        if (gradOutput.dtype() != x.dtype()) {
            throw new IllegalArgumentException("gradOutput dtype " + gradOutput.dtype() + " does not match input dtype "
                    + x.dtype());
        }
    }
}
