package io.clconvt;

import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the transposed convolution on one OpenCL device: one context and queue, one built program per
 * dtype (built on first use, then reused), and per-call buffers released before the call returns.
 * Calls are serialised because kernel arguments are shared state.
 */
final class OpenClBackend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(OpenClBackend.class);
    /** Devices already announced at INFO, so that each is announced once per process. */
    private static final Set<String> ANNOUNCED = ConcurrentHashMap.newKeySet();

    private final ClContext context;
    private final boolean poisonOutputs;
    private final Map<DType, ConvTranspose1dKernel> kernels = new EnumMap<>(DType.class);
    private boolean closed;

    /**
     * @param poisonOutputs fill every output buffer with NaN before the kernel runs, so tests catch
     *     elements the kernel never writes
     */
    OpenClBackend(ClDevice device, boolean poisonOutputs) {
        this.context = new ClContext(device);
        this.poisonOutputs = poisonOutputs;
        if (ANNOUNCED.add(device.info().index() + " " + device.label())) {
            LOG.info("OpenCL device {}: {}", device.info().index(), device.label());
        } else {
            LOG.debug("OpenCL device {}: {}", device.info().index(), device.label());
        }
    }

    @Override
    public synchronized Tensor convTranspose1d(Tensor x, Tensor weight, Tensor bias, ConvTranspose1dParams params) {
        ConvProblem problem = ConvProblem.resolve(x, weight, bias, params);
        if (closed) {
            throw new IllegalStateException("the OpenCL backend is closed");
        }
        DeviceInfo device = context.device().info();
        if (problem.dtype() == DType.FLOAT64 && !device.fp64()) {
            throw new UnsupportedOperationException("FLOAT64 needs the cl_khr_fp64 extension, which " + device.name()
                    + " does not support; use FLOAT32 or the CPU backend");
        }
        requireAllocatable("input", problem.inputElements(), problem.dtype());
        requireAllocatable("weight", problem.weightElements(), problem.dtype());
        requireAllocatable("output", problem.outputElements(), problem.dtype());

        ConvTranspose1dKernel kernel = kernels.get(problem.dtype());
        if (kernel == null) {
            kernel = new ConvTranspose1dKernel(context, problem.dtype());
            kernels.put(problem.dtype(), kernel);
        } else {
            LOG.debug("reusing the built {} kernel", problem.dtype());
        }
        long outputBytes = (long) problem.outputElements() * problem.dtype().byteSize();
        try (ClBuffer xBuffer = ClBuffer.upload(context, x);
             ClBuffer weightBuffer = ClBuffer.upload(context, weight);
             ClBuffer biasBuffer = bias == null ? null : ClBuffer.upload(context, bias);
             ClBuffer yBuffer = ClBuffer.allocate(context, outputBytes)) {
            if (poisonOutputs) {
                yBuffer.poison(problem.dtype());
            }
            kernel.enqueue(problem, xBuffer, weightBuffer, biasBuffer, yBuffer);
            return yBuffer.read(problem.dtype(), problem.outputShape());
        }
    }

    private void requireAllocatable(String name, long elements, DType dtype) {
        long bytes = elements * dtype.byteSize();
        long limit = context.device().info().maxAllocationBytes();
        if (bytes > limit) {
            throw new IllegalArgumentException(name + " needs " + bytes + " bytes but " + context.device().info().name()
                    + " allocates at most " + limit + " bytes per buffer (CL_DEVICE_MAX_MEM_ALLOC_SIZE)");
        }
    }

    @Override
    public String describe() {
        return "opencl: " + context.device().label();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        kernels.values().forEach(ConvTranspose1dKernel::close);
        kernels.clear();
        context.close();
    }
}
