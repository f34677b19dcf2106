// The sum over batch and length of each channel (the bias gradient):
//
//   S[c] = sum_n sum_l T[n, c, l],   T (N, C, L) or (N, L, C)
//
// Shapes are runtime arguments, so one program per dtype and layout serves every tensor. Both kernels
// accumulate explicit vectors of VECTOR lanes (a CPU implementation's native vector): each lane sums
// its share of the N * L values in order, so every partial sum is within gamma(N * L / lanes) of exact
// (gamma(N * L) where the lanes are channels).
#include "storage.cl"

#ifndef VECTOR
#define VECTOR 16
#endif

typedef CONCAT(REAL_NAME, VECTOR) realv;

// NCL: a work-item per channel, its lanes along the channel's contiguous rows; the lanes are added
// pairwise at the end.
__kernel void channel_sum_rows(
    __global const store_t* restrict t,  // (N, C, L)
    __global store_t* restrict s,        // (C)
    const int batch,
    const int channels,
    const int length)
{
    const int c = get_global_id(0);
    if (c >= channels) {
        return;
    }
    realv lanes = (realv)0;
    real tail = 0;
    const int whole = length / VECTOR * VECTOR;
    for (int n = 0; n < batch; ++n) {
        __global const store_t* row = t + ((long)n * channels + c) * length;
        for (int l = 0; l < whole; l += VECTOR) {
            lanes += VLOADN(VECTOR, 0, row + l);
        }
        for (int l = whole; l < length; ++l) {
            tail += LOAD(row, l);
        }
    }
    real partial[VECTOR];
    CONCAT(vstore, VECTOR)(lanes, 0, partial);
    for (int width = VECTOR / 2; width > 0; width /= 2) {
        for (int l = 0; l < width; ++l) {
            partial[l] += partial[l + width];
        }
    }
    STORE(s, c, partial[0] + tail);
}

// NLC: a work-item per VECTOR consecutive channels, one lane per channel, the channels of one position
// being one contiguous vector.
__kernel void channel_sum_columns(
    __global const store_t* restrict t,  // (N, L, C)
    __global store_t* restrict s,        // (C)
    const int batch,
    const int channels,
    const int length)
{
    const int c0 = get_global_id(0) * VECTOR;
    if (c0 >= channels) {
        return;
    }
    const long positions = (long)batch * length;
    if (c0 + VECTOR <= channels) {
        realv lanes = (realv)0;
        for (long p = 0; p < positions; ++p) {
            lanes += VLOADN(VECTOR, 0, t + p * channels + c0);
        }
        VSTOREN(VECTOR, lanes, 0, s + c0);
    } else {
        // The last channels, fewer than a vector: one at a time, so that no load leaves the tensor.
        for (int c = c0; c < channels; ++c) {
            real sum = 0;
            for (long p = 0; p < positions; ++p) {
                sum += LOAD(t, p * channels + c);
            }
            STORE(s, c, sum);
        }
    }
}
