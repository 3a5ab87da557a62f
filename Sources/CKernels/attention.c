// Attention for one (token, head) and SwiGLU, reproducing the arithmetic of llama.cpp's CPU backend
// (AVX-512 build, flash attention off, F16 KV cache) operation by operation, so that results agree
// bit for bit rather than to float noise (a single flipped rounding of an activation quantized to
// Q8 later grows into visibly different logits):
//  - Q·K and softmax·V are F16 x F16 products accumulated in F32 in the lane order of llama.cpp's
//    kernels: llamafile tinyBLAS for batches of >= 2 tokens (16 lanes, FMA over chunks of 16, then a
//    16-lane tree sum) and ggml_vec_dot_f16 for single tokens (4 x 16 lanes over steps of 64);
//  - the softmax uses ggml's vectorised expf polynomial (ggml_v_expf), sums the exponentials per
//    16-lane block and the blocks in double, and rounds the weights to F16 before they weight V;
//  - SwiGLU uses the same expf polynomial (ggml_v_silu).
#include "ck_internal.h"
#include <math.h>

#define CKA static inline __attribute__((always_inline))

CKA float cka_tree16(const float *x) {
    // _mm512_reduce_add_ps: halves of 8, 4, 2, then the last pair
    float t8[8], t4[4];
    for (int i = 0; i < 8; i++) t8[i] = x[i] + x[i + 8];
    for (int i = 0; i < 4; i++) t4[i] = t8[i] + t8[i + 4];
    return (t4[0] + t4[2]) + (t4[1] + t4[3]);
}

// ggml_v_expf (AVX-512 variant) for one lane.
CKA float cka_expf(float x) {
    const float r = 0x1.8p23f;
    const float z = fmaf(x, 0x1.715476p+0f, r);
    const float n = z - r;
    const float b = fmaf(-n, 0x1.7f7d1cp-20f, fmaf(-n, 0x1.62e4p-1f, x));
    if (fabsf(n) > 192.0f) return n <= 0.0f ? 0.0f : INFINITY;
    const float u = b * b;
    const float j = fmaf(fmaf(fmaf(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, fmaf(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)), u,
                         fmaf(0x1.ffffecp-1f, b, 1.0f));
    const int e = (int)n;  // n is integral
    if (e >= -126 && e <= 127) {
        const uint32_t bits = (uint32_t)(e + 127) << 23;
        float p;
        memcpy(&p, &bits, 4);
        return j * p;  // exact scaling (vscalefps)
    }
    return ldexpf(j, e);
}

CKA float cka_h(uint16_t h) { return ck_f16_table[h]; }

// The 16 accumulator rows (position mod 16) summed into out: rows r and r + 8, then r and r + 4, then
// (0 + 2) + (1 + 3). The portable and the vector kernels share it (element-wise adds: the same floats either way).
static void cka_acc_tree16(float *acc, int64_t hv, float *out) {
    for (int i = 0; i < 8; i++) {
        float *a = acc + (int64_t)i * hv;
        const float *b = acc + (int64_t)(i + 8) * hv;
        for (int64_t d = 0; d < hv; d++) a[d] = a[d] + b[d];
    }
    for (int i = 0; i < 4; i++) {
        float *a = acc + (int64_t)i * hv;
        const float *b = acc + (int64_t)(i + 4) * hv;
        for (int64_t d = 0; d < hv; d++) a[d] = a[d] + b[d];
    }
    for (int64_t d = 0; d < hv; d++)
        out[d] = (acc[d] + acc[2 * hv + d]) + (acc[hv + d] + acc[3 * hv + d]);
}

CKA void cka_attention(const float *q, int64_t hk, const uint16_t *k, int64_t ks, const uint16_t *v, int64_t hv, int64_t vs,
                       int64_t positions, float scale, int batched, float *ws, float *out) {
    float *qf = ws;                    // hk
    float *s = qf + hk;                // positions rounded up to 64
    const int64_t np64 = (positions + 63) / 64 * 64;
    float *acc = s + np64;             // 64 * hv
    for (int64_t i = 0; i < hk; i++) qf[i] = cka_h(dc_f32_to_f16(q[i]));

    // scores
    float mx = -INFINITY;
    for (int64_t p = 0; p < positions; p++) {
        const uint16_t *kr = k + p * ks;
        float d;
        if (batched) {
            float a[16] = {0};
            int64_t c = 0;
            for (; c + 16 <= hk; c += 16)
                for (int r = 0; r < 16; r++) a[r] = fmaf(cka_h(kr[c + r]), qf[c + r], a[r]);
            d = cka_tree16(a);
            for (; c < hk; c++) d += cka_h(kr[c]) * qf[c];  // (tinyBLAS needs hk % 16 == 0)
        } else {
            float a[64] = {0};
            const int64_t np = hk & ~(int64_t)63;
            for (int64_t i = 0; i < np; i += 64)
                for (int r = 0; r < 64; r++) a[r] = fmaf(cka_h(kr[i + r]), qf[i + r], a[r]);
            float x[16];
            for (int l = 0; l < 16; l++) x[l] = (a[l] + a[32 + l]) + (a[16 + l] + a[48 + l]);
            double sd = (double)cka_tree16(x);
            for (int64_t i = np; i < hk; i++) sd += (double)(cka_h(kr[i]) * qf[i]);
            d = (float)sd;
        }
        s[p] = d * scale;
        if (s[p] > mx) mx = s[p];
    }

    // softmax: exponentials in blocks of 16 (masked / padded positions are exactly 0)
    const int64_t np16 = (positions + 15) / 16 * 16;
    for (int64_t p = positions; p < np64; p++) s[p] = 0.0f;
    double sum = 0;
    for (int64_t b0 = 0; b0 < np16; b0 += 16) {
        for (int r = 0; r < 16; r++) {
            const int64_t p = b0 + r;
            if (p < positions) s[p] = cka_expf(s[p] - mx);
        }
        sum += (double)cka_tree16(s + b0);
    }
    const float inv = (float)(1.0 / sum);
    for (int64_t p = 0; p < positions; p++) s[p] = cka_h(dc_f32_to_f16(s[p] * inv));

    // weighted values
    const int lanes = batched ? 16 : 64;
    for (int64_t i = 0; i < lanes * hv; i++) acc[i] = 0.0f;
    for (int64_t b0 = 0; b0 < positions; b0 += lanes) {
        for (int r = 0; r < lanes; r++) {
            const int64_t p = b0 + r;
            if (p >= positions) break;
            const float w = s[p];
            const uint16_t *vr = v + p * vs;
            float *ar = acc + (int64_t)r * hv;
            for (int64_t d = 0; d < hv; d++) ar[d] = fmaf(cka_h(vr[d]), w, ar[d]);
        }
    }
    if (!batched) {
        for (int l = 0; l < 16; l++) {
            float *a0 = acc + (int64_t)l * hv, *a1 = acc + (int64_t)(16 + l) * hv;
            const float *a2 = acc + (int64_t)(32 + l) * hv, *a3 = acc + (int64_t)(48 + l) * hv;
            for (int64_t d = 0; d < hv; d++) a0[d] = (a0[d] + a2[d]) + (a1[d] + a3[d]);
        }
    }
    cka_acc_tree16(acc, hv, out);  // 16-lane tree over rows 0..15 of acc
}

CKA void cka_swiglu(int64_t n, const float *g, const float *u, float *y) {
    // ggml_vec_swiglu_f32: 16-wide blocks with ggml_v_silu, scalar expf for the tail
    const int64_t n16 = n & ~(int64_t)15;
    for (int64_t i = 0; i < n16; i++) {
        const float x = g[i];
        y[i] = (x / (1.0f + cka_expf(0.0f - x))) * u[i];
    }
    for (int64_t i = n16; i < n; i++) y[i] = (g[i] / (1.0f + expf(-g[i]))) * u[i];
}

#if defined(__x86_64__) && !defined(CK_DISABLE_SIMD) && (defined(__clang__) || defined(__GNUC__))
#define CKA_HAVE_FMA 1

// The same computation with explicit 8-wide F16C/FMA vectors; every lane does the operations of the
// scalar code above in the same order, so results are identical (tests compare the two). The scalar
// version looked halves up in a table one at a time and was 31% of a 512-token prompt on
// qwen2.5-coder-0.5b (perf, 1 thread); with vectors, 8% of the same run.
#include <immintrin.h>

__attribute__((target("avx2,fma,f16c"))) static inline __m256 cka_h8(const uint16_t *p) {
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

// cka_tree16 of the 16 lanes lo[0..7], hi[0..7]
__attribute__((target("avx2,fma,f16c"))) static inline float cka_tree16_v(__m256 lo, __m256 hi) {
    const __m256 t8 = _mm256_add_ps(lo, hi);
    const __m128 t4 = _mm_add_ps(_mm256_castps256_ps128(t8), _mm256_extractf128_ps(t8, 1));
    const __m128 t2 = _mm_add_ps(t4, _mm_movehl_ps(t4, t4));  // t4[0]+t4[2], t4[1]+t4[3]
    return _mm_cvtss_f32(_mm_add_ss(t2, _mm_movehdup_ps(t2)));
}

// cka_expf on 8 lanes; lanes outside the fast range (|n| > 192 or exponent below -126) are redone with
// the scalar function.
__attribute__((target("avx2,fma,f16c"))) static inline __m256 cka_expf8(__m256 x) {
    const __m256 r = _mm256_set1_ps(0x1.8p23f);
    const __m256 z = _mm256_fmadd_ps(x, _mm256_set1_ps(0x1.715476p+0f), r);
    const __m256 n = _mm256_sub_ps(z, r);
    const __m256 nn = _mm256_xor_ps(n, _mm256_set1_ps(-0.0f));
    const __m256 b = _mm256_fmadd_ps(nn, _mm256_set1_ps(0x1.7f7d1cp-20f), _mm256_fmadd_ps(nn, _mm256_set1_ps(0x1.62e4p-1f), x));
    const __m256 u = _mm256_mul_ps(b, b);
    const __m256 j = _mm256_fmadd_ps(
        _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_set1_ps(0x1.0e4020p-7f), b, _mm256_set1_ps(0x1.573e2ep-5f)), u,
                        _mm256_fmadd_ps(_mm256_set1_ps(0x1.555e66p-3f), b, _mm256_set1_ps(0x1.fffdb6p-2f))),
        u, _mm256_fmadd_ps(_mm256_set1_ps(0x1.ffffecp-1f), b, _mm256_set1_ps(1.0f)));
    const __m256i e = _mm256_cvttps_epi32(n);
    const __m256i ok = _mm256_and_si256(_mm256_cmpgt_epi32(e, _mm256_set1_epi32(-127)),
                                        _mm256_cmpgt_epi32(_mm256_set1_epi32(128), e));
    const __m256 p = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(e, _mm256_set1_epi32(127)), 23));
    __m256 res = _mm256_mul_ps(j, p);
    if (_mm256_movemask_ps(_mm256_castsi256_ps(ok)) != 0xFF) {
        float xs[8], rs[8];
        _mm256_storeu_ps(xs, x);
        _mm256_storeu_ps(rs, res);
        const int m = _mm256_movemask_ps(_mm256_castsi256_ps(ok));
        for (int l = 0; l < 8; l++) if (!(m >> l & 1)) rs[l] = cka_expf(xs[l]);
        res = _mm256_loadu_ps(rs);
    }
    return res;
}

// Softmax weights of one query in place (s has room for 64-rounding): exp(s - mx) with padding lanes 0, their
// sum in 16-lane trees added in double, then each weight times 1/sum rounded through F16.
__attribute__((target("avx2,fma,f16c"))) static void cka_softmax_weights(float *s, int64_t positions, float mx) {
    const int64_t np64 = (positions + 63) / 64 * 64, np16 = (positions + 15) / 16 * 16;
    for (int64_t p = positions; p < np64; p++) s[p] = 0.0f;
    double sum = 0;
    const __m256 mxv = _mm256_set1_ps(mx);
    for (int64_t b0 = 0; b0 < np16; b0 += 16) {
        __m256 e0 = cka_expf8(_mm256_sub_ps(_mm256_loadu_ps(s + b0), mxv));
        __m256 e1 = cka_expf8(_mm256_sub_ps(_mm256_loadu_ps(s + b0 + 8), mxv));
        if (b0 + 16 > positions) {
            const __m256i idx0 = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
            const __m256i lim = _mm256_set1_epi32((int)(positions - b0));
            e0 = _mm256_and_ps(e0, _mm256_castsi256_ps(_mm256_cmpgt_epi32(lim, idx0)));
            e1 = _mm256_and_ps(e1, _mm256_castsi256_ps(_mm256_cmpgt_epi32(lim, _mm256_add_epi32(idx0, _mm256_set1_epi32(8)))));
        }
        _mm256_storeu_ps(s + b0, e0);
        _mm256_storeu_ps(s + b0 + 8, e1);
        sum += (double)cka_tree16_v(e0, e1);
    }
    const __m256 invv = _mm256_set1_ps((float)(1.0 / sum));
    for (int64_t p = 0; p < np16; p += 8)
        _mm256_storeu_ps(s + p, _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_mul_ps(_mm256_loadu_ps(s + p), invv), _MM_FROUND_TO_NEAREST_INT)));
}

__attribute__((target("avx2,fma,f16c")))
static void cka_attention_simd(const float *q, int64_t hk, const uint16_t *k, int64_t ks, const uint16_t *v, int64_t hv, int64_t vs,
                               int64_t positions, float scale, int batched, float *ws, float *out) {
    float *qf = ws;
    float *s = qf + hk;
    const int64_t np64 = (positions + 63) / 64 * 64;
    float *acc = s + np64;
    {
        int64_t i = 0;
        for (; i + 8 <= hk; i += 8)
            _mm256_storeu_ps(qf + i, _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_loadu_ps(q + i), _MM_FROUND_TO_NEAREST_INT)));
        for (; i < hk; i++) qf[i] = cka_h(dc_f32_to_f16(q[i]));
    }

    float mx = -INFINITY;
    if (batched) {
        const int64_t h16 = hk & ~(int64_t)15;
        for (int64_t p = 0; p < positions; p++) {
            const uint16_t *kr = k + p * ks;
            __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
            for (int64_t c = 0; c < h16; c += 16) {
                a0 = _mm256_fmadd_ps(cka_h8(kr + c), _mm256_loadu_ps(qf + c), a0);
                a1 = _mm256_fmadd_ps(cka_h8(kr + c + 8), _mm256_loadu_ps(qf + c + 8), a1);
            }
            float d = cka_tree16_v(a0, a1);
            for (int64_t c = h16; c < hk; c++) d += cka_h(kr[c]) * qf[c];
            s[p] = d * scale;
            if (s[p] > mx) mx = s[p];
        }
    } else {
        const int64_t np = hk & ~(int64_t)63;
        for (int64_t p = 0; p < positions; p++) {
            const uint16_t *kr = k + p * ks;
            __m256 a[8];
            for (int l = 0; l < 8; l++) a[l] = _mm256_setzero_ps();
            for (int64_t i = 0; i < np; i += 64)
                for (int l = 0; l < 8; l++) a[l] = _mm256_fmadd_ps(cka_h8(kr + i + 8 * l), _mm256_loadu_ps(qf + i + 8 * l), a[l]);
            // x[l] = (a[l] + a[32+l]) + (a[16+l] + a[48+l]) for l < 16 (a[] in groups of 8 lanes)
            const __m256 x0 = _mm256_add_ps(_mm256_add_ps(a[0], a[4]), _mm256_add_ps(a[2], a[6]));
            const __m256 x1 = _mm256_add_ps(_mm256_add_ps(a[1], a[5]), _mm256_add_ps(a[3], a[7]));
            double sd = (double)cka_tree16_v(x0, x1);
            for (int64_t i = np; i < hk; i++) sd += (double)(cka_h(kr[i]) * qf[i]);
            s[p] = (float)sd * scale;
            if (s[p] > mx) mx = s[p];
        }
    }

    cka_softmax_weights(s, positions, mx);

    const int lanes = batched ? 16 : 64;
    const int64_t h8 = hv & ~(int64_t)7;
    for (int64_t i = 0; i < lanes * hv; i++) acc[i] = 0.0f;
    for (int64_t p = 0; p < positions; p++) {
        const __m256 w = _mm256_set1_ps(s[p]);
        const uint16_t *vr = v + p * vs;
        float *ar = acc + (p % lanes) * hv;
        int64_t d = 0;
        for (; d < h8; d += 8) _mm256_storeu_ps(ar + d, _mm256_fmadd_ps(cka_h8(vr + d), w, _mm256_loadu_ps(ar + d)));
        for (; d < hv; d++) ar[d] = fmaf(cka_h(vr[d]), s[p], ar[d]);
    }
    if (!batched) {
        for (int l = 0; l < 16; l++) {
            float *a0 = acc + (int64_t)l * hv, *a1 = acc + (int64_t)(16 + l) * hv;
            const float *a2 = acc + (int64_t)(32 + l) * hv, *a3 = acc + (int64_t)(48 + l) * hv;
            for (int64_t d = 0; d < hv; d++) a0[d] = (a0[d] + a2[d]) + (a1[d] + a3[d]);
        }
    }
    cka_acc_tree16(acc, hv, out);
}
// ---- Grouped prompt attention -------------------------------------------------------------------
// cka_attention_simd (batched order) for many queries that read the same KV head: the query heads of
// one grouped-query group, for a few prompt tokens. Each query's arithmetic is exactly the one above,
// operation for operation; what changes is what is shared and how it is laid out:
//  - keys and values are converted from F16 once per block of positions for all queries, not once
//    per query (qwen2.5's 7 heads per KV head x 4 tokens read each converted row 28 times);
//  - scores are formed 4 positions at a time with the query chunk in registers, and the 16-lane
//    trees of 8 positions are summed by one transposed network (cka_tree16x8) instead of 8 horizontal
//    reductions;
//  - the value accumulator rows (position mod 16) stay in registers while their positions are added,
//    two rows and 32 values at a time (8 FMA chains; 4 were bound by the FMA latency): converted values
//    are laid out by 32-value chunk, so that the chunk of a block that all queries read (16 KB) stays
//    in L1 (rows of 256 B, 16 apart, had all fallen in the same L1 sets).
// Measured, one thread, hd 64, 7 heads x 4 tokens over 2,481 positions (AMD EPYC Zen4): 6.5 ns per
// (query, position) against 8.9 for the per-head kernel; the whole model: docs/PERFORMANCE.md. The
// single-token order was tried the same way and was not faster (10-12 vs 10-12 ns: with 7 queries per
// conversion, the conversion and the per-position 64-lane sums cost what they save), so decoding keeps
// the per-head kernel.
#define CKA_KBLOCK 64  // key positions per converted block: 16 KB of F32 keys at hd 64
#define CKA_VBLOCK 128  // value positions per converted block (a multiple of 16)
#define CKA_VCHUNK 32
#define CKA_KV32(hk, hv) (CKA_KBLOCK * (hk) > ((hv) + CKA_VCHUNK - 1) / CKA_VCHUNK * CKA_VCHUNK * CKA_VBLOCK \
                          ? CKA_KBLOCK * (hk) : ((hv) + CKA_VCHUNK - 1) / CKA_VCHUNK * CKA_VCHUNK * CKA_VBLOCK)

// The 16-lane tree (cka_tree16_v) of 8 positions at once: t[j] holds lanes lo+hi of position j; lane j
// of the result is ((t4[0] + t4[2]) + (t4[1] + t4[3])) of position j, as the horizontal version sums.
__attribute__((target("avx2,fma,f16c"))) static inline __m256 cka_tree16x8(const __m256 t[8]) {
    __m256 w[4];
    for (int i = 0; i < 4; i++)  // t4 of positions 2i (low half) and 2i+1 (high half)
        w[i] = _mm256_add_ps(_mm256_permute2f128_ps(t[2 * i], t[2 * i + 1], 0x20),
                             _mm256_permute2f128_ps(t[2 * i], t[2 * i + 1], 0x31));
    // per half: [t4[0]+t4[2], t4[1]+t4[3]] of two positions
    const __m256 z0 = _mm256_add_ps(_mm256_shuffle_ps(w[0], w[1], _MM_SHUFFLE(1, 0, 1, 0)),
                                    _mm256_shuffle_ps(w[0], w[1], _MM_SHUFFLE(3, 2, 3, 2)));
    const __m256 z1 = _mm256_add_ps(_mm256_shuffle_ps(w[2], w[3], _MM_SHUFFLE(1, 0, 1, 0)),
                                    _mm256_shuffle_ps(w[2], w[3], _MM_SHUFFLE(3, 2, 3, 2)));
    // positions 0,2,4,6 in the low half, 1,3,5,7 in the high half
    const __m256 r = _mm256_add_ps(_mm256_shuffle_ps(z0, z1, _MM_SHUFFLE(2, 0, 2, 0)),
                                   _mm256_shuffle_ps(z0, z1, _MM_SHUFFLE(3, 1, 3, 1)));
    return _mm256_permutevar8x32_ps(r, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

__attribute__((target("avx2,fma,f16c"))) static void cka_f16_rows(const uint16_t *src, int64_t stride, int64_t rows, int64_t n, float *dst) {
    const int64_t n8 = n & ~(int64_t)7;
    for (int64_t r = 0; r < rows; r++) {
        const uint16_t *a = src + r * stride;
        float *b = dst + r * n;
        int64_t i = 0;
        for (; i < n8; i += 8) _mm256_storeu_ps(b + i, cka_h8(a + i));
        for (; i < n; i++) b[i] = cka_h(a[i]);
    }
}

// Value rows [0, rows) converted chunk by chunk: the 32-value chunk c of row r at dst + (c * rows + r) * 32.
__attribute__((target("avx2,fma,f16c"))) static void cka_f16_chunks(const uint16_t *src, int64_t stride, int64_t rows, int64_t n, float *dst) {
    for (int64_t r = 0; r < rows; r++) {
        const uint16_t *a = src + r * stride;
        for (int64_t c0 = 0; c0 < n; c0 += CKA_VCHUNK) {
            float *b = dst + ((c0 / CKA_VCHUNK) * rows + r) * CKA_VCHUNK;
            const int64_t w = n - c0 < CKA_VCHUNK ? n - c0 : CKA_VCHUNK;
            int64_t i = 0;
            for (; i + 8 <= w; i += 8) _mm256_storeu_ps(b + i, cka_h8(a + c0 + i));
            for (; i < w; i++) b[i] = cka_h(a[c0 + i]);
        }
    }
}

// Scores of positions [p0, e) of one query (hk a multiple of 16); k32 holds the block from position b0,
// rows hk floats apart.
__attribute__((target("avx2,fma,f16c")))
static float cka_scores(const float *qf, int64_t hk, const float *k32, int64_t b0, int64_t p0, int64_t e,
                        float scale, float *s, float mx) {
    __m256 mxv = _mm256_set1_ps(mx);
    int64_t p = p0;
    for (; p + 8 <= e; p += 8) {
        __m256 t[8];
        for (int g = 0; g < 2; g++) {
            const float *kr = k32 + (p + 4 * g - b0) * hk;
            __m256 a0[4], a1[4];
            for (int j = 0; j < 4; j++) a0[j] = a1[j] = _mm256_setzero_ps();
            for (int64_t c = 0; c < hk; c += 16) {
                const __m256 q0 = _mm256_loadu_ps(qf + c), q1 = _mm256_loadu_ps(qf + c + 8);
                for (int j = 0; j < 4; j++) {
                    a0[j] = _mm256_fmadd_ps(_mm256_loadu_ps(kr + j * hk + c), q0, a0[j]);
                    a1[j] = _mm256_fmadd_ps(_mm256_loadu_ps(kr + j * hk + c + 8), q1, a1[j]);
                }
            }
            for (int j = 0; j < 4; j++) t[4 * g + j] = _mm256_add_ps(a0[j], a1[j]);
        }
        const __m256 d = _mm256_mul_ps(cka_tree16x8(t), _mm256_set1_ps(scale));
        _mm256_storeu_ps(s + p, d);
        // a NaN score is skipped, as `s > mx` skips it; where +0 and -0 tie for the maximum the sign kept
        // may differ, which changes nothing: x - mx is then ±0 and both exponentials are exactly 1
        mxv = _mm256_max_ps(d, mxv);
    }
    for (; p < e; p++) {
        const float *kr = k32 + (p - b0) * hk;
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
        for (int64_t c = 0; c < hk; c += 16) {
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(kr + c), _mm256_loadu_ps(qf + c), a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(kr + c + 8), _mm256_loadu_ps(qf + c + 8), a1);
        }
        s[p] = cka_tree16_v(a0, a1) * scale;
        mxv = _mm256_max_ps(_mm256_set1_ps(s[p]), mxv);
    }
    float m[8];
    _mm256_storeu_ps(m, mxv);
    for (int l = 0; l < 8; l++) if (m[l] > mx) mx = m[l];
    return mx;
}

// acc row r (positions = r mod 16) += weight x value for positions [b0, e) of a block of `rows`
// positions converted by cka_f16_chunks into v32, values [c0, c0 + w) of the row (one chunk).
__attribute__((target("avx2,fma,f16c")))
static void cka_values(const float *s, const float *v32, int64_t rows, int64_t hv, int64_t c0, int64_t w, int64_t b0,
                       int64_t e, float *acc) {
    const int lanes = 16;
    const float *chunk = v32 + (c0 / CKA_VCHUNK) * rows * CKA_VCHUNK - b0 * CKA_VCHUNK;  // position p at chunk + p * 32
    int r = 0;
    if (w == CKA_VCHUNK) {
        // two rows at a time: 8 independent FMA chains (4 were bound by the FMA latency)
        for (; r + 1 < lanes && b0 + r + 1 < e; r += 2) {
            float *ar = acc + (int64_t)r * hv + c0, *br = ar + hv;
            __m256 a0 = _mm256_loadu_ps(ar), a1 = _mm256_loadu_ps(ar + 8), a2 = _mm256_loadu_ps(ar + 16), a3 = _mm256_loadu_ps(ar + 24);
            __m256 b0v = _mm256_loadu_ps(br), b1 = _mm256_loadu_ps(br + 8), b2 = _mm256_loadu_ps(br + 16), b3 = _mm256_loadu_ps(br + 24);
            int64_t p = b0 + r;
            for (; p + 1 < e; p += lanes) {
                const __m256 wa = _mm256_set1_ps(s[p]), wb = _mm256_set1_ps(s[p + 1]);
                const float *va = chunk + p * CKA_VCHUNK, *vb = va + CKA_VCHUNK;
                a0 = _mm256_fmadd_ps(_mm256_loadu_ps(va), wa, a0);
                b0v = _mm256_fmadd_ps(_mm256_loadu_ps(vb), wb, b0v);
                a1 = _mm256_fmadd_ps(_mm256_loadu_ps(va + 8), wa, a1);
                b1 = _mm256_fmadd_ps(_mm256_loadu_ps(vb + 8), wb, b1);
                a2 = _mm256_fmadd_ps(_mm256_loadu_ps(va + 16), wa, a2);
                b2 = _mm256_fmadd_ps(_mm256_loadu_ps(vb + 16), wb, b2);
                a3 = _mm256_fmadd_ps(_mm256_loadu_ps(va + 24), wa, a3);
                b3 = _mm256_fmadd_ps(_mm256_loadu_ps(vb + 24), wb, b3);
            }
            if (p < e) {  // row r has one more position than row r + 1
                const __m256 wa = _mm256_set1_ps(s[p]);
                const float *va = chunk + p * CKA_VCHUNK;
                a0 = _mm256_fmadd_ps(_mm256_loadu_ps(va), wa, a0);
                a1 = _mm256_fmadd_ps(_mm256_loadu_ps(va + 8), wa, a1);
                a2 = _mm256_fmadd_ps(_mm256_loadu_ps(va + 16), wa, a2);
                a3 = _mm256_fmadd_ps(_mm256_loadu_ps(va + 24), wa, a3);
            }
            _mm256_storeu_ps(ar, a0); _mm256_storeu_ps(ar + 8, a1); _mm256_storeu_ps(ar + 16, a2); _mm256_storeu_ps(ar + 24, a3);
            _mm256_storeu_ps(br, b0v); _mm256_storeu_ps(br + 8, b1); _mm256_storeu_ps(br + 16, b2); _mm256_storeu_ps(br + 24, b3);
        }
    }
    for (; r < lanes && b0 + r < e; r++) {
        float *ar = acc + (int64_t)r * hv + c0;
        if (w == CKA_VCHUNK) {
            __m256 a0 = _mm256_loadu_ps(ar), a1 = _mm256_loadu_ps(ar + 8), a2 = _mm256_loadu_ps(ar + 16), a3 = _mm256_loadu_ps(ar + 24);
            for (int64_t p = b0 + r; p < e; p += lanes) {
                const __m256 wt = _mm256_set1_ps(s[p]);
                const float *vr = chunk + p * CKA_VCHUNK;
                a0 = _mm256_fmadd_ps(_mm256_loadu_ps(vr), wt, a0);
                a1 = _mm256_fmadd_ps(_mm256_loadu_ps(vr + 8), wt, a1);
                a2 = _mm256_fmadd_ps(_mm256_loadu_ps(vr + 16), wt, a2);
                a3 = _mm256_fmadd_ps(_mm256_loadu_ps(vr + 24), wt, a3);
            }
            _mm256_storeu_ps(ar, a0); _mm256_storeu_ps(ar + 8, a1); _mm256_storeu_ps(ar + 16, a2); _mm256_storeu_ps(ar + 24, a3);
            continue;
        }
        int64_t d = 0;
        for (; d + 8 <= w; d += 8) {
            __m256 a = _mm256_loadu_ps(ar + d);
            for (int64_t p = b0 + r; p < e; p += lanes)
                a = _mm256_fmadd_ps(_mm256_loadu_ps(chunk + p * CKA_VCHUNK + d), _mm256_set1_ps(s[p]), a);
            _mm256_storeu_ps(ar + d, a);
        }
        for (; d < w; d++)
            for (int64_t p = b0 + r; p < e; p += lanes) ar[d] = fmaf(chunk[p * CKA_VCHUNK + d], s[p], ar[d]);
    }
}

__attribute__((target("avx2,fma,f16c")))
static void cka_attention_group_simd(const float *q, int64_t qts, int64_t qhs, int64_t tokens, int64_t heads,
                                     const int64_t *positions, int64_t hk, const uint16_t *k, int64_t ks,
                                     const uint16_t *v, int64_t hv, int64_t vs, float scale, float *ws,
                                     float *out, int64_t ots, int64_t ohs) {
    const int64_t nq = tokens * heads;
    int64_t most = 0;
    for (int64_t t = 0; t < tokens; t++) if (positions[t] > most) most = positions[t];
    const int64_t np64 = (most + 63) / 64 * 64;
    float *kv32 = ws;                                        // CKA_KV32(hk, hv): a block of keys or of values
    float *qf = kv32 + CKA_KV32(hk, hv);                     // nq x hk
    float *s = qf + nq * hk;                                 // nq x np64
    float *acc = s + nq * np64;                              // nq x 16 x hv
    float *mx = acc + nq * 16 * hv;                          // nq
    for (int64_t i = 0; i < nq; i++) {
        const float *qi = q + (i / heads) * qts + (i % heads) * qhs;
        float *f = qf + i * hk;
        for (int64_t c = 0; c < hk; c += 8)
            _mm256_storeu_ps(f + c, _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_loadu_ps(qi + c), _MM_FROUND_TO_NEAREST_INT)));
        mx[i] = -INFINITY;
    }
    for (int64_t b0 = 0; b0 < most; b0 += CKA_KBLOCK) {
        const int64_t bn = most - b0 < CKA_KBLOCK ? most - b0 : CKA_KBLOCK;
        cka_f16_rows(k + b0 * ks, ks, bn, hk, kv32);
        for (int64_t i = 0; i < nq; i++) {
            const int64_t n = positions[i / heads], e = n < b0 + bn ? n : b0 + bn;
            if (e > b0) mx[i] = cka_scores(qf + i * hk, hk, kv32, b0, b0, e, scale, s + i * np64, mx[i]);
        }
    }
    for (int64_t i = 0; i < nq; i++) {
        cka_softmax_weights(s + i * np64, positions[i / heads], mx[i]);
        memset(acc + i * 16 * hv, 0, sizeof(float) * (size_t)(16 * hv));
    }
    for (int64_t b0 = 0; b0 < most; b0 += CKA_VBLOCK) {
        const int64_t bn = most - b0 < CKA_VBLOCK ? most - b0 : CKA_VBLOCK;
        cka_f16_chunks(v + b0 * vs, vs, bn, hv, kv32);
        for (int64_t c0 = 0; c0 < hv; c0 += CKA_VCHUNK)
            for (int64_t i = 0; i < nq; i++) {
                const int64_t n = positions[i / heads], e = n < b0 + bn ? n : b0 + bn;
                if (e > b0)
                    cka_values(s + i * np64, kv32, bn, hv, c0, hv - c0 < CKA_VCHUNK ? hv - c0 : CKA_VCHUNK, b0, e,
                               acc + i * 16 * hv);
            }
    }
    for (int64_t i = 0; i < nq; i++)
        cka_acc_tree16(acc + i * 16 * hv, hv, out + (i / heads) * ots + (i % heads) * ohs);
}
// cka_swiglu with 8 lanes at a time (same operations per element).
__attribute__((target("avx2,fma,f16c")))
static void cka_swiglu_simd(int64_t n, const float *g, const float *u, float *y) {
    const int64_t n16 = n & ~(int64_t)15;
    const __m256 one = _mm256_set1_ps(1.0f);
    for (int64_t i = 0; i < n16; i += 8) {
        const __m256 x = _mm256_loadu_ps(g + i);
        const __m256 e = cka_expf8(_mm256_sub_ps(_mm256_setzero_ps(), x));
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_div_ps(x, _mm256_add_ps(one, e)), _mm256_loadu_ps(u + i)));
    }
    for (int64_t i = n16; i < n; i++) y[i] = (g[i] / (1.0f + expf(-g[i]))) * u[i];
}
#endif

size_t dc_attention_workspace(int64_t hd, int64_t context) {
    return dc_attention_workspace_kv(hd, hd, context);
}

size_t dc_attention_workspace_kv(int64_t hk, int64_t hv, int64_t context) {
    return (size_t)(hk + (context + 63) / 64 * 64 + 64 * hv);
}

void dc_attention_head(const float *q, int64_t hd, const uint16_t *k, int64_t k_stride, const uint16_t *v,
                       int64_t v_stride, int64_t positions, float scale, int batched, float *ws, float *out) {
    dc_attention_head_kv(q, hd, k, k_stride, v, hd, v_stride, positions, scale, batched, ws, out);
}

void dc_attention_head_kv(const float *q, int64_t hk, const uint16_t *k, int64_t k_stride, const uint16_t *v,
                          int64_t hv, int64_t v_stride, int64_t positions, float scale, int batched, float *ws,
                          float *out) {
#ifdef CKA_HAVE_FMA
    if (ck_active_level() >= 1) { cka_attention_simd(q, hk, k, k_stride, v, hv, v_stride, positions, scale, batched, ws, out); return; }
#endif
    (void)ck_cpu_level();  // fills the f16 table
    cka_attention(q, hk, k, k_stride, v, hv, v_stride, positions, scale, batched, ws, out);
}

size_t dc_attention_group_workspace(int64_t hk, int64_t hv, int64_t context, int64_t queries) {
    const size_t grouped = (size_t)(CKA_KV32(hk, hv) + queries * (hk + (context + 63) / 64 * 64 + 16 * hv + 1));
    const size_t single = dc_attention_workspace_kv(hk, hv, context);
    return grouped > single ? grouped : single;
}

void dc_attention_group(const float *q, int64_t q_token_stride, int64_t q_head_stride, int64_t tokens, int64_t heads,
                        const int64_t *positions, int64_t hk, const uint16_t *k, int64_t k_stride, const uint16_t *v,
                        int64_t hv, int64_t v_stride, float scale, float *ws, float *out,
                        int64_t out_token_stride, int64_t out_head_stride) {
    if (tokens <= 0 || heads <= 0) return;
#ifdef CKA_HAVE_FMA
    if (ck_active_level() >= 1 && hk % 16 == 0) {
        cka_attention_group_simd(q, q_token_stride, q_head_stride, tokens, heads, positions, hk, k, k_stride, v, hv,
                                 v_stride, scale, ws, out, out_token_stride, out_head_stride);
        return;
    }
#endif
    for (int64_t t = 0; t < tokens; t++)
        for (int64_t h = 0; h < heads; h++)
            dc_attention_head_kv(q + t * q_token_stride + h * q_head_stride, hk, k, k_stride, v, hv, v_stride,
                                 positions[t], scale, 1, ws, out + t * out_token_stride + h * out_head_stride);
}

void dc_softmax_f32(int64_t n, const float *x, float *y) {
    // ggml_soft_max (scale 1, no mask), AVX-512 build: the maximum, then exponentials in blocks of 16
    // with ggml_v_expf summed per block (16-lane tree) into a double, the tail with libm expf, then
    // every value times (float)(1 / sum).
    float mx = -INFINITY;
    for (int64_t i = 0; i < n; i++) if (x[i] > mx) mx = x[i];
    double sum = 0;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        for (int r = 0; r < 16; r++) y[i + r] = cka_expf(x[i + r] - mx);
        sum += (double)cka_tree16(y + i);
    }
    for (; i < n; i++) {
        y[i] = expf(x[i] - mx);
        sum += (double)y[i];
    }
    const float inv = (float)(1.0 / sum);
    for (int64_t j = 0; j < n; j++) y[j] *= inv;
}

float dc_dot_f32_single(int64_t n, const float *w, const float *x) {
    // ggml_vec_dot_f32, AVX-512 build (one token): 4 x 16 lanes with FMA over steps of 64, the four
    // vectors added (0+2, 1+3, then the two), a 16-lane tree, then the tail in float
    float a[64] = {0};
    const int64_t np = n & ~(int64_t)63;
    for (int64_t i = 0; i < np; i += 64)
        for (int r = 0; r < 64; r++) a[r] = fmaf(w[i + r], x[i + r], a[r]);
    float t[16];
    for (int l = 0; l < 16; l++) t[l] = (a[l] + a[32 + l]) + (a[16 + l] + a[48 + l]);
    float s = cka_tree16(t);
    for (int64_t i = np; i < n; i++) s = fmaf(w[i], x[i], s);
    return s;
}

void dc_swiglu(int64_t n, const float *gate, const float *up, float *out) {
#ifdef CKA_HAVE_FMA
    if (ck_active_level() >= 1) { cka_swiglu_simd(n, gate, up, out); return; }
#endif
    cka_swiglu(n, gate, up, out);
}
