// Runtime ISA selection (cached) and the portable fallbacks of the SIMD entry points on other CPUs.
#include "ck_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static int ck_level_cache = -1;
static volatile int ck_forced_portable = 0;
static volatile int ck_forced_avx2 = 0;
static pthread_once_t ck_table_once = PTHREAD_ONCE_INIT;

float ck_f16_table[65536];

static void ck_fill_table(void) {
    for (uint32_t i = 0; i < 65536; i++) ck_f16_table[i] = ck_f16_to_f32((uint16_t)i);
}

int ck_cpu_level(void) {
    int lvl = __atomic_load_n(&ck_level_cache, __ATOMIC_ACQUIRE);
    if (lvl >= 0) return lvl;
    pthread_once(&ck_table_once, ck_fill_table);
    lvl = 0;
#if defined(__x86_64__) && !defined(CK_DISABLE_SIMD) && (defined(__clang__) || defined(__GNUC__))
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) {
        lvl = 1;
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
            __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni"))
            lvl = 2;
    }
#endif
    // DEEPCODER_KERNELS=avx2|portable caps the level (benchmarks, debugging on AVX-512 machines)
    const char *cap = getenv("DEEPCODER_KERNELS");
    if (cap && strcmp(cap, "avx2") == 0 && lvl > 1) lvl = 1;
    if (cap && strcmp(cap, "portable") == 0) lvl = 0;
    __atomic_store_n(&ck_level_cache, lvl, __ATOMIC_RELEASE);  // every thread computes the same value
    return lvl;
}

int ck_active_level(void) {
    if (ck_forced_portable) return 0;
    const int lvl = ck_cpu_level();
    return ck_forced_avx2 && lvl > 1 ? 1 : lvl;
}

const char *dc_kernel_isa(void) {
    switch (ck_active_level()) {
    case 2: return "avx512vnni";
    case 1: return "avx2";
    default: return "portable";
    }
}

void dc_force_portable(int on) { ck_forced_portable = on ? 1 : 0; }
void dc_force_avx2(int on) { ck_forced_avx2 = on ? 1 : 0; }

uint64_t dc_read_bytes(const void *p, size_t bytes) {
    // four independent sums: the loop is load-bound (the compiler vectorises it) and no cache line is skipped
    const uint64_t *q = (const uint64_t *)p;
    const size_t n = bytes / 8;
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) { s0 += q[i]; s1 += q[i + 1]; s2 += q[i + 2]; s3 += q[i + 3]; }
    for (; i < n; i++) s0 += q[i];
    return s0 ^ s1 ^ s2 ^ s3;
}

#if !defined(__x86_64__) || defined(CK_DISABLE_SIMD)
int ck_matmul_avx2(int type, int64_t n, const void *W, size_t ws, const void *X, size_t xs,
                   int64_t ntok, int64_t r0, int64_t r1, float *out, int64_t os) {
    (void)type; (void)n; (void)W; (void)ws; (void)X; (void)xs; (void)ntok; (void)r0; (void)r1; (void)out; (void)os;
    return 0;
}
int ck_matmul_avx512(int type, int64_t n, const void *W, size_t ws, const void *X, size_t xs,
                     int64_t ntok, int64_t r0, int64_t r1, float *out, int64_t os) {
    (void)type; (void)n; (void)W; (void)ws; (void)X; (void)xs; (void)ntok; (void)r0; (void)r1; (void)out; (void)os;
    return 0;
}
int ck_matmul_decode_avx2(int type, int64_t n, const void *W, size_t ws, const void *X, size_t xs,
                          int64_t ntok, int64_t r0, int64_t r1, float *out, int64_t os) {
    (void)type; (void)n; (void)W; (void)ws; (void)X; (void)xs; (void)ntok; (void)r0; (void)r1; (void)out; (void)os;
    return 0;
}
int ck_matmul_decode_avx512(int type, int64_t n, const void *W, size_t ws, const void *X, size_t xs,
                            int64_t ntok, int64_t r0, int64_t r1, float *out, int64_t os) {
    (void)type; (void)n; (void)W; (void)ws; (void)X; (void)xs; (void)ntok; (void)r0; (void)r1; (void)out; (void)os;
    return 0;
}
void ck_f16_to_f32_row_f16c(const uint16_t *src, float *dst, int64_t n) {
    for (int64_t i = 0; i < n; i++) dst[i] = ck_f16_to_f32(src[i]);
}
void ck_f32_to_f16_row_f16c(const float *src, uint16_t *dst, int64_t n) {
    for (int64_t i = 0; i < n; i++) dst[i] = dc_f32_to_f16(src[i]);
}
void ck_axpy_f32_avx2(int64_t n, float a, const float *x, float *y) {
    for (int64_t i = 0; i < n; i++) y[i] += a * x[i];
}
void ck_axpy_f16_avx2(int64_t n, float a, const uint16_t *x, float *y) {
    for (int64_t i = 0; i < n; i++) y[i] += a * ck_f16_to_f32(x[i]);
}
float ck_dot_f32_avx2(int64_t n, const float *x, const float *y) {
    float s = 0;
    for (int64_t i = 0; i < n; i++) s += x[i] * y[i];
    return s;
}
void ck_q4_K_x8_pack_avx2(const char *const *w, int64_t b, ck_q4_K_x8 *o) { ck_q4_K_x8_pack(w, b, o); }
#endif
