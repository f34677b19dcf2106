// The weight gradient of a 1-D convolution or transposed convolution: one correlation serves both.
//
//   G[c1, c2l, k] = sum_n sum_{a < aLength} A[n, c1, a] * B[n, group(c1) * bGroup + c2l, a * stride + k * dilation - padLeft]
//
// group(c1) = c1 / aGroup, aGroup = aChannels / groups, bGroup = bChannels / groups; G is (aChannels, bGroup, K),
// contiguous, so G[c1, p] with p = c2l * K + k. A B position outside [0, bLength) is skipped, not read as a zero
// times the A value: a NaN or Inf in A reaches exactly the G elements whose taps land inside B (and one in B
// exactly those whose A position exists).
//
// A and B are (N, C, L), channels first (the host copies channels-last tensors first: the lanes below need
// consecutive positions). As a GEMM per group: M = aGroup rows c1, N = bGroup * K columns p, a reduction of
// R = batch * aLength products. Every shape is a runtime argument, so one program per dtype and variant serves every layer (the
// host keeps no per-shape programs, and a new length never rebuilds); the vector width and the register tile
// are build options, since they fix the accumulators a work-item keeps in registers.
//
// Two variants, both with explicit vectors of VECTOR lanes (a CPU implementation's native vector), TILE_M x
// TILE_N vector accumulators per work-item (each A vector feeds TILE_N multiply-adds, each B vector TILE_M):
//
// - reduction lanes (conv_weight_gradient_reduce): lane l accumulates the products of reduction positions
//   a = a0 + l, a0 a multiple of VECTOR, for TILE_M rows c1 x TILE_N columns p; the lanes are summed at the end.
//   Along a, A is contiguous and B is contiguous where stride == 1 (Conv1d's weight gradient), so a
//   block is one vector load per row and per column. Each lane sums R / VECTOR products in order and the
//   lanes are then added pairwise, within gamma(R / VECTOR + log2(VECTOR)) of the exact sum. A work-item
//   owns SUB_M x SUB_N register tiles (a macro tile), kept in private memory, and takes them in turn over
//   chunks of CHUNK positions: the chunk's rows of A and B are read from beyond the first-level cache once
//   per macro tile instead of once per register tile, which is what long rows (Conv1d's) are bound by.
// - tap lanes (conv_weight_gradient_taps): lane l is the tap k = k0 + l of one column c2l, for TILE_M rows c1 x
//   TILE_N channels c2l. With dilation 1 the taps' B positions are contiguous whatever the stride, so a
//   reduction step is TILE_M broadcast A values, TILE_N vector loads of B and TILE_M x TILE_N multiply-adds,
//   and the accumulators are G's contiguous rows, stored as vectors. It suits large K and stride > 1 (the
//   transposed convolution's weight gradient), where the reduction lanes would gather B with the stride and
//   pay a horizontal sum per output for few products. Each output sums its R products in order (gamma(R)).
//
// Rows and columns past the end of a tile's range are clamped to the last valid one (their accumulators
// duplicate work and are not stored), so every load is inside its tensor. Blocks whose lanes all land inside
// A and B take the unmasked path; the others select each product by its lane's validity.
#include "storage.cl"

#ifndef VECTOR
#define VECTOR 16
#endif
#ifndef TILE_M
#define TILE_M 4
#endif
#ifndef TILE_N
#define TILE_N 5
#endif
// conv_weight_gradient_reduce's macro tile: SUB_M x SUB_N register tiles per work-item, taken in turn over
// chunks of CHUNK positions.
#ifndef SUB_M
#define SUB_M 1
#endif
#ifndef SUB_N
#define SUB_N 1
#endif
#ifndef CHUNK
#define CHUNK 256
#endif
#define MACRO_M (TILE_M * SUB_M)
#define MACRO_N (TILE_N * SUB_N)

typedef CONCAT(REAL_NAME, VECTOR) realv;
#if STORAGE == 1
typedef CONCAT(long, VECTOR) maskv;
#define LANE_INDEX_T long
#else
typedef CONCAT(int, VECTOR) maskv;
#define LANE_INDEX_T int
#endif
typedef CONCAT(LANE_INDEX_T, VECTOR) lanev;

#if VECTOR == 2
#define LANES (lanev)(0, 1)
#elif VECTOR == 4
#define LANES (lanev)(0, 1, 2, 3)
#elif VECTOR == 8
#define LANES (lanev)(0, 1, 2, 3, 4, 5, 6, 7)
#elif VECTOR == 16
#define LANES (lanev)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
#else
#error "VECTOR must be 2, 4, 8 or 16"
#endif

// Pairwise sum of a vector's lanes.
inline real sum_lanes(realv v) {
#if VECTOR == 16
    const CONCAT(REAL_NAME, 8) v8 = v.lo + v.hi;
    const CONCAT(REAL_NAME, 4) v4 = v8.lo + v8.hi;
#elif VECTOR == 8
    const CONCAT(REAL_NAME, 4) v4 = v.lo + v.hi;
#endif
#if VECTOR >= 8
    const CONCAT(REAL_NAME, 2) v2 = v4.lo + v4.hi;
#elif VECTOR == 4
    const CONCAT(REAL_NAME, 2) v2 = v.lo + v.hi;
#else
    const CONCAT(REAL_NAME, 2) v2 = v;
#endif
    return v2.lo + v2.hi;
}

// x / y rounded down, y > 0.
inline long floor_div(long x, long y) {
    return x >= 0 ? x / y : -((-x + y - 1) / y);
}

// The lanes l in [0, VECTOR) whose position first + l * step (step > 0) lies in [0, limit), as the
// interval [range.x, range.y): positions grow with the lane, so the valid lanes are consecutive.
inline int2 lanes_inside(long first, long step, long limit) {
    const long lo = clamp(-floor_div(first, step), 0L, (long)VECTOR);
    const long hi = clamp(floor_div(limit - 1 - first, step) + 1, lo, (long)VECTOR);
    return (int2)((int)lo, (int)hi);
}

// Lanes inside `range` as a select mask.
inline maskv lane_mask(int2 range) {
    return (LANES >= (LANE_INDEX_T)range.x) & (LANES < (LANE_INDEX_T)range.y);
}

// VECTOR elements of p, `step` apart from element `first`, as reals; the lanes outside `range` read 0
// without touching memory. Always inlined, as every helper below: a call would make the compiler save
// every accumulator around it (all vector registers are caller-saved).
__attribute__((always_inline)) inline realv gather(__global const store_t* p, long first, long step, int2 range) {
    real lanes[VECTOR];
    #pragma unroll
    for (int l = 0; l < VECTOR; ++l) {
        lanes[l] = l >= range.x && l < range.y ? LOAD(p, first + l * step) : (real)0;
    }
    return CONCAT(vload, VECTOR)(0, lanes);
}

// How a step helper reads its lanes, a compile-time constant at each call site, so that each loop gets only
// its own code: STRIDED (every lane inside the tensors, gathered) or EDGE (lanes outside masked, products
// selected). Steps whose lanes are inside and consecutive run in the kernels' own vector-load loops.
#define STRIDED 1
#define EDGE 2

// One block of the reduction lanes: positions a0 .. a0 + VECTOR - 1 of one sample.
__attribute__((always_inline)) inline void reduce_block(realv acc[TILE_M][TILE_N], const int mode,
        __global const store_t* aSample, __global const store_t* bSample, const long* aRow, const long* bColumn,
        const int* shift, const int a0, const int aLength, const int bLength, const int stride)
{
    const long firstPosition = (long)a0 * stride;
    const int2 aInside = (int2)(0, min(VECTOR, aLength - a0));
    realv aLanes[TILE_M];
    #pragma unroll
    for (int i = 0; i < TILE_M; ++i) {
        aLanes[i] = gather(aSample, aRow[i] + a0, 1, aInside);
    }
    #pragma unroll
    for (int j = 0; j < TILE_N; ++j) {
        const long first = bColumn[j] + firstPosition + shift[j];
        if (mode == EDGE) {
            int2 inside = lanes_inside(firstPosition + shift[j], stride, bLength);
            inside.y = max(inside.x, min(inside.y, aInside.y));
            const maskv valid = lane_mask(inside);
            const realv bLanes = gather(bSample, first, stride, inside);
            #pragma unroll
            for (int i = 0; i < TILE_M; ++i) {
                acc[i][j] = select(acc[i][j], fma(aLanes[i], bLanes, acc[i][j]), valid);
            }
        } else {
            const realv bLanes = gather(bSample, first, stride, (int2)(0, VECTOR));
            #pragma unroll
            for (int i = 0; i < TILE_M; ++i) {
                acc[i][j] = fma(aLanes[i], bLanes, acc[i][j]);
            }
        }
    }
}

__kernel void conv_weight_gradient_reduce(
    __global const store_t* restrict a,  // (N, aChannels, aLength)
    __global const store_t* restrict b,  // (N, bChannels, bLength)
    __global store_t* restrict g,        // (aChannels, bChannels / groups, K)
    const int batch,
    const int aChannels,
    const int aLength,
    const int bChannels,
    const int bLength,
    const int groups,
    const int kernelSize,
    const int stride,
    const int dilation,
    const int padLeft)
{
    const int aGroup = aChannels / groups;
    const int bGroup = bChannels / groups;
    const int columns = bGroup * kernelSize;
    const int mTiles = (aGroup + MACRO_M - 1) / MACRO_M;
    const int n0 = get_global_id(0) * MACRO_N;
    const int group = get_global_id(1) / mTiles;
    const int m0 = (get_global_id(1) % mTiles) * MACRO_M;
    if (n0 >= columns || group >= groups) {
        return;
    }

    long aRow[MACRO_M];
    for (int i = 0; i < MACRO_M; ++i) {
        aRow[i] = (long)(group * aGroup + min(m0 + i, aGroup - 1)) * aLength;
    }
    // Column j reads B channel bColumn[j] at position a * stride + shift[j].
    long bColumn[MACRO_N];
    int shift[MACRO_N];
    int minShift = INT_MAX;
    int maxShift = INT_MIN;
    for (int j = 0; j < MACRO_N; ++j) {
        const int p = min(n0 + j, columns - 1);
        bColumn[j] = (long)(group * bGroup + p / kernelSize) * bLength;
        shift[j] = (p % kernelSize) * dilation - padLeft;
        minShift = min(minShift, shift[j]);
        maxShift = max(maxShift, shift[j]);
    }
    // The blocks whose lanes all land inside A and, for every column, inside B: [interiorFirst, interiorEnd),
    // as block indices (a0 = block * VECTOR).
    const int blocks = (aLength + VECTOR - 1) / VECTOR;
    const long firstA = max(0L, -floor_div(minShift, stride));
    const int interiorFirst = (int)min((long)blocks, (firstA + VECTOR - 1) / VECTOR);
    const long lastA = min((long)aLength - VECTOR, floor_div((long)bLength - 1 - maxShift, stride) - (VECTOR - 1));
    const int interiorEnd = max(interiorFirst, lastA < 0 ? 0 : (int)(lastA / VECTOR) + 1);
    const int contiguous = stride == 1;

    // Every register tile's accumulators, in private memory between chunks; a tile's are in registers (tile)
    // while it works on a chunk.
    realv acc[SUB_M][SUB_N][TILE_M][TILE_N];
    for (int si = 0; si < SUB_M; ++si) {
        for (int sj = 0; sj < SUB_N; ++sj) {
            #pragma unroll
            for (int i = 0; i < TILE_M; ++i) {
                #pragma unroll
                for (int j = 0; j < TILE_N; ++j) {
                    acc[si][sj][i][j] = (realv)0;
                }
            }
        }
    }
    realv tile[TILE_M][TILE_N];
    for (int n = 0; n < batch; ++n) {
        __global const store_t* aSample = a + (long)n * aChannels * aLength;
        __global const store_t* bSample = b + (long)n * bChannels * bLength;
        // CHUNK positions at a time, every register tile in turn: the chunk's rows and columns stay in the
        // first-level cache while each tile reads them, so a macro tile reads A and B from farther caches once.
        for (int chunk = interiorFirst; chunk < interiorEnd; chunk += CHUNK / VECTOR) {
            const int chunkEnd = min(interiorEnd, chunk + CHUNK / VECTOR);
            #pragma unroll 1
            for (int si = 0; si < SUB_M; ++si) {
                #pragma unroll 1
                for (int sj = 0; sj < SUB_N; ++sj) {
                    #pragma unroll
                    for (int i = 0; i < TILE_M; ++i) {
                        #pragma unroll
                        for (int j = 0; j < TILE_N; ++j) {
                            tile[i][j] = acc[si][sj][i][j];
                        }
                    }
                    const long* tileRows = aRow + si * TILE_M;
                    const long* tileColumns = bColumn + sj * TILE_N;
                    const int* tileShifts = shift + sj * TILE_N;
                    if (contiguous) {
                        // The hot loop: each row's and column's pointer set once, so that a step is its vector
                        // loads and multiply-adds with no address arithmetic beyond one offset.
                        __global const store_t* aPointer[TILE_M];
                        #pragma unroll
                        for (int i = 0; i < TILE_M; ++i) {
                            aPointer[i] = aSample + tileRows[i];
                        }
                        __global const store_t* bPointer[TILE_N];
                        #pragma unroll
                        for (int j = 0; j < TILE_N; ++j) {
                            bPointer[j] = bSample + tileColumns[j] + tileShifts[j];
                        }
                        for (int a0 = chunk * VECTOR; a0 < chunkEnd * VECTOR; a0 += VECTOR) {
                            realv aLanes[TILE_M];
                            #pragma unroll
                            for (int i = 0; i < TILE_M; ++i) {
                                aLanes[i] = VLOADN(VECTOR, 0, aPointer[i] + a0);
                            }
                            #pragma unroll
                            for (int j = 0; j < TILE_N; ++j) {
                                const realv bLanes = VLOADN(VECTOR, 0, bPointer[j] + a0);
                                #pragma unroll
                                for (int i = 0; i < TILE_M; ++i) {
                                    tile[i][j] = fma(aLanes[i], bLanes, tile[i][j]);
                                }
                            }
                        }
                    } else {
                        for (int block = chunk; block < chunkEnd; ++block) {
                            reduce_block(tile, STRIDED, aSample, bSample, tileRows, tileColumns, tileShifts,
                                         block * VECTOR, aLength, bLength, stride);
                        }
                    }
                    #pragma unroll
                    for (int i = 0; i < TILE_M; ++i) {
                        #pragma unroll
                        for (int j = 0; j < TILE_N; ++j) {
                            acc[si][sj][i][j] = tile[i][j];
                        }
                    }
                }
            }
        }
        // The blocks with lanes outside A or B, register tile by register tile.
        #pragma unroll 1
        for (int si = 0; si < SUB_M; ++si) {
            #pragma unroll 1
            for (int sj = 0; sj < SUB_N; ++sj) {
                #pragma unroll
                for (int i = 0; i < TILE_M; ++i) {
                    #pragma unroll
                    for (int j = 0; j < TILE_N; ++j) {
                        tile[i][j] = acc[si][sj][i][j];
                    }
                }
                for (int block = 0; block < blocks; ++block) {
                    if (block == interiorFirst) {
                        block = interiorEnd;
                        if (block == blocks) {
                            break;
                        }
                    }
                    reduce_block(tile, EDGE, aSample, bSample, aRow + si * TILE_M, bColumn + sj * TILE_N,
                                 shift + sj * TILE_N, block * VECTOR, aLength, bLength, stride);
                }
                #pragma unroll
                for (int i = 0; i < TILE_M; ++i) {
                    #pragma unroll
                    for (int j = 0; j < TILE_N; ++j) {
                        acc[si][sj][i][j] = tile[i][j];
                    }
                }
            }
        }
    }
    for (int i = 0; i < MACRO_M; ++i) {
        if (m0 + i < aGroup) {
            const long row = (long)(group * aGroup + m0 + i) * columns;
            for (int j = 0; j < MACRO_N; ++j) {
                if (n0 + j < columns) {
                    STORE(g, row + n0 + j, sum_lanes(acc[i / TILE_M][j / TILE_N][i % TILE_M][j % TILE_N]));
                }
            }
        }
    }
}

// One step of the tap lanes: A position `step` of one sample against the taps k0 .. k0 + VECTOR - 1.
__attribute__((always_inline)) inline void taps_step(realv acc[TILE_M][TILE_N], const int mode,
        __global const store_t* aSample, __global const store_t* bSample, const long* aRow, const long* bRow,
        const long step, const long firstTap, const int bLength, const int stride, const int dilation)
{
    const long first = step * stride + firstTap;
    const int2 inside = mode == EDGE ? lanes_inside(first, dilation, bLength) : (int2)(0, VECTOR);
    realv aValues[TILE_M];
    #pragma unroll
    for (int i = 0; i < TILE_M; ++i) {
        aValues[i] = (realv)LOAD(aSample, aRow[i] + step);
    }
    #pragma unroll
    for (int j = 0; j < TILE_N; ++j) {
        const realv bLanes = gather(bSample, bRow[j] + first, dilation, inside);
        #pragma unroll
        for (int i = 0; i < TILE_M; ++i) {
            acc[i][j] = mode == EDGE ? select(acc[i][j], fma(aValues[i], bLanes, acc[i][j]), lane_mask(inside))
                                     : fma(aValues[i], bLanes, acc[i][j]);
        }
    }
}

__kernel void conv_weight_gradient_taps(
    __global const store_t* restrict a,  // (N, aChannels, aLength)
    __global const store_t* restrict b,  // (N, bChannels, bLength)
    __global store_t* restrict g,        // (aChannels, bChannels / groups, K)
    const int batch,
    const int aChannels,
    const int aLength,
    const int bChannels,
    const int bLength,
    const int groups,
    const int kernelSize,
    const int stride,
    const int dilation,
    const int padLeft)
{
    const int aGroup = aChannels / groups;
    const int bGroup = bChannels / groups;
    const int tapBlocks = (kernelSize + VECTOR - 1) / VECTOR;
    const int mTiles = (aGroup + TILE_M - 1) / TILE_M;
    const int k0 = (get_global_id(0) % tapBlocks) * VECTOR;
    const int c0 = (get_global_id(0) / tapBlocks) * TILE_N;
    const int group = get_global_id(1) / mTiles;
    const int m0 = (get_global_id(1) % mTiles) * TILE_M;
    if (c0 >= bGroup || group >= groups) {
        return;
    }

    long aRow[TILE_M];
    #pragma unroll
    for (int i = 0; i < TILE_M; ++i) {
        aRow[i] = (long)(group * aGroup + min(m0 + i, aGroup - 1)) * aLength;
    }
    long bRow[TILE_N];
    #pragma unroll
    for (int j = 0; j < TILE_N; ++j) {
        bRow[j] = (long)(group * bGroup + min(c0 + j, bGroup - 1)) * bLength;
    }
    // Lane l of step a reads B position a * stride + firstTap + l * dilation.
    const long firstTap = (long)k0 * dilation - padLeft;
    const long reach = (long)(VECTOR - 1) * dilation;
    // The steps whose lanes all land inside B: [interiorFirst, interiorEnd), empty when B is too short.
    const long interiorFirst = min((long)aLength, max(0L, -floor_div(firstTap, stride)));
    const long lastFit = (long)bLength - 1 - reach - firstTap;
    const long interiorEnd = max(interiorFirst, min((long)aLength, lastFit < 0 ? 0 : lastFit / stride + 1));
    const int contiguous = dilation == 1;

    realv acc[TILE_M][TILE_N];
    #pragma unroll
    for (int i = 0; i < TILE_M; ++i) {
        #pragma unroll
        for (int j = 0; j < TILE_N; ++j) {
            acc[i][j] = (realv)0;
        }
    }
    for (int n = 0; n < batch; ++n) {
        __global const store_t* aSample = a + (long)n * aChannels * aLength;
        __global const store_t* bSample = b + (long)n * bChannels * bLength;
        if (contiguous) {
            // The hot loop, its pointers set once (see conv_weight_gradient_reduce).
            __global const store_t* aPointer[TILE_M];
            #pragma unroll
            for (int i = 0; i < TILE_M; ++i) {
                aPointer[i] = aSample + aRow[i];
            }
            __global const store_t* bPointer[TILE_N];
            #pragma unroll
            for (int j = 0; j < TILE_N; ++j) {
                bPointer[j] = bSample + bRow[j] + firstTap;
            }
            for (long step = interiorFirst; step < interiorEnd; ++step) {
                const long bOffset = step * stride;
                realv aValues[TILE_M];
                #pragma unroll
                for (int i = 0; i < TILE_M; ++i) {
                    aValues[i] = (realv)LOAD(aPointer[i], step);
                }
                #pragma unroll
                for (int j = 0; j < TILE_N; ++j) {
                    const realv bLanes = VLOADN(VECTOR, 0, bPointer[j] + bOffset);
                    #pragma unroll
                    for (int i = 0; i < TILE_M; ++i) {
                        acc[i][j] = fma(aValues[i], bLanes, acc[i][j]);
                    }
                }
            }
        } else {
            for (long step = interiorFirst; step < interiorEnd; ++step) {
                taps_step(acc, STRIDED, aSample, bSample, aRow, bRow, step, firstTap, bLength, stride, dilation);
            }
        }
        for (long step = 0; step < aLength; ++step) {
            if (step == interiorFirst) {
                step = interiorEnd;
                if (step == aLength) {
                    break;
                }
            }
            taps_step(acc, EDGE, aSample, bSample, aRow, bRow, step, firstTap, bLength, stride, dilation);
        }
    }
    #pragma unroll
    for (int i = 0; i < TILE_M; ++i) {
        if (m0 + i < aGroup) {
            #pragma unroll
            for (int j = 0; j < TILE_N; ++j) {
                if (c0 + j < bGroup) {
                    const long row = ((long)(group * aGroup + m0 + i) * bGroup + c0 + j) * kernelSize;
                    if (k0 + VECTOR <= kernelSize) {
                        VSTOREN(VECTOR, acc[i][j], 0, g + row + k0);
                    } else {
                        real lanes[VECTOR];
                        CONCAT(vstore, VECTOR)(acc[i][j], 0, lanes);
                        for (int l = 0; l < kernelSize - k0; ++l) {
                            STORE(g, row + k0 + l, lanes[l]);
                        }
                    }
                }
            }
        }
    }
}
