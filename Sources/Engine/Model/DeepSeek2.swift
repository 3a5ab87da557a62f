import Foundation
import CKernels

/// The `deepseek2` architecture (DeepSeek-V2, DeepSeek-Coder-V2 and their Lite variants), as llama.cpp
/// implements it: multi-head latent attention (MLA) and a mixture of experts.
///
/// Attention. Each token's hidden state is projected to a compressed latent of `kv_lora_rank` values
/// plus a rope key part shared by all heads (`attn_kv_a_mqa`); the latent is RMS-normed
/// (`attn_kv_a_norm`). A head's query is `qk_nope + qk_rope` values (from `attn_q`, or through a
/// low-rank `attn_q_a` → norm → `attn_q_b` when `q_lora_rank` > 0); the rope part is rotated with YaRN
/// (adjacent pairs, llama.cpp's rope "normal"). Like llama.cpp for GGUFs that carry `key_length_mla`,
/// the decompression is "absorbed": the non-rope query is mapped into latent space per head
/// (`attn_k_b`), attention runs as multi-query attention over the cached [latent, rope key] rows, the
/// values are the cached latents, and each head's result is decompressed with `attn_v_b` before
/// `attn_output`. The KV cache therefore holds one F16 row of `kv_lora_rank + qk_rope` values per
/// position and layer, and no separate values: llama.cpp caches exactly that (its K cache; its V is a
/// view of the latent part of K).
///
/// Feed-forward. The first `leading_dense_block_count` layers have a SwiGLU FFN; the others a mixture
/// of experts: a softmax (or sigmoid) router (`ffn_gate_inp`) picks `expert_used_count` of
/// `expert_count` experts per token (`ffn_{gate,up,down}_exps`, 3-D tensors), whose SwiGLU outputs are
/// weighted by the router probabilities (normalised if `expert_weights_norm`, times
/// `expert_weights_scale`) and summed in the router's order, plus `expert_shared_count` always-on
/// shared experts (`ffn_*_shexp`).
public enum DeepSeek2 {
    public static let traits = ArchitectureTraits(name: "deepseek2", ropeType: .normal, attentionBiases: false,
                                                  defaultRopeFreqBase: 10_000)
}

/// deepseek2's sizes beyond `ModelConfig`, read from the GGUF metadata, and the YaRN rope constants
/// llama.cpp derives from them.
public struct DeepSeek2Config: Sendable {
    public let qLoraRank: Int
    public let kvLoraRank: Int
    public let qkNope: Int
    public let qkRope: Int
    public let vHead: Int
    /// The current conversion (key_length_mla / value_length_mla, split attn_k_b / attn_v_b), run in
    /// llama.cpp's absorbed MLA form; false for the older one (one attn_kv_b), which llama.cpp runs as
    /// multi-head attention over full per-head keys and values.
    public let mla: Bool
    public let leadingDense: Int
    public let expertCount: Int
    public let expertUsed: Int
    public let expertShared: Int
    public let expertFeedForward: Int
    public let expertWeightsScale: Float
    public let expertWeightsNorm: Bool
    /// 1 softmax, 2 sigmoid (llama.cpp's expert_gating_func).
    public let gating: Int
    // rope (llama.cpp's cparams after llama_context's YaRN adjustments)
    public let freqBase: Float
    public let freqScale: Float
    public let extFactor: Float
    public let attnFactor: Float
    public let betaFast: Float
    public let betaSlow: Float
    public let originalContext: Int
    /// Softmax scale of attention: mscale² / sqrt(qk_nope + qk_rope).
    public let kqScale: Float

    /// Length of the attn_kv_a_mqa output (`kv_lora_rank + qk_rope`), the cache row of the MLA form.
    public var cacheRow: Int { kvLoraRank + qkRope }
    public var queryHead: Int { qkNope + qkRope }

    init(file: GGUFFile, base c: ModelConfig) throws {
        let a = c.traits.name, path = file.url.path
        func need(_ k: String) throws -> Int { try file.requireInt("\(a).\(k)") }
        qLoraRank = file.int("\(a).attention.q_lora_rank") ?? 0
        kvLoraRank = try need("attention.kv_lora_rank")
        qkRope = c.ropeDimensions
        let kMLA: Int, vMLA: Int
        if let k = file.int("\(a).attention.key_length_mla"), let v = file.int("\(a).attention.value_length_mla"), k > 0, v > 0 {
            mla = true
            kMLA = k
            vMLA = v
        } else {
            // older conversion: key_length is the head's (nope + rope), value_length its value size
            mla = false
            kMLA = c.headDim
            vMLA = file.int("\(a).attention.value_length") ?? c.headDim
        }
        qkNope = kMLA - qkRope
        vHead = vMLA
        leadingDense = file.int("\(a).leading_dense_block_count") ?? 0
        expertCount = file.int("\(a).expert_count") ?? 0
        expertUsed = file.int("\(a).expert_used_count") ?? 0
        expertShared = file.int("\(a).expert_shared_count") ?? 0
        expertFeedForward = file.int("\(a).expert_feed_forward_length") ?? 0
        expertWeightsScale = Float(file.float("\(a).expert_weights_scale") ?? 0)
        expertWeightsNorm = file.bool("\(a).expert_weights_norm") ?? false
        gating = file.int("\(a).expert_gating_func") ?? 1
        let M = ModelConfig.maximumDimension
        let cacheShape = mla ? c.headCountKV == 1 && c.headDim == kvLoraRank + qkRope : c.headCountKV == c.headCount
        guard kvLoraRank > 0, kvLoraRank <= M, qkNope > 0, qkNope <= M, vHead > 0, vHead <= M, qLoraRank >= 0, qLoraRank <= M,
              cacheShape, qkRope % 2 == 0 else {
            throw GGUFError(file: path, reason: "inconsistent deepseek2 attention sizes: kv_lora_rank \(kvLoraRank), key_length_mla \(kMLA), value_length_mla \(vMLA), rope \(qkRope), key_length \(c.headDim), head_count_kv \(c.headCountKV)")
        }
        guard leadingDense >= 0, leadingDense <= c.blockCount else {
            throw GGUFError(file: path, reason: "leading_dense_block_count \(leadingDense) exceeds the \(c.blockCount) blocks")
        }
        if leadingDense < c.blockCount {
            guard expertCount > 0, expertCount <= 4096, expertUsed > 0, expertUsed <= expertCount, expertShared >= 0, expertShared <= 64,
                  expertFeedForward > 0, expertFeedForward <= M else {
                throw GGUFError(file: path, reason: "implausible mixture of experts: \(expertUsed) of \(expertCount) experts, \(expertShared) shared, FFN \(expertFeedForward)")
            }
            guard gating == 1 || gating == 2 else {
                throw GGUFError(file: path, reason: "expert_gating_func \(gating) is not supported (1 softmax, 2 sigmoid)")
            }
            // DeepSeek-V3-style routing (expert groups, a selection bias) is not implemented: refuse it
            // rather than route differently from llama.cpp
            if let groups = file.int("\(a).expert_group_count"), groups > 1 {
                throw GGUFError(file: path, reason: "expert_group_count \(groups): grouped expert selection (DeepSeek-V3 style) is not supported")
            }
            if file.tensors.contains(where: { $0.name.hasSuffix("exp_probs_b.bias") }) {
                throw GGUFError(file: path, reason: "an expert selection bias (exp_probs_b, DeepSeek-V3 style) is not supported")
            }
        }

        // Rope and YaRN, as llama_context sets its cparams and the deepseek2 graph its kq_scale.
        freqBase = c.ropeFreqBase
        let scalingType = file.string("\(a).rope.scaling.type") ?? "linear"
        let factor = Float(file.float("\(a).rope.scaling.factor") ?? file.float("\(a).rope.scale_linear") ?? 0)
        var fs: Float = factor == 0 ? 1 : 1 / factor
        if scalingType == "none" { fs = 1 }
        freqScale = fs
        originalContext = file.int("\(a).rope.scaling.original_context_length") ?? c.trainedContextLength
        var ext = Float(file.float("\(a).rope.scaling.yarn_ext_factor") ?? -1)
        if ext < 0 { ext = scalingType == "yarn" ? 1 : 0 }
        extFactor = ext
        betaFast = Float(file.float("\(a).rope.scaling.yarn_beta_fast") ?? 32)
        betaSlow = Float(file.float("\(a).rope.scaling.yarn_beta_slow") ?? 1)
        var logMul = Float(file.float("\(a).rope.scaling.yarn_log_multiplier") ?? 0)
        if logMul != 0 { logMul /= 0.1 }  // the converter stores 0.1 * mscale_all_dim
        var attn = Float(file.float("\(a).rope.scaling.yarn_attn_factor") ?? 1)
        if ext != 0 {
            func getMscale(_ scale: Float, _ m: Float) -> Float { scale <= 1 ? 1 : (0.1 * m * logf(scale) + 1) }
            let f = 1 / fs
            if logMul != 0 {
                let mscaleAll = logMul
                let mscale: Float = mscaleAll != 1 ? mscaleAll : 1
                attn = getMscale(f, mscale) / getMscale(f, mscaleAll)
            } else {
                attn = getMscale(f, 1)
            }
            attn *= 1 / (1 + 0.1 * logf(f))
        }
        attn *= Float(file.float("\(a).rope.scaling.attn_factor") ?? 1)
        attnFactor = attn
        let attnOrg = attn * (1 + 0.1 * logf(1 / fs))
        let mscale = attnOrg * (1 + 0.1 * logMul * logf(1 / fs))
        kqScale = 1 * mscale * mscale / Float(qkNope + qkRope).squareRoot()
    }
}

/// One deepseek2 block's weights.
struct DeepSeek2Layer {
    let attnNorm: VectorWeight
    let wq: WeightMatrix?           // no q LoRA
    let wqA: WeightMatrix?, qANorm: VectorWeight?, wqB: WeightMatrix?
    let wkvA: WeightMatrix
    let kvANorm: VectorWeight
    let wkB: [WeightMatrix]          // per head: kv_lora_rank × qk_nope (MLA form)
    let wvB: [WeightMatrix]          // per head: v_head × kv_lora_rank (MLA form)
    let wkvB: WeightMatrix?          // H × (qk_nope + v_head) rows × kv_lora_rank (older form)
    let wo: WeightMatrix
    let ffnNorm: VectorWeight
    // dense
    let gate, up, down: WeightMatrix?
    // mixture of experts
    let router: WeightMatrix?
    let gateExps, upExps, downExps: [WeightMatrix]
    let gateShared, upShared, downShared: WeightMatrix?
}

/// The deepseek2 blocks of a `TransformerModel`: weights, scratch and the forward pass over them.
final class DeepSeek2Blocks {
    let c: ModelConfig
    let d: DeepSeek2Config
    let layers: [DeepSeek2Layer]
    let pool: ThreadPool
    /// Group a prompt chunk's tokens by expert, so each expert's weights are read once per chunk (true),
    /// or run each token's experts one by one. Both give the same numbers (each row is summed as alone,
    /// as llama.cpp's MUL_MAT_ID does).
    var batchedExperts = true

    private let scratch: ActivationScratch
    private let maxRows: Int
    private let xn, qa, q, kvA, qcat, kqv, attnOut, tmp, gateBuf, upBuf, ffnOut, kvFull: UnsafeMutablePointer<Float>
    private let routerLogits, probs: UnsafeMutablePointer<Float>
    private let exIn, exGate, exUp, exDown, moeOut: UnsafeMutablePointer<Float>
    private let ropeCos, ropeSin: UnsafeMutablePointer<Float>
    private let scores: UnsafeMutablePointer<Float>
    private let attnWorkspace: Int
    private let allocated: [UnsafeMutablePointer<Float>]

    init(file: GGUFFile, config c: ModelConfig, deepseek d: DeepSeek2Config, pool: ThreadPool, batchSize B: Int,
         contextLength ctx: Int, matrix: (String, Int, Int) throws -> WeightMatrix,
         experts: (String, Int, Int, Int) throws -> [WeightMatrix]) throws {
        self.c = c
        self.d = d
        self.pool = pool
        let E = c.embeddingLength, H = c.headCount
        var ls: [DeepSeek2Layer] = []
        for i in 0..<c.blockCount {
            let p = "blk.\(i)."
            let dense = i < d.leadingDense
            let heads = 0..<H
            ls.append(DeepSeek2Layer(
                attnNorm: try VectorWeight(file: file, name: p + "attn_norm.weight", count: E),
                wq: d.qLoraRank == 0 ? try matrix(p + "attn_q.weight", H * d.queryHead, E) : nil,
                wqA: d.qLoraRank > 0 ? try matrix(p + "attn_q_a.weight", d.qLoraRank, E) : nil,
                qANorm: d.qLoraRank > 0 ? try VectorWeight(file: file, name: p + "attn_q_a_norm.weight", count: d.qLoraRank) : nil,
                wqB: d.qLoraRank > 0 ? try matrix(p + "attn_q_b.weight", H * d.queryHead, d.qLoraRank) : nil,
                wkvA: try matrix(p + "attn_kv_a_mqa.weight", d.cacheRow, E),
                kvANorm: try VectorWeight(file: file, name: p + "attn_kv_a_norm.weight", count: d.kvLoraRank),
                wkB: !d.mla ? [] : try heads.map { try WeightMatrix(file: file, name: p + "attn_k_b.weight", slice: $0, of: H, rows: d.kvLoraRank, columns: d.qkNope) },
                wvB: !d.mla ? [] : try heads.map { try WeightMatrix(file: file, name: p + "attn_v_b.weight", slice: $0, of: H, rows: d.vHead, columns: d.kvLoraRank) },
                wkvB: d.mla ? nil : try matrix(p + "attn_kv_b.weight", H * (d.qkNope + d.vHead), d.kvLoraRank),
                wo: try matrix(p + "attn_output.weight", E, H * d.vHead),
                ffnNorm: try VectorWeight(file: file, name: p + "ffn_norm.weight", count: E),
                gate: dense ? try matrix(p + "ffn_gate.weight", c.feedForwardLength, E) : nil,
                up: dense ? try matrix(p + "ffn_up.weight", c.feedForwardLength, E) : nil,
                down: dense ? try matrix(p + "ffn_down.weight", E, c.feedForwardLength) : nil,
                router: dense ? nil : try matrix(p + "ffn_gate_inp.weight", d.expertCount, E),
                gateExps: dense ? [] : try experts(p + "ffn_gate_exps.weight", d.expertCount, d.expertFeedForward, E),
                upExps: dense ? [] : try experts(p + "ffn_up_exps.weight", d.expertCount, d.expertFeedForward, E),
                downExps: dense ? [] : try experts(p + "ffn_down_exps.weight", d.expertCount, E, d.expertFeedForward),
                gateShared: dense || d.expertShared == 0 ? nil : try matrix(p + "ffn_gate_shexp.weight", d.expertFeedForward * d.expertShared, E),
                upShared: dense || d.expertShared == 0 ? nil : try matrix(p + "ffn_up_shexp.weight", d.expertFeedForward * d.expertShared, E),
                downShared: dense || d.expertShared == 0 ? nil : try matrix(p + "ffn_down_shexp.weight", E, d.expertFeedForward * d.expertShared)))
        }
        layers = ls
        maxRows = B
        func alloc(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, n))
            p.initialize(repeating: 0, count: max(1, n))
            return p
        }
        let F = max(c.feedForwardLength, d.expertFeedForward * max(1, d.expertShared))
        let R = B * max(1, d.expertUsed)
        xn = alloc(B * E); qa = alloc(B * d.qLoraRank); q = alloc(B * H * d.queryHead); kvA = alloc(B * d.cacheRow)
        qcat = alloc(d.mla ? B * H * d.cacheRow : 0); kqv = alloc(d.mla ? B * H * d.kvLoraRank : 0); attnOut = alloc(B * H * d.vHead)
        kvFull = alloc(d.mla ? 0 : B * H * (d.qkNope + d.vHead))
        tmp = alloc(B * max(E, d.qkNope, d.kvLoraRank, d.qLoraRank)); gateBuf = alloc(B * F); upBuf = alloc(B * F); ffnOut = alloc(B * E)
        routerLogits = alloc(B * d.expertCount); probs = alloc(B * d.expertCount)
        exIn = alloc(R * E); exGate = alloc(R * d.expertFeedForward); exUp = alloc(R * d.expertFeedForward)
        exDown = alloc(R * E); moeOut = alloc(R * E)
        ropeCos = alloc(B * d.qkRope / 2); ropeSin = alloc(B * d.qkRope / 2)
        attnWorkspace = d.mla ? Int(dc_attention_workspace_kv(Int64(d.cacheRow), Int64(d.kvLoraRank), Int64(ctx)))
                              : Int(dc_attention_workspace_kv(Int64(d.queryHead), Int64(d.vHead), Int64(ctx)))
        scores = alloc(pool.threadCount * attnWorkspace)
        allocated = [xn, qa, q, kvA, qcat, kqv, attnOut, tmp, gateBuf, upBuf, ffnOut, kvFull, routerLogits, probs, exIn, exGate,
                     exUp, exDown, moeOut, ropeCos, ropeSin, scores]
        scratch = ActivationScratch(capacity: R * max(E, F) * 4 + 4096)
    }

    deinit { for p in allocated { p.deallocate() } }

    // MARK: - helpers

    private func rmsNorm(_ src: UnsafePointer<Float>, _ weight: [Float], _ dst: UnsafeMutablePointer<Float>, n: Int) {
        var sum: Double = 0
        for i in 0..<n { sum += Double(src[i] * src[i]) }
        let mean = Float(sum / Double(n))
        let scale = 1 / (mean + c.rmsEpsilon).squareRoot()
        weight.withUnsafeBufferPointer { w in
            for i in 0..<n { dst[i] = (src[i] * scale) * w[i] }
        }
    }

    /// `rows` rows of `x` (`columns` floats each, `inStride` apart) times `m` into `out` (`outStride`).
    private func mul(_ m: WeightMatrix, _ x: UnsafePointer<Float>, rows: Int, columns: Int, into out: UnsafeMutablePointer<Float>,
                     outStride: Int, single: Bool) {
        scratch.invalidate()
        scratch.prepare(m.vecDotType, from: x, rows: rows, columns: columns, pool: pool)
        m.multiply(scratch, tokens: rows, into: out, outStride: outStride, pool: pool, singleTokens: single)
    }

    /// YaRN cos/sin per token and rope pair, as ggml's rope cache (ggml_rope_cache_init / rope_yarn).
    private func prepareRope(positions: [Int]) {
        let half = d.qkRope / 2, nDims = d.qkRope
        let thetaScale = powf(d.freqBase, -2.0 / Float(nDims))
        // ggml_rope_yarn_corr_dims
        func corrDim(_ nRot: Float) -> Float {
            Float(nDims) * logf(Float(d.originalContext) / (nRot * 2 * Float(Double.pi))) / (2 * logf(d.freqBase))
        }
        let low = max(0, floorf(corrDim(d.betaFast))), high = min(Float(nDims - 1), ceilf(corrDim(d.betaSlow)))
        for (t, position) in positions.enumerated() {
            var theta = Float(position)
            for i in 0..<half {
                let extrap = theta
                let interp = d.freqScale * extrap
                var th = interp
                var mscale = d.attnFactor
                if d.extFactor != 0 {
                    let y = (Float(i) - low) / max(0.001, high - low)
                    let rampMix = (1 - min(1, max(0, y))) * d.extFactor
                    // compiled with FP contraction: interp * (1 - mix) + extrap * mix
                    th = (extrap * rampMix).addingProduct(interp, 1 - rampMix)
                    mscale *= (1 as Float).addingProduct(0.1, logf(1 / d.freqScale))
                }
                ropeCos[t * half + i] = cosf(th) * mscale
                ropeSin[t * half + i] = sinf(th) * mscale
                theta *= thetaScale
            }
        }
    }

    /// Rotates `d.qkRope` values at `p` (adjacent pairs) with token t's angles.
    private func rope(_ p: UnsafeMutablePointer<Float>, token t: Int) {
        let half = d.qkRope / 2
        let cs = ropeCos + t * half, sn = ropeSin + t * half
        for i in 0..<half {
            let x0 = p[2 * i], x1 = p[2 * i + 1]
            p[2 * i] = (-(x1 * sn[i])).addingProduct(x0, cs[i])
            p[2 * i + 1] = (x1 * cs[i]).addingProduct(x0, sn[i])
        }
    }

    // MARK: - forward

    /// Runs the blocks over `x` (B rows of embeddings, updated in place), writing each row's cache rows.
    func forward(_ x: UnsafeMutablePointer<Float>, rows B: Int, caches: [KVCache], positions: [Int], singleTokenRows single: Bool) {
        let E = c.embeddingLength, H = c.headCount
        let qh = d.queryHead, cr = d.cacheRow, L = d.kvLoraRank
        prepareRope(positions: positions)
        for (li, Ly) in layers.enumerated() {
            // attention
            for t in 0..<B { rmsNorm(x + t * E, Ly.attnNorm.values, xn + t * E, n: E) }
            if let wq = Ly.wq {
                mul(wq, xn, rows: B, columns: E, into: q, outStride: H * qh, single: single)
            } else if let wqA = Ly.wqA, let norm = Ly.qANorm, let wqB = Ly.wqB {
                mul(wqA, xn, rows: B, columns: E, into: qa, outStride: d.qLoraRank, single: single)
                for t in 0..<B { rmsNorm(qa + t * d.qLoraRank, norm.values, tmp + t * d.qLoraRank, n: d.qLoraRank) }
                mul(wqB, tmp, rows: B, columns: d.qLoraRank, into: q, outStride: H * qh, single: single)
            }
            mul(Ly.wkvA, xn, rows: B, columns: E, into: kvA, outStride: cr, single: single)
            if let wkvB = Ly.wkvB {
                attentionWithoutAbsorption(layer: li, wkvB: wkvB, rows: B, caches: caches, positions: positions, single: single)
                mul(Ly.wo, attnOut, rows: B, columns: H * d.vHead, into: ffnOut, outStride: E, single: single)
                for i in 0..<(B * E) { x[i] += ffnOut[i] }
                feedForward(Ly, x, rows: B, single: single)
                continue
            }
            for t in 0..<B {
                let row = kvA + t * cr
                rope(row + L, token: t)
                rmsNorm(row, Ly.kvANorm.values, tmp, n: L)
                row.update(from: tmp, count: L)
                dc_f32_to_f16_row(row, caches[t].keyRow(layer: li, position: positions[t]), Int64(cr))
                for h in 0..<H {
                    let qp = q + t * H * qh + h * qh
                    rope(qp + d.qkNope, token: t)
                    (qcat + (t * H + h) * cr + L).update(from: qp + d.qkNope, count: d.qkRope)
                }
            }
            // absorbed queries: per head, q_nope (B rows) times attn_k_b[h] into the latent part of qcat
            for h in 0..<H {
                for t in 0..<B { (tmp + t * d.qkNope).update(from: q + t * H * qh + h * qh, count: d.qkNope) }
                mul(Ly.wkB[h], tmp, rows: B, columns: d.qkNope, into: qcat + h * cr, outStride: H * cr, single: single)
            }
            attention(layer: li, caches: caches, positions: positions, singleToken: single)
            // decompress values per head, then the output projection
            for h in 0..<H {
                for t in 0..<B { (tmp + t * L).update(from: kqv + (t * H + h) * L, count: L) }
                mul(Ly.wvB[h], tmp, rows: B, columns: L, into: attnOut + h * d.vHead, outStride: H * d.vHead, single: single)
            }
            mul(Ly.wo, attnOut, rows: B, columns: H * d.vHead, into: ffnOut, outStride: E, single: single)
            for i in 0..<(B * E) { x[i] += ffnOut[i] }

            feedForward(Ly, x, rows: B, single: single)
        }
    }

    /// The older conversion's attention, as llama.cpp runs it without MLA: the normed latent is
    /// decompressed by attn_kv_b into per-head non-rope keys and values, each head's key is [k_nope, the
    /// shared rope key], and the F16 cache holds full keys (H × (qk_nope + qk_rope)) and values (H × v_head)
    /// per position. Reads `kvA` and `q`, writes `attnOut`.
    private func attentionWithoutAbsorption(layer li: Int, wkvB: WeightMatrix, rows B: Int, caches: [KVCache], positions: [Int], single: Bool) {
        let H = c.headCount, qh = d.queryHead, cr = d.cacheRow, L = d.kvLoraRank, nope = d.qkNope, vh = d.vHead
        let kvRow = nope + vh
        let Ly = layers[li]
        for t in 0..<B {
            let row = kvA + t * cr
            rope(row + L, token: t)
            rmsNorm(row, Ly.kvANorm.values, tmp + t * L, n: L)
            for h in 0..<H { rope(q + t * H * qh + h * qh + nope, token: t) }
        }
        mul(wkvB, tmp, rows: B, columns: L, into: kvFull, outStride: H * kvRow, single: single)
        var key = [Float](repeating: 0, count: qh)
        for t in 0..<B {
            let kr = caches[t].keyRow(layer: li, position: positions[t]), vr = caches[t].valueRow(layer: li, position: positions[t])
            for h in 0..<H {
                let src = kvFull + t * H * kvRow + h * kvRow
                key.withUnsafeMutableBufferPointer { k in
                    k.baseAddress!.update(from: src, count: nope)
                    (k.baseAddress! + nope).update(from: kvA + t * cr + L, count: d.qkRope)
                    dc_f32_to_f16_row(k.baseAddress!, kr + h * qh, Int64(qh))
                }
                dc_f32_to_f16_row(src + nope, vr + h * vh, Int64(vh))
            }
        }
        let q = self.q, attnOut = self.attnOut, scores = self.scores, ws = attnWorkspace
        let scale = d.kqScale, batched: Int32 = single ? 0 : 1
        pool.run(chunks: B * H) { job, ti in
            let t = job / H, h = job % H
            dc_attention_head_kv(q + t * H * qh + h * qh, Int64(qh), caches[t].keyRow(layer: li, position: 0) + h * qh, Int64(H * qh),
                                 caches[t].valueRow(layer: li, position: 0) + h * vh, Int64(vh), Int64(H * vh),
                                 Int64(positions[t] + 1), scale, batched, scores + ti * ws, attnOut + t * H * vh + h * vh)
        }
    }

    /// The feed-forward half of a block: x += FFN(norm(x)) (dense, or routed + shared experts).
    private func feedForward(_ Ly: DeepSeek2Layer, _ x: UnsafeMutablePointer<Float>, rows B: Int, single: Bool) {
        let E = c.embeddingLength
        for t in 0..<B { rmsNorm(x + t * E, Ly.ffnNorm.values, xn + t * E, n: E) }
        if let gate = Ly.gate, let up = Ly.up, let down = Ly.down {
            swiglu(gate: gate, up: up, down: down, rows: B, into: ffnOut, single: single)
            for i in 0..<(B * E) { x[i] += ffnOut[i] }
        } else {
            moe(Ly, rows: B, single: single)  // into moeOut rows 0..<B
            if let g = Ly.gateShared, let u = Ly.upShared, let dn = Ly.downShared {
                swiglu(gate: g, up: u, down: dn, rows: B, into: ffnOut, single: single)
                for i in 0..<(B * E) { x[i] += moeOut[i] + ffnOut[i] }
            } else {
                for i in 0..<(B * E) { x[i] += moeOut[i] }
            }
        }
    }

    /// SwiGLU FFN of the B rows of `xn` into `out` (B × E).
    private func swiglu(gate: WeightMatrix, up: WeightMatrix, down: WeightMatrix, rows B: Int, into out: UnsafeMutablePointer<Float>, single: Bool) {
        let E = c.embeddingLength, F = gate.rows
        scratch.invalidate()
        scratch.prepare(gate.vecDotType, from: xn, rows: B, columns: E, pool: pool)
        gate.multiply(scratch, tokens: B, into: gateBuf, outStride: F, pool: pool, singleTokens: single)
        scratch.prepare(up.vecDotType, from: xn, rows: B, columns: E, pool: pool)
        up.multiply(scratch, tokens: B, into: upBuf, outStride: F, pool: pool, singleTokens: single)
        for t in 0..<B { dc_swiglu(Int64(F), gateBuf + t * F, upBuf + t * F, gateBuf + t * F) }
        mul(down, gateBuf, rows: B, columns: F, into: out, outStride: E, single: single)
    }

    /// The routed experts of the B rows of `xn`, weighted and summed, into `moeOut` (B × E).
    private func moe(_ Ly: DeepSeek2Layer, rows B: Int, single: Bool) {
        let E = c.embeddingLength, n = d.expertCount, k = d.expertUsed, Fx = d.expertFeedForward
        guard let router = Ly.router else { return }
        // router logits: ggml's F32 product (tinyBLAS for a prompt chunk, ggml_vec_dot_f32 for one token)
        if single && router.kernelType == Int32(DC_TYPE_F32) {
            let w = router.data.assumingMemoryBound(to: Float.self)
            for t in 0..<B {
                for e in 0..<n { routerLogits[t * n + e] = dc_dot_f32_single(Int64(E), w + e * E, xn + t * E) }
            }
        } else {
            // (a router stored in another type: ggml's product for that type)
            mul(router, xn, rows: B, columns: E, into: routerLogits, outStride: n, single: single)
        }
        // probabilities, selection (descending, lower id first on ties), weights
        var selected = [Int](repeating: 0, count: B * k)
        var weights = [Float](repeating: 0, count: B * k)
        for t in 0..<B {
            let lg = routerLogits + t * n, pr = probs + t * n
            if d.gating == 2 {
                for e in 0..<n { pr[e] = 1 / (1 + expf(-lg[e])) }
            } else {
                dc_softmax_f32(Int64(n), lg, pr)
            }
            let order = (0..<n).sorted { pr[$0] > pr[$1] || (pr[$0] == pr[$1] && $0 < $1) }
            for j in 0..<k { selected[t * k + j] = order[j]; weights[t * k + j] = pr[order[j]] }
            if d.expertWeightsNorm {
                var s: Double = 0
                for j in 0..<k { s += Double(weights[t * k + j]) }
                let sum = max(Float(s), 6.103515625e-5)
                for j in 0..<k { weights[t * k + j] /= sum }
            }
            if d.expertWeightsScale != 0 && d.expertWeightsScale != 1 {
                for j in 0..<k { weights[t * k + j] *= d.expertWeightsScale }
            }
        }
        // expert FFNs: row r = (t, j) of exDown gets expert selected[r]'s output for token t
        func runExpert(_ e: Int, rows: [Int]) {
            let R = rows.count
            for (i, r) in rows.enumerated() { (exIn + i * E).update(from: xn + (r / k) * E, count: E) }
            let g = Ly.gateExps[e], u = Ly.upExps[e], dn = Ly.downExps[e]
            // MUL_MAT_ID sums every row as a one-token product (gemv / vec_dot)
            mul(g, exIn, rows: R, columns: E, into: exGate, outStride: Fx, single: true)
            mul(u, exIn, rows: R, columns: E, into: exUp, outStride: Fx, single: true)
            for i in 0..<R { dc_swiglu(Int64(Fx), exGate + i * Fx, exUp + i * Fx, exGate + i * Fx) }
            mul(dn, exGate, rows: R, columns: Fx, into: exIn, outStride: E, single: true)
            for (i, r) in rows.enumerated() { (exDown + r * E).update(from: exIn + i * E, count: E) }
        }
        if batchedExperts {
            var byExpert = [[Int]](repeating: [], count: n)
            for r in 0..<(B * k) { byExpert[selected[r]].append(r) }
            for e in 0..<n where !byExpert[e].isEmpty { runExpert(e, rows: byExpert[e]) }
        } else {
            for r in 0..<(B * k) { runExpert(selected[r], rows: [r]) }
        }
        // weighted sum in the router's order: ((w0 e0 + w1 e1) + w2 e2) + ...
        for t in 0..<B {
            let o = moeOut + t * E
            for j in 0..<k {
                let w = weights[t * k + j], src = exDown + (t * k + j) * E
                if j == 0 {
                    for i in 0..<E { o[i] = src[i] * w }
                } else {
                    for i in 0..<E { o[i] = o[i] + src[i] * w }
                }
            }
        }
    }

    /// Multi-query attention of every (row, head) over the row's cache: queries `qcat`, results `kqv`.
    private func attention(layer li: Int, caches: [KVCache], positions: [Int], singleToken: Bool) {
        let H = c.headCount, cr = d.cacheRow, L = d.kvLoraRank
        let qcat = self.qcat, kqv = self.kqv, scores = self.scores, ws = attnWorkspace
        let scale = d.kqScale, batched: Int32 = singleToken ? 0 : 1
        pool.run(chunks: positions.count * H) { job, ti in
            let t = job / H, h = job % H
            let base = caches[t].keyRow(layer: li, position: 0)
            dc_attention_head_kv(qcat + (t * H + h) * cr, Int64(cr), base, Int64(cr), base, Int64(L), Int64(cr),
                                 Int64(positions[t] + 1), scale, batched, scores + ti * ws, kqv + (t * H + h) * L)
        }
    }
}
