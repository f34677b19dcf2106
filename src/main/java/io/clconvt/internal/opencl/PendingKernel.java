package io.clconvt.internal.opencl;

import static org.jocl.CL.clReleaseEvent;

import org.jocl.cl_event;

/**
 * The last kernel a backend launched, kept unwaited: the in-order queue runs whatever follows (a kernel, a
 * read, a write, a copy) after it, so kernels are queued back to back and a host call synchronises with the
 * device once, at its blocking read; its device time is read only when asked for. Not thread-safe: the
 * owning backend serialises calls.
 */
public final class PendingKernel {
    private cl_event event;
    private long lastNanos;

    /**
     * Takes ownership of {@code kernel}'s event and lets go of the previous one without waiting for it: releasing
     * an event does not cancel its command, and the queue being in order, the new kernel runs after it anyway.
     */
    public void set(cl_event kernel) {
        if (event != null) {
            clReleaseEvent(event);
        }
        event = kernel;
    }

    /**
     * Waits for the kernel and releases its event. After a host call's blocking read the kernel is done
     * already; a device-resident call returns with its kernel running, and the next call, or the closing
     * of a device tensor, waits here before any buffer the kernel uses can be released or reused. A
     * kernel that failed on the device throws here, from the call after it, once.
     */
    public void await() {
        if (event != null) {
            cl_event kernel = event;
            event = null; // a kernel that failed is reported once
            try {
                Cl.await(kernel);
            } finally {
                clReleaseEvent(kernel);
            }
        }
    }

    /** Device time of the last kernel, from the queue's profiling events; waits for it. */
    public long nanos() {
        if (event != null) {
            lastNanos = Cl.elapsedNanos(event);
            await();
        }
        return lastNanos;
    }
}
