package io.clconvt.bench;

/**
 * One backward row: the wall time of a call that computes the input, weight and bias gradients from host
 * tensors and returns them on the host. The JSON field names are the components in snake case.
 *
 * @param backend "opencl" or "cpu"
 * @param variant the requested OpenCL kernel variant, or "reference" on the CPU
 * @param wallMedianMs median host-to-host time of the timed calls
 * @param inputRelErr max |dx - CPU dx| / max |CPU dx|; likewise the weight and bias gradients
 */
public record BackwardResult(String name, String backend, String variant, String device, double wallMedianMs,
        double wallMinMs, double inputRelErr, double weightRelErr, double biasRelErr) {
}
