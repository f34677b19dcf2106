package io.clconvt.internal.kernels;

import static org.jocl.CL.clReleaseEvent;

import io.clconvt.DType;
import io.clconvt.Layout;
import io.clconvt.internal.DeviceCapabilities;
import io.clconvt.internal.WeightGradientProblem;
import io.clconvt.internal.opencl.Cl;
import io.clconvt.internal.opencl.ClBuffer;
import io.clconvt.internal.opencl.ClContext;
import io.clconvt.internal.opencl.ProgramCache;
import io.clconvt.internal.opencl.ProgramKey;
import io.clconvt.internal.plan.CpuRule;
import org.jocl.cl_event;
import org.jocl.cl_kernel;

/**
 * {@code kernels/conv_weight_gradient.cl}: the weight gradient of Conv1d and ConvTranspose1d
 * ({@link WeightGradientProblem}); "the HiFi-GAN shape" below is its first upsampler's (x (1, 512, 86),
 * 256 output channels, K 16, stride 8, padding 4: A (512, 86), B (256, 688)). Shapes are runtime arguments,
 * so the programs are one per dtype and {@link Variant} (at most three per dtype on a device, and one copy
 * program per element size for NLC); the device's native vector and register file fix
 * the vector width and the register tile.
 */
public final class WeightGradientKernel {
    public static final String SOURCE_FILE = "conv_weight_gradient.cl";
    public static final String SWAP_FILE = "swap_last_axes.cl";
    public static final String SWAP_KERNEL = "swap_last_axes";
    /** The copy's work-group: 8 channels x 16 positions (see kernels/swap_last_axes.cl). */
    private static final long[] SWAP_GROUP = {8, 16, 1};

    /**
     * The dense reduction-lane tiles' macro tile: 2 x 2 register tiles per work-item, which take turns over
     * chunks of 256 positions (kernels/conv_weight_gradient.cl). On Conv1d 128 -> 128, K 3, dilation 3,
     * length 5504 (A and B 2.8 MiB each) one 4 x 5 register tile per work-item
     * took 7.8 ms, 2 x 2 of them 4.0 ms, 2 x 4 4.2, 4 x 2 4.1, 1 x 4 4.8, 4 x 4 4.3 (medians of 15, interleaved
     * in one process, POCL on the shared 2-core AVX-512 machine).
     */
    static final int SUB_ROWS = 2;
    static final int SUB_COLUMNS = 2;

    private WeightGradientKernel() {
    }

    /** The two kernels of the file; see its header for what each vectorises. */
    public enum Variant {
        /** Lanes along the reduction: the general kernel, fast where B is contiguous along it (stride 1). */
        REDUCTION("conv_weight_gradient_reduce"),
        /** Lanes along the taps: for dilation 1 and at least half a vector of taps (the transposed convolution's). */
        TAPS("conv_weight_gradient_taps");

        private final String kernelName;

        Variant(String kernelName) {
            this.kernelName = kernelName;
        }

        public String kernelName() {
            return kernelName;
        }
    }

    /**
     * A register tile of {@code rows} x {@code columns} vector accumulators of {@code vector} lanes, and the
     * {@code subRows} x {@code subColumns} of them a work-item owns (reduction lanes only; 1 x 1 for the tap
     * lanes). Columns are G's flattened (c2l, k) for {@link Variant#REDUCTION} and B channels for
     * {@link Variant#TAPS}.
     */
    public record Tile(Variant variant, int vector, int rows, int columns, int subRows, int subColumns) {
        /** A work-item's rows of G (A channels): its register tiles' rows x subRows. */
        public int macroRows() {
            return rows * subRows;
        }

        /** A work-item's columns of G: its register tiles' columns x subColumns. */
        public int macroColumns() {
            return columns * subColumns;
        }
    }

    /**
     * The rule. A tile's accumulators and one operand vector per row and per column fill the register file:
     * 4 x 5 (+ 4 + 5 = 29) with 32 vector registers (AVX-512), 2 x 4 (14) with 16. With 4 x 6 (34) the
     * compiler kept a dozen accumulators on the stack in the loop, and Conv1d 128 -> 128, K 3, dilation 3,
     * length 5504 took 11.1 ms against 7.4 ms (medians of 15, POCL on the shared 2-core AVX-512 machine, one
     * sitting). The tap lanes are taken where the taps' B positions are consecutive (dilation 1), fill at
     * least half a vector, and the groups fill the tile: on the HiFi-GAN shape of the class comment the
     * reduction lanes, which gather B with stride 8, took over ten times as long. A group of fewer A channels
     * than the tile's rows gets one row and 8 columns (depthwise layers, whose columns are the taps).
     */
    public static Tile tile(WeightGradientProblem problem, DeviceCapabilities device) {
        int vector = Math.max(2, Math.min(16, Integer.highestOneBit(CpuRule.nativeWidth(device, problem.dtype()))));
        boolean wide = CpuRule.vectorRegisters(device.nativeFloatWidth()) >= 32;
        int rows = wide ? 4 : 2;
        int columns = wide ? 5 : 4;
        if (problem.dilation() == 1 && problem.kernelSize() >= vector / 2
                && problem.aGroupChannels() >= rows && problem.bGroupChannels() >= columns) {
            return new Tile(Variant.TAPS, vector, rows, columns, 1, 1);
        }
        if (problem.aGroupChannels() < rows) {
            return new Tile(Variant.REDUCTION, vector, 1, 8, 1, 1);
        }
        return new Tile(Variant.REDUCTION, vector, rows, columns, SUB_ROWS, SUB_COLUMNS);
    }

    /** The program of {@code tile} for {@code dtype}. */
    public static ProgramKey program(DType dtype, Tile tile) {
        return new ProgramKey(SOURCE_FILE, tile.variant().kernelName(), BuildOptions.storage(dtype)
                + " -DVECTOR=" + tile.vector() + " -DTILE_M=" + tile.rows() + " -DTILE_N=" + tile.columns()
                + " -DSUB_M=" + tile.subRows() + " -DSUB_N=" + tile.subColumns());
    }

    /** The program the rule picks for {@code problem} on {@code device}. */
    public static ProgramKey program(WeightGradientProblem problem, DeviceCapabilities device) {
        return program(problem.dtype(), tile(problem, device));
    }

    /**
     * Enqueues G = the weight gradient of {@code a} and {@code b} into {@code out} (outputElements() elements of
     * the problem's dtype) with the rule's tile, and returns the kernel's event, which the caller releases.
     */
    public static cl_event enqueue(ClContext context, ProgramCache programs, WeightGradientProblem problem,
            ClBuffer a, ClBuffer b, ClBuffer out) {
        return enqueue(context, programs, problem, tile(problem, context.device().capabilities()), a, b, out);
    }

    /**
     * As {@link #enqueue(ClContext, ProgramCache, WeightGradientProblem, ClBuffer, ClBuffer, ClBuffer)} with
     * {@code tile}. NLC tensors are first copied to NCL in scratch buffers (kernels/swap_last_axes.cl): both
     * kernels' lanes need consecutive positions, and gathering them across channels made Conv1d 128 -> 128, K 3,
     * dilation 3, length 5504 take 150 ms against 4 in NCL. The scratch buffers are released once the kernel has
     * completed, so for NLC this call waits for it and returns a completed event.
     */
    public static cl_event enqueue(ClContext context, ProgramCache programs, WeightGradientProblem problem, Tile tile,
            ClBuffer a, ClBuffer b, ClBuffer out) {
        if (problem.layout() == Layout.NCL) {
            return enqueueChannelsFirst(context, programs, problem, tile, a, b, out);
        }
        int elementBytes = problem.dtype().byteSize();
        try (ClBuffer aSwapped = ClBuffer.allocate(context,
                        (long) problem.batch() * problem.aChannels() * problem.aLength() * elementBytes);
                ClBuffer bSwapped = ClBuffer.allocate(context,
                        (long) problem.batch() * problem.bChannels() * problem.bLength() * elementBytes)) {
            clReleaseEvent(swapLastAxes(context, programs, problem.dtype(), problem.batch(), problem.aLength(),
                    problem.aChannels(), a, aSwapped));
            clReleaseEvent(swapLastAxes(context, programs, problem.dtype(), problem.batch(), problem.bLength(),
                    problem.bChannels(), b, bSwapped));
            cl_event event = enqueueChannelsFirst(context, programs, problem, tile, aSwapped, bSwapped, out);
            try {
                Cl.await(event);
            } catch (RuntimeException e) {
                clReleaseEvent(event);
                throw e;
            }
            return event;
        }
    }

    /** The program of kernels/swap_last_axes.cl for {@code dtype}'s element size. */
    public static ProgramKey swapProgram(DType dtype) {
        String element = switch (dtype.byteSize()) {
            case 2 -> "ushort";
            case 4 -> "uint";
            default -> "ulong";
        };
        return new ProgramKey(SWAP_FILE, SWAP_KERNEL, "-DELEMENT=" + element);
    }

    /** Enqueues dst (batch, channels, length) = src (batch, length, channels). */
    private static cl_event swapLastAxes(ClContext context, ProgramCache programs, DType dtype, int batch, int length,
            int channels, ClBuffer source, ClBuffer target) {
        cl_kernel kernel = programs.kernel(swapProgram(dtype));
        programs.arguments(kernel)
                .buffer(source)     // src
                .buffer(target)     // dst
                .integer(channels)  // channels
                .integer(length);   // length
        return context.enqueue(kernel, SWAP_KERNEL,
                new long[] {roundUp(channels, SWAP_GROUP[0]), roundUp(length, SWAP_GROUP[1]), batch}, SWAP_GROUP);
    }

    /** The kernel on channels-first a and b, whatever the problem's layout says. */
    private static cl_event enqueueChannelsFirst(ClContext context, ProgramCache programs,
            WeightGradientProblem problem, Tile tile, ClBuffer a, ClBuffer b, ClBuffer out) {
        cl_kernel kernel = programs.kernel(program(problem.dtype(), tile));
        programs.arguments(kernel)
                .buffer(a)                                       // a
                .buffer(b)                                       // b
                .buffer(out)                                     // g
                .integer(problem.batch())                        // batch
                .integer(problem.aChannels())                    // aChannels
                .integer(problem.aLength())                      // aLength
                .integer(problem.bChannels())                    // bChannels
                .integer(problem.bLength())                      // bLength
                .integer(problem.groups())                       // groups
                .integer(problem.kernelSize())                   // kernelSize
                .integer(problem.stride())                       // stride
                .integer(problem.dilation())                     // dilation
                .integer(problem.padLeft());                     // padLeft
        long rowTiles = (long) problem.groups() * ceilDiv(problem.aGroupChannels(), tile.macroRows());
        long columnTiles = tile.variant() == Variant.TAPS
                ? ceilDiv(problem.bGroupChannels(), tile.columns()) * ceilDiv(problem.kernelSize(), tile.vector())
                : ceilDiv((long) problem.bGroupChannels() * problem.kernelSize(), tile.macroColumns());
        // No local size: a work-item is a whole register tile, and the driver groups them as it schedules best.
        return context.enqueue(kernel, tile.variant().kernelName(), new long[] {columnTiles, rowTiles}, new long[] {1, 1});
    }

    private static long roundUp(long a, long multiple) {
        return ceilDiv(a, multiple) * multiple;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
