package io.clconvt.internal.opencl;

import static org.jocl.CL.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.jocl.Pointer;
import org.jocl.cl_event;
import org.jocl.cl_mem;

/**
 * Host transfers through two pinned staging buffers, for devices whose memory is not the host's (discrete
 * GPUs), when {@value #CHUNK_PROPERTY} asks for them. A Java array is pageable memory that the garbage
 * collector may move: a driver copies it through a pinned bounce buffer of its own, one transfer at a time.
 * Here the copy into pinned memory is ours, chunk by chunk into two buffers allocated with
 * {@code CL_MEM_ALLOC_HOST_PTR} and kept mapped, so that the copy of one chunk on the host overlaps the
 * device's transfer of the previous one (NVIDIA's OpenCL best-practices guide: transfers from pinned memory at
 * up to twice the bandwidth of pageable ones, and copy engines that run beside the host).
 *
 * <p>Off unless asked for: no GPU was available to time it, and on a device whose memory is the host's (POCL)
 * it is one copy more. The tests force it on POCL. Oclgrind 21.10 cannot run it: it aborted in an internal
 * assertion (a kernel starting while another ran) once these non-blocking transfers were waited on, probably
 * because JOCL hands every non-blocking transfer to a thread of its own that waits too, and Oclgrind runs its
 * queue in whichever thread waits.
 *
 * <p>Not thread-safe: each context's transfers run under its backend's lock.
 */
final class PinnedStaging implements AutoCloseable {
    /** Staging with chunks of this many bytes (a multiple of 8; 4 MiB is a good start), or none when unset or 0. */
    static final String CHUNK_PROPERTY = "clconvt.pinnedStagingBytes";

    private final ClContext context;
    private final int chunkBytes;
    private final Stage[] stages = new Stage[2];
    private boolean closed;

    /** One pinned buffer, its mapped host memory, and the transfer that last used it (null when none). */
    private static final class Stage {
        cl_mem memory;
        ByteBuffer mapped;
        cl_event pending;
    }

    /**
     * The chunk size {@value #CHUNK_PROPERTY} asks for, 0 for none.
     *
     * @throws IllegalArgumentException if it is not 0 or a positive multiple of 8
     */
    static int chunkBytes() {
        String setting = System.getProperty(CHUNK_PROPERTY);
        if (setting == null || setting.isBlank()) {
            return 0;
        }
        int bytes;
        try {
            bytes = Integer.parseInt(setting.trim());
        } catch (NumberFormatException e) {
            bytes = -1;
        }
        if (bytes < 0 || bytes % Double.BYTES != 0) {
            throw new IllegalArgumentException(CHUNK_PROPERTY + " must be 0 or a positive multiple of 8, got '"
                    + setting + "'");
        }
        return bytes;
    }

    PinnedStaging(ClContext context, int chunkBytes) {
        this.context = context;
        this.chunkBytes = chunkBytes;
        try {
            for (int i = 0; i < stages.length; i++) {
                stages[i] = stage();
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private Stage stage() {
        Stage stage = new Stage();
        int[] status = new int[1];
        stage.memory = clCreateBuffer(context.context(), CL_MEM_ALLOC_HOST_PTR | CL_MEM_READ_WRITE, chunkBytes, null,
                status);
        Cl.check(status[0], "clCreateBuffer(" + chunkBytes + " bytes, CL_MEM_ALLOC_HOST_PTR)");
        ByteBuffer mapped = clEnqueueMapBuffer(context.queue(), stage.memory, CL_TRUE, CL_MAP_READ | CL_MAP_WRITE, 0,
                chunkBytes, 0, null, null, status);
        if (status[0] != CL_SUCCESS) {
            clReleaseMemObject(stage.memory);
            stage.memory = null;
            Cl.check(status[0], "clEnqueueMapBuffer");
        }
        stage.mapped = mapped.order(ByteOrder.nativeOrder());
        return stage;
    }

    /** Copies {@code bytes} of {@code array} (a float[], double[] or short[]) into {@code target} from its start. */
    void write(Object array, long bytes, cl_mem target) {
        long chunks = (bytes + chunkBytes - 1) / chunkBytes;
        for (long i = 0; i < chunks; i++) {
            Stage stage = stages[(int) (i % 2)];
            settle(stage); // its previous chunk has left it
            long offset = i * chunkBytes;
            int length = (int) Math.min(chunkBytes, bytes - offset);
            copy(array, offset, stage.mapped, length, true);
            cl_event event = new cl_event();
            Cl.check(clEnqueueWriteBuffer(context.queue(), target, CL_FALSE, offset, length, Pointer.to(stage.mapped), 0,
                    null, event), "clEnqueueWriteBuffer");
            stage.pending = event;
        }
    }

    /**
     * Copies {@code bytes} of {@code source} from its start into {@code array} (a float[], double[] or short[])
     * from byte {@code arrayOffset}: each chunk's read is queued before the previous one is copied out.
     */
    void read(cl_mem source, long bytes, Object array, long arrayOffset) {
        long chunks = (bytes + chunkBytes - 1) / chunkBytes;
        for (long i = 0; i <= chunks; i++) {
            if (i < chunks) {
                Stage stage = stages[(int) (i % 2)];
                settle(stage);
                long offset = i * chunkBytes;
                int length = (int) Math.min(chunkBytes, bytes - offset);
                cl_event event = new cl_event();
                Cl.check(clEnqueueReadBuffer(context.queue(), source, CL_FALSE, offset, length,
                        Pointer.to(stage.mapped), 0, null, event), "clEnqueueReadBuffer");
                stage.pending = event;
            }
            if (i > 0) {
                Stage previous = stages[(int) ((i - 1) % 2)];
                settle(previous);
                long offset = (i - 1) * chunkBytes;
                copy(array, arrayOffset + offset, previous.mapped, (int) Math.min(chunkBytes, bytes - offset), false);
            }
        }
    }

    /**
     * Waits for the stage's last transfer, which reports a failure once. The flush first hands the device
     * everything queued since, the next chunk's transfer too, which then runs while the host copies.
     */
    private void settle(Stage stage) {
        if (stage.pending != null) {
            Cl.check(clFlush(context.queue()), "clFlush");
            cl_event event = stage.pending;
            stage.pending = null;
            try {
                Cl.await(event);
            } finally {
                clReleaseEvent(event);
            }
        }
    }

    /** Copies {@code length} bytes between {@code array} at byte {@code arrayOffset} and the start of {@code mapped}. */
    private static void copy(Object array, long arrayOffset, ByteBuffer mapped, int length, boolean toStage) {
        ByteBuffer view = mapped.duplicate().order(ByteOrder.nativeOrder());
        view.clear();
        if (array instanceof float[] floats) {
            int from = (int) (arrayOffset / Float.BYTES);
            if (toStage) {
                view.asFloatBuffer().put(floats, from, length / Float.BYTES);
            } else {
                view.asFloatBuffer().get(floats, from, length / Float.BYTES);
            }
        } else if (array instanceof double[] doubles) {
            int from = (int) (arrayOffset / Double.BYTES);
            if (toStage) {
                view.asDoubleBuffer().put(doubles, from, length / Double.BYTES);
            } else {
                view.asDoubleBuffer().get(doubles, from, length / Double.BYTES);
            }
        } else if (array instanceof short[] shorts) {
            int from = (int) (arrayOffset / Short.BYTES);
            if (toStage) {
                view.asShortBuffer().put(shorts, from, length / Short.BYTES);
            } else {
                view.asShortBuffer().get(shorts, from, length / Short.BYTES);
            }
        } else {
            throw new IllegalArgumentException("not a float[], double[] or short[]: " + array);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Stage stage : stages) {
            if (stage == null || stage.memory == null) {
                continue;
            }
            try {
                settle(stage);
            } catch (RuntimeException e) {
                // the transfer's failure was the caller's to see; the stage is released regardless
            }
            clEnqueueUnmapMemObject(context.queue(), stage.memory, stage.mapped, 0, null, null);
            clFinish(context.queue());
            clReleaseMemObject(stage.memory);
        }
    }
}
