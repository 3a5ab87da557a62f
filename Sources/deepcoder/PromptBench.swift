import ArgumentParser
import Engine
import Foundation

extension DraftMethod: ExpressibleByArgument {}

/// `bench --prompt-file F`: greedy decoding after a real prompt, plain or with drafted tokens.
enum PromptBench {
    /// The chat messages and prefill of a prompt file: a file written by `DEEPCODER_DUMP_PROMPTS` (turns
    /// headed `=== system`, `=== user`, `=== assistant`, then optionally `=== prefill`), or any other
    /// text, taken as one user message.
    static func messages(fromFile text: String) -> (messages: [ChatMessage], prefill: String) {
        guard text.hasPrefix("=== ") else { return ([ChatMessage(role: .user, content: text)], "") }
        var messages: [ChatMessage] = []
        var prefill = ""
        var role: String?
        var lines: [Substring] = []
        func flush() {
            guard let role else { return }
            let body = lines.joined(separator: "\n")
            switch role {
            case "system": messages.append(ChatMessage(role: .system, content: body))
            case "assistant": messages.append(ChatMessage(role: .assistant, content: body))
            case "prefill": prefill = body
            default: messages.append(ChatMessage(role: .user, content: body))
            }
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("=== "), ["system", "user", "assistant", "prefill"].contains(line.dropFirst(4)) {
                flush()
                role = String(line.dropFirst(4))
                lines = []
            } else {
                lines.append(line)
            }
        }
        flush()
        return (messages, prefill)
    }

    /// A 64-bit FNV-1a hash of the generated token ids, in hex: equal for plain and drafted runs when
    /// they emit the same tokens.
    static func fingerprint(_ tokens: [Int32]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for t in tokens {
            for byte in withUnsafeBytes(of: t.littleEndian, Array.init) {
                h = (h ^ UInt64(byte)) &* 0x100_0000_01b3
            }
        }
        return String(h, radix: 16)
    }

    struct Run {
        var result: GenerationResult
        var promptSeconds: Double
    }

    /// `repetitions` greedy generations of at most `tokens` tokens after `prompt`, each from an empty cache.
    static func run(_ lm: LanguageModel, prompt: [Int32], tokens: Int, draft: DraftMethod, drafter: NGramDrafter,
                    repetitions: Int) throws -> [Run] {
        // One warm-up pass faults the weights in from the page cache.
        lm.model.reset()
        _ = try lm.model.forward(Array(prompt.prefix(8)))
        var runs: [Run] = []
        for _ in 0..<repetitions {
            var options = GenerationOptions(maxTokens: tokens, sampling: .greedy, draft: draft)
            options.ngramDrafter = drafter
            let r = try lm.generate(prompt: prompt, options: options)
            runs.append(Run(result: r, promptSeconds: r.promptSeconds))
        }
        return runs
    }
}

extension Bench {
    func runPromptFile(_ path: String) throws {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw CLIError(message: "cannot read --prompt-file \(path): \(error.localizedDescription)", code: Exit.usage)
        }
        let lm = try modelOptions.load(quiet: json)
        let (messages, prefill) = PromptBench.messages(fromFile: text)
        var prompt = try lm.chatPrompt(messages)
        if !prefill.isEmpty { prompt += lm.tokenizer.encode(prefill, addSpecial: false, parseSpecial: false) }
        guard prompt.count + genTokens <= lm.model.contextLength else {
            throw CLIError(message: "the prompt (\(prompt.count) tokens) + -n \(genTokens) exceeds the context of \(lm.model.contextLength); raise --ctx-size", code: Exit.usage)
        }
        let runs = try PromptBench.run(lm, prompt: prompt, tokens: genTokens, draft: draft, drafter: try drafter(),
                                       repetitions: repetitions)
        func median(_ a: [Double]) -> Double { let s = a.sorted(); return s[s.count / 2] }
        func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }
        let tg = runs.map(\.result.generationTokensPerSecond)
        let pp = runs.map(\.result.promptTokensPerSecond)
        let last = runs[runs.count - 1].result
        let file = URL(fileURLWithPath: lm.file.url.path).lastPathComponent
        // tokens emitted per forward pass after the prompt: 1 for plain decoding
        let passes = draft == .none ? max(last.tokens.count - 1, 0) : last.decodeSteps
        let tokensPerPass = passes > 0 ? Double(last.tokens.count - 1) / Double(passes) : 0
        if json {
            let obj: [String: Any] = [
                "model": file, "threads": lm.model.pool.threadCount, "kernels": EngineInfo.kernelISA,
                "prompt_file": path, "n_prompt": prompt.count, "n_gen": genTokens, "n_generated": last.tokens.count,
                "stop": last.stopReason.rawValue, "repetitions": repetitions, "draft": draft.rawValue,
                "draft_ngram": draftNgram, "draft_length": draftLength,
                "pp_tokens_per_s": round2(median(pp)), "tg_tokens_per_s": round2(median(tg)), "tg_samples": tg.map(round2),
                "decode_steps": last.decodeSteps, "drafted_tokens": last.draftedTokens, "accepted_draft_tokens": last.acceptedDraftTokens,
                "accepted_tokens_per_step": round2(last.acceptedTokensPerStep), "tokens_per_forward_pass": round2(tokensPerPass),
                "tokens_fnv1a": PromptBench.fingerprint(last.tokens),
            ]
            let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("model      \(file)  threads \(lm.model.pool.threadCount)  kernels \(EngineInfo.kernelISA)  draft \(draft.rawValue)")
            print(String(format: "prompt     %d tokens from %@, %.2f tokens/s (median of %d)", prompt.count, path, median(pp), repetitions))
            print(String(format: "tg         %8.2f tokens/s  (median of %d; %d tokens generated, stop: %@; tokens %@)", median(tg),
                         repetitions, last.tokens.count, last.stopReason.rawValue, PromptBench.fingerprint(last.tokens)))
            if draft != .none {
                print(String(format: "drafts     %d forward passes, %d of %d draft tokens accepted: %.2f accepted per pass, %.2f tokens per pass",
                             last.decodeSteps, last.acceptedDraftTokens, last.draftedTokens, last.acceptedTokensPerStep, tokensPerPass))
            }
        }
    }
}
