import Foundation
import XCTest
@testable import Engine

/// Batched decoding of several sequences (issue 14): a sequence decoded in a batch gives the tokens it
/// gives alone, no sequence sees another's keys and values, equal prompts are prefilled once, and each
/// sequence samples with its own seed.
final class BatchDecodingTests: XCTestCase {
    private static let questions = [
        "Write a Python function that adds two numbers.",
        "What is the capital of France? Answer in one sentence.",
        "List three colours of the rainbow.",
        "Explain in two sentences what a linked list is, and when you would use one instead of an array.",
        "Write a haiku about the sea.",
    ]

    private func load() throws -> LanguageModel {
        try LanguageModel(path: try TestModels.require(TestModels.testModel), threads: 2, contextLength: 512)
    }

    private func prompts(_ lm: LanguageModel, _ indices: [Int]) throws -> [[Int32]] {
        try indices.map { try lm.chatPrompt([ChatMessage(role: .user, content: Self.questions[$0])]) }
    }

    /// Greedy: every sequence of a batch of 2, 3 and 4 different prompts (of different lengths) gives
    /// exactly the tokens and text it gives decoded alone with `generate(prompt:options:)`.
    func testGreedyBatchEqualsEachSequenceAlone() throws {
        let lm = try load()
        let all = try prompts(lm, [0, 1, 2, 3])
        XCTAssertEqual(Set(all.map(\.count)).count, 4, "the prompts should have different lengths")
        let options = GenerationOptions(maxTokens: 32, sampling: .greedy)
        let alone = try all.map { try lm.generate(prompt: $0, options: options) }
        for n in [2, 3, 4] {
            var streamed = [String](repeating: "", count: n)
            let batch = try lm.generate(prompts: Array(all.prefix(n)), options: options) { i, text in
                streamed[i] += text
                return true
            }
            XCTAssertEqual(batch.count, n)
            for i in 0..<n {
                XCTAssertEqual(batch[i].tokens, alone[i].tokens, "batch of \(n), sequence \(i)")
                XCTAssertEqual(batch[i].text, alone[i].text, "batch of \(n), sequence \(i)")
                XCTAssertEqual(streamed[i], alone[i].text, "batch of \(n), sequence \(i): streamed text")
                XCTAssertEqual(batch[i].stopReason, alone[i].stopReason, "batch of \(n), sequence \(i)")
                XCTAssertEqual(batch[i].reusedPromptTokens, 0)
            }
        }
    }

    /// The logits of a decoding step against the single-token pass, following each sequence's greedy
    /// tokens: bit for bit equal (dc_matmul_decode sums each sequence as for one token). The largest
    /// difference is printed, and the greedy token compared at every step, to say how far off a failure is.
    func testDecodeStepLogitsEqualSingleSequence() throws {
        try checkDecodeStepLogits(try load(), steps: 24)
    }

    /// The same on the default model, whose Q5_0, Q8_0, Q4_K (repacked) and Q6_K matrices take the
    /// batched decode kernels' other paths (the test model is Q4_1 and Q8_0).
    func testDecodeStepLogitsEqualSingleSequenceOnDefaultModel() throws {
        let lm = try LanguageModel(path: try TestModels.require(TestModels.qwenModel), threads: 2, contextLength: 512)
        try checkDecodeStepLogits(lm, steps: 12)
    }

    private func checkDecodeStepLogits(_ lm: LanguageModel, steps: Int) throws {
        let m = lm.model
        let all = try prompts(lm, [0, 1, 2, 3])
        // alone: greedy tokens and logits per step
        var aloneTokens: [[Int32]] = [], aloneLogits: [[[Float]]] = []
        for p in all {
            let cache = m.makeCache(capacity: p.count + steps)
            var logits = try m.forward(p, cache: cache)
            var toks: [Int32] = [], ls: [[Float]] = []
            for _ in 0..<steps {
                ls.append(logits)
                let t = Sampler.argmax(logits)
                toks.append(t)
                logits = try m.forward([t], cache: cache)
            }
            aloneTokens.append(toks)
            aloneLogits.append(ls)
        }
        for n in [2, 4] {
            let caches = all.prefix(n).map { m.makeCache(capacity: $0.count + steps) }
            var logits = try zip(all.prefix(n), caches).map { try m.forward($0, cache: $1) }
            var worst: Float = 0
            for step in 0..<steps {
                for i in 0..<n {
                    for (a, b) in zip(logits[i], aloneLogits[i][step]) { worst = max(worst, abs(a - b)) }
                    XCTAssertEqual(Sampler.argmax(logits[i]), aloneTokens[i][step], "batch of \(n), sequence \(i), step \(step)")
                    XCTAssertTrue(logits[i] == aloneLogits[i][step], "batch of \(n), sequence \(i), step \(step): logits differ from alone")
                }
                logits = try m.decodeStep((0..<n).map { aloneTokens[$0][step] }, caches: caches)
            }
            print("\(lm.file.url.lastPathComponent): batch of \(n) vs alone over \(steps) steps: max |logit difference| \(worst)")
            XCTAssertEqual(worst, 0)
        }
    }

    /// Cache isolation: sequence 0's logits in a step do not depend on what the other sequences hold
    /// (other prompts, other lengths) — bit for bit, since each row of the batched kernels is computed
    /// on its own — and a whole batch's sequence 0 answers the same whatever its neighbours are.
    func testSequencesDoNotSeeEachOther() throws {
        let lm = try load()
        let m = lm.model
        let p = try prompts(lm, [0, 1, 2, 3, 4])
        func run(_ prompts: [[Int32]], steps: Int) throws -> [[Float]] {
            let caches = prompts.map { m.makeCache(capacity: $0.count + steps) }
            var logits = try zip(prompts, caches).map { try m.forward($0, cache: $1) }
            var seq0: [[Float]] = []
            for _ in 0..<steps {
                seq0.append(logits[0])
                logits = try m.decodeStep(logits.map { Sampler.argmax($0) }, caches: caches)
            }
            return seq0
        }
        let a = try run([p[0], p[1], p[2]], steps: 12)
        let b = try run([p[0], p[3], p[4]], steps: 12)
        XCTAssertEqual(a, b, "sequence 0's logits changed with the other sequences' prompts")

        let options = GenerationOptions(maxTokens: 32, sampling: .greedy)
        let x = try lm.generate(prompts: [p[0], p[1], p[2]], options: options)
        let y = try lm.generate(prompts: [p[0], p[4], p[3]], options: options)
        XCTAssertEqual(x[0].tokens, y[0].tokens)
        XCTAssertEqual(x[0].text, y[0].text)
    }

    /// A sequence that leaves the batch (cancelled after its first text) does not disturb the others.
    func testCancelledSequenceLeavesTheBatch() throws {
        let lm = try load()
        let all = try prompts(lm, [0, 1, 2])
        let options = GenerationOptions(maxTokens: 24, sampling: .greedy)
        let alone = try all.map { try lm.generate(prompt: $0, options: options) }
        let batch = try lm.generate(prompts: all, options: options) { i, _ in i != 1 }
        XCTAssertEqual(batch[1].stopReason, .cancelled)
        XCTAssertLessThan(batch[1].tokens.count, alone[1].tokens.count)
        XCTAssertEqual(batch[0].tokens, alone[0].tokens)
        XCTAssertEqual(batch[2].tokens, alone[2].tokens)
    }

    /// Equal prompts are prefilled once (the others copy its keys and values), and sequence i samples
    /// with seed base + i: each candidate equals `generate` alone with that seed.
    func testEqualPromptsShareThePrefillAndSeedsFollowTheIndex() throws {
        let lm = try load()
        let prompt = try prompts(lm, [0])[0]
        let base = SamplingParameters(temperature: 0.9, seed: 7)
        let batch = try lm.generate(prompts: [prompt, prompt, prompt], options: GenerationOptions(maxTokens: 24, sampling: base))
        XCTAssertEqual(batch.map(\.reusedPromptTokens), [0, prompt.count, prompt.count])
        for i in 0..<3 {
            var s = base
            s.seed = 7 + UInt64(i)
            let alone = try lm.generate(prompt: prompt, options: GenerationOptions(maxTokens: 24, sampling: s))
            XCTAssertEqual(batch[i].tokens, alone.tokens, "candidate \(i) (seed \(s.seed))")
        }
        XCTAssertFalse(batch[0].tokens == batch[1].tokens && batch[1].tokens == batch[2].tokens,
                       "three seeds gave the same answer: \(batch[0].text)")
        // greedy: copies of one prefill decode as the original does
        let greedy = try lm.generate(prompts: [prompt, prompt], options: GenerationOptions(maxTokens: 24, sampling: .greedy))
        XCTAssertEqual(greedy[0].tokens, greedy[1].tokens)
        XCTAssertEqual(greedy[0].tokens, try lm.generate(prompt: prompt, options: GenerationOptions(maxTokens: 24, sampling: .greedy)).tokens)
    }

    /// Sequences with their own sampling settings (best-of-N's first candidate greedy, the others hotter,
    /// each with its seed): each equals `generate` alone with its settings.
    func testEachSequenceSamplesWithItsOwnSettings() throws {
        let lm = try load()
        let prompt = try prompts(lm, [2])[0]
        let settings = [SamplingParameters.greedy, SamplingParameters(temperature: 0.7, seed: 11), SamplingParameters(temperature: 1.2, topK: 0, seed: 12)]
        let batch = try lm.generate(prompts: [prompt, prompt, prompt], options: GenerationOptions(maxTokens: 20, sampling: .greedy), samplings: settings)
        for (i, s) in settings.enumerated() {
            let alone = try lm.generate(prompt: prompt, options: GenerationOptions(maxTokens: 20, sampling: s))
            XCTAssertEqual(batch[i].tokens, alone.tokens, "sequence \(i): \(s)")
        }
        XCTAssertNotEqual(batch[0].tokens, batch[2].tokens, "temperature 1.2 over all tokens gave the greedy answer")
    }

    /// Constrained to a JSON schema and with stop strings: each sequence of the batch answers, stops and
    /// is judged complete as it is alone (each has its own grammar state).
    func testGrammarAndStopStringsPerSequence() throws {
        let lm = try load()
        let all = try ["List three colours as a JSON array.", "List two fruits as a JSON array.", "Name four animals as a JSON array."]
            .map { try lm.chatPrompt([ChatMessage(role: .user, content: $0)]) }
        let schema = #"{"type": "array", "items": {"type": "string"}, "minItems": 2}"#
        for stops in [[], [","]] {
            let options = GenerationOptions(maxTokens: 80, sampling: .greedy, stopStrings: stops, grammar: try Grammar(jsonSchema: schema))
            let alone = try all.map { try lm.generate(prompt: $0, options: options) }
            let batch = try lm.generate(prompts: all, options: options)
            for i in all.indices {
                XCTAssertEqual(batch[i].tokens, alone[i].tokens, "sequence \(i), stops \(stops)")
                XCTAssertEqual(batch[i].text, alone[i].text, "sequence \(i), stops \(stops)")
                XCTAssertEqual(batch[i].stopReason, alone[i].stopReason, "sequence \(i), stops \(stops)")
                XCTAssertEqual(batch[i].grammarStatus, alone[i].grammarStatus, "sequence \(i), stops \(stops)")
            }
            if stops.isEmpty { XCTAssertTrue(batch.contains { $0.grammarStatus == .complete }, batch.map(\.text).joined(separator: " | ")) }
        }
    }

    /// Different prompts with a long common start (a shared system message): the second copies the first
    /// 512 tokens' keys/values and runs only the rest, and both answer exactly as alone.
    func testCommonPrefixOfDifferentPromptsIsPrefilledOnce() throws {
        let lm = try LanguageModel(path: try TestModels.require(TestModels.testModel), threads: 2, contextLength: 1024)
        let rules = (1...32).map { "Rule \($0): keep every function short and name it for what it does." }.joined(separator: " ")
        let system = ChatMessage(role: .system, content: "You are a careful Python programmer. " + rules)
        let all = try ["Write a function that adds two numbers.", "Write a function that reverses a string."]
            .map { try lm.chatPrompt([system, ChatMessage(role: .user, content: $0)]) }
        let common = zip(all[0], all[1]).prefix { $0 == $1 }.count
        XCTAssertGreaterThan(common, 512, "the test needs a common prefix of more than 512 tokens")
        XCTAssertLessThan(common, 1024 - 40)
        let options = GenerationOptions(maxTokens: 16, sampling: .greedy)
        let alone = try all.map { try lm.generate(prompt: $0, options: options) }
        let batch = try lm.generate(prompts: all, options: options)
        XCTAssertEqual(batch.map(\.reusedPromptTokens), [0, common / 512 * 512])
        for i in 0..<2 {
            XCTAssertEqual(batch[i].tokens, alone[i].tokens, "sequence \(i)")
        }
        // the mechanism, bit for bit: 512 positions copied from the first prompt's cache, the rest run from
        // there, give the logits of the second prompt run alone from 0
        let m = lm.model
        let first = m.makeCache(capacity: all[0].count)
        try m.forward(all[0], cache: first)
        let copied = m.makeCache(capacity: all[1].count)
        copied.copyPrefix(of: first, count: 512)
        let resumed = try m.forward(Array(all[1][512...]), cache: copied)
        let fresh = try m.forward(all[1], cache: m.makeCache(capacity: all[1].count))
        XCTAssertTrue(resumed == fresh, "logits after a copied 512-token prefix differ from the prompt run alone")
        XCTAssertEqual(LanguageModel.sharedPrefixLength([1, 2, 3], [1, 2, 3]), 0)
        XCTAssertEqual(LanguageModel.sharedPrefixLength(Array(repeating: 5, count: 600), Array(repeating: 5, count: 513)), 512)
        XCTAssertEqual(LanguageModel.sharedPrefixLength(Array(repeating: 5, count: 512), Array(repeating: 5, count: 600)), 0)
    }

    /// Continuous batching (`BatchDecoder`): a sequence that joins a batch already decoding, with options
    /// of its own (fewer tokens, a stop string, another temperature and seed), gets exactly its answer
    /// alone, and so does the sequence that was running; the one that joined later finishes first and
    /// leaves while the other goes on.
    func testSequenceJoiningARunningBatchGetsItsAnswerAlone() throws {
        let lm = try load()
        let all = try prompts(lm, [3, 4, 1])
        let long = GenerationOptions(maxTokens: 40, sampling: .greedy)
        let short = GenerationOptions(maxTokens: 10, sampling: SamplingParameters(temperature: 0.8, seed: 5))
        let stopped = GenerationOptions(maxTokens: 30, sampling: .greedy, stopStrings: ["."])
        let alone = [try lm.generate(prompt: all[0], options: long), try lm.generate(prompt: all[1], options: short),
                     try lm.generate(prompt: all[2], options: stopped)]
        XCTAssertEqual(alone[0].tokens.count, 40, "the first answer should run to its limit: \(alone[0].text)")
        XCTAssertEqual(alone[2].stopReason, .stopString, alone[2].text)
        // the order asserted below needs: the second to end 10 tokens after it joins, and the third, which
        // joins 3 steps after it, to run at least 7 (ending in the same step, it comes after the second,
        // which was added first)
        XCTAssertEqual(alone[1].tokens.count, 10, alone[1].text)
        XCTAssertGreaterThanOrEqual(alone[2].tokens.count, 7, alone[2].text)

        let batch = BatchDecoder(lm)
        var streamed = ["", "", ""]
        var finishOrder: [Int] = []
        var results: [Int: GenerationResult] = [:]
        func run(steps: Int) throws {
            for _ in 0..<steps where !batch.isEmpty {
                for (id, r) in try batch.step() { results[id] = r; finishOrder.append(id) }
            }
        }
        let a = try batch.add(prompt: all[0], options: long) { streamed[0] += $0; return true }
        try run(steps: 6)
        XCTAssertEqual(batch.count, 1)
        let b = try batch.add(prompt: all[1], options: short) { streamed[1] += $0; return true }
        try run(steps: 3)
        let c = try batch.add(prompt: all[2], options: stopped) { streamed[2] += $0; return true }
        XCTAssertEqual(batch.count, 3, "both joined the running sequence")
        try run(steps: 1000)
        XCTAssertTrue(batch.isEmpty)
        for (i, id) in [a, b, c].enumerated() {
            XCTAssertEqual(results[id]?.tokens, alone[i].tokens, "sequence \(i)")
            XCTAssertEqual(results[id]?.text, alone[i].text, "sequence \(i)")
            XCTAssertEqual(results[id]?.stopReason, alone[i].stopReason, "sequence \(i)")
            XCTAssertEqual(streamed[i], alone[i].text, "sequence \(i): streamed text")
        }
        XCTAssertEqual(finishOrder.last, a, "the first sequence, the longest, finishes last: \(finishOrder)")
        XCTAssertEqual(finishOrder.first, b, "the short one finishes first, while the others decode: \(finishOrder)")
    }

    /// `cancel` ends a sequence at the next step (`.cancelled`, its cache freed) and the others go on to
    /// their answers alone.
    func testCancelledSequenceLeavesAContinuousBatch() throws {
        let lm = try load()
        let all = try prompts(lm, [0, 2])
        let options = GenerationOptions(maxTokens: 24, sampling: .greedy)
        let alone = try lm.generate(prompt: all[1], options: options)
        let batch = BatchDecoder(lm)
        let x = try batch.add(prompt: all[0], options: options)
        let y = try batch.add(prompt: all[1], options: options)
        _ = try batch.step()
        batch.cancel(x)
        let finished = try batch.step()
        XCTAssertEqual(finished.map(\.id), [x])
        XCTAssertEqual(finished.first?.result.stopReason, .cancelled)
        XCTAssertEqual(finished.first?.result.tokens.count, 1, "cancelled before its second token was sampled")
        XCTAssertEqual(batch.count, 1)
        var rest: [Int: GenerationResult] = [:]
        while !batch.isEmpty { for (id, r) in try batch.step() { rest[id] = r } }
        XCTAssertEqual(rest[y]?.tokens, alone.tokens)
    }
}
