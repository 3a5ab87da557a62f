import ArgumentParser
import Scaffold

/// The sampling and repair options `new` and `regen` share (defaults tuned for code: low temperature, fixed seed).
struct GenerationFlags: ParsableArguments {
    @Option(help: "Sampling seed.")
    var seed: UInt64 = 42
    @Option(help: "Sampling temperature.")
    var temperature: Double = 0.2
    @Option(name: .customLong("top-k"), help: "Top-k sampling.")
    var topK: Int = 40
    @Option(name: .customLong("top-p"), help: "Top-p (nucleus) sampling.")
    var topP: Double = 0.95
    @Option(name: .customLong("min-p"), help: "Min-p sampling.")
    var minP: Double = 0.05
    @Option(name: .customLong("repeat-penalty"), help: "Repetition penalty (1.0 = off).")
    var repeatPenalty: Double = 1.0
    @Option(name: .customLong("max-tokens"), help: "Maximum tokens per generated file.")
    var maxTokens: Int = 2048
    @Option(name: .customLong("max-repairs"), help: "Repair rounds after a failed verification.")
    var maxRepairs: Int = 2

    /// The options as the scaffolder takes them; a usage error when one is out of range.
    func sampling() throws -> Scaffold.SamplingOptions {
        guard maxRepairs >= 0, maxTokens > 0, temperature >= 0, topK >= 0, (0...1).contains(topP) else {
            throw ScaffoldError.usage("bad sampling or repair option")
        }
        return Scaffold.SamplingOptions(temperature: temperature, topK: topK, topP: topP, minP: minP,
                                        repeatPenalty: repeatPenalty, seed: seed, maxTokens: maxTokens)
    }
}
