import Foundation
import CKernels

/// Errors of the forward pass a user can cause (and fix).
public enum ModelError: Error, CustomStringConvertible {
    case contextFull(needed: Int, capacity: Int)
    case invalidToken(Int32, vocabularySize: Int)
    case emptyPrompt

    public var description: String {
        switch self {
        case .contextFull(let needed, let capacity):
            return "the prompt and answer need \(needed) tokens but the context holds \(capacity); shorten the prompt, lower --max-tokens or raise --ctx-size"
        case .invalidToken(let t, let n):
            return "token id \(t) is outside the vocabulary (0..<\(n))"
        case .emptyPrompt:
            return "the prompt has no tokens; give the model some text to continue"
        }
    }
}

/// One decoder block's weights.
struct TransformerLayer {
    let attentionNorm: VectorWeight
    let wq, wk, wv, wo: WeightMatrix
    let bq, bk, bv: VectorWeight?
    let ffnNorm: VectorWeight
    let gate, up, down: WeightMatrix
}

/// A llama-family decoder-only transformer (llama, qwen2) running on the mapped GGUF weights.
///
/// The forward pass follows llama.cpp's graph for these architectures step by step, including its
/// numerics where they matter for identical greedy tokens: activations quantized to the weight's
/// vec-dot type, RMSNorm summed in double, rope angles by repeated multiplication, an F16 KV cache
/// with queries rounded to F16 for Q·K, and softmax weights rounded to F16 before they weight V.
public final class TransformerModel {
    public let file: GGUFFile
    public let config: ModelConfig
    public let cache: KVCache
    public let pool: ThreadPool
    /// Tokens per forward chunk when processing a prompt.
    public let batchSize: Int

    let tokenEmbedding: WeightMatrix
    let outputNorm: VectorWeight
    let output: WeightMatrix
    let layers: [TransformerLayer]
    /// The blocks of a deepseek2 model (MLA attention, mixture of experts); nil for llama / qwen2.
    let deepseek: DeepSeek2Blocks?

    // Scratch, sized for `batchSize` tokens.
    private let x, xn, q, k, v, attn, gateBuf, upBuf: UnsafeMutablePointer<Float>
    /// Prompt attention: up to this many rows of one cache share a job (dc_attention_group). Its
    /// per-thread workspace, groupWorkspace floats, also serves the per-head kernel of decoding.
    private static let groupTokens = 4
    private let groupScratch: UnsafeMutablePointer<Float>
    private let groupWorkspace: Int
    private let ropeCos, ropeSin: UnsafeMutablePointer<Float>
    private let scratch: ActivationScratch
    private let logitsBuf: UnsafeMutablePointer<Float>
    /// Logits of every row of a decoding step, grown to the largest step seen (`allLogitsRows` rows).
    private var allLogits: UnsafeMutablePointer<Float>?
    private var allLogitsRows = 0

    public init(file: GGUFFile, contextLength: Int? = nil, threads: Int, batchSize: Int = 64) throws {
        self.file = file
        let traits = try ModelRegistry.traits(for: file)
        let c = try ModelConfig(file: file, traits: traits)
        config = c
        let deepseekConfig = traits.name == DeepSeek2.traits.name ? try DeepSeek2Config(file: file, base: c) : nil
        let ctx = min(contextLength ?? min(4096, c.trainedContextLength), c.trainedContextLength)
        guard ctx > 0 else { throw GGUFError(file: file.url.path, reason: "context length must be positive") }
        let E = c.embeddingLength, F = c.feedForwardLength
        let qDim = c.headCount * c.headDim, kvDim = c.headCountKV * c.headDim
        // Weights on 2 MB pages (GGUFFile.loadTensorData), Q4_K matrices repacked 8 rows at a time
        // (WeightMatrix.repackedForKernels) instead of copied; the embedding table stays in the file mapping
        // unless the output projection reuses it (a prompt reads a few of its rows). DEEPCODER_MMAP=1 keeps
        // every weight in the file mapping as it is.
        let inMemory = ProcessInfo.processInfo.environment["DEEPCODER_MMAP"] != "1"
        let separateOutput = file.tensorInfo("output.weight") != nil
        // one arena for all repacked matrices: a 2 MB page per matrix end would waste ~1 MB each
        var slots: [String: Int] = [:]
        var arenaBytes = 0
        if inMemory {
            for t in file.tensors where t.name != "token_embd.weight" && WeightMatrix.repacks(t) {
                slots[t.name] = arenaBytes
                arenaBytes += (WeightMatrix.repackedBytes(t) + 63) / 64 * 64
            }
        }
        let arena = arenaBytes > 0 ? HugePageMemory(bytes: arenaBytes) : nil
        if arena == nil { slots = [:] }
        if inMemory { file.loadTensorData(except: Set(slots.keys).union(separateOutput ? ["token_embd.weight"] : [])) }
        func matrix(_ name: String, rows: Int, columns: Int) throws -> WeightMatrix {
            let m = try WeightMatrix(file: file, name: name, rows: rows, columns: columns)
            guard let arena, let offset = slots[name], let info = file.tensorInfo(name) else { return m }
            let r = m.repacked(into: arena, at: offset)
            file.releaseMappedPages(of: info)
            return r
        }
        tokenEmbedding = try WeightMatrix(file: file, name: "token_embd.weight", rows: c.vocabularySize, columns: E)
        outputNorm = try VectorWeight(file: file, name: "output_norm.weight", count: E)
        if separateOutput {
            output = try matrix("output.weight", rows: c.vocabularySize, columns: E)
        } else {
            output = tokenEmbedding  // tied embeddings
        }
        var ls: [TransformerLayer] = []
        let threadPool = ThreadPool(threads: threads)
        if let dc = deepseekConfig {
            // one arena slot per 3-D expert tensor: its experts repacked one after another
            func experts(_ name: String, count: Int, rows: Int, columns: Int) throws -> [WeightMatrix] {
                let ms = try (0..<count).map { try WeightMatrix(file: file, name: name, slice: $0, of: count, rows: rows, columns: columns) }
                guard let arena, let offset = slots[name], let info = file.tensorInfo(name) else { return ms }
                let rb = dc_row_bytes(Int32(DC_TYPE_Q4_K_X8), Int64(columns))
                let out = ms.enumerated().map { $0.element.repacked(into: arena, at: offset + $0.offset * rows * rb) }
                file.releaseMappedPages(of: info)
                return out
            }
            deepseek = try DeepSeek2Blocks(file: file, config: c, deepseek: dc, pool: threadPool, batchSize: max(1, batchSize),
                                           contextLength: ctx, matrix: { try matrix($0, rows: $1, columns: $2) },
                                           experts: { try experts($0, count: $1, rows: $2, columns: $3) })
        } else {
            deepseek = nil
        }
        for i in 0..<(deepseekConfig == nil ? c.blockCount : 0) {
            let p = "blk.\(i)."
            let biases = traits.attentionBiases
            ls.append(TransformerLayer(
                attentionNorm: try VectorWeight(file: file, name: p + "attn_norm.weight", count: E),
                wq: try matrix(p + "attn_q.weight", rows: qDim, columns: E),
                wk: try matrix(p + "attn_k.weight", rows: kvDim, columns: E),
                wv: try matrix(p + "attn_v.weight", rows: kvDim, columns: E),
                wo: try matrix(p + "attn_output.weight", rows: E, columns: qDim),
                bq: biases ? try VectorWeight(file: file, name: p + "attn_q.bias", count: qDim) : nil,
                bk: biases ? try VectorWeight(file: file, name: p + "attn_k.bias", count: kvDim) : nil,
                bv: biases ? try VectorWeight(file: file, name: p + "attn_v.bias", count: kvDim) : nil,
                ffnNorm: try VectorWeight(file: file, name: p + "ffn_norm.weight", count: E),
                gate: try matrix(p + "ffn_gate.weight", rows: F, columns: E),
                up: try matrix(p + "ffn_up.weight", rows: F, columns: E),
                down: try matrix(p + "ffn_down.weight", rows: E, columns: F)))
        }
        layers = ls
        // The KV cache multiplies three sizes from the file and the context length: checked.
        let (perLayer, o1) = ctx.multipliedReportingOverflow(by: kvDim)
        let (cacheValues, o2) = perLayer.multipliedReportingOverflow(by: c.blockCount)
        guard !o1, !o2, cacheValues <= Int.max / 4 else {
            throw GGUFError(file: file.url.path, reason: "a KV cache of \(ctx) positions × \(kvDim) values × \(c.blockCount) layers is too large")
        }
        pool = threadPool
        self.batchSize = max(1, batchSize)
        // deepseek2 (MLA form) caches one latent + rope-key row per position and no values; its older
        // conversion full per-head keys and values of different lengths (see DeepSeek2.swift)
        let valueRow = deepseekConfig.map { $0.mla ? 0 : c.headCount * $0.vHead } ?? kvDim
        cache = KVCache(layers: c.blockCount, capacity: ctx, rowLength: kvDim, valueRowLength: valueRow)
        let B = self.batchSize
        func alloc(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
            p.initialize(repeating: 0, count: n)
            return p
        }
        x = alloc(B * E); xn = alloc(B * max(E, qDim)); q = alloc(B * qDim); k = alloc(B * kvDim); v = alloc(B * kvDim)
        attn = alloc(B * qDim); gateBuf = alloc(B * F); upBuf = alloc(B * F)
        groupWorkspace = Int(dc_attention_group_workspace(Int64(c.headDim), Int64(c.headDim), Int64(ctx),
                                                          Int64(Self.groupTokens * c.headCount / max(1, c.headCountKV))))
        groupScratch = alloc(pool.threadCount * groupWorkspace)
        ropeCos = alloc(B * c.ropeDimensions / 2); ropeSin = alloc(B * c.ropeDimensions / 2)
        scratch = ActivationScratch(capacity: B * max(E, F, qDim) * 4 + 4096)
        logitsBuf = alloc(c.vocabularySize)
    }

    deinit {
        for p in [x, xn, q, k, v, attn, gateBuf, upBuf, groupScratch, ropeCos, ropeSin, logitsBuf] { p.deallocate() }
        allLogits?.deallocate()
    }

    /// Bytes of weights a single-token forward pass streams: every tensor once, except the token
    /// embedding table, of which one row is read (unless it doubles as the output projection), and the
    /// expert tensors of a mixture of experts, of which the token's `expert_used_count` experts are read.
    public var weightBytesPerToken: Int {
        let tied = file.tensorInfo("output.weight") == nil
        return file.tensors.reduce(0) { sum, t in
            if t.name == "token_embd.weight" && !tied { return sum + t.rowBytes }
            // a mixture of experts reads the experts a token is routed to, not all of them
            if let d = deepseek?.d, t.name.hasSuffix("_exps.weight"), d.expertCount > 0 {
                return sum + t.byteCount / d.expertCount * d.expertUsed
            }
            return sum + t.byteCount
        }
    }

    public var contextLength: Int { cache.capacity }

    /// deepseek2: whether a prompt chunk groups its tokens by expert (each expert's weights read once per
    /// chunk) or runs each token's experts separately; the results are the same. No effect on other
    /// architectures.
    public var batchedExperts: Bool {
        get { deepseek?.batchedExperts ?? false }
        set { deepseek?.batchedExperts = newValue }
    }
    public var vocabularySize: Int { config.vocabularySize }

    /// Start a new sequence.
    public func reset() { cache.truncate(to: 0) }

    /// Runs `tokens` at positions `cache.count…`, appends them to the KV cache, and returns the logits
    /// after the last token (vocabularySize floats).
    @discardableResult
    public func forward(_ tokens: [Int32]) throws -> [Float] { try forward(tokens, cache: cache) }

    /// Runs `tokens` at positions `cache.count…` of `cache` (the model's own or one from `makeCache`),
    /// appends them to it, and returns the logits after the last token (vocabularySize floats).
    @discardableResult
    public func forward(_ tokens: [Int32], cache: KVCache) throws -> [Float] {
        guard !tokens.isEmpty else { return [] }
        let start = try checkedStart(tokens, cache: cache)
        for r in Self.chunks(count: tokens.count, batch: batchSize) {
            let positions = Array((start + r.lowerBound)..<(start + r.upperBound))
            forwardRows(Array(tokens[r]), caches: Array(repeating: cache, count: r.count), positions: positions,
                        singleTokenRows: r.count == 1, logits: r.upperBound == tokens.count ? .last : .none)
        }
        return Array(UnsafeBufferPointer(start: logitsBuf, count: config.vocabularySize))
    }

    /// A new, empty KV cache for one sequence of at most `capacity` positions (default and upper bound:
    /// the model's context length), for `forward(_:cache:)` and `decodeStep(_:caches:)`.
    public func makeCache(capacity: Int? = nil) -> KVCache {
        let n = max(1, min(capacity ?? contextLength, contextLength))
        return KVCache(layers: cache.layers, capacity: n, rowLength: cache.rowLength, valueRowLength: cache.valueRowLength)
    }

    /// One decoding step of several independent sequences: token `i` runs at position `caches[i].count` of
    /// `caches[i]` and is appended to it; returns each sequence's logits (vocabularySize floats each).
    ///
    /// The sequences go through the matrix products together, each weight row read once for all of them
    /// (`dc_matmul_decode`), but each sequence's sums are formed as for one token; attention runs per
    /// sequence on its own cache with the single-token kernel. So each sequence's logits are bit for bit
    /// the ones it gets decoded alone (BatchDecodingTests). The caches must be distinct.
    public func decodeStep(_ tokens: [Int32], caches: [KVCache]) throws -> [[Float]] {
        precondition(tokens.count == caches.count, "one token per cache")
        guard !tokens.isEmpty else { return [] }
        precondition(Set(caches.map(ObjectIdentifier.init)).count == caches.count, "a cache appears twice in one step")
        for c in caches {
            try check(c)
            guard c.count < c.capacity else { throw ModelError.contextFull(needed: c.count + 1, capacity: c.capacity) }
        }
        try check(tokens)
        return singleTokenRowsLogits(tokens, caches: caches, positions: caches.map(\.count))
    }

    /// Runs `tokens` at consecutive positions `cache.count…` of `cache` as one sequence, appends them to it,
    /// and returns the logits after each (vocabularySize floats each): a token and its drafted successors
    /// checked in one pass (`DraftedDecoding`).
    ///
    /// Each row is computed as a one-token pass computes it, as in `decodeStep` (matrix products summed per
    /// token by `dc_matmul_decode`, the single-token attention kernel over the row's own prefix: causal
    /// within the run), not with the prompt kernels, which sum in another order. So row i's logits are bit
    /// for bit those of decoding `tokens[0...i]` one at a time (DraftedDecodingTests).
    public func decodeRun(_ tokens: [Int32], cache: KVCache) throws -> [[Float]] {
        guard !tokens.isEmpty else { return [] }
        let start = try checkedStart(tokens, cache: cache)
        return singleTokenRowsLogits(tokens, caches: Array(repeating: cache, count: tokens.count), positions: Array(start..<(start + tokens.count)))
    }

    /// Rows run as one-token passes (`forwardRows` with `singleTokenRows`), `batchSize` rows a pass: row i is
    /// `tokens[i]` at `positions[i]` of `caches[i]`. Returns the logits after each row. `decodeStep` passes
    /// one row per sequence, `decodeRun` consecutive rows of one sequence.
    private func singleTokenRowsLogits(_ tokens: [Int32], caches: [KVCache], positions: [Int]) -> [[Float]] {
        let V = config.vocabularySize
        let rows = min(tokens.count, batchSize)
        if allLogitsRows < rows {
            allLogits?.deallocate()
            allLogits = .allocate(capacity: rows * V)
            allLogitsRows = rows
        }
        var out: [[Float]] = []
        out.reserveCapacity(tokens.count)
        var s = 0
        while s < tokens.count {
            let e = min(s + batchSize, tokens.count)
            forwardRows(Array(tokens[s..<e]), caches: Array(caches[s..<e]), positions: Array(positions[s..<e]),
                        singleTokenRows: true, logits: .all)
            for t in 0..<(e - s) { out.append(Array(UnsafeBufferPointer(start: allLogits! + t * V, count: V))) }
            s = e
        }
        return out
    }

    /// Where a run of `tokens` starts in `cache`, after checking the cache, the tokens and the room left.
    private func checkedStart(_ tokens: [Int32], cache: KVCache) throws -> Int {
        try check(cache)
        let start = cache.count
        guard start + tokens.count <= cache.capacity else {
            throw ModelError.contextFull(needed: start + tokens.count, capacity: cache.capacity)
        }
        try check(tokens)
        return start
    }

    private func check(_ tokens: [Int32]) throws {
        for t in tokens where t < 0 || Int(t) >= config.vocabularySize {
            throw ModelError.invalidToken(t, vocabularySize: config.vocabularySize)
        }
    }

    private func check(_ c: KVCache) throws {
        guard c.layers == cache.layers, c.rowLength == cache.rowLength, c.valueRowLength == cache.valueRowLength,
              c.capacity <= contextLength else {
            throw GGUFError(file: file.url.path, reason: "a KV cache of \(c.layers) layers × \(c.rowLength) values × \(c.capacity) positions does not fit this model; make it with makeCache")
        }
    }

    /// How a prompt of `count` tokens is cut into forward chunks of at most `batch` tokens, so that every
    /// matrix sees the token groups llama.cpp's kernels see (and sums in the same order):
    /// - llama.cpp evaluates a prompt in micro-batches of 512 tokens; chunks never straddle one;
    /// - within a micro-batch its Q4_K kernel takes whole groups of 4 tokens and the last `n % 4` alone,
    ///   so chunks start at multiples of 4 (`batch` is rounded down to one when it is 8 or more);
    /// - its Q6_K kernel changes at 8 tokens, so a micro-batch's last chunk is not left with 1-7 tokens
    ///   when the micro-batch has more: it takes 8 from the chunk before.
    static func chunks(count: Int, batch: Int) -> [Range<Int>] {
        let ubatch = 512
        let b = batch >= 8 ? min(batch - batch % 4, ubatch) : max(1, batch)
        var out: [Range<Int>] = []
        var u = 0
        while u < count {
            let end = min(u + ubatch, count)
            var c: [Range<Int>] = []
            var s = u
            while s < end {
                c.append(s..<min(s + b, end))
                s += b
            }
            if c.count >= 2, let last = c.last, last.count < 8, c[c.count - 2].count >= 16 {
                let prev = c[c.count - 2]
                c[c.count - 2] = prev.lowerBound..<(prev.upperBound - 8)
                c[c.count - 1] = (prev.upperBound - 8)..<last.upperBound
            }
            out += c
            u = end
        }
        return out
    }

    private func rmsNorm(_ src: UnsafePointer<Float>, _ weight: [Float], _ dst: UnsafeMutablePointer<Float>, n: Int) {
        var sum: Double = 0
        for i in 0..<n { sum += Double(src[i] * src[i]) }
        let mean = Float(sum / Double(n))
        let scale = 1 / (mean + config.rmsEpsilon).squareRoot()
        weight.withUnsafeBufferPointer { w in
            for i in 0..<n { dst[i] = (src[i] * scale) * w[i] }
        }
    }

    private func prepareRope(positions: [Int]) {
        let half = config.ropeDimensions / 2
        let thetaScale = powf(config.ropeFreqBase, -2.0 / Float(config.ropeDimensions))
        for (t, position) in positions.enumerated() {
            var theta = Float(position)
            for i in 0..<half {
                ropeCos[t * half + i] = cosf(theta)
                ropeSin[t * half + i] = sinf(theta)
                theta *= thetaScale
            }
        }
    }

    private func applyRope(_ buf: UnsafeMutablePointer<Float>, heads: Int, token t: Int) {
        let hd = config.headDim, half = config.ropeDimensions / 2
        let cs = ropeCos + t * half, sn = ropeSin + t * half
        for h in 0..<heads {
            let p = buf + h * hd
            switch config.traits.ropeType {
            // llama.cpp's rotate_pairs is compiled with FP contraction: x0*cos - x1*sin becomes
            // fma(x0, cos, -(x1*sin)) and x0*sin + x1*cos becomes fma(x0, sin, x1*cos).
            case .normal:
                for i in 0..<half {
                    let x0 = p[2 * i], x1 = p[2 * i + 1]
                    p[2 * i] = (-(x1 * sn[i])).addingProduct(x0, cs[i])
                    p[2 * i + 1] = (x1 * cs[i]).addingProduct(x0, sn[i])
                }
            case .neox:
                for i in 0..<half {
                    let x0 = p[i], x1 = p[i + half]
                    p[i] = (-(x1 * sn[i])).addingProduct(x0, cs[i])
                    p[i + half] = (x1 * cs[i]).addingProduct(x0, sn[i])
                }
            }
        }
    }

    /// Which rows' logits a forward pass computes: none, the last row's (into `logitsBuf`), or every
    /// row's (into `allLogits`).
    private enum LogitRows { case none, last, all }

    /// The forward pass of `tokens`, token t at `positions[t]` of `caches[t]`: a prompt chunk (one cache,
    /// consecutive positions) or a decoding step of several sequences (one token per cache).
    /// `singleTokenRows` computes every row as a one-token pass computes it (a one-token chunk, or each
    /// sequence of a decoding step): llama.cpp's single-token attention kernel instead of its batched-prompt
    /// one, and matrix products summed per token as for one token (`dc_matmul_decode`), so that a sequence
    /// decodes the same in a batch as alone.
    private func forwardRows(_ tokens: [Int32], caches: [KVCache], positions: [Int], singleTokenRows: Bool,
                             logits wanted: LogitRows) {
        let single = singleTokenRows
        let c = config, B = tokens.count
        let E = c.embeddingLength, F = c.feedForwardLength, hd = c.headDim
        let qDim = c.headCount * hd, kvDim = c.headCountKV * hd
        for (t, id) in tokens.enumerated() { tokenEmbedding.dequantizeRow(Int(id), into: x + t * E) }
        if let deepseek {
            deepseek.forward(x, rows: B, caches: caches, positions: positions, singleTokenRows: single)
        } else {
            prepareRope(positions: positions)
        }

        let promptJobs = single || layers.isEmpty ? nil
            : PromptAttentionJobs(caches: caches, positions: positions, groupTokens: Self.groupTokens,
                                  kvHeads: c.headCountKV, group: c.headCount / c.headCountKV, threads: pool.threadCount)
        for (li, L) in layers.enumerated() {
            // Attention.
            for t in 0..<B { rmsNorm(x + t * E, L.attentionNorm.values, xn + t * E, n: E) }
            scratch.invalidate()
            scratch.prepare(L.wq.vecDotType, from: xn, rows: B, columns: E, pool: pool)
            L.wq.multiply(scratch, tokens: B, into: q, outStride: qDim, pool: pool, singleTokens: single)
            scratch.prepare(L.wk.vecDotType, from: xn, rows: B, columns: E, pool: pool)
            L.wk.multiply(scratch, tokens: B, into: k, outStride: kvDim, pool: pool, singleTokens: single)
            scratch.prepare(L.wv.vecDotType, from: xn, rows: B, columns: E, pool: pool)
            L.wv.multiply(scratch, tokens: B, into: v, outStride: kvDim, pool: pool, singleTokens: single)
            if let bq = L.bq, let bk = L.bk, let bv = L.bv {
                for t in 0..<B {
                    for i in 0..<qDim { q[t * qDim + i] += bq.values[i] }
                    for i in 0..<kvDim { k[t * kvDim + i] += bk.values[i]; v[t * kvDim + i] += bv.values[i] }
                }
            }
            for t in 0..<B {
                applyRope(q + t * qDim, heads: c.headCount, token: t)
                applyRope(k + t * kvDim, heads: c.headCountKV, token: t)
                dc_f32_to_f16_row(k + t * kvDim, caches[t].keyRow(layer: li, position: positions[t]), Int64(kvDim))
                dc_f32_to_f16_row(v + t * kvDim, caches[t].valueRow(layer: li, position: positions[t]), Int64(kvDim))
            }
            attention(layer: li, caches: caches, positions: positions, promptJobs: promptJobs)
            scratch.invalidate()
            scratch.prepare(L.wo.vecDotType, from: attn, rows: B, columns: qDim, pool: pool)
            L.wo.multiply(scratch, tokens: B, into: xn, outStride: E, pool: pool, singleTokens: single)
            for i in 0..<(B * E) { x[i] += xn[i] }

            // Feed-forward (SwiGLU).
            for t in 0..<B { rmsNorm(x + t * E, L.ffnNorm.values, xn + t * E, n: E) }
            scratch.invalidate()
            scratch.prepare(L.gate.vecDotType, from: xn, rows: B, columns: E, pool: pool)
            L.gate.multiply(scratch, tokens: B, into: gateBuf, outStride: F, pool: pool, singleTokens: single)
            scratch.prepare(L.up.vecDotType, from: xn, rows: B, columns: E, pool: pool)
            L.up.multiply(scratch, tokens: B, into: upBuf, outStride: F, pool: pool, singleTokens: single)
            dc_swiglu(Int64(B * F), gateBuf, upBuf, gateBuf)
            scratch.invalidate()
            scratch.prepare(L.down.vecDotType, from: gateBuf, rows: B, columns: F, pool: pool)
            L.down.multiply(scratch, tokens: B, into: xn, outStride: E, pool: pool, singleTokens: single)
            for i in 0..<(B * E) { x[i] += xn[i] }
        }
        for t in 0..<B { caches[t].count = positions[t] + 1 }

        switch wanted {
        case .none:
            break
        case .last:
            let last = x + (B - 1) * E
            rmsNorm(last, outputNorm.values, xn, n: E)
            scratch.invalidate()
            scratch.prepare(output.vecDotType, from: xn, rows: 1, columns: E, pool: pool)
            output.multiply(scratch, tokens: 1, into: logitsBuf, outStride: c.vocabularySize, pool: pool)
        case .all:
            for t in 0..<B { rmsNorm(x + t * E, outputNorm.values, xn + t * E, n: E) }
            scratch.invalidate()
            scratch.prepare(output.vecDotType, from: xn, rows: B, columns: E, pool: pool)
            output.multiply(scratch, tokens: B, into: allLogits!, outStride: c.vocabularySize, pool: pool, singleTokens: single)
        }
    }

    /// Causal grouped-query attention of each row over its cache up to its position. Single-token rows
    /// (decoding steps, drafted runs; `promptJobs` nil) run one job per (row, head). Prompt rows run the
    /// jobs of `promptJobs`: the job's query heads share one conversion of the keys and values
    /// (dc_attention_group, bit-identical to the per-head kernel).
    private func attention(layer li: Int, caches: [KVCache], positions: [Int], promptJobs: PromptAttentionJobs?) {
        guard !positions.isEmpty else { return }
        let c = config, hd = c.headDim, H = c.headCount, kvHeads = c.headCountKV, group = H / kvHeads
        let qDim = H * hd
        let scale = 1 / Float(hd).squareRoot()
        let q = self.q, attn = self.attn, ws = groupWorkspace, scratch = groupScratch
        let kvDim = Int64(kvHeads * hd)
        guard let jobs = promptJobs else {
            pool.run(chunks: positions.count * H) { job, ti in
                let t = job / H, h = job % H, kvh = h / group
                let cache = caches[t]
                dc_attention_head(q + t * qDim + h * hd, Int64(hd),
                                  cache.keyRow(layer: li, position: 0) + kvh * hd, kvDim,
                                  cache.valueRow(layer: li, position: 0) + kvh * hd, kvDim,
                                  Int64(positions[t] + 1), scale, 0, scratch + ti * ws, attn + t * qDim + h * hd)
            }
            return
        }
        let runs = jobs.runs, perJob = jobs.headsPerJob, parts = jobs.parts
        jobs.counts.withUnsafeBufferPointer { counts in
            let counts = counts.baseAddress!
            pool.run(chunks: runs.count * kvHeads * parts) { job, ti in
                let run = runs[job / (kvHeads * parts)], kvh = job / parts % kvHeads, part = job % parts
                let t0 = run.lowerBound, h0 = kvh * group + part * perJob, heads = min(perJob, group - part * perJob)
                let cache = caches[t0]
                dc_attention_group(q + t0 * qDim + h0 * hd, Int64(qDim), Int64(hd), Int64(run.count), Int64(heads),
                                   counts + t0, Int64(hd),
                                   cache.keyRow(layer: li, position: 0) + kvh * hd, kvDim,
                                   cache.valueRow(layer: li, position: 0) + kvh * hd, Int64(hd), kvDim,
                                   scale, scratch + ti * ws, attn + t0 * qDim + h0 * hd, Int64(qDim), Int64(hd))
            }
        }
    }
}

/// How the rows of a prompt pass split into attention jobs. It depends only on the batch (which rows share
/// a cache, and their positions), so a forward pass forms it once for all its layers.
struct PromptAttentionJobs {
    /// Runs of up to `groupTokens` consecutive rows of one cache: one job per (run, KV head, part).
    let runs: [Range<Int>]
    /// Each row's context length (its position + 1), as dc_attention_group reads it.
    let counts: [Int64]
    /// A KV head's query heads are split into `parts` jobs of `headsPerJob` heads (the last may have fewer)
    /// when runs x KV heads alone would leave threads idle.
    let headsPerJob: Int
    let parts: Int

    init(caches: [KVCache], positions: [Int], groupTokens: Int, kvHeads: Int, group: Int, threads: Int) {
        var runs: [Range<Int>] = []
        var start = 0
        for t in positions.indices.dropFirst() where caches[t] !== caches[start] || t - start == groupTokens {
            runs.append(start..<t)
            start = t
        }
        if !positions.isEmpty { runs.append(start..<positions.count) }
        var splits = 1
        while runs.count * kvHeads * splits < threads && splits < group { splits += 1 }
        headsPerJob = (group + splits - 1) / splits
        parts = (group + headsPerJob - 1) / headsPerJob
        self.runs = runs
        counts = positions.map { Int64($0 + 1) }
    }
}
