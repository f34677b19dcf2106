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
// head2Pitch apart), then the tail; its first split2 elements of each row go to y2's row, the rest to y3's (NULL
// when split2 is the whole row). That is a residual block's skip queue taking each chunk its branch's first layer
// joins, split where the branch's last layer will take its positions, so that they need no copy of their own.

// Each work-item joins SPLICE_WIDTH consecutive elements of a row: one vector load and store where they lie
// wholly in the head or wholly in the tail, element by element only across the seam and at the row's end.
// POCL ran the one-element-per-work-item form at about 1.2 ns an element and core.
#ifndef SPLICE_WIDTH
#define SPLICE_WIDTH 8
#endif
#if STORAGE == 2 || STORAGE == 3
#define BITS_NAME ushort
#else
#define BITS_NAME REAL_NAME
#endif
#define REAL_PIECE CONCAT(REAL_NAME, SPLICE_WIDTH)

// y[0, count) = head[0, headCount) then tail's [0, count - headCount), where [at, at + count) is this piece of
// the row and head, tail and y already point at its start.
#define JOIN_PIECE(y, head, tail, at, headCount, count, TAIL_VECTOR, TAIL_ELEMENT)                            \
    if (count == SPLICE_WIDTH && at + SPLICE_WIDTH <= headCount) {                                            \
        CONCAT(vstore, SPLICE_WIDTH)(CONCAT(vload, SPLICE_WIDTH)(0, head), 0, y);                            \
    } else if (count == SPLICE_WIDTH && at >= headCount) {                                                    \
        TAIL_VECTOR;                                                                                          \
    } else {                                                                                                  \
        for (int j = 0; j < count; ++j) {                                                                     \
            if (at + j < headCount) {                                                                         \
                y[j] = head[j];                                                                               \
            } else {                                                                                          \
                TAIL_ELEMENT;                                                                                 \
            }                                                                                                 \
        }                                                                                                     \
    }

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
    const int head2Count,
    const int split2,
    __global bits_t* restrict y3)           // or NULL when split2 is the whole row
{
    const int at = get_global_id(0) * SPLICE_WIDTH;
    const int row = get_global_id(1);
    __global const bits_t* tail = (__global const bits_t*)b;
    if (row >= rows) {
        const int r = row - rows;
        const int rowLength2 = head2Count + tailCount;
        if (at >= rowLength2) {
            return;
        }
        const int count = min(SPLICE_WIDTH, rowLength2 - at);
        __global const bits_t* head = a2 + (long)r * head2Pitch + head2Offset + at;
        __global const bits_t* from = tail + (long)r * tailCount + at - head2Count;
        // The row's first split2 elements go to y2's row, the others to y3's.
        __global bits_t* frontRow = y2 + (long)r * split2;
        __global bits_t* restRow = y3 + (long)r * (rowLength2 - split2);
#define COPIED_VECTOR(out) CONCAT(vstore, SPLICE_WIDTH)(CONCAT(vload, SPLICE_WIDTH)(0, from), 0, out)
#define COPIED_ELEMENT(out) out[j] = from[j]
        if (at + count <= split2) {
            __global bits_t* out = frontRow + at;
            JOIN_PIECE(out, head, from, at, head2Count, count, COPIED_VECTOR(out), COPIED_ELEMENT(out))
        } else if (at >= split2) {
            __global bits_t* out = restRow + (at - split2);
            JOIN_PIECE(out, head, from, at, head2Count, count, COPIED_VECTOR(out), COPIED_ELEMENT(out))
        } else {
            for (int j = 0; j < count; ++j) {
                const bits_t v = at + j < head2Count ? head[j] : from[j];
                if (at + j < split2) {
                    frontRow[at + j] = v;
                } else {
                    restRow[at + j - split2] = v;
                }
            }
        }
        return;
    }
    const int rowLength = headCount + tailCount;
    if (at >= rowLength) {
        return;
    }
    const int count = min(SPLICE_WIDTH, rowLength - at);
    __global bits_t* out = (__global bits_t*)y + (long)row * rowLength + at;
    __global const bits_t* head = a + (long)row * headPitch + headOffset + at;
    __global const bits_t* from = tail + (long)row * tailCount + at - headCount;
#if ACTIVATION == 0
    JOIN_PIECE(out, head, from, at, headCount, count, COPIED_VECTOR(out), COPIED_ELEMENT(out))
#else
    __global store_t* activatedOut = y + (long)row * rowLength + at;
    __global const store_t* activatedFrom = b + (long)row * tailCount + at - headCount;
#define ACTIVATED_VECTOR \
    VSTOREN(SPLICE_WIDTH, ACTIVATE(VLOADN(SPLICE_WIDTH, 0, activatedFrom), slope, REAL_PIECE), 0, activatedOut)
#define ACTIVATED_ELEMENT STORE(activatedOut, j, ACTIVATE(LOAD(activatedFrom, j), slope, real))
    JOIN_PIECE(out, head, from, at, headCount, count, ACTIVATED_VECTOR, ACTIVATED_ELEMENT)
#endif
}

// y's rows (rowLength elements each; the positions of one channel in NCL, of one batch item in NLC) are
// ACTIVATE(scale * (the sum of the inputs' rows)); the inputs past `inputs` are NULL. Input i's row is count_i
// elements of a_i's row from offset_i on (its rows pitch_i apart), then b_i's row (rows bPitch_i apart; NULL when
// count_i covers the row). A mean of branches whose outputs wait in queues reads each queue where it waits, in
// one pass. SPLICE_WIDTH elements a work-item, as in splice.
#define MEAN_TERM(i)                                                                                          \
    if (i < inputs) {                                                                                         \
        __global const store_t* first = a##i + (long)r * pitch##i + offset##i + at;                           \
        __global const store_t* then = b##i + (long)r * bPitch##i + at - count##i;                            \
        if (count == SPLICE_WIDTH && at + SPLICE_WIDTH <= count##i) {                                         \
            sum += VLOADN(SPLICE_WIDTH, 0, first);                                                            \
        } else if (count == SPLICE_WIDTH && at >= count##i) {                                                 \
            sum += VLOADN(SPLICE_WIDTH, 0, then);                                                             \
        } else {                                                                                              \
            for (int j = 0; j < count; ++j) {                                                                 \
                ((real*)&sum)[j] += at + j < count##i ? LOAD(first, j) : LOAD(then, j);                       \
            }                                                                                                 \
        }                                                                                                     \
    }

#define MEAN_INPUT(i) \
    __global const store_t* restrict a##i, const int pitch##i, const int offset##i, const int count##i, \
    __global const store_t* restrict b##i, const int bPitch##i

__kernel void mean_rows(
    const int rows,
    const int rowLength,
    const int inputs,                       // 1 to 4
    MEAN_INPUT(0),
    MEAN_INPUT(1),
    MEAN_INPUT(2),
    MEAN_INPUT(3),
    const real scale,
    const real slope,
    __global store_t* restrict y)
{
    const int at = get_global_id(0) * SPLICE_WIDTH;
    const int r = get_global_id(1);
    if (r >= rows || at >= rowLength) {
        return;
    }
    const int count = min(SPLICE_WIDTH, rowLength - at);
    REAL_PIECE sum = (REAL_PIECE)0;
    MEAN_TERM(0)
    MEAN_TERM(1)
    MEAN_TERM(2)
    MEAN_TERM(3)
    sum = ACTIVATE(scale * sum, slope, REAL_PIECE);
    __global store_t* out = y + (long)r * rowLength + at;
    if (count == SPLICE_WIDTH) {
        VSTOREN(SPLICE_WIDTH, sum, 0, out);
    } else {
        for (int j = 0; j < count; ++j) {
            STORE(out, j, ((const real*)&sum)[j]);
        }
    }
}
