import Engine
import Foundation

/// `bench --batch 1,2,4,8`: prompt and decode speed of N sequences decoded together, like llama.cpp's
/// llama-batched-bench. For each batch size N: N different random prompts of `promptTokens` tokens are
/// prefilled one after another (each into its own KV cache), then all N decode `genTokens` greedy tokens
/// together, one `TransformerModel.decodeStep` per token. The median over the repetitions is reported.
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

    static func run(model m: TransformerModel, batch n: Int, promptTokens: Int, genTokens: Int,
                    repetitions: Int) throws -> BatchBenchReport {
        var rng = SplitMix64(seed: 42)
        let vocab = UInt64(m.vocabularySize)
        let prompts = (0..<n).map { _ in (0..<promptTokens).map { _ in Int32(rng.next() % vocab) } }
        var pp: [Double] = [], tg: [Double] = []
        for _ in 0..<repetitions {
            let caches = (0..<n).map { _ in m.makeCache(capacity: promptTokens + genTokens) }
            let t0 = Date()
            var logits = try zip(prompts, caches).map { try m.forward($0, cache: $1) }
            pp.append(Double(n * promptTokens) / Date().timeIntervalSince(t0))
            let t1 = Date()
            for _ in 0..<genTokens {
                logits = try m.decodeStep(logits.map { Sampler.argmax($0) }, caches: caches)
            }
            tg.append(Double(n * genTokens) / Date().timeIntervalSince(t1))
        }
        return BatchBenchReport(batch: n, ppTokensPerSecond: median(pp), tgTokensPerSecond: median(tg),
                                ppSamples: pp, tgSamples: tg)
    }

    static func median(_ a: [Double]) -> Double { let s = a.sorted(); return s.isEmpty ? 0 : s[s.count / 2] }
}
