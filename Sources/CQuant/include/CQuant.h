// Int8 matrix products for the encoder's dense layers (see quant.c).
//
// Activations are quantised per row, asymmetric, to u8 (x ≈ scale · (q − zero)); weights per
// output channel, symmetric, to s8 (w ≈ scale · q), packed once at load time in the layout
// the kernels read. Products accumulate in int32 and are rescaled to float with the bias.
#ifndef NEX_CQUANT_H
#define NEX_CQUANT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Which kernel `nx_gemm_u8s8` runs on this CPU.
typedef enum {
    NX_KERNEL_PORTABLE = 0,   // plain C
    NX_KERNEL_AVX2 = 1,       // vpmaddwd on int16 (exact, no saturation)
    NX_KERNEL_AVX_VNNI = 2,   // vpdpbusd on 256-bit registers
    NX_KERNEL_AVX512_VNNI = 3 // vpdpbusd on 512-bit registers
} nx_kernel;

/// The best kernel this CPU supports (checked at run time).
nx_kernel nx_best_kernel(void);
/// Forces a kernel (tests compare each with the portable one); one the CPU lacks is lowered.
/// Returns the kernel now in use.
nx_kernel nx_set_kernel(nx_kernel kernel);
nx_kernel nx_current_kernel(void);

/// Columns and depth after padding: the packed layout's sizes.
static inline int nx_padded_n(int n) { return (n + 31) / 32 * 32; }
static inline int nx_padded_k(int k) { return (k + 3) / 4 * 4; }

/// Bytes of a packed n × k weight matrix.
static inline long nx_packed_size(int n, int k) { return (long)nx_padded_n(n) * nx_padded_k(k); }

/// Quantises `w` (n × k, row-major: one output channel per row) per channel and packs it:
/// `packed` (nx_packed_size bytes), `scales` and `sums` (nx_padded_n(n) each; `sums` holds the
/// column sums of the quantised weights, for the activations' zero points).
void nx_pack_weights(const float *w, int n, int k, int8_t *packed, float *scales, int32_t *sums);

/// Quantises `rows` rows of `x` (stride `ldx` floats, `k` used) to u8 in `q` (stride
/// nx_padded_k(k) bytes, padding zeroed), with each row's scale and zero point.
void nx_quantize_rows(const float *x, int rows, int k, int ldx, uint8_t *q, float *scales, int32_t *zeros);

/// c[i][j] = a_scale[i] · w_scale[j] · Σ_k (a[i][k] − a_zero[i]) · w[j][k] + bias[j] for rows
/// 0..<m and columns n_begin..<n_end (n_begin a multiple of 32). `a` is what
/// nx_quantize_rows wrote (stride nx_padded_k(k)); `c` has stride ldc floats; `bias` may be NULL.
void nx_gemm_u8s8(int m, int n_begin, int n_end, int k,
                  const uint8_t *a, const float *a_scales, const int32_t *a_zeros,
                  const int8_t *packed, const float *w_scales, const int32_t *w_sums, int n,
                  const float *bias, float *c, int ldc);

#ifdef __cplusplus
}
#endif

#endif
