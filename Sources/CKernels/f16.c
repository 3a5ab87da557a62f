// Half / bfloat16 conversions (round to nearest even) and small float vector helpers.
#include "ck_internal.h"

static inline uint32_t f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float u2f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

float ck_f16_to_f32(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    const uint32_t exp = (h >> 10) & 0x1F;
    const uint32_t man = h & 0x3FF;
    if (exp == 0) {
        if (man == 0) return u2f(sign);
        // subnormal: man * 2^-24, exact in float
        const float v = (float)man * 5.9604644775390625e-8f;
        return sign ? -v : v;
    }
    if (exp == 31) return u2f(sign | 0x7F800000u | (man << 13));
    return u2f(sign | ((exp + 112) << 23) | (man << 13));
}

float dc_f16_to_f32(uint16_t h) { return ck_f16_to_f32(h); }

uint16_t dc_f32_to_f16(float f) {
    uint32_t x = f2u(f);
    const uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    x &= 0x7FFFFFFFu;
    if (x >= 0x7F800000u) return sign | 0x7C00 | (x > 0x7F800000u ? 0x200 : 0);  // inf / nan
    if (x >= 0x477FF000u) return sign | 0x7C00;  // rounds to infinity
    if (x < 0x38800000u) {
        // result is subnormal or zero: let the FPU round (ulp of 0.5f is 2^-24, the f16 subnormal step)
        const float r = u2f(x) + 0.5f;
        return sign | (uint16_t)(f2u(r) - 0x3F000000u);
    }
    const uint32_t odd = (x >> 13) & 1;
    x += 0xC8000FFFu + odd;  // rebias exponent (-112 << 23) and round half to even
    return sign | (uint16_t)(x >> 13);
}

float dc_bf16_to_f32(uint16_t h) { return u2f((uint32_t)h << 16); }

uint16_t dc_f32_to_bf16(float f) {
    const uint32_t u = f2u(f);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((u >> 16) | 64);  // quiet NaN
    return (uint16_t)((u + (0x7FFFu + ((u >> 16) & 1))) >> 16);
}

void dc_f16_to_f32_row(const uint16_t *src, float *dst, int64_t n) {
    if (ck_cpu_level() >= 1) { ck_f16_to_f32_row_f16c(src, dst, n); return; }
    for (int64_t i = 0; i < n; i++) dst[i] = ck_f16_to_f32(src[i]);
}

void dc_f32_to_f16_row(const float *src, uint16_t *dst, int64_t n) {
    if (ck_cpu_level() >= 1) { ck_f32_to_f16_row_f16c(src, dst, n); return; }
    for (int64_t i = 0; i < n; i++) dst[i] = dc_f32_to_f16(src[i]);
}

void dc_axpy_f32(int64_t n, float a, const float *x, float *y) {
    if (ck_cpu_level() >= 1) { ck_axpy_f32_avx2(n, a, x, y); return; }
    for (int64_t i = 0; i < n; i++) y[i] += a * x[i];
}

void dc_axpy_f16(int64_t n, float a, const uint16_t *x, float *y) {
    if (ck_cpu_level() >= 1) { ck_axpy_f16_avx2(n, a, x, y); return; }
    for (int64_t i = 0; i < n; i++) y[i] += a * ck_f16_to_f32(x[i]);
}

float dc_dot_f32(int64_t n, const float *x, const float *y) {
    if (ck_cpu_level() >= 1) return ck_dot_f32_avx2(n, x, y);
    float acc[8] = {0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) acc[k] += x[i + k] * y[i + k];
    float s = 0;
    for (int k = 0; k < 8; k++) s += acc[k];
    for (; i < n; i++) s += x[i] * y[i];
    return s;
}
