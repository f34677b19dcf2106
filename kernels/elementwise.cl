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
