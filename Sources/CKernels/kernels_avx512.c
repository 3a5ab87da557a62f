// AVX-512 (F/BW/VL/VNNI) kernels: vpdpbusd / vpdpwssd integer dots and AVX-512BW byte masks.
#include "ck_internal.h"

#if defined(__x86_64__) && !defined(CK_DISABLE_SIMD)
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c"))), apply_to = function)
#elif defined(__GNUC__)
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")
#endif

#define CK_VNNI 1
#define CK_USE_KMASK 1
#define CK_MATMUL_NAME ck_matmul_avx512
#define CK_MATMUL_DECODE_NAME ck_matmul_decode_avx512
#include "kernels_x86_impl.h"

#if defined(__clang__)
#pragma clang attribute pop
#elif defined(__GNUC__)
#pragma GCC pop_options
#endif
#endif
