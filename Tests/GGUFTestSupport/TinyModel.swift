/// A tiny llama-family model written from scratch for tests: 2 layers, 256-wide embeddings, 4 heads
/// (2 KV heads) of 64, random weights in every tensor type deepcoder multiplies (the quantized ones with
/// small block scales, so the forward pass stays finite), and a byte-level BPE vocabulary of about 300
/// tokens with ChatML special tokens. The whole file is about 0.8 MB, so a test can load it and run a
/// forward pass in milliseconds.
public struct TinyModel: Sendable {
    public enum Architecture: String, CaseIterable, Sendable {
        /// No projection biases (SmolLM2-like).
        case llama
        /// Q/K/V biases and NeoX rope (Qwen2-like).
        case qwen2
    }

    public var architecture: Architecture = .llama
    /// Without `output.weight` the output projection reuses the token embeddings.
    public var tiedOutput = false
    public var seed: UInt64 = 1

    public static let embedding = 256
    public static let feedForward = 256
    public static let heads = 4
    public static let kvHeads = 2
    public static let headDim = 64
    public static let layers = 2
    public static let contextLength = 256

    public init(architecture: Architecture = .llama, tiedOutput: Bool = false, seed: UInt64 = 1) {
        self.architecture = architecture
        self.tiedOutput = tiedOutput
        self.seed = seed
    }

    /// The model as a document (edit it, then encode it).
    public func document() -> GGUFDocument {
        var rng = FuzzRandom(seed: seed)
        let vocab = TinyVocabulary()
        let a = architecture.rawValue
        var meta: [GGUFMetadataEntry] = [
            .init("general.architecture", .string(a)),
            .init("general.name", .string("tiny \(a) for tests")),
            .init("general.alignment", .uint32(32)),
            .init("general.file_type", .uint32(7)),
            .init("general.quantization_version", .uint32(2)),
            .init("\(a).block_count", .uint32(UInt32(Self.layers))),
            .init("\(a).context_length", .uint64(UInt64(Self.contextLength))),
            .init("\(a).embedding_length", .uint32(UInt32(Self.embedding))),
            .init("\(a).feed_forward_length", .uint32(UInt32(Self.feedForward))),
            .init("\(a).attention.head_count", .uint32(UInt32(Self.heads))),
            .init("\(a).attention.head_count_kv", .uint32(UInt32(Self.kvHeads))),
            .init("\(a).attention.key_length", .uint32(UInt32(Self.headDim))),
            .init("\(a).attention.value_length", .uint32(UInt32(Self.headDim))),
            // int32, so that a flipped byte can make it negative
            .init("\(a).rope.dimension_count", .int32(Int32(Self.headDim))),
            .init("\(a).rope.freq_base", .float32(10_000)),
            .init("\(a).attention.layer_norm_rms_epsilon", .float32(1e-5)),
            .init("\(a).vocab_size", .uint32(UInt32(vocab.tokens.count))),
            .init("tokenizer.ggml.model", .string("gpt2")),
            .init("tokenizer.ggml.pre", .string(architecture == .qwen2 ? "qwen2" : "smollm")),
            .init("tokenizer.ggml.tokens", .strings(vocab.tokens)),
            .init("tokenizer.ggml.token_type", .int32s(vocab.tokenTypes)),
            .init("tokenizer.ggml.merges", .strings(vocab.merges)),
            .init("tokenizer.ggml.bos_token_id", .uint32(UInt32(TinyVocabulary.imStart))),
            .init("tokenizer.ggml.eos_token_id", .uint32(UInt32(TinyVocabulary.imEnd))),
            .init("tokenizer.ggml.unknown_token_id", .uint32(UInt32(TinyVocabulary.endOfText))),
            .init("tokenizer.ggml.padding_token_id", .uint32(UInt32(TinyVocabulary.imEnd))),
            .init("tokenizer.ggml.add_bos_token", .bool(true)),
            .init("tokenizer.chat_template", .string(
                "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")),
        ]
        // Keys nothing reads, one of every value type, so a reader parses each kind of value.
        meta += [
            .init("test.value.uint8", .uint8(200)),
            .init("test.value.int8", .int8(-100)),
            .init("test.value.uint16", .uint16(60_000)),
            .init("test.value.int16", .int16(-30_000)),
            .init("test.value.uint64", .uint64(1 << 40)),
            .init("test.value.int64", .int64(-(1 << 40))),
            .init("test.value.float64", .float64(0.125)),
            .init("test.value.bool", .bool(false)),
            .init("test.value.float32_array", .array(elementType: GGUFValueTypeID.float32, [.float32(1), .float32(-2.5)])),
            .init("test.value.uint8_array", .array(elementType: GGUFValueTypeID.uint8, [.uint8(1), .uint8(2), .uint8(3)])),
            .init("test.value.uint64_array", .array(elementType: GGUFValueTypeID.uint64, [.uint64(7), .uint64(1 << 50)])),
            .init("test.value.bool_array", .array(elementType: GGUFValueTypeID.bool, [.bool(true), .bool(false)])),
            .init("test.value.empty_array", .array(elementType: GGUFValueTypeID.int16, [])),
        ]

        let E = Self.embedding, F = Self.feedForward, V = vocab.tokens.count
        let qDim = Self.heads * Self.headDim, kvDim = Self.kvHeads * Self.headDim
        var tensors: [GGUFTensorEntry] = []
        func add(_ name: String, _ layout: GGMLBlockLayout, _ dims: [Int], scale: Float = 0.05) {
            let elements = dims.reduce(1, *)
            tensors.append(GGUFTensorEntry(name: name, typeID: layout.typeID, dimensions: dims.map { UInt64($0) },
                                           data: layout.randomData(elements: elements, scale: scale, using: &rng)))
        }
        func norm(_ name: String, _ layout: GGMLBlockLayout, _ count: Int) {
            // norm weights near 1
            let values = (0..<count).map { _ in 1 + rng.float(in: -0.1...0.1) }
            var data: [UInt8] = []
            for v in values {
                if layout.typeID == GGMLBlockLayout.f16.typeID {
                    withUnsafeBytes(of: Float16Bits.from(v).littleEndian) { data += $0 }
                } else {
                    withUnsafeBytes(of: v.bitPattern.littleEndian) { data += $0 }
                }
            }
            tensors.append(GGUFTensorEntry(name: name, typeID: layout.typeID, dimensions: [UInt64(count)], data: data))
        }
        add("token_embd.weight", .q8_0, [E, V])
        norm("output_norm.weight", .f32, E)
        if !tiedOutput { add("output.weight", .q6_K, [E, V]) }
        // Two layers with different weight types, so every supported multiply is on the path.
        let layerTypes: [[GGMLBlockLayout]] = [
            [.q4_K, .q4_0, .q5_0, .q5_K, .q4_1, .q5_1, .q8_0],
            [.q6_K, .f32, .bf16, .q4_K, .f16, .q4_K, .q6_K],
        ]
        for (i, t) in layerTypes.enumerated() {
            let p = "blk.\(i)."
            norm(p + "attn_norm.weight", .f32, E)
            add(p + "attn_q.weight", t[0], [E, qDim])
            add(p + "attn_k.weight", t[1], [E, kvDim])
            add(p + "attn_v.weight", t[2], [E, kvDim])
            if architecture == .qwen2 {
                add(p + "attn_q.bias", .f32, [qDim], scale: 0.1)
                add(p + "attn_k.bias", .f32, [kvDim], scale: 0.1)
                add(p + "attn_v.bias", .f32, [kvDim], scale: 0.1)
            }
            add(p + "attn_output.weight", t[3], [qDim, E])
            norm(p + "ffn_norm.weight", i == 0 ? .f32 : .f16, E)
            add(p + "ffn_gate.weight", t[4], [E, F])
            add(p + "ffn_up.weight", t[5], [E, F])
            add(p + "ffn_down.weight", t[6], [F, E])
        }
        return GGUFDocument(metadata: meta, tensors: tensors)
    }

    /// The encoded file.
    public func bytes() -> [UInt8] { GGUFEncoder.encode(document()) }
}
