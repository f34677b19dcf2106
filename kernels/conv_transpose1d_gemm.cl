// 1-D transposed convolution as an implicit GEMM per stride phase, tiled the way tuned OpenCL GEMMs
// are (CLBlast's Xgemm names its parameters the same way): for GPUs, and selectable everywhere.
//
// Work in t-space, t = o + padLeft = q * STRIDE + r. The taps of phase r are k0, k0 + tapStep, ...
// (tapStep = STRIDE / gcd(STRIDE, DILATION)), and tap j of row q reads input i = q - off0 - j * inputStep.
// So phase r is a GEMM: M = output channels of a group, N = rows q, reduction = the group's input
// channels x the phase's taps; A = the packed weights (Cin, K, weightGroupOut), B = the input rows.
//
// A work-group computes an MWG x NWG tile (channels x rows) of one (sample, group, phase) with
// MDIMC x NDIMC work-items; each keeps (MWG / MDIMC) x (NWG / NDIMC) accumulators in registers, as
// vectors of VW channels. Per step of KWG input channels it stages their input rows, halo included,
// in local memory once, then per tap the KWG x MWG weights, and accumulates rank-KWG updates. Input
// positions outside the input are skipped, never multiplied as zeros: a NaN or Inf weight must not
// reach outputs it does not touch.
//
// Work-item (tid_n, tid_m) owns rows q0 + tid_n + ni * NDIMC and channel vectors
// m0 + (mv * MDIMC + tid_m) * VW, so that neighbouring work-items read neighbouring local words.
// Every tunable has a default, so the file compiles with no options; lengths and channel counts are
// runtime arguments.
#include "conv_transpose1d_prelude.cl"

#ifndef MWG
#define MWG 32
#endif
#ifndef NWG
#define NWG 32
#endif
#ifndef KWG
#define KWG 16
#endif
#ifndef MDIMC
#define MDIMC 8
#endif
#ifndef NDIMC
#define NDIMC 8
#endif
#ifndef VW
#define VW 4
#endif

// real, REAL_NAME, CONCAT, store_t and the LOAD/STORE macros come from storage.cl. The slabs in local
// memory hold reals: a 16-bit tensor is widened once, when it is staged.
#if VW == 1
typedef real vec;
#define VLOAD_LOCAL(pointer) (*(pointer))
#else
typedef CONCAT(REAL_NAME, VW) vec;
#define VLOAD_LOCAL(pointer) CONCAT(vload, VW)(0, pointer)
#endif

#define MWI_VECTORS (MWG / (MDIMC * VW))  // channel vectors per work-item
#define NWI (NWG / NDIMC)                 // rows per work-item
#define WORK_GROUP (MDIMC * NDIMC)
#define INPUT_ROWS (NWG + REACH)  // input rows one tile needs per channel

__kernel __attribute__((reqd_work_group_size(NDIMC, MDIMC, 1)))
void conv_transpose1d_gemm(CONV_TRANSPOSE1D_ARGUMENTS)
{
    __local real inputSlab[KWG * INPUT_ROWS];
    __local real weightSlab[KWG * MWG];

    const int tidN = get_local_id(0);
    const int tidM = get_local_id(1);
    const int localId = tidM * NDIMC + tidN;
    const int slice = get_global_id(2);          // (sample, group, phase)
    const int r = slice % STRIDE;
    const int group = (slice / STRIDE) % groups;
    const int n = slice / STRIDE / groups;
    const int groupIn = inChannels / groups;
    const int groupOut = outChannels / groups;
    const int q0 = padLeft / STRIDE + (int)get_group_id(0) * NWG;
    const int m0 = (int)get_group_id(1) * MWG;

    // The phase's taps: first tap k0, count, and steps (all uniform across the work-group).
    int phaseGcd = STRIDE;
    for (int b = DILATION; b != 0;) {
        const int rest = phaseGcd % b;
        phaseGcd = b;
        b = rest;
    }
    const int tapStep = STRIDE / phaseGcd;
    const int inputStep = DILATION / phaseGcd;
    int k0 = KERNEL_SIZE;
    for (int k = KERNEL_SIZE - 1; k >= 0; --k) {
        if ((k * DILATION) % STRIDE == r) {
            k0 = k;
        }
    }
    const int taps = k0 < KERNEL_SIZE ? (KERNEL_SIZE - 1 - k0) / tapStep + 1 : 0;
    const int firstOffset = k0 < KERNEL_SIZE ? (k0 * DILATION - r) / STRIDE : 0;
    // Input position of slab row 0: row c of the tile at tap j reads slab row c + (taps - 1 - j) * inputStep.
    const int slabBase = q0 - firstOffset - max(taps - 1, 0) * inputStep;

    vec acc[MWI_VECTORS * NWI];
    #pragma unroll
    for (int mv = 0; mv < MWI_VECTORS; ++mv) {
        vec start = (vec)0;
        if (bias) {
            #pragma unroll
            for (int lane = 0; lane < VW; ++lane) {
                const int m = m0 + (mv * MDIMC + tidM) * VW + lane;
                if (m < groupOut) {
                    ((real*)&start)[lane] = LOAD(bias, group * groupOut + m);
                }
            }
        }
        #pragma unroll
        for (int ni = 0; ni < NWI; ++ni) {
            acc[mv * NWI + ni] = start;
        }
    }

#if CHANNELS_LAST
    __global const store_t* xSample = x + (long)n * inputLength * inChannels + (long)group * groupIn;
    const long channelStride = 1;
    const long positionStride = inChannels;
#else
    __global const store_t* xSample = x + ((long)n * inChannels + (long)group * groupIn) * inputLength;
    const long channelStride = inputLength;
    const long positionStride = 1;
#endif

    for (int c0 = 0; taps > 0 && c0 < groupIn; c0 += KWG) { // a phase without taps is bias only
        const int channels = min(KWG, groupIn - c0);
        barrier(CLK_LOCAL_MEM_FENCE); // the previous step's readers are done with both slabs
        for (int index = localId; index < KWG * INPUT_ROWS; index += WORK_GROUP) {
            const int channel = index / INPUT_ROWS;
            const int i = slabBase + (index - channel * INPUT_ROWS);
            inputSlab[index] = (channel < channels && i >= 0 && i < inputLength)
                    ? ACTIVATE_INPUT(LOAD(xSample, (c0 + channel) * channelStride + i * positionStride), real) : (real)0;
        }
        for (int j = 0; j < taps; ++j) {
            const int k = k0 + j * tapStep;
            barrier(CLK_LOCAL_MEM_FENCE); // the previous tap's readers are done with the weight slab
            for (int index = localId; index < KWG * MWG; index += WORK_GROUP) {
                const int channel = index / MWG;
                weightSlab[index] = channel < channels
                        ? LOAD(weight, ((long)(group * groupIn + c0 + channel) * KERNEL_SIZE + k)
                                                 * weightGroupOut + m0 + (index - channel * MWG))
                        : (real)0;
            }
            barrier(CLK_LOCAL_MEM_FENCE);

            const int slabShift = (taps - 1 - j) * inputStep;
            bool inside[NWI];
            #pragma unroll
            for (int ni = 0; ni < NWI; ++ni) {
                const int i = q0 + tidN + ni * NDIMC - firstOffset - j * inputStep;
                inside[ni] = i >= 0 && i < inputLength;
            }
            for (int channel = 0; channel < channels; ++channel) {
                vec w[MWI_VECTORS];
                #pragma unroll
                for (int mv = 0; mv < MWI_VECTORS; ++mv) {
                    w[mv] = VLOAD_LOCAL(weightSlab + channel * MWG + (mv * MDIMC + tidM) * VW);
                }
                #pragma unroll
                for (int ni = 0; ni < NWI; ++ni) {
                    if (inside[ni]) {
                        const vec input = (vec)inputSlab[channel * INPUT_ROWS + tidN + ni * NDIMC + slabShift];
                        #pragma unroll
                        for (int mv = 0; mv < MWI_VECTORS; ++mv) {
                            acc[mv * NWI + ni] = fma(input, w[mv], acc[mv * NWI + ni]);
                        }
                    }
                }
            }
        }
    }

    #pragma unroll
    for (int ni = 0; ni < NWI; ++ni) {
        const long o = (long)(q0 + tidN + ni * NDIMC) * STRIDE + r - padLeft;
        if (o < 0 || o >= outputLength) {
            continue;
        }
        #pragma unroll
        for (int mv = 0; mv < MWI_VECTORS; ++mv) {
            #pragma unroll
            for (int lane = 0; lane < VW; ++lane) {
                const int m = m0 + (mv * MDIMC + tidM) * VW + lane;
                if (m < groupOut) {
                    const long co = (long)group * groupOut + m;
                    const real value = ((const real*)&acc[mv * NWI + ni])[lane];
#if CHANNELS_LAST
                    STORE_OUTPUT(y, ((long)n * outputLength + o) * outChannels + co, ACTIVATE_ACCUMULATOR(value, slope, real));
#else
                    STORE_OUTPUT(y, ((long)n * outChannels + co) * outputLength + o, ACTIVATE_ACCUMULATOR(value, slope, real));
#endif
                }
            }
        }
    }
}
