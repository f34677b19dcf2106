// take_every: every step-th position along the length axis, y[.., t, ..] = z[.., t * step, ..], copied as stored:
// a strided convolution computed as the stride-1 one, whose fast kernels outrun a strided gather, then thinned.
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
