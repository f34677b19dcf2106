package io.clconvt;

import static org.jocl.CL.clReleaseEvent;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jocl.cl_event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the transposed convolution on one OpenCL device: one context and queue, programs built once
 * per kernel file and option set, weights and biases uploaded (and packed) once per tensor, input and
 * output buffers pooled across calls. Calls are serialised because kernel arguments are shared state.
 */
final class OpenClBackend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(OpenClBackend.class);
    /** Devices already announced at INFO, so that each is announced once per process. */
    private static final Set<String> ANNOUNCED = ConcurrentHashMap.newKeySet();

    private final ClContext context;
    private final ProgramCache programs;
    private final BufferPool buffers;
    private final TensorCache parameters;
    private final KernelVariant variant;
    private final TuningFile tuning;
    private final boolean poisonOutputs;
    private long lastKernelNanos;
    private boolean closed;

    /**
     * @param variant the kernel variant every call uses, or AUTO to choose per shape
     * @param poisonOutputs fill every output buffer with NaN before the kernel runs, so tests catch
     *     elements a kernel never writes
     */
    OpenClBackend(ClDevice device, KernelVariant variant, boolean poisonOutputs) {
        this.context = new ClContext(device);
        this.programs = new ProgramCache(context);
        this.buffers = new BufferPool(context);
        this.parameters = new TensorCache();
        this.variant = variant;
        this.tuning = TuningFile.load(TuningFile.defaultPath());
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
        return run(problem, plan(problem), x, weight, bias);
    }

    /** The launch plan a call of {@code problem} uses: a tuned winner under AUTO, else the built-in rule. */
    LaunchPlan plan(ConvProblem problem) {
        if (variant == KernelVariant.AUTO) {
            LaunchPlan tuned = tuning.plan(context.device().label(), problem);
            if (tuned != null && (tuned.variant() == KernelVariant.DIRECT
                    || ConvTranspose1dTiledKernel.supports(problem, tuned))) {
                return tuned;
            }
        }
        return LaunchPlan.defaultFor(problem, variant);
    }

    /** Makes {@code plan} the tuned winner for {@code problem}'s shape class on this device. */
    synchronized void storeTuned(ConvProblem problem, LaunchPlan plan) {
        tuning.store(context.device().label(), problem, plan);
    }

    /** Runs an already validated call with a given plan (the tuner tries several). */
    synchronized Tensor run(ConvProblem problem, LaunchPlan plan, Tensor x, Tensor weight, Tensor bias) {
        if (closed) {
            throw new IllegalStateException("the OpenCL backend is closed");
        }
        requireSupported(problem);
        long outputBytes = (long) problem.outputElements() * problem.dtype().byteSize();
        ClBuffer input = null;
        ClBuffer output = null;
        cl_event event = null;
        try {
            input = buffers.acquire((long) x.size() * x.dtype().byteSize());
            input.write(x);
            output = buffers.acquire(outputBytes);
            if (poisonOutputs) {
                output.poison(problem.dtype());
            }
            ClBuffer biasBuffer = bias == null ? null : parameters.get(bias, "plain", this::upload);
            if (plan.variant() == KernelVariant.DIRECT) {
                ClBuffer weightBuffer = parameters.get(weight, "plain", this::upload);
                event = ConvTranspose1dKernel.enqueue(context, programs, problem, plan.localSize(), input,
                        weightBuffer, biasBuffer, output);
            } else {
                ClBuffer packedWeight = parameters.get(weight, ConvTranspose1dTiledKernel.packing(problem, plan),
                        w -> upload(ConvTranspose1dTiledKernel.pack(w, problem, plan)));
                event = ConvTranspose1dTiledKernel.enqueue(context, programs, problem, plan, input, packedWeight,
                        biasBuffer, output);
            }
            Tensor result = output.read(problem.dtype(), problem.outputShape());
            lastKernelNanos = Cl.elapsedNanos(event);
            return result;
        } finally {
            if (event != null) {
                clReleaseEvent(event);
            }
            buffers.release(input);
            buffers.release(output);
        }
    }

    private ClBuffer upload(Tensor tensor) {
        return ClBuffer.upload(context, tensor);
    }

    private void requireSupported(ConvProblem problem) {
        DeviceInfo device = context.device().info();
        if (problem.dtype() == DType.FLOAT64 && !device.fp64()) {
            throw new UnsupportedOperationException("FLOAT64 needs the cl_khr_fp64 extension, which " + device.name()
                    + " does not support; use FLOAT32 or the CPU backend");
        }
        requireAllocatable("input", problem.inputElements(), problem.dtype());
        requireAllocatable("weight", problem.weightElements(), problem.dtype());
        requireAllocatable("output", problem.outputElements(), problem.dtype());
    }

    private void requireAllocatable(String name, long elements, DType dtype) {
        long bytes = elements * dtype.byteSize();
        long limit = context.device().info().maxAllocationBytes();
        if (bytes > limit) {
            throw new IllegalArgumentException(name + " needs " + bytes + " bytes but " + context.device().info().name()
                    + " allocates at most " + limit + " bytes per buffer (CL_DEVICE_MAX_MEM_ALLOC_SIZE)");
        }
    }

    /** Device time of the last call's kernel, from the queue's profiling events. */
    synchronized long lastKernelNanos() {
        return lastKernelNanos;
    }

    /** The device's measured compute and bandwidth ceilings. */
    synchronized Roofline roofline() {
        if (closed) {
            throw new IllegalStateException("the OpenCL backend is closed");
        }
        return Roofline.measure(context, programs);
    }

    /** Programs built so far, for tests that check a warm call builds nothing. */
    synchronized int builtPrograms() {
        return programs.size();
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
        parameters.close();
        buffers.close();
        programs.close();
        context.close();
    }
}
