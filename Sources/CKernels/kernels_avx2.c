// AVX2 + FMA + F16C kernels (selected at run time; compiled without -m flags via target attributes).
#include "ck_internal.h"

#if defined(__x86_64__) && !defined(CK_DISABLE_SIMD)
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#elif defined(__GNUC__)
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#endif

#define CK_VNNI 0
#define CK_USE_KMASK 0
#define CK_MATMUL_NAME ck_matmul_avx2
#define CK_MATMUL_DECODE_NAME ck_matmul_decode_avx2
#include "kernels_x86_impl.h"

void ck_f16_to_f32_row_f16c(const uint16_t *src, float *dst, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
    for (; i < n; i++) dst[i] = _cvtsh_ss(src[i]);
}

void ck_f32_to_f16_row_f16c(const float *src, uint16_t *dst, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(dst + i), _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++) dst[i] = _cvtss_sh(src[i], _MM_FROUND_TO_NEAREST_INT);
}

void ck_axpy_f32_avx2(int64_t n, float a, const float *x, float *y) {
    const __m256 av = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += a * x[i];
}

void ck_axpy_f16_avx2(int64_t n, float a, const uint16_t *x, float *y) {
    const __m256 av = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + i))), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += a * _cvtsh_ss(x[i]);
}

float ck_dot_f32_avx2(int64_t n, const float *x, const float *y) { return k_f32(n, x, y); }

void ck_q4_K_x8_pack_avx2(const char *const *w, int64_t b, ck_q4_K_x8 *o) { ck_q4_K_x8_pack_simd(w, b, o); }

#if defined(__clang__)
#pragma clang attribute pop
#elif defined(__GNUC__)
#pragma GCC pop_options
#endif
#endif
