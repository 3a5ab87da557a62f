import Foundation

/// Asks the model: one request, or several candidates of it in one batch (best-of-N). Shows progress,
/// writes every request and answer to `DEEPCODER_DUMP_PROMPTS` when set, and records the tokens.
final class ModelAsker {
    let generator: any TextGenerator
    let say: (String, String) -> Void
    /// requests asked so far (numbers the dumped files)
    private var dumpCount = 0

    init(generator: any TextGenerator, say: @escaping (String, String) -> Void) {
        self.generator = generator; self.say = say
    }

    func ask(_ messages: [ChatTurn], sampling: SamplingOptions, label: String, template: String, prefill: String = "",
             jsonSchema: String? = nil) throws -> (GenerationOutput, FileGenerationRecord) {
        let (outs, record) = try ask(messages, sampling: sampling, label: label, template: template, prefill: prefill, jsonSchema: jsonSchema, count: 1)
        return (outs[0], record)
    }

    /// Asks `count` answers to one request (best-of-N: one batch); each answer's text starts with the
    /// prefill. The record counts the tokens of all of them.
    func ask(_ messages: [ChatTurn], sampling: SamplingOptions, label: String, template: String, prefill: String = "",
             jsonSchema: String? = nil, count: Int) throws -> ([GenerationOutput], FileGenerationRecord) {
        let prefill = generator.continuesPrefill ? prefill : ""
        let request = GenerationRequest(messages: messages, sampling: sampling, stop: [], prefill: prefill, jsonSchema: jsonSchema)
        // debugging aid: DEEPCODER_DUMP_PROMPTS=DIR writes every request's messages there
        let dump = ProcessInfo.processInfo.environment["DEEPCODER_DUMP_PROMPTS"].flatMap { $0.isEmpty ? nil : $0 }
        if let dump {
            dumpCount += 1
            let name = String(format: "%02d-", dumpCount) + label.replacingOccurrences(of: #"[^A-Za-z0-9.]+"#, with: "_", options: .regularExpression) + ".txt"
            let text = messages.map { "=== \($0.role.rawValue)\n\($0.content)" }.joined(separator: "\n") + (prefill.isEmpty ? "" : "\n=== prefill\n" + prefill)
            try? FileManager.default.createDirectory(atPath: dump, withIntermediateDirectories: true)
            try? text.write(toFile: (dump as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let count = max(1, count)
        var tokens = 0
        var lastReport = Date()
        let t0 = Date()
        var outs: [GenerationOutput]
        do {
            outs = try generator.generateCandidates(ModelAsker.candidateRequests(request, count: count)) { [self] _, _ in
                tokens += 1
                if Date().timeIntervalSince(lastReport) >= 5 {
                    lastReport = Date()
                    let s = Date().timeIntervalSince(t0)
                    say("generate", "\(label): \(tokens) tok\(count > 1 ? " (\(count) candidates)" : ""), \(String(format: "%.1f", Double(tokens) / max(s, 0.001))) tok/s")
                }
            }
        } catch {
            throw ScaffoldError.generation("generation failed for \(label): \(error)")
        }
        for i in outs.indices { outs[i].text = prefill + outs[i].text }
        if let dump {
            for (i, out) in outs.enumerated() {
                let name = String(format: "%02d-", dumpCount) + "answer" + (i == 0 ? "" : "-candidate\(i + 1)") + ".txt"
                try? out.text.write(toFile: (dump as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
        }
        let generated = outs.reduce(0) { $0 + $1.generatedTokens }
        let seconds = outs.map(\.seconds).max() ?? 0
        let tps = Double(generated) / max(seconds, 0.001)
        let out = outs[0]
        say("generate", "\(label): \(generated) tok\(count > 1 ? " in \(count) candidates" : "") in \(String(format: "%.1f", seconds))s, \(String(format: "%.1f", tps)) tok/s, prompt \(out.promptTokens) tok\(out.reusedPromptTokens > 0 ? " (\(out.reusedPromptTokens) reused)" : ""), stop: \(outs.map(\.stopReason).joined(separator: "/"))")
        return (outs, FileGenerationRecord(path: label, template: template, promptTokens: out.promptTokens,
                                           generatedTokens: generated, seconds: seconds, asks: 1, repairs: 0))
    }

    /// The temperature best-of-N's other candidates sample at, at least: at the run's own low
    /// temperature (0.2) the 0.5B gave the same repair four times over in four seeds.
    static let candidateTemperature = 0.7

    /// `count` requests for best-of-N: the first is `request` itself (so one candidate is a plain ask),
    /// candidate i has seed + i and samples at `candidateTemperature` or the run's, if higher.
    static func candidateRequests(_ request: GenerationRequest, count: Int) -> [GenerationRequest] {
        (0..<max(1, count)).map { i in
            var r = request
            if i > 0 {
                r.sampling.seed &+= UInt64(i)
                r.sampling.temperature = max(r.sampling.temperature, candidateTemperature)
            }
            return r
        }
    }
}
