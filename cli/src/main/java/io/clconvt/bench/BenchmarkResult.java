package io.clconvt.bench;

/**
 * One benchmark row. The JSON field names (other tools read them) are the record's components in
 * snake case: name, backend, variant, device, median_ms, min_ms, wall_median_ms, gflops, gbps,
 * max_rel_err.
 *
 * @param backend "opencl" or "cpu"
 * @param variant the launch plan that ran, e.g. {@code tiled(16x4,local 8)}, or "reference" on the CPU
 * @param medianMs median time of the timed runs: OpenCL device time from profiling events, CPU wall time
 * @param minMs the fastest timed run, same clock as medianMs
 * @param wallMedianMs median host-to-host time of a whole call, transfers included
 * @param gflops {@code flops / medianMs}
 * @param gbps the minimal bytes (each tensor touched once) over medianMs
 * @param maxRelErr max |result - CPU result| / max |CPU result|
 */
public record BenchmarkResult(String name, String backend, String variant, String device, double medianMs,
        double minMs, double wallMedianMs, double gflops, double gbps, double maxRelErr) {
}
