import Foundation
import XCTest
@testable import Engine

/// The deepseek2 architecture (MLA attention, mixture of experts, YaRN) against llama.cpp on tiny
/// random-weight GGUFs shaped like DeepSeek-Coder-V2-Lite (scripts/make_deepseek2_tiny.py) and the
/// logits and greedy tokens llama.cpp computes on them (scripts/make_fixtures.py --chat-format deepseek2).
/// The files are committed under Fixtures/models, so these tests need neither Python nor a download.
final class DeepSeek2Tests: XCTestCase {
    typealias Fixture = ModelTests.Fixture

    static func modelPath(_ name: String) throws -> String {
        guard let base = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw XCTSkip("fixtures folder missing from the test bundle")
        }
        return base.appendingPathComponent("models/\(name).gguf").path
    }

    /// Replays every fixture prompt: the prompt's logits and each greedy step's, top-20 within
    /// `tolerance` of llama.cpp's, and the greedy tokens identical on every prompt.
    private func check(_ name: String, batchSize: Int = 64, batchedExperts: Bool = true, tolerance: Double = 1e-4) throws {
        let fixture = try JSONDecoder().decode(Fixture.self, from: TestModels.fixture("greedy-\(name).json"))
        XCTAssertEqual(fixture.generator.script, "scripts/make_fixtures.py")
        XCTAssertEqual(try ModelStore.sha256(ofFileAt: URL(fileURLWithPath: try Self.modelPath(name))), fixture.model.sha256,
                       "\(name).gguf is not the file the fixture was made from")
        let file = try GGUFFile(path: try Self.modelPath(name))
        let tokenizer = try BPETokenizer(Vocabulary(file: file))
        let model = try TransformerModel(file: file, contextLength: 512, threads: 2, batchSize: batchSize)
        model.batchedExperts = batchedExperts
        XCTAssertEqual(model.batchedExperts, batchedExperts)
        var worst = 0.0
        for c in fixture.cases {
            XCTAssertEqual(tokenizer.encode(c.prompt, addSpecial: true, parseSpecial: true), c.prompt_ids,
                           "\(name) \(c.id): prompt token ids differ from llama.cpp's")
            model.reset()
            var logits = try model.forward(c.prompt_ids)
            var generated: [Int32] = []
            let byStep = Dictionary(uniqueKeysWithValues: c.positions.map { ($0.step, $0) })
            for step in 0..<c.generated_ids.count {
                if let p = byStep[step] {
                    for pair in p.top {
                        let id = Int(pair[0]), ref = pair[1]
                        let d = abs(Double(logits[id]) - ref)
                        worst = max(worst, d)
                        XCTAssertLessThan(d, tolerance, "\(name) \(c.id) step \(step): logit of token \(id) is \(logits[id]), llama.cpp \(ref)")
                    }
                }
                let next = Sampler.argmax(logits)
                generated.append(next)
                if next != c.generated_ids[step] { break }
                if step + 1 < c.generated_ids.count { logits = try model.forward([next]) }
            }
            XCTAssertEqual(generated, c.generated_ids, "\(name) \(c.id): greedy tokens differ from llama.cpp's")
        }
        print("\(name) (batch \(batchSize), batched experts \(batchedExperts)): largest top-20 logit difference \(String(format: "%.2e", worst))")
    }

    /// Lite's shape (no q LoRA; 1 dense + 2 MoE layers, 3 of 5 experts, a shared expert, YaRN), prompt
    /// chunks with each expert's tokens grouped.
    func testTinyMatchesLlamaCpp() throws {
        try check("deepseek2-tiny")
    }

    /// The same with each token's experts run one by one: identical results.
    func testTinyMatchesLlamaCppWithoutBatchedExperts() throws {
        try check("deepseek2-tiny", batchedExperts: false)
    }

    /// The full V2's shape: queries through a low-rank q projection (attn_q_a, attn_q_a_norm, attn_q_b).
    func testTinyQLoraMatchesLlamaCpp() throws {
        try check("deepseek2-tiny-qlora")
    }

    /// The older conversion (one attn_kv_b, no key_length_mla; the 2024 GGUFs of DeepSeek-Coder-V2-Lite),
    /// which llama.cpp runs as multi-head attention with full per-head keys and values in its cache.
    func testTinyLegacyConversionMatchesLlamaCpp() throws {
        try check("deepseek2-tiny-legacy")
        try check("deepseek2-tiny-legacy", batchSize: 16, batchedExperts: false)
        let file = try GGUFFile(path: try Self.modelPath("deepseek2-tiny-legacy"))
        let model = try TransformerModel(file: file, contextLength: 32, threads: 1)
        let heads = try XCTUnwrap(file.int("deepseek2.attention.head_count"))
        XCTAssertEqual(model.cache.rowLength, heads * file.int("deepseek2.attention.key_length")!)
        XCTAssertEqual(model.cache.valueRowLength, heads * file.int("deepseek2.attention.value_length")!)
    }

    /// Prompt chunks of 16 tokens instead of 64 (other kernels' token groups, several chunks per prompt).
    func testTinyMatchesLlamaCppInSmallerChunks() throws {
        try check("deepseek2-tiny", batchSize: 16)
    }

    /// The deepseek-llm pre-tokenizer (and BPE) against llama.cpp's token ids on the tiny vocabulary,
    /// which has merges across the boundaries the pre-tokenizer draws.
    func testTokenizerMatchesLlamaCpp() throws {
        let tokenizer = try BPETokenizer(Vocabulary(file: GGUFFile(path: try Self.modelPath("deepseek2-tiny"))))
        try assertTokenizerMatches(tokenizer: tokenizer, fixtureName: "tokenizer-deepseek2-tiny")
    }

    /// DeepSeek-Coder-V2's chat template is recognised and rendered as its Jinja source renders it (the
    /// template's leading BOS comes from the tokenizer instead: add_bos_token).
    func testChatTemplateMatchesJinja() throws {
        let fixture = try TokenizerFixture.load("tokenizer-deepseek2-tiny")
        let template = try ChatTemplate.detect(fixture.chat_template)
        XCTAssertEqual(template, .deepseek2)
        XCTAssertEqual(template.stopStrings, ["<｜end▁of▁sentence｜>"])
        XCTAssertGreaterThan(fixture.chats.count, 2)
        for chat in fixture.chats {
            let messages = chat.messages.map { ChatMessage(role: ChatMessage.Role(rawValue: $0.role)!, content: $0.content) }
            XCTAssertEqual("<｜begin▁of▁sentence｜>" + template.render(messages, addGenerationPrompt: chat.add_generation_prompt), chat.rendered)
        }
        let lm = try LanguageModel(path: try Self.modelPath("deepseek2-tiny"), threads: 1, contextLength: 128)
        let ids = try lm.chatPrompt([.system("S"), .user("hi")])
        XCTAssertEqual(ids.first, lm.tokenizer.bosID)
        XCTAssertEqual(lm.tokenizer.decode(Array(ids.dropFirst()), special: true), Array("S\n\nUser: hi\n\nAssistant:".utf8))
    }

    /// The KV cache holds the compressed latent and the rope key (kv_lora_rank + qk_rope per position
    /// and layer) and no values, as llama.cpp's.
    func testCacheHoldsLatentAndRopeKey() throws {
        let file = try GGUFFile(path: try Self.modelPath("deepseek2-tiny"))
        let model = try TransformerModel(file: file, contextLength: 64, threads: 1)
        let rank = try XCTUnwrap(file.int("deepseek2.attention.kv_lora_rank"))
        let rope = try XCTUnwrap(file.int("deepseek2.rope.dimension_count"))
        XCTAssertEqual(model.cache.rowLength, rank + rope)
        XCTAssertEqual(model.cache.valueRowLength, 0)
        XCTAssertEqual(model.cache.byteCount, file.int("deepseek2.block_count")! * 64 * (rank + rope) * 2)
        let copy = model.makeCache(capacity: 8)
        XCTAssertEqual(copy.rowLength, rank + rope)
        XCTAssertEqual(copy.valueRowLength, 0)
    }

    /// A decoding step of several sequences gives each one the logits it gets alone (the MoE router and
    /// experts of a step sum every row as for one token).
    func testDecodeStepEqualsSingleSequences() throws {
        let file = try GGUFFile(path: try Self.modelPath("deepseek2-tiny"))
        let model = try TransformerModel(file: file, contextLength: 64, threads: 2)
        let prompts: [[Int32]] = [[510, 60, 61, 62, 63], [510, 100, 101], [510, 7, 8, 9, 10, 11, 12]]
        var alone: [[Float]] = []
        for p in prompts {
            let cache = model.makeCache(capacity: 32)
            try model.forward(p, cache: cache)
            alone.append(try model.forward([42], cache: cache))
        }
        let caches = prompts.map { _ in model.makeCache(capacity: 32) }
        for (p, cache) in zip(prompts, caches) { try model.forward(p, cache: cache) }
        let step = try model.decodeStep([42, 42, 42], caches: caches)
        XCTAssertEqual(step, alone)
    }
}
