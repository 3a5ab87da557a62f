// SIMD matmul kernels, included twice: by kernels_avx2.c (CK_VNNI 0, maddubs/madd integer dots) and by
// kernels_avx512.c (CK_VNNI 1, AVX-512 VNNI vpdpbusd/vpdpwssd on 256-bit vectors plus AVX-512BW masks).
// On Zen 4 512-bit ops are double-pumped, so 256-bit VNNI gives the same integer throughput per byte;
// Intel server cores run them at full width, which the prompt tiles g_q0_pairs, r16_q4_K and r16_q6_K use.
// The including file sets the target attribute for every function here via a pragma.
//
// Each kernel computes R weight rows (R = 4 per tile, 1 for the remainder) against one activation
// row; the tile loop runs all tokens over the same 4 rows so the weight tile stays in L1.

#include <immintrin.h>
#include <stdlib.h>

#define CKI static inline __attribute__((always_inline))

CKI float ck_hsum_ps(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

CKI int ck_hsum_i32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

CKI int ck_hsum_i32x4(__m128i s) {
    s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

// f16 -> f32 through the lookup table (cheaper than a scalar F16C round trip for per-block scales)
CKI float ck_h2f(uint16_t h) { return ck_f16_table[h]; }
// F16C conversion, for the once-per-256-elements K-quant scales
CKI float ck_h2f_cvt(uint16_t h) { return _cvtsh_ss(h); }

// acc + sum over groups of 4 of (unsigned u) * (signed s). AVX2 variant requires |pair sums| < 2^15.
CKI __m256i ck_dot_us(__m256i acc, __m256i u, __m256i s) {
#if CK_VNNI
    return _mm256_dpbusd_epi32(acc, u, s);
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
#endif
}

// acc + madd(a16, b16)
CKI __m256i ck_dot_ww(__m256i acc, __m256i a, __m256i b) {
#if CK_VNNI
    return _mm256_dpwssd_epi32(acc, a, b);
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b));
#endif
}

// 16 packed nibble bytes -> 32 bytes: low nibbles in bytes 0..15, high nibbles in bytes 16..31.
#ifndef CK_SRLV
#define CK_SRLV 1
#endif
CKI __m256i ck_nibbles(const uint8_t *p) {
#if CK_VNNI && CK_SRLV
    // vbroadcasti128 (load port only) + one vpsrlvw + vpand: one vector ALU op less than insert+shift
    const __m256i v = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)p));
    return _mm256_and_si256(_mm256_srlv_epi16(v, _mm256_setr_epi64x(0, 0, 0x0004000400040004LL, 0x0004000400040004LL)),
                            _mm256_set1_epi8(0x0F));
#else
    const __m128i q = _mm_loadu_si128((const __m128i *)p);
    const __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(q), _mm_srli_epi16(q, 4), 1);
    return _mm256_and_si256(v, _mm256_set1_epi8(0x0F));
#endif
}

// ORs 0x10 into byte e of v when bit e of the 32-bit word at p is set.
CKI __m256i ck_or_hibits(__m256i v, const uint8_t *p) {
    uint32_t qh;
    memcpy(&qh, p, 4);
#if CK_VNNI && CK_USE_KMASK
    return _mm256_mask_add_epi8(v, (__mmask32)qh, v, _mm256_set1_epi8(0x10));
#else
    const __m256i idx = _mm256_setr_epi64x(0, 0x0101010101010101LL, 0x0202020202020202LL, 0x0303030303030303LL);
    const __m256i spread = _mm256_shuffle_epi8(_mm256_set1_epi32((int)qh), idx);
    const __m256i bit = _mm256_set1_epi64x(0x8040201008040201LL);
    const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
    return _mm256_or_si256(v, _mm256_and_si256(set, _mm256_set1_epi8(0x10)));
#endif
}

// -sum(c * y) over groups of 4 bytes, c an unsigned byte constant (correction for offset weights).
CKI __m256i ck_neg_offset(__m256i cvec, __m256i y) {
    return _mm256_sub_epi32(_mm256_setzero_si256(), ck_dot_us(_mm256_setzero_si256(), cvec, y));
}

// Software prefetch of [p, p + bytes) into L1: one prefetch per 64-byte line (a block that straddles
// a line boundary touches both lines).
CKI void ck_prefetch_range(const char *p, size_t bytes) {
    // lines p, p+64, ... p+64*(bytes/64) cover [p, p+bytes) whatever p's alignment (constant trip count)
    for (size_t k = 0; k <= bytes / 64; k++) _mm_prefetch(p + 64 * k, _MM_HINT_T0);
}

// ----------------------------------------- Q8_0 x Q8_0 --------------------------------------------
CKI void k_q8_0(int R, int64_t nb, const ck_q8_0 *const *w, const ck_q8_0 *y, float *res, size_t pfd) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t b = 0; b < nb; b++) {
        const __m256i yv = _mm256_loadu_si256((const __m256i *)y[b].qs);
        const __m256 dyv = _mm256_set1_ps(ck_h2f(y[b].d));
#if CK_VNNI
        const __m256i base = ck_neg_offset(_mm256_set1_epi8((char)0x80), yv);
#endif
        for (int r = 0; r < R; r++) {
            ck_prefetch_range((const char *)&w[r][b] + pfd, sizeof(w[r][b]));
            const __m256i wv = _mm256_loadu_si256((const __m256i *)w[r][b].qs);
#if CK_VNNI
            const __m256i s = _mm256_dpbusd_epi32(base, _mm256_xor_si256(wv, _mm256_set1_epi8((char)0x80)), yv);
#else
            const __m256i s = _mm256_madd_epi16(
                _mm256_maddubs_epi16(_mm256_sign_epi8(wv, wv), _mm256_sign_epi8(yv, wv)), _mm256_set1_epi16(1));
#endif
            // llama.cpp (ggml_vec_dot_q8_0_q8_0 and tinyBLAS_Q0_AVX): fma(dx*dy, float(lane sum), acc).
            // The lane sums of Q8_0 x Q8_0 need up to 16 bits, so (sum*dy)*dx would round differently.
            acc[r] = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(ck_h2f(w[r][b].d)), dyv), _mm256_cvtepi32_ps(s), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) res[r] = ck_hsum_ps(acc[r]);
}

// ------------------------------------ Q4_0 / Q5_0 x Q8_0 ------------------------------------------
CKI void k_q4_0(int R, int64_t nb, const ck_q4_0 *const *w, const ck_q8_0 *y, float *res, size_t pfd) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t b = 0; b < nb; b++) {
        const __m256i yv = _mm256_loadu_si256((const __m256i *)y[b].qs);
        const __m256 dyv = _mm256_set1_ps(ck_h2f(y[b].d));
        const __m256i base = ck_neg_offset(_mm256_set1_epi8(8), yv);
        for (int r = 0; r < R; r++) {
            ck_prefetch_range((const char *)&w[r][b] + pfd, sizeof(w[r][b]));
            const __m256i s = ck_dot_us(base, ck_nibbles(w[r][b].qs), yv);
            acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(ck_h2f(w[r][b].d)), _mm256_mul_ps(_mm256_cvtepi32_ps(s), dyv), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) res[r] = ck_hsum_ps(acc[r]);
}

CKI void k_q5_0(int R, int64_t nb, const ck_q5_0 *const *w, const ck_q8_0 *y, float *res, size_t pfd) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t b = 0; b < nb; b++) {
        const __m256i yv = _mm256_loadu_si256((const __m256i *)y[b].qs);
        const __m256 dyv = _mm256_set1_ps(ck_h2f(y[b].d));
        const __m256i base = ck_neg_offset(_mm256_set1_epi8(16), yv);
        for (int r = 0; r < R; r++) {
            ck_prefetch_range((const char *)&w[r][b] + pfd, sizeof(w[r][b]));
            const __m256i q = ck_or_hibits(ck_nibbles(w[r][b].qs), w[r][b].qh);
            const __m256i s = ck_dot_us(base, q, yv);
            acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(ck_h2f(w[r][b].d)), _mm256_mul_ps(_mm256_cvtepi32_ps(s), dyv), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) res[r] = ck_hsum_ps(acc[r]);
}

// ------------------------------------ Q4_1 / Q5_1 x Q8_1 ------------------------------------------
CKI void k_q4_1(int R, int64_t nb, const ck_q4_1 *const *w, const ck_q8_1 *y, float *res, size_t pfd) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    float ms[4] = {0, 0, 0, 0};
    for (int64_t b = 0; b < nb; b++) {
        const __m256i yv = _mm256_loadu_si256((const __m256i *)y[b].qs);
        const __m256 dyv = _mm256_set1_ps(ck_h2f(y[b].d));
        const float sy = ck_h2f(y[b].s);
        for (int r = 0; r < R; r++) {
            ck_prefetch_range((const char *)&w[r][b] + pfd, sizeof(w[r][b]));
            const __m256i s = ck_dot_us(_mm256_setzero_si256(), ck_nibbles(w[r][b].qs), yv);
            acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(ck_h2f(w[r][b].d)), _mm256_mul_ps(_mm256_cvtepi32_ps(s), dyv), acc[r]);
            ms[r] += ck_h2f(w[r][b].m) * sy;
        }
    }
    for (int r = 0; r < R; r++) res[r] = ck_hsum_ps(acc[r]) + ms[r];
}

CKI void k_q5_1(int R, int64_t nb, const ck_q5_1 *const *w, const ck_q8_1 *y, float *res, size_t pfd) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    float ms[4] = {0, 0, 0, 0};
    for (int64_t b = 0; b < nb; b++) {
        const __m256i yv = _mm256_loadu_si256((const __m256i *)y[b].qs);
        const __m256 dyv = _mm256_set1_ps(ck_h2f(y[b].d));
        const float sy = ck_h2f(y[b].s);
        for (int r = 0; r < R; r++) {
            ck_prefetch_range((const char *)&w[r][b] + pfd, sizeof(w[r][b]));
            const __m256i q = ck_or_hibits(ck_nibbles(w[r][b].qs), w[r][b].qh);
            const __m256i s = ck_dot_us(_mm256_setzero_si256(), q, yv);
            acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(ck_h2f(w[r][b].d)), _mm256_mul_ps(_mm256_cvtepi32_ps(s), dyv), acc[r]);
            ms[r] += ck_h2f(w[r][b].m) * sy;
        }
    }
    for (int r = 0; r < R; r++) res[r] = ck_hsum_ps(acc[r]) + ms[r];
}

// ------------------------------------ Q4_K / Q5_K x Q8_K ------------------------------------------
// 6-bit scales/mins of a Q4_K/Q5_K super-block -> bytes 0..7 scales, 8..15 mins, from one 16-byte load
// (the 4 bytes after the 12 scale bytes are read and ignored: within a Q4_K/Q5_K block they are qs/qh
// bytes) without leaving the vector registers.
CKI __m128i ck_k4_scales_vec(const uint8_t *s) {
    const __m128i v = _mm_loadu_si128((const __m128i *)s);  // u0 u1 u2 u3
    const __m128i lo = _mm_and_si128(v, _mm_setr_epi32(0x3f3f3f3f, 0x3f3f3f3f, 0, 0));  // sc_lo, mn_lo
    const __m128i u22 = _mm_srlv_epi32(_mm_shuffle_epi32(v, 0xAA), _mm_setr_epi32(0, 4, 0, 0));
    const __m128i top = _mm_slli_epi32(_mm_and_si128(_mm_srli_epi32(v, 6), _mm_set1_epi32(0x03030303)), 4);
    const __m128i hi = _mm_or_si128(_mm_and_si128(u22, _mm_set1_epi32(0x0f0f0f0f)), top);  // sc_hi, mn_hi
    return _mm_unpacklo_epi32(lo, hi);
}

// shuffle masks selecting int16 lane j of a 128-bit register, broadcast (j = 0..7)
CKI __m256i ck_lane16_mask(int j) {
    return _mm256_set1_epi16((short)((2 * j) | ((2 * j + 1) << 8)));
}

CKI void k_q4_K(int R, int64_t nb, const ck_q4_K *const *w, const ck_q8_K *y, float *res, int hi5,
                const ck_q5_K *const *w5, size_t pfd) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    float ms[4] = {0, 0, 0, 0};
    for (int64_t b = 0; b < nb; b++) {
        const float dy = y[b].d;
        // pair sums of bsums: (bsums[2j] + bsums[2j+1]) for j = 0..7
        const __m128i bs0 = _mm_loadu_si128((const __m128i *)y[b].bsums);
        const __m128i bs1 = _mm_loadu_si128((const __m128i *)y[b].bsums + 1);
        const __m128i bsp = _mm_hadd_epi16(bs0, bs1);
        const int8_t *yq = y[b].qs;
        for (int r = 0; r < R; r++) {
            ck_prefetch_range(hi5 ? (const char *)&w5[r][b] + pfd : (const char *)&w[r][b] + pfd, hi5 ? sizeof(ck_q5_K) : sizeof(ck_q4_K));
            const uint8_t *scp = hi5 ? w5[r][b].scales : w[r][b].scales;
            const uint8_t *qs = hi5 ? w5[r][b].qs : w[r][b].qs;
            const uint16_t dw = hi5 ? w5[r][b].d : w[r][b].d;
            const uint16_t dmw = hi5 ? w5[r][b].dmin : w[r][b].dmin;
            const __m128i sm = ck_k4_scales_vec(scp);
            const __m128i mins16 = _mm_cvtepu8_epi16(_mm_unpackhi_epi64(sm, sm));
            const int summ = ck_hsum_i32x4(_mm_madd_epi16(mins16, bsp));
            const __m256i sc16 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(sm));
            __m256i qhv = _mm256_setzero_si256();
            if (hi5) qhv = _mm256_loadu_si256((const __m256i *)w5[r][b].qh);
            // two independent vpdpwssd chains instead of one serial chain of 8 per super-block
            __m256i sumi = _mm256_setzero_si256(), sumi2 = _mm256_setzero_si256();
            for (int c = 0; c < 4; c++) {
                const __m256i qv = _mm256_loadu_si256((const __m256i *)(qs + 32 * c));
                __m256i lo = _mm256_and_si256(qv, _mm256_set1_epi8(0x0F));
                __m256i hi = _mm256_and_si256(_mm256_srli_epi16(qv, 4), _mm256_set1_epi8(0x0F));
                if (hi5) {
                    const __m256i one = _mm256_set1_epi8(1);
                    lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qhv, 2 * c), one), 4));
                    hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qhv, 2 * c + 1), one), 4));
                }
                const __m256i y0 = _mm256_loadu_si256((const __m256i *)(yq + 64 * c));
                const __m256i y1 = _mm256_loadu_si256((const __m256i *)(yq + 64 * c + 32));
                const __m256i p0 = _mm256_maddubs_epi16(lo, y0);
                const __m256i p1 = _mm256_maddubs_epi16(hi, y1);
                sumi = ck_dot_ww(sumi, p0, _mm256_shuffle_epi8(sc16, ck_lane16_mask(2 * c)));
                sumi2 = ck_dot_ww(sumi2, p1, _mm256_shuffle_epi8(sc16, ck_lane16_mask(2 * c + 1)));
            }
            sumi = _mm256_add_epi32(sumi, sumi2);
            acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(ck_h2f_cvt(dw) * dy), _mm256_cvtepi32_ps(sumi), acc[r]);
            ms[r] += (ck_h2f_cvt(dmw) * dy) * (float)summ;
        }
    }
    for (int r = 0; r < R; r++) res[r] = ck_hsum_ps(acc[r]) - ms[r];
}

// ----------------------------------------- Q6_K x Q8_K --------------------------------------------
CKI void k_q6_K(int R, int64_t nb, const ck_q6_K *const *w, const ck_q8_K *y, float *res, size_t pfd) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    const __m256i m4 = _mm256_set1_epi8(0x0F), m30 = _mm256_set1_epi8(0x30);
    for (int64_t b = 0; b < nb; b++) {
        const float dy = y[b].d;
        const __m256i bsums = _mm256_loadu_si256((const __m256i *)y[b].bsums);
        const int8_t *yq = y[b].qs;
        for (int r = 0; r < R; r++) {
            ck_prefetch_range((const char *)&w[r][b] + pfd, sizeof(w[r][b]));
            const ck_q6_K *x = &w[r][b];
            const __m128i sc8 = _mm_loadu_si128((const __m128i *)x->scales);
            const __m256i sc16all = _mm256_cvtepi8_epi16(sc8);
            // -32 * sum_k sc_k * bsums_k  (the weights are stored with a +32 offset)
            __m256i sumi = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(_mm256_madd_epi16(sc16all, bsums), 5));
            __m256i sumi2 = _mm256_setzero_si256();  // second dpwssd chain (halves the serial latency)
            for (int h = 0; h < 2; h++) {
                const uint8_t *ql = x->ql + 64 * h, *qh = x->qh + 32 * h;
                const int8_t *a = yq + 128 * h;
                // scale lanes: chunk c uses sc[8h+2c] for its first 16 elements, sc[8h+2c+1] for the rest
                const __m256i s16 = _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(h ? _mm_unpackhi_epi64(sc8, sc8) : sc8));
                const __m256i l0 = _mm256_loadu_si256((const __m256i *)ql);
                const __m256i l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
                const __m256i hv = _mm256_loadu_si256((const __m256i *)qh);
                __m256i q[4];
                q[0] = _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_and_si256(_mm256_slli_epi16(hv, 4), m30));
                q[1] = _mm256_or_si256(_mm256_and_si256(l1, m4), _mm256_and_si256(_mm256_slli_epi16(hv, 2), m30));
                q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4), _mm256_and_si256(hv, m30));
                q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4), _mm256_and_si256(_mm256_srli_epi16(hv, 2), m30));
                for (int c = 0; c < 4; c++) {
                    const __m256i yv = _mm256_loadu_si256((const __m256i *)(a + 32 * c));
                    const __m256i p = _mm256_maddubs_epi16(q[c], yv);
                    // low 128: lane 2c, high 128: lane 2c+1
                    const __m256i msk = _mm256_setr_epi8(
                        4 * c, 4 * c + 1, 4 * c, 4 * c + 1, 4 * c, 4 * c + 1, 4 * c, 4 * c + 1,
                        4 * c, 4 * c + 1, 4 * c, 4 * c + 1, 4 * c, 4 * c + 1, 4 * c, 4 * c + 1,
                        4 * c + 2, 4 * c + 3, 4 * c + 2, 4 * c + 3, 4 * c + 2, 4 * c + 3, 4 * c + 2, 4 * c + 3,
                        4 * c + 2, 4 * c + 3, 4 * c + 2, 4 * c + 3, 4 * c + 2, 4 * c + 3, 4 * c + 2, 4 * c + 3);
                    if (c & 1) sumi2 = ck_dot_ww(sumi2, p, _mm256_shuffle_epi8(s16, msk));
                    else sumi = ck_dot_ww(sumi, p, _mm256_shuffle_epi8(s16, msk));
                }
            }
            sumi = _mm256_add_epi32(sumi, sumi2);
            acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(ck_h2f_cvt(x->d) * dy), _mm256_cvtepi32_ps(sumi), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) res[r] = ck_hsum_ps(acc[r]);
}

// ----------------------------------------- float types --------------------------------------------
CKI float k_f32(int64_t n, const float *w, const float *x) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(x + i), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 8), _mm256_loadu_ps(x + i + 8), a1);
    }
    float s = ck_hsum_ps(_mm256_add_ps(a0, a1));
    for (; i < n; i++) s += w[i] * x[i];
    return s;
}

CKI float k_f16(int64_t n, const uint16_t *w, const uint16_t *x) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + i))),
                             _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + i))), a0);
        a1 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + i + 8))),
                             _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + i + 8))), a1);
    }
    float s = ck_hsum_ps(_mm256_add_ps(a0, a1));
    for (; i < n; i++) s += ck_h2f(w[i]) * ck_h2f(x[i]);
    return s;
}

CKI __m256 ck_bf16x8(const uint16_t *p) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p)), 16));
}

CKI float k_bf16(int64_t n, const uint16_t *w, const uint16_t *x) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_fmadd_ps(ck_bf16x8(w + i), ck_bf16x8(x + i), a0);
        a1 = _mm256_fmadd_ps(ck_bf16x8(w + i + 8), ck_bf16x8(x + i + 8), a1);
    }
    float s = ck_hsum_ps(_mm256_add_ps(a0, a1));
    for (; i < n; i++) s += dc_bf16_to_f32(w[i]) * dc_bf16_to_f32(x[i]);
    return s;
}


// ------------------------------- single-row kernels (ntok = 1, decode) ----------------------------
// Decode is one activation row against every weight row. Streaming the rows one after another (instead
// of 4 interleaved row streams) plus a software prefetch a few rows ahead is what reaches DRAM speed on
// Zen 4 (Q8_0 4864x896, 1 thread, stream-read ceiling ~23 GB/s): 4-row tiles 8.6 GB/s, tiles + prefetch
// 9.9, rows in order + prefetch 21.7. The per-block scales of the single-row loops use F16C, not the
// 256 KB lookup table, which streaming evicts (table: Q8_0 16 GB/s from DRAM, F16C: 23).
// The activation-side work (offset correction -off * sum(y) per 4 bytes, dy as float) is done once per
// call. Each row keeps ONE float accumulator fed in block order with ggml's per-block formula, so the
// sums are bit-identical to llama.cpp's (four accumulators were a few percent faster from L2 but moved
// SmolLM2's logits by up to 0.8 and broke greedy equality on 5 of 6 reference prompts).
static const float ck_ones8[8] = {1, 1, 1, 1, 1, 1, 1, 1};
#define CK_MAXNB 512  // 32-element blocks of activation prepared on the stack (n <= 16384)

CKI void ck_prep_q8_0(int64_t nb, const ck_q8_0 *y, int off, __m256i *base, float *dy) {
    const __m256i c = _mm256_set1_epi8((char)off);
    for (int64_t b = 0; b < nb; b++) {
        if (off) base[b] = ck_neg_offset(c, _mm256_loadu_si256((const __m256i *)y[b].qs));
        dy[b] = ck_h2f(y[b].d);
    }
    for (int64_t b = nb; b < nb + 16; b++) dy[b] = 0;
}

// Per-block weight scales are converted 8 at a time: the 16-bit d of 8 blocks are packed into two
// 64-bit integers (scalar loads/shifts, off the vector pipes), converted with one F16C vcvtph2ps and
// multiplied by the activation scales; each block then takes its lane with one vpermps.
// (Copying the halves through a stack array instead hit a store-forwarding stall: Q8_0 hot 33 -> 19 GB/s.)
CKI __m256 ck_scales8(const uint16_t *d0, size_t stride, int cnt, const float *dy) {
    uint64_t lo = 0, hi = 0;
    if (cnt == 8) {
#define CK_HW(k) ((uint64_t)*(const uint16_t *)((const char *)d0 + (k) * stride))
        lo = CK_HW(0) | CK_HW(1) << 16 | CK_HW(2) << 32 | CK_HW(3) << 48;
        hi = CK_HW(4) | CK_HW(5) << 16 | CK_HW(6) << 32 | CK_HW(7) << 48;
    } else {
        for (int k = 0; k < cnt; k++) {
            if (k < 4) lo |= CK_HW(k) << (16 * k);
            else hi |= CK_HW(k) << (16 * (k - 4));
        }
#undef CK_HW
    }
    return _mm256_mul_ps(_mm256_cvtph_ps(_mm_set_epi64x((long long)hi, (long long)lo)), _mm256_loadu_ps(dy));
}

// Rows are walked with pointers advanced 8 blocks at a time and constant offsets inside (indexing by
// b0 + j made clang emit ~6 lea per block; the loop is front-end bound, ~20 instructions per block).
// L2-resident single row, before -> after this change: Q5_0 14.2 -> 18.0, Q8_0 32 -> 37.8 GB/s.
#define CK_ROW8(STEP, BT, YT)                                                                           \
    __m256 a0 = _mm256_setzero_ps();                                                                    \
    const BT *wq = w;                                                                                   \
    const YT *yq = y;                                                                                   \
    const __m256i *bq = base;                                                                           \
    const float *dq = dy;                                                                               \
    int64_t left = nb;                                                                                  \
    for (; left >= 8; left -= 8, wq += 8, yq += 8, bq += 8, dq += 8) {                                  \
        const __m256 scl = ck_scales8(&wq[0].d, sizeof(BT), 8, ck_ones8);                               \
        ck_prefetch_range((const char *)wq + pfd, 8 * sizeof(BT));                                      \
        STEP(0, a0) STEP(1, a0) STEP(2, a0) STEP(3, a0) STEP(4, a0) STEP(5, a0) STEP(6, a0) STEP(7, a0) \
    }                                                                                                   \
    if (left) {                                                                                         \
        const __m256 scl = ck_scales8(&wq[0].d, sizeof(BT), (int)left, ck_ones8);                       \
        ck_prefetch_range((const char *)wq + pfd, 8 * sizeof(BT));                                      \
        for (int k = 0; k < (int)left; k++) STEP(k, a0)                                                 \
    }                                                                                                   \
    return ck_hsum_ps(a0)

// Q8_0 keeps an indexed loop over groups of 4 blocks: the pointer-walk CK_ROW8 above is faster from L2
// (32 -> 37.8 GB/s) but streamed Q8_0 from DRAM slower (20-22 -> 17-18 GB/s, 4864x896), cause not found.
#define CK_ROW8I(STEP, BT)                                                                              \
    __m256 a0 = _mm256_setzero_ps();                                                                    \
    for (int64_t b0 = 0; b0 < nb; b0 += 8) {                                                            \
        const int cnt = nb - b0 < 8 ? (int)(nb - b0) : 8;                                              \
        const __m256 scl = ck_scales8(&w[b0].d, sizeof(BT), cnt, dy + b0);                              \
        int j = 0;                                                                                      \
        for (; j + 4 <= cnt; j += 4) {                                                                  \
            const int64_t b = b0 + j;                                                                   \
            ck_prefetch_range((const char *)&w[b] + pfd, 4 * sizeof(BT));                               \
            STEP(b, j, a0) STEP(b + 1, j + 1, a0) STEP(b + 2, j + 2, a0) STEP(b + 3, j + 3, a0)         \
        }                                                                                               \
        for (; j < cnt; j++) {                                                                          \
            const int64_t b = b0 + j;                                                                   \
            ck_prefetch_range((const char *)&w[b] + pfd, sizeof(BT));                                   \
            STEP(b, j, a0)                                                                              \
        }                                                                                               \
    }                                                                                                   \
    return ck_hsum_ps(a0)

#define CK_YV(K) _mm256_loadu_si256((const __m256i *)yq[K].qs)
// fma(dx, float(sum) * dy, acc) in block order, as ggml_vec_dot_q4_0/q5_0/q4_1 (and our tile path) do
#define CK_FACC(K, S, ACC) ACC = _mm256_fmadd_ps(_mm256_permutevar8x32_ps(scl, _mm256_set1_epi32(K)), _mm256_mul_ps(_mm256_cvtepi32_ps(S), _mm256_set1_ps(dq[K])), ACC);

CKI float k1_q5_0(int64_t nb, const ck_q5_0 *w, const ck_q8_0 *y, const __m256i *base, const float *dy, size_t pfd) {
#define CK_S_Q5_0(K, ACC) { const __m256i s_ = ck_dot_us(bq[K], ck_or_hibits(ck_nibbles(wq[K].qs), wq[K].qh), CK_YV(K)); CK_FACC(K, s_, ACC) }
    CK_ROW8(CK_S_Q5_0, ck_q5_0, ck_q8_0);
}

CKI float k1_q4_0(int64_t nb, const ck_q4_0 *w, const ck_q8_0 *y, const __m256i *base, const float *dy, size_t pfd) {
#define CK_S_Q4_0(K, ACC) { const __m256i s_ = ck_dot_us(bq[K], ck_nibbles(wq[K].qs), CK_YV(K)); CK_FACC(K, s_, ACC) }
    CK_ROW8(CK_S_Q4_0, ck_q4_0, ck_q8_0);
}

CKI float k1_q8_0(int64_t nb, const ck_q8_0 *w, const ck_q8_0 *y, const __m256i *base, const float *dy, size_t pfd) {
#define CK_FACCI(J, S, ACC) ACC = _mm256_fmadd_ps(_mm256_permutevar8x32_ps(scl, _mm256_set1_epi32(J)), _mm256_cvtepi32_ps(S), ACC);
#define CK_WQ8(B) _mm256_loadu_si256((const __m256i *)w[B].qs)
#define CK_YQ8(B) _mm256_loadu_si256((const __m256i *)y[B].qs)
#if CK_VNNI
    // w ^ 0x80 = w + 128 as unsigned; base holds -128 * sum(y) per 4 bytes
#define CK_S_Q8_0(B, J, ACC) { const __m256i s_ = _mm256_dpbusd_epi32(base[B], _mm256_xor_si256(CK_WQ8(B), _mm256_set1_epi8((char)0x80)), CK_YQ8(B)); CK_FACCI(J, s_, ACC) }
#else
    (void)base;
#define CK_S_Q8_0(B, J, ACC) { const __m256i wv_ = CK_WQ8(B), yv_ = CK_YQ8(B); \
        const __m256i s_ = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(wv_, wv_), _mm256_sign_epi8(yv_, wv_)), _mm256_set1_epi16(1)); CK_FACCI(J, s_, ACC) }
#endif
    CK_ROW8I(CK_S_Q8_0, ck_q8_0);
}

CKI float k1_q4_1_dot(int64_t nb, const ck_q4_1 *w, const ck_q8_1 *y, const __m256i *base, const float *dy, size_t pfd) {
#define CK_S_Q4_1(K, ACC) { (void)bq; const __m256i s_ = ck_dot_us(_mm256_setzero_si256(), ck_nibbles(wq[K].qs), CK_YV(K)); CK_FACC(K, s_, ACC) }
    CK_ROW8(CK_S_Q4_1, ck_q4_1, ck_q8_1);
}

CKI float k1_q4_1(int64_t nb, const ck_q4_1 *w, const ck_q8_1 *y, const float *dy, const float *sy, size_t pfd) {
    // the m * s(y) term in block order, as ggml's summs (a vector partial sum rounds differently)
    float ms = 0;
    for (int64_t b = 0; b < nb; b++) ms += ck_h2f(w[b].m) * sy[b];
    return k1_q4_1_dot(nb, w, y, (const __m256i *)dy, dy, pfd) + ms;  // no offset: base pointer unused
}


// Q4_K single row, in llama.cpp's order for Q4_K (its repacked gemv, see r8_q4_K below): per
// super-block the exact integer sums of the scaled dots and of the min corrections each take one fma,
// acc - accm at the end. The activation-side pair sums of bsums are prepared once per call and the
// two vpdpwssd chains are independent. Measured (1 thread, n=1536, GB/s of weights, L2-resident / DRAM):
// the earlier version that summed in ggml's vec_dot order (8 float lanes, no per-super-block totals)
// 21.7 / 20.0; this order with the totals taken through scalar registers 18.9 / 17.4; as written (both
// totals reduced in one vector, scales unpacked in vector registers) 21.5 / 18-19.
CKI float k1_q4_K(int64_t nb, const ck_q4_K *w, const ck_q8_K *y, const __m128i *bsp, size_t pfd) {
    __m128 acc = _mm_setzero_ps();  // lane 0: sum of the scaled dots, lane 1: of the min corrections
    for (int64_t b = 0; b < nb; b++) {
        const ck_q4_K *x = &w[b];
        ck_prefetch_range((const char *)x + pfd, sizeof(ck_q4_K));
        uint32_t dd;
        memcpy(&dd, &x->d, 4);  // d, dmin
        const __m128 dm = _mm_mul_ps(_mm_cvtph_ps(_mm_cvtsi32_si128((int)dd)), _mm_set1_ps(y[b].d));
        const __m128i sm = ck_k4_scales_vec(x->scales);
        const __m128i mins16 = _mm_cvtepu8_epi16(_mm_unpackhi_epi64(sm, sm));
        const __m256i sc16 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(sm));
        const int8_t *yq = y[b].qs;
        __m256i sumi = _mm256_setzero_si256(), sumi2 = _mm256_setzero_si256();
        for (int c = 0; c < 4; c++) {
            const __m256i qv = _mm256_loadu_si256((const __m256i *)(x->qs + 32 * c));
            const __m256i lo = _mm256_and_si256(qv, _mm256_set1_epi8(0x0F));
            const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(qv, 4), _mm256_set1_epi8(0x0F));
            const __m256i p0 = _mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i *)(yq + 64 * c)));
            const __m256i p1 = _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i *)(yq + 64 * c + 32)));
            sumi = ck_dot_ww(sumi, p0, _mm256_shuffle_epi8(sc16, ck_lane16_mask(2 * c)));
            sumi2 = ck_dot_ww(sumi2, p1, _mm256_shuffle_epi8(sc16, ck_lane16_mask(2 * c + 1)));
        }
        // lane 0: the super-block total, lane 1: its min total (both exact), reduced together in vector
        // registers; one fma then takes lane 0 with d*dy and lane 1 with dmin*dy
        const __m256i t = _mm256_add_epi32(sumi, sumi2);
        const __m128i h = _mm_hadd_epi32(_mm_add_epi32(_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1)),
                                         _mm_madd_epi16(mins16, bsp[b]));
        acc = _mm_fmadd_ps(_mm_cvtepi32_ps(_mm_hadd_epi32(h, h)), dm, acc);
    }
    return _mm_cvtss_f32(_mm_sub_ss(acc, _mm_shuffle_ps(acc, acc, 0x55)));
}


// (A Q5_0 kernel taking 4 blocks per 512-bit register with VBMI/BITALG reached 24.5 GB/s from L2 vs
// 18 here, but its lane order cannot reproduce ggml's sums; exact greedy tokens come first.)

// ------------------------------ batched GEMM (prompt processing, ntok >= 2) -----------------------
// A prompt chunk multiplies every weight row with many activation rows. The tile path above decodes
// a weight block again for every token; here a tile of CK_GM rows x CK_GN tokens keeps CK_GM decoded
// weight blocks in registers and reuses each for CK_GN tokens (and each activation block for CK_GM
// rows), with all CK_GM * CK_GN accumulators in registers. AVX-512 has 32 vector registers: 4 x 4;
// AVX2 has 16: 4 x 2.
//
// Results per output are independent of the tile shape:
//  - Q8_0 / Q5_0 / Q4_0 follow llamafile's tinyBLAS_Q0_AVX, which llama.cpp uses for these types at
//    >= 2 tokens: per 32-block, acc = fma(set1(dw * dy), float(8 lane sums), acc), then one 8-lane
//    sum (the integer lane sums are exact whatever instructions form them);
//  - Q4_1 follows ggml_vec_dot_q4_1_q8_1 (llama.cpp has no tiled Q4_1 kernel), as k1_q4_1 does;
//  - Q6_K below 8 tokens gives exactly what k_q6_K above gives (same integer lanes, same float steps);
//    Q4_K, and Q6_K from 8 tokens, run the 8-row kernels further down in llama.cpp's order for them.
// Measured, 1 thread, 64 tokens, L2/L3-resident weights (GMAC/s, old tile path -> this, with the
// decoded tiles described below): n=896: Q5_0 32 -> 49, Q8_0 49 -> 49, Q4_K 39 -> 73, Q6_K 42 -> 75;
// n=4864: Q5_0 33 -> 50, Q8_0 49 -> 48, Q4_K 35 -> 66, Q6_K 38 -> 69 (machine under load 7-10).
#define CK_GM 4
#if CK_VNNI
#define CK_GN 4
#else
#define CK_GN 2
#endif

// One 32-element weight block as bytes u with w = u - off (off = 8 Q4_0, 16 Q5_0, 128 Q8_0 on VNNI;
// AVX2 Q8_0 stays signed and uses the sign trick, since (w + 128) * y pairs overflow maddubs).
CKI __m256i ck_q0_bytes(int type, const char *blk) {
    if (type == DC_TYPE_Q5_0) {
        const ck_q5_0 *x = (const ck_q5_0 *)blk;
        return ck_or_hibits(ck_nibbles(x->qs), x->qh);
    }
    if (type == DC_TYPE_Q4_0) return ck_nibbles(((const ck_q4_0 *)blk)->qs);
    const __m256i w = _mm256_loadu_si256((const __m256i *)((const ck_q8_0 *)blk)->qs);
#if CK_VNNI
    return _mm256_xor_si256(w, _mm256_set1_epi8((char)0x80));
#else
    return w;
#endif
}

CKI int ck_q0_offset(int type) { return type == DC_TYPE_Q5_0 ? 16 : type == DC_TYPE_Q4_0 ? 8 : CK_VNNI ? 128 : 0; }

// The weight tile of the Q0 types is decoded once into u[b][i] (32 bytes, w = u - off) and dw[b][i]
// (float) before its token tiles run: Q5_0 decoding (nibbles, high-bit masks, f16 scale) was done
// again for every token tile. Measured (1 thread, 64 tokens, n=896): Q5_0 34 -> 49 GMAC/s.
CKI void ck_q0_decode_tile(int type, int rm, int64_t nb, const char *const *w, __m256i *u, float *dw, size_t pf) {
    const size_t bs = type == DC_TYPE_Q5_0 ? sizeof(ck_q5_0) : type == DC_TYPE_Q4_0 ? sizeof(ck_q4_0) : sizeof(ck_q8_0);
    for (int i = 0; i < rm; i++) {
        for (int64_t b = 0; b < nb; b++) {
            const char *blk = w[i] + (size_t)b * bs;
            if (pf) _mm_prefetch(blk + pf, _MM_HINT_T0);
            _mm256_storeu_si256(u + b * CK_GM + i, ck_q0_bytes(type, blk));
            dw[b * CK_GM + i] = ck_h2f_cvt(*(const uint16_t *)blk);
        }
    }
}

// What the Q0 tile kernel reads of one token, per 32-block b: its quantized activation y[b], the offset
// correction base[b] = -off * (4-byte sums of y[b].qs) (offset types) and dy[b], y[b].d as float in 8 lanes.
// base and dy are formed once per ck_gemm call (the rows one pool chunk claims, a few per thread and
// product) for every token (ck_q0_prep_tokens), not again for every 4-row tile: before, each tile converted dy from half precision, multiplied it with dw as a scalar and
// broadcast it, and recomputed the correction (a dot and a subtraction), about 3 vector operations per
// token and block beside the 4-5 per row. Measured (qwen2.5-coder-0.5b-instruct, Q5_0/Q8_0, `bench -p 512
// -n 1 -r 3`, 2 threads, AMD EPYC AVX-512 VNNI, quiet, three alternating pairs): 241.7 / 242.1 / 239.5 ->
// 305.6 / 308.3 / 279.4 prompt tokens/s (llama.cpp's pp512 in the same hour: 237).
typedef struct {
    const ck_q8_0 *y;
    const __m256i *base;
    const __m256 *dy;
} ck_q0_tok;

// RM decoded rows (u, dw from ck_q0_decode_tile, starting at row i0) x RN tokens (tk[j]) over nb blocks;
// out[j * os + i] for row i.
CKI void g_q0(int type, int RM, int RN, int64_t nb, const __m256i *u, const float *dw, const ck_q0_tok *tk,
              float *out, int64_t os) {
    const int off = ck_q0_offset(type);
    __m256 acc[CK_GM][CK_GN];
    for (int i = 0; i < RM; i++)
        for (int j = 0; j < RN; j++) acc[i][j] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; b++) {
        __m256i ub[CK_GM];
        __m256 dwb[CK_GM];
        for (int i = 0; i < RM; i++) {
            ub[i] = _mm256_loadu_si256(u + b * CK_GM + i);
            dwb[i] = _mm256_broadcast_ss(dw + b * CK_GM + i);
        }
        for (int j = 0; j < RN; j++) {
            const __m256i yv = _mm256_loadu_si256((const __m256i *)tk[j].y[b].qs);
            const __m256 dy = tk[j].dy[b];
            for (int i = 0; i < RM; i++) {
                __m256i s;
                if (off) s = ck_dot_us(tk[j].base[b], ub[i], yv);
                else s = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(ub[i], ub[i]), _mm256_sign_epi8(yv, ub[i])),
                                           _mm256_set1_epi16(1));
                acc[i][j] = _mm256_fmadd_ps(_mm256_mul_ps(dwb[i], dy), _mm256_cvtepi32_ps(s), acc[i][j]);
            }
        }
    }
    for (int j = 0; j < RN; j++)
        for (int i = 0; i < RM; i++) out[j * os + i] = ck_hsum_ps(acc[i][j]);
}

#if CK_VNNI
// The same tile with two rows per 512-bit register (row 2p in the low 256 bits, row 2p + 1 in the high) and
// CK_Q0_GN = 8 tokens, each token's bytes, correction and scale broadcast to both halves. Every lane does what
// g_q0 does with it (the integer sums are exact, then the same mul, conversion and fma per block, in block
// order), so every output has the same bits, with half as many vector operations per product. That pays
// where 512-bit operations run at full width (Intel server cores); Zen 4 splits them in two (not measured
// there). Measured on an Intel Xeon (family 6 model 207), 1 thread, n = 896, 896 rows, 64 tokens, the other
// core busy, a C harness calling dc_matmul (not committed), GMAC/s: Q5_0 50.5 (g_q0, 4 x 4) -> 60.9 (pairs,
// 4 tokens) -> 71.4 (pairs, 8 tokens); Q8_0 51.0 -> 61.7 -> 72.2; the same output bits in all three.
#define CK_Q0_GN 8
CKI __m256 ck_hi256_ps(__m512 v) { return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)); }

CKI void g_q0_pairs(int RN, int64_t nb, const __m256i *u, const float *dw, const ck_q0_tok *tk, float *out, int64_t os) {
    __m512 acc[CK_GM / 2][CK_Q0_GN];
    for (int p = 0; p < CK_GM / 2; p++)
        for (int j = 0; j < RN; j++) acc[p][j] = _mm512_setzero_ps();
    const __m512i sel[2] = {_mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0),
                            _mm512_set_epi32(3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2)};
    for (int64_t b = 0; b < nb; b++) {
        __m512i ub[CK_GM / 2];
        __m512 dwb[CK_GM / 2];
        const __m512 d4 = _mm512_castps128_ps512(_mm_loadu_ps(dw + b * CK_GM));
        for (int p = 0; p < CK_GM / 2; p++) {
            ub[p] = _mm512_loadu_si512((const void *)(u + b * CK_GM + 2 * p));
            dwb[p] = _mm512_permutexvar_ps(sel[p], d4);
        }
        for (int j = 0; j < RN; j++) {
            const __m512i yv = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)tk[j].y[b].qs));
            const __m512i base = _mm512_broadcast_i64x4(tk[j].base[b]);
            const __m512 dy = _mm512_set1_ps(*(const float *)(tk[j].dy + b));
            for (int p = 0; p < CK_GM / 2; p++) {
                const __m512i s = _mm512_dpbusd_epi32(base, ub[p], yv);
                acc[p][j] = _mm512_fmadd_ps(_mm512_mul_ps(dwb[p], dy), _mm512_cvtepi32_ps(s), acc[p][j]);
            }
        }
    }
    for (int j = 0; j < RN; j++)
        for (int p = 0; p < CK_GM / 2; p++) {
            out[j * os + 2 * p] = ck_hsum_ps(_mm512_castps512_ps256(acc[p][j]));
            out[j * os + 2 * p + 1] = ck_hsum_ps(ck_hi256_ps(acc[p][j]));
        }
}

// A whole row tile against tn <= CK_Q0_GN tokens, tn a compile-time constant in each call. On VNNI every
// Q0 type is an offset type (Q8_0 as u - 128), so one kernel serves all three.
static void ck_gemm_q0_pairs(int tn, int64_t nb, const __m256i *u, const float *dw, const ck_q0_tok *tk,
                             float *o, int64_t os) {
    switch (tn) {
    case 8: g_q0_pairs(8, nb, u, dw, tk, o, os); break;
    case 7: g_q0_pairs(7, nb, u, dw, tk, o, os); break;
    case 6: g_q0_pairs(6, nb, u, dw, tk, o, os); break;
    case 5: g_q0_pairs(5, nb, u, dw, tk, o, os); break;
    case 4: g_q0_pairs(4, nb, u, dw, tk, o, os); break;
    case 3: g_q0_pairs(3, nb, u, dw, tk, o, os); break;
    case 2: g_q0_pairs(2, nb, u, dw, tk, o, os); break;
    default: g_q0_pairs(1, nb, u, dw, tk, o, os); break;
    }
}
#endif

// Q6_K: as k_q6_K (the -32 offset folded into the integer lanes through the activation's bsums). The
// 6-bit values of a row tile are unpacked once into bytes (q6[b][i][256], in k_q6_K's chunk order)
// before the token tiles run. Measured (1 thread, 64 tokens, n=896 / 4864): 47 -> 75 / 40 -> 69 GMAC/s.
CKI void ck_q6_K_decode_tile(int rm, int64_t nb, const char *const *w, uint8_t *q6, size_t pf) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m30 = _mm256_set1_epi8(0x30);
    for (int i = 0; i < rm; i++) {
        for (int64_t b = 0; b < nb; b++) {
            const ck_q6_K *x = (const ck_q6_K *)w[i] + b;
            if (pf) ck_prefetch_range((const char *)x + pf, sizeof(ck_q6_K));
            uint8_t *d = q6 + ((size_t)b * CK_GM + i) * 256;
            for (int h = 0; h < 2; h++) {
                const __m256i l0 = _mm256_loadu_si256((const __m256i *)(x->ql + 64 * h));
                const __m256i l1 = _mm256_loadu_si256((const __m256i *)(x->ql + 64 * h + 32));
                const __m256i hv = _mm256_loadu_si256((const __m256i *)(x->qh + 32 * h));
                __m256i *o = (__m256i *)(d + 128 * h);
                _mm256_storeu_si256(o + 0, _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_and_si256(_mm256_slli_epi16(hv, 4), m30)));
                _mm256_storeu_si256(o + 1, _mm256_or_si256(_mm256_and_si256(l1, m4), _mm256_and_si256(_mm256_slli_epi16(hv, 2), m30)));
                _mm256_storeu_si256(o + 2, _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4), _mm256_and_si256(hv, m30)));
                _mm256_storeu_si256(o + 3, _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                                                           _mm256_and_si256(_mm256_srli_epi16(hv, 2), m30)));
            }
        }
    }
}

// RM rows (row pointers w[i] for scales and d; unpacked values q6 + 256 * i per super-block) x RN tokens.
CKI void g_q6_K(int RM, int RN, int64_t nb, const char *const *w, const uint8_t *q6, const ck_q8_K *const *y,
                float *out, int64_t os) {
    __m256 acc[CK_GM][CK_GN];
    for (int i = 0; i < RM; i++)
        for (int j = 0; j < RN; j++) acc[i][j] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; b++) {
        const ck_q6_K *x[CK_GM];
        __m256i isum[CK_GM][CK_GN];
        __m256i s16[CK_GM][2];
        for (int i = 0; i < RM; i++) {
            x[i] = (const ck_q6_K *)w[i] + b;
            const __m128i sc8 = _mm_loadu_si128((const __m128i *)x[i]->scales);
            const __m256i sc16all = _mm256_cvtepi8_epi16(sc8);
            s16[i][0] = _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(sc8));
            s16[i][1] = _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(_mm_unpackhi_epi64(sc8, sc8)));
            for (int j = 0; j < RN; j++)
                isum[i][j] = _mm256_sub_epi32(_mm256_setzero_si256(),
                    _mm256_slli_epi32(_mm256_madd_epi16(sc16all, _mm256_loadu_si256((const __m256i *)y[j][b].bsums)), 5));
        }
        const uint8_t *qb = q6 + (size_t)b * CK_GM * 256;
        for (int h = 0; h < 2; h++) {
            for (int c = 0; c < 4; c++) {
                __m256i yv[CK_GN];
                for (int j = 0; j < RN; j++) yv[j] = _mm256_loadu_si256((const __m256i *)(y[j][b].qs + 128 * h + 32 * c));
                // scale lanes: chunk c uses sc[8h+2c] for its first 16 elements, sc[8h+2c+1] for the rest
                const __m256i msk = _mm256_setr_epi8(
                    4 * c, 4 * c + 1, 4 * c, 4 * c + 1, 4 * c, 4 * c + 1, 4 * c, 4 * c + 1,
                    4 * c, 4 * c + 1, 4 * c, 4 * c + 1, 4 * c, 4 * c + 1, 4 * c, 4 * c + 1,
                    4 * c + 2, 4 * c + 3, 4 * c + 2, 4 * c + 3, 4 * c + 2, 4 * c + 3, 4 * c + 2, 4 * c + 3,
                    4 * c + 2, 4 * c + 3, 4 * c + 2, 4 * c + 3, 4 * c + 2, 4 * c + 3, 4 * c + 2, 4 * c + 3);
                for (int i = 0; i < RM; i++) {
                    const __m256i q = _mm256_loadu_si256((const __m256i *)(qb + 256 * i + 128 * h + 32 * c));
                    const __m256i sc = _mm256_shuffle_epi8(s16[i][h], msk);
                    for (int j = 0; j < RN; j++) isum[i][j] = ck_dot_ww(isum[i][j], _mm256_maddubs_epi16(q, yv[j]), sc);
                }
            }
        }
        for (int i = 0; i < RM; i++)
            for (int j = 0; j < RN; j++)
                acc[i][j] = _mm256_fmadd_ps(_mm256_set1_ps(ck_h2f_cvt(x[i]->d) * y[j][b].d), _mm256_cvtepi32_ps(isum[i][j]), acc[i][j]);
    }
    for (int j = 0; j < RN; j++)
        for (int i = 0; i < RM; i++) out[j * os + i] = ck_hsum_ps(acc[i][j]);
}

// The tile kernels below are specialised for their token count: CK_FOR_TN(G, args) calls G(RN, args) with
// the tile's tn (at most CK_GN) as a compile-time constant.
#define CK_FOR_TN(G, ...)                                                                              \
    switch (tn) {                                                                                      \
    case 4: G(4 > CK_GN ? CK_GN : 4, __VA_ARGS__); break;                                              \
    case 3: G(3 > CK_GN ? CK_GN : 3, __VA_ARGS__); break;                                              \
    case 2: G(2, __VA_ARGS__); break;                                                                  \
    default: G(1, __VA_ARGS__); break;                                                                 \
    }
#define CK_G_Q0(RN, TYPE, RM, I, O) g_q0(TYPE, RM, RN, nb, u + (I), dw + (I), tk, O, os)
#define CK_Q0TYPE(TYPE)                                                                                \
    case TYPE:                                                                                         \
        if (rm == CK_GM) { CK_FOR_TN(CK_G_Q0, TYPE, CK_GM, 0, o) }                                     \
        else for (int i = 0; i < rm; i++) { CK_FOR_TN(CK_G_Q0, TYPE, 1, i, o + i) }                     \
        break;

static void ck_gemm_q0_tile(int type, int rm, int tn, int64_t nb, const __m256i *u, const float *dw,
                            const ck_q0_tok *tk, float *o, int64_t os) {
    switch (type) {
    CK_Q0TYPE(DC_TYPE_Q8_0) CK_Q0TYPE(DC_TYPE_Q5_0) CK_Q0TYPE(DC_TYPE_Q4_0)
    default: break;
    }
}
#undef CK_Q0TYPE
#undef CK_G_Q0

// Q4_1 (SmolLM2's type): llama.cpp has no tiled kernel for it, so each output of its prompt products is
// ggml_vec_dot_q4_1_q8_1, as ntok = 1 is here (k1_q4_1): per 32-block acc = fma(dw, float(8 lane sums) *
// dy, acc) and, beside it, ms = fma(m, sy, ms) in block order; result hsum(acc) + ms. The tile below keeps
// those steps for every output, but decodes each weight block once per 4-row tile (nibbles, d and m as
// floats) instead of once per token, and keeps the 4 rows' ms sums in the lanes of one 128-bit vector.
// Every output equals ntok = 1's to the bit (KernelTests). Measured (1 thread, 64 tokens x 576 rows, random
// blocks, GMAC/s; the per-token tile loop k_q4_1 -> this): AVX2 code n=576 25.9 -> 45.4, n=1536 26.9 -> 47.0;
// AVX-512 VNNI code n=576 32.8 -> 59.6, n=1536 34.2 -> 62.2. What is left per (row, token, block) is the
// integer dot, its conversion, the multiply by dy and the fma that ggml's order needs.
typedef struct {
    const ck_q8_1 *y;
    const __m256 *dy;  // y[b].d as float in 8 lanes
    const float *sy;   // y[b].s as float
} ck_q41_tok;

CKI void ck_q4_1_decode_tile(int rm, int64_t nb, const char *const *w, __m256i *u, float *dw, float *mw, size_t pf) {
    for (int i = 0; i < rm; i++) {
        for (int64_t b = 0; b < nb; b++) {
            const ck_q4_1 *x = (const ck_q4_1 *)w[i] + b;
            if (pf) _mm_prefetch((const char *)x + pf, _MM_HINT_T0);
            _mm256_storeu_si256(u + b * CK_GM + i, ck_nibbles(x->qs));
            dw[b * CK_GM + i] = ck_h2f(x->d);
            mw[b * CK_GM + i] = ck_h2f(x->m);
        }
    }
}

// RM decoded rows (u, dw, mw from ck_q4_1_decode_tile, starting at row i0) x RN tokens; out[j * os + i].
CKI void g_q4_1(int RM, int RN, int64_t nb, const __m256i *u, const float *dw, const float *mw, const ck_q41_tok *tk,
                float *out, int64_t os) {
    __m256 acc[CK_GM][CK_GN];
    __m128 ms4[CK_GN];     // RM == CK_GM: lane i holds row i's m * sy sum
    float ms[CK_GM][CK_GN]; // RM < CK_GM
    for (int j = 0; j < RN; j++) {
        ms4[j] = _mm_setzero_ps();
        for (int i = 0; i < RM; i++) {
            acc[i][j] = _mm256_setzero_ps();
            ms[i][j] = 0;
        }
    }
    for (int64_t b = 0; b < nb; b++) {
        __m256i ub[CK_GM];
        for (int i = 0; i < RM; i++) ub[i] = _mm256_loadu_si256(u + b * CK_GM + i);
        const __m128 mv = RM == CK_GM ? _mm_loadu_ps(mw + b * CK_GM) : _mm_setzero_ps();
        for (int j = 0; j < RN; j++) {
            const __m256i yv = _mm256_loadu_si256((const __m256i *)tk[j].y[b].qs);
            const __m256 dy = tk[j].dy[b];
            const float sy = tk[j].sy[b];
            if (RM == CK_GM) ms4[j] = _mm_fmadd_ps(mv, _mm_set1_ps(sy), ms4[j]);
            else
                for (int i = 0; i < RM; i++) ms[i][j] = __builtin_fmaf(mw[b * CK_GM + i], sy, ms[i][j]);
            for (int i = 0; i < RM; i++) {
                const __m256i s = ck_dot_us(_mm256_setzero_si256(), ub[i], yv);
                acc[i][j] = _mm256_fmadd_ps(_mm256_broadcast_ss(dw + b * CK_GM + i), _mm256_mul_ps(_mm256_cvtepi32_ps(s), dy), acc[i][j]);
            }
        }
    }
    for (int j = 0; j < RN; j++) {
        float m4[4];
        _mm_storeu_ps(m4, ms4[j]);
        for (int i = 0; i < RM; i++) out[j * os + i] = ck_hsum_ps(acc[i][j]) + (RM == CK_GM ? m4[i] : ms[i][j]);
    }
}

#define CK_G_Q41(RN, RM, I, O) g_q4_1(RM, RN, nb, u + (I), dw + (I), mw + (I), tk, O, os)
static void ck_gemm_q4_1_tile(int rm, int tn, int64_t nb, const __m256i *u, const float *dw, const float *mw,
                              const ck_q41_tok *tk, float *o, int64_t os) {
    if (rm == CK_GM) { CK_FOR_TN(CK_G_Q41, CK_GM, 0, o) }
    else for (int i = 0; i < rm; i++) { CK_FOR_TN(CK_G_Q41, 1, i, o + i) }
}
#undef CK_G_Q41

#if CK_VNNI
// g_q6_K for a whole 4-row tile with rows 2p and 2p+1 in the two halves of one 512-bit register: every
// 32-bit lane does exactly the steps of g_q6_K's lane for its row (the same bsums correction, maddubs and
// dpwssd per chunk, one fma per super-block, the same final 8-lane sum), so every output keeps its bits;
// each token's activation chunk is broadcast to both halves. This is the 1-7 token path of Q6_K, which
// batched decoding takes. Measured (Intel Xeon of docs/PERFORMANCE.md, 1 thread, random 4864 x 896 rows,
// best of 300, three alternations): 4 tokens 44.9-45.3 GMAC/s with 256-bit tiles -> 45.6-53.8; 2 and 7
// tokens 21.8 -> 30.3 and 28.5 -> 40.7 (one run each, a noisier host). The weight tile's unpacking
// (ck_q6_K_decode_tile) stays 256-bit.
CKI __m512i ck_pair256(__m256i lo, __m256i hi) { return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1); }

CKI void g_q6_K_pairs(int RN, int64_t nb, const char *const *w, const uint8_t *q6, const ck_q8_K *const *y,
                      float *out, int64_t os) {
    __m512 acc[2][CK_GN];
    for (int p = 0; p < 2; p++)
        for (int j = 0; j < RN; j++) acc[p][j] = _mm512_setzero_ps();
    for (int64_t b = 0; b < nb; b++) {
        const ck_q6_K *x[CK_GM];
        __m512i isum[2][CK_GN], s16[2][2];
        for (int p = 0; p < 2; p++) {
            __m128i sc8[2];
            for (int k = 0; k < 2; k++) {
                x[2 * p + k] = (const ck_q6_K *)w[2 * p + k] + b;
                sc8[k] = _mm_loadu_si128((const __m128i *)x[2 * p + k]->scales);
            }
            const __m512i sc16all = ck_pair256(_mm256_cvtepi8_epi16(sc8[0]), _mm256_cvtepi8_epi16(sc8[1]));
            for (int h = 0; h < 2; h++)
                s16[p][h] = ck_pair256(_mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(h ? _mm_unpackhi_epi64(sc8[0], sc8[0]) : sc8[0])),
                                       _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(h ? _mm_unpackhi_epi64(sc8[1], sc8[1]) : sc8[1])));
            for (int j = 0; j < RN; j++)
                isum[p][j] = _mm512_sub_epi32(_mm512_setzero_si512(),
                    _mm512_slli_epi32(_mm512_madd_epi16(sc16all, _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)y[j][b].bsums))), 5));
        }
        const uint8_t *qb = q6 + (size_t)b * CK_GM * 256;
        for (int h = 0; h < 2; h++) {
            for (int c = 0; c < 4; c++) {
                __m512i yv[CK_GN];
                for (int j = 0; j < RN; j++) yv[j] = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(y[j][b].qs + 128 * h + 32 * c)));
                const __m256i msk = _mm256_setr_epi8(
                    4 * c, 4 * c + 1, 4 * c, 4 * c + 1, 4 * c, 4 * c + 1, 4 * c, 4 * c + 1,
                    4 * c, 4 * c + 1, 4 * c, 4 * c + 1, 4 * c, 4 * c + 1, 4 * c, 4 * c + 1,
                    4 * c + 2, 4 * c + 3, 4 * c + 2, 4 * c + 3, 4 * c + 2, 4 * c + 3, 4 * c + 2, 4 * c + 3,
                    4 * c + 2, 4 * c + 3, 4 * c + 2, 4 * c + 3, 4 * c + 2, 4 * c + 3, 4 * c + 2, 4 * c + 3);
                const __m512i msk2 = _mm512_broadcast_i64x4(msk);
                for (int p = 0; p < 2; p++) {
                    const size_t o = 128 * h + 32 * c;
                    const __m512i q = ck_pair256(_mm256_loadu_si256((const __m256i *)(qb + 256 * (2 * p) + o)),
                                                 _mm256_loadu_si256((const __m256i *)(qb + 256 * (2 * p + 1) + o)));
                    const __m512i sc = _mm512_shuffle_epi8(s16[p][h], msk2);
                    for (int j = 0; j < RN; j++) isum[p][j] = _mm512_dpwssd_epi32(isum[p][j], _mm512_maddubs_epi16(q, yv[j]), sc);
                }
            }
        }
        for (int p = 0; p < 2; p++) {
            const float d0 = ck_h2f_cvt(x[2 * p]->d), d1 = ck_h2f_cvt(x[2 * p + 1]->d);
            for (int j = 0; j < RN; j++) {
                const __m512 dd = _mm512_mask_blend_ps(0xFF00, _mm512_set1_ps(d0 * y[j][b].d), _mm512_set1_ps(d1 * y[j][b].d));
                acc[p][j] = _mm512_fmadd_ps(dd, _mm512_cvtepi32_ps(isum[p][j]), acc[p][j]);
            }
        }
    }
    for (int j = 0; j < RN; j++)
        for (int p = 0; p < 2; p++) {
            out[j * os + 2 * p] = ck_hsum_ps(_mm512_castps512_ps256(acc[p][j]));
            out[j * os + 2 * p + 1] = ck_hsum_ps(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc[p][j]), 1)));
        }
}
#define CK_G_Q6P(RN, O) g_q6_K_pairs(RN, nb, w, q6, y, O, os)
#endif

#define CK_G_Q6(RN, RM, I, O) g_q6_K(RM, RN, nb, w + (I), q6 + 256 * (I), y, O, os)
static void ck_gemm_q6_K_tile(int rm, int tn, int64_t nb, const char *const *w, const uint8_t *q6,
                              const ck_q8_K *const *y, float *o, int64_t os) {
#if CK_VNNI
    if (rm == CK_GM) { CK_FOR_TN(CK_G_Q6P, o) return; }
#endif
    if (rm == CK_GM) { CK_FOR_TN(CK_G_Q6, CK_GM, 0, o) }
    else for (int i = 0; i < rm; i++) { CK_FOR_TN(CK_G_Q6, 1, i, o + i) }
}
#if CK_VNNI
#undef CK_G_Q6P
#endif
#undef CK_G_Q6
#undef CK_FOR_TN

// ---------------------------- Q4_K GEMM, 8 rows interleaved per vector ---------------------------
// llama.cpp runs Q4_K prompts through weights repacked 8 rows at a time (its q4_K_8x8 layout): one
// 32-bit lane per weight row, the activation's 4 bytes broadcast to all lanes. A row tile here is
// packed into the same arrangement (ck_q4_K_x8), so each output follows that kernel's float steps:
//  - tokens in whole groups of 4 (llama.cpp's gemm): per 64-element group s of a super-block,
//      acc = fma(float(sc[2s]*dot[2s] + sc[2s+1]*dot[2s+1]), d*dy, acc),
//      accm = fma(float(min[2s]*bsum[2s] + min[2s+1]*bsum[2s+1]), dmin*dy, accm);
//  - the remaining 1-3 tokens (llama.cpp's gemv): the same with one fma per super-block;
//  - result acc - accm.
// The integer sums are exact, so the results equal llama.cpp's to the bit (tested through the greedy
// fixtures). One vpdpbusd multiplies 32 bytes; the scales are applied once per 32 elements with
// vpmulld (VNNI), or by vpmaddwd right after vpmaddubsw (AVX2, llama.cpp's own way).
// Measured (1 thread, 64 tokens, 1536 rows, random blocks, GMAC/s; the 4x4 tile kernel g_q4_K, which
// summed in k_q4_K's order, -> this): n=1536 63 -> 142 (AVX2 46 -> 85), n=8960 63 -> 142 (AVX2 47 -> 81).
// (An intermediate version with one lane per sub-block instead of per row reached 102: the per-row
// lanes need no horizontal sums and store 8 outputs at once.) The model's Q4_K matrices are repacked
// once at load (DC_TYPE_Q4_K_X8, WeightMatrix.repacked): then a prompt skips the per-call packing
// (152 GMAC/s at n=1536) and a generated token streams each 8-row group in one pass with this same
// kernel (RN = 1, gemv order): 1 thread from DRAM 21 -> 24.6 GB/s of weights, L2-resident 38 -> 46.
// Tokens per tile: 4 x (2 integer + 2 float accumulators) + weights fit AVX-512's 32 registers; AVX2's 16
// spill a little at 4 but still beat 2 (1 thread, 64 tokens, 1536 rows, GMAC/s, AVX2 code, 2 -> 4 tokens):
// Q4_K n=1536 93.5 -> 104.4, n=8960 87.4 -> 94.6; Q6_K n=8960 71.7 -> 85.4.
#define CK_R8N 4

// 8 vectors r[i] to vector v = dword v of every r[i] in lane i (an 8x8 transpose of 32-bit elements).
CKI void ck_t8x8(__m256i r[8]) {
    __m256i t[8], u[8];
    for (int k = 0; k < 8; k += 2) {
        t[k] = _mm256_unpacklo_epi32(r[k], r[k + 1]);
        t[k + 1] = _mm256_unpackhi_epi32(r[k], r[k + 1]);
    }
    for (int g = 0; g < 8; g += 4) {
        u[g + 0] = _mm256_unpacklo_epi64(t[g + 0], t[g + 2]);
        u[g + 1] = _mm256_unpackhi_epi64(t[g + 0], t[g + 2]);
        u[g + 2] = _mm256_unpacklo_epi64(t[g + 1], t[g + 3]);
        u[g + 3] = _mm256_unpackhi_epi64(t[g + 1], t[g + 3]);
    }
    for (int v = 0; v < 4; v++) {
        r[v] = _mm256_permute2x128_si256(u[v], u[v + 4], 0x20);
        r[v + 4] = _mm256_permute2x128_si256(u[v], u[v + 4], 0x31);
    }
}

// ck_q4_K_x8_pack with the quant bytes moved by one 8x8 dword transpose per 32-byte chunk (the scalar
// version moves them 4 bytes at a time: 1.6 GB/s of weights, a few tenths of a second per model load).
CKI void ck_q4_K_x8_pack_simd(const char *const *w, int64_t b, ck_q4_K_x8 *o) {
    const ck_q4_K *x[8];
    for (int i = 0; i < 8; i++) x[i] = (const ck_q4_K *)w[i] + b;
    for (int s = 0; s < 4; s++) {
        __m256i r[8];
        for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_si256((const __m256i *)(x[i]->qs + 32 * s));
        ck_t8x8(r);
        for (int p = 0; p < 8; p++) _mm256_storeu_si256((__m256i *)o->q[s][p], r[p]);
    }
    for (int i = 0; i < 8; i++) ck_q4_K_x8_pack_scales(x[i], i, o);
}

#if CK_VNNI
// acc + for each of 8 rows (one per 32-bit lane of w, 4 unsigned bytes each) its dot with the 4 signed
// activation bytes at y, unscaled (the caller multiplies by the scales once per sub-block). AVX2 sums the
// pair products in 16 bits instead (ck_r8_dot16).
CKI __m256i ck_r8_dot(__m256i acc, __m256i w, const int8_t *y) {
    int32_t v;
    memcpy(&v, y, 4);
    return _mm256_dpbusd_epi32(acc, w, _mm256_set1_epi32(v));
}
#endif

#if !CK_VNNI
// acc + the 16-bit pair products of w (8 rows' 4 unsigned bytes per 32-bit lane) with the 4 signed bytes at
// y, summed in 16 bits: a Q4_K pair is at most 2 * 15 * 128 = 3840 in magnitude, so the 8 positions of a
// 32-element sub-block sum to at most 30720 and the row's scale is applied once per sub-block (one vpmaddwd)
// instead of once per position. The integer sums are the same, so the floats are too.
// Measured (1 thread, 64 tokens, 1536 rows, random blocks, GMAC/s, AVX2 code, 2 tokens per tile): Q4_K
// n=1536 77.2 -> 92.4, n=8960 73.2 -> 87.5. r8_q6_K sums two positions this way (Q6_K n=8960 84.2 -> 94.5,
// n=1536 84.1 -> 95.9, at 4 tokens per tile).
CKI __m256i ck_r8_dot16(__m256i acc, __m256i w, const int8_t *y) {
    int32_t v;
    memcpy(&v, y, 4);
    return _mm256_add_epi16(acc, _mm256_maddubs_epi16(w, _mm256_set1_epi32(v)));
}
#endif

// Rows [i0, i1) of an 8-row Q4_K_X8 group (super-blocks w[0..nb)) x RN tokens y[j]; GV = 1 for llama.cpp's
// gemv order. out[j * os + i] for row i of the group; pf > 0 prefetches that far ahead in the stream.
CKI void r8_q4_K(int RN, int GV, int64_t nb, const ck_q4_K_x8 *w, const ck_q8_K *const *y, float *out, int64_t os,
                 int i0, int i1, size_t pf) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256 acc[CK_R8N], accm[CK_R8N];
    for (int j = 0; j < RN; j++) acc[j] = accm[j] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; b++) {
        const ck_q4_K_x8 *x = w + b;
        if (pf) ck_prefetch_range((const char *)x + pf, sizeof(ck_q4_K_x8));
        const __m256 d = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)x->d));
        const __m256 dmin = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)x->dmin));
        __m256 f[CK_R8N], fm[CK_R8N];
        __m256i tot[CK_R8N], totm[CK_R8N];
        int32_t bsp[CK_R8N][4];  // sub-block sums of the activation, two int16 per group of 64
        for (int j = 0; j < RN; j++) {
            _mm_storeu_si128((__m128i *)bsp[j], _mm_hadd_epi16(_mm_loadu_si128((const __m128i *)y[j][b].bsums),
                                                               _mm_loadu_si128((const __m128i *)y[j][b].bsums + 1)));
            const __m256 dy = _mm256_set1_ps(y[j][b].d);
            f[j] = _mm256_mul_ps(d, dy);
            fm[j] = _mm256_mul_ps(dmin, dy);
            tot[j] = totm[j] = _mm256_setzero_si256();
        }
        for (int s = 0; s < 4; s++) {
            __m256i ia[CK_R8N], ib[CK_R8N];
            for (int j = 0; j < RN; j++) ia[j] = ib[j] = _mm256_setzero_si256();
            __m256i sa = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)x->sc[2 * s]));
            __m256i sb = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)x->sc[2 * s + 1]));
#if !CK_VNNI
            sa = _mm256_or_si256(sa, _mm256_slli_epi32(sa, 16));  // the scale in both 16-bit halves (vpmaddwd)
            sb = _mm256_or_si256(sb, _mm256_slli_epi32(sb, 16));
#endif
            for (int p = 0; p < 8; p++) {
                const __m256i qv = _mm256_loadu_si256((const __m256i *)x->q[s][p]);
                const __m256i wa = _mm256_and_si256(qv, m4);
                const __m256i wb = _mm256_and_si256(_mm256_srli_epi16(qv, 4), m4);
                for (int j = 0; j < RN; j++) {
#if CK_VNNI
                    ia[j] = ck_r8_dot(ia[j], wa, y[j][b].qs + 64 * s + 4 * p);
                    ib[j] = ck_r8_dot(ib[j], wb, y[j][b].qs + 64 * s + 32 + 4 * p);
#else
                    ia[j] = ck_r8_dot16(ia[j], wa, y[j][b].qs + 64 * s + 4 * p);
                    ib[j] = ck_r8_dot16(ib[j], wb, y[j][b].qs + 64 * s + 32 + 4 * p);
#endif
                }
            }
            const __m256i mn = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)x->mn[s]));
            for (int j = 0; j < RN; j++) {
#if CK_VNNI
                const __m256i g = _mm256_add_epi32(_mm256_mullo_epi32(ia[j], sa), _mm256_mullo_epi32(ib[j], sb));
#else
                const __m256i g = _mm256_add_epi32(_mm256_madd_epi16(ia[j], sa), _mm256_madd_epi16(ib[j], sb));
#endif
                const __m256i gm = _mm256_madd_epi16(mn, _mm256_set1_epi32(bsp[j][s]));
                if (GV) {
                    tot[j] = _mm256_add_epi32(tot[j], g);
                    totm[j] = _mm256_add_epi32(totm[j], gm);
                } else {
                    acc[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(g), f[j], acc[j]);
                    accm[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(gm), fm[j], accm[j]);
                }
            }
        }
        if (GV) {
            for (int j = 0; j < RN; j++) {
                acc[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(tot[j]), f[j], acc[j]);
                accm[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(totm[j]), fm[j], accm[j]);
            }
        }
    }
    for (int j = 0; j < RN; j++) {
        const __m256 r = _mm256_sub_ps(acc[j], accm[j]);
        if (i0 == 0 && i1 == 8) _mm256_storeu_ps(out + j * os, r);
        else {
            float t[8];
            _mm256_storeu_ps(t, r);
            for (int i = i0; i < i1; i++) out[j * os + i] = t[i];
        }
    }
}

// ---------------------------- Q6_K GEMM, 8 rows interleaved per vector ---------------------------
// For 8 or more tokens llama.cpp multiplies Q6_K through its tiled K-quant kernel (ggml-cpu/tiled):
// per super-block the exact integer T = sum_s scale[s] * (dot[s] - 32 * bsum[s]) over the sixteen
// 16-element sub-blocks, then out = out + (float(T) * d) * dy, with each product rounded. Below 8
// tokens it uses its vec_dot (k_q6_K above, through g_q6_K). The 8-row layout is r8_q4_K's, unpacked, with
// sixteen sub-blocks of 4 positions. Measured as above (g_q6_K -> this): n=1536 66 -> 123 (AVX2 53 -> 83),
// n=8960 65 -> 122 (AVX2 50 -> 78). The fma in the last step is what llama.cpp's build (GCC, which
// contracts its mul + add) executes: with a separate add 8771 of 15232 outputs of a captured
// ffn_down differed in the last bit, with the fma none.
typedef struct {
    uint8_t q[16][4][32];  // [sub-block s][4-byte position p][row i * 4 + e] = row i's element 16s + 4p + e
    int32_t sc[16][8];     // [s][row]: scale (VNNI) or scale in both 16-bit halves (AVX2 vpmaddwd)
    int32_t sp[8][8];      // [k][row]: scale[2k] | scale[2k+1] << 16 (for the -32 * bsum term)
    float d[8];
} ck_q6_K_r8;

CKI void ck_q6_K_r8_decode(const char *const *w, int64_t b, ck_q6_K_r8 *o, size_t pf) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m30 = _mm256_set1_epi8(0x30);
    const ck_q6_K *x[8];
    for (int i = 0; i < 8; i++) {
        x[i] = (const ck_q6_K *)w[i] + b;
        if (pf) ck_prefetch_range((const char *)x[i] + pf, sizeof(ck_q6_K));
    }
    for (int c = 0; c < 8; c++) {  // 32 elements 32c..32c+31 = sub-blocks 2c, 2c+1
        const int h = c / 4, part = c % 4;
        __m256i r[8];
        for (int i = 0; i < 8; i++) {
            const __m256i l = _mm256_loadu_si256((const __m256i *)(x[i]->ql + 64 * h + 32 * (part & 1)));
            const __m256i hv = _mm256_loadu_si256((const __m256i *)(x[i]->qh + 32 * h));
            const __m256i lo = part < 2 ? _mm256_and_si256(l, m4) : _mm256_and_si256(_mm256_srli_epi16(l, 4), m4);
            const __m256i hb = part == 0 ? _mm256_slli_epi16(hv, 4) : part == 1 ? _mm256_slli_epi16(hv, 2)
                             : part == 2 ? hv : _mm256_srli_epi16(hv, 2);
            r[i] = _mm256_or_si256(lo, _mm256_and_si256(hb, m30));
        }
        ck_t8x8(r);  // r[v] = element 32c + 4v.. of every row
        for (int v = 0; v < 8; v++) _mm256_storeu_si256((__m256i *)o->q[2 * c + v / 4][v % 4], r[v]);
    }
    for (int i = 0; i < 8; i++) {
        for (int k = 0; k < 16; k++) o->sc[k][i] = CK_VNNI ? x[i]->scales[k] : (int32_t)((uint32_t)(uint16_t)x[i]->scales[k] * 0x10001u);
        for (int k = 0; k < 8; k++)
            o->sp[k][i] = (int32_t)((uint32_t)(uint16_t)x[i]->scales[2 * k] | ((uint32_t)(uint16_t)x[i]->scales[2 * k + 1] << 16));
        o->d[i] = ck_h2f_cvt(x[i]->d);
    }
}

CKI void r8_q6_K(int RN, int64_t nb, const ck_q6_K_r8 *w, const ck_q8_K *const *y, float *out, int64_t os, int rm) {
    __m256 acc[CK_R8N];
    for (int j = 0; j < RN; j++) acc[j] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; b++) {
        const ck_q6_K_r8 *x = w + b;
        __m256i tot[CK_R8N];
        for (int j = 0; j < RN; j++) {
            // -32 * sum_k (scale[2k] * bsum[2k] + scale[2k+1] * bsum[2k+1])
            __m256i o = _mm256_setzero_si256();
            for (int k = 0; k < 8; k++) {
                int32_t bp;
                memcpy(&bp, y[j][b].bsums + 2 * k, 4);
                o = _mm256_add_epi32(o, _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)x->sp[k]), _mm256_set1_epi32(bp)));
            }
            tot[j] = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(o, 5));
        }
        for (int s = 0; s < 16; s += 2) {
            __m256i ia[CK_R8N], ib[CK_R8N];
            for (int j = 0; j < RN; j++) ia[j] = ib[j] = _mm256_setzero_si256();
            const __m256i sa = _mm256_loadu_si256((const __m256i *)x->sc[s]);
            const __m256i sb = _mm256_loadu_si256((const __m256i *)x->sc[s + 1]);
#if CK_VNNI
            for (int p = 0; p < 4; p++) {
                const __m256i wa = _mm256_loadu_si256((const __m256i *)x->q[s][p]);
                const __m256i wb = _mm256_loadu_si256((const __m256i *)x->q[s + 1][p]);
                for (int j = 0; j < RN; j++) {
                    ia[j] = ck_r8_dot(ia[j], wa, y[j][b].qs + 16 * s + 4 * p);
                    ib[j] = ck_r8_dot(ib[j], wb, y[j][b].qs + 16 * s + 16 + 4 * p);
                }
            }
#else
            // two positions' pair products summed in 16 bits before the scale: 2 * 2 * 63 * 128 = 32256 at most
            for (int p = 0; p < 4; p += 2) {
                const __m256i wa0 = _mm256_loadu_si256((const __m256i *)x->q[s][p]);
                const __m256i wa1 = _mm256_loadu_si256((const __m256i *)x->q[s][p + 1]);
                const __m256i wb0 = _mm256_loadu_si256((const __m256i *)x->q[s + 1][p]);
                const __m256i wb1 = _mm256_loadu_si256((const __m256i *)x->q[s + 1][p + 1]);
                for (int j = 0; j < RN; j++) {
                    const int8_t *ya = y[j][b].qs + 16 * s + 4 * p, *yb = ya + 16;
                    ia[j] = _mm256_add_epi32(ia[j], _mm256_madd_epi16(ck_r8_dot16(ck_r8_dot16(_mm256_setzero_si256(), wa0, ya), wa1, ya + 4), sa));
                    ib[j] = _mm256_add_epi32(ib[j], _mm256_madd_epi16(ck_r8_dot16(ck_r8_dot16(_mm256_setzero_si256(), wb0, yb), wb1, yb + 4), sb));
                }
            }
#endif
            for (int j = 0; j < RN; j++) {
#if CK_VNNI
                tot[j] = _mm256_add_epi32(tot[j], _mm256_add_epi32(_mm256_mullo_epi32(ia[j], sa), _mm256_mullo_epi32(ib[j], sb)));
#else
                tot[j] = _mm256_add_epi32(tot[j], _mm256_add_epi32(ia[j], ib[j]));
#endif
            }
        }
        const __m256 d = _mm256_loadu_ps(x->d);
        for (int j = 0; j < RN; j++)
            acc[j] = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(tot[j]), d), _mm256_set1_ps(y[j][b].d), acc[j]);
    }
    for (int j = 0; j < RN; j++) {
        if (rm == 8) _mm256_storeu_ps(out + j * os, acc[j]);
        else {
            float t[8];
            _mm256_storeu_ps(t, acc[j]);
            for (int i = 0; i < rm; i++) out[j * os + i] = t[i];
        }
    }
}

static _Thread_local ck_q6_K_r8 ck_r8_w6[CK_MAXNB / 8] __attribute__((aligned(64)));

#if CK_VNNI
static _Thread_local ck_q6_K_r8 ck_r8_w6_hi[CK_MAXNB / 8] __attribute__((aligned(64)));

CKI __m512i ck_z2_ld(const void *lo, const void *hi) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)lo)),
                              _mm256_loadu_si256((const __m256i *)hi), 1);
}

// Two decoded 8-row tiles at once (16 rows, tile wl in the low half of each 512-bit register, wh in the high)
// x RN tokens; every lane does what r8_q6_K's VNNI lane does for its row, so the outputs have the same bits.
// Measured as r16_q4_K (8 -> 16 rows): n = 8960, 64 rows, 64 tokens 108.7 -> 145.7 GMAC/s; 16 tokens 46.7 -> 62.7.
CKI void r16_q6_K(int RN, int64_t nb, const ck_q6_K_r8 *wl, const ck_q6_K_r8 *wh, const ck_q8_K *const *y, float *out,
                  int64_t os) {
    __m512 acc[CK_R8N];
    for (int j = 0; j < RN; j++) acc[j] = _mm512_setzero_ps();
    for (int64_t b = 0; b < nb; b++) {
        const ck_q6_K_r8 *xl = wl + b, *xh = wh + b;
        __m512i tot[CK_R8N];
        for (int j = 0; j < RN; j++) {
            __m512i o = _mm512_setzero_si512();
            for (int k = 0; k < 8; k++) {
                int32_t bp;
                memcpy(&bp, y[j][b].bsums + 2 * k, 4);
                o = _mm512_add_epi32(o, _mm512_madd_epi16(ck_z2_ld(xl->sp[k], xh->sp[k]), _mm512_set1_epi32(bp)));
            }
            tot[j] = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_slli_epi32(o, 5));
        }
        for (int s = 0; s < 16; s += 2) {
            __m512i ia[CK_R8N], ib[CK_R8N];
            for (int j = 0; j < RN; j++) ia[j] = ib[j] = _mm512_setzero_si512();
            for (int p = 0; p < 4; p++) {
                const __m512i wa = ck_z2_ld(xl->q[s][p], xh->q[s][p]);
                const __m512i wb = ck_z2_ld(xl->q[s + 1][p], xh->q[s + 1][p]);
                for (int j = 0; j < RN; j++) {
                    int32_t va, vb;
                    memcpy(&va, y[j][b].qs + 16 * s + 4 * p, 4);
                    memcpy(&vb, y[j][b].qs + 16 * s + 16 + 4 * p, 4);
                    ia[j] = _mm512_dpbusd_epi32(ia[j], wa, _mm512_set1_epi32(va));
                    ib[j] = _mm512_dpbusd_epi32(ib[j], wb, _mm512_set1_epi32(vb));
                }
            }
            const __m512i sa = ck_z2_ld(xl->sc[s], xh->sc[s]), sb = ck_z2_ld(xl->sc[s + 1], xh->sc[s + 1]);
            for (int j = 0; j < RN; j++)
                tot[j] = _mm512_add_epi32(tot[j], _mm512_add_epi32(_mm512_mullo_epi32(ia[j], sa), _mm512_mullo_epi32(ib[j], sb)));
        }
        const __m512 d = _mm512_castsi512_ps(ck_z2_ld(xl->d, xh->d));
        for (int j = 0; j < RN; j++)
            acc[j] = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(tot[j]), d), _mm512_set1_ps(y[j][b].d), acc[j]);
    }
    for (int j = 0; j < RN; j++) _mm512_storeu_ps(out + j * os, acc[j]);
}
#endif

// Q6_K rows [r0, r1) x tokens [0, ntok), ntok >= 8, in 8-row tiles (on VNNI 16 rows at a time where two whole
// tiles are left).
static void ck_gemm_q6_K_r8(int64_t n, const char *wb, size_t ws, const char *xb, size_t xs, int64_t ntok,
                            int64_t r0, int64_t r1, float *out, int64_t os) {
    const int64_t nb = n / CK_QKK;
    for (int64_t r = r0; r < r1; r += 8) {
        const int rm = r1 - r >= 8 ? 8 : (int)(r1 - r);
        const char *w[8];
        for (int i = 0; i < 8; i++) w[i] = wb + (size_t)(r + (i < rm ? i : rm - 1)) * ws;
        const size_t pf = r + 16 <= r1 ? 8 * ws : 0;
        for (int64_t b = 0; b < nb; b++) ck_q6_K_r8_decode(w, b, ck_r8_w6 + b, pf);
#if CK_VNNI
        const int wide = r1 - r >= 16;  // a second whole tile: both 16 rows at a time (r16_q6_K)
        if (wide) {
            const char *w2[8];
            for (int i = 0; i < 8; i++) w2[i] = wb + (size_t)(r + 8 + i) * ws;
            const size_t pf2 = r + 24 <= r1 ? 8 * ws : 0;
            for (int64_t b = 0; b < nb; b++) ck_q6_K_r8_decode(w2, b, ck_r8_w6_hi + b, pf2);
        }
#define CK_Q6(RN) (wide ? r16_q6_K(RN, nb, ck_r8_w6, ck_r8_w6_hi, y, o, os) : r8_q6_K(RN, nb, ck_r8_w6, y, o, os, rm))
#else
#define CK_Q6(RN) r8_q6_K(RN, nb, ck_r8_w6, y, o, os, rm)
#endif
        for (int64_t t = 0; t < ntok; t += CK_R8N) {
            const int tn = ntok - t >= CK_R8N ? CK_R8N : (int)(ntok - t);
            const ck_q8_K *y[CK_R8N];
            for (int j = 0; j < CK_R8N; j++) y[j] = (const ck_q8_K *)(xb + (size_t)(t + (j < tn ? j : 0)) * xs);
            float *o = out + t * os + r;
            switch (tn) {
#if CK_R8N >= 4
            case 4: CK_Q6(4); break;
            case 3: CK_Q6(3); break;
#endif
            case 2: CK_Q6(2); break;
            default: CK_Q6(1); break;
            }
        }
#undef CK_Q6
#if CK_VNNI
        if (wide) r += 8;
#endif
    }
}

static _Thread_local ck_q4_K_x8 ck_x8_tile[CK_MAXNB / 8] __attribute__((aligned(64)));

#if CK_VNNI
// Two 8-row groups at once (16 rows, one per 32-bit lane of a 512-bit register: group g in the low half, g + 1
// in the high) x 4 tokens, in llama.cpp's gemm order. Every lane does exactly what r8_q4_K's lane does for its
// row (the same exact integer sums, then the same float steps per sub-block), so the outputs have the same bits;
// each activation broadcast, scale and nibble split now serves 16 rows instead of 8. As with g_q0_pairs, this
// pays where 512-bit operations run at full width (Intel server cores; not measured on Zen 4). Measured on an
// Intel Xeon (family 6 model 207), 1 thread, 64 tokens, random blocks, a C harness calling dc_matmul (not
// committed), GMAC/s, 8 -> 16 rows: n = 1536 (256 rows) 127.7 -> 184.8; n = 8960 (128 rows) 88.6 -> 124.9;
// the same output bits. A lone 4-token tile followed by gemv leftovers (n = 8960, 7 tokens) ran slower,
// 123 -> 102: two groups' weights (83 KB at that n) no longer stay in L1 for the gemv pass.
CKI __m512i ck_z2_si(__m256i lo, __m256i hi) { return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1); }
CKI __m256i ck_z2_si128(const uint8_t *lo, const uint8_t *hi) {
    return _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)lo)), _mm_loadu_si128((const __m128i *)hi), 1);
}

CKI void r16_q4_K(int64_t nb, const ck_q4_K_x8 *wl, const ck_q4_K_x8 *wh, const ck_q8_K *const *y, float *out,
                  int64_t os) {
    enum { RN = 4 };
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    __m512 acc[RN], accm[RN];
    for (int j = 0; j < RN; j++) acc[j] = accm[j] = _mm512_setzero_ps();
    for (int64_t b = 0; b < nb; b++) {
        const ck_q4_K_x8 *xl = wl + b, *xh = wh + b;
        const __m512 d = _mm512_cvtph_ps(_mm256_inserti128_si256(
            _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)xl->d)), _mm_loadu_si128((const __m128i *)xh->d), 1));
        const __m512 dmin = _mm512_cvtph_ps(_mm256_inserti128_si256(
            _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)xl->dmin)), _mm_loadu_si128((const __m128i *)xh->dmin), 1));
        __m512 f[RN], fm[RN];
        int32_t bsp[RN][4];
        for (int j = 0; j < RN; j++) {
            _mm_storeu_si128((__m128i *)bsp[j], _mm_hadd_epi16(_mm_loadu_si128((const __m128i *)y[j][b].bsums),
                                                               _mm_loadu_si128((const __m128i *)y[j][b].bsums + 1)));
            const __m512 dy = _mm512_set1_ps(y[j][b].d);
            f[j] = _mm512_mul_ps(d, dy);
            fm[j] = _mm512_mul_ps(dmin, dy);
        }
        for (int s = 0; s < 4; s++) {
            __m512i ia[RN], ib[RN];
            for (int j = 0; j < RN; j++) ia[j] = ib[j] = _mm512_setzero_si512();
            const __m512i sa = _mm512_cvtepu8_epi32(_mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)xl->sc[2 * s]),
                                                                      _mm_loadl_epi64((const __m128i *)xh->sc[2 * s])));
            const __m512i sb = _mm512_cvtepu8_epi32(_mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)xl->sc[2 * s + 1]),
                                                                      _mm_loadl_epi64((const __m128i *)xh->sc[2 * s + 1])));
            for (int p = 0; p < 8; p++) {
                const __m512i qv = ck_z2_si(_mm256_loadu_si256((const __m256i *)xl->q[s][p]),
                                            _mm256_loadu_si256((const __m256i *)xh->q[s][p]));
                const __m512i wa = _mm512_and_si512(qv, m4);
                const __m512i wb = _mm512_and_si512(_mm512_srli_epi16(qv, 4), m4);
                for (int j = 0; j < RN; j++) {
                    int32_t va, vb;
                    memcpy(&va, y[j][b].qs + 64 * s + 4 * p, 4);
                    memcpy(&vb, y[j][b].qs + 64 * s + 32 + 4 * p, 4);
                    ia[j] = _mm512_dpbusd_epi32(ia[j], wa, _mm512_set1_epi32(va));
                    ib[j] = _mm512_dpbusd_epi32(ib[j], wb, _mm512_set1_epi32(vb));
                }
            }
            const __m512i mn = _mm512_cvtepu8_epi16(ck_z2_si128(xl->mn[s], xh->mn[s]));
            for (int j = 0; j < RN; j++) {
                const __m512i g = _mm512_add_epi32(_mm512_mullo_epi32(ia[j], sa), _mm512_mullo_epi32(ib[j], sb));
                const __m512i gm = _mm512_madd_epi16(mn, _mm512_set1_epi32(bsp[j][s]));
                acc[j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(g), f[j], acc[j]);
                accm[j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(gm), fm[j], accm[j]);
            }
        }
    }
    for (int j = 0; j < RN; j++) _mm512_storeu_ps(out + j * os, _mm512_sub_ps(acc[j], accm[j]));
}
#endif

// Tokens [t0, ntok) of one 8-row group w (rows [i0, i1) of it written at out + base): tokens below ngemm in
// tiles of 4 in llama.cpp's gemm order, the rest in its gemv order.
static void ck_q4_K_x8_tokens(const ck_q4_K_x8 *w, int64_t nb, const char *xb, size_t xs, int64_t t0, int64_t ntok,
                              int64_t ngemm, float *out, int64_t os, int64_t base, int i0, int i1, size_t pf) {
    for (int64_t t = t0; t < ntok;) {
        const ck_q8_K *y[CK_R8N];
        const int gv = t >= ngemm;
        const int64_t left = (gv ? ntok : ngemm) - t;
        const int tn = left >= CK_R8N ? CK_R8N : (int)left;
        for (int j = 0; j < CK_R8N; j++) y[j] = (const ck_q8_K *)(xb + (size_t)(t + (j < tn ? j : 0)) * xs);
        float *o = out + t * os + base;
#define CK_R8(RN) (gv ? r8_q4_K(RN, 1, nb, w, y, o, os, i0, i1, pf) : r8_q4_K(RN, 0, nb, w, y, o, os, i0, i1, pf))
        switch (tn) {
#if CK_R8N >= 4
        case 4: CK_R8(4); break;
        case 3: CK_R8(3); break;
#endif
        case 2: CK_R8(2); break;
        default: CK_R8(1); break;
        }
#undef CK_R8
        t += tn;
    }
}

// Q4_K (packed here per 8-row tile) or Q4_K_X8 (repacked at load) rows [r0, r1) x tokens [0, ntok).
// ntok = 1 streams the repacked groups (llama.cpp's gemv order); otherwise whole groups of 4 tokens
// take its gemm order and the rest its gemv order, as llama.cpp splits a batch.
// gemv_only = 1 takes the gemv order for every token (a decoding step of several sequences, each summed
// as it would be alone).
static void ck_q4_K_x8_matmul(int type, int64_t n, const char *wb, size_t ws, const char *xb, size_t xs, int64_t ntok,
                              int64_t r0, int64_t r1, float *out, int64_t os, int gemv_only) {
    const int64_t nb = n / CK_QKK;
    const int64_t ngemm = gemv_only ? 0 : ntok - ntok % 4;
    for (int64_t g = r0 / 8; g * 8 < r1; g++) {
        const int64_t base = g * 8;
        const int i0 = base < r0 ? (int)(r0 - base) : 0, i1 = r1 - base >= 8 ? 8 : (int)(r1 - base);
        const ck_q4_K_x8 *w;
        size_t pf = 0;
        if (type == DC_TYPE_Q4_K_X8) {
            w = (const ck_q4_K_x8 *)(wb + (size_t)base * ws);
            pf = ntok == 1 || gemv_only ? 4096 : 0;
#if CK_VNNI
            if (ngemm > 0 && i0 == 0 && r1 - base >= 16) {  // two whole groups: their gemm tiles 16 rows at a time
                const ck_q4_K_x8 *w2 = (const ck_q4_K_x8 *)(wb + (size_t)(base + 8) * ws);
                for (int64_t t = 0; t < ngemm; t += 4) {
                    const ck_q8_K *y[4];
                    for (int j = 0; j < 4; j++) y[j] = (const ck_q8_K *)(xb + (size_t)(t + j) * xs);
                    r16_q4_K(nb, w, w2, y, out + t * os + base, os);
                }
                ck_q4_K_x8_tokens(w, nb, xb, xs, ngemm, ntok, ngemm, out, os, base, 0, 8, pf);
                ck_q4_K_x8_tokens(w2, nb, xb, xs, ngemm, ntok, ngemm, out, os, base + 8, 0, 8, pf);
                g++;
                continue;
            }
#endif
        } else {
            const char *rows[8];
            for (int i = 0; i < 8; i++) rows[i] = wb + (size_t)(base + (i < i1 ? i : i1 - 1)) * ws;
            for (int64_t b = 0; b < nb; b++) ck_q4_K_x8_pack_simd(rows, b, ck_x8_tile + b);
            w = ck_x8_tile;
        }
        ck_q4_K_x8_tokens(w, nb, xb, xs, 0, ntok, ngemm, out, os, base, i0, i1, pf);
    }
}

static _Thread_local uint8_t ck_q6_buf[(CK_MAXNB / 8) * CK_GM * 256] __attribute__((aligned(64)));
static _Thread_local __m256i ck_q0_u[CK_MAXNB * CK_GM];
static _Thread_local float ck_q0_dw[CK_MAXNB * CK_GM];
static _Thread_local float ck_q41_mw[CK_MAXNB * CK_GM];  // Q4_1's m per block and row, beside ck_q0_dw
// ck_q0_tok's base and dy of every token of a product ([t][b]), grown as needed and kept by the thread.
static _Thread_local __m256i *ck_q0_ybase;
static _Thread_local __m256 *ck_q0_ydy;
static _Thread_local size_t ck_q0_ycap;

// Grows the per-token buffers to need = blocks x tokens entries; 0 when they cannot be allocated.
CKI int ck_q0_reserve(size_t need) {
    if (need > ck_q0_ycap) {
        free(ck_q0_ybase);
        free(ck_q0_ydy);
        ck_q0_ybase = (__m256i *)aligned_alloc(32, need * sizeof(__m256i));
        ck_q0_ydy = (__m256 *)aligned_alloc(32, need * sizeof(__m256));
        ck_q0_ycap = ck_q0_ybase && ck_q0_ydy ? need : 0;
        if (!ck_q0_ycap) {
            free(ck_q0_ybase);
            free(ck_q0_ydy);
            ck_q0_ybase = NULL;
            ck_q0_ydy = NULL;
            return 0;
        }
    }
    return 1;
}

// Fills tk[t] for the ntok tokens at xb (stride xs): base and dy formed once per call (see ck_q0_tok).
// Returns 0 when the buffers cannot be allocated (the product then falls back to the portable kernels).
CKI int ck_q0_prep_tokens(int type, int64_t nb, const char *xb, size_t xs, int64_t ntok, ck_q0_tok *tk) {
    if (!ck_q0_reserve((size_t)nb * (size_t)ntok)) return 0;
    const int off = ck_q0_offset(type);
    const __m256i c = _mm256_set1_epi8((char)off);
    for (int64_t t = 0; t < ntok; t++) {
        const ck_q8_0 *y = (const ck_q8_0 *)(xb + (size_t)t * xs);
        __m256i *base = ck_q0_ybase + (size_t)t * nb;
        __m256 *dy = ck_q0_ydy + (size_t)t * nb;
        for (int64_t b = 0; b < nb; b++) {
            dy[b] = _mm256_set1_ps(ck_h2f_cvt(y[b].d));
            base[b] = off ? ck_neg_offset(c, _mm256_loadu_si256((const __m256i *)y[b].qs)) : _mm256_setzero_si256();
        }
        tk[t] = (ck_q0_tok){y, base, dy};
    }
    return 1;
}

// Fills tk[t] for Q4_1's ntok tokens (ck_q8_1 rows at xb, stride xs): dy in ck_q0_ydy, sy in the
// memory of ck_q0_ybase (Q4_1 has no offset correction). sy stays a half's value: the m * sy products of
// g_q4_1 and k1_q4_1 are then exact in float, so fused and unfused steps agree.
CKI int ck_q4_1_prep_tokens(int64_t nb, const char *xb, size_t xs, int64_t ntok, ck_q41_tok *tk) {
    if (!ck_q0_reserve((size_t)nb * (size_t)ntok)) return 0;
    for (int64_t t = 0; t < ntok; t++) {
        const ck_q8_1 *y = (const ck_q8_1 *)(xb + (size_t)t * xs);
        __m256 *dy = ck_q0_ydy + (size_t)t * nb;
        float *sy = (float *)ck_q0_ybase + (size_t)t * nb;
        for (int64_t b = 0; b < nb; b++) {
            dy[b] = _mm256_set1_ps(ck_h2f(y[b].d));
            sy[b] = ck_h2f(y[b].s);
        }
        tk[t] = (ck_q41_tok){y, dy, sy};
    }
    return 1;
}

// Rows [r0, r1) x tokens [0, ntok): each CK_GM-row weight tile (a few KB, L1-resident) is run against
// all tokens, CK_GN at a time; while the first token tile runs, the next row tile is prefetched.
#define CK_Q0_TOKENS 256  // tokens whose ck_q0_tok are prepared at once (a prompt chunk is 64)
static int ck_gemm(int type, int64_t n, const char *wb, size_t ws, const char *xb, size_t xs, int64_t ntok,
                       int64_t r0, int64_t r1, float *out, int64_t os) {
    const int q0 = type == DC_TYPE_Q8_0 || type == DC_TYPE_Q5_0 || type == DC_TYPE_Q4_0;
    const int q41 = type == DC_TYPE_Q4_1;
    if (type == DC_TYPE_Q4_K) {
        ck_q4_K_x8_matmul(type, n, wb, ws, xb, xs, ntok, r0, r1, out, os, 0);
        return 1;
    }
    if (type == DC_TYPE_Q6_K && ntok >= 8 && n / CK_QKK <= CK_MAXNB / 8) {
        ck_gemm_q6_K_r8(n, wb, ws, xb, xs, ntok, r0, r1, out, os);
        return 1;
    }
    // Q0 types: every token's base and dy once for this call, in groups of at most CK_Q0_TOKENS tokens
    if ((q0 || q41) && ntok > CK_Q0_TOKENS) {
        for (int64_t t = 0; t < ntok; t += CK_Q0_TOKENS) {
            const int64_t tn = ntok - t < CK_Q0_TOKENS ? ntok - t : CK_Q0_TOKENS;
            if (!ck_gemm(type, n, wb, ws, xb + (size_t)t * xs, xs, tn, r0, r1, out + t * os, os)) return 0;
        }
        return 1;
    }
    ck_q0_tok q0tok[CK_Q0_TOKENS];
    ck_q41_tok q41tok[CK_Q0_TOKENS];
    if (q0 && !ck_q0_prep_tokens(type, n / CK_QK, xb, xs, ntok, q0tok)) return 0;
    if (q41 && !ck_q4_1_prep_tokens(n / CK_QK, xb, xs, ntok, q41tok)) return 0;
    for (int64_t r = r0; r < r1; r += CK_GM) {
        const int rm = r1 - r >= CK_GM ? CK_GM : (int)(r1 - r);
        const char *wr[CK_GM];
        for (int i = 0; i < CK_GM; i++) wr[i] = wb + (size_t)(r + (i < rm ? i : 0)) * ws;
        if (q0) {
            const int64_t nb = n / CK_QK;
            __m256i *u = ck_q0_u;
            float *dw = ck_q0_dw;
            ck_q0_decode_tile(type, rm, nb, wr, u, dw, r + 2 * CK_GM <= r1 ? (size_t)CK_GM * ws : 0);
#if CK_VNNI
            if (rm == CK_GM) {
                for (int64_t t = 0; t < ntok; t += CK_Q0_GN) {
                    const int tn = ntok - t >= CK_Q0_GN ? CK_Q0_GN : (int)(ntok - t);
                    ck_gemm_q0_pairs(tn, nb, u, dw, q0tok + t, out + t * os + r, os);
                }
                continue;
            }
#endif
            for (int64_t t = 0; t < ntok; t += CK_GN) {
                const int tn = ntok - t >= CK_GN ? CK_GN : (int)(ntok - t);
                ck_gemm_q0_tile(type, rm, tn, nb, u, dw, q0tok + t, out + t * os + r, os);
            }
            continue;
        }
        if (q41) {
            const int64_t nb = n / CK_QK;
            ck_q4_1_decode_tile(rm, nb, wr, ck_q0_u, ck_q0_dw, ck_q41_mw, r + 2 * CK_GM <= r1 ? (size_t)CK_GM * ws : 0);
            for (int64_t t = 0; t < ntok; t += CK_GN) {
                const int tn = ntok - t >= CK_GN ? CK_GN : (int)(ntok - t);
                ck_gemm_q4_1_tile(rm, tn, nb, ck_q0_u, ck_q0_dw, ck_q41_mw, q41tok + t, out + t * os + r, os);
            }
            continue;
        }
        {  // Q6_K, 2-7 tokens (llama.cpp's vec_dot order)
            const int64_t nb = n / CK_QKK;
            ck_q6_K_decode_tile(rm, nb, wr, ck_q6_buf, r + 2 * CK_GM <= r1 ? (size_t)CK_GM * ws : 0);
            for (int64_t t = 0; t < ntok; t += CK_GN) {
                const int tn = ntok - t >= CK_GN ? CK_GN : (int)(ntok - t);
                const ck_q8_K *y[CK_GN];
                for (int j = 0; j < CK_GN; j++) y[j] = (const ck_q8_K *)(xb + (size_t)(t + (j < tn ? j : 0)) * xs);
                ck_gemm_q6_K_tile(rm, tn, nb, wr, ck_q6_buf, y, out + t * os + r, os);
            }
        }
    }
    return 1;
}

// ------------------------------------------- driver -----------------------------------------------
// Prefetch distance: whole 4-row tiles, at least 4 KB ahead. With the hardware prefetcher alone the
// 4-row tile loop streamed Q6_K at 6.1 GB/s and Q4_K at 9.0 GB/s (4864x896, 1 thread); one tile ahead
// gave 14.7 / 14.6. Distances from 1 tile to 8 KB measured within noise (2-4 KB marginally best).
CKI size_t ck_pf_distance(size_t ws) {
    if (ws == 0) return 0;
    const size_t tiles = (4096 + 4 * ws - 1) / (4 * ws);
    return tiles * 4 * ws;
}

#define CK_TILE_LOOP(BT, XT, CALL4, CALL1)                                                              \
    do {                                                                                                \
        const int64_t nb = n / blk;                                                                     \
        const size_t pfd = ck_pf_distance(ws);                                                          \
        int64_t r = r0;                                                                                 \
        for (; r + 4 <= r1; r += 4) {                                                                   \
            const BT *wp[4];                                                                            \
            for (int k = 0; k < 4; k++) wp[k] = (const BT *)(wb + (size_t)(r + k) * ws);                \
            for (int64_t t = 0; t < ntok; t++) {                                                        \
                float res[4];                                                                           \
                const XT *xp = (const XT *)(xb + (size_t)t * xs);                                       \
                CALL4;                                                                                  \
                for (int k = 0; k < 4; k++) out[t * os + r + k] = res[k];                               \
            }                                                                                           \
        }                                                                                               \
        for (; r < r1; r++) {                                                                           \
            const BT *wp[1] = {(const BT *)(wb + (size_t)r * ws)};                                      \
            for (int64_t t = 0; t < ntok; t++) {                                                        \
                float res[1];                                                                           \
                const XT *xp = (const XT *)(xb + (size_t)t * xs);                                       \
                CALL1;                                                                                  \
                out[t * os + r] = res[0];                                                               \
            }                                                                                           \
        }                                                                                               \
    } while (0)

int CK_MATMUL_NAME(int type, int64_t n, const void *W, size_t ws, const void *X, size_t xs,
                          int64_t ntok, int64_t r0, int64_t r1, float *out, int64_t os) {
    const char *wb = (const char *)W, *xb = (const char *)X;
    int64_t blk;
    if (type == DC_TYPE_Q4_K_X8) {
        ck_q4_K_x8_matmul(type, n, wb, ws, xb, xs, ntok, r0, r1, out, os, 0);
        return 1;
    }
    if (ntok == 1) {
        // decode: rows streamed in order, one at a time (see the single-row kernels above)
        const size_t pfd = ck_pf_distance(ws);
        const char *xp = xb;
        switch (type) {
        case DC_TYPE_Q8_0: case DC_TYPE_Q4_0: case DC_TYPE_Q5_0: {
            const int64_t nb = n / CK_QK;
            if (nb > CK_MAXNB) break;
            __m256i base[CK_MAXNB];
            float dy[CK_MAXNB + 16];  // + 16: the scale loop reads dy in groups of 8
            ck_prep_q8_0(nb, (const ck_q8_0 *)xp, type == DC_TYPE_Q8_0 ? (CK_VNNI ? 0x80 : 0) : type == DC_TYPE_Q4_0 ? 8 : 16, base, dy);
            for (int64_t r = r0; r < r1; r++) {
                const char *wr = wb + (size_t)r * ws;
                out[r] = type == DC_TYPE_Q5_0 ? k1_q5_0(nb, (const ck_q5_0 *)wr, (const ck_q8_0 *)xp, base, dy, pfd)
                       : type == DC_TYPE_Q4_0 ? k1_q4_0(nb, (const ck_q4_0 *)wr, (const ck_q8_0 *)xp, base, dy, pfd)
                                              : k1_q8_0(nb, (const ck_q8_0 *)wr, (const ck_q8_0 *)xp, base, dy, pfd);
            }
            return 1;
        }
        case DC_TYPE_Q4_1: {
            const int64_t nb = n / CK_QK;
            if (nb > CK_MAXNB) break;
            float dy[CK_MAXNB + 16], sy[CK_MAXNB + 16];
            const ck_q8_1 *y = (const ck_q8_1 *)xp;
            for (int64_t b = 0; b < nb; b++) { dy[b] = ck_h2f(y[b].d); sy[b] = ck_h2f(y[b].s); }
            for (int64_t b = nb; b < nb + 16; b++) dy[b] = sy[b] = 0;
            for (int64_t r = r0; r < r1; r++)
                out[r] = k1_q4_1(nb, (const ck_q4_1 *)(wb + (size_t)r * ws), y, dy, sy, pfd);
            return 1;
        }
        case DC_TYPE_Q4_K: {
            const int64_t nb = n / CK_QKK;
            if (nb > CK_MAXNB / 8) break;
            __m128i bsp[CK_MAXNB / 8];
            const ck_q8_K *y = (const ck_q8_K *)xp;
            for (int64_t b = 0; b < nb; b++)
                bsp[b] = _mm_hadd_epi16(_mm_loadu_si128((const __m128i *)y[b].bsums), _mm_loadu_si128((const __m128i *)y[b].bsums + 1));
            for (int64_t r = r0; r < r1; r++) out[r] = k1_q4_K(nb, (const ck_q4_K *)(wb + (size_t)r * ws), y, bsp, pfd);
            return 1;
        }
        case DC_TYPE_Q5_K: case DC_TYPE_Q6_K: {
            const int64_t nb = n / CK_QKK;
            for (int64_t r = r0; r < r1; r++) {
                const void *wr[1] = {wb + (size_t)r * ws};
                if (type == DC_TYPE_Q5_K) k_q4_K(1, nb, NULL, (const ck_q8_K *)xp, out + r, 1, (const ck_q5_K *const *)wr, pfd);
                else k_q6_K(1, nb, (const ck_q6_K *const *)wr, (const ck_q8_K *)xp, out + r, pfd);
            }
            return 1;
        }
        default:
            break;
        }
    }
    if (ntok >= 2 && (((type == DC_TYPE_Q8_0 || type == DC_TYPE_Q5_0 || type == DC_TYPE_Q4_0 || type == DC_TYPE_Q4_1) && n / CK_QK <= CK_MAXNB) ||
                      ((type == DC_TYPE_Q4_K || type == DC_TYPE_Q6_K) && n / CK_QKK <= CK_MAXNB / 8))) {
        return ck_gemm(type, n, wb, ws, xb, xs, ntok, r0, r1, out, os);
    }
    switch (type) {
    case DC_TYPE_Q8_0:
        blk = CK_QK;
        CK_TILE_LOOP(ck_q8_0, ck_q8_0, k_q8_0(4, nb, wp, xp, res, pfd), k_q8_0(1, nb, wp, xp, res, pfd));
        return 1;
    case DC_TYPE_Q4_0:
        blk = CK_QK;
        CK_TILE_LOOP(ck_q4_0, ck_q8_0, k_q4_0(4, nb, wp, xp, res, pfd), k_q4_0(1, nb, wp, xp, res, pfd));
        return 1;
    case DC_TYPE_Q5_0:
        blk = CK_QK;
        CK_TILE_LOOP(ck_q5_0, ck_q8_0, k_q5_0(4, nb, wp, xp, res, pfd), k_q5_0(1, nb, wp, xp, res, pfd));
        return 1;
    case DC_TYPE_Q4_1:
        blk = CK_QK;
        CK_TILE_LOOP(ck_q4_1, ck_q8_1, k_q4_1(4, nb, wp, xp, res, pfd), k_q4_1(1, nb, wp, xp, res, pfd));
        return 1;
    case DC_TYPE_Q5_1:
        blk = CK_QK;
        CK_TILE_LOOP(ck_q5_1, ck_q8_1, k_q5_1(4, nb, wp, xp, res, pfd), k_q5_1(1, nb, wp, xp, res, pfd));
        return 1;
    case DC_TYPE_Q4_K:
        blk = CK_QKK;
        CK_TILE_LOOP(ck_q4_K, ck_q8_K, k_q4_K(4, nb, wp, xp, res, 0, NULL, pfd), k_q4_K(1, nb, wp, xp, res, 0, NULL, pfd));
        return 1;
    case DC_TYPE_Q5_K:
        blk = CK_QKK;
        CK_TILE_LOOP(ck_q5_K, ck_q8_K, k_q4_K(4, nb, NULL, xp, res, 1, wp, pfd), k_q4_K(1, nb, NULL, xp, res, 1, wp, pfd));
        return 1;
    case DC_TYPE_Q6_K:
        blk = CK_QKK;
        CK_TILE_LOOP(ck_q6_K, ck_q8_K, k_q6_K(4, nb, wp, xp, res, pfd), k_q6_K(1, nb, wp, xp, res, pfd));
        return 1;
    case DC_TYPE_F32:
        for (int64_t r = r0; r < r1; r++)
            for (int64_t t = 0; t < ntok; t++)
                out[t * os + r] = k_f32(n, (const float *)(wb + (size_t)r * ws), (const float *)(xb + (size_t)t * xs));
        return 1;
    case DC_TYPE_F16:
        for (int64_t r = r0; r < r1; r++)
            for (int64_t t = 0; t < ntok; t++)
                out[t * os + r] = k_f16(n, (const uint16_t *)(wb + (size_t)r * ws), (const uint16_t *)(xb + (size_t)t * xs));
        return 1;
    case DC_TYPE_BF16:
        for (int64_t r = r0; r < r1; r++)
            for (int64_t t = 0; t < ntok; t++)
                out[t * os + r] = k_bf16(n, (const uint16_t *)(wb + (size_t)r * ws), (const uint16_t *)(xb + (size_t)t * xs));
        return 1;
    default:
        return 0;
    }
}

// ------------------------- several single-token rows (a decoding step of N sequences) --------------
// Each of the N activation rows must sum exactly as it would alone (ntok = 1 above), so that a sequence
// decodes the same tokens in a batch as alone, while every weight row is read once for all N:
//  - Q5_0 / Q4_0: the prompt tiles (ck_gemm). Per lane they take fma(dw * dy, float(sum), acc) where the
//    single-row kernel takes fma(dw, float(sum) * dy, acc). Both products are exact in f32 (dw and dy are
//    f16 values, 11-bit significands; |sum| <= 4 * 16 * 128 = 2^13), so each fma rounds the same real
//    number once: the same bits, in the same block order, with the same final 8-lane sum.
//  - Q8_0: the single-row loop (rows streamed in order, the same prefetch, one accumulator per token fed
//    in block order with the same per-block formula), each weight block loaded once for the N tokens;
//  - Q4_K: r8_q4_K in its gemv order for every token; Q6_K: the tile path, which for 1-4 tokens sums as
//    k_q6_K does;
//  - other types: one single-token product per token.
// Measured (Intel Xeon of docs/PERFORMANCE.md, 1 thread, random 896 x 4864 rows, best of 300), GMAC/s at
// 2 / 3 / 4 tokens, this loop -> the prompt tiles: Q5_0 32.9 / 35.3 / 47.7 -> 41.0 / 51.1 / 58.5 with
// AVX-512, 22.1 -> 25.2 (2 tokens) and 28.9 -> 32.0 (4) with AVX2 code; Q8_0 is faster here (4 tokens:
// 61 against 59 with AVX-512, 34.7 against 29.1 with AVX2), so it stays.
#define CK_DECN 8  // tokens per pass over the weights (accumulators in registers)

// The N activation rows, interleaved by block ([b][j]), so that the kernel walks one pointer per array
// whatever N is (N row pointers spilled to the stack in the inner loop): with VNNI y + 128 as unsigned
// bytes (kn_q8_0 takes the offset from the weights), on AVX2 y itself.
static _Thread_local __m256i ck_dec_y[CK_MAXNB * CK_DECN];
static _Thread_local __m256 ck_dec_dy[CK_MAXNB * CK_DECN];  // dy broadcast to 8 lanes

CKI void ck_prep_q8_0_n(int N, int64_t nb, const ck_q8_0 *const *y) {
    for (int64_t b = 0; b < nb; b++) {
        for (int j = 0; j < N; j++) {
            const __m256i yv = _mm256_loadu_si256((const __m256i *)y[j][b].qs);
            ck_dec_y[b * N + j] = CK_VNNI ? _mm256_xor_si256(yv, _mm256_set1_epi8((char)0x80)) : yv;
            ck_dec_dy[b * N + j] = _mm256_set1_ps(ck_h2f(y[j][b].d));
        }
    }
}

// One Q8_0 weight row (nb blocks) against the N prepared activation rows: res[j] for token j, bit for bit
// what k1_q8_0 gives for that token alone: per block, fma(dw * dy, float(sum), acc), then ck_hsum_ps.
// With VNNI each lane's integer is the same 4-product sum taken as dpbusd(-128 * sum(w), y + 128, w): the
// correction comes from the weight block, once for all tokens, so a token's block costs two loads (bytes,
// scale) instead of three. Tokens 2p and 2p+1 share one 512-bit register (their prepared blocks are
// adjacent), each half doing the 256-bit steps; a last odd token runs them at 256 bits.
// Measured (Intel Xeon, 1 thread, random 896 x 4864 rows, 4 tokens, best of 300): 48.8 GMAC/s with a
// correction row per token (three loads per token-block) -> 53-61 so; 896 x 151936 (the 0.5B's output
// matrix, from memory): 43-45 -> 47-57.
CKI void kn_q8_0(int N, int64_t nb, const ck_q8_0 *w, float *res, size_t pfd) {
    const __m256i *yq = ck_dec_y;
    const __m256 *dq = ck_dec_dy;
#if CK_VNNI
    const int P = N / 2;
    __m512 acc2[CK_DECN / 2];
    for (int p = 0; p < P; p++) acc2[p] = _mm512_setzero_ps();
    __m256 acc1 = _mm256_setzero_ps();  // token N - 1 when N is odd
    const __m512i c128 = _mm512_set1_epi8((char)0x80);
#else
    __m256 acc[CK_DECN];
    for (int j = 0; j < N; j++) acc[j] = _mm256_setzero_ps();
#endif
    for (int64_t b0 = 0; b0 < nb; b0 += 8) {
        const int cnt = nb - b0 < 8 ? (int)(nb - b0) : 8;
        float dwa[8];  // the blocks' scales, each broadcast from memory below (a load, not a shuffle)
        _mm256_storeu_ps(dwa, ck_scales8(&w[b0].d, sizeof(ck_q8_0), cnt, ck_ones8));
        ck_prefetch_range((const char *)(w + b0) + pfd, 8 * sizeof(ck_q8_0));
        for (int k = 0; k < cnt; k++, yq += N, dq += N) {
#if CK_VNNI
            const __m512i w2 = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)w[b0 + k].qs));
            const __m512i corr2 = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), c128, w2));
            const __m512 dk2 = _mm512_set1_ps(dwa[k]);
            for (int p = 0; p < P; p++) {
                const __m512 s2 = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(corr2, _mm512_loadu_si512(yq + 2 * p), w2));
                acc2[p] = _mm512_fmadd_ps(_mm512_mul_ps(dk2, _mm512_loadu_ps(dq + 2 * p)), s2, acc2[p]);
            }
            if (N & 1) {
                const __m256 s1 = _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(_mm512_castsi512_si256(corr2), yq[N - 1], _mm512_castsi512_si256(w2)));
                acc1 = _mm256_fmadd_ps(_mm256_mul_ps(_mm512_castps512_ps256(dk2), dq[N - 1]), s1, acc1);
            }
#else
            const __m256i wv = _mm256_loadu_si256((const __m256i *)w[b0 + k].qs);
            const __m256 dk = _mm256_broadcast_ss(dwa + k);
            for (int j = 0; j < N; j++) {
                const __m256i sj = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(wv, wv), _mm256_sign_epi8(yq[j], wv)),
                                                     _mm256_set1_epi16(1));
                acc[j] = _mm256_fmadd_ps(_mm256_mul_ps(dk, dq[j]), _mm256_cvtepi32_ps(sj), acc[j]);
            }
#endif
        }
    }
#if CK_VNNI
    for (int p = 0; p < P; p++) {
        res[2 * p] = ck_hsum_ps(_mm512_castps512_ps256(acc2[p]));
        res[2 * p + 1] = ck_hsum_ps(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc2[p]), 1)));
    }
    if (N & 1) res[N - 1] = ck_hsum_ps(acc1);
#else
    for (int j = 0; j < N; j++) res[j] = ck_hsum_ps(acc[j]);
#endif
}

int CK_MATMUL_DECODE_NAME(int type, int64_t n, const void *W, size_t ws, const void *X, size_t xs,
                          int64_t ntok, int64_t r0, int64_t r1, float *out, int64_t os) {
    const char *wb = (const char *)W, *xb = (const char *)X;
    if (ntok == 1) return CK_MATMUL_NAME(type, n, W, ws, X, xs, 1, r0, r1, out, os);
    switch (type) {
    case DC_TYPE_Q4_K_X8:
        ck_q4_K_x8_matmul(type, n, wb, ws, xb, xs, ntok, r0, r1, out, os, 1);
        return 1;
    case DC_TYPE_Q4_K:
        if (n / CK_QKK > CK_MAXNB / 8) break;
        ck_q4_K_x8_matmul(type, n, wb, ws, xb, xs, ntok, r0, r1, out, os, 1);
        return 1;
    case DC_TYPE_Q6_K:
        if (n / CK_QKK > CK_MAXNB / 8) break;
        for (int64_t t = 0; t < ntok; t += 4) {
            const int64_t tn = ntok - t < 4 ? ntok - t : 4;
            ck_gemm(type, n, wb, ws, xb + (size_t)t * xs, xs, tn, r0, r1, out + t * os, os);
        }
        return 1;
    case DC_TYPE_Q5_0: case DC_TYPE_Q4_0:
        // ck_gemm fails only if its tile buffers cannot be allocated: then the one-token kernels below
        if (n / CK_QK <= CK_MAXNB && ck_gemm(type, n, wb, ws, xb, xs, ntok, r0, r1, out, os)) return 1;
        break;
    case DC_TYPE_Q8_0: {
        const int64_t nb = n / CK_QK;
        if (nb > CK_MAXNB) break;
        const size_t pfd = ck_pf_distance(ws);
        for (int64_t t0 = 0; t0 < ntok; t0 += CK_DECN) {
            const int N = ntok - t0 < CK_DECN ? (int)(ntok - t0) : CK_DECN;
            const ck_q8_0 *y[CK_DECN];
            for (int j = 0; j < N; j++) y[j] = (const ck_q8_0 *)(xb + (size_t)(t0 + j) * xs);
            ck_prep_q8_0_n(N, nb, y);
            for (int64_t r = r0; r < r1; r++) {
                float res[CK_DECN];
                const ck_q8_0 *wr = (const ck_q8_0 *)(wb + (size_t)r * ws);
                // N as a constant, so that the N accumulators stay in registers (a runtime N kept them on the
                // stack: batch 4 of qwen2.5-coder-0.5b decoded at 1.21x batch 1's tokens/s instead of 1.75x)
                switch (N) {
                case 1: kn_q8_0(1, nb, wr, res, pfd); break;
                case 2: kn_q8_0(2, nb, wr, res, pfd); break;
                case 3: kn_q8_0(3, nb, wr, res, pfd); break;
                case 4: kn_q8_0(4, nb, wr, res, pfd); break;
                case 5: kn_q8_0(5, nb, wr, res, pfd); break;
                case 6: kn_q8_0(6, nb, wr, res, pfd); break;
                case 7: kn_q8_0(7, nb, wr, res, pfd); break;
                default: kn_q8_0(8, nb, wr, res, pfd); break;
                }
                for (int j = 0; j < N; j++) out[(t0 + j) * os + r] = res[j];
            }
        }
        return 1;
    }
    default:
        break;
    }
    for (int64_t t = 0; t < ntok; t++)
        if (!CK_MATMUL_NAME(type, n, W, ws, xb + (size_t)t * xs, xs, 1, r0, r1, out + t * os, os)) return 0;
    return 1;
}
