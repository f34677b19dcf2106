// 1-D transposed convolution, one work-item per output element (direct gather).
//
// out[n, co, o] = bias[co] + sum over ci in co's group, and taps k with
//                 i * stride + k * dilation - padLeft == o, of x[n, ci, i] * w[ci, co % groupOut, k]
//
// Tap enumeration: with t = o + padLeft, tap k hits o exactly when k * dilation == t (mod stride).
// Let g = gcd(stride, dilation). No tap hits unless g divides t; then the hitting taps are
// k0, k0 + stride/g, k0 + 2*stride/g, ... with k0 = (t/g) * inverse(dilation/g) mod (stride/g),
// and the input position falls by dilation/g per step. The loop therefore visits only the taps
// that contribute, with no division or modulo inside it.
//
// The result then goes through activation.cl's epilogue (the activation chosen at build time, and a
// residual input where RESIDUAL asks for one). Tensors are
// read and written through storage.cl's LOAD/STORE, so the storage type is a build option (STORAGE).
#include "storage.cl"
#include "activation.cl"

__kernel void conv_transpose1d(
    __global const store_t* restrict x,     // (N, Cin, Lin) or (N, Lin, Cin)
    __global const store_t* restrict w,     // (Cin, Cout / groups, K)
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
    const int phaseGcd,                  // gcd(stride, dilation)
    const int dilationInverse,           // inverse of dilation/g modulo stride/g (0 when stride/g == 1)
    const real slope                     // the leaky ReLU's negative slope (unused by other activations)
    RESIDUAL_ARGUMENTS)
{
    const long gid = get_global_id(0);
    if (gid >= (long)batch * outChannels * outputLength) {
        return;
    }
    int n, co, o;
    if (channelsLast) {
        co = (int)(gid % outChannels);
        const long rest = gid / outChannels;
        o = (int)(rest % outputLength);
        n = (int)(rest / outputLength);
    } else {
        o = (int)(gid % outputLength);
        const long rest = gid / outputLength;
        co = (int)(rest % outChannels);
        n = (int)(rest / outChannels);
    }
    const int groupOut = outChannels / groups;
    const int groupIn = inChannels / groups;
    const int group = co / groupOut;

    real acc = bias ? LOAD(bias, co) : (real)0;
    const long t = (long)o + padLeft;
    if (t % phaseGcd == 0) {
        const int tapStep = stride / phaseGcd;
        const int inputStep = dilation / phaseGcd;
        // long: k + tapStep can pass INT_MAX when K and the stride are both large.
        long k = ((t / phaseGcd) % tapStep) * dilationInverse % tapStep;
        long i = (t - (long)k * dilation) / stride;
        if (i >= inputLength) {
            const long skip = (i - inputLength) / inputStep + 1;
            k = min((long)kernelSize, k + skip * tapStep);
            i -= skip * inputStep;
        }
        const int channelStride = channelsLast ? 1 : inputLength;
        const int positionStride = channelsLast ? inChannels : 1;
        const int weightChannelStride = groupOut * kernelSize;
        __global const store_t* xGroup = x + (long)n * inChannels * inputLength
                                        + (long)group * groupIn * channelStride;
        __global const store_t* wGroup = w + ((long)group * groupIn * groupOut + (co - group * groupOut)) * kernelSize;
        for (; k < kernelSize && i >= 0; k += tapStep, i -= inputStep) {
            __global const store_t* xTap = xGroup + i * positionStride;
            __global const store_t* wTap = wGroup + k;
            for (int c = 0; c < groupIn; ++c) {
                acc += ACTIVATE_INPUT(LOAD(xTap, c * channelStride), real) * LOAD(wTap, c * weightChannelStride);
            }
        }
    }
    STORE_OUTPUT(y, gid, ACTIVATE_ACCUMULATOR(acc, slope, real));
}
