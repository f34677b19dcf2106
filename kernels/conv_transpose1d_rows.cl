// 1-D transposed convolution with the vector along the output rows, for NCL tensors.
//
// The same t-space rows as conv_transpose1d_tiled.cl: t = o + padLeft = q * STRIDE + r, and tap k of
// input i lands on row q = i + (k * DILATION) / STRIDE, phase r = (k * DILATION) % STRIDE. Here a vector
// holds ROW_VECTOR consecutive rows q of one phase of one output channel, and a work-item keeps every
// phase of TILE_CHANNELS channels: a tap is one multiply-add of a broadcast weight and a vector of
// consecutive inputs (one unaligned load per row offset, shared by every channel and tap at that
// offset). Where a group has few output channels (depthwise, small groups) the tiled variant's channel
// vector would be mostly empty or its stores scattered over channels; here the phases of a vector
// interleave into ROW_VECTOR * STRIDE consecutive outputs of one channel, stored as whole vectors.
//
// Input positions outside the input are skipped by a per-lane select, never multiplied as zeros, so a
// NaN or Inf weight reaches only the outputs it touches. Tensors go through storage.cl and activations
// through activation.cl, as in the other kernels; the signature is the tiled kernel's, with the weight
// in its given layout (Cin, Cout / groups, K), so weightGroupOut is Cout / groups.
#include "conv_transpose1d_prelude.cl"

#ifndef TILE_CHANNELS
#define TILE_CHANNELS 1
#endif
#ifndef ROW_VECTOR
#define ROW_VECTOR 16
#endif

typedef CONCAT(REAL_NAME, ROW_VECTOR) vec;
// select() takes a mask of integers as wide as the reals.
#if STORAGE == 1
#define LANE_NAME long
#else
#define LANE_NAME int
#endif
typedef LANE_NAME lane_t;
typedef CONCAT(LANE_NAME, ROW_VECTOR) lanes;
#define VLOAD(p) VLOADN(ROW_VECTOR, 0, p)
#define VSTORE(v, p) VSTORE_OUTPUT(ROW_VECTOR, v, 0, p)
#define LANE(v, j) (((real*)&(v))[j])

__kernel void conv_transpose1d_rows(CONV_TRANSPOSE1D_ARGUMENTS)
{
    const int rowBlock = get_global_id(0);
    const int channelBlock = get_global_id(1);
    const int n = get_global_id(2);
    const int groupIn = inChannels / groups;
    const int groupOut = weightGroupOut; // the weight is used as given
    const int blocksPerGroup = (groupOut + TILE_CHANNELS - 1) / TILE_CHANNELS;
    const int group = channelBlock / blocksPerGroup;
    const int firstChannel = (channelBlock - group * blocksPerGroup) * TILE_CHANNELS; // within the group
    const int firstRow = padLeft / STRIDE + rowBlock * ROW_VECTOR;
    const long firstOutput = (long)firstRow * STRIDE - padLeft;
    if (firstOutput >= outputLength) {
        return; // padding of the rounded-up global size
    }
    const int channels = min(TILE_CHANNELS, groupOut - firstChannel);

    vec acc[TILE_CHANNELS * STRIDE];
    #pragma unroll
    for (int c = 0; c < TILE_CHANNELS; ++c) {
        const vec start = (vec)(bias && c < channels ? LOAD(bias, group * groupOut + firstChannel + c) : (real)0);
        #pragma unroll
        for (int r = 0; r < STRIDE; ++r) {
            acc[c * STRIDE + r] = start;
        }
    }

    // Lane j of the vector m rows back reads input firstRow - m + j; valid[m] marks those in the input.
    // Interior blocks (every lane of every offset in the input) load whole vectors; the others load lane
    // by lane, and their invalid lanes read nothing.
    lanes lane;
    #pragma unroll
    for (int j = 0; j < ROW_VECTOR; ++j) {
        ((lane_t*)&lane)[j] = j;
    }
    const bool interior = firstRow - REACH >= 0 && firstRow + ROW_VECTOR <= inputLength;
    lanes valid[REACH + 1];
    #pragma unroll
    for (int m = 0; m <= REACH; ++m) {
        const lanes position = lane + (firstRow - m);
        valid[m] = (position >= 0) & (position < inputLength);
    }
    const int lastChannel = max(channels - 1, 0);
    for (int channel = 0; channel < groupIn; ++channel) {
        const int ci = group * groupIn + channel;
        __global const store_t* xRow = x + ((long)n * inChannels + ci) * inputLength;
        vec window[REACH + 1];
        #pragma unroll
        for (int m = 0; m <= REACH; ++m) {
            if (interior) {
                window[m] = ACTIVATE_INPUT(VLOAD(xRow + firstRow - m), vec);
            } else {
                #pragma unroll
                for (int j = 0; j < ROW_VECTOR; ++j) {
                    const int position = firstRow - m + j;
                    LANE(window[m], j) = position >= 0 && position < inputLength ? ACTIVATE_INPUT(LOAD(xRow, position), real) : (real)0;
                }
            }
        }
        __global const store_t* taps = weight + ((long)ci * groupOut + firstChannel) * KERNEL_SIZE;
        #pragma unroll
        for (int c = 0; c < TILE_CHANNELS; ++c) {
            // A channel beyond the group's reads the last real one; its results are never stored.
            __global const store_t* channelTaps = taps + min(c, lastChannel) * KERNEL_SIZE;
            #pragma unroll
            for (int k = 0; k < KERNEL_SIZE; ++k) {
                const int a = c * STRIDE + (k * DILATION) % STRIDE;
                const int m = (k * DILATION) / STRIDE;
                const vec product = fma(window[m], (vec)LOAD(channelTaps, k), acc[a]);
                acc[a] = select(acc[a], product, valid[m]);
            }
        }
    }

    #pragma unroll
    for (int a = 0; a < TILE_CHANNELS * STRIDE; ++a) {
        acc[a] = ACTIVATE_ACCUMULATOR(acc[a], slope, vec);
    }

    // The block's outputs are ROW_VECTOR * STRIDE consecutive positions per channel, position
    // firstOutput + j * STRIDE + r in lane j of phase r: interleaved into vectors when all of them are
    // in the output, else stored one by one.
    const bool whole = firstOutput >= 0 && firstOutput + ROW_VECTOR * STRIDE <= outputLength;
    #pragma unroll
    for (int c = 0; c < TILE_CHANNELS; ++c) {
        if (c >= channels) {
            continue;
        }
        __global store_t* out = y + ((long)n * outChannels + group * groupOut + firstChannel + c) * outputLength
                + firstOutput;
        if (whole) {
            #pragma unroll
            for (int chunk = 0; chunk < STRIDE; ++chunk) {
                vec v;
                #pragma unroll
                for (int l = 0; l < ROW_VECTOR; ++l) {
                    const int e = chunk * ROW_VECTOR + l;
                    LANE(v, l) = LANE(acc[c * STRIDE + e % STRIDE], e / STRIDE);
                }
                VSTORE(v, out + chunk * ROW_VECTOR);
            }
        } else {
            #pragma unroll
            for (int e = 0; e < ROW_VECTOR * STRIDE; ++e) {
                if (firstOutput + e >= 0 && firstOutput + e < outputLength) {
                    STORE_OUTPUT(out, e, LANE(acc[c * STRIDE + e % STRIDE], e / STRIDE));
                }
            }
        }
    }
}
