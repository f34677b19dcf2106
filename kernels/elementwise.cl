// take_every: every step-th position along the length axis, y[.., t, ..] = z[.., t * step, ..], copied as stored:
// a strided convolution computed as the stride-1 one, whose fast kernels outrun a strided gather, then thinned.
//
// splice: a stream's kept window joined with its next chunk in one pass (two rectangle copies were two commands).
//
// Element-wise work between convolutions that no convolution's epilogue can take:
// y = ACTIVATE(alpha * a + beta * b), b optional (NULL: y = ACTIVATE(alpha * a)).
// A residual sum is alpha = beta = 1, the mean of two branches alpha = beta = 1/2, an activation alone
// alpha = 1 with no b. Computed in real, stored as STORAGE says; one work-item per element.
#include "storage.cl"
#include "activation.cl"

__kernel void combine(
    __global const store_t* restrict a,
    __global const store_t* restrict b,     // or NULL
    __global store_t* restrict y,
    const int elements,
    const real alpha,
    const real beta,
    const real slope)                       // the leaky ReLU's negative slope (unused by other activations)
{
    const long i = get_global_id(0);
    if (i >= elements) {
        return;
    }
    real v = alpha * LOAD(a, i);
    if (b) {
        v += beta * LOAD(b, i);
    }
    STORE(y, i, ACTIVATE(v, slope, real));
}

// A copy moves bits: 16-bit storage as ushort, since a half may not be loaded without cl_khr_fp16.
#if STORAGE == 2 || STORAGE == 3
typedef ushort bits_t;
#else
typedef store_t bits_t;
#endif

__kernel void take_every(
    __global const bits_t* restrict z,      // (N, C, zLength) or (N, zLength, C)
    __global bits_t* restrict y,            // (N, C, yLength) or (N, yLength, C)
    const int batch,
    const int channels,
    const int zLength,
    const int yLength,
    const int step,
    const int channelsLast)
{
    const long i = get_global_id(0);
    if (i >= (long)batch * channels * yLength) {
        return;
    }
    long from;
    if (channelsLast) {
        const long c = i % channels;
        const long rest = i / channels;
        from = ((rest / yLength) * zLength + (rest % yLength) * step) * channels + c;
    } else {
        from = (i / yLength) * zLength + (i % yLength) * step;
    }
    y[i] = z[from];
}

// Each of y's rows (the positions of one channel in NCL, of one batch item in NLC; headCount + tailCount elements)
// (one per index of the second dimension below rows; the first runs along the row) is headCount elements of a's
// row from headOffset on, copied as stored (a's rows are headPitch apart), then the tailCount elements of b's row
// through ACTIVATE: a stream keeps its window activated for the convolution that reads it, so only the new chunk
// needs the activation, once. With y2 (else NULL), the second dimension's indices from rows on make a second join
// of the same tail in the same pass, copied as stored: head2Count elements of a2's row from head2Offset on (rows
// head2Pitch apart), then the tail. That is a residual block's skip queue taking each chunk its branch's first
// layer joins.
__kernel void splice(
    __global const bits_t* restrict a,      // or NULL when headCount is 0
    __global const store_t* restrict b,
    __global store_t* restrict y,
    const int rows,
    const int headPitch,
    const int headOffset,
    const int headCount,
    const int tailCount,
    const real slope,
    __global const bits_t* restrict a2,     // or NULL when head2Count is 0
    __global bits_t* restrict y2,           // or NULL for one join
    const int head2Pitch,
    const int head2Offset,
    const int head2Count)
{
    const int at = get_global_id(0);
    const int row = get_global_id(1);
    __global const bits_t* tail = (__global const bits_t*)b;
    if (row >= rows) {
        const int r = row - rows;
        const int rowLength2 = head2Count + tailCount;
        if (at < rowLength2) {
            y2[(long)r * rowLength2 + at] = at < head2Count ? a2[(long)r * head2Pitch + head2Offset + at]
                    : tail[(long)r * tailCount + at - head2Count];
        }
        return;
    }
    const int rowLength = headCount + tailCount;
    if (at >= rowLength) {
        return;
    }
    const long i = (long)row * rowLength + at;
    if (at < headCount) {
        ((__global bits_t*)y)[i] = a[(long)row * headPitch + headOffset + at];
    } else {
#if ACTIVATION == 0
        ((__global bits_t*)y)[i] = tail[(long)row * tailCount + at - headCount];
#else
        STORE(y, i, ACTIVATE(LOAD(b, (long)row * tailCount + at - headCount), slope, real));
#endif
    }
}
