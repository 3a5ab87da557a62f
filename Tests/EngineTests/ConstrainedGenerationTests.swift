import XCTest
@testable import Engine

/// The test model, sampled at temperature 1 under random schemas: every finished answer validates, and
/// an answer cut short is reported incomplete.
final class ConstrainedGenerationTests: XCTestCase {
    func testSampledAnswersValidateAgainstRandomSchemas() throws {
        let lm = try LanguageModel(path: try TestModels.require(TestModels.testModel), threads: 2, contextLength: 1024)
        var rng = SplitMix64(seed: 11)
        var finished = 0
        for round in 0..<10 {
            var gen = RandomSchemas(rng: SplitMix64(seed: rng.next()))
            let schema = gen.schema(depth: 1)
            let schemaText = schema.text
            let prompt = try lm.chatPrompt([ChatMessage(role: .user, content: "Answer with JSON for this schema: \(schemaText)")])
            let options = GenerationOptions(maxTokens: 96, sampling: SamplingParameters(temperature: 1, topK: 0, topP: 1, minP: 0, seed: rng.next()),
                                            grammar: try Grammar(jsonSchema: schemaText))
            let r = try lm.generate(prompt: prompt, options: options)
            let problems = try JSONSchemaValidator.problems(text: r.text, schemaText: schemaText)
            switch r.grammarStatus {
            case .complete?:
                finished += 1
                XCTAssertEqual(problems, [], "round \(round): \(schemaText) → \(r.text)")
                XCTAssertEqual(r.stopReason, .endOfGeneration)
            case .incomplete?:
                XCTAssertEqual(r.stopReason, .maxTokens, "round \(round): only running out of tokens cuts an answer here")
            case nil:
                XCTFail("a constrained generation reports its grammar status")
            }
        }
        XCTAssertGreaterThan(finished, 4, "most answers finish within 96 tokens")
    }

    func testCutShortIsReportedIncomplete() throws {
        let lm = try LanguageModel(path: try TestModels.require(TestModels.testModel), threads: 2, contextLength: 512)
        let schema = #"{"type": "array", "items": {"type": "string"}, "minItems": 3}"#
        let prompt = try lm.chatPrompt([ChatMessage(role: .user, content: "List three colours as a JSON array.")])
        let r = try lm.generate(prompt: prompt, options: GenerationOptions(maxTokens: 3, sampling: .greedy, grammar: try Grammar(jsonSchema: schema)))
        XCTAssertEqual(r.stopReason, .maxTokens)
        XCTAssertEqual(r.grammarStatus, .incomplete)
        let full = try lm.generate(prompt: prompt, options: GenerationOptions(maxTokens: 200, sampling: .greedy, grammar: try Grammar(jsonSchema: schema)))
        XCTAssertEqual(full.grammarStatus, .complete, full.text)
        XCTAssertEqual(try JSONSchemaValidator.problems(text: full.text, schemaText: schema), [])
        // a stop string that cuts the answer makes it incomplete too
        var cut = GenerationOptions(maxTokens: 200, sampling: .greedy, stopStrings: [","], grammar: try Grammar(jsonSchema: schema))
        cut.reusePromptPrefix = false
        let stopped = try lm.generate(prompt: prompt, options: cut)
        XCTAssertEqual(stopped.stopReason, .stopString)
        XCTAssertEqual(stopped.grammarStatus, .incomplete)
    }

    /// On the test model's whole vocabulary: along a sampled answer, the trie walk's mask is exactly the
    /// set of tokens the grammar accepts one by one (tokens that close a string and open the next key,
    /// carry a comma and a space, or end inside a UTF-8 character included).
    func testMasksEqualTryingEveryTokenOnTheRealVocabulary() throws {
        let lm = try LanguageModel(path: try TestModels.require(TestModels.testModel), threads: 2, contextLength: 512)
        let schema = #"{"type": "object", "properties": {"title": {"type": "string"}, "n": {"type": "number"}, "tags": {"type": "array", "items": {"enum": ["a b", "é"]}}}, "required": ["title", "n", "tags"]}"#
        let masks = try lm.tokenMasks(for: try Grammar(jsonSchema: schema))
        let ends = Set(lm.tokenizer.endOfGenerationIDs)
        var c = GrammarConstraint(masks)
        var rng = SplitMix64(seed: 21)
        var checked = 0
        for _ in 0..<40 {
            let allowed = c.allowedTokens()
            var expected: [Int32] = []
            for id in 0..<Int32(lm.tokenizer.vocabularySize) {
                if ends.contains(id) { if c.isComplete { expected.append(id) }; continue }
                var probe = c
                if probe.accept(id) { expected.append(id) }
            }
            XCTAssertEqual(allowed, expected)
            checked += 1
            let choices = allowed.filter { !ends.contains($0) }
            if choices.isEmpty { break }
            // prefer multi-byte tokens, which cross grammar symbols
            let long = choices.filter { masks.trie.pieces[Int($0)].count > 2 }
            let pool = long.isEmpty || rng.next() % 3 == 0 ? choices : long
            XCTAssertTrue(c.accept(pool[Int(rng.next() % UInt64(pool.count))]))
        }
        XCTAssertGreaterThan(checked, 10)
    }
}
