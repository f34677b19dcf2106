// The contract every specialised transposed-convolution kernel (tiled, rows, gemm) shares: the shape
// options that fix its loops, with defaults so that each file compiles with no options, and the one
// argument list the host sets (io.clconvt.internal.opencl.convt.SpecialisedArguments, in this order).
//
// Work in t-space, the full (unpadded) output: t = o + padLeft = q * STRIDE + r. Tap k of input i lands
// on row q = i + (k * DILATION) / STRIDE, phase r = (k * DILATION) % STRIDE.
#include "storage.cl"
#include "activation.cl"

#ifndef KERNEL_SIZE
#define KERNEL_SIZE 4
#endif
#ifndef STRIDE
#define STRIDE 2
#endif
#ifndef DILATION
#define DILATION 1
#endif
#ifndef CHANNELS_LAST
#define CHANNELS_LAST 0
#endif

// How many rows back the last tap reads.
#define REACH ((KERNEL_SIZE - 1) * DILATION / STRIDE)

// weight: in the layout the kernel's file describes; weightGroupOut: the output channels of one group in
// that layout (padded to whole tiles where the host packs the weight); bias: (Cout), or NULL;
// x, y: (N, C, L), or (N, L, C) with CHANNELS_LAST; slope: the leaky ReLU's negative slope.
#define CONV_TRANSPOSE1D_ARGUMENTS \
    __global const store_t* restrict x, \
    __global const store_t* restrict weight, \
    __global const store_t* restrict bias, \
    __global store_t* restrict y, \
    const int inChannels, \
    const int outChannels, \
    const int groups, \
    const int inputLength, \
    const int outputLength, \
    const int padLeft, \
    const int weightGroupOut, \
    const real slope \
    RESIDUAL_ARGUMENTS
