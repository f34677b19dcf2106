// 1-D convolution (PyTorch's Conv1d), one work-item per output element (direct gather): the
// implementation that runs every call, whatever its stride, padding mode or window. Stride-1 calls that read
// only zeros beyond the input run as transposed convolutions instead (Conv1dProblem.asTransposed), on the
// specialised kernels of that operation.
//
// out[n, co, t] = bias[co] + sum over ci in co's group and taps k of
//                 xpad[n, ci, t * stride + k * dilation - padLeft] * w[co, ci % groupIn, k]
//
// Padded position j reads the input as source_position says (PyTorch's padding_mode). Every shape is a
// runtime argument, so one program per dtype and activation serves every call.
#include "storage.cl"
#include "activation.cl"

#define PADDING_ZEROS 0
#define PADDING_REFLECT 1
#define PADDING_REPLICATE 2
#define PADDING_CIRCULAR 3

// The input position padded position j reads, or -1 for a zero; the host has checked each mode's limits
// (reflect: padding < length, circular: padding <= length).
inline long source_position(long j, int length, int mode) {
    if (j >= 0 && j < length) {
        return j;
    }
    switch (mode) {
    case PADDING_REFLECT:
        return j < 0 ? -j : 2L * (length - 1) - j;
    case PADDING_REPLICATE:
        return j < 0 ? 0 : length - 1;
    case PADDING_CIRCULAR:
        return j < 0 ? j + length : j - length;
    default:
        return -1;
    }
}

__kernel void conv1d(
    __global const store_t* restrict x,     // (N, Cin, Lin) or (N, Lin, Cin)
    __global const store_t* restrict w,     // (Cout, Cin / groups, K)
    __global const store_t* restrict bias,  // (Cout), or NULL
    __global store_t* restrict y,           // (N, Cout, Lout) or (N, Lout, Cout)
    const int batch,
    const int inChannels,
    const int outChannels,
    const int inputLength,
    const int outputLength,
    const int kernelSize,
    const int stride,
    const int dilation,
    const int padLeft,
    const int groups,
    const int channelsLast,              // 1 for NLC, 0 for NCL
    const int paddingMode,               // PADDING_ZEROS ... PADDING_CIRCULAR
    const real slope                     // the leaky ReLU's negative slope (unused by other activations)
    RESIDUAL_ARGUMENTS)
{
    const long gid = get_global_id(0);
    if (gid >= (long)batch * outChannels * outputLength) {
        return;
    }
    int n, co, t;
    if (channelsLast) {
        co = (int)(gid % outChannels);
        const long rest = gid / outChannels;
        t = (int)(rest % outputLength);
        n = (int)(rest / outputLength);
    } else {
        t = (int)(gid % outputLength);
        const long rest = gid / outputLength;
        co = (int)(rest % outChannels);
        n = (int)(rest / outChannels);
    }
    const int groupIn = inChannels / groups;
    const int group = co / (outChannels / groups);
    const int channelStride = channelsLast ? 1 : inputLength;
    const int positionStride = channelsLast ? inChannels : 1;
    __global const store_t* xGroup = x + (long)n * inChannels * inputLength + (long)group * groupIn * channelStride;
    __global const store_t* wOut = w + (long)co * groupIn * kernelSize;

    real acc = bias ? LOAD(bias, co) : (real)0;
    const long first = (long)t * stride - padLeft;
    for (int k = 0; k < kernelSize; ++k) {
        const long i = source_position(first + (long)k * dilation, inputLength, paddingMode);
        if (i < 0) {
            continue;
        }
        __global const store_t* xTap = xGroup + i * positionStride;
        for (int c = 0; c < groupIn; ++c) {
            acc += ACTIVATE_INPUT(LOAD(xTap, (long)c * channelStride), real) * LOAD(wOut, c * kernelSize + k);
        }
    }
    STORE_OUTPUT(y, gid, ACTIVATE_ACCUMULATOR(acc, slope, real));
}
