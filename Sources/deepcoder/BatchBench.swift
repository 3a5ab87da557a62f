import Engine
import Foundation

/// `bench --batch 1,2,4,8`: prompt and decode speed of N sequences decoded together, like llama.cpp's
/// llama-batched-bench. For each batch size N: N different random prompts of `promptTokens` tokens are
/// prefilled one after another (each into its own KV cache), then all N decode `genTokens` greedy tokens
/// together, one `TransformerModel.decodeStep` per token. The median over the repetitions is reported;
/// sequence i of every batch size has the same prompt.
struct BatchBenchReport {
    let batch: Int
    /// Prompt tokens per second over the N prompts (N × promptTokens / their prefill time).
    var ppTokensPerSecond: Double
    /// Aggregate decode tokens per second (N × genTokens / decode time).
    var tgTokensPerSecond: Double
    /// Decode tokens per second of each sequence (genTokens / decode time).
    var tgTokensPerSecondPerSequence: Double { tgTokensPerSecond / Double(batch) }
    var ppSamples: [Double]
    var tgSamples: [Double]

    /// Measures every batch size once per repetition, the sizes interleaved (1, 2, 4, 1, 2, 4, …), so that
    /// load that comes and goes on a shared machine falls on all of them alike.
    static func run(model m: TransformerModel, batches: [Int], promptTokens: Int, genTokens: Int,
                    repetitions: Int) throws -> [BatchBenchReport] {
        var rng = SplitMix64(seed: 42)
        let vocab = UInt64(m.vocabularySize)
        let most = batches.max() ?? 1
        let prompts = (0..<most).map { _ in (0..<promptTokens).map { _ in Int32(rng.next() % vocab) } }
        var reports = batches.map { BatchBenchReport(batch: $0, ppTokensPerSecond: 0, tgTokensPerSecond: 0, ppSamples: [], tgSamples: []) }
        for _ in 0..<repetitions {
            for (k, n) in batches.enumerated() {
                let caches = (0..<n).map { _ in m.makeCache(capacity: promptTokens + genTokens) }
                let t0 = Date()
                var logits = try zip(prompts.prefix(n), caches).map { try m.forward($0, cache: $1) }
                reports[k].ppSamples.append(Double(n * promptTokens) / Date().timeIntervalSince(t0))
                let t1 = Date()
                for _ in 0..<genTokens {
                    logits = try m.decodeStep(logits.map { Sampler.argmax($0) }, caches: caches)
                }
                reports[k].tgSamples.append(Double(n * genTokens) / Date().timeIntervalSince(t1))
            }
        }
        for k in reports.indices {
            reports[k].ppTokensPerSecond = median(reports[k].ppSamples)
            reports[k].tgTokensPerSecond = median(reports[k].tgSamples)
        }
        return reports
    }

    static func median(_ a: [Double]) -> Double { let s = a.sorted(); return s.isEmpty ? 0 : s[s.count / 2] }
}
