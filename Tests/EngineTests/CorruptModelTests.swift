import Foundation
import GGUFTestSupport
import XCTest
@testable import Engine

/// Model files that are well-formed GGUF but wrong in ways the header checks alone cannot see: each
/// must be refused with a `GGUFError` when loaded, never crash the load or the first forward pass.
/// They are written from `TinyModel` (a 0.8 MB llama model with random weights) with one thing changed.
final class CorruptModelTests: XCTestCase {
    private func write(_ doc: GGUFDocument) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dc-corrupt-model-\(UUID().uuidString).gguf")
        try Data(GGUFEncoder.encode(doc)).write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Loads the model and runs a short prompt through it, as `deepcoder generate` does.
    @discardableResult
    private func loadAndRun(_ url: URL) throws -> [Float] {
        let lm = try LanguageModel(path: url.path, threads: 1)
        let ids = lm.tokenizer.encode("Hi there", addSpecial: true, parseSpecial: true)
        return try lm.model.forward(ids)
    }

    /// Asserts that loading `doc` throws a GGUFError whose one-line message contains `mentions`.
    private func assertRefused(_ doc: GGUFDocument, mentioning mentions: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let url = try write(doc)
        XCTAssertThrowsError(try loadAndRun(url), file: file, line: line) { e in
            guard let g = e as? GGUFError else { return XCTFail("not a GGUFError: \(e)", file: file, line: line) }
            XCTAssertEqual(g.file, url.path, file: file, line: line)
            for m in mentions { XCTAssertTrue(g.description.contains(m), "\(g) does not mention \(m)", file: file, line: line) }
            XCTAssertFalse(g.description.contains("\n"), "\(g) is not one line", file: file, line: line)
        }
    }

    private func tensor(_ doc: GGUFDocument, _ name: String) -> Int { doc.tensorIndex(name)! }

    func testIntactTinyModelLoadsAndRuns() throws {
        for arch in TinyModel.Architecture.allCases {
            for tied in [false, true] {
                let logits = try loadAndRun(try write(TinyModel(architecture: arch, tiedOutput: tied).document()))
                XCTAssertEqual(logits.count, TinyVocabulary().tokens.count)
                XCTAssertTrue(logits.allSatisfy(\.isFinite), "\(arch) tied \(tied)")
            }
        }
    }

    // MARK: The three causes of the reported crashes

    /// A data offset near 2^64 overflowed `dataStart + offset` (a trap) instead of being reported.
    func testTensorOffsetNearTwoToThe64IsRefused() throws {
        for offset in [UInt64.max - 31, UInt64.max & ~31, 1 << 63, UInt64(Int64.max) & ~31] {
            var doc = TinyModel().document()
            doc.tensors[tensor(doc, "blk.0.attn_k.weight")].offsetOverride = offset
            try assertRefused(doc, mentioning: ["blk.0.attn_k.weight", "\(offset)"])
        }
    }

    /// An offset that wraps around 2^64 to land back inside the file is refused too.
    func testTensorOffsetWrappingAroundIsRefused() throws {
        var doc = TinyModel().document()
        let headerBytes = GGUFEncoder(doc).fields.first { $0.kind == .tensorData }!.offset
        doc.tensors[tensor(doc, "blk.0.attn_k.weight")].offsetOverride = UInt64.max - UInt64(headerBytes) + 1
        try assertRefused(doc, mentioning: ["blk.0.attn_k.weight"])
    }

    /// Q8_1 and Q8_K are formats ggml converts activations to; as weights they have no vec-dot type,
    /// and the forward pass trapped on `UInt32(-1)`.
    func testActivationOnlyTypesAsWeightsAreRefused() throws {
        for (name, layout) in [("blk.0.attn_k.weight", GGMLBlockLayout.q8_1), ("blk.1.attn_q.weight", .q8_K),
                               ("output.weight", .q8_K), ("blk.1.ffn_down.weight", .q8_1)] {
            var doc = TinyModel().document()
            let i = tensor(doc, name)
            let elements = doc.tensors[i].dimensions.reduce(1) { $0 * Int($1) }
            var rng = FuzzRandom(seed: 5)
            doc.tensors[i].typeID = layout.typeID
            doc.tensors[i].data = layout.randomData(elements: elements, scale: 0.05, using: &rng)
            try assertRefused(doc, mentioning: [name, layout.name])
        }
    }

    /// A negative rope.dimension_count passed the `<= head size, even` guard and asked for a negative
    /// (2^64-byte) buffer.
    func testNegativeRopeDimensionCountIsRefused() throws {
        for v in [-2, -64, Int32.min] as [Int32] {
            var doc = TinyModel().document()
            doc["llama.rope.dimension_count"] = .int32(v)
            try assertRefused(doc, mentioning: ["rope", "\(v)"])
        }
        var doc = TinyModel().document()
        doc["llama.rope.dimension_count"] = .int64(-(1 << 40))
        try assertRefused(doc, mentioning: ["rope"])
    }

    // MARK: Other sizes read from the file

    /// A head size (key_length) so large that heads × head size overflows.
    func testHugeHeadSizeIsRefused() throws {
        for v in [UInt64(1) << 62, UInt64(Int64.max), 1 << 40] {
            var doc = TinyModel().document()
            doc["llama.attention.key_length"] = .uint64(v)
            try assertRefused(doc, mentioning: ["\(v)"])
        }
    }

    func testImplausibleConfigSizesAreRefused() throws {
        let cases: [(String, GGUFTestValue)] = [
            ("llama.embedding_length", .int64(-256)), ("llama.embedding_length", .uint64(1 << 62)),
            ("llama.feed_forward_length", .int32(-1)), ("llama.feed_forward_length", .uint64(1 << 61)),
            ("llama.attention.head_count", .int32(-4)), ("llama.attention.head_count_kv", .uint64(1 << 62)),
            ("llama.vocab_size", .int64(-5)), ("llama.vocab_size", .uint64(1 << 62)),
            ("llama.block_count", .int32(-1)), ("llama.block_count", .uint32(0)),
            ("llama.context_length", .int32(-1)), ("llama.context_length", .uint32(3)),
            ("llama.attention.key_length", .int32(-64)), ("llama.attention.key_length", .uint32(0)),
        ]
        for (key, value) in cases {
            var doc = TinyModel().document()
            doc[key] = value
            try assertRefused(doc, mentioning: [])
        }
    }

    /// The model's vocabulary (rows of token_embd, llama.vocab_size) and the tokenizer's token list must
    /// agree, or sampled ids have no text and prompt ids have no embedding row.
    func testTokenizerAndModelVocabulariesMustAgree() throws {
        var doc = TinyModel().document()
        guard case .array(let t, let tokens)? = doc["tokenizer.ggml.tokens"],
              case .array(let tt, let types)? = doc["tokenizer.ggml.token_type"] else { return XCTFail("no tokens") }
        doc["tokenizer.ggml.tokens"] = .array(elementType: t, Array(tokens.dropLast()))
        doc["tokenizer.ggml.token_type"] = .array(elementType: tt, Array(types.dropLast()))
        try assertRefused(doc, mentioning: ["\(tokens.count - 1)", "\(tokens.count)"])
    }

    /// A tensor whose shape does not match the config is refused, naming it.
    func testWrongTensorShapesAreRefused() throws {
        for (name, dims) in [("blk.0.attn_k.weight", [256, 64]), ("token_embd.weight", [256, 100]),
                             ("blk.1.ffn_down.weight", [512, 256]), ("output_norm.weight", [128]),
                             ("blk.0.ffn_norm.weight", [128, 2])] as [(String, [UInt64])] {
            var doc = TinyModel().document()
            let i = tensor(doc, name)
            let layout = GGMLBlockLayout.of(doc.tensors[i].typeID)!
            var rng = FuzzRandom(seed: 9)
            doc.tensors[i].dimensions = dims
            doc.tensors[i].data = layout.randomData(elements: dims.reduce(1) { $0 * Int($1) }, scale: 0.05, using: &rng)
            try assertRefused(doc, mentioning: [name])
        }
    }

    /// Names from the file are quoted without their control characters, so a message stays one line.
    func testMessagesQuotingFileStringsStayOneLine() throws {
        var doc = TinyModel().document()
        doc.tensors[tensor(doc, "blk.0.attn_q.weight")].nameBytes = Array("blk.0.attn_q.weight\nerror: fake second line".utf8)
        try assertRefused(doc, mentioning: ["blk.0.attn_q.weight"])
        var doc2 = TinyModel().document()
        doc2["general.architecture"] = .string("llama\r\nsecond line")
        try assertRefused(doc2, mentioning: ["architecture"])
    }
}
