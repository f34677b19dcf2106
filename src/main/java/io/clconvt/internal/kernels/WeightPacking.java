package io.clconvt.internal.kernels;

import io.clconvt.DType;
import io.clconvt.Tensor;
import io.clconvt.internal.ApiAccess;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.Validation;
import java.util.Arrays;

/** Repacks a weight (Cin, Cout / groups, K) into the layouts the tiled and gemm kernels read. */
final class WeightPacking {
    /** Where element (ci, co, k) of the weight goes in a packed layout. */
    interface PackedIndex {
        int of(int ci, int co, int k);
    }

    private interface Move {
        void move(int to, int from);
    }

    private WeightPacking() {
    }

    /** The output channels of a group rounded up to whole tiles of {@code tile}. */
    static int paddedGroupOut(ConvProblem problem, int tile) {
        return (problem.groupOutChannels() + tile - 1) / tile * tile;
    }

    /** The weight in a layout of {@code shape}, zero where {@code index} puts no element. */
    static Tensor pack(Tensor weight, ConvProblem problem, int[] shape, PackedIndex index) {
        int elements = Validation.toIntExact("packed weight elements", Arrays.stream(shape).asLongStream()
                .reduce(1, (a, b) -> a * b));
        if (weight.dtype() == DType.FLOAT32) {
            float[] source = ApiAccess.floatData(weight);
            float[] target = new float[elements];
            forEachIndex(problem, index, (to, from) -> target[to] = source[from]);
            return ApiAccess.wrap(target, shape);
        }
        if (weight.dtype().isHalf()) {
            short[] source = ApiAccess.shortData(weight);
            short[] target = new short[elements]; // zero bits: +0 in both 16-bit formats
            forEachIndex(problem, index, (to, from) -> target[to] = source[from]);
            return ApiAccess.wrapHalf(weight.dtype(), target, shape);
        }
        double[] source = ApiAccess.doubleData(weight);
        double[] target = new double[elements];
        forEachIndex(problem, index, (to, from) -> target[to] = source[from]);
        return ApiAccess.wrap(target, shape);
    }

    private static void forEachIndex(ConvProblem problem, PackedIndex index, Move move) {
        int groupOut = problem.groupOutChannels();
        int kernelSize = problem.kernelSize();
        for (int ci = 0; ci < problem.inChannels(); ci++) {
            for (int co = 0; co < groupOut; co++) {
                for (int k = 0; k < kernelSize; k++) {
                    move.move(index.of(ci, co, k), (ci * groupOut + co) * kernelSize + k);
                }
            }
        }
    }
}
