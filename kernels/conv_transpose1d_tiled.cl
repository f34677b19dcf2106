// 1-D transposed convolution, register-tiled and specialised on the shape of the code.
//
// Work in "t-space", the full (unpadded) output: t = o + padLeft. Write t = q * STRIDE + r. Tap k of
// input position i lands on t = i * STRIDE + k * DILATION, so for every k the phase r and the row
// offset are compile-time constants:
//     r(k) = (k * DILATION) % STRIDE,   i = q - (k * DILATION) / STRIDE.
// A work-item owns TILE_ROWS consecutive rows q (each row is STRIDE outputs, one per phase) for
// TILE_CHANNELS output channels of one group, keeps all of them in registers while it reduces over
// the group's input channels, and visits exactly the taps that contribute: no division, modulo or
// phase test inside the loops, and uniform, fully unrolled trip counts.
//
// TILE_PHASES < STRIDE (a divisor of it; DILATION 1 only) splits a row's phases across work-items: a
// work-item keeps TILE_PHASES consecutive phases of TILE_ROWS rows. At a large stride this is what
// lets a work-item hold more rows, and each weight vector it loads then feeds TILE_ROWS multiply-adds
// instead of the few that rows x STRIDE accumulators would leave room for.
//
// PHASE_SHIFT s in [0, STRIDE) (every phase in the work-item) starts each tile s positions later in
// t-space, at phase s. The host sets s = padLeft % STRIDE where that aligns the transposed stores: a
// tile then begins at output position rowTile * TILE_ROWS * STRIDE rather than s before it, and with a
// padding that is not a multiple of the stride every vector store would otherwise straddle two cache
// lines (grouped_up's kernel ran 1.06x slower so). Accumulator a is t = firstRow * STRIDE + s + a:
// phase (s + a) % STRIDE, row (s + a) / STRIDE, so the tile spans one row more.
//
// TILE_CHANNELS == 1 is the "phase" variant (scalar, one channel; suits depthwise layers, where a
// group has one output channel). TILE_CHANNELS > 1 is the "tiled" variant: the channel tile is one
// vector, so each tap is one broadcast-multiply-add; the weights are packed on the host as
// (weightGroupOut / TILE_CHANNELS, Cin, K, TILE_CHANNELS), weightGroupOut a multiple of TILE_CHANNELS:
// a tap's weights are one contiguous vector load, and everything one work-item reads of the weight is
// one contiguous slab, so a group of several tiles does not bring the other tiles' halves of each
// cache line into the cache with it.
//
// Before the stores every accumulator goes through activation.cl's epilogue (the activation chosen at
// build time, and a residual input where RESIDUAL asks for one). Tensors are read and written through
// storage.cl's LOAD/STORE/VLOADN/VSTOREN, so the storage type is a build option (STORAGE); the
// accumulators are real.
#include "conv_transpose1d_prelude.cl"

#ifndef TILE_CHANNELS
#define TILE_CHANNELS 8
#endif
#ifndef TILE_ROWS
#define TILE_ROWS 4
#endif
#ifndef TILE_PHASES
#define TILE_PHASES STRIDE
#endif
#ifndef PHASE_SHIFT
#define PHASE_SHIFT 0
#endif
#define PHASE_BLOCKS (STRIDE / TILE_PHASES)
#define ACCUMULATORS (TILE_ROWS * TILE_PHASES)

#if TILE_CHANNELS == 1
typedef real vec;
#define VLOAD(offset, pointer) LOAD(pointer, offset)
#else
typedef CONCAT(REAL_NAME, TILE_CHANNELS) vec;
#define VLOAD(offset, pointer) VLOADN(TILE_CHANNELS, offset, pointer)
#define VSTORE(v, offset, pointer) VSTORE_OUTPUT(TILE_CHANNELS, v, offset, pointer)
#endif

// Transposing a square block of vectors: one round moves element (row a, lane c) to row
// (c0, a >> 1), lane (a0, c >> 1) (a0, c0 the lowest bits), which rotates the index bits (a | c) right
// by one; log2(TILE_CHANNELS) rounds rotate them by half, a transpose. Each new vector is the even or
// odd lanes of two old ones: one two-source shuffle.
#define TRANSPOSED_STORES (TILE_CHANNELS > 1 && TILE_PHASES == STRIDE && ACCUMULATORS % TILE_CHANNELS == 0)
#if TILE_CHANNELS == 2
#define TRANSPOSE_ROUNDS 1
#elif TILE_CHANNELS == 4
#define TRANSPOSE_ROUNDS 2
#elif TILE_CHANNELS == 8
#define TRANSPOSE_ROUNDS 3
#else
#define TRANSPOSE_ROUNDS 4
#endif
#define TRANSPOSE(t) \
    _Pragma("unroll") \
    for (int round = 0; round < TRANSPOSE_ROUNDS; ++round) { \
        vec u[TILE_CHANNELS]; \
        _Pragma("unroll") \
        for (int i = 0; i < TILE_CHANNELS / 2; ++i) { \
            u[i] = (vec)(t[2 * i].even, t[2 * i + 1].even); \
            u[TILE_CHANNELS / 2 + i] = (vec)(t[2 * i].odd, t[2 * i + 1].odd); \
        } \
        _Pragma("unroll") \
        for (int i = 0; i < TILE_CHANNELS; ++i) { \
            t[i] = u[i]; \
        } \
    }

// The input window one tile needs per channel. A shifted tile's rows: its accumulators run from phase PHASE_SHIFT of the first to phase
// PHASE_SHIFT - 1 of one row past the last.
#define ROW_SPAN (TILE_ROWS + (PHASE_SHIFT > 0))
#define WINDOW (ROW_SPAN + REACH)

// One input channel's contribution to a tile: the window of inputs xWindow[j * positionStride] for
// j in [0, WINDOW) times the channel's packed taps. When guarded, slots outside [validFrom, validTo) are
// beyond the input: not read, and their taps skipped.
// Inlined so that acc stays in registers and each call site keeps its own constant "guarded".
__attribute__((always_inline)) inline void accumulateChannel(vec* acc, __global const store_t* xWindow,
        const long positionStride, __global const store_t* taps, const int firstPhase,
        const int validFrom, const int validTo, const bool guarded)
{
    real window[WINDOW];
    #pragma unroll
    for (int j = 0; j < WINDOW; ++j) {
        window[j] = !guarded || (j >= validFrom && j < validTo) ? LOAD(xWindow, j * positionStride) : (real)0;
    }
#if PHASE_BLOCKS == 1
    #pragma unroll
    for (int k = 0; k < KERNEL_SIZE; ++k) {
        const vec w = VLOAD(0, taps + k * TILE_CHANNELS);
        #pragma unroll
        for (int row = 0; row < ROW_SPAN; ++row) {
            const int a = row * STRIDE + (k * DILATION) % STRIDE - PHASE_SHIFT;
            const int j = REACH + row - (k * DILATION) / STRIDE;
            if (a >= 0 && a < ACCUMULATORS && (!guarded || (j >= validFrom && j < validTo))) {
                acc[a] = fma((vec)window[j], w, acc[a]);
            }
        }
    }
#else
    // DILATION 1: the taps of phase r are k = r + m * STRIDE, m rows back.
    #pragma unroll
    for (int p = 0; p < TILE_PHASES; ++p) {
        #pragma unroll
        for (int m = 0; m < (KERNEL_SIZE + STRIDE - 1) / STRIDE; ++m) {
            const int k = firstPhase + p + m * STRIDE;
            if (KERNEL_SIZE % STRIDE == 0 || k < KERNEL_SIZE) {
                const vec w = VLOAD(0, taps + k * TILE_CHANNELS);
                #pragma unroll
                for (int row = 0; row < TILE_ROWS; ++row) {
                    const int a = row * TILE_PHASES + p;
                    const int j = REACH + row - m;
                    if (!guarded || (j >= validFrom && j < validTo)) {
                        acc[a] = fma((vec)window[j], w, acc[a]);
                    }
                }
            }
        }
    }
#endif
}

__kernel void conv_transpose1d_tiled(CONV_TRANSPOSE1D_ARGUMENTS)
{
    const int rowTile = get_global_id(0);
    const int n = get_global_id(2);
    const int groupIn = inChannels / groups;
    const int groupOut = outChannels / groups;
    const int tilesPerGroup = weightGroupOut / TILE_CHANNELS;
    // Dimension 1 enumerates the channel tiles of every group once per phase block.
    const int channelTile = get_global_id(1) % (groups * tilesPerGroup);
#if PHASE_BLOCKS == 1
    const int firstPhase = 0;
#else
    const int firstPhase = get_global_id(1) / (groups * tilesPerGroup) * TILE_PHASES;
#endif
    const int group = channelTile / tilesPerGroup;
    const int firstChannel = (channelTile - group * tilesPerGroup) * TILE_CHANNELS; // within the group
    const int firstRow = padLeft / STRIDE + rowTile * TILE_ROWS;
    // Accumulator a (a row * TILE_PHASES + p when not shifted) is output position firstOutput + POSITION(a).
    const long firstOutput = (long)firstRow * STRIDE + PHASE_SHIFT + firstPhase - padLeft;
    if (firstOutput >= outputLength) {
        return; // padding of the rounded-up global size
    }

    // Lanes are indexed with compile-time constants only (unrolled, guarded loops): a runtime lane
    // index would force the accumulators out of registers.
    const int channels = min(TILE_CHANNELS, groupOut - firstChannel);
    const int firstOutChannel = group * groupOut + firstChannel;
    vec start = (vec)0;
#if TILE_CHANNELS > 1
    // A whole tile's bias is one vector load: lane by lane, each insert waits on the last, and in narrow
    // groups (grouped_up: 1024 multiply-adds per work-item) that chain took 5% of the kernel's time.
    if (bias && channels == TILE_CHANNELS) {
        start = VLOAD(0, bias + firstOutChannel);
    } else
#endif
    if (bias) {
        #pragma unroll
        for (int c = 0; c < TILE_CHANNELS; ++c) {
            if (c < channels) {
                ((real*)&start)[c] = LOAD(bias, firstOutChannel + c);
            }
        }
    }
    vec acc[ACCUMULATORS];
    #pragma unroll
    for (int a = 0; a < ACCUMULATORS; ++a) {
        acc[a] = start;
    }

    // Window slots [validFrom, validTo) hold real input positions. A tap that would read a slot beyond
    // the input is skipped rather than multiplied by a zero: 0 * NaN or 0 * Inf in the weight would
    // otherwise reach outputs that weight never touches. Only tiles at the input's ends have such slots,
    // and they get a loop of their own: the compiler turns each guard into a branch, which in every tile
    // cost as much as the multiply-adds it guarded.
    const int firstInput = firstRow - REACH;
    const int validFrom = clamp(-firstInput, 0, WINDOW);
    const int validTo = clamp(inputLength - firstInput, 0, WINDOW);
#if CHANNELS_LAST
    __global const store_t* xFirst = x + (long)n * inputLength * inChannels + (long)firstInput * inChannels;
    const long channelStride = 1;
    const long positionStride = inChannels;
#else
    __global const store_t* xFirst = x + (long)n * inChannels * inputLength + firstInput;
    const long channelStride = inputLength;
    const long positionStride = 1;
#endif
    // This channel tile's slab of the packed weight.
    __global const store_t* weightFirst =
            weight + (long)(firstChannel / TILE_CHANNELS) * inChannels * KERNEL_SIZE * TILE_CHANNELS;
    const long weightStride = (long)KERNEL_SIZE * TILE_CHANNELS;
    if (validFrom == 0 && validTo == WINDOW) {
        for (int ci = group * groupIn; ci < (group + 1) * groupIn; ++ci) {
            accumulateChannel(acc, xFirst + ci * channelStride, positionStride, weightFirst + ci * weightStride,
                    firstPhase, 0, WINDOW, false);
        }
    } else {
        for (int ci = group * groupIn; ci < (group + 1) * groupIn; ++ci) {
            accumulateChannel(acc, xFirst + ci * channelStride, positionStride, weightFirst + ci * weightStride,
                    firstPhase, validFrom, validTo, true);
        }
    }

    #pragma unroll
    for (int a = 0; a < ACCUMULATORS; ++a) {
        acc[a] = ACTIVATE_ACCUMULATOR(acc[a], slope, vec);
    }

    // With every phase in the tile, its accumulators are TILE_ROWS * STRIDE consecutive positions.
#define POSITION(a) ((long)((a) / TILE_PHASES) * STRIDE + (a) % TILE_PHASES) // rows x a stride of up to 2^31
#if CHANNELS_LAST
    // Position-major: each position's channel tile is one contiguous vector.
    #pragma unroll
    for (int a = 0; a < ACCUMULATORS; ++a) {
        const long o = firstOutput + POSITION(a);
        if (o < 0 || o >= outputLength) {
            continue;
        }
        __global store_t* out = y + ((long)n * outputLength + o) * outChannels + firstOutChannel;
#if TILE_CHANNELS > 1
        if (channels == TILE_CHANNELS) {
            VSTORE(acc[a], 0, out);
            continue;
        }
#endif
        #pragma unroll
        for (int c = 0; c < TILE_CHANNELS; ++c) {
            if (c < channels) {
                STORE_OUTPUT(out, c, ((const real*)&acc[a])[c]);
            }
        }
    }
#else
#if TRANSPOSED_STORES
    // A whole tile with every phase is, per channel, ACCUMULATORS consecutive positions: square blocks of
    // TILE_CHANNELS accumulators are transposed in registers and stored as one vector per channel,
    // instead of TILE_CHANNELS * ACCUMULATORS scalar stores (which cost as much as a narrow group's whole
    // reduction).
    if (channels == TILE_CHANNELS && firstOutput >= 0 && firstOutput + ACCUMULATORS <= outputLength) {
        #pragma unroll
        for (int block = 0; block < ACCUMULATORS / TILE_CHANNELS; ++block) {
            vec t[TILE_CHANNELS];
            #pragma unroll
            for (int i = 0; i < TILE_CHANNELS; ++i) {
                t[i] = acc[block * TILE_CHANNELS + i];
            }
            TRANSPOSE(t);
            #pragma unroll
            for (int c = 0; c < TILE_CHANNELS; ++c) {
                VSTORE(t[c], 0, y + ((long)n * outChannels + firstOutChannel + c) * outputLength + firstOutput
                        + block * TILE_CHANNELS);
            }
        }
        return;
    }
#endif
    // Channel-major: each channel's positions are contiguous, so stores stream through one row at a
    // time instead of touching TILE_CHANNELS rows per position.
    #pragma unroll
    for (int c = 0; c < TILE_CHANNELS; ++c) {
        if (c >= channels) {
            continue;
        }
        __global store_t* out = y + ((long)n * outChannels + firstOutChannel + c) * outputLength + firstOutput;
        #pragma unroll
        for (int a = 0; a < ACCUMULATORS; ++a) {
            if (firstOutput + POSITION(a) >= 0 && firstOutput + POSITION(a) < outputLength) {
                STORE_OUTPUT(out, POSITION(a), ((const real*)&acc[a])[c]);
            }
        }
    }
#endif
}
