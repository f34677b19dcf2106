// dst (N, C, L) = src (N, L, C) with its last two axes swapped, element bits copied unchanged: the weight
// gradient runs channels-last tensors through its channels-first kernels, whose vector lanes need
// consecutive positions. ELEMENT is an unsigned integer type of the dtype's size (ushort, uint or ulong),
// so no value is converted and every NaN payload survives.
//
// One work-item per element; dimension 0 runs along src's contiguous channels, which a CPU implementation
// loads as vectors. The host launches work-groups of 8 channels x 16 positions: a group's stores fill 8 whole
// 64-byte lines of dst, and 8 lines L elements apart fit one set of the first-level cache even where L is a
// power of two (work-groups of 16 x 1 took 190 ms for a (1, 8192, 256) float tensor).
#ifndef ELEMENT
#define ELEMENT uint
#endif

__kernel void swap_last_axes(
    __global const ELEMENT* restrict src,  // (N, L, C)
    __global ELEMENT* restrict dst,        // (N, C, L)
    const int channels,
    const int length)
{
    const int c = get_global_id(0);
    const int l = get_global_id(1);
    const int n = get_global_id(2);
    if (c >= channels || l >= length) {
        return;
    }
    const long sample = (long)n * channels * length;
    dst[sample + (long)c * length + l] = src[sample + (long)l * channels + c];
}
