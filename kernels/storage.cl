// The storage prelude shared by every kernel file; ProgramCache compiles it ahead of each of them.
//
// Tensors in global memory are stored as STORAGE says (a build option; the host passes the code of the
// call's io.clconvt.DType) and computed in `real`:
//
//   STORAGE  dtype     store_t   real    load / store
//   0        FLOAT32   float     float   plain
//   1        FLOAT64   double    double  plain (needs cl_khr_fp64)
//   2        FLOAT16   half      float   loads with vload_half (core, no cl_khr_fp16 needed); stores round
//                                        to nearest even by integer arithmetic (see float16_from_float)
//   3        BFLOAT16  ushort    float   the upper 16 bits of a float; stores round to nearest even by
//                                        integer arithmetic, NaN stays a quiet NaN
//
// The contract a kernel follows, so that one source serves every dtype:
//   - declare global tensors as `__global const store_t*` (inputs) and `__global store_t*` (outputs), never
//     dereference them directly;
//   - LOAD(p, i): element i of p as a real;
//   - STORE(p, i, v): rounds the real v to the storage type and writes it to element i of p;
//   - VLOADN(N, offset, p): elements [offset * N, offset * N + N) of p as a vector of N reals (vloadN's
//     contract, N = 2, 4, 8 or 16); VSTOREN(N, v, offset, p): the store of a vector of N reals;
//   - compute in real (REAL_NAME is its name, for vector types: CONCAT(REAL_NAME, N)); scalar kernel
//     arguments of type real are float, or double for FLOAT64.
// With no STORAGE option the prelude defaults to FLOAT32, so every kernel compiles with no options.

#ifndef STORAGE
#define STORAGE 0
#endif

#define CONCAT_(a, b) a##b
#define CONCAT(a, b) CONCAT_(a, b)

#if STORAGE == 1
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double real;
#define REAL_NAME double
#else
typedef float real;
#define REAL_NAME float
#endif

#if STORAGE == 0 || STORAGE == 1
typedef real store_t;
#define LOAD(p, i) ((p)[i])
#define STORE(p, i, v) ((p)[i] = (v))
#define VLOADN(N, offset, p) CONCAT(vload, N)(offset, p)
#define VSTOREN(N, v, offset, p) CONCAT(vstore, N)(v, offset, p)
#elif STORAGE == 2
typedef half store_t;

// Round to the nearest binary16, ties to even, by integer arithmetic. vstore_half would do the same, but
// POCL implements it in software and inlines it into every unrolled store, which made a 16-wide tile take
// ten times longer to build than in FLOAT32. Normal results: rebias the exponent (127 -> 15) and round the
// 13 dropped bits as BFLOAT16_ROUND does; a carry out of the largest finite value gives infinity.
// Subnormal results: the value in units of 2^-24 is the significand shifted right by 126 - exponent.
inline ushort float16_from_float(float v) {
    const uint bits = as_uint(v);
    const uint sign = (bits >> 16) & 0x8000u;
    const uint magnitude = bits & 0x7fffffffu;
    if (magnitude > 0x7f800000u) {
        return (ushort)(sign | 0x7e00u); // NaN stays a quiet NaN
    }
    if (magnitude >= 0x477ff000u) {
        return (ushort)(sign | 0x7c00u); // 65520 and above round to infinity
    }
    if (magnitude >= 0x38800000u) { // 2^-14, the smallest normal binary16
        const uint rebiased = magnitude - 0x38000000u;
        return (ushort)(sign | ((rebiased + 0xfffu + ((rebiased >> 13) & 1u)) >> 13));
    }
    if (magnitude <= 0x33000000u) {
        return (ushort)sign; // at most 2^-25, half the smallest subnormal: the tie goes to even, 0
    }
    const uint shift = 126u - (magnitude >> 23);               // 14 to 24
    const uint significand = (magnitude & 0x7fffffu) | 0x800000u;
    const uint kept = significand >> shift;
    const uint dropped = significand & ((1u << shift) - 1u);
    const uint tie = 1u << (shift - 1u);
    return (ushort)(sign | (kept + (dropped > tie || (dropped == tie && (kept & 1u)))));
}

#define LOAD(p, i) vload_half(i, p)
#define STORE(p, i, v) (((__global ushort*)(p))[i] = float16_from_float(v))
#define VLOADN(N, offset, p) CONCAT(vload_half, N)(offset, p)
#define VSTOREN(N, v, offset, p)                                                                   \
    do {                                                                                          \
        const CONCAT(float, N) vstoren_value = (v);                                               \
        _Pragma("unroll") for (int vstoren_lane = 0; vstoren_lane < N; ++vstoren_lane) {          \
            STORE(p, (offset) * N + vstoren_lane, ((const float*)&vstoren_value)[vstoren_lane]);  \
        }                                                                                         \
    } while (0)
#elif STORAGE == 3
typedef ushort store_t;

// Round to nearest even on the bit pattern: adding 0x7fff plus the lowest kept bit carries into the kept
// half exactly when the dropped half is above the tie, or at the tie with an odd kept half; a carry out of
// the largest finite value gives infinity, as it should. NaN would round to infinity, so it is set apart.
#define BFLOAT16_ROUND(bits) (((bits) + 0x7fffu + (((bits) >> 16) & 1u)) >> 16)
#define BFLOAT16_QUIET(bits) (((bits) >> 16) | 0x40u)

inline ushort bfloat16_from_float(float v) {
    const uint bits = as_uint(v);
    return (ushort)(isnan(v) ? BFLOAT16_QUIET(bits) : BFLOAT16_ROUND(bits));
}

#define DEFINE_BFLOAT16_VECTOR(N)                                                                 \
    inline CONCAT(ushort, N) CONCAT(bfloat16_from_float, N)(CONCAT(float, N) v) {                 \
        const CONCAT(uint, N) bits = CONCAT(as_uint, N)(v);                                       \
        return CONCAT(convert_ushort, N)(select(BFLOAT16_ROUND(bits), BFLOAT16_QUIET(bits),       \
                                                CONCAT(as_uint, N)(isnan(v))));                   \
    }
DEFINE_BFLOAT16_VECTOR(2)
DEFINE_BFLOAT16_VECTOR(4)
DEFINE_BFLOAT16_VECTOR(8)
DEFINE_BFLOAT16_VECTOR(16)

#define LOAD(p, i) as_float((uint)(p)[i] << 16)
#define STORE(p, i, v) ((p)[i] = bfloat16_from_float(v))
#define VLOADN(N, offset, p) CONCAT(as_float, N)(CONCAT(convert_uint, N)(CONCAT(vload, N)(offset, p)) << 16)
#define VSTOREN(N, v, offset, p) CONCAT(vstore, N)(CONCAT(bfloat16_from_float, N)(v), offset, p)
#else
#error "STORAGE must be 0 (float), 1 (double), 2 (half) or 3 (bfloat16)"
#endif
