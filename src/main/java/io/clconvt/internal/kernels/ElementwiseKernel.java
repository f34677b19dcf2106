package io.clconvt.internal.kernels;

import io.clconvt.Activation;
import io.clconvt.DType;
import io.clconvt.Layout;
import io.clconvt.internal.opencl.ClBuffer;
import io.clconvt.internal.opencl.ClContext;
import io.clconvt.internal.opencl.KernelArguments;
import io.clconvt.internal.opencl.ProgramCache;
import io.clconvt.internal.opencl.ProgramKey;
import java.util.List;
import org.jocl.cl_event;
import org.jocl.cl_kernel;

/**
 * {@code kernels/elementwise.cl}: {@code y = f(alpha * a + beta * b)} over whole tensors, for the residual
 * sums, branch means and activations of a layer graph that no convolution fuses (one program per dtype and
 * activation), the thinning of a strided convolution computed at stride 1, and the join of a stream's window
 * with its next chunk.
 */
public final class ElementwiseKernel {
    public static final String SOURCE_FILE = "elementwise.cl";
    public static final String KERNEL_NAME = "combine";
    private static final long LOCAL_SIZE = 64;
    private static final int SPLICE_ROWS = 8;
    /** Elements a splice work-item joins (elementwise.cl's SPLICE_WIDTH). */
    private static final int SPLICE_WIDTH = 8;

    private ElementwiseKernel() {
    }

    public static final String TAKE_EVERY = "take_every";
    public static final String SPLICE = "splice";
    public static final String MEAN = "mean_rows";
    /** The inputs one mean pass sums (elementwise.cl's mean_rows). */
    public static final int MEAN_INPUTS = 4;

    public static ProgramKey program(DType dtype, Activation activation) {
        return new ProgramKey(SOURCE_FILE, KERNEL_NAME, BuildOptions.storage(dtype) + BuildOptions.activation(activation));
    }

    /**
     * Enqueues y = every {@code step}-th position of z along the length axis, for tensors of {@code batch},
     * {@code channels} and the lengths given, laid out as {@code layout}.
     */
    public static cl_event enqueueTakeEvery(ClContext context, ProgramCache programs, DType dtype, Layout layout,
            int batch, int channels, int zLength, int yLength, int step, ClBuffer z, ClBuffer y, long maxLocalSize) {
        cl_kernel kernel = programs.kernel(new ProgramKey(SOURCE_FILE, TAKE_EVERY, BuildOptions.storage(dtype)));
        programs.arguments(kernel)
                .buffer(z)
                .buffer(y)
                .integer(batch)
                .integer(channels)
                .integer(zLength)
                .integer(yLength)
                .integer(step)
                .integer(layout == Layout.NLC ? 1 : 0);
        long elements = (long) batch * channels * yLength;
        long localSize = Math.min(LOCAL_SIZE, maxLocalSize);
        long globalSize = (elements + localSize - 1) / localSize * localSize;
        return context.enqueue(kernel, TAKE_EVERY, new long[] {globalSize}, new long[] {localSize});
    }

    /**
     * Enqueues the join of {@code rows} rows into y: {@code headCount} elements of {@code head}'s row from
     * {@code headOffset} on (its rows {@code headPitch} apart; head may be null when headCount is 0), then the
     * {@code tailCount} elements of {@code tail}'s row through {@code tailActivation}; and, where {@code second}
     * is not null, a second join of the same tail, as it is, in the same kernel, split in two.
     */
    public static cl_event enqueueSplice(ClContext context, ProgramCache programs, DType dtype, int rows,
            ClBuffer head, int headPitch, int headOffset, int headCount, ClBuffer tail, int tailCount,
            Activation tailActivation, ClBuffer y, SecondJoin second, long maxLocalSize) {
        cl_kernel kernel = programs.kernel(new ProgramKey(SOURCE_FILE, SPLICE,
                BuildOptions.storage(dtype) + BuildOptions.activation(tailActivation)
                        + " -DSPLICE_WIDTH=" + SPLICE_WIDTH));
        programs.arguments(kernel)
                .buffer(head)
                .buffer(tail)
                .buffer(y)
                .integer(rows)
                .integer(headPitch)
                .integer(headOffset)
                .integer(headCount)
                .integer(tailCount)
                .real(dtype, tailActivation.slope())
                .buffer(second == null ? null : second.head())
                .buffer(second == null ? null : second.y())
                .integer(second == null ? 0 : second.headPitch())
                .integer(second == null ? 0 : second.headOffset())
                .integer(second == null ? 0 : second.headCount())
                .integer(second == null ? 0 : second.split())
                .buffer(second == null ? null : second.rest());
        int rowLength = Math.max(headCount, second == null ? 0 : second.headCount()) + tailCount;
        return enqueueRows(context, kernel, SPLICE, second == null ? rows : 2 * rows, rowLength, maxLocalSize);
    }

    /**
     * Enqueues a kernel whose work-items each take {@link #SPLICE_WIDTH} elements of one of {@code rows} rows of
     * {@code rowLength} elements (the first dimension runs along a row, the second over the rows).
     */
    private static cl_event enqueueRows(ClContext context, cl_kernel kernel, String name, int rows, int rowLength,
            long maxLocalSize) {
        long pieces = (rowLength + SPLICE_WIDTH - 1) / SPLICE_WIDTH;
        // A row's pieces, rounded up to a power of two, when fewer than 64: a push's short windows would otherwise
        // leave most of each work-group's work-items idle (a V1 push's first-stage joins: 38.5 against 55.7 us).
        long localSize = Math.min(Math.min(LOCAL_SIZE, Long.highestOneBit(2 * pieces - 1)), maxLocalSize);
        long globalSize = (pieces + localSize - 1) / localSize * localSize;
        // Up to 8 rows a work-group: a push's windows are short rows (a few dozen positions), and POCL's kernel took
        // 15-20% longer with one row a group (1.5-2.5 against 1.3-1.8 ms for a V1 push's 36 joins).
        long rowsPerGroup = Math.min(Math.min(Integer.lowestOneBit(rows), SPLICE_ROWS),
                Long.highestOneBit(Math.max(1, maxLocalSize / localSize)));
        return context.enqueue(kernel, name, new long[] {globalSize, rows}, new long[] {localSize, rowsPerGroup});
    }

    /**
     * One input of {@link #enqueueMean}: {@code count} elements of each of {@code first}'s rows from {@code offset}
     * on (its rows {@code pitch} apart), then {@code then}'s row (rows {@code thenPitch} apart; null when count covers
     * the row).
     */
    public record RowsInput(ClBuffer first, int pitch, int offset, int count, ClBuffer then, int thenPitch) {
    }

    /**
     * Enqueues {@code y = activation(scale * (the sum of the inputs))} over {@code rows} rows of {@code rowLength}
     * elements, each input's rows where {@link RowsInput} says; 1 to {@link #MEAN_INPUTS} inputs.
     */
    public static cl_event enqueueMean(ClContext context, ProgramCache programs, DType dtype, int rows,
            int rowLength, List<RowsInput> inputs, double scale, Activation activation, ClBuffer y,
            long maxLocalSize) {
        if (inputs.isEmpty() || inputs.size() > MEAN_INPUTS) {
            throw new IllegalArgumentException("a mean pass takes 1 to " + MEAN_INPUTS + " inputs, got "
                    + inputs.size());
        }
        cl_kernel kernel = programs.kernel(new ProgramKey(SOURCE_FILE, MEAN, BuildOptions.storage(dtype)
                + BuildOptions.activation(activation) + " -DSPLICE_WIDTH=" + SPLICE_WIDTH));
        KernelArguments arguments = programs.arguments(kernel)
                .integer(rows)
                .integer(rowLength)
                .integer(inputs.size());
        for (int i = 0; i < MEAN_INPUTS; i++) {
            RowsInput input = i < inputs.size() ? inputs.get(i) : null;
            arguments.buffer(input == null ? null : input.first())
                    .integer(input == null ? 0 : input.pitch())
                    .integer(input == null ? 0 : input.offset())
                    .integer(input == null ? 0 : input.count())
                    .buffer(input == null ? null : input.then())
                    .integer(input == null ? 0 : input.thenPitch());
        }
        arguments.real(dtype, scale)
                .real(dtype, activation.slope())
                .buffer(y);
        return enqueueRows(context, kernel, MEAN, rows, rowLength, maxLocalSize);
    }

    /**
     * The second join of {@link #enqueueSplice}: {@code headCount} elements of {@code head}'s row from
     * {@code headOffset} on (rows {@code headPitch} apart; head null when headCount is 0), then the tail; each joined
     * row's first {@code split} elements into y's row, the others into rest's (null when split is the whole row).
     */
    public record SecondJoin(ClBuffer head, int headPitch, int headOffset, int headCount, ClBuffer y, int split,
            ClBuffer rest) {
    }

    /** Enqueues {@code y = activation(alpha * a + beta * b)} over {@code elements}, {@code b} null for none. */
    public static cl_event enqueue(ClContext context, ProgramCache programs, DType dtype, int elements, ClBuffer a,
            double alpha, ClBuffer b, double beta, Activation activation, ClBuffer y, long maxLocalSize) {
        cl_kernel kernel = programs.kernel(program(dtype, activation));
        programs.arguments(kernel)
                .buffer(a)
                .buffer(b)
                .buffer(y)
                .integer(elements)
                .real(dtype, alpha)
                .real(dtype, beta)
                .real(dtype, activation.slope());
        long localSize = Math.min(LOCAL_SIZE, maxLocalSize);
        long globalSize = (elements + localSize - 1) / localSize * localSize;
        return context.enqueue(kernel, KERNEL_NAME, new long[] {globalSize}, new long[] {localSize});
    }
}
