// The two ceilings of a roofline, measured on the device itself.
//
// peak_flops: independent chains of vector multiply-adds kept in registers, so the arithmetic units
// never wait for memory or for a previous result. copy: a streaming copy, one read and one write per
// element, so it runs at the memory bandwidth the device can sustain.

// The host sizes the probe to the device: WIDTH is its native float vector and CHAINS as many
// independent accumulators as its register file holds beside the two constants.

#ifndef CHAINS
#define CHAINS 8
#endif
#ifndef WIDTH
#define WIDTH 16
#endif

#define CONCAT_(a, b) a##b
#define CONCAT(a, b) CONCAT_(a, b)
#if WIDTH == 1
typedef float floatn;
#else
typedef CONCAT(float, WIDTH) floatn;
#endif

__kernel void peak_flops(
    __global float* restrict sink,   // one value per work-item, so the work cannot be optimised away
    const int iterations,            // multiply-adds per chain
    const float scale)               // slightly below 1, keeps the values finite
{
    const size_t gid = get_global_id(0);
    floatn chain[CHAINS];
    #pragma unroll
    for (int c = 0; c < CHAINS; ++c) {
        chain[c] = (floatn)((float)(gid + c) * 1e-3f);
    }
    const floatn multiplier = (floatn)scale;
    const floatn addend = (floatn)(1.0f - scale);
    for (int i = 0; i < iterations; ++i) {
        #pragma unroll
        for (int c = 0; c < CHAINS; ++c) {
            chain[c] = fma(chain[c], multiplier, addend);
        }
    }
    floatn total = chain[0];
    #pragma unroll
    for (int c = 1; c < CHAINS; ++c) {
        total += chain[c];
    }
    float sum = 0.0f;
    #pragma unroll
    for (int lane = 0; lane < WIDTH; ++lane) {
        sum += ((const float*)&total)[lane];
    }
    sink[gid] = sum;
}

__kernel void copy(
    __global const float4* restrict source,
    __global float4* restrict target)
{
    const size_t i = get_global_id(0);
    target[i] = source[i];
}
