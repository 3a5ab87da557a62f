// CKernels: quantized tensor kernels for deepcoder's engine.
//
// Block layouts are ggml's (llama.cpp's ggml-common.h is the reference that was read, not copied).
// Every entry point has a portable C path; AVX2+FMA+F16C and AVX-512 (VNNI/BW) paths are chosen at
// run time with __builtin_cpu_supports, so the binary runs on any x86_64 (and other) CPU.
//
// Types are identified by their ggml type ids so that GGUF tensor infos map directly.
#ifndef DEEPCODER_CKERNELS_H
#define DEEPCODER_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// ggml type ids (the values stored in GGUF tensor infos).
enum {
    DC_TYPE_F32 = 0,
    DC_TYPE_F16 = 1,
    DC_TYPE_Q4_0 = 2,
    DC_TYPE_Q4_1 = 3,
    DC_TYPE_Q5_0 = 6,
    DC_TYPE_Q5_1 = 7,
    DC_TYPE_Q8_0 = 8,
    DC_TYPE_Q8_1 = 9,
    DC_TYPE_Q4_K = 12,
    DC_TYPE_Q5_K = 13,
    DC_TYPE_Q6_K = 14,
    DC_TYPE_Q8_K = 15,
    DC_TYPE_BF16 = 30,
    /// Not a ggml type: Q4_K rows repacked 8 at a time for the kernels (dc_repack_q4_K_x8), deepcoder's
    /// in-memory layout. Row r of such a matrix is in the group at W + (r / 8) * 8 * row_stride, where
    /// row_stride = dc_row_bytes(DC_TYPE_Q4_K_X8, n) (148 bytes per 256 elements: a row's share).
    DC_TYPE_Q4_K_X8 = 1012,
};

/// 1 when `type` is one of the ids above that this library supports, else 0.
int dc_type_supported(int type);
/// Elements per block (32 for Q4_0…Q8_1, 256 for K-quants, 1 for F32/F16/BF16); 0 if unsupported.
int64_t dc_block_elements(int type);
/// Bytes per block; 0 if unsupported.
size_t dc_block_bytes(int type);
/// Bytes of one row of `n` elements (n must be a multiple of dc_block_elements(type)).
size_t dc_row_bytes(int type, int64_t n);

/// The type activations are converted to before a dot product with weights of `type`, as in ggml:
/// Q4_0/Q5_0/Q8_0 → Q8_0, Q4_1/Q5_1 → Q8_1, Q4_K/Q5_K/Q6_K → Q8_K, F16 → F16, BF16 → BF16, F32 → F32.
int dc_vec_dot_type(int type);

/// Repacks `rows` (a multiple of 8) Q4_K rows of `n` elements, `src_row_stride` bytes apart, into `dst`
/// (rows * dc_row_bytes(DC_TYPE_Q4_K_X8, n) bytes): per group of 8 rows and super-block, the rows'
/// quant bytes interleaved 4 at a time, then their scales, mins and f16 d / dmin side by side. This is
/// the arrangement llama.cpp repacks Q4_K into for x86 (read as a reference, not copied): one 32-bit
/// lane per row, so a dot product yields 8 rows' sums in one vector.
void dc_repack_q4_K_x8(const void *src, size_t src_row_stride, int64_t rows, int64_t n, void *dst);

/// Dequantizes `n` elements (a multiple of the block size) of `type` from `src` into `dst`.
void dc_dequantize_row(int type, const void *src, float *dst, int64_t n);

/// Converts `n` floats into a row of `type` (any vec_dot type: Q8_0, Q8_1, Q8_K, F16, BF16, F32),
/// rounding as ggml's reference quantizers do.
void dc_quantize_row(int type, const float *src, void *dst, int64_t n);

/// Dot product of one weight row of `type` (n elements) with one activation row already converted
/// to dc_vec_dot_type(type).
float dc_vec_dot(int type, int64_t n, const void *w_row, const void *x_row);

/// Matrix × vectors. W holds rows of `n` elements of `type`, `w_row_stride` bytes apart.
/// X holds `ntok` activation rows in dc_vec_dot_type(type), `x_row_stride` bytes apart.
/// For rows r in [r0, r1) and tokens t in [0, ntok): out[t * out_stride + r] = dot(W[r], X[t]).
/// Rows are processed in small tiles so each weight tile is read once for all tokens.
void dc_matmul(int type, int64_t n,
               const void *W, size_t w_row_stride,
               const void *X, size_t x_row_stride, int64_t ntok,
               int64_t r0, int64_t r1,
               float *out, int64_t out_stride);

/// Same product for a decoding step of several sequences: each of the `ntok` activation rows is summed
/// exactly as dc_matmul sums it with ntok = 1 (so a sequence decodes the same tokens in a batch as
/// alone), while each weight row is read once for all of them. Used by TransformerModel.decodeStep.
void dc_matmul_decode(int type, int64_t n,
                      const void *W, size_t w_row_stride,
                      const void *X, size_t x_row_stride, int64_t ntok,
                      int64_t r0, int64_t r1,
                      float *out, int64_t out_stride);

/// Same as dc_matmul but always on the portable C path (for testing the fast paths against it).
void dc_matmul_portable(int type, int64_t n,
                        const void *W, size_t w_row_stride,
                        const void *X, size_t x_row_stride, int64_t ntok,
                        int64_t r0, int64_t r1,
                        float *out, int64_t out_stride);

/// Which implementation dc_matmul uses on this CPU: "avx512vnni", "avx2", or "portable".
const char *dc_kernel_isa(void);
/// Forces the portable path (1) or restores automatic dispatch (0). For tests and benchmarks.
void dc_force_portable(int on);
/// Caps the matrix and attention kernels at the AVX2 code (1) or restores automatic dispatch (0), so that
/// tests on an AVX-512 machine run the AVX2 kernels too (as DEEPCODER_KERNELS=avx2 does for a whole process).
void dc_force_avx2(int on);

/// IEEE half / bfloat16 conversions (round to nearest even), as ggml's.
float dc_f16_to_f32(uint16_t h);
uint16_t dc_f32_to_f16(float f);
float dc_bf16_to_f32(uint16_t h);
uint16_t dc_f32_to_bf16(float f);
void dc_f16_to_f32_row(const uint16_t *src, float *dst, int64_t n);
void dc_f32_to_f16_row(const float *src, uint16_t *dst, int64_t n);

/// Small float vector helpers used by the forward pass (vectorised where it pays).
/// y[i] += a * x[i]
void dc_axpy_f32(int64_t n, float a, const float *x, float *y);
/// y[i] += a * (float)x_f16[i]
void dc_axpy_f16(int64_t n, float a, const uint16_t *x, float *y);
/// sum of x[i] * y[i] for f32 rows
float dc_dot_f32(int64_t n, const float *x, const float *y);

/// Causal attention of one query head over `positions` cached F16 keys/values (row strides in
/// elements), computed as llama.cpp's CPU backend does (AVX-512 build, no flash attention):
/// `batched` != 0 follows its batched-prompt kernels (tinyBLAS), 0 its single-token ones.
/// `ws` needs dc_attention_workspace(hd, positions) floats.
size_t dc_attention_workspace(int64_t hd, int64_t context);
void dc_attention_head(const float *q, int64_t hd, const uint16_t *k, int64_t k_stride, const uint16_t *v,
                       int64_t v_stride, int64_t positions, float scale, int batched, float *ws, float *out);
/// The same with key rows of `hk` elements and value rows of `hv` (multi-head latent attention: the
/// values are the first `hv` elements of the cached key rows). Workspace: dc_attention_workspace_kv.
size_t dc_attention_workspace_kv(int64_t hk, int64_t hv, int64_t context);
void dc_attention_head_kv(const float *q, int64_t hk, const uint16_t *k, int64_t k_stride, const uint16_t *v,
                          int64_t hv, int64_t v_stride, int64_t positions, float scale, int batched, float *ws,
                          float *out);
/// dc_attention_head_kv in the batched order (prompt chunks) for `tokens` x `heads` queries that read
/// the same KV head:
/// query (t, h) is at q + t * q_token_stride + h * q_head_stride, sees positions[t] cached positions,
/// and writes out + t * out_token_stride + h * out_head_stride. Results are bit-identical to one
/// dc_attention_head_kv call per query; keys and values are converted once for all of them.
/// `ws` needs dc_attention_group_workspace(hk, hv, context, tokens * heads) floats.
size_t dc_attention_group_workspace(int64_t hk, int64_t hv, int64_t context, int64_t queries);
void dc_attention_group(const float *q, int64_t q_token_stride, int64_t q_head_stride, int64_t tokens, int64_t heads,
                        const int64_t *positions, int64_t hk, const uint16_t *k, int64_t k_stride, const uint16_t *v,
                        int64_t hv, int64_t v_stride, float scale, float *ws, float *out,
                        int64_t out_token_stride, int64_t out_head_stride);
/// y = softmax(x) over n values as ggml_soft_max computes it (the mixture-of-experts router).
void dc_softmax_f32(int64_t n, const float *x, float *y);
/// w · x in ggml_vec_dot_f32's order for one token (an F32 weight row times an F32 activation row).
float dc_dot_f32_single(int64_t n, const float *w, const float *x);
/// out[i] = silu(gate[i]) * up[i] with ggml's vectorised expf (ggml_vec_swiglu_f32).
void dc_swiglu(int64_t n, const float *gate, const float *up, float *out);

/// Reads `bytes` bytes at `p` (8-byte words) and returns a checksum, so a caller can time pure memory
/// reads (deepcoder bench --bandwidth).
uint64_t dc_read_bytes(const void *p, size_t bytes);

/// A spin-wait hint for the thread pool (x86 PAUSE).
static inline void dc_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

#ifdef __cplusplus
}
#endif
#endif
