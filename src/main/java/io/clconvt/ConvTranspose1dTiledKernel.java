package io.clconvt;

import static org.jocl.CL.clEnqueueNDRangeKernel;

import org.jocl.cl_event;
import org.jocl.cl_kernel;

/**
 * Host launcher of {@code kernels/conv_transpose1d_tiled.cl}, which serves the {@code phase} variant
 * (one channel per work-item) and the {@code tiled} variant (a vector of channels per work-item). The
 * program is specialised by build options on what fixes the code's shape (K, stride, dilation, tile,
 * layout, dtype); lengths and channel counts stay runtime arguments, so a new length never rebuilds.
 */
final class ConvTranspose1dTiledKernel {
    static final String SOURCE_FILE = "conv_transpose1d_tiled.cl";
    private static final String KERNEL_NAME = "conv_transpose1d_tiled";
    /** Beyond these the fully unrolled loops stop paying: such layers use the direct variant. */
    static final int MAX_KERNEL_SIZE = 64;
    static final int MAX_ACCUMULATORS = 128;

    private ConvTranspose1dTiledKernel() {
    }

    static boolean supports(ConvProblem problem, LaunchPlan plan) {
        return problem.kernelSize() <= MAX_KERNEL_SIZE
                && plan.tileRows() * problem.stride() <= MAX_ACCUMULATORS;
    }

    /** The output channels of a group rounded up to whole channel tiles. */
    static int packedGroupOut(ConvProblem problem, LaunchPlan plan) {
        int tile = plan.tileChannels();
        return (problem.groupOutChannels() + tile - 1) / tile * tile;
    }

    /** Names the packed weight layout, for the device weight cache. */
    static String packing(ConvProblem problem, LaunchPlan plan) {
        return "tiled:" + packedGroupOut(problem, plan);
    }

    /**
     * The weight (Cin, Cout/groups, K) repacked as (Cin, K, packedGroupOut), zero-padded, so that one
     * tap's channel tile is a contiguous vector.
     */
    static Tensor pack(Tensor weight, ConvProblem problem, LaunchPlan plan) {
        int packed = packedGroupOut(problem, plan);
        int[] shape = {problem.inChannels(), problem.kernelSize(), packed};
        int elements = Validation.toIntExact("packed weight elements",
                (long) problem.inChannels() * problem.kernelSize() * packed);
        if (weight.dtype() == DType.FLOAT32) {
            float[] source = weight.floatData();
            float[] target = new float[elements];
            forEachPackedIndex(problem, packed, (to, from) -> target[to] = source[from]);
            return Tensor.wrap(target, shape);
        }
        if (weight.dtype().isHalf()) {
            short[] source = weight.shortData();
            short[] target = new short[elements]; // zero bits: +0 in both 16-bit formats
            forEachPackedIndex(problem, packed, (to, from) -> target[to] = source[from]);
            return Tensor.wrapHalf(weight.dtype(), target, shape);
        }
        double[] source = weight.doubleData();
        double[] target = new double[elements];
        forEachPackedIndex(problem, packed, (to, from) -> target[to] = source[from]);
        return Tensor.wrap(target, shape);
    }

    private interface Move {
        void move(int to, int from);
    }

    private static void forEachPackedIndex(ConvProblem problem, int packed, Move move) {
        int groupOut = problem.groupOutChannels();
        int kernelSize = problem.kernelSize();
        for (int ci = 0; ci < problem.inChannels(); ci++) {
            for (int co = 0; co < groupOut; co++) {
                for (int k = 0; k < kernelSize; k++) {
                    move.move((ci * kernelSize + k) * packed + co, (ci * groupOut + co) * kernelSize + k);
                }
            }
        }
    }

    static String options(ConvProblem problem, LaunchPlan plan) {
        return ConvTranspose1dKernel.storageOption(problem)
                + " -DKERNEL_SIZE=" + problem.kernelSize()
                + " -DSTRIDE=" + problem.stride()
                + " -DDILATION=" + problem.dilation()
                + " -DTILE_CHANNELS=" + plan.tileChannels()
                + " -DTILE_ROWS=" + plan.tileRows()
                + " -DCHANNELS_LAST=" + (problem.layout() == Layout.NLC ? 1 : 0)
                + ConvTranspose1dKernel.activationOption(problem);
    }

    /** Enqueues {@code problem} into {@code y}; {@code packedWeight} comes from {@link #pack}. */
    static cl_event enqueue(ClContext context, ProgramCache programs, ConvProblem problem, LaunchPlan plan,
            ClBuffer x, ClBuffer packedWeight, ClBuffer bias, ClBuffer y) {
        cl_kernel kernel = programs.kernel(SOURCE_FILE, KERNEL_NAME, options(problem, plan));
        int packed = packedGroupOut(problem, plan);
        new KernelArguments(kernel)
                .buffer(x)                              // x
                .buffer(packedWeight)                   // packedWeight
                .buffer(bias)                           // bias, NULL when absent
                .buffer(y)                              // y
                .integer(problem.inChannels())          // inChannels
                .integer(problem.outChannels())         // outChannels
                .integer(problem.groups())              // groups
                .integer(problem.inputLength())         // inputLength
                .integer(problem.outputLength())        // outputLength
                .integer(problem.padLeft())             // padLeft
                .integer(packed)                        // packedGroupOut
                .real(problem.dtype(), problem.activation().slope()); // slope
        // Rows of t-space (stride outputs each) that hold at least one output position.
        long firstRow = problem.padLeft() / problem.stride();
        long lastRow = ((long) problem.padLeft() + problem.outputLength() - 1) / problem.stride();
        long rowTiles = (lastRow - firstRow + plan.tileRows()) / plan.tileRows();
        long local = plan.localSize();
        long[] global = {
            (rowTiles + local - 1) / local * local,
            (long) problem.groups() * (packed / plan.tileChannels()),
            problem.batch()};
        cl_event event = new cl_event();
        Cl.check(clEnqueueNDRangeKernel(context.queue(), kernel, 3, null, global, new long[] {local, 1, 1}, 0, null,
                event), "clEnqueueNDRangeKernel(" + KERNEL_NAME + ")");
        return event;
    }
}
