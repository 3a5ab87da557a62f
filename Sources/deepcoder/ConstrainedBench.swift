import Engine
import Foundation

/// `bench --json-schema FILE` / `--grammar FILE`: decode speed of one chat prompt, unconstrained and
/// constrained to the grammar, greedy, alternating runs; reports the median tokens/s of each and
/// their ratio, with the time spent on token masks.
struct ConstrainedBenchReport {
    var unconstrained: [Double] = []
    var constrained: [Double] = []
    var maskMilliseconds: [Double] = []
    /// Per constrained run: milliseconds the grammar added per generated token.
    var overheadPerToken: [Double] = []
    /// Per unconstrained run: milliseconds per generated token.
    var plainPerToken: [Double] = []
    var constrainedTokens: [Int] = []
    var unconstrainedTokens: [Int] = []
    var trieSeconds = 0.0
    var compileSeconds = 0.0
    var complete = 0
    /// Of the last constrained run: masks computed (cache misses), served from the cache, trie nodes walked.
    var maskComputations = 0
    var maskCacheHits = 0
    var trieNodesVisited = 0
    var trieNodes = 0

    static func median(_ a: [Double]) -> Double { let s = a.sorted(); return s.isEmpty ? 0 : s[s.count / 2] }

    static func run(model lm: LanguageModel, grammar: Grammar, prompt: String, tokens: Int, repetitions: Int,
                    log: (String) -> Void) throws -> ConstrainedBenchReport {
        var report = ConstrainedBenchReport()
        let ids = try lm.chatPrompt([ChatMessage(role: .user, content: prompt)])
        let stops = try lm.chatTemplate().stopStrings
        let t0 = Date()
        _ = lm.tokenTrie
        report.trieSeconds = Date().timeIntervalSince(t0)
        let t1 = Date()
        _ = try GrammarTokenMasks(grammar: grammar, trie: lm.tokenTrie, endTokens: lm.tokenizer.endOfGenerationIDs)
        report.compileSeconds = Date().timeIntervalSince(t1)
        for rep in 0..<repetitions {
            // fresh masks each run (a cold cache, as a first request would see); the two runs swap order
            // every repetition, so that drifting load on the machine favours neither
            let plainOptions = GenerationOptions(maxTokens: tokens, sampling: .greedy, stopStrings: stops)
            let cold = coldCache(GenerationOptions(maxTokens: tokens, sampling: .greedy, stopStrings: stops, grammar: grammar), lm: lm, run: rep)
            let plainFirst = rep % 2 == 0
            let first = try lm.generate(prompt: ids, options: plainFirst ? plainOptions : cold)
            let second = try lm.generate(prompt: ids, options: plainFirst ? cold : plainOptions)
            let (plain, constrained) = plainFirst ? (first, second) : (second, first)
            report.unconstrained.append(plain.generationTokensPerSecond)
            report.unconstrainedTokens.append(plain.tokens.count)
            let masks = try lm.tokenMasks(for: cold.grammar!)
            report.maskComputations = masks.maskComputations
            report.maskCacheHits = masks.maskCacheHits
            report.trieNodesVisited = masks.trieNodesVisited
            report.trieNodes = masks.trie.nodeCount
            report.constrained.append(constrained.generationTokensPerSecond)
            report.constrainedTokens.append(constrained.tokens.count)
            report.maskMilliseconds.append(constrained.maskSeconds * 1000)
            report.overheadPerToken.append(constrained.maskSeconds * 1000 / Double(max(constrained.tokens.count, 1)))
            if plain.generationTokensPerSecond > 0 { report.plainPerToken.append(1000 / plain.generationTokensPerSecond) }
            if constrained.grammarStatus == .complete { report.complete += 1 }
            log(String(format: "run %d: unconstrained %.2f tokens/s (%d tokens), constrained %.2f tokens/s (%d tokens, masks %.0f ms, %@)",
                       rep + 1, plain.generationTokensPerSecond, plain.tokens.count, constrained.generationTokensPerSecond,
                       constrained.tokens.count, constrained.maskSeconds * 1000, constrained.grammarStatus?.rawValue ?? "-"))
        }
        return report
    }

    /// The options with a grammar that is equal in language but not `==` to the last one, so the model
    /// builds fresh masks (cold caches) for every run.
    private static func coldCache(_ options: GenerationOptions, lm: LanguageModel, run: Int) -> GenerationOptions {
        var o = options
        if var g = o.grammar {
            let name = "bench-unused-\(run)"
            g.rules[name] = .literal("")
            g.ruleOrder.append(name)
            o.grammar = g
        }
        return o
    }
}
