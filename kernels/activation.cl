// The fused epilogue shared by every convolution kernel file, which #includes it.
//
// ACTIVATE(v, slope, T) applies the activation chosen by the build option ACTIVATION (the code of
// io.clconvt.Activation) to v, a scalar or vector of type T, after the bias has been added. A
// compile-time choice, so ACTIVATION=0 (none) leaves no trace in the code. The ternary is element-wise
// on vectors, and is written so that NaN stays NaN (NaN < 0 is false), as on the CPU reference.

#ifndef ACTIVATION
#define ACTIVATION 0
#endif

// ACTIVATE_INPUT(v, T) applies INPUT_ACTIVATION (same codes; leaky ReLU's slope is INPUT_SLOPE) to an input
// value as it is loaded, so that conv(f(x)) never stores f(x). Every activation maps 0 to 0, so the zeros a
// kernel reads beyond the input need none. INPUT_ACTIVATION=0 (the default) leaves no trace in the code.
#ifndef INPUT_ACTIVATION
#define INPUT_ACTIVATION 0
#endif
#ifndef INPUT_SLOPE
#define INPUT_SLOPE 0
#endif
#if INPUT_ACTIVATION == 0
#define ACTIVATE_INPUT(v, T) (v)
#elif INPUT_ACTIVATION == 1
#define ACTIVATE_INPUT(v, T) ((v) < (T)0 ? (T)0 : (v))
#elif INPUT_ACTIVATION == 2
#define ACTIVATE_INPUT(v, T) ((v) < (T)0 ? (v) * (T)(INPUT_SLOPE) : (v))
#elif INPUT_ACTIVATION == 3
#define ACTIVATE_INPUT(v, T) tanh(v)
#elif INPUT_ACTIVATION == 4
#define ACTIVATE_INPUT(v, T) ((v) / ((T)1 + exp(-(v))))
#else
#error "INPUT_ACTIVATION must be 0 (none), 1 (relu), 2 (leaky relu), 3 (tanh) or 4 (silu)"
#endif

#if ACTIVATION == 0
#define ACTIVATE(v, slope, T) (v)
#elif ACTIVATION == 1
#define ACTIVATE(v, slope, T) ((v) < (T)0 ? (T)0 : (v))
#elif ACTIVATION == 2
#define ACTIVATE(v, slope, T) ((v) < (T)0 ? (v) * (slope) : (v))
#elif ACTIVATION == 3
#define ACTIVATE(v, slope, T) tanh(v)
#elif ACTIVATION == 4
#define ACTIVATE(v, slope, T) ((v) / ((T)1 + exp(-(v))))
#else
#error "ACTIVATION must be 0 (none), 1 (relu), 2 (leaky relu), 3 (tanh) or 4 (silu)"
#endif

// RESIDUAL=1 adds a residual input in the epilogue, before the activation: y = ACTIVATE(residualScale * (conv
// + bias) + residual), where residual has y's shape and layout, so the value stored at y + i adds residual[i]. So
// a residual block's sum `x + conv(...)` is its last convolution's epilogue instead of a pass of its own. Its two
// arguments (RESIDUAL_ARGUMENTS) end every convolution kernel's argument list. A kernel applies
// ACTIVATE_ACCUMULATOR to its sums in registers and stores them with STORE_OUTPUT / VSTORE_OUTPUT (storage.cl's
// STORE / VSTOREN with the epilogue): with RESIDUAL=0 (the default) those are plain ACTIVATE and stores, and
// the arguments do not exist.
#ifndef RESIDUAL
#define RESIDUAL 0
#endif
#if RESIDUAL
#define RESIDUAL_ARGUMENTS , __global const store_t* restrict residual, const real residualScale
#define ACTIVATE_ACCUMULATOR(v, slope, T) (v)
#define STORE_OUTPUT(p, i, v) \
    STORE(p, i, ACTIVATE(residualScale * (v) + LOAD(residual + ((p) - y), i), slope, real))
#define VSTORE_OUTPUT(N, v, offset, p) \
    VSTOREN(N, ACTIVATE(residualScale * (v) + VLOADN(N, offset, residual + ((p) - y)), slope, CONCAT(REAL_NAME, N)), \
            offset, p)
#else
#define RESIDUAL_ARGUMENTS
#define ACTIVATE_ACCUMULATOR(v, slope, T) ACTIVATE(v, slope, T)
#define STORE_OUTPUT(p, i, v) STORE(p, i, v)
#define VSTORE_OUTPUT(N, v, offset, p) VSTOREN(N, v, offset, p)
#endif
