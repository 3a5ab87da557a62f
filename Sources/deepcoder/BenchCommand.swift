import ArgumentParser
import Engine
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure prompt processing and generation speed (like llama-bench).",
        discussion: """
        Runs a prompt of -p random tokens through the model, then generates -n tokens one at a time,
        --repetitions times, and reports the median tokens/s of each and the median first-token latency
        (prompt pass plus picking the first token). --bandwidth also measures the machine's memory read
        bandwidth with the same threads and the fraction of it that generation achieves (weight bytes
        streamed per token x tokens/s). scripts/bench.sh compares the figures with llama.cpp's
        llama-bench on the same file.

        With --json-schema FILE or --grammar FILE it instead measures constrained decoding: the chat
        prompt --prompt-text is answered greedily, unconstrained and constrained to the grammar, -n
        tokens at most, --repetitions times each (each constrained run starts with cold mask caches);
        it reports the median decode tokens/s of both, their ratio and the time spent on token masks.

        With --batch 1,2,4,8 it measures batched decoding (like llama.cpp's llama-batched-bench): for each
        batch size N, N different random prompts of -p tokens are prefilled, then the N sequences decode
        -n tokens together, one forward pass per step; the batch sizes take turns in each repetition. It reports prompt tokens/s, aggregate decode
        tokens/s (N x -n tokens over the decode time) and per-sequence decode tokens/s; with --json one
        line per batch size (keys batch, pp_tokens_per_s, tg_tokens_per_s = aggregate,
        tg_tokens_per_s_per_sequence).

        With --prompt-file FILE it measures greedy decoding after a real prompt: the chat prompt in FILE
        (a DEEPCODER_DUMP_PROMPTS file or plain text) is answered with at most -n tokens, --repetitions
        times; it reports tg_tokens_per_s (tokens after the first over the decode time). With --draft ngram
        the tokens are drafted from the context and checked several per forward pass (the same tokens:
        compare tokens_fnv1a with a plain run), and it reports the accepted draft tokens per forward pass.
        scripts/draft_bench.sh compares both with llama.cpp's plain decoding at the same depth.
        """
    )

    @OptionGroup var modelOptions: ModelOptions
    @Option(name: [.customShort("p"), .customLong("prompt-tokens")], help: "Prompt length in tokens.")
    var promptTokens: Int = 512
    @Option(name: [.customShort("n"), .customLong("gen-tokens")], help: "Generated tokens.")
    var genTokens: Int = 64
    @Option(name: [.customShort("r"), .customLong("repetitions")], help: "Runs to take the median of.")
    var repetitions: Int = 3
    @Flag(name: .long, help: "Also measure memory read bandwidth and the fraction generation achieves.")
    var bandwidth = false
    @Flag(name: .long, help: "Print one JSON line.")
    var json = false
    @Option(name: .long, help: "Batch sizes to measure batched decoding at, comma-separated (e.g. 1,2,4,8).")
    var batch: String?
    @OptionGroup var constraint: GrammarOptions
    @Option(name: .customLong("prompt-file"), help: ArgumentHelp(
        "Measure greedy decoding (-n tokens at most) after the chat prompt in this file.",
        discussion: "A file written by DEEPCODER_DUMP_PROMPTS (=== system / === user / === prefill sections) or plain text, taken as one user message. Reports tg_tokens_per_s and, with --draft, accepted draft tokens per forward pass."))
    var promptFile: String?
    @Option(name: .long, help: "With --prompt-file: none (plain decoding) or ngram (tokens drafted from the context, checked in one pass).")
    var draft: DraftMethod = .none
    @Option(name: .customLong("draft-ngram"), help: "With --draft ngram: the longest and shortest n-gram matched, as MAX,MIN (default 3,1).")
    var draftNgram = "3,1"
    @Option(name: .customLong("draft-length"), help: "With --draft ngram: draft tokens checked per forward pass at most (default 16).")
    var draftLength = 16

    /// The drafter --draft-ngram and --draft-length describe.
    func drafter() throws -> NGramDrafter {
        let n = draftNgram.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard n.count == 2, n[1] >= 1, n[0] >= n[1], (1...63).contains(draftLength) else {
            throw ValidationError("--draft-ngram takes MAX,MIN with MAX >= MIN >= 1 (got '\(draftNgram)') and --draft-length 1 to 63 (got \(draftLength))")
        }
        return NGramDrafter(maxNgram: n[0], minNgram: n[1], draftLength: draftLength)
    }
    @Option(name: .customLong("prompt-text"), help: "With --json-schema/--grammar: the chat prompt to answer.")
    var promptText = "Plan a small Flask app for a to-do list with a page to add items and a JSON API to list them. Answer with the plan as JSON."

    func validate() throws {
        if promptTokens < 1 || genTokens < 1 || repetitions < 1 {
            throw ValidationError("-p, -n and --repetitions must be at least 1")
        }
        if batch != nil { _ = try batchSizes() }
        _ = try drafter()
        if draft != .none && promptFile == nil {
            throw ValidationError("--draft measures decoding after a real prompt; pass --prompt-file FILE with it")
        }
    }

    /// The --batch list: sizes from 1 to 64 (the engine's rows per forward pass).
    private func batchSizes() throws -> [Int] {
        guard let batch else { return [] }
        let sizes = batch.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 != nil && (1...64).contains($0!) }) else {
            throw ValidationError("--batch takes batch sizes from 1 to 64 separated by commas, e.g. --batch 1,2,4,8; got '\(batch)'")
        }
        return sizes.map { $0! }
    }

    func run() throws {
        try runReportingErrors {
            if let grammar = try constraint.grammar() {
                try runConstrained(grammar)
                return
            }
            if batch != nil {
                try runBatched(try batchSizes())
                return
            }
            if let promptFile {
                try runPromptFile(promptFile)
                return
            }
            let lm = try modelOptions.load(quiet: json)
            let m = lm.model
            guard promptTokens + genTokens <= m.contextLength else {
                throw CLIError(message: "-p + -n = \(promptTokens + genTokens) exceeds the context of \(m.contextLength); raise --ctx-size", code: Exit.usage)
            }
            var rng = SplitMix64(seed: 42)
            let vocab = UInt64(m.vocabularySize)
            let prompt = (0..<promptTokens).map { _ in Int32(rng.next() % vocab) }
            var pp: [Double] = [], tg: [Double] = [], ttft: [Double] = []
            // One warm-up pass faults the weights in from the page cache.
            m.reset(); _ = try m.forward(Array(prompt.prefix(8)))
            for _ in 0..<repetitions {
                m.reset()
                let t0 = Date()
                let first = try m.forward(prompt)
                let dt = Date().timeIntervalSince(t0)
                _ = Sampler.argmax(first)
                ttft.append(Date().timeIntervalSince(t0) * 1000)
                pp.append(Double(promptTokens) / dt)
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
            let weightBytes = m.weightBytesPerToken
            let bw = bandwidth ? measureReadBandwidth(pool: m.pool) : 0
            let achieved = Double(weightBytes) * median(tg)
            if json {
                var obj: [String: Any] = [
                    "first_token_ms": (median(ttft) * 10).rounded() / 10,
                    "weight_bytes_per_token": weightBytes,
                    "model": file, "threads": m.pool.threadCount, "n_prompt": promptTokens, "n_gen": genTokens,
                    "repetitions": repetitions, "kernels": EngineInfo.kernelISA,
                    "pp_tokens_per_s": (median(pp) * 100).rounded() / 100,
                    "tg_tokens_per_s": (median(tg) * 100).rounded() / 100,
                    "pp_samples": pp.map { ($0 * 100).rounded() / 100 }, "tg_samples": tg.map { ($0 * 100).rounded() / 100 },
                ]
                if bandwidth {
                    obj["read_bandwidth_gbs"] = (bw / 1e9 * 100).rounded() / 100
                    obj["tg_bandwidth_fraction"] = (achieved / bw * 1000).rounded() / 1000
                }
                let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("model      \(file)  threads \(m.pool.threadCount)  kernels \(EngineInfo.kernelISA)")
                print(String(format: "pp%-6d   %8.2f tokens/s  (median of %d)", promptTokens, median(pp), repetitions))
                print(String(format: "tg%-6d   %8.2f tokens/s  (median of %d)", genTokens, median(tg), repetitions))
                print(String(format: "first token after a %d-token prompt: %.1f ms (median)", promptTokens, median(ttft)))
                if bandwidth {
                    print(String(format: "read bandwidth %.1f GB/s (%d threads); generation streams %.0f MB/token = %.1f GB/s, %.0f%% of it",
                                 bw / 1e9, m.pool.threadCount, Double(weightBytes) / 1e6, achieved / 1e9, achieved / bw * 100))
                }
            }
        }
    }

    private func runBatched(_ sizes: [Int]) throws {
        let lm = try modelOptions.load(quiet: json)
        let m = lm.model
        guard promptTokens + genTokens <= m.contextLength else {
            throw CLIError(message: "-p + -n = \(promptTokens + genTokens) exceeds the context of \(m.contextLength); raise --ctx-size", code: Exit.usage)
        }
        let file = URL(fileURLWithPath: lm.file.url.path).lastPathComponent
        // One warm-up pass faults the weights in from the page cache.
        _ = try m.forward([1, 2, 3, 4, 5, 6, 7, 8], cache: m.makeCache(capacity: 8))
        if !json {
            print("model      \(file)  threads \(m.pool.threadCount)  kernels \(EngineInfo.kernelISA)  pp \(promptTokens)  tg \(genTokens)  (median of \(repetitions))")
            print(" batch      pp tokens/s   tg tokens/s (all)   tg tokens/s (each)   tg vs batch 1")
        }
        let reports = try BatchBenchReport.run(model: m, batches: sizes, promptTokens: promptTokens, genTokens: genTokens,
                                               repetitions: repetitions)
        let single = reports.first { $0.batch == 1 }?.tgTokensPerSecond
        for r in reports {
            let n = r.batch
            func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }
            if json {
                let obj: [String: Any] = [
                    "batch": n, "model": file, "threads": m.pool.threadCount, "kernels": EngineInfo.kernelISA,
                    "n_prompt": promptTokens, "n_gen": genTokens, "repetitions": repetitions,
                    "pp_tokens_per_s": round2(r.ppTokensPerSecond), "tg_tokens_per_s": round2(r.tgTokensPerSecond),
                    "tg_tokens_per_s_per_sequence": round2(r.tgTokensPerSecondPerSequence),
                    "pp_samples": r.ppSamples.map(round2), "tg_samples": r.tgSamples.map(round2),
                ]
                let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                let ratio = single.map { String(format: "%12.2fx", r.tgTokensPerSecond / $0) } ?? "            -"
                print(String(format: "%6d   %12.2f   %17.2f   %18.2f   %@", n, r.ppTokensPerSecond, r.tgTokensPerSecond,
                             r.tgTokensPerSecondPerSequence, ratio))
            }
        }
    }

    private func runConstrained(_ grammar: Grammar) throws {
        let lm = try modelOptions.load(quiet: json)
        let r = try ConstrainedBenchReport.run(model: lm, grammar: grammar, prompt: promptText, tokens: genTokens,
                                               repetitions: repetitions) { if !json { stderrLine($0) } }
        let plain = ConstrainedBenchReport.median(r.unconstrained), constrained = ConstrainedBenchReport.median(r.constrained)
        let file = URL(fileURLWithPath: lm.file.url.path).lastPathComponent
        // the ratio the grammar's own time implies (robust to other load on the machine): a token costs
        // the unconstrained time plus what the grammar added to it
        let perToken = ConstrainedBenchReport.median(r.plainPerToken), overhead = ConstrainedBenchReport.median(r.overheadPerToken)
        let implied = perToken > 0 ? perToken / (perToken + overhead) : 0
        if json {
            let obj: [String: Any] = [
                "grammar_ms_per_token": (overhead * 1000).rounded() / 1000, "implied_ratio": (implied * 1000).rounded() / 1000,
                "model": file, "threads": lm.model.pool.threadCount, "n_gen": genTokens, "repetitions": repetitions,
                "unconstrained_tokens_per_s": (plain * 100).rounded() / 100, "constrained_tokens_per_s": (constrained * 100).rounded() / 100,
                "ratio": plain > 0 ? (constrained / plain * 1000).rounded() / 1000 : 0,
                "mask_ms": ConstrainedBenchReport.median(r.maskMilliseconds), "constrained_tokens": r.constrainedTokens,
                "unconstrained_tokens": r.unconstrainedTokens, "complete_runs": r.complete,
                "trie_build_ms": (r.trieSeconds * 1000).rounded(), "grammar_compile_ms": (r.compileSeconds * 1000).rounded(),
                "mask_computations": r.maskComputations, "mask_cache_hits": r.maskCacheHits,
                "trie_nodes_visited": r.trieNodesVisited, "trie_nodes": r.trieNodes,
            ]
            let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("model      \(file)  threads \(lm.model.pool.threadCount)  kernels \(EngineInfo.kernelISA)")
            print(String(format: "unconstrained  %8.2f tokens/s  (median of %d)", plain, repetitions))
            print(String(format: "constrained    %8.2f tokens/s  (median of %d; masks %.0f ms per run, median)", constrained, repetitions,
                         ConstrainedBenchReport.median(r.maskMilliseconds)))
            print(String(format: "ratio          %8.3f   complete answers %d of %d; token trie built in %.0f ms, grammar in %.0f ms",
                         plain > 0 ? constrained / plain : 0, r.complete, repetitions, r.trieSeconds * 1000, r.compileSeconds * 1000))
            print(String(format: "grammar cost   %8.3f ms per token (masks, masked sampling, advancing) against %.1f ms per unconstrained token: implied ratio %.3f",
                         overhead, perToken, implied))
            print("masks          \(r.maskComputations) computed, \(r.maskCacheHits) from the cache; \(r.trieNodesVisited) trie nodes walked "
                + "in all (the trie has \(r.trieNodes))")
        }
    }
}
