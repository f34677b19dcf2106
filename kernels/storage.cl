// The storage prelude shared by every kernel file, which #includes it (the host inlines each included file
// once: programs are built from one string).
//
// Tensors in global memory are stored as STORAGE says (a build option; the host passes the code of the
// call's io.clconvt.DType) and computed in `real`:
//
//   STORAGE  dtype     store_t   real    load / store
//   0        FLOAT32   float     float   plain
//   1        FLOAT64   double    double  plain (needs cl_khr_fp64)
//   2        FLOAT16   half      float   converted by integer arithmetic (no cl_khr_fp16 needed); stores
//                                        round to nearest even (float16_from_float)
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

// FLOAT16 converts by integer arithmetic on whole vectors, not with vload_half/vstore_half: POCL
// implements those in software, element by element, and inlines them into every unrolled access, which
// made a 16-wide tile build several times longer (and run slower) than in FLOAT32. N is a vector width,
// or empty for scalars. Comparisons give -1 per true lane in vectors and 1 in scalars; select takes both.
//
// Widening is exact: rebias a normal exponent (15 -> 127), scale a subnormal's fraction by 2^-24.
#define DEFINE_FLOAT16_WIDEN(N)                                                                   \
    inline CONCAT(float, N) CONCAT(float_from_float16, N)(CONCAT(uint, N) h) {                    \
        const CONCAT(uint, N) sign = (h & 0x8000u) << 16;                                         \
        const CONCAT(uint, N) exponent = (h >> 10) & 0x1fu;                                       \
        const CONCAT(uint, N) fraction = h & 0x3ffu;                                              \
        const CONCAT(uint, N) normal = sign | ((exponent + 112u) << 23) | (fraction << 13);       \
        const CONCAT(uint, N) special = sign | 0x7f800000u | (fraction << 13);                    \
        const CONCAT(uint, N) subnormal =                                                         \
            sign | CONCAT(as_uint, N)(CONCAT(convert_float, N)(fraction) * 0x1p-24f);             \
        return CONCAT(as_float, N)(select(select(normal, subnormal, exponent == 0u), special,      \
                                          exponent == 0x1fu));                                    \
    }

// Rounding to nearest even: a normal result rebiases the exponent (127 -> 15) and rounds the 13 dropped
// bits as BFLOAT16_ROUND does (a carry out of the largest finite value gives infinity); a subnormal one is
// the significand in units of 2^-24, shifted right by 126 - exponent, rounded on the dropped bits.
#define DEFINE_FLOAT16_ROUND(N)                                                                   \
    inline CONCAT(ushort, N) CONCAT(float16_from_float, N)(CONCAT(float, N) v) {                  \
        const CONCAT(uint, N) bits = CONCAT(as_uint, N)(v);                                       \
        const CONCAT(uint, N) sign = (bits >> 16) & 0x8000u;                                      \
        const CONCAT(uint, N) magnitude = bits & 0x7fffffffu;                                     \
        const CONCAT(uint, N) rebiased = magnitude - 0x38000000u;                                 \
        const CONCAT(uint, N) normal = (rebiased + 0xfffu + ((rebiased >> 13) & 1u)) >> 13;       \
        const CONCAT(uint, N) shift = CONCAT(convert_uint, N)(clamp(                              \
            126 - CONCAT(convert_int, N)(magnitude >> 23), 14, 24));                              \
        const CONCAT(uint, N) significand = (magnitude & 0x7fffffu) | 0x800000u;                  \
        const CONCAT(uint, N) kept = significand >> shift;                                        \
        const CONCAT(uint, N) one = 1u;                                                           \
        const CONCAT(uint, N) dropped = significand & ((one << shift) - 1u);                      \
        const CONCAT(uint, N) tie = one << (shift - 1u);                                          \
        const CONCAT(uint, N) subnormal = select(kept, kept + 1u,                                 \
            (dropped > tie) | ((dropped == tie) & ((kept & 1u) != 0u)));                          \
        CONCAT(uint, N) half_bits = select(subnormal, normal, magnitude >= 0x38800000u);          \
        half_bits = select(half_bits, (CONCAT(uint, N))0u, magnitude <= 0x33000000u);             \
        half_bits = select(half_bits, (CONCAT(uint, N))0x7c00u, magnitude >= 0x477ff000u);        \
        half_bits = select(half_bits, (CONCAT(uint, N))0x7e00u, magnitude > 0x7f800000u);         \
        return CONCAT(convert_ushort, N)(sign | half_bits);                                       \
    }

DEFINE_FLOAT16_WIDEN()
DEFINE_FLOAT16_WIDEN(2)
DEFINE_FLOAT16_WIDEN(4)
DEFINE_FLOAT16_WIDEN(8)
DEFINE_FLOAT16_WIDEN(16)
DEFINE_FLOAT16_ROUND()
DEFINE_FLOAT16_ROUND(2)
DEFINE_FLOAT16_ROUND(4)
DEFINE_FLOAT16_ROUND(8)
DEFINE_FLOAT16_ROUND(16)

#define LOAD(p, i) float_from_float16((uint)((__global const ushort*)(p))[i])
#define STORE(p, i, v) (((__global ushort*)(p))[i] = float16_from_float(v))
#define VLOADN(N, offset, p) \
    CONCAT(float_from_float16, N)(CONCAT(convert_uint, N)(CONCAT(vload, N)(offset, (__global const ushort*)(p))))
#define VSTOREN(N, v, offset, p) CONCAT(vstore, N)(CONCAT(float16_from_float, N)(v), offset, (__global ushort*)(p))
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
