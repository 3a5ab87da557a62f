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
    /// - Built on `BatchDecoder`, which also takes sequences that arrive while others decode. The text a
    ///   sequence holds back at its end is flushed in the step it finishes in (each sequence's stream is
    ///   what it is alone; only the interleaving of different sequences' calls follows the steps).
    /// - `samplings`, when given (one per prompt), are the sequences' own sampling parameters, used as
    ///   they are (seed included) in place of `options.sampling` with seed + i: best-of-N samples its
    ///   other candidates hotter than the first.
    public func generate(prompts: [[Int32]], options: GenerationOptions, samplings: [SamplingParameters]? = nil,
                         onText: (Int, String) -> Bool = { _, _ in true }) throws -> [GenerationResult] {
        precondition(samplings.map { $0.count == prompts.count } ?? true, "one sampling setting per prompt")
        for p in prompts { try checkBatchPrompt(p) }
        return try withoutActuallyEscaping(onText) { onText in
            let batch = BatchDecoder(self)
            var ids: [Int] = []
            for (i, prompt) in prompts.enumerated() {
                var sampling = options.sampling
                sampling.seed = options.sampling.seed &+ UInt64(i)
                if let samplings { sampling = samplings[i] }
                ids.append(try batch.add(prompt: prompt, options: options, sampling: sampling) { onText(i, $0) })
            }
            var results: [Int: GenerationResult] = [:]
            while !batch.isEmpty {
                do {
                    for (id, result) in try batch.step() { results[id] = result }
                } catch let e as BatchDecoder.StepError {
                    throw e.underlying
                }
            }
            return ids.map { results[$0]! }
        }
    }

    fileprivate func checkBatchPrompt(_ p: [Int32]) throws {
        guard !p.isEmpty else { throw ModelError.emptyPrompt }
        guard p.count < model.contextLength else {
            throw ModelError.contextFull(needed: p.count + 1, capacity: model.contextLength)
        }
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

/// Sequences decoded together, which can join and leave between steps (continuous batching): `serve`
/// adds a request as soon as a slot is free instead of waiting for the running batch to end.
///
/// - `add` prefills a prompt into a cache of its own (`TransformerModel.makeCache`, sized to the prompt
///   plus its `maxTokens`) and returns the sequence's id; its first token is sampled by the next `step`.
///   The model's own cache and `reusePromptPrefix` state are not touched.
/// - A prompt equal to one added since the last step is not run again: its keys/values and first logits
///   are copied. A prompt that starts like a running sequence's prompt copies that common prefix in whole
///   blocks of 512 tokens (`LanguageModel.sharedPrefixLength`) and runs only the rest, so it is cut into
///   the chunks it is cut into alone.
/// - `step` samples the next token of every sequence (each with its own sampler, stops, grammar and
///   options), then runs one forward pass for those that go on (`TransformerModel.decodeStep`, whose
///   logits for a sequence are bit for bit those it gets alone). So a sequence's tokens do not depend on
///   what else is in the batch, or on when it joined.
/// - A sequence that finishes, or is cancelled (`cancel`, or its `onText` returning false), leaves the
///   batch at once and its cache is freed.
public final class BatchDecoder {
    private let lm: LanguageModel
    private var sequences: [DecodingSequence] = []
    private var onText: [Int: (String) -> Bool] = [:]
    private var cancelled: Set<Int> = []
    /// Prompts added since the last step, with their caches and first logits (equal prompts run once).
    private var prefilled: [[Int32]: (cache: KVCache, logits: [Float])] = [:]
    private var nextID = 0

    public init(_ model: LanguageModel) { lm = model }

    /// Sequences in the batch.
    public var count: Int { sequences.count }
    public var isEmpty: Bool { sequences.isEmpty }

    /// Prefills `prompt` and adds it to the batch; returns its id. `sampling` is used as it is (seed
    /// included); nil takes `options.sampling`. `onText` streams its text as `generate` does; returning
    /// false cancels it.
    @discardableResult
    public func add(prompt: [Int32], options: GenerationOptions, sampling: SamplingParameters? = nil,
                    onText: @escaping (String) -> Bool = { _ in true }) throws -> Int {
        try lm.checkBatchPrompt(prompt)
        let masks = try options.grammar.map { try lm.tokenMasks(for: $0) }
        let model = lm.model
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
            // a common prefix with a running sequence's prompt, in whole blocks of 512 tokens
            var from: KVCache?
            for s in sequences {
                let n = LanguageModel.sharedPrefixLength(prompt, s.prompt)
                if n > reused, let c = s.cache { reused = n; from = c }
            }
            if let from { cache.copyPrefix(of: from, count: reused) }
            logits = try model.forward(Array(prompt[reused...]), cache: cache)
            prefilled[prompt] = (cache, logits)
        }
        let id = nextID
        nextID += 1
        var s = DecodingSequence(index: id, prompt: prompt, options: options, cache: cache,
                                 sampler: Sampler(sampling ?? options.sampling), stops: StopStringFilter(options.stopStrings),
                                 decoder: StreamingDecoder(tokenizer: lm.tokenizer),
                                 constraint: masks.map { GrammarConstraint($0) }, logits: logits)
        s.promptSeconds = Date().timeIntervalSince(t0)
        s.reusedPromptTokens = reused
        sequences.append(s)
        self.onText[id] = onText
        return id
    }

    /// Cancels sequence `id`: the next `step` ends it (stop reason `.cancelled`) before sampling it. An
    /// id that is not in the batch is ignored.
    public func cancel(_ id: Int) {
        if sequences.contains(where: { $0.index == id }) { cancelled.insert(id) }
    }

    /// A step whose forward pass failed: the sequences that finished in it (their results are whole),
    /// and the error. The others have left the batch.
    public struct StepError: Error {
        public let finished: [(id: Int, result: GenerationResult)]
        public let underlying: Error
    }

    /// Samples the next token of every sequence in the batch, then runs one forward pass for those that
    /// go on. Returns the sequences that finished in this step, with their results, in the order they
    /// were added. When the forward pass fails, throws `StepError` (with those results) and empties the
    /// batch.
    public func step() throws -> [(id: Int, result: GenerationResult)] {
        prefilled = [:]
        let tokenizer = lm.tokenizer
        let texts = onText
        let send: (Int, String) -> Bool = { id, text in texts[id]?(text) ?? false }
        var running: [Int] = []
        for i in sequences.indices {
            if cancelled.contains(sequences[i].index) {
                sequences[i].stop(.cancelled)
                continue
            }
            if let token = sequences[i].sampleNext(tokenizer: tokenizer, onText: send) {
                sequences[i].pending = token
                running.append(i)
            }
        }
        var finished: [(id: Int, result: GenerationResult)] = []
        var left: [DecodingSequence] = []
        for i in sequences.indices {
            if sequences[i].finished {
                let id = sequences[i].index
                finished.append((id, sequences[i].result(onText: send)))
                onText[id] = nil
                cancelled.remove(id)
            } else {
                left.append(sequences[i])
            }
        }
        sequences = left
        if !sequences.isEmpty {
            let logits: [[Float]]
            do {
                logits = try lm.model.decodeStep(sequences.map(\.pending), caches: sequences.map { $0.cache! })
            } catch {
                // the batch cannot go on: its sequences leave it (their callers learn of it from the error)
                sequences = []
                onText = [:]
                cancelled = []
                throw StepError(finished: finished, underlying: error)
            }
            for i in sequences.indices { sequences[i].logits = logits[i] }
        }
        return finished
    }
}

/// One sequence of a batched generation: its cache, sampler, stop filter, decoder and grammar state.
struct DecodingSequence {
    let index: Int
    let prompt: [Int32]
    let options: GenerationOptions
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

    init(index: Int, prompt: [Int32], options: GenerationOptions, cache: KVCache, sampler: Sampler, stops: StopStringFilter,
         decoder: StreamingDecoder, constraint: GrammarConstraint?, logits: [Float]) {
        self.index = index
        self.prompt = prompt
        self.options = options
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
    mutating func sampleNext(tokenizer: BPETokenizer, onText: (Int, String) -> Bool) -> Int32? {
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
        stop(r)
        return nil
    }

    /// Ends the sequence with reason `r` and frees its cache.
    mutating func stop(_ r: StopReason) {
        reason = r
        finished = true
        finishTime = Date()
        cache = nil
    }

    /// The result, after flushing the text held back (as `generate` does).
    mutating func result(onText: (Int, String) -> Bool) -> GenerationResult {
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
