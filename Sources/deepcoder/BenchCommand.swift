import ArgumentParser
import Engine
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure prompt processing and generation speed (like llama-bench).",
        discussion: """
        Runs a prompt of -p random tokens through the model, then generates -n tokens one at a time,
        --repetitions times, and reports the median tokens/s of each. scripts/bench.sh compares the
        figures with llama.cpp's llama-bench on the same file.
        """
    )

    @OptionGroup var modelOptions: ModelOptions
    @Option(name: [.customShort("p"), .customLong("prompt-tokens")], help: "Prompt length in tokens.")
    var promptTokens: Int = 128
    @Option(name: [.customShort("n"), .customLong("gen-tokens")], help: "Generated tokens.")
    var genTokens: Int = 64
    @Option(name: [.customShort("r"), .customLong("repetitions")], help: "Runs to take the median of.")
    var repetitions: Int = 3
    @Flag(name: .long, help: "Print one JSON line.")
    var json = false

    func validate() throws {
        if promptTokens < 1 || genTokens < 1 || repetitions < 1 {
            throw ValidationError("-p, -n and --repetitions must be at least 1")
        }
    }

    func run() throws {
        try runReportingErrors {
            let lm = try modelOptions.load(quiet: json)
            let m = lm.model
            guard promptTokens + genTokens <= m.contextLength else {
                throw CLIError(message: "-p + -n = \(promptTokens + genTokens) exceeds the context of \(m.contextLength); raise --ctx-size", code: Exit.usage)
            }
            var rng = SplitMix64(seed: 42)
            let vocab = UInt64(m.vocabularySize)
            let prompt = (0..<promptTokens).map { _ in Int32(rng.next() % vocab) }
            var pp: [Double] = [], tg: [Double] = []
            // One warm-up pass faults the weights in from the page cache.
            m.reset(); _ = try m.forward(Array(prompt.prefix(8)))
            for _ in 0..<repetitions {
                m.reset()
                let t0 = Date()
                _ = try m.forward(prompt)
                pp.append(Double(promptTokens) / Date().timeIntervalSince(t0))
                m.reset()
                var tok = prompt[0]
                let t1 = Date()
                for _ in 0..<genTokens {
                    let logits = try m.forward([tok])
                    tok = Sampler.argmax(logits)
                }
                tg.append(Double(genTokens) / Date().timeIntervalSince(t1))
            }
            func median(_ a: [Double]) -> Double { let s = a.sorted(); return s[s.count / 2] }
            let file = URL(fileURLWithPath: lm.file.url.path).lastPathComponent
            if json {
                let obj: [String: Any] = [
                    "model": file, "threads": m.pool.threadCount, "n_prompt": promptTokens, "n_gen": genTokens,
                    "repetitions": repetitions, "kernels": EngineInfo.kernelISA,
                    "pp_tokens_per_s": (median(pp) * 100).rounded() / 100,
                    "tg_tokens_per_s": (median(tg) * 100).rounded() / 100,
                    "pp_samples": pp.map { ($0 * 100).rounded() / 100 }, "tg_samples": tg.map { ($0 * 100).rounded() / 100 },
                ]
                let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("model      \(file)  threads \(m.pool.threadCount)  kernels \(EngineInfo.kernelISA)")
                print(String(format: "pp%-6d   %8.2f tokens/s  (median of %d)", promptTokens, median(pp), repetitions))
                print(String(format: "tg%-6d   %8.2f tokens/s  (median of %d)", genTokens, median(tg), repetitions))
            }
        }
    }
}
