import Foundation

/// A loaded model ready to generate: the mapped GGUF file, its tokenizer and chat template, and the
/// transformer with its KV cache. The engine's front door for the CLI and the scaffolder.
public final class LanguageModel {
    public let file: GGUFFile
    public let tokenizer: BPETokenizer
    public let model: TransformerModel
    /// The chat template, or the error detecting it gave (raised only when a chat prompt is built).
    private let chatTemplateResult: Result<ChatTemplate, Error>
    /// The tokens whose keys/values `generate` left in the cache, in order (for `reusePromptPrefix`).
    private var cachedTokens: [Int32] = []
    /// The vocabulary's token trie (built on first constrained generation) and the last grammar's masks.
    private var trie: TokenTrie?
    private var lastMasks: (grammar: Grammar, masks: GrammarTokenMasks)?

    /// Loads a model. `threads` defaults to the number of cores; `contextLength` to min(4096, trained).
    /// `batchSize`: prompt tokens per forward chunk (default 64; `DEEPCODER_BATCH` overrides it, for
    /// measuring).
    public init(path: String, threads: Int? = nil, contextLength: Int? = nil, batchSize: Int? = nil) throws {
        file = try GGUFFile(path: path)
        tokenizer = try BPETokenizer(Vocabulary(file: file))
        let n = threads ?? ProcessInfo.processInfo.activeProcessorCount
        let batch = batchSize ?? ProcessInfo.processInfo.environment["DEEPCODER_BATCH"].flatMap(Int.init) ?? 64
        model = try TransformerModel(file: file, contextLength: contextLength, threads: max(1, n), batchSize: max(1, min(batch, 1024)))
        // Every id the tokenizer makes needs an embedding row, and every id the model samples needs a text.
        guard tokenizer.vocabularySize == model.vocabularySize else {
            throw GGUFError(file: path, reason: "the tokenizer has \(tokenizer.vocabularySize) tokens (tokenizer.ggml.tokens) but the model's vocabulary is \(model.vocabularySize) (rows of token_embd.weight)")
        }
        let template = file.string("tokenizer.chat_template")
        chatTemplateResult = Result { try ChatTemplate.detect(template) }
    }

    /// The model's chat template; throws when `tokenizer.chat_template` is not one deepcoder knows.
    public func chatTemplate() throws -> ChatTemplate { try chatTemplateResult.get() }

    /// The token ids of a chat prompt, ending with the assistant's turn opening.
    public func chatPrompt(_ messages: [ChatMessage]) throws -> [Int32] {
        let text = try chatTemplate().render(messages, addGenerationPrompt: true)
        return tokenizer.encode(text, addSpecial: true, parseSpecial: true)
    }

    /// The token trie of this model's vocabulary, built once.
    public var tokenTrie: TokenTrie {
        if let trie { return trie }
        let t = TokenTrie(tokenizer: tokenizer)
        trie = t
        return t
    }

    /// The token masks of `grammar` on this vocabulary; the last grammar's are kept (and their caches
    /// with them), so asking again with the same grammar starts warm.
    public func tokenMasks(for grammar: Grammar) throws -> GrammarTokenMasks {
        if let last = lastMasks, last.grammar == grammar { return last.masks }
        let masks = try GrammarTokenMasks(grammar: grammar, trie: tokenTrie, endTokens: tokenizer.endOfGenerationIDs)
        lastMasks = (grammar, masks)
        return masks
    }

    /// Generates from `prompt` (token ids), calling `onText` with text as soon as it is complete
    /// (whole UTF-8 characters, never part of a stop string). Return false from `onText` to cancel.
    public func generate(prompt: [Int32], options: GenerationOptions,
                         onText: (String) -> Bool = { _ in true }) throws -> GenerationResult {
        guard !prompt.isEmpty else { throw ModelError.emptyPrompt }
        guard prompt.count < model.contextLength else {
            throw ModelError.contextFull(needed: prompt.count + 1, capacity: model.contextLength)
        }
        // Reuse the cached prefix only when the cache still holds exactly what generate left there.
        var reused = 0
        if options.reusePromptPrefix, model.cache.count == cachedTokens.count {
            let limit = min(cachedTokens.count, prompt.count - 1) // at least one token runs, for the logits
            while reused < limit && cachedTokens[reused] == prompt[reused] { reused += 1 }
        }
        model.cache.truncate(to: reused)
        cachedTokens = []
        var sampler = Sampler(options.sampling)
        var stops = StopStringFilter(options.stopStrings)
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        var history = prompt
        var generated: [Int32] = []
        var reason = StopReason.maxTokens
        var constraint = try options.grammar.map { GrammarConstraint(try tokenMasks(for: $0)) }
        var maskSeconds = 0.0
        var drafting = options.draft == .ngram ? DraftedDecoding(drafter: options.ngramDrafter) : nil

        let t0 = Date()
        var logits = try model.forward(Array(prompt[reused...]))
        cachedTokens = prompt
        let promptSeconds = Date().timeIntervalSince(t0)
        let t1 = Date()
        var firstTokenTime: Date?

        while generated.count < options.maxTokens {
            let step = sampler.step(logits: logits, history: history, constraint: &constraint, maskSeconds: &maskSeconds)
            if step == .complete { reason = .endOfGeneration; break }
            guard case .token(let next) = step else { break }  // .stuck: the grammar allows nothing
            if firstTokenTime == nil { firstTokenTime = Date() }
            if tokenizer.isEndOfGeneration(next) { reason = .endOfGeneration; break }
            generated.append(next)
            history.append(next)
            let (shown, stopped) = stops.append(decoder.append(next))
            if !shown.isEmpty, !onText(shown) { reason = .cancelled; break }
            if stopped { reason = .stopString; break }
            if let c = constraint, c.isComplete, !c.canContinue { reason = .endOfGeneration; break }
            if generated.count >= options.maxTokens { break }
            // `next` runs at position history.count - 1 (with drafting it may be in the cache already)
            if history.count - 1 >= model.contextLength { reason = .contextFull; break }
            cachedTokens = []
            if drafting != nil {
                logits = try drafting!.logits(after: next, history: history, model: model, cache: model.cache,
                                              maxFollowing: options.maxTokens - generated.count)
            } else {
                logits = try model.forward([next])
            }
            cachedTokens = history
        }
        // drop the draft rows past the last token run: the cache is left as plain decoding leaves it
        if drafting != nil { model.cache.truncate(to: cachedTokens.count) }
        if reason != .stopString {
            let (shown, _) = stops.append(decoder.finish())
            let rest = shown + stops.flush()
            if !rest.isEmpty { _ = onText(rest) }
        }
        let genSeconds = Date().timeIntervalSince(firstTokenTime ?? t1)
        var result = GenerationResult(text: stops.text, tokens: generated, promptTokenCount: prompt.count,
                                      promptSeconds: promptSeconds, generationSeconds: genSeconds, stopReason: reason)
        result.reusedPromptTokens = reused
        if let d = drafting {
            result.decodeSteps = d.steps
            result.draftedTokens = d.drafted
            result.acceptedDraftTokens = d.accepted
        }
        if let c = constraint {
            // complete only when the answer ended by itself and the returned text is a whole match: an
            // answer cut by max tokens, the context, a stop string or a cancel is never passed on as valid
            let whole = reason == .endOfGeneration && GrammarConstraint.matches(result.text, masks: c.masks)
            result.grammarStatus = whole ? .complete : .incomplete
            result.maskSeconds = maskSeconds
        }
        return result
    }
}
