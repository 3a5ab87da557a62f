/// One corrupted model file of a fuzz run: its number, what was done to it, and its bytes.
public struct GGUFFuzzCase: Sendable {
    public let index: Int
    public let description: String
    public let bytes: [UInt8]
}

/// Makes corrupted copies of `TinyModel` files, deterministically: case `i` of seed `s` is always the
/// same file, so a failing case can be rebuilt from its number alone.
///
/// Each case starts from one of three intact models (llama with its own output matrix, llama with tied
/// embeddings, qwen2 with biases) and applies one kind of damage:
/// - a truncation (mostly inside the header),
/// - 1-8 random byte changes (mostly inside the header),
/// - one header field overwritten with a value picked for its kind (counts, lengths, value types,
///   array lengths, tensor dimensions, ggml types, offsets, metadata values, names, data),
/// - 1-3 edits of the model's structure written out as a consistent file (wrong types, shapes, sizes,
///   token ids, alignments, missing or duplicated keys and tensors).
public struct GGUFCorruptor: Sendable {
    public let seed: UInt64
    private let bases: [(document: GGUFDocument, encoder: GGUFEncoder)]

    public init(seed: UInt64) {
        self.seed = seed
        bases = [
            TinyModel(architecture: .llama, tiedOutput: false, seed: 1),
            TinyModel(architecture: .llama, tiedOutput: true, seed: 2),
            TinyModel(architecture: .qwen2, tiedOutput: true, seed: 3),
        ].map { model in
            let doc = model.document()
            return (doc, GGUFEncoder(doc))
        }
    }

    /// The intact files the cases start from.
    public var intactFiles: [[UInt8]] { bases.map(\.encoder.bytes) }

    public func makeCase(_ index: Int) -> GGUFFuzzCase {
        var rng = FuzzRandom(seed: seed &* 0x2545_F491_4F6C_DD1D ^ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        let base = bases[rng.int(0..<bases.count)]
        let headerEnd = base.encoder.fields.first { $0.kind == .tensorData }?.offset ?? base.encoder.bytes.count
        var bytes = base.encoder.bytes
        let description: String
        switch rng.int(0..<10) {
        case 0:
            description = ByteCorruptions.truncate(&bytes, headerEnd: headerEnd, using: &rng)
        case 1:
            description = ByteCorruptions.flip(&bytes, headerEnd: headerEnd, using: &rng)
        case 2, 3, 4, 5:
            description = ByteCorruptions.overwriteField(&bytes, fields: base.encoder.fields, using: &rng)
        default:
            var doc = base.document
            var edits: [String] = []
            for _ in 0..<(rng.chance(0.7) ? 1 : rng.int(2..<4)) {
                edits.append(DocumentCorruptions.apply(to: &doc, using: &rng))
            }
            bytes = GGUFEncoder.encode(doc)
            description = edits.joined(separator: "; ")
        }
        return GGUFFuzzCase(index: index, description: description, bytes: bytes)
    }
}
