import Foundation

/// How rotary position embeddings pair up the dimensions of a head, as llama.cpp's rope types.
public enum RopeType: Sendable {
    /// Adjacent pairs (2i, 2i+1): llama.cpp's LLAMA_ROPE_TYPE_NORM, used for `llama`.
    case normal
    /// Halves (i, i + d/2): LLAMA_ROPE_TYPE_NEOX, used for `qwen2`.
    case neox
}

/// What distinguishes one llama-family architecture from another. Each architecture file
/// (`Llama.swift`, `Qwen2.swift`) declares one; `ModelRegistry` maps `general.architecture` to it.
public struct ArchitectureTraits: Sendable {
    public let name: String
    public let ropeType: RopeType
    /// Q, K and V projections carry biases (qwen2).
    public let attentionBiases: Bool
    public let defaultRopeFreqBase: Double
}

/// Sizes of a transformer, all read from GGUF metadata under the architecture's prefix.
public struct ModelConfig: Sendable {
    public let traits: ArchitectureTraits
    public let blockCount: Int
    public let embeddingLength: Int
    public let feedForwardLength: Int
    public let headCount: Int
    public let headCountKV: Int
    public let headDim: Int
    public let ropeDimensions: Int
    public let ropeFreqBase: Float
    public let rmsEpsilon: Float
    public let trainedContextLength: Int
    public let vocabularySize: Int

    /// The largest embedding, feed-forward, head count, head size or vocabulary a file may declare: far
    /// above any real model's, and small enough that a product of two of them cannot overflow.
    public static let maximumDimension = 1 << 24
    /// The context lengths a file may declare: from the smallest `--ctx-size` allows (16) to 16M tokens.
    public static let contextLengthRange = 16...(1 << 24)

    /// Reads and checks the sizes: each one plausible on its own and consistent with the others. The
    /// tensors' shapes are checked against them when the model loads (`TransformerModel`).
    public init(file: GGUFFile, traits: ArchitectureTraits) throws {
        let a = traits.name
        let path = file.url.path
        self.traits = traits
        blockCount = try file.requireInt("\(a).block_count")
        embeddingLength = try file.requireInt("\(a).embedding_length")
        feedForwardLength = try file.requireInt("\(a).feed_forward_length")
        guard blockCount > 0, blockCount < 1000, embeddingLength > 0, feedForwardLength > 0,
              embeddingLength <= Self.maximumDimension, feedForwardLength <= Self.maximumDimension else {
            throw GGUFError(file: path, reason: "implausible model sizes: \(blockCount) blocks, embedding \(embeddingLength), FFN \(feedForwardLength)")
        }
        headCount = try file.requireInt("\(a).attention.head_count")
        headCountKV = file.int("\(a).attention.head_count_kv") ?? headCount
        guard headCount > 0, headCountKV > 0, headCount <= Self.maximumDimension, headCount % headCountKV == 0,
              embeddingLength % headCount == 0 else {
            throw GGUFError(file: path, reason: "inconsistent attention sizes: \(headCount) heads, \(headCountKV) KV heads, embedding \(embeddingLength)")
        }
        headDim = file.int("\(a).attention.key_length") ?? embeddingLength / headCount
        guard headDim > 0, headDim <= Self.maximumDimension else {
            throw GGUFError(file: path, reason: "implausible head size \(headDim) (\(a).attention.key_length)")
        }
        ropeDimensions = file.int("\(a).rope.dimension_count") ?? headDim
        guard ropeDimensions > 0, ropeDimensions <= headDim, ropeDimensions % 2 == 0 else {
            throw GGUFError(file: path, reason: "rope dimension count \(ropeDimensions) does not fit head size \(headDim)")
        }
        ropeFreqBase = Float(file.float("\(a).rope.freq_base") ?? traits.defaultRopeFreqBase)
        rmsEpsilon = Float(try file.requireFloat("\(a).attention.layer_norm_rms_epsilon"))
        trainedContextLength = file.int("\(a).context_length") ?? 2048
        guard Self.contextLengthRange.contains(trainedContextLength) else {
            throw GGUFError(file: path, reason: "implausible context length \(trainedContextLength) (\(a).context_length; \(Self.contextLengthRange.lowerBound) to \(Self.contextLengthRange.upperBound) allowed)")
        }
        if let v = file.int("\(a).vocab_size") {
            vocabularySize = v
        } else if let tokens = file.metadata["tokenizer.ggml.tokens"]?.arrayValue {
            vocabularySize = tokens.count
        } else {
            throw GGUFError(file: path, reason: "cannot tell the vocabulary size (no \(a).vocab_size nor tokenizer.ggml.tokens)")
        }
        guard vocabularySize > 0, vocabularySize <= Self.maximumDimension else {
            throw GGUFError(file: path, reason: "implausible vocabulary size \(vocabularySize)")
        }
    }
}
