package io.clconvt.internal.opencl;

import static org.jocl.CL.*;

import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_event;
import org.jocl.cl_kernel;

/**
 * A context and one in-order queue on one device, with profiling only when asked for: device time is for
 * the benchmark and the tuner, and a queue that records timestamps for every command costs a user's calls
 * something on some drivers for nothing they read.
 */
public final class ClContext implements AutoCloseable {
    private final ClDevice device;
    private final cl_context context;
    private final cl_command_queue queue;
    private final boolean profiling;
    /** Null unless asked for ({@link PinnedStaging}). */
    private final PinnedStaging staging;
    private boolean closed;

    @SuppressWarnings("deprecation") // clCreateCommandQueue: the only queue constructor OpenCL 1.x devices have
    public ClContext(ClDevice device, boolean profiling) {
        this.device = device;
        this.profiling = profiling;
        int[] status = new int[1];
        cl_context_properties properties = new cl_context_properties();
        properties.addProperty(CL_CONTEXT_PLATFORM, device.platform());
        this.context = clCreateContext(properties, 1, new cl_device_id[] {device.id()}, null, null, status);
        Cl.check(status[0], "clCreateContext");
        this.queue = clCreateCommandQueue(context, device.id(), profiling ? CL_QUEUE_PROFILING_ENABLE : 0, status);
        if (status[0] != CL_SUCCESS) {
            clReleaseContext(context);
            Cl.check(status[0], "clCreateCommandQueue");
        }
        int chunkBytes = PinnedStaging.chunkBytes();
        try {
            this.staging = chunkBytes == 0 ? null : new PinnedStaging(this, chunkBytes);
        } catch (RuntimeException e) {
            clReleaseCommandQueue(queue);
            clReleaseContext(context);
            throw e;
        }
    }

    /** The pinned staging that host transfers go through, or null where they go directly. */
    PinnedStaging staging() {
        return staging;
    }

    public ClDevice device() {
        return device;
    }

    /** Whether the queue records profiling timestamps, which {@link Cl#elapsedNanos} reads. */
    public boolean profiling() {
        return profiling;
    }

    public cl_context context() {
        return context;
    }

    public cl_command_queue queue() {
        return queue;
    }

    /**
     * Enqueues {@code kernel} over {@code global} work-items in work-groups of {@code local} and returns its
     * event, which the caller releases; {@code name} names the kernel in the error of a failed enqueue.
     */
    public cl_event enqueue(cl_kernel kernel, String name, long[] global, long[] local) {
        cl_event event = new cl_event();
        Cl.check(clEnqueueNDRangeKernel(queue, kernel, global.length, null, global, local, 0, null, event),
                "clEnqueueNDRangeKernel(" + name + ")");
        return event;
    }

    /** Waits until every command enqueued so far has completed. */
    public void finish() {
        Cl.check(clFinish(queue), "clFinish");
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (staging != null) {
            staging.close();
        }
        clReleaseCommandQueue(queue);
        clReleaseContext(context);
    }
}
