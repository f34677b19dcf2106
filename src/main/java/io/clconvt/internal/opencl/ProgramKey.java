package io.clconvt.internal.opencl;

/** One program of a {@link ProgramCache}: the kernel {@code kernelName} of {@code kernels/<file>} built with {@code options}. */
public record ProgramKey(String file, String kernelName, String options) {
}
