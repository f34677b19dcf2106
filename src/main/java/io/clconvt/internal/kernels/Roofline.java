package io.clconvt.internal.kernels;

/**
 * The OpenCL device's measured ceilings, from the multiply-add and streaming-copy probes of
 * {@code kernels/roofline.cl}, timed with the same profiling events as the convolution kernels.
 *
 * @param peakGflops median GFLOP/s of the multiply-add probe
 * @param copyGbps median GB/s of the copy probe (bytes read plus bytes written)
 */
public record Roofline(double peakGflops, double copyGbps) {
}
