import Foundation

extension LanguageModel {
    /// Generates an answer for each of `prompts` (token ids), decoding them together: one forward pass per
    /// step for all sequences still running (`TransformerModel.decodeStep`), so the weights are read once
    /// per step for all of them. Returns one result per prompt, in order.
    ///
    /// - Each sequence has its own KV cache (`TransformerModel.makeCache`, sized to its prompt plus
    ///   `maxTokens`); the model's own cache and `reusePromptPrefix` state are not touched.
    /// - Equal prompts are prefilled once and their keys/values copied into the other sequences (best-of-N
    ///   of one prompt pays for the prompt once); a copy's `reusedPromptTokens` is its whole prompt and its
    ///   `promptSeconds` the copy's time. Different prompts that start alike copy the keys/values of their
    ///   common prefix from an earlier sequence in whole blocks of 512 tokens (`sharedPrefixLength`) and
    ///   run only the rest.
    /// - Sequence `i` samples with its own `Sampler` seeded `options.sampling.seed &+ i`, so sequence 0 of a
    ///   batch is the same as `generate(prompt:options:)` with the same options, and a whole batch is
    ///   reproducible from the one seed.
    /// - A sequence that finishes (end of generation, a stop string, max tokens, the context, or `onText`
    ///   returning false for it: cancelled) leaves the batch, its cache is freed, and the others go on.
    /// - `onText(i, text)` streams sequence i's text as `generate` does.
    /// - `samplings`, when given (one per prompt), are the sequences' own sampling parameters, used as
    ///   they are (seed included) in place of `options.sampling` with seed + i: best-of-N samples its
    ///   other candidates hotter than the first.
    public func generate(prompts: [[Int32]], options: GenerationOptions, samplings: [SamplingParameters]? = nil,
                         onText: (Int, String) -> Bool = { _, _ in true }) throws -> [GenerationResult] {
        precondition(samplings.map { $0.count == prompts.count } ?? true, "one sampling setting per prompt")
        for p in prompts {
            guard !p.isEmpty else { throw ModelError.emptyPrompt }
            guard p.count < model.contextLength else {
                throw ModelError.contextFull(needed: p.count + 1, capacity: model.contextLength)
            }
        }
        let masks = try options.grammar.map { try tokenMasks(for: $0) }

        // Prefill: each distinct prompt once, then copies.
        var sequences: [DecodingSequence] = []
        var prefilled: [[Int32]: (cache: KVCache, logits: [Float])] = [:]
        for (i, prompt) in prompts.enumerated() {
            var sampling = options.sampling
            sampling.seed = options.sampling.seed &+ UInt64(i)
            if let samplings { sampling = samplings[i] }
            let capacity = min(model.contextLength, prompt.count + max(options.maxTokens, 1))
            let cache = model.makeCache(capacity: capacity)
            let t0 = Date()
            let logits: [Float]
            var reused = 0
            if let first = prefilled[prompt] {
                cache.copyPrefix(of: first.cache, count: prompt.count)
                logits = first.logits
                reused = prompt.count
            } else {
                // a common prefix with an earlier prompt, in whole blocks of `sharedPrefixBlock` tokens
                var from: KVCache?
                for (other, c) in zip(prompts[..<i], sequences.map(\.cache)) {
                    let n = Self.sharedPrefixLength(prompt, other)
                    if n > reused, let c { reused = n; from = c }
                }
                if let from { cache.copyPrefix(of: from, count: reused) }
                logits = try model.forward(Array(prompt[reused...]), cache: cache)
                prefilled[prompt] = (cache, logits)
            }
            var s = DecodingSequence(index: i, prompt: prompt, cache: cache, sampler: Sampler(sampling),
                                     stops: StopStringFilter(options.stopStrings), decoder: StreamingDecoder(tokenizer: tokenizer),
                                     constraint: masks.map { GrammarConstraint($0) }, logits: logits)
            s.promptSeconds = Date().timeIntervalSince(t0)
            s.reusedPromptTokens = reused
            sequences.append(s)
        }
        prefilled = [:]

        // Decode: sample every running sequence, then one forward step for those that go on.
        while true {
            var step: [Int] = []
            for i in sequences.indices where !sequences[i].finished {
                if let token = sequences[i].sampleNext(options: options, tokenizer: tokenizer, onText: onText) {
                    step.append(i)
                    sequences[i].pending = token
                }
            }
            if step.isEmpty { break }
            let logits = try model.decodeStep(step.map { sequences[$0].pending }, caches: step.map { sequences[$0].cache! })
            for (j, i) in step.enumerated() { sequences[i].logits = logits[j] }
        }
        return sequences.indices.map { sequences[$0].result(options: options, onText: onText) }
    }

    /// Tokens of `prompt`'s keys/values that can be copied from a sequence prefilled with `other`: their
    /// common prefix, cut to whole blocks of 512 tokens and leaving `prompt` at least one token to run.
    /// 512 is the micro-batch a prompt pass is cut into (`TransformerModel.chunks`): a prompt run from a
    /// multiple of 512 is cut into the same chunks as run from 0, so its sums, and tokens, are the same.
    static func sharedPrefixLength(_ prompt: [Int32], _ other: [Int32]) -> Int {
        let block = 512
        let limit = min(prompt.count - 1, other.count)
        var n = 0
        while n < limit && prompt[n] == other[n] { n += 1 }
        return n / block * block
    }
}

/// One sequence of a batched generation: its cache, sampler, stop filter, decoder and grammar state.
struct DecodingSequence {
    let index: Int
    let prompt: [Int32]
    /// Freed (nil) when the sequence finishes.
    var cache: KVCache?
    var sampler: Sampler
    var stops: StopStringFilter
    var decoder: StreamingDecoder
    var constraint: GrammarConstraint?
    var logits: [Float]
    var history: [Int32]
    var generated: [Int32] = []
    var pending: Int32 = 0
    var reason = StopReason.maxTokens
    var finished = false
    var promptSeconds = 0.0
    var reusedPromptTokens = 0
    var maskSeconds = 0.0
    var firstTokenTime: Date?
    var finishTime: Date?

    init(index: Int, prompt: [Int32], cache: KVCache, sampler: Sampler, stops: StopStringFilter,
         decoder: StreamingDecoder, constraint: GrammarConstraint?, logits: [Float]) {
        self.index = index
        self.prompt = prompt
        self.cache = cache
        self.sampler = sampler
        self.stops = stops
        self.decoder = decoder
        self.constraint = constraint
        self.logits = logits
        history = prompt
    }

    /// Picks the next token from `logits` and streams its text; returns it when the sequence goes on (it
    /// must then run through the model), nil when the sequence finished. The same steps, in the same
    /// order, as `LanguageModel.generate(prompt:options:onText:)`.
    mutating func sampleNext(options: GenerationOptions, tokenizer: BPETokenizer,
                             onText: (Int, String) -> Bool) -> Int32? {
        guard generated.count < options.maxTokens else { return finish(.maxTokens) }
        let step = sampler.step(logits: logits, history: history, constraint: &constraint, maskSeconds: &maskSeconds)
        if step == .complete { return finish(.endOfGeneration) }
        guard case .token(let next) = step else { return finish(.maxTokens) }  // .stuck: the grammar allows nothing
        if firstTokenTime == nil { firstTokenTime = Date() }
        if tokenizer.isEndOfGeneration(next) { return finish(.endOfGeneration) }
        generated.append(next)
        history.append(next)
        let (shown, stopped) = stops.append(decoder.append(next))
        if !shown.isEmpty, !onText(index, shown) { return finish(.cancelled) }
        if stopped { return finish(.stopString) }
        if let c = constraint, c.isComplete, !c.canContinue { return finish(.endOfGeneration) }
        if generated.count >= options.maxTokens { return finish(.maxTokens) }
        if let cache, cache.count >= cache.capacity { return finish(.contextFull) }
        return next
    }

    private mutating func finish(_ r: StopReason) -> Int32? {
        reason = r
        finished = true
        finishTime = Date()
        cache = nil
        return nil
    }

    /// The result, after flushing the text held back (as `generate` does).
    mutating func result(options: GenerationOptions, onText: (Int, String) -> Bool) -> GenerationResult {
        if reason != .stopString {
            let (shown, _) = stops.append(decoder.finish())
            let rest = shown + stops.flush()
            if !rest.isEmpty { _ = onText(index, rest) }
        }
        let end = finishTime ?? Date()
        var r = GenerationResult(text: stops.text, tokens: generated, promptTokenCount: prompt.count,
                                 promptSeconds: promptSeconds, generationSeconds: end.timeIntervalSince(firstTokenTime ?? end),
                                 stopReason: reason)
        r.reusedPromptTokens = reusedPromptTokens
        if let c = constraint {
            let whole = reason == .endOfGeneration && GrammarConstraint.matches(r.text, masks: c.masks)
            r.grammarStatus = whole ? .complete : .incomplete
            r.maskSeconds = maskSeconds
        }
        return r
    }
}
