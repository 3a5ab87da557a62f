import Foundation
import XCTest
@testable import Engine

/// Decoding with tokens drafted from the context (issue 16): the n-gram drafter proposes what followed
/// the latest match, a run of drafted tokens gives bit for bit the logits of decoding them one at a time,
/// drafted generation emits plain generation's tokens (greedy and seeded sampling), and a rejected draft
/// leaves the KV cache as if it had never run.
final class DraftedDecodingTests: XCTestCase {
    /// A Flask file and an instruction to rewrite it with a small change: the answer copies the prompt.
    static let rewritePrompt = """
    Rewrite this Flask app exactly as it is, but rename the route /hello to /greet. Answer with the whole file.

    ```python
    from flask import Flask, jsonify, request

    app = Flask(__name__)
    items = []

    @app.route("/hello")
    def hello():
        return "Hello, world!"

    @app.route("/items", methods=["GET"])
    def list_items():
        return jsonify(items)

    @app.route("/items", methods=["POST"])
    def add_item():
        item = request.get_json()
        items.append(item)
        return jsonify(item), 201

    if __name__ == "__main__":
        app.run(debug=True)
    ```
    """

    private func load(_ name: String = TestModels.testModel, context: Int = 1024) throws -> LanguageModel {
        try LanguageModel(path: try TestModels.require(name), threads: 2, contextLength: context)
    }

    func testDrafterProposesWhatFollowedTheLatestMatchOfTheLongestNgram() {
        let d = NGramDrafter(maxNgram: 3, minNgram: 1, draftLength: 4)
        // last 3-gram 1 2 3 occurs at 0 (followed by 4 5 6 7) and at 5 (followed by 9): the latest wins
        XCTAssertEqual(d.draft([1, 2, 3, 4, 5, 1, 2, 3, 9, 1, 2, 3], limit: 10), [9, 1, 2, 3])
        // no 3-gram or 2-gram match; the 1-gram 7 matches at 1
        XCTAssertEqual(d.draft([5, 7, 8, 6, 7], limit: 10), [8, 6, 7])
        // a longer n-gram beats a later shorter one: 2-gram (4, 2) at 0 beats 1-gram 2 at 4
        XCTAssertEqual(d.draft([4, 2, 10, 11, 2, 12, 4, 2], limit: 2), [10, 11])
        XCTAssertEqual(d.draft([1, 2, 3], limit: 5), [])
        XCTAssertEqual(d.draft([1, 2, 1], limit: 0), [])
        XCTAssertEqual(d.draft([], limit: 3), [])
        XCTAssertEqual(d.draft([1], limit: 3), [])
        XCTAssertEqual(NGramDrafter(maxNgram: 2, minNgram: 2, draftLength: 8).draft([5, 7, 8, 6, 7], limit: 8), [],
                       "no bigram matches and unigrams are off")
    }

    /// `decodeRun` of a token and k followers against `forward` one token at a time: every row's logits
    /// are bit for bit equal, on the test model and (when installed) the default model, whose Q5_0, Q8_0,
    /// Q4_K and Q6_K matrices take the decode kernels' other paths.
    func testDecodeRunLogitsEqualOneTokenAtATime() throws {
        try checkDecodeRun(try load(context: 512))
    }

    func testDecodeRunLogitsEqualOneTokenAtATimeOnDefaultModel() throws {
        try checkDecodeRun(try load(TestModels.qwenModel, context: 512))
    }

    private func checkDecodeRun(_ lm: LanguageModel) throws {
        let m = lm.model
        let prompt = try lm.chatPrompt([ChatMessage(role: .user, content: "Write a Python function that adds two numbers.")])
        // plain: greedy tokens and the logits after each
        let plain = m.makeCache(capacity: prompt.count + 40)
        var logits = try m.forward(prompt, cache: plain)
        var tokens: [Int32] = [], after: [[Float]] = []
        for _ in 0..<24 {
            let t = Sampler.argmax(logits)
            tokens.append(t)
            logits = try m.forward([t], cache: plain)
            after.append(logits)
        }
        // runs of 1, 2, 5 and 9 tokens, then the rest one token at a time
        for run in [1, 2, 5, 9] {
            let cache = m.makeCache(capacity: prompt.count + 40)
            _ = try m.forward(prompt, cache: cache)
            var rows = try m.decodeRun(Array(tokens[0..<run]), cache: cache)
            XCTAssertEqual(cache.count, prompt.count + run)
            for t in tokens[run...] { rows.append(try m.forward([t], cache: cache)) }
            for i in tokens.indices {
                let worst = zip(rows[i], after[i]).map { abs($0 - $1) }.max() ?? 0
                XCTAssertEqual(rows[i], after[i], "run of \(run), token \(i): logits differ by up to \(worst)")
            }
        }
    }

    /// A rejected draft rolled back: the cache after decodeRun(token + wrong draft) and truncating the draft
    /// continues exactly as the cache that never saw it (the next positions overwrite the draft's rows).
    func testRolledBackDraftLeavesNoTrace() throws {
        let lm = try load(context: 512)
        let m = lm.model
        let prompt = try lm.chatPrompt([ChatMessage(role: .user, content: "List three colours of the rainbow.")])
        let clean = m.makeCache(capacity: 200), drafted = m.makeCache(capacity: 200)
        var a = try m.forward(prompt, cache: clean)
        var b = try m.forward(prompt, cache: drafted)
        let first = Sampler.argmax(a)
        a = try m.forward([first], cache: clean)
        // a draft the model would not write: ids far from the answer's
        let wrong: [Int32] = [17, 400, 1234, 9, 77, 3000]
        let rows = try m.decodeRun([first] + wrong, cache: drafted)
        b = rows[0]
        XCTAssertNotEqual(Sampler.argmax(b), wrong[0], "the draft should be rejected")
        drafted.truncate(to: drafted.count - wrong.count)
        XCTAssertEqual(drafted.count, clean.count)
        for step in 0..<16 {
            XCTAssertEqual(a, b, "step \(step) after the rollback")
            let t = Sampler.argmax(a)
            a = try m.forward([t], cache: clean)
            b = try m.forward([t], cache: drafted)
        }
    }

    /// Greedy: generation with n-gram drafts emits exactly plain generation's tokens, text and stop reason,
    /// on a prompt it copies (where drafts are accepted) and on one it does not; and short max-tokens limits.
    func testGreedyDraftedGenerationEqualsPlain() throws {
        let lm = try load()
        let copy = try lm.chatPrompt([ChatMessage(role: .user, content: Self.rewritePrompt)])
        let plainOptions = GenerationOptions(maxTokens: 160, sampling: .greedy)
        var draftOptions = plainOptions
        draftOptions.draft = .ngram
        let plain = try lm.generate(prompt: copy, options: plainOptions)
        var streamed = ""
        let drafted = try lm.generate(prompt: copy, options: draftOptions) { streamed += $0; return true }
        XCTAssertEqual(drafted.tokens, plain.tokens)
        XCTAssertEqual(drafted.text, plain.text)
        XCTAssertEqual(streamed, plain.text)
        XCTAssertEqual(drafted.stopReason, plain.stopReason)
        XCTAssertGreaterThan(drafted.acceptedDraftTokens, 0, "the answer copies the prompt; some drafts should be accepted")
        XCTAssertLessThan(drafted.decodeSteps, drafted.tokens.count, "accepted drafts save forward passes")
        XCTAssertEqual(plain.decodeSteps, 0)
        print("drafted: \(drafted.tokens.count) tokens in \(drafted.decodeSteps) passes, \(drafted.acceptedDraftTokens) of \(drafted.draftedTokens) draft tokens accepted")

        let question = try lm.chatPrompt([ChatMessage(role: .user, content: "Explain in two sentences what a linked list is.")])
        for n in [1, 2, 3, 7, 48] {
            var o = GenerationOptions(maxTokens: n, sampling: .greedy)
            let p = try lm.generate(prompt: question, options: o)
            o.draft = .ngram
            let d = try lm.generate(prompt: question, options: o)
            XCTAssertEqual(d.tokens, p.tokens, "max tokens \(n)")
            XCTAssertEqual(d.stopReason, p.stopReason, "max tokens \(n)")
        }
    }

    /// Seeded sampling: a drafted token is kept when the sampler, drawing from the model's distribution
    /// with the plain run's random numbers, picks it; so the drafted run is the plain run with the same seed.
    func testSampledDraftedGenerationEqualsPlainWithTheSameSeed() throws {
        let lm = try load()
        let copy = try lm.chatPrompt([ChatMessage(role: .user, content: Self.rewritePrompt)])
        for seed: UInt64 in [1, 7] {
            let sampling = SamplingParameters(temperature: 0.7, topK: 40, topP: 0.95, minP: 0.05, seed: seed)
            var options = GenerationOptions(maxTokens: 96, sampling: sampling)
            let plain = try lm.generate(prompt: copy, options: options)
            options.draft = .ngram
            let drafted = try lm.generate(prompt: copy, options: options)
            XCTAssertEqual(drafted.tokens, plain.tokens, "seed \(seed)")
            XCTAssertGreaterThan(drafted.acceptedDraftTokens, 0, "seed \(seed)")
        }
    }

    /// After a drafted generation the model's cache holds what plain decoding leaves there (rejected draft
    /// positions rolled back), so the next request reusing the prompt prefix reuses as much and gives the
    /// same tokens.
    func testPromptReuseAfterDraftedGenerationEqualsPlain() throws {
        let lm = try load()
        let copy = try lm.chatPrompt([ChatMessage(role: .user, content: Self.rewritePrompt)])
        func twoRequests(_ draft: DraftMethod) throws -> (first: GenerationResult, cached: Int, second: GenerationResult) {
            var options = GenerationOptions(maxTokens: 40, sampling: .greedy, draft: draft)
            let first = try lm.generate(prompt: copy, options: options)
            let cached = lm.model.cache.count
            let follow = copy + first.tokens + lm.tokenizer.encode(" and then", addSpecial: false, parseSpecial: false)
            options.reusePromptPrefix = true
            return (first, cached, try lm.generate(prompt: follow, options: options))
        }
        let plain = try twoRequests(.none)
        let drafted = try twoRequests(.ngram)
        XCTAssertGreaterThan(drafted.first.acceptedDraftTokens, 0)
        XCTAssertEqual(drafted.first.tokens, plain.first.tokens)
        XCTAssertEqual(drafted.cached, plain.cached, "positions left in the cache")
        XCTAssertEqual(drafted.second.reusedPromptTokens, plain.second.reusedPromptTokens)
        XCTAssertGreaterThan(drafted.second.reusedPromptTokens, copy.count)
        XCTAssertEqual(drafted.second.tokens, plain.second.tokens)
    }
}
