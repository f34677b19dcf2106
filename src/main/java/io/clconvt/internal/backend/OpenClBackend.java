package io.clconvt.internal.backend;

import static org.jocl.CL.clReleaseEvent;

import io.clconvt.Activation;
import io.clconvt.Conv1dParams;
import io.clconvt.ConvGradients;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.DeviceTensor;
import io.clconvt.Layout;
import io.clconvt.Tensor;
import io.clconvt.internal.Conv1dProblem;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.ConvShapes;
import io.clconvt.internal.DeviceCapabilities;
import io.clconvt.internal.StreamingBackend;
import io.clconvt.internal.StreamingBackend.Call;
import io.clconvt.internal.StreamingBackend.QueuedPositions;
import io.clconvt.internal.Validation;
import io.clconvt.internal.cpu.CpuBackend;
import io.clconvt.internal.kernels.Conv1dKernel;
import io.clconvt.internal.kernels.ConvTranspose1dImplementation;
import io.clconvt.internal.kernels.ConvTranspose1dImplementations;
import io.clconvt.internal.kernels.ElementwiseKernel;
import io.clconvt.internal.opencl.BufferPool;
import io.clconvt.internal.opencl.ClBuffer;
import io.clconvt.internal.opencl.ClContext;
import io.clconvt.internal.opencl.ClDevice;
import io.clconvt.internal.opencl.PendingKernel;
import io.clconvt.internal.opencl.ProgramCache;
import io.clconvt.internal.opencl.ProgramKey;
import io.clconvt.internal.opencl.SignalChaining;
import io.clconvt.internal.opencl.TensorCache;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.internal.plan.LaunchPlan;
import io.clconvt.internal.plan.TuningFile;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.UnaryOperator;
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

    final ClContext context;
    final ProgramCache programs;
    final BufferPool buffers;
    /**
     * Inputs up to this size get a buffer of their own, created with a copy of the input
     * ({@link ClBuffer#upload}): no write command, so no wait on the queue before the kernel and no event
     * for JOCL to hand to a thread of its own, which is most of a small call. A larger input is written
     * into a pooled buffer, which spares allocating and freeing that much device memory per call.
     */
    public static final long COPIED_INPUT_BYTES = 256 << 10;
    private final TensorCache parameters;
    private final PlanSelection plans;
    private final boolean poisonOutputs;
    /** Device tensors not yet closed, released by {@link #close()} if their owners forget. */
    private final Set<ResidentTensor> resident = Collections.newSetFromMap(new IdentityHashMap<>());
    final PendingKernel lastKernel = new PendingKernel();
    private final OpenClGradients gradients = new OpenClGradients(this);
    private boolean closed;

    /**
     * @param variant the kernel variant every call uses, or AUTO to choose per shape
     * @param poisonOutputs fill every output buffer with NaN before the kernel runs, so tests catch
     *     elements a kernel never writes
     * @param profiling record device time ({@link #lastKernelNanos}); on regardless when tuning on first use is
     *     switched on, which times candidate plans by it
     */
    public OpenClBackend(ClDevice device, KernelVariant variant, boolean poisonOutputs, boolean profiling) {
        boolean tunesOnFirstUse = Tuner.firstUseEnabled();
        this.context = new ClContext(device, profiling || tunesOnFirstUse);
        this.programs = new ProgramCache(context);
        this.buffers = new BufferPool(context);
        this.parameters = new TensorCache();
        this.plans = new PlanSelection(variant, TuningFile.load(TuningFile.defaultPath()), tunesOnFirstUse);
        this.poisonOutputs = poisonOutputs;
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
            Tensor bias, DeviceTensor residual) {
        ResidentTensor input = owned(x);
        CpuBackend.requireInputShape(problem.inputShape(), input.shape);
        ClBuffer added = residualBuffer(problem, residual);
        requireOpen();
        input.requireOpen();
        device().requireRuns(problem);
        ClBuffer output = launch(problem, plan(problem), input.buffer, weight, GIVEN_WEIGHT, bias, added);
        return track(new ResidentTensor(this, output, problem.dtype(), problem.outputShape()));
    }

    @Override
    public synchronized Tensor conv1d(Tensor x, Tensor weight, Tensor bias, Conv1dParams params) {
        Conv1dProblem problem = Conv1dProblem.resolve(x, weight, bias, params);
        return roundTrip(problem.dtype(), x, problem.outputShape(), problem.outputElements(),
                () -> device().requireRuns(problem), input -> launch(problem, input, weight, bias, null));
    }

    @Override
    public synchronized DeviceTensor conv1d(DeviceTensor x, Tensor weight, Tensor bias, Conv1dParams params) {
        ResidentTensor input = owned(x);
        return conv1dWindow(Conv1dProblem.resolve(input.shape, input.dtype, weight, bias, params), input, weight,
                bias);
    }

    @Override
    public synchronized DeviceTensor conv1dWindow(Conv1dProblem problem, DeviceTensor x, Tensor weight,
            Tensor bias, DeviceTensor residual) {
        ResidentTensor input = owned(x);
        CpuBackend.requireInputShape(problem.inputShape(), input.shape);
        ClBuffer added = residualBuffer(problem, residual);
        requireOpen();
        input.requireOpen();
        device().requireRuns(problem);
        ClBuffer output = launch(problem, input.buffer, weight, bias, added);
        return track(new ResidentTensor(this, output, problem.dtype(), problem.outputShape()));
    }

    @Override
    public synchronized ConvGradients conv1dBackward(Tensor gradOutput, Tensor x, Tensor weight, boolean withBias,
            Conv1dParams params) {
        return gradients.conv1dBackward(gradOutput, x, weight, withBias, params);
    }

    @Override
    public synchronized ConvGradients convTranspose1dBackward(Tensor gradOutput, Tensor x, Tensor weight,
            boolean withBias, ConvTranspose1dParams params) {
        return gradients.convTranspose1dBackward(gradOutput, x, weight, withBias, params);
    }

    /**
     * Into a new buffer, so that the stream's history never leaves the device: two rectangle copies, or one
     * splice kernel that activates the tail as it copies (an activation pass and two copies would be three
     * commands; on POCL a copy costs about a quarter of a small kernel's launch, so plain joins stay copies).
     */
    @Override
    public synchronized DeviceTensor joinLength(DeviceTensor head, int from, DeviceTensor tail, Layout layout,
            Activation tailActivation) {
        Validation.requireNonNull("tailActivation", tailActivation);
        ResidentTensor second = owned(tail);
        ResidentTensor first = head == null ? null : owned(head);
        StreamingBackend.requireJoinable(head, from, tail, layout);
        requireOpen(first, second);
        if (tailActivation == Activation.NONE) {
            return track(ResidentTensor.joined(this, buffers, first, from, second, layout));
        }
        return splice(first, from, second, layout, tailActivation, null, 0, 0)[0];
    }

    /** One splice kernel for both joins. */
    @Override
    public synchronized DeviceTensor[] joinLengthTwice(DeviceTensor head, int from, DeviceTensor tail, Layout layout,
            Activation tailActivation, DeviceTensor otherHead, int otherFrom, int otherSplit) {
        Validation.requireNonNull("tailActivation", tailActivation);
        ResidentTensor second = owned(tail);
        ResidentTensor first = head == null ? null : owned(head);
        ResidentTensor other = otherHead == null ? null : owned(otherHead);
        StreamingBackend.requireJoinable(head, from, tail, layout);
        StreamingBackend.requireJoinable(otherHead, otherFrom, tail, layout);
        StreamingBackend.requireSplit(otherSplit, otherHead, otherFrom, tail, layout);
        requireOpen(first, second);
        if (other != null) {
            other.requireOpen();
        }
        return splice(first, from, second, layout, tailActivation, other, otherFrom, otherSplit);
    }

    private void requireOpen(ResidentTensor head, ResidentTensor tail) {
        requireOpen();
        tail.requireOpen();
        if (head != null) {
            head.requireOpen();
        }
    }

    /**
     * {@code head} from {@code from} on, then {@code tail} through {@code tailActivation}; and, where
     * {@code otherSplit} is not 0, {@code other} (null for none) from {@code otherFrom} on, then {@code tail} as it
     * is, in two tensors split after otherSplit positions (the second null when that is all of them); in one splice
     * kernel.
     */
    private DeviceTensor[] splice(ResidentTensor head, int from, ResidentTensor tail, Layout layout,
            Activation tailActivation, ResidentTensor other, int otherFrom, int otherSplit) {
        int axis = StreamingBackend.lengthAxis(tail.shape.length, layout);
        int rows = ResidentTensor.rows(tail.shape, axis);
        int position = ResidentTensor.positionElements(tail.shape, axis);
        int tailLength = tail.shape[axis];
        int[] shape = lengthened(tail.shape, axis, head == null ? 0 : head.shape[axis] - from);
        boolean withOther = otherSplit > 0;
        int otherLength = tailLength + (other == null ? 0 : other.shape[axis] - otherFrom);
        int[] frontShape = lengthened(tail.shape, axis, otherSplit - tailLength);
        int[] restShape = lengthened(tail.shape, axis, otherLength - otherSplit - tailLength);
        List<ClBuffer> acquired = new ArrayList<>();
        try {
            ClBuffer front = withOther ? acquire(acquired, rows, position, otherSplit, tail.dtype) : null;
            ClBuffer rest = withOther && otherSplit < otherLength
                    ? acquire(acquired, rows, position, otherLength - otherSplit, tail.dtype) : null;
            ElementwiseKernel.SecondJoin second = withOther ? new ElementwiseKernel.SecondJoin(
                    other == null ? null : other.buffer, other == null ? 0 : other.shape[axis] * position,
                    otherFrom * position, (otherLength - tailLength) * position, front, otherSplit * position, rest)
                    : null;
            ClBuffer joined = enqueueInto(tail.dtype, (long) rows * position * shape[axis], null,
                    y -> ElementwiseKernel.enqueueSplice(context, programs, tail.dtype, rows,
                            head == null ? null : head.buffer, head == null ? 0 : head.shape[axis] * position,
                            from * position, (shape[axis] - tailLength) * position, tail.buffer,
                            tailLength * position, tailActivation, y, second, context.device().maxWorkGroupSize()));
            acquired.clear(); // every buffer now belongs to a tensor below
            DeviceTensor first = track(new ResidentTensor(this, joined, tail.dtype, shape));
            if (!withOther) {
                return new DeviceTensor[] {first};
            }
            return new DeviceTensor[] {first, track(new ResidentTensor(this, front, tail.dtype, frontShape)),
                    rest == null ? null : track(new ResidentTensor(this, rest, tail.dtype, restShape))};
        } finally {
            acquired.forEach(buffers::release);
        }
    }

    /** A pooled buffer for {@code rows} rows of {@code positions} positions of {@code position} elements. */
    private ClBuffer acquire(List<ClBuffer> acquired, int rows, int position, int positions, DType dtype) {
        ClBuffer buffer = buffers.acquire((long) rows * position * positions * dtype.byteSize());
        acquired.add(buffer);
        if (poisonOutputs) {
            buffer.poison(dtype);
        }
        return buffer;
    }

    /** {@code shape} with {@code extra} more positions along its length axis. */
    private static int[] lengthened(int[] shape, int axis, int extra) {
        int[] longer = shape.clone();
        longer[axis] += extra;
        return longer;
    }

    @Override
    public synchronized DeviceTensor combine(DeviceTensor a, double alpha, DeviceTensor b, double beta,
            Activation activation) {
        ResidentTensor first = owned(a);
        ResidentTensor second = b == null ? null : owned(b);
        StreamingBackend.requireSameShape(a, b);
        Validation.requireNonNull("activation", activation);
        requireOpen();
        first.requireOpen();
        if (second != null) {
            second.requireOpen();
        }
        int elements = Arrays.stream(first.shape).reduce(1, Math::multiplyExact);
        ClBuffer output = enqueueInto(first.dtype, elements, null, y -> ElementwiseKernel.enqueue(context, programs,
                first.dtype, elements, first.buffer, alpha, second == null ? null : second.buffer, beta, activation, y,
                context.device().maxWorkGroupSize()));
        return track(new ResidentTensor(this, output, first.dtype, first.shape.clone()));
    }

    /** One pass of up to four parts; more go through partial sums, four, then three more a pass. */
    @Override
    public synchronized DeviceTensor mean(List<QueuedPositions> parts, int length, Layout layout,
            Activation activation) {
        Validation.requireNonNull("activation", activation);
        StreamingBackend.requireMean(parts, length, layout);
        requireOpen();
        List<ResidentTensor[]> tensors = new ArrayList<>(); // each part's first tensor and the one after it (or null)
        for (QueuedPositions part : parts) {
            ResidentTensor first = owned(part.first());
            ResidentTensor then = part.then() == null ? null : owned(part.then());
            first.requireOpen();
            if (then != null) {
                then.requireOpen();
            }
            tensors.add(new ResidentTensor[] {first, then});
        }
        ResidentTensor shaped = tensors.get(0)[0];
        int axis = StreamingBackend.lengthAxis(shaped.shape.length, layout);
        int rows = ResidentTensor.rows(shaped.shape, axis);
        int position = ResidentTensor.positionElements(shaped.shape, axis);
        int[] shape = shaped.shape.clone();
        shape[axis] = length;
        ClBuffer partial = null;
        int next = 0;
        while (next < parts.size()) {
            List<ElementwiseKernel.RowsInput> inputs = new ArrayList<>();
            if (partial != null) {
                inputs.add(new ElementwiseKernel.RowsInput(partial, length * position, 0, length * position, null, 0));
            }
            while (inputs.size() < ElementwiseKernel.MEAN_INPUTS && next < parts.size()) {
                QueuedPositions part = parts.get(next);
                ResidentTensor first = tensors.get(next)[0];
                ResidentTensor then = tensors.get(next++)[1];
                inputs.add(new ElementwiseKernel.RowsInput(first.buffer, first.shape[axis] * position,
                        part.from() * position, part.inFirst(layout) * position, then == null ? null : then.buffer,
                        then == null ? 0 : then.shape[axis] * position));
            }
            boolean last = next == parts.size();
            ClBuffer sum;
            try {
                sum = enqueueInto(shaped.dtype, (long) rows * position * length, null,
                        y -> ElementwiseKernel.enqueueMean(context, programs, shaped.dtype, rows, length * position,
                                inputs, last ? 1.0 / parts.size() : 1, last ? activation : Activation.NONE, y,
                                context.device().maxWorkGroupSize()));
            } finally {
                if (partial != null) {
                    buffers.release(partial); // the queue is in order: the pass reads it before any reuse
                }
            }
            partial = sum;
        }
        return track(new ResidentTensor(this, partial, shaped.dtype, shape));
    }

    @Override
    public synchronized DeviceTensor sliceLength(DeviceTensor x, int from, int length, Layout layout) {
        ResidentTensor tensor = owned(x);
        StreamingBackend.requireSlice(tensor.shape, from, length, layout);
        requireOpen();
        tensor.requireOpen();
        return track(ResidentTensor.sliced(this, buffers, tensor, from, length, layout));
    }

    @Override
    public synchronized DeviceTensor upload(Tensor tensor) {
        Validation.requireNonNull("tensor", tensor);
        ConvProblem.requireNoZeroDimension("tensor", tensor.shape());
        requireOpen();
        device().requireAllocatable("tensor", tensor.size(), tensor.dtype());
        ClBuffer buffer = buffers.acquire((long) tensor.size() * tensor.dtype().byteSize());
        try {
            buffer.write(tensor);
        } catch (RuntimeException e) {
            buffers.release(buffer);
            throw e;
        }
        return track(new ResidentTensor(this, buffer, tensor.dtype(), tensor.shape()));
    }

    /** The buffer of the residual input {@code problem} adds, checked; null when it adds none. */
    private ClBuffer residualBuffer(ConvShapes problem, DeviceTensor residual) {
        StreamingBackend.requireResidual(problem, residual);
        if (residual == null) {
            return null;
        }
        ResidentTensor tensor = owned(residual);
        tensor.requireOpen();
        return tensor.buffer;
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

    void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the OpenCL backend is closed");
        }
    }

    /** The launch plan a call of {@code problem} uses: a tuned winner under AUTO, else the built-in rule. */
    public synchronized LaunchPlan plan(ConvProblem problem) {
        return plans.plan(problem, this);
    }

    /** The built-in rule's plan for {@code problem}, in this backend's variant. */
    public synchronized LaunchPlan rulePlan(ConvProblem problem) {
        return plans.rule(problem, device());
    }

    /** What this backend's device reports, which launch plans are derived from. */
    @Override
    public DeviceCapabilities device() {
        return context.device().capabilities();
    }

    @Override
    public synchronized void storeTuned(ConvProblem problem, LaunchPlan plan) {
        plans.store(device(), problem, plan);
    }

    /** Runs an already validated call with a given plan (the tuner tries several). */
    @Override
    public synchronized Tensor run(ConvProblem problem, LaunchPlan plan, Tensor x, Tensor weight, Tensor bias) {
        return roundTrip(problem.dtype(), x, problem.outputShape(), problem.outputElements(),
                () -> device().requireRuns(problem), input -> launch(problem, plan, input, weight, bias));
    }

    /**
     * A host call: checks that the device runs it and that the heap holds its result, copies {@code x} to the
     * device, lets {@code launch} enqueue the work into a new pooled buffer, and reads that back.
     */
    private Tensor roundTrip(DType dtype, Tensor x, int[] outputShape, long outputElements, Runnable requireRuns,
            UnaryOperator<ClBuffer> launch) {
        requireOpen();
        requireRuns.run();
        Validation.requireHeap("the output of shape " + Arrays.toString(outputShape),
                outputElements * dtype.byteSize());
        long inputBytes = (long) x.size() * x.dtype().byteSize();
        boolean copied = inputBytes <= COPIED_INPUT_BYTES;
        ClBuffer input = copied ? ClBuffer.upload(context, x) : buffers.acquire(inputBytes);
        ClBuffer output = null;
        try {
            if (!copied) {
                input.write(x);
            }
            output = launch.apply(input);
            return output.read(dtype, outputShape);
        } finally {
            if (copied) {
                input.close();
            } else {
                buffers.release(input);
            }
            buffers.release(output);
        }
    }

    @Override
    public synchronized void prepare(List<Call> calls) {
        requireOpen();
        List<LaunchPlan> plans = new ArrayList<>();
        List<ProgramKey> keys = new ArrayList<>();
        for (Call call : calls) {
            device().requireRuns(call.problem());
            LaunchPlan plan = runnable(call.problem(), plan(call.problem()));
            plans.add(plan);
            keys.add(ConvTranspose1dImplementations.of(plan).program(call.problem(), plan));
        }
        programs.prepare(keys);
        for (int i = 0; i < calls.size(); i++) {
            ConvProblem problem = calls.get(i).problem();
            ClBuffer input = buffers.acquire((long) problem.inputElements() * problem.dtype().byteSize());
            ClBuffer output = null;
            try {
                input.zero();
                output = launch(problem, plans.get(i), input, calls.get(i).weight(), calls.get(i).bias());
                lastKernel.await();
            } finally {
                buffers.release(input);
                buffers.release(output);
            }
        }
    }

    /**
     * {@code requested}, or the direct kernel where it is outside its program's envelope (which could
     * fail to build or crash the compiler), with its work-group cut to what the device takes.
     */
    private LaunchPlan runnable(ConvProblem problem, LaunchPlan requested) {
        return (ConvTranspose1dImplementations.supports(problem, requested, device()) ? requested
                : LaunchPlan.direct()).withLocalSizeAtMost(context.device().maxWorkGroupSize());
    }

    /**
     * Enqueues {@code problem} from the device buffer {@code input} into a new pooled buffer, without
     * waiting for the kernel; the caller owns the result (and releases it to the pool).
     */
    ClBuffer launch(ConvProblem problem, LaunchPlan requested, ClBuffer input, Tensor weight, Tensor bias) {
        return launch(problem, requested, input, weight, GIVEN_WEIGHT, bias, null);
    }

    /**
     * {@link #launch(ConvProblem, LaunchPlan, ClBuffer, Tensor, Tensor)} with the weight seen through
     * {@code view} (the transposed convolution that computes a convolution reads the convolution's weight
     * rearranged) and the residual input the problem adds, if any.
     */
    private ClBuffer launch(ConvProblem problem, LaunchPlan requested, ClBuffer input, Tensor weight,
            WeightView view, Tensor bias, ClBuffer residual) {
        LaunchPlan plan = runnable(problem, requested);
        ConvTranspose1dImplementation implementation = ConvTranspose1dImplementations.of(plan);
        if (problem.inputActivation() != Activation.NONE && !implementation.fusesInputActivation(plan)) {
            ClBuffer activated = activate(problem.dtype(), problem.inputElements(), input, problem.inputActivation());
            try {
                return launch(problem.withInputActivation(Activation.NONE), plan, activated, weight, view, bias,
                        residual);
            } finally {
                buffers.release(activated); // the queue is in order: the convolution reads it before any reuse
            }
        }
        return enqueueInto(problem.dtype(), problem.outputElements(), bias, output -> {
            ClBuffer weightBuffer = parameters.get(weight, view.name() + implementation.weightLayout(problem, plan),
                    w -> uploadParameter(implementation.layWeight(view.lay().apply(w), problem, plan)));
            return implementation.enqueue(context, programs, problem, plan, input, weightBuffer,
                    biasBuffer(bias), residual, output);
        });
    }

    /**
     * Enqueues the convolution {@code problem} from {@code input} into a new pooled buffer: as a transposed
     * convolution on its specialised kernels where {@link Conv1dProblem#asTransposed()} allows, else on the
     * convolution's direct kernel, which runs everything; {@code residual} as the problem adds one, or null.
     */
    ClBuffer launch(Conv1dProblem problem, ClBuffer input, Tensor weight, Tensor bias, ClBuffer residual) {
        ConvProblem transposed = problem.asTransposed();
        if (transposed != null) {
            return launch(transposed, plan(transposed), input, weight,
                    new WeightView(Conv1dKernel.ADJOINT_LAYOUT, w -> Conv1dKernel.adjointWeight(w, transposed)), bias,
                    residual);
        }
        Conv1dProblem dense = problem.denseOutputs();
        if (dense != null && problem.stride() <= MAX_THINNED_STRIDE && dense.asTransposed() != null
                && (long) dense.outputElements() * dense.dtype().byteSize() <= device().maxAllocationBytes()) {
            ClBuffer full = launch(dense, input, weight, bias, null);
            try {
                return enqueueInto(problem.dtype(), problem.outputElements(), null,
                        y -> ElementwiseKernel.enqueueTakeEvery(context, programs, problem.dtype(), problem.layout(),
                                problem.batch(), problem.outChannels(), dense.outputLength(), problem.outputLength(),
                                problem.stride(), full, y, context.device().maxWorkGroupSize()));
            } finally {
                buffers.release(full); // the queue is in order: the thinning reads it before anything reuses it
            }
        }
        return enqueueInto(problem.dtype(), problem.outputElements(), bias, output -> Conv1dKernel.enqueue(context,
                programs, problem, input, parameters.get(weight, ConvTranspose1dImplementations.GIVEN_LAYOUT,
                        this::uploadParameter), biasBuffer(bias), residual, output, context.device().maxWorkGroupSize()));
    }

    /** {@code activation} of the first {@code elements} of {@code x}, into a new pooled buffer. */
    private ClBuffer activate(DType dtype, int elements, ClBuffer x, Activation activation) {
        return enqueueInto(dtype, elements, null, y -> ElementwiseKernel.enqueue(context, programs, dtype, elements, x,
                1, null, 0, activation, y, context.device().maxWorkGroupSize()));
    }

    /**
     * The largest stride a convolution runs at stride 1 and thins: the stride-1 route's kernels run a hundred
     * times faster than the direct gather per output on a CPU device, so computing stride times the outputs
     * still wins by far up to here.
     */
    private static final int MAX_THINNED_STRIDE = 32;

    /**
     * Takes an output buffer of {@code elements} from the pool (poisoned when asked) and lets {@code enqueue} put
     * the work on the queue behind the previous kernel, without waiting for that one: the queue is in order, a
     * pooled buffer is only reused by commands queued after its last user, and the driver frees a buffer the
     * caches release (an evicted weight, say) only once the commands queued on it have completed. So a layer
     * graph's kernels run back to back while the host prepares the next. The caller owns the result (and
     * releases it to the pool).
     */
    private ClBuffer enqueueInto(DType dtype, long elements, Tensor bias, Function<ClBuffer, cl_event> enqueue) {
        ClBuffer output = buffers.acquire(elements * dtype.byteSize());
        cl_event event = null;
        try {
            if (poisonOutputs) {
                output.poison(dtype);
            }
            event = enqueue.apply(output);
            lastKernel.set(event);
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

    private ClBuffer biasBuffer(Tensor bias) {
        return bias == null ? null
                : parameters.get(bias, ConvTranspose1dImplementations.GIVEN_LAYOUT, this::uploadParameter);
    }

    /** How a kernel reads a weight: the cache's name of the view and the rearrangement that makes it. */
    private record WeightView(String name, UnaryOperator<Tensor> lay) {
    }

    private static final WeightView GIVEN_WEIGHT = new WeightView("", UnaryOperator.identity());

    /** A read-only device copy of a weight or bias, for the parameter cache. */
    private ClBuffer uploadParameter(Tensor tensor) {
        return ClBuffer.upload(context, tensor);
    }

    /**
     * Device time of the last call's kernel, from the queue's profiling events; waits for the kernel.
     *
     * @throws IllegalStateException if this backend was opened without profiling
     */
    @Override
    public synchronized long lastKernelNanos() {
        if (!context.profiling()) {
            throw new IllegalStateException("device time needs a backend opened with profiling (the benchmark's "
                    + "and the tuner's); this one records none");
        }
        return lastKernel.nanos();
    }

    /**
     * Runs {@code task} on this backend's context and program cache under its lock, for the probes of
     * {@link Diagnostics}: roofline measurements and the tests' look at the cache.
     */
    synchronized <T> T withPrograms(BiFunction<ClContext, ProgramCache, T> task) {
        requireOpen();
        return task.apply(context, programs);
    }

    /** Device tensors open on this backend. */
    synchronized int residentCount() {
        return resident.size();
    }

    /**
     * Gives a closed device tensor's buffer back: to the pool, or to the driver once the backend is closing.
     * The kernel just launched may still read or write it, and that needs no wait: the queue is in order, so
     * whatever uses the buffer next (a kernel, a write, a read) runs after it, and the driver frees a released
     * buffer only once the commands queued on it have completed. A stack of device-resident layers thus
     * closes each intermediate without a round trip to the device.
     */
    void release(ResidentTensor tensor) {
        resident.remove(tensor);
        if (closed) {
            tensor.buffer.close(); // the pool is gone: the backend is closing
        } else {
            buffers.release(tensor.buffer);
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
        try {
            lastKernel.await();
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
}
