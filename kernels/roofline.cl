// The two ceilings of a roofline, measured on the device itself.
//
// peak_flops: independent chains of vector multiply-adds kept in registers, so the arithmetic units
// never wait for memory or for a previous result. copy: a streaming copy, one read and one write per
// element, so it runs at the memory bandwidth the device can sustain.

#ifndef CHAINS
#define CHAINS 8
#endif

__kernel void peak_flops(
    __global float* restrict sink,   // one value per work-item, so the work cannot be optimised away
    const int iterations,            // multiply-adds per chain
    const float scale)               // slightly below 1, keeps the values finite
{
    const size_t gid = get_global_id(0);
    float16 chain[CHAINS];
    #pragma unroll
    for (int c = 0; c < CHAINS; ++c) {
        chain[c] = (float16)((float)(gid + c) * 1e-3f);
    }
    const float16 multiplier = (float16)scale;
    const float16 addend = (float16)(1.0f - scale);
    for (int i = 0; i < iterations; ++i) {
        #pragma unroll
        for (int c = 0; c < CHAINS; ++c) {
            chain[c] = fma(chain[c], multiplier, addend);
        }
    }
    float16 total = chain[0];
    #pragma unroll
    for (int c = 1; c < CHAINS; ++c) {
        total += chain[c];
    }
    sink[gid] = total.s0 + total.s1 + total.s2 + total.s3 + total.s4 + total.s5 + total.s6 + total.s7
              + total.s8 + total.s9 + total.sa + total.sb + total.sc + total.sd + total.se + total.sf;
}

__kernel void copy(
    __global const float4* restrict source,
    __global float4* restrict target)
{
    const size_t i = get_global_id(0);
    target[i] = source[i];
}
