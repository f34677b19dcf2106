package io.clconvt.internal.backend;

import static org.jocl.CL.clReleaseEvent;

import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.DeviceTensor;
import io.clconvt.Layout;
import io.clconvt.Tensor;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.DeviceCapabilities;
import io.clconvt.internal.StreamingBackend;
import io.clconvt.internal.Validation;
import io.clconvt.internal.cpu.CpuBackend;
import io.clconvt.internal.kernels.ConvTranspose1dImplementation;
import io.clconvt.internal.kernels.ConvTranspose1dImplementations;
import io.clconvt.internal.kernels.Roofline;
import io.clconvt.internal.kernels.RooflineProbe;
import io.clconvt.internal.opencl.BufferPool;
import io.clconvt.internal.opencl.Cl;
import io.clconvt.internal.opencl.ClBuffer;
import io.clconvt.internal.opencl.ClContext;
import io.clconvt.internal.opencl.ClDevice;
import io.clconvt.internal.opencl.ProgramCache;
import io.clconvt.internal.opencl.SignalChaining;
import io.clconvt.internal.opencl.TensorCache;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.internal.plan.LaunchPlan;
import io.clconvt.internal.plan.TuningFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jocl.cl_event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the transposed convolution on one OpenCL device: one context and queue, programs built once
 * per kernel file and option set, weights and biases uploaded (and packed) once per tensor, input and
 * output buffers pooled across calls. Every method that touches the device is synchronized on the
 * backend: kernel objects (whose arguments are per-call state), the queue and the caches are shared, so
 * calls run one at a time. Device tensors take the same lock to download and close.
 *
 * <p>A device tensor owns a pooled buffer taken out of the pool for its lifetime and returned when it is
 * closed; the backend tracks the open ones and releases them on {@link #close()}.
 */
public final class OpenClBackend implements StreamingBackend, PlanRunner {
    private static final Logger LOG = LoggerFactory.getLogger(OpenClBackend.class);
    /** Devices already announced at INFO, so that each is announced once per process. */
    private static final Set<String> ANNOUNCED = ConcurrentHashMap.newKeySet();

    private final ClContext context;
    private final ProgramCache programs;
    private final BufferPool buffers;
    /**
     * Inputs up to this size are copied into {@link #staging} and written without waiting (see
     * {@link ClBuffer#writeStaged}); a larger one is written from its array, since the extra copy would
     * cost more than the round trip it saves.
     */
    public static final long STAGED_INPUT_BYTES = 256 << 10;
    private ByteBuffer staging;
    private final TensorCache parameters;
    private final KernelVariant variant;
    private final TuningFile tuning;
    private final boolean poisonOutputs;
    private final boolean tuneOnFirstUse;
    /** Shape classes tuned on first use (or found failing to) by this backend, so each is tried once. */
    private final Set<String> firstUseTried = new HashSet<>();
    /** Device tensors not yet closed, released by {@link #close()} if their owners forget. */
    private final Set<ResidentTensor> resident = Collections.newSetFromMap(new IdentityHashMap<>());
    /**
     * The last call's kernel, kept unwaited: the in-order queue runs a following read after it, so a call
     * synchronises with the device once, and its device time is read only when asked for.
     */
    private cl_event lastKernel;
    private long lastKernelNanos;
    private boolean closed;

    /**
     * @param variant the kernel variant every call uses, or AUTO to choose per shape
     * @param poisonOutputs fill every output buffer with NaN before the kernel runs, so tests catch
     *     elements a kernel never writes
     */
    public OpenClBackend(ClDevice device, KernelVariant variant, boolean poisonOutputs) {
        this.context = new ClContext(device);
        this.programs = new ProgramCache(context);
        this.buffers = new BufferPool(context);
        this.parameters = new TensorCache();
        this.variant = variant;
        this.tuning = TuningFile.load(TuningFile.defaultPath());
        this.poisonOutputs = poisonOutputs;
        this.tuneOnFirstUse = Tuner.firstUseEnabled();
        SignalChaining.warnIfMissing(device.capabilities());
        if (ANNOUNCED.add(device.capabilities().index() + " " + device.label())) {
            LOG.info("OpenCL device {}: {}", device.capabilities().index(), device.label());
        } else {
            LOG.debug("OpenCL device {}: {}", device.capabilities().index(), device.label());
        }
    }

    @Override
    public synchronized Tensor convTranspose1d(Tensor x, Tensor weight, Tensor bias, ConvTranspose1dParams params) {
        ConvProblem problem = ConvProblem.resolve(x, weight, bias, params);
        return run(problem, plan(problem), x, weight, bias);
    }

    @Override
    public synchronized DeviceTensor convTranspose1d(DeviceTensor x, Tensor weight, Tensor bias,
            ConvTranspose1dParams params) {
        ResidentTensor input = owned(x);
        ConvProblem problem = ConvProblem.resolve(input.shape, input.dtype, weight, bias, params);
        return convTranspose1dWindow(problem, input, weight, bias);
    }

    @Override
    public synchronized DeviceTensor convTranspose1dWindow(ConvProblem problem, DeviceTensor x, Tensor weight,
            Tensor bias) {
        ResidentTensor input = owned(x);
        CpuBackend.requireInputShape(problem, input.shape);
        requireOpen();
        input.requireOpen();
        requireSupported(problem);
        ClBuffer output = launch(problem, plan(problem), input.buffer, weight, bias);
        return track(new ResidentTensor(output, problem.dtype(), problem.outputShape()));
    }

    /** Two device-side rectangle copies into a new buffer: the stream's history never leaves the device. */
    @Override
    public synchronized DeviceTensor joinLength(DeviceTensor head, int from, DeviceTensor tail, Layout layout) {
        ResidentTensor second = owned(tail);
        ResidentTensor first = head == null ? null : owned(head);
        requireOpen();
        second.requireOpen();
        if (first != null) {
            first.requireOpen();
        }
        int[] shape = second.shape.clone();
        int lengthAxis = StreamingBackend.lengthAxis(shape.length, layout);
        int tailLength = shape[lengthAxis];
        int headLength = first == null ? 0 : first.shape[lengthAxis] - from;
        long rows = 1;
        for (int axis = 0; axis < lengthAxis; axis++) {
            rows *= shape[axis];
        }
        long positionBytes = second.dtype.byteSize(); // bytes per position: the dimensions after the length axis
        for (int axis = lengthAxis + 1; axis < shape.length; axis++) {
            positionBytes *= shape[axis];
        }
        shape[lengthAxis] = headLength + tailLength;
        long joinedRow = shape[lengthAxis] * positionBytes;
        ClBuffer joined = buffers.acquire(rows * joinedRow);
        try {
            if (headLength > 0) {
                joined.copyRows(first.buffer, from * positionBytes, first.shape[lengthAxis] * positionBytes, 0,
                        joinedRow, headLength * positionBytes, rows);
            }
            joined.copyRows(second.buffer, 0, tailLength * positionBytes, headLength * positionBytes, joinedRow,
                    tailLength * positionBytes, rows);
        } catch (RuntimeException e) {
            buffers.release(joined);
            throw e;
        }
        return track(new ResidentTensor(joined, second.dtype, shape));
    }

    @Override
    public synchronized DeviceTensor upload(Tensor tensor) {
        Validation.requireNonNull("tensor", tensor);
        ConvProblem.requireNoZeroDimension("tensor", tensor.shape());
        requireOpen();
        requireAllocatable("tensor", tensor.size(), tensor.dtype());
        ClBuffer buffer = buffers.acquire((long) tensor.size() * tensor.dtype().byteSize());
        try {
            buffer.write(tensor);
        } catch (RuntimeException e) {
            buffers.release(buffer);
            throw e;
        }
        return track(new ResidentTensor(buffer, tensor.dtype(), tensor.shape()));
    }

    private ResidentTensor track(ResidentTensor tensor) {
        resident.add(tensor);
        return tensor;
    }

    /** {@code x} as this backend's own device tensor. */
    private ResidentTensor owned(DeviceTensor x) {
        Validation.requireNonNull("input", x);
        if (!(x instanceof ResidentTensor own) || own.owner() != this) {
            throw new IllegalArgumentException("input " + x + " belongs to another backend than " + describe()
                    + "; download it and upload it to this one");
        }
        return own;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the OpenCL backend is closed");
        }
    }

    /** The launch plan a call of {@code problem} uses: a tuned winner under AUTO, else the built-in rule. */
    public synchronized LaunchPlan plan(ConvProblem problem) {
        if (variant == KernelVariant.AUTO) {
            LaunchPlan tuned = tuning.plan(context.device().capabilities(), problem);
            if (tuned == null && tuneOnFirstUse && firstUseTried.add(TuningFile.shapeClass(problem))) {
                try {
                    tuned = Tuner.tuneOnFirstUse(this, problem);
                } catch (RuntimeException e) {
                    LOG.warn("tuning {} on first use failed, using the built-in plan: {}",
                            TuningFile.shapeClass(problem), e.toString());
                }
            }
            if (tuned != null && ConvTranspose1dImplementations.supports(problem, tuned, device())) {
                return tuned;
            }
        }
        return ConvTranspose1dImplementations.defaultFor(problem, variant, device());
    }

    /** The kernel variant every call uses, or AUTO. */
    KernelVariant variant() {
        return variant;
    }

    /** What this backend's device reports, which launch plans are derived from. */
    @Override
    public DeviceCapabilities device() {
        return context.device().capabilities();
    }

    @Override
    public synchronized void storeTuned(ConvProblem problem, LaunchPlan plan) {
        tuning.store(context.device().capabilities(), problem, plan);
    }

    /** Runs an already validated call with a given plan (the tuner tries several). */
    @Override
    public synchronized Tensor run(ConvProblem problem, LaunchPlan plan, Tensor x, Tensor weight, Tensor bias) {
        requireOpen();
        requireSupported(problem);
        Validation.requireHeap("the output of shape " + Arrays.toString(problem.outputShape()),
                (long) problem.outputElements() * problem.dtype().byteSize());
        long inputBytes = (long) x.size() * x.dtype().byteSize();
        ClBuffer input = buffers.acquire(inputBytes);
        ClBuffer output = null;
        boolean staged = inputBytes <= STAGED_INPUT_BYTES;
        try {
            if (staged) {
                input.writeStaged(x, staging());
            } else {
                input.write(x);
            }
            output = launch(problem, plan, input, weight, bias);
            return output.read(problem.dtype(), problem.outputShape());
        } catch (RuntimeException | Error e) {
            if (staged) {
                // The write may still be reading the staging buffer, and the input goes back to the pool.
                try {
                    context.finish();
                } catch (RuntimeException finishFailure) {
                    e.addSuppressed(finishFailure);
                }
            }
            throw e;
        } finally {
            buffers.release(input);
            buffers.release(output);
        }
    }

    /**
     * Enqueues {@code problem} from the device buffer {@code input} into a new pooled buffer, without
     * waiting for the kernel; the caller owns the result (and releases it to the pool).
     */
    private ClBuffer launch(ConvProblem problem, LaunchPlan requested, ClBuffer input, Tensor weight, Tensor bias) {
        // Before the caches and the pool can release anything the previous kernel reads or writes.
        forgetLastKernel();
        // A plan outside its program's envelope could fail to build or crash the compiler.
        LaunchPlan plan = (ConvTranspose1dImplementations.supports(problem, requested, device()) ? requested
                : LaunchPlan.direct()).withLocalSizeAtMost(context.device().maxWorkGroupSize());
        ConvTranspose1dImplementation implementation = ConvTranspose1dImplementations.of(plan);
        ClBuffer output = buffers.acquire((long) problem.outputElements() * problem.dtype().byteSize());
        cl_event event = null;
        try {
            if (poisonOutputs) {
                output.poison(problem.dtype());
            }
            ClBuffer biasBuffer = bias == null ? null
                    : parameters.get(bias, ConvTranspose1dImplementations.GIVEN_LAYOUT, this::uploadParameter);
            ClBuffer weightBuffer = parameters.get(weight, implementation.weightLayout(problem, plan),
                    w -> uploadParameter(implementation.layWeight(w, problem, plan)));
            event = implementation.enqueue(context, programs, problem, plan, input, weightBuffer, biasBuffer, output);
            lastKernel = event;
            return output;
        } catch (RuntimeException e) {
            buffers.release(output);
            if (event != null) {
                clReleaseEvent(event);
            }
            throw e;
        } finally {
            parameters.unpinAll();
        }
    }

    private ByteBuffer staging() {
        if (staging == null) {
            staging = ByteBuffer.allocateDirect((int) STAGED_INPUT_BYTES).order(ByteOrder.nativeOrder());
        }
        return staging;
    }

    /** A read-only device copy of a weight or bias, for the parameter cache. */
    private ClBuffer uploadParameter(Tensor tensor) {
        return ClBuffer.upload(context, tensor);
    }

    private void requireSupported(ConvProblem problem) {
        DeviceCapabilities device = context.device().capabilities();
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
        long limit = context.device().capabilities().maxAllocationBytes();
        if (bytes > limit) {
            throw new IllegalArgumentException(name + " needs " + bytes + " bytes but " + context.device().capabilities().name()
                    + " allocates at most " + limit + " bytes per buffer (CL_DEVICE_MAX_MEM_ALLOC_SIZE)");
        }
    }

    /** Device time of the last call's kernel, from the queue's profiling events; waits for the kernel. */
    @Override
    public synchronized long lastKernelNanos() {
        if (lastKernel != null) {
            lastKernelNanos = Cl.elapsedNanos(lastKernel);
            forgetLastKernel();
        }
        return lastKernelNanos;
    }

    /**
     * Waits for the last kernel and releases its event. After a host call's blocking read the kernel is
     * done already; a device-resident call returns with its kernel running, and the next call, or the
     * closing of a device tensor, waits here before any buffer the kernel uses can be released or
     * reused, as every call waited for its own kernel before events were kept. A kernel that failed on
     * the device throws here, from the call after it.
     */
    private void forgetLastKernel() {
        if (lastKernel != null) {
            cl_event kernel = lastKernel;
            lastKernel = null; // a kernel that failed is reported once
            try {
                Cl.await(kernel);
            } finally {
                clReleaseEvent(kernel);
            }
        }
    }

    /** The device's measured compute and bandwidth ceilings. */
    public synchronized Roofline roofline() {
        requireOpen();
        return RooflineProbe.measure(context, programs);
    }

    /** Device tensors open on this backend, for tests that check streams keep and release their histories. */
    public synchronized int residentTensors() {
        return resident.size();
    }

    /** Programs built so far, for tests that check a warm call builds nothing. */
    public synchronized int builtPrograms() {
        return programs.size();
    }

    /**
     * Builds (or finds) a kernel through this backend's program cache, as a call would; for tests of
     * build failures.
     */
    public synchronized void buildKernel(String file, String kernelName, String options) {
        requireOpen();
        programs.kernel(file, kernelName, options);
    }

    /** Builds (or finds) a kernel as {@link #buildKernel} does and returns the compiler's log; for tests. */
    public synchronized String buildLog(String file, String kernelName, String options) {
        requireOpen();
        return programs.buildLog(file, kernelName, options);
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
        try {
            forgetLastKernel();
        } finally {
            // Copied: closing a tensor removes it from the set.
            for (ResidentTensor tensor : resident.toArray(ResidentTensor[]::new)) {
                tensor.close();
            }
            parameters.close();
            buffers.close();
            programs.close();
            context.close();
        }
    }

    /** A tensor in a device buffer of this backend; every access takes the backend's lock. */
    private final class ResidentTensor implements DeviceTensor {
        private final ClBuffer buffer;
        private final DType dtype;
        private final int[] shape;
        private boolean closed;

        ResidentTensor(ClBuffer buffer, DType dtype, int[] shape) {
            this.buffer = buffer;
            this.dtype = dtype;
            this.shape = shape;
        }

        OpenClBackend owner() {
            return OpenClBackend.this;
        }

        /** Throws if this tensor is closed, naming it; the caller holds the backend's lock. */
        void requireOpen() {
            if (closed) {
                throw new IllegalStateException("the device tensor " + this + " is closed");
            }
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        @Override
        public DType dtype() {
            return dtype;
        }

        @Override
        public Tensor download() {
            synchronized (OpenClBackend.this) {
                OpenClBackend.this.requireOpen();
                requireOpen();
                return buffer.read(dtype, shape);
            }
        }

        @Override
        public boolean isClosed() {
            synchronized (OpenClBackend.this) {
                return closed;
            }
        }

        @Override
        public void close() {
            synchronized (OpenClBackend.this) {
                if (closed) {
                    return;
                }
                closed = true;
                resident.remove(this);
                try {
                    forgetLastKernel(); // the last kernel may still read or write this buffer
                } finally {
                    if (OpenClBackend.this.closed) {
                        buffer.close(); // the pool is gone: the backend is closing
                    } else {
                        buffers.release(buffer);
                    }
                }
            }
        }

        @Override
        public String toString() {
            return "DeviceTensor(opencl, " + dtype + ", shape=" + Arrays.toString(shape) + ")";
        }
    }
}
