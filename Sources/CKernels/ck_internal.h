// Internal declarations shared by the CKernels translation units (not part of the public API).
// Block layouts follow ggml's ggml-common.h (read as a reference; written independently).
#ifndef DEEPCODER_CK_INTERNAL_H
#define DEEPCODER_CK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "CKernels.h"

#define CK_QK 32    // elements per block of the 32-element formats
#define CK_QKK 256  // elements per K-quant super-block

typedef struct { uint16_t d; uint8_t qs[16]; } ck_q4_0;                  // 18 bytes
typedef struct { uint16_t d, m; uint8_t qs[16]; } ck_q4_1;               // 20 bytes
typedef struct { uint16_t d; uint8_t qh[4]; uint8_t qs[16]; } ck_q5_0;   // 22 bytes
typedef struct { uint16_t d, m; uint8_t qh[4]; uint8_t qs[16]; } ck_q5_1; // 24 bytes
typedef struct { uint16_t d; int8_t qs[32]; } ck_q8_0;                   // 34 bytes
typedef struct { uint16_t d, s; int8_t qs[32]; } ck_q8_1;                // 36 bytes
typedef struct { uint16_t d, dmin; uint8_t scales[12]; uint8_t qs[128]; } ck_q4_K;                 // 144
typedef struct { uint16_t d, dmin; uint8_t scales[12]; uint8_t qh[32]; uint8_t qs[128]; } ck_q5_K; // 176
typedef struct { uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; uint16_t d; } ck_q6_K;        // 210
typedef struct { float d; int8_t qs[256]; int16_t bsums[16]; } ck_q8_K;                           // 292

// DC_TYPE_Q4_K_X8: 8 Q4_K rows' super-blocks. q[s][p][4i+e] = row i's qs[32s + 4p + e] (its low nibble is
// element 4p+e of sub-block 2s, its high nibble that of sub-block 2s+1); sc[k][i] = row i's scale k;
// mn[s][2i + h] = row i's min 2s + h; d / dmin as in the block (f16).
typedef struct { uint8_t q[4][8][32]; uint8_t sc[8][8]; uint8_t mn[4][16]; uint16_t d[8], dmin[8]; } ck_q4_K_x8;  // 1184

_Static_assert(sizeof(ck_q4_K_x8) == 1184, "q4_K_x8");
_Static_assert(sizeof(ck_q4_0) == 18, "q4_0");
_Static_assert(sizeof(ck_q4_1) == 20, "q4_1");
_Static_assert(sizeof(ck_q5_0) == 22, "q5_0");
_Static_assert(sizeof(ck_q5_1) == 24, "q5_1");
_Static_assert(sizeof(ck_q8_0) == 34, "q8_0");
_Static_assert(sizeof(ck_q8_1) == 36, "q8_1");
_Static_assert(sizeof(ck_q4_K) == 144, "q4_K");
_Static_assert(sizeof(ck_q5_K) == 176, "q5_K");
_Static_assert(sizeof(ck_q6_K) == 210, "q6_K");
_Static_assert(sizeof(ck_q8_K) == 292, "q8_K");

// f16 -> f32 table for all 65536 halves, filled before ck_cpu_level() first returns.
extern float ck_f16_table[65536];

// Portable scalar half conversion (also used by the SIMD files for scalar scales).
float ck_f16_to_f32(uint16_t h);

// Decodes the eight 6-bit scales and mins of a Q4_K/Q5_K super-block.
static inline void ck_k4_scales(const uint8_t *q, uint8_t sc[8], uint8_t mn[8]) {
    for (int j = 0; j < 4; j++) {
        sc[j] = q[j] & 63;
        mn[j] = q[j + 4] & 63;
        sc[j + 4] = (q[j + 8] & 0xF) | ((q[j] >> 6) << 4);
        mn[j + 4] = (q[j + 8] >> 4) | ((q[j + 4] >> 6) << 4);
    }
}

// Row i's scales, mins, d and dmin of one super-block into the 8-row block o.
static inline void ck_q4_K_x8_pack_scales(const ck_q4_K *x, int i, ck_q4_K_x8 *o) {
    uint8_t sc[8], mn[8];
    ck_k4_scales(x->scales, sc, mn);
    for (int k = 0; k < 8; k++) o->sc[k][i] = sc[k];
    for (int s = 0; s < 4; s++) { o->mn[s][2 * i] = mn[2 * s]; o->mn[s][2 * i + 1] = mn[2 * s + 1]; }
    o->d[i] = x->d;
    o->dmin[i] = x->dmin;
}

// Super-block b of 8 Q4_K rows (w[i] = row i) into o.
static inline void ck_q4_K_x8_pack(const char *const *w, int64_t b, ck_q4_K_x8 *o) {
    for (int i = 0; i < 8; i++) {
        const ck_q4_K *x = (const ck_q4_K *)w[i] + b;
        for (int s = 0; s < 4; s++)
            for (int p = 0; p < 8; p++) memcpy(&o->q[s][p][4 * i], x->qs + 32 * s + 4 * p, 4);
        ck_q4_K_x8_pack_scales(x, i, o);
    }
}

// Portable vec_dot (weight row · activation row in the vec_dot type).
float ck_vec_dot_portable(int type, int64_t n, const void *w, const void *x);

// SIMD matmuls: return 1 when they handled `type`, 0 to fall back to the portable path.
int ck_matmul_avx2(int type, int64_t n, const void *W, size_t ws, const void *X, size_t xs,
                   int64_t ntok, int64_t r0, int64_t r1, float *out, int64_t os);
int ck_matmul_avx512(int type, int64_t n, const void *W, size_t ws, const void *X, size_t xs,
                     int64_t ntok, int64_t r0, int64_t r1, float *out, int64_t os);
// dc_matmul_decode's SIMD paths (same return convention).
int ck_matmul_decode_avx2(int type, int64_t n, const void *W, size_t ws, const void *X, size_t xs,
                          int64_t ntok, int64_t r0, int64_t r1, float *out, int64_t os);
int ck_matmul_decode_avx512(int type, int64_t n, const void *W, size_t ws, const void *X, size_t xs,
                            int64_t ntok, int64_t r0, int64_t r1, float *out, int64_t os);
// Row conversions with F16C; vector helpers with AVX2/FMA.
void ck_f16_to_f32_row_f16c(const uint16_t *src, float *dst, int64_t n);
void ck_f32_to_f16_row_f16c(const float *src, uint16_t *dst, int64_t n);
void ck_axpy_f32_avx2(int64_t n, float a, const float *x, float *y);
void ck_axpy_f16_avx2(int64_t n, float a, const uint16_t *x, float *y);
float ck_dot_f32_avx2(int64_t n, const float *x, const float *y);
void ck_q4_K_x8_pack_avx2(const char *const *w, int64_t b, ck_q4_K_x8 *o);

// 0 = portable, 1 = avx2, 2 = avx512vnni (ignores dc_force_portable).
int ck_cpu_level(void);
// Level dc_matmul should use right now (honours dc_force_portable and dc_force_avx2).
int ck_active_level(void);

#endif
