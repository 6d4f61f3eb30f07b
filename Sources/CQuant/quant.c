// Int8 matrix products for the encoder (see CQuant.h).
//
// Packed weights: columns in blocks of 16; within a block, for each group of 4 consecutive
// k, the 16 columns' 4 bytes side by side (64 bytes): exactly the operand of one 512-bit
// vpdpbusd, which multiplies 4 u8 activations by 4 s8 weights per 32-bit lane and adds the
// four products to the lane's int32 accumulator. Each kernel computes a tile of rows × 32
// columns in int32; one shared epilogue rescales it to float.
//
// Kernels are compiled for their instruction sets with target attributes and chosen at run
// time (`nx_best_kernel`), so the module needs no global CPU flags and runs anywhere.

#include "CQuant.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define NX_X86 1
#endif

enum { TILE_ROWS = 8, TILE_COLS = 32, BLOCK_COLS = 16, ROW_TILE = 64 };

// MARK: - Choosing a kernel

static int kernel_supported(nx_kernel kernel) {
#if NX_X86
    __builtin_cpu_init();
    switch (kernel) {
    case NX_KERNEL_AVX512_VNNI:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni");
    case NX_KERNEL_AVX_VNNI:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avxvnni");
    case NX_KERNEL_AVX2:
        return __builtin_cpu_supports("avx2");
    case NX_KERNEL_PORTABLE:
        return 1;
    }
    return 0;
#else
    return kernel == NX_KERNEL_PORTABLE;
#endif
}

nx_kernel nx_best_kernel(void) {
    for (int kernel = NX_KERNEL_AVX512_VNNI; kernel > NX_KERNEL_PORTABLE; kernel--) {
        if (kernel_supported((nx_kernel)kernel)) return (nx_kernel)kernel;
    }
    return NX_KERNEL_PORTABLE;
}

static int current = -1;

nx_kernel nx_set_kernel(nx_kernel kernel) {
    while (kernel > NX_KERNEL_PORTABLE && !kernel_supported(kernel)) kernel = (nx_kernel)(kernel - 1);
    __atomic_store_n(&current, (int)kernel, __ATOMIC_RELAXED);
    return kernel;
}

nx_kernel nx_current_kernel(void) {
    int kernel = __atomic_load_n(&current, __ATOMIC_RELAXED);
    if (kernel < 0) return nx_set_kernel(nx_best_kernel());
    return (nx_kernel)kernel;
}

// MARK: - Packing and quantising

void nx_pack_weights(const float *w, int n, int k, int8_t *packed, float *scales, int32_t *sums) {
    const int np = nx_padded_n(n), kp = nx_padded_k(k), quads = kp / 4;
    memset(packed, 0, (size_t)np * (size_t)kp);
    for (int j = 0; j < np; j++) {
        scales[j] = 0;
        sums[j] = 0;
        if (j >= n) continue;
        const float *row = w + (long)j * k;
        float largest = 0;
        for (int i = 0; i < k; i++) largest = fmaxf(largest, fabsf(row[i]));
        const float scale = largest > 0 ? largest / 127.0f : 1.0f;
        scales[j] = scale;
        int8_t *block = packed + (long)(j / BLOCK_COLS) * quads * 64 + (j % BLOCK_COLS) * 4;
        int32_t sum = 0;
        for (int i = 0; i < k; i++) {
            long q = lrintf(row[i] / scale);
            if (q > 127) q = 127;
            if (q < -127) q = -127;
            block[(i / 4) * 64 + i % 4] = (int8_t)q;
            sum += (int32_t)q;
        }
        sums[j] = sum;
    }
}

/// The scale, zero point and rounding offset of a row whose values span [low, high].
static void row_parameters(float low, float high, float *scale, float *inverse, float *zero, float *offset) {
    *scale = high > low ? (high - low) / 255.0f : 1.0f;
    *inverse = 1.0f / *scale;
    float z = floorf(-low * *inverse + 0.5f);
    *zero = z < 0 ? 0 : (z > 255 ? 255 : z);
    *offset = *zero + 0.5f;   // round half up by truncating a non-negative value
}

/// Widens [*low, *high] to hold row[from..<k].
static inline void widen_range(const float *row, int from, int k, float *low, float *high) {
    for (int i = from; i < k; i++) {
        *low = row[i] < *low ? row[i] : *low;
        *high = row[i] > *high ? row[i] : *high;
    }
}

/// Quantises row[from..<k] with the row's parameters (plain comparisons and a truncating
/// conversion, not fminf/lrintf, so the loop vectorises where the compiler can).
static inline void quantize_values(const float *row, int from, int k, float inverse, float offset, uint8_t *out) {
    for (int i = from; i < k; i++) {
        float v = row[i] * inverse + offset;
        v = v < 0 ? 0 : (v > 255.0f ? 255.0f : v);
        out[i] = (uint8_t)(int32_t)v;
    }
}

/// One row, plain C. The range always holds 0, so a zero activation is exact.
static void quantize_row_portable(const float *row, int k, uint8_t *out, float *scale, int32_t *zero) {
    float low = 0, high = 0;
    widen_range(row, 0, k, &low, &high);
    float inverse, z, offset;
    row_parameters(low, high, scale, &inverse, &z, &offset);
    quantize_values(row, 0, k, inverse, offset, out);
    *zero = (int32_t)z;
}

#if NX_X86
/// One row, 8 floats at a time: the same operations in the same order (multiply, then add;
/// no fused multiply-add), so the bytes are identical to the portable version's.
__attribute__((target("avx2"))) static void quantize_row_avx2(const float *row, int k, uint8_t *out, float *scale, int32_t *zero) {
    __m256 lows = _mm256_setzero_ps(), highs = _mm256_setzero_ps();
    int i = 0;
    for (; i + 8 <= k; i += 8) {
        const __m256 v = _mm256_loadu_ps(row + i);
        lows = _mm256_min_ps(lows, v);
        highs = _mm256_max_ps(highs, v);
    }
    float lane[8], low = 0, high = 0;
    _mm256_storeu_ps(lane, lows);
    for (int j = 0; j < 8; j++) low = lane[j] < low ? lane[j] : low;
    _mm256_storeu_ps(lane, highs);
    for (int j = 0; j < 8; j++) high = lane[j] > high ? lane[j] : high;
    widen_range(row, i, k, &low, &high);
    float inverse, z, offset;
    row_parameters(low, high, scale, &inverse, &z, &offset);
    const __m256 inverses = _mm256_set1_ps(inverse), offsets = _mm256_set1_ps(offset);
    const __m256 floor = _mm256_setzero_ps(), ceiling = _mm256_set1_ps(255.0f);
    for (i = 0; i + 8 <= k; i += 8) {
        __m256 v = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(row + i), inverses), offsets);
        v = _mm256_min_ps(_mm256_max_ps(v, floor), ceiling);
        const __m256i q = _mm256_cvttps_epi32(v);
        const __m128i words = _mm_packus_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
        _mm_storel_epi64((__m128i *)(out + i), _mm_packus_epi16(words, words));
    }
    quantize_values(row, i, k, inverse, offset, out);
    *zero = (int32_t)z;
}
#endif

void nx_quantize_rows(const float *x, int rows, int k, int ldx, uint8_t *q, float *scales, int32_t *zeros) {
    const int kp = nx_padded_k(k);
    void (*quantize_row)(const float *, int, uint8_t *, float *, int32_t *) = quantize_row_portable;
#if NX_X86
    if (nx_current_kernel() >= NX_KERNEL_AVX2) quantize_row = quantize_row_avx2;
#endif
    for (int r = 0; r < rows; r++) {
        uint8_t *out = q + (long)r * kp;
        quantize_row(x + (long)r * ldx, k, out, scales + r, zeros + r);
        for (int i = k; i < kp; i++) out[i] = 0;
    }
}

// MARK: - Epilogue

/// c[r][j] for a tile: int32 sums → float, with the zero points, scales and bias.
static void finish_tile(const int32_t tile[TILE_ROWS][TILE_COLS], int rows, int cols, int j0,
                        const float *a_scales, const int32_t *a_zeros,
                        const float *w_scales, const int32_t *w_sums, const float *bias, float *c, int ldc) {
    for (int r = 0; r < rows; r++) {
        const float a_scale = a_scales[r];
        const int32_t zero = a_zeros[r];
        float *out = c + (long)r * ldc + j0;
        for (int j = 0; j < cols; j++) {
            const float value = (float)(tile[r][j] - zero * w_sums[j0 + j]) * (a_scale * w_scales[j0 + j]);
            out[j] = bias ? value + bias[j0 + j] : value;
        }
    }
}

// MARK: - Kernels: a tile of `rows` (≤ 8) × 32 columns, over all of k

static void tile_portable(int rows, const uint8_t *a, int kp, const int8_t *block0, const int8_t *block1,
                          int32_t tile[TILE_ROWS][TILE_COLS]) {
    for (int r = 0; r < rows; r++) {
        const uint8_t *row = a + (long)r * kp;
        for (int j = 0; j < TILE_COLS; j++) {
            const int8_t *block = j < BLOCK_COLS ? block0 : block1;
            const int column = j % BLOCK_COLS;
            int32_t sum = 0;
            for (int i = 0; i < kp; i++) sum += (int32_t)row[i] * (int32_t)block[(i / 4) * 64 + column * 4 + i % 4];
            tile[r][j] = sum;
        }
    }
}

#if NX_X86

#define AVX512_VNNI __attribute__((target("avx512f,avx512bw,avx512vnni")))
#define AVX_VNNI __attribute__((target("avx2,avxvnni")))
#define AVX2 __attribute__((target("avx2")))

/// Four activation bytes as one 32-bit word (broadcast to every lane by the kernels).
static inline int32_t quad(const uint8_t *p) {
    int32_t value;
    memcpy(&value, p, 4);
    return value;
}

static inline __attribute__((always_inline)) AVX512_VNNI void
tile_avx512_rows(const int rows, const uint8_t *a, int kp, const int8_t *block0, const int8_t *block1,
                 int32_t tile[TILE_ROWS][TILE_COLS]) {
    __m512i acc[TILE_ROWS][2];
    for (int r = 0; r < rows; r++) acc[r][0] = acc[r][1] = _mm512_setzero_si512();
    const int quads = kp / 4;
    for (int q = 0; q < quads; q++) {
        const __m512i w0 = _mm512_loadu_si512((const void *)(block0 + q * 64));
        const __m512i w1 = _mm512_loadu_si512((const void *)(block1 + q * 64));
        for (int r = 0; r < rows; r++) {
            const __m512i x = _mm512_set1_epi32(quad(a + (long)r * kp + q * 4));
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], x, w0);
            acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], x, w1);
        }
    }
    for (int r = 0; r < rows; r++) {
        _mm512_storeu_si512((void *)&tile[r][0], acc[r][0]);
        _mm512_storeu_si512((void *)&tile[r][16], acc[r][1]);
    }
}

AVX512_VNNI static void tile_avx512(int rows, const uint8_t *a, int kp, const int8_t *block0, const int8_t *block1,
                                    int32_t tile[TILE_ROWS][TILE_COLS]) {
    switch (rows) {
    case 8: tile_avx512_rows(8, a, kp, block0, block1, tile); break;
    case 7: tile_avx512_rows(7, a, kp, block0, block1, tile); break;
    case 6: tile_avx512_rows(6, a, kp, block0, block1, tile); break;
    case 5: tile_avx512_rows(5, a, kp, block0, block1, tile); break;
    case 4: tile_avx512_rows(4, a, kp, block0, block1, tile); break;
    case 3: tile_avx512_rows(3, a, kp, block0, block1, tile); break;
    case 2: tile_avx512_rows(2, a, kp, block0, block1, tile); break;
    default: tile_avx512_rows(1, a, kp, block0, block1, tile); break;
    }
}

/// 256-bit VNNI: 16 registers, so 4 rows × 16 columns (8 accumulators) per pass, twice.
static inline __attribute__((always_inline)) AVX_VNNI void
half_avx_vnni_rows(const int rows, const uint8_t *a, int kp, const int8_t *block, int32_t tile[TILE_ROWS][TILE_COLS], int column) {
    __m256i acc[4][2];
    for (int r = 0; r < rows; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    const int quads = kp / 4;
    for (int q = 0; q < quads; q++) {
        const __m256i w0 = _mm256_loadu_si256((const __m256i *)(block + q * 64));
        const __m256i w1 = _mm256_loadu_si256((const __m256i *)(block + q * 64 + 32));
        for (int r = 0; r < rows; r++) {
            const __m256i x = _mm256_set1_epi32(quad(a + (long)r * kp + q * 4));
            acc[r][0] = _mm256_dpbusd_avx_epi32(acc[r][0], x, w0);
            acc[r][1] = _mm256_dpbusd_avx_epi32(acc[r][1], x, w1);
        }
    }
    for (int r = 0; r < rows; r++) {
        _mm256_storeu_si256((__m256i *)&tile[r][column], acc[r][0]);
        _mm256_storeu_si256((__m256i *)&tile[r][column + 8], acc[r][1]);
    }
}

AVX_VNNI static void tile_avx_vnni(int rows, const uint8_t *a, int kp, const int8_t *block0, const int8_t *block1,
                                   int32_t tile[TILE_ROWS][TILE_COLS]) {
    for (int r0 = 0; r0 < rows; r0 += 4) {
        const int count = rows - r0 < 4 ? rows - r0 : 4;
        int32_t (*part)[TILE_COLS] = tile + r0;
        const uint8_t *rowsA = a + (long)r0 * kp;
        for (int half = 0; half < 2; half++) {
            const int8_t *block = half == 0 ? block0 : block1;
            switch (count) {
            case 4: half_avx_vnni_rows(4, rowsA, kp, block, part, half * 16); break;
            case 3: half_avx_vnni_rows(3, rowsA, kp, block, part, half * 16); break;
            case 2: half_avx_vnni_rows(2, rowsA, kp, block, part, half * 16); break;
            default: half_avx_vnni_rows(1, rowsA, kp, block, part, half * 16); break;
            }
        }
    }
}

/// AVX2 without VNNI: bytes widened to int16 and multiplied with vpmaddwd, which is exact
/// (vpmaddubsw would saturate u8 · s8 pairs at int16). Two rows × 16 columns per pass; the
/// accumulators hold pairs of partial sums per column, added at the end.
AVX2 static void tile_avx2(int rows, const uint8_t *a, int kp, const int8_t *block0, const int8_t *block1,
                           int32_t tile[TILE_ROWS][TILE_COLS]) {
    const int quads = kp / 4;
    for (int r0 = 0; r0 < rows; r0 += 2) {
        const int count = rows - r0 < 2 ? rows - r0 : 2;
        for (int half = 0; half < 2; half++) {
            const int8_t *block = half == 0 ? block0 : block1;
            __m256i acc[2][4];
            for (int r = 0; r < 2; r++) for (int g = 0; g < 4; g++) acc[r][g] = _mm256_setzero_si256();
            for (int q = 0; q < quads; q++) {
                __m256i w[4];
                for (int g = 0; g < 4; g++) {
                    w[g] = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(block + q * 64 + g * 16)));
                }
                for (int r = 0; r < count; r++) {
                    const __m128i bytes = _mm_cvtsi32_si128(quad(a + (long)(r0 + r) * kp + q * 4));
                    const __m256i x = _mm256_broadcastq_epi64(_mm_cvtepu8_epi16(bytes));
                    for (int g = 0; g < 4; g++) acc[r][g] = _mm256_add_epi32(acc[r][g], _mm256_madd_epi16(x, w[g]));
                }
            }
            for (int r = 0; r < count; r++) {
                int32_t pairs[32];
                for (int g = 0; g < 4; g++) _mm256_storeu_si256((__m256i *)(pairs + g * 8), acc[r][g]);
                for (int column = 0; column < 16; column++) {
                    tile[r0 + r][half * 16 + column] = pairs[2 * column] + pairs[2 * column + 1];
                }
            }
        }
    }
}

#endif

// MARK: - The product

void nx_gemm_u8s8(int m, int n_begin, int n_end, int k,
                  const uint8_t *a, const float *a_scales, const int32_t *a_zeros,
                  const int8_t *packed, const float *w_scales, const int32_t *w_sums, int n,
                  const float *bias, float *c, int ldc) {
    (void)n;
    const int kp = nx_padded_k(k), quads = kp / 4;
    const nx_kernel kernel = nx_current_kernel();
    int32_t tile[TILE_ROWS][TILE_COLS];
    // Rows in tiles of 64 (their activations stay in cache) × every column pair of blocks.
    for (int i0 = 0; i0 < m; i0 += ROW_TILE) {
        const int i1 = i0 + ROW_TILE < m ? i0 + ROW_TILE : m;
        for (int j0 = n_begin; j0 < n_end; j0 += TILE_COLS) {
            const int8_t *block0 = packed + (long)(j0 / BLOCK_COLS) * quads * 64;
            const int8_t *block1 = block0 + (long)quads * 64;
            const int cols = n_end - j0 < TILE_COLS ? n_end - j0 : TILE_COLS;
            for (int i = i0; i < i1; i += TILE_ROWS) {
                const int rows = i1 - i < TILE_ROWS ? i1 - i : TILE_ROWS;
                const uint8_t *rowsA = a + (long)i * kp;
                switch (kernel) {
#if NX_X86
                case NX_KERNEL_AVX512_VNNI: tile_avx512(rows, rowsA, kp, block0, block1, tile); break;
                case NX_KERNEL_AVX_VNNI: tile_avx_vnni(rows, rowsA, kp, block0, block1, tile); break;
                case NX_KERNEL_AVX2: tile_avx2(rows, rowsA, kp, block0, block1, tile); break;
#endif
                default: tile_portable(rows, rowsA, kp, block0, block1, tile); break;
                }
                finish_tile((const int32_t (*)[TILE_COLS])tile, rows, cols, j0, a_scales + i, a_zeros + i, w_scales, w_sums, bias,
                            c + (long)i * ldc, ldc);
            }
        }
    }
}
