// Portable (scalar C) implementations: type table, dequantization, activation quantization,
// per-type dot products and the portable matmul. The SIMD files only accelerate dc_matmul.
#include "ck_internal.h"
#include <math.h>

int dc_type_supported(int type) {
    switch (type) {
    case DC_TYPE_F32: case DC_TYPE_F16: case DC_TYPE_BF16:
    case DC_TYPE_Q4_0: case DC_TYPE_Q4_1: case DC_TYPE_Q5_0: case DC_TYPE_Q5_1:
    case DC_TYPE_Q8_0: case DC_TYPE_Q8_1:
    case DC_TYPE_Q4_K: case DC_TYPE_Q5_K: case DC_TYPE_Q6_K: case DC_TYPE_Q8_K: case DC_TYPE_Q4_K_X8:
        return 1;
    default:
        return 0;
    }
}

int64_t dc_block_elements(int type) {
    switch (type) {
    case DC_TYPE_F32: case DC_TYPE_F16: case DC_TYPE_BF16: return 1;
    case DC_TYPE_Q4_0: case DC_TYPE_Q4_1: case DC_TYPE_Q5_0: case DC_TYPE_Q5_1:
    case DC_TYPE_Q8_0: case DC_TYPE_Q8_1: return CK_QK;
    case DC_TYPE_Q4_K: case DC_TYPE_Q5_K: case DC_TYPE_Q6_K: case DC_TYPE_Q8_K: case DC_TYPE_Q4_K_X8: return CK_QKK;
    default: return 0;
    }
}

size_t dc_block_bytes(int type) {
    switch (type) {
    case DC_TYPE_F32: return 4;
    case DC_TYPE_F16: case DC_TYPE_BF16: return 2;
    case DC_TYPE_Q4_0: return sizeof(ck_q4_0);
    case DC_TYPE_Q4_1: return sizeof(ck_q4_1);
    case DC_TYPE_Q5_0: return sizeof(ck_q5_0);
    case DC_TYPE_Q5_1: return sizeof(ck_q5_1);
    case DC_TYPE_Q8_0: return sizeof(ck_q8_0);
    case DC_TYPE_Q8_1: return sizeof(ck_q8_1);
    case DC_TYPE_Q4_K: return sizeof(ck_q4_K);
    case DC_TYPE_Q5_K: return sizeof(ck_q5_K);
    case DC_TYPE_Q6_K: return sizeof(ck_q6_K);
    case DC_TYPE_Q8_K: return sizeof(ck_q8_K);
    case DC_TYPE_Q4_K_X8: return sizeof(ck_q4_K_x8) / 8;  // a row's share of an 8-row group
    default: return 0;
    }
}

size_t dc_row_bytes(int type, int64_t n) {
    int64_t be = dc_block_elements(type);
    if (be == 0) return 0;
    return (size_t)(n / be) * dc_block_bytes(type);
}

int dc_vec_dot_type(int type) {
    switch (type) {
    case DC_TYPE_Q4_0: case DC_TYPE_Q5_0: case DC_TYPE_Q8_0: return DC_TYPE_Q8_0;
    case DC_TYPE_Q4_1: case DC_TYPE_Q5_1: return DC_TYPE_Q8_1;
    case DC_TYPE_Q4_K: case DC_TYPE_Q5_K: case DC_TYPE_Q6_K: case DC_TYPE_Q4_K_X8: return DC_TYPE_Q8_K;
    case DC_TYPE_F16: return DC_TYPE_F16;
    case DC_TYPE_BF16: return DC_TYPE_BF16;
    case DC_TYPE_F32: return DC_TYPE_F32;
    default: return -1;
    }
}

// ---------------------------------------------------------------------------------------------
// Dequantization
// ---------------------------------------------------------------------------------------------

static inline float H(uint16_t h) { return ck_f16_to_f32(h); }

void dc_dequantize_row(int type, const void *src, float *dst, int64_t n) {
    switch (type) {
    case DC_TYPE_F32:
        memcpy(dst, src, (size_t)n * sizeof(float));
        return;
    case DC_TYPE_F16:
        dc_f16_to_f32_row((const uint16_t *)src, dst, n);
        return;
    case DC_TYPE_BF16: {
        const uint16_t *s = (const uint16_t *)src;
        for (int64_t i = 0; i < n; i++) dst[i] = dc_bf16_to_f32(s[i]);
        return;
    }
    case DC_TYPE_Q4_0: {
        const ck_q4_0 *b = (const ck_q4_0 *)src;
        for (int64_t i = 0; i < n / CK_QK; i++, dst += CK_QK) {
            const float d = H(b[i].d);
            for (int j = 0; j < 16; j++) {
                dst[j] = (float)((b[i].qs[j] & 0xF) - 8) * d;
                dst[j + 16] = (float)((b[i].qs[j] >> 4) - 8) * d;
            }
        }
        return;
    }
    case DC_TYPE_Q4_1: {
        const ck_q4_1 *b = (const ck_q4_1 *)src;
        for (int64_t i = 0; i < n / CK_QK; i++, dst += CK_QK) {
            const float d = H(b[i].d), m = H(b[i].m);
            for (int j = 0; j < 16; j++) {
                dst[j] = (float)(b[i].qs[j] & 0xF) * d + m;
                dst[j + 16] = (float)(b[i].qs[j] >> 4) * d + m;
            }
        }
        return;
    }
    case DC_TYPE_Q5_0: {
        const ck_q5_0 *b = (const ck_q5_0 *)src;
        for (int64_t i = 0; i < n / CK_QK; i++, dst += CK_QK) {
            const float d = H(b[i].d);
            uint32_t qh;
            memcpy(&qh, b[i].qh, 4);
            for (int j = 0; j < 16; j++) {
                const int h0 = ((qh >> j) & 1) << 4, h1 = ((qh >> (j + 16)) & 1) << 4;
                dst[j] = (float)(((b[i].qs[j] & 0xF) | h0) - 16) * d;
                dst[j + 16] = (float)(((b[i].qs[j] >> 4) | h1) - 16) * d;
            }
        }
        return;
    }
    case DC_TYPE_Q5_1: {
        const ck_q5_1 *b = (const ck_q5_1 *)src;
        for (int64_t i = 0; i < n / CK_QK; i++, dst += CK_QK) {
            const float d = H(b[i].d), m = H(b[i].m);
            uint32_t qh;
            memcpy(&qh, b[i].qh, 4);
            for (int j = 0; j < 16; j++) {
                const int h0 = ((qh >> j) & 1) << 4, h1 = ((qh >> (j + 16)) & 1) << 4;
                dst[j] = (float)((b[i].qs[j] & 0xF) | h0) * d + m;
                dst[j + 16] = (float)((b[i].qs[j] >> 4) | h1) * d + m;
            }
        }
        return;
    }
    case DC_TYPE_Q8_0: {
        const ck_q8_0 *b = (const ck_q8_0 *)src;
        for (int64_t i = 0; i < n / CK_QK; i++, dst += CK_QK) {
            const float d = H(b[i].d);
            for (int j = 0; j < 32; j++) dst[j] = (float)b[i].qs[j] * d;
        }
        return;
    }
    case DC_TYPE_Q8_1: {
        const ck_q8_1 *b = (const ck_q8_1 *)src;
        for (int64_t i = 0; i < n / CK_QK; i++, dst += CK_QK) {
            const float d = H(b[i].d);
            for (int j = 0; j < 32; j++) dst[j] = (float)b[i].qs[j] * d;
        }
        return;
    }
    case DC_TYPE_Q4_K: {
        const ck_q4_K *b = (const ck_q4_K *)src;
        for (int64_t i = 0; i < n / CK_QKK; i++) {
            const float d = H(b[i].d), dmin = H(b[i].dmin);
            uint8_t sc[8], mn[8];
            ck_k4_scales(b[i].scales, sc, mn);
            const uint8_t *q = b[i].qs;
            for (int c = 0; c < 4; c++, q += 32) {
                const float d1 = d * sc[2 * c], m1 = dmin * mn[2 * c];
                const float d2 = d * sc[2 * c + 1], m2 = dmin * mn[2 * c + 1];
                for (int l = 0; l < 32; l++) dst[l] = d1 * (float)(q[l] & 0xF) - m1;
                for (int l = 0; l < 32; l++) dst[l + 32] = d2 * (float)(q[l] >> 4) - m2;
                dst += 64;
            }
        }
        return;
    }
    case DC_TYPE_Q5_K: {
        const ck_q5_K *b = (const ck_q5_K *)src;
        for (int64_t i = 0; i < n / CK_QKK; i++) {
            const float d = H(b[i].d), dmin = H(b[i].dmin);
            uint8_t sc[8], mn[8];
            ck_k4_scales(b[i].scales, sc, mn);
            const uint8_t *q = b[i].qs, *qh = b[i].qh;
            for (int c = 0; c < 4; c++, q += 32) {
                const float d1 = d * sc[2 * c], m1 = dmin * mn[2 * c];
                const float d2 = d * sc[2 * c + 1], m2 = dmin * mn[2 * c + 1];
                const int s1 = 2 * c, s2 = 2 * c + 1;
                for (int l = 0; l < 32; l++)
                    dst[l] = d1 * (float)((q[l] & 0xF) | (((qh[l] >> s1) & 1) << 4)) - m1;
                for (int l = 0; l < 32; l++)
                    dst[l + 32] = d2 * (float)((q[l] >> 4) | (((qh[l] >> s2) & 1) << 4)) - m2;
                dst += 64;
            }
        }
        return;
    }
    case DC_TYPE_Q6_K: {
        const ck_q6_K *b = (const ck_q6_K *)src;
        for (int64_t i = 0; i < n / CK_QKK; i++) {
            const float d = H(b[i].d);
            const uint8_t *ql = b[i].ql, *qh = b[i].qh;
            const int8_t *sc = b[i].scales;
            for (int h = 0; h < 2; h++) {
                for (int l = 0; l < 32; l++) {
                    const int is = l / 16;
                    const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                    const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                    const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                    const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                    dst[l] = d * (float)sc[is] * (float)q1;
                    dst[l + 32] = d * (float)sc[is + 2] * (float)q2;
                    dst[l + 64] = d * (float)sc[is + 4] * (float)q3;
                    dst[l + 96] = d * (float)sc[is + 6] * (float)q4;
                }
                dst += 128; ql += 64; qh += 32; sc += 8;
            }
        }
        return;
    }
    case DC_TYPE_Q8_K: {
        const ck_q8_K *b = (const ck_q8_K *)src;
        for (int64_t i = 0; i < n / CK_QKK; i++, dst += CK_QKK)
            for (int j = 0; j < CK_QKK; j++) dst[j] = b[i].d * (float)b[i].qs[j];
        return;
    }
    default:
        return;
    }
}

// ---------------------------------------------------------------------------------------------
// Activation quantization. Q8_0/Q8_1 follow what llama.cpp's x86 (AVX/AVX2) quantizer computes:
// d = amax/127 (stored as f16), multiplier 127/amax, round half to even. Q8_K follows
// quantize_row_q8_K_ref (signed max, iscale = -127/max, nearest-even, clamp 127, bsums per 16).
// ---------------------------------------------------------------------------------------------

static inline float ck_rne(float x) { return nearbyintf(x); }  // default FP env: ties to even

static void quantize_q8_0(const float *x, ck_q8_0 *y, int64_t n) {
    for (int64_t i = 0; i < n / CK_QK; i++, x += CK_QK) {
        float amax = 0.0f;
        for (int j = 0; j < 32; j++) { const float a = fabsf(x[j]); amax = a > amax ? a : amax; }
        const float d = amax / 127.f;
        const float id = amax != 0.0f ? 127.f / amax : 0.0f;
        y[i].d = dc_f32_to_f16(d);
        for (int j = 0; j < 32; j++) y[i].qs[j] = (int8_t)(int)ck_rne(x[j] * id);
    }
}

static void quantize_q8_1(const float *x, ck_q8_1 *y, int64_t n) {
    for (int64_t i = 0; i < n / CK_QK; i++, x += CK_QK) {
        float amax = 0.0f;
        for (int j = 0; j < 32; j++) { const float a = fabsf(x[j]); amax = a > amax ? a : amax; }
        const float d = amax / 127.f;
        const float id = amax != 0.0f ? 127.f / amax : 0.0f;
        y[i].d = dc_f32_to_f16(d);
        int sum = 0;
        for (int j = 0; j < 32; j++) {
            const int v = (int)ck_rne(x[j] * id);
            y[i].qs[j] = (int8_t)v;
            sum += v;
        }
        y[i].s = dc_f32_to_f16(d * (float)sum);
    }
}

static inline int ck_nearest_int(float f) {
    // ggml's nearest_int: add 1.5*2^23 and read the mantissa (ties to even).
    float v = f + 12582912.f;
    int32_t i;
    memcpy(&i, &v, 4);
    return (i & 0x007fffff) - 0x00400000;
}

static void quantize_q8_K(const float *x, ck_q8_K *y, int64_t n) {
    for (int64_t i = 0; i < n / CK_QKK; i++, x += CK_QKK) {
        float max = 0, amax = 0;
        for (int j = 0; j < CK_QKK; j++) {
            const float a = fabsf(x[j]);
            if (a > amax) { amax = a; max = x[j]; }
        }
        if (amax == 0.0f) {
            y[i].d = 0;
            memset(y[i].qs, 0, sizeof y[i].qs);
            memset(y[i].bsums, 0, sizeof y[i].bsums);
            continue;
        }
        const float iscale = -127.f / max;
        for (int j = 0; j < CK_QKK; j++) {
            const int v = ck_nearest_int(iscale * x[j]);
            y[i].qs[j] = (int8_t)(v < 127 ? v : 127);
        }
        for (int j = 0; j < 16; j++) {
            int s = 0;
            for (int k = 0; k < 16; k++) s += y[i].qs[16 * j + k];
            y[i].bsums[j] = (int16_t)s;
        }
        y[i].d = 1 / iscale;
    }
}

void dc_quantize_row(int type, const float *src, void *dst, int64_t n) {
    switch (type) {
    case DC_TYPE_Q8_0: quantize_q8_0(src, (ck_q8_0 *)dst, n); return;
    case DC_TYPE_Q8_1: quantize_q8_1(src, (ck_q8_1 *)dst, n); return;
    case DC_TYPE_Q8_K: quantize_q8_K(src, (ck_q8_K *)dst, n); return;
    case DC_TYPE_F16: dc_f32_to_f16_row(src, (uint16_t *)dst, n); return;
    case DC_TYPE_BF16: {
        uint16_t *d = (uint16_t *)dst;
        for (int64_t i = 0; i < n; i++) d[i] = dc_f32_to_bf16(src[i]);
        return;
    }
    case DC_TYPE_F32: memcpy(dst, src, (size_t)n * sizeof(float)); return;
    default: return;
    }
}

// ---------------------------------------------------------------------------------------------
// Portable dot products: integer dot per block, then scaled (as ggml's generic kernels).
// ---------------------------------------------------------------------------------------------

static float dot_q4_0(int64_t n, const ck_q4_0 *x, const ck_q8_0 *y) {
    float s = 0;
    for (int64_t i = 0; i < n / CK_QK; i++) {
        int si = 0;
        for (int j = 0; j < 16; j++)
            si += ((x[i].qs[j] & 0xF) - 8) * y[i].qs[j] + ((x[i].qs[j] >> 4) - 8) * y[i].qs[j + 16];
        s += (float)si * (H(x[i].d) * H(y[i].d));
    }
    return s;
}

static float dot_q4_1(int64_t n, const ck_q4_1 *x, const ck_q8_1 *y) {
    float s = 0;
    for (int64_t i = 0; i < n / CK_QK; i++) {
        int si = 0;
        for (int j = 0; j < 16; j++)
            si += (x[i].qs[j] & 0xF) * y[i].qs[j] + (x[i].qs[j] >> 4) * y[i].qs[j + 16];
        s += (H(x[i].d) * H(y[i].d)) * (float)si + H(x[i].m) * H(y[i].s);
    }
    return s;
}

static float dot_q5_0(int64_t n, const ck_q5_0 *x, const ck_q8_0 *y) {
    float s = 0;
    for (int64_t i = 0; i < n / CK_QK; i++) {
        uint32_t qh;
        memcpy(&qh, x[i].qh, 4);
        int si = 0;
        for (int j = 0; j < 16; j++) {
            const int v0 = ((x[i].qs[j] & 0xF) | (((qh >> j) & 1) << 4)) - 16;
            const int v1 = ((x[i].qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4)) - 16;
            si += v0 * y[i].qs[j] + v1 * y[i].qs[j + 16];
        }
        s += (float)si * (H(x[i].d) * H(y[i].d));
    }
    return s;
}

static float dot_q5_1(int64_t n, const ck_q5_1 *x, const ck_q8_1 *y) {
    float s = 0;
    for (int64_t i = 0; i < n / CK_QK; i++) {
        uint32_t qh;
        memcpy(&qh, x[i].qh, 4);
        int si = 0;
        for (int j = 0; j < 16; j++) {
            const int v0 = (x[i].qs[j] & 0xF) | (((qh >> j) & 1) << 4);
            const int v1 = (x[i].qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
            si += v0 * y[i].qs[j] + v1 * y[i].qs[j + 16];
        }
        s += (H(x[i].d) * H(y[i].d)) * (float)si + H(x[i].m) * H(y[i].s);
    }
    return s;
}

static float dot_q8_0(int64_t n, const ck_q8_0 *x, const ck_q8_0 *y) {
    float s = 0;
    for (int64_t i = 0; i < n / CK_QK; i++) {
        int si = 0;
        for (int j = 0; j < 32; j++) si += x[i].qs[j] * y[i].qs[j];
        s += (float)si * (H(x[i].d) * H(y[i].d));
    }
    return s;
}

static float dot_q4_K(int64_t n, const ck_q4_K *x, const ck_q8_K *y) {
    float s = 0;
    for (int64_t i = 0; i < n / CK_QKK; i++) {
        uint8_t sc[8], mn[8];
        ck_k4_scales(x[i].scales, sc, mn);
        int summ = 0;
        for (int j = 0; j < 8; j++) summ += mn[j] * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
        int sumi = 0;
        const uint8_t *q = x[i].qs;
        const int8_t *a = y[i].qs;
        for (int c = 0; c < 4; c++, q += 32, a += 64) {
            int s1 = 0, s2 = 0;
            for (int l = 0; l < 32; l++) { s1 += (q[l] & 0xF) * a[l]; s2 += (q[l] >> 4) * a[l + 32]; }
            sumi += sc[2 * c] * s1 + sc[2 * c + 1] * s2;
        }
        const float d = H(x[i].d) * y[i].d, dm = H(x[i].dmin) * y[i].d;
        s += d * (float)sumi - dm * (float)summ;
    }
    return s;
}

static float dot_q5_K(int64_t n, const ck_q5_K *x, const ck_q8_K *y) {
    float s = 0;
    for (int64_t i = 0; i < n / CK_QKK; i++) {
        uint8_t sc[8], mn[8];
        ck_k4_scales(x[i].scales, sc, mn);
        int summ = 0;
        for (int j = 0; j < 8; j++) summ += mn[j] * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
        int sumi = 0;
        const uint8_t *q = x[i].qs, *qh = x[i].qh;
        const int8_t *a = y[i].qs;
        for (int c = 0; c < 4; c++, q += 32, a += 64) {
            int s1 = 0, s2 = 0;
            for (int l = 0; l < 32; l++) {
                s1 += ((q[l] & 0xF) | (((qh[l] >> (2 * c)) & 1) << 4)) * a[l];
                s2 += ((q[l] >> 4) | (((qh[l] >> (2 * c + 1)) & 1) << 4)) * a[l + 32];
            }
            sumi += sc[2 * c] * s1 + sc[2 * c + 1] * s2;
        }
        const float d = H(x[i].d) * y[i].d, dm = H(x[i].dmin) * y[i].d;
        s += d * (float)sumi - dm * (float)summ;
    }
    return s;
}

static float dot_q6_K(int64_t n, const ck_q6_K *x, const ck_q8_K *y) {
    float s = 0;
    for (int64_t i = 0; i < n / CK_QKK; i++) {
        const uint8_t *ql = x[i].ql, *qh = x[i].qh;
        const int8_t *sc = x[i].scales, *a = y[i].qs;
        int sumi = 0;
        for (int h = 0; h < 2; h++) {
            int p[8] = {0};
            for (int l = 0; l < 32; l++) {
                const int is = l / 16;
                const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                p[is + 0] += q1 * a[l];
                p[is + 2] += q2 * a[l + 32];
                p[is + 4] += q3 * a[l + 64];
                p[is + 6] += q4 * a[l + 96];
            }
            for (int k = 0; k < 8; k++) sumi += sc[k] * p[k];
            ql += 64; qh += 32; sc += 8; a += 128;
        }
        s += (H(x[i].d) * y[i].d) * (float)sumi;
    }
    return s;
}

static float dot_f16(int64_t n, const uint16_t *x, const uint16_t *y) {
    float acc[8] = {0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) acc[k] += H(x[i + k]) * H(y[i + k]);
    float s = 0;
    for (int k = 0; k < 8; k++) s += acc[k];
    for (; i < n; i++) s += H(x[i]) * H(y[i]);
    return s;
}

static float dot_bf16(int64_t n, const uint16_t *x, const uint16_t *y) {
    float acc[8] = {0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) acc[k] += dc_bf16_to_f32(x[i + k]) * dc_bf16_to_f32(y[i + k]);
    float s = 0;
    for (int k = 0; k < 8; k++) s += acc[k];
    for (; i < n; i++) s += dc_bf16_to_f32(x[i]) * dc_bf16_to_f32(y[i]);
    return s;
}

static float dot_f32_portable(int64_t n, const float *x, const float *y) {
    float acc[8] = {0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) acc[k] += x[i + k] * y[i + k];
    float s = 0;
    for (int k = 0; k < 8; k++) s += acc[k];
    for (; i < n; i++) s += x[i] * y[i];
    return s;
}

float ck_vec_dot_portable(int type, int64_t n, const void *w, const void *x) {
    switch (type) {
    case DC_TYPE_Q4_0: return dot_q4_0(n, w, x);
    case DC_TYPE_Q4_1: return dot_q4_1(n, w, x);
    case DC_TYPE_Q5_0: return dot_q5_0(n, w, x);
    case DC_TYPE_Q5_1: return dot_q5_1(n, w, x);
    case DC_TYPE_Q8_0: return dot_q8_0(n, w, x);
    case DC_TYPE_Q4_K: return dot_q4_K(n, w, x);
    case DC_TYPE_Q5_K: return dot_q5_K(n, w, x);
    case DC_TYPE_Q6_K: return dot_q6_K(n, w, x);
    case DC_TYPE_F16: return dot_f16(n, w, x);
    case DC_TYPE_BF16: return dot_bf16(n, w, x);
    case DC_TYPE_F32: return dot_f32_portable(n, w, x);
    default: return 0.0f;
    }
}

float dc_vec_dot(int type, int64_t n, const void *w_row, const void *x_row) {
    if (ck_active_level() > 0) {
        float out = 0;
        if (ck_active_level() >= 2 && ck_matmul_avx512(type, n, w_row, 0, x_row, 0, 1, 0, 1, &out, 1))
            return out;
        if (ck_matmul_avx2(type, n, w_row, 0, x_row, 0, 1, 0, 1, &out, 1)) return out;
    }
    return ck_vec_dot_portable(type, n, w_row, x_row);
}

void dc_repack_q4_K_x8(const void *src, size_t src_row_stride, int64_t rows, int64_t n, void *dst) {
    void (*pack)(const char *const *, int64_t, ck_q4_K_x8 *) = ck_cpu_level() >= 1 ? ck_q4_K_x8_pack_avx2 : ck_q4_K_x8_pack;
    const int64_t nb = n / CK_QKK;
    ck_q4_K_x8 *o = (ck_q4_K_x8 *)dst;
    for (int64_t g = 0; g < rows / 8; g++) {
        const char *w[8];
        for (int i = 0; i < 8; i++) w[i] = (const char *)src + (size_t)(8 * g + i) * src_row_stride;
        for (int64_t b = 0; b < nb; b++) pack(w, b, o++);
    }
}

// Row i of an 8-row Q4_K_X8 group against one Q8_K row, in llama.cpp's order for Q4_K: exact integer
// totals of the scaled dots and of the min corrections, one fma each per super-block (its gemv) or per
// 64 elements (its gemm, which takes the tokens of a batch in whole groups of 4).
static float dot_q4_K_x8(int64_t n, const ck_q4_K_x8 *g, int i, const ck_q8_K *y, int gemm) {
    float acc = 0, accm = 0;
    for (int64_t b = 0; b < n / CK_QKK; b++) {
        const ck_q4_K_x8 *x = g + b;
        const float f = ck_f16_to_f32(x->d[i]) * y[b].d, fm = ck_f16_to_f32(x->dmin[i]) * y[b].d;
        int32_t tot = 0, totm = 0;
        for (int s = 0; s < 4; s++) {
            int32_t da = 0, db = 0;
            for (int p = 0; p < 8; p++)
                for (int e = 0; e < 4; e++) {
                    const uint8_t q = x->q[s][p][4 * i + e];
                    da += (q & 0xF) * y[b].qs[64 * s + 4 * p + e];
                    db += (q >> 4) * y[b].qs[64 * s + 32 + 4 * p + e];
                }
            const int32_t gs = x->sc[2 * s][i] * da + x->sc[2 * s + 1][i] * db;
            int32_t gm = 0;
            for (int h = 0; h < 2; h++)
                gm += x->mn[s][2 * i + h] * (y[b].bsums[4 * s + 2 * h] + y[b].bsums[4 * s + 2 * h + 1]);
            if (gemm) {
                acc = fmaf((float)gs, f, acc);
                accm = fmaf((float)gm, fm, accm);
            } else {
                tot += gs;
                totm += gm;
            }
        }
        if (!gemm) {
            acc = fmaf((float)tot, f, acc);
            accm = fmaf((float)totm, fm, accm);
        }
    }
    return acc - accm;
}

void dc_matmul_portable(int type, int64_t n, const void *W, size_t ws, const void *X, size_t xs,
                        int64_t ntok, int64_t r0, int64_t r1, float *out, int64_t os) {
    const char *w = (const char *)W, *x = (const char *)X;
    if (type == DC_TYPE_Q4_K_X8) {
        for (int64_t t = 0; t < ntok; t++)
            for (int64_t r = r0; r < r1; r++)
                out[t * os + r] = dot_q4_K_x8(n, (const ck_q4_K_x8 *)(w + (size_t)(r / 8) * 8 * ws), (int)(r % 8),
                                              (const ck_q8_K *)(x + (size_t)t * xs), t < ntok - ntok % 4);
        return;
    }
    for (int64_t rb = r0; rb < r1; rb += 4) {
        const int64_t re = rb + 4 < r1 ? rb + 4 : r1;
        for (int64_t t = 0; t < ntok; t++)
            for (int64_t r = rb; r < re; r++)
                out[t * os + r] = ck_vec_dot_portable(type, n, w + (size_t)r * ws, x + (size_t)t * xs);
    }
}

void dc_matmul(int type, int64_t n, const void *W, size_t ws, const void *X, size_t xs,
               int64_t ntok, int64_t r0, int64_t r1, float *out, int64_t os) {
    if (r1 <= r0 || ntok <= 0) return;
    const int lvl = ck_active_level();
    if (lvl >= 2 && ck_matmul_avx512(type, n, W, ws, X, xs, ntok, r0, r1, out, os)) return;
    if (lvl >= 1 && ck_matmul_avx2(type, n, W, ws, X, xs, ntok, r0, r1, out, os)) return;
    dc_matmul_portable(type, n, W, ws, X, xs, ntok, r0, r1, out, os);
}

void dc_matmul_decode(int type, int64_t n, const void *W, size_t ws, const void *X, size_t xs,
                      int64_t ntok, int64_t r0, int64_t r1, float *out, int64_t os) {
    if (r1 <= r0 || ntok <= 0) return;
    const int lvl = ck_active_level();
    if (lvl >= 2 && ck_matmul_decode_avx512(type, n, W, ws, X, xs, ntok, r0, r1, out, os)) return;
    if (lvl >= 1 && ck_matmul_decode_avx2(type, n, W, ws, X, xs, ntok, r0, r1, out, os)) return;
    for (int64_t t = 0; t < ntok; t++)
        dc_matmul_portable(type, n, W, ws, (const char *)X + (size_t)t * xs, xs, 1, r0, r1, out + t * os, os);
}
