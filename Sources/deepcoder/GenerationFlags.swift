import ArgumentParser
import Engine
import Scaffold

/// The sampling and repair options `new` and `regen` share (defaults tuned for code: low temperature, fixed seed).
struct GenerationFlags: ParsableArguments {
    @Option(help: "Sampling seed.")
    var seed: UInt64 = 42
    @Option(help: "Sampling temperature, 0 or more (0: the most likely token).")
    var temperature: Double = 0.2
    @Option(name: .customLong("top-k"), help: "Top-k sampling, 0 or more (0: all tokens).")
    var topK: Int = 40
    @Option(name: .customLong("top-p"), help: "Top-p (nucleus) sampling, in (0, 1].")
    var topP: Double = 0.95
    @Option(name: .customLong("min-p"), help: "Min-p sampling, in [0, 1].")
    var minP: Double = 0.05
    @Option(name: .customLong("repeat-penalty"), help: "Repetition penalty, above 0 (1.0 = off).")
    var repeatPenalty: Double = 1.0
    @Option(name: .customLong("max-tokens"), help: "Maximum tokens per generated file.")
    var maxTokens: Int = 2048
    @Option(name: .customLong("max-repairs"), help: "Repair rounds after a failed verification.")
    var maxRepairs: Int = 2
    @Option(help: ArgumentHelp("Answers asked per file, repair and view, 1 to 8 (best-of-N).",
                               discussion: "The N answers are decoded together in one batch; the first usable one is written, and while the project fails verification each other one is tried in its place and kept when more checks pass."))
    var candidates: Int = 1
    @Option(help: ArgumentHelp("Draft tokens ahead: none, or ngram (from the prompt and answer so far, checked several per forward pass).",
                               discussion: "The answer is the same token for token (greedy or seeded); only the speed changes. Recorded as the Deepcoder-Draft trailer. Candidates decoded together (--candidates above 1) decode plainly."))
    var draft: DraftMethod = .none

    /// Checked by ArgumentParser before the command runs: a usage error (exit 2) naming the flag and its range.
    func validate() throws {
        try OptionLimits.checkSampling(temperature: temperature, topK: topK, topP: topP, minP: minP, repeatPenalty: repeatPenalty)
        if maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1 (got \(maxTokens))") }
        if maxRepairs < 0 { throw ValidationError("--max-repairs must be 0 or more (got \(maxRepairs))") }
        if !(1...8).contains(candidates) { throw ValidationError("--candidates must be 1 to 8 (got \(candidates))") }
    }

    /// The options as the scaffolder takes them.
    var sampling: Scaffold.SamplingOptions {
        Scaffold.SamplingOptions(temperature: temperature, topK: topK, topP: topP, minP: minP,
                                 repeatPenalty: repeatPenalty, seed: seed, maxTokens: maxTokens)
    }
}
