import Foundation

/// What to generate and when to stop.
public struct GenerationOptions: Sendable {
    public var maxTokens: Int = 256
    public var sampling = SamplingParameters()
    /// Generation stops when the text contains one of these; the stop string itself is not returned.
    public var stopStrings: [String] = []
    /// Keep the keys/values of the previous call's tokens that this prompt starts with, and run
    /// only the rest (requests that share a long system prompt and context skip most of the
    /// prompt pass). Off by default: a prompt then always runs from position 0 in the same
    /// batches, as the reference fixtures were made.
    public var reusePromptPrefix = false
    /// Constrains the answer to this grammar: tokens that cannot continue a valid answer are masked
    /// before sampling, and end-of-generation is allowed only once the answer is complete.
    public var grammar: Grammar?
    /// Guess tokens ahead and check several per forward pass (`DraftedDecoding`). The tokens are those of
    /// plain decoding, greedy or seeded; only the speed differs. Off by default. Used by
    /// `LanguageModel.generate(prompt:)`; batched generation of several prompts decodes plainly.
    public var draft = DraftMethod.none
    /// The drafter `draft == .ngram` uses.
    public var ngramDrafter = NGramDrafter()

    public init(maxTokens: Int = 256, sampling: SamplingParameters = SamplingParameters(), stopStrings: [String] = [],
                reusePromptPrefix: Bool = false, grammar: Grammar? = nil, draft: DraftMethod = .none) {
        self.maxTokens = maxTokens
        self.sampling = sampling
        self.stopStrings = stopStrings
        self.reusePromptPrefix = reusePromptPrefix
        self.grammar = grammar
        self.draft = draft
    }
}

public enum StopReason: String, Sendable, Codable {
    case endOfGeneration = "eos"
    case maxTokens = "max_tokens"
    case stopString = "stop_string"
    case contextFull = "context_full"
    case cancelled
}

/// Whether a grammar-constrained answer is a whole match of its grammar.
public enum GrammarStatus: String, Sendable, Codable {
    /// The returned text matches the grammar (for a schema: it parses and validates).
    case complete
    /// The answer was cut short (max tokens, context, a stop string, cancelled) and must not be used as valid.
    case incomplete
}

/// The outcome of one generation, with the speed figures llama.cpp users expect.
public struct GenerationResult: Sendable {
    public var text: String
    public var tokens: [Int32]
    public var promptTokenCount: Int
    /// Prompt tokens whose keys/values were kept from the previous call (`reusePromptPrefix`).
    public var reusedPromptTokens = 0
    public var promptSeconds: Double
    public var generationSeconds: Double
    public var stopReason: StopReason
    /// For a constrained generation: whether the text is a complete match (nil when unconstrained).
    public var grammarStatus: GrammarStatus?
    /// Seconds the grammar took (constrained generation only): computing the allowed tokens, sampling
    /// among them and advancing the grammar; the unconstrained sampler's own time is not subtracted.
    public var maskSeconds: Double = 0
    /// With drafting: forward passes after the prompt, draft tokens checked, and draft tokens emitted as
    /// drafted (each saved a forward pass). All 0 without drafting.
    public var decodeSteps = 0
    public var draftedTokens = 0
    public var acceptedDraftTokens = 0
    /// Draft tokens emitted per forward pass after the prompt (0 without drafting).
    public var acceptedTokensPerStep: Double { decodeSteps > 0 ? Double(acceptedDraftTokens) / Double(decodeSteps) : 0 }

    public var promptTokensPerSecond: Double { promptSeconds > 0 ? Double(promptTokenCount) / promptSeconds : 0 }
    /// Generation speed over the tokens after the first (the first comes from the prompt pass).
    public var generationTokensPerSecond: Double {
        generationSeconds > 0 ? Double(max(tokens.count - 1, 0)) / generationSeconds : 0
    }

    public var summary: String {
        String(format: "prompt %d tokens, %.1f tokens/s; generated %d tokens, %.1f tokens/s; stop: %@",
               promptTokenCount, promptTokensPerSecond, tokens.count, generationTokensPerSecond, stopReason.rawValue)
            + (grammarStatus.map { String(format: "; grammar: %@ (token masks %.0f ms)", $0 == .complete ? "complete" : "INCOMPLETE, not valid",
                                          maskSeconds * 1000) } ?? "")
            + (decodeSteps > 0 ? String(format: "; drafts: %d of %d tokens accepted, %d forward passes (%.2f accepted per pass)",
                                        acceptedDraftTokens, draftedTokens, decodeSteps, acceptedTokensPerStep) : "")
    }
}

/// Holds back the end of streamed text that could be the start of a stop string, and finds stops.
struct StopStringFilter {
    let stops: [String]
    private(set) var text = ""
    private var emitted = 0  // characters of `text` already handed out, in UTF-8 bytes

    init(_ stops: [String]) { self.stops = stops.filter { !$0.isEmpty } }

    /// Appends new text; returns what can be shown now and whether a stop string was reached.
    mutating func append(_ piece: String) -> (String, Bool) {
        text += piece
        let bytes = Array(text.utf8)
        for s in stops {
            if let r = text.range(of: s) {
                let cut = text.utf8.distance(from: text.startIndex, to: r.lowerBound)
                let out = String(decoding: bytes[emitted..<max(emitted, cut)], as: UTF8.self)
                text = String(decoding: bytes[0..<cut], as: UTF8.self)
                emitted = cut
                return (out, true)
            }
        }
        // Longest suffix that is a proper prefix of a stop string stays back.
        var hold = 0
        for s in stops {
            let sb = Array(s.utf8)
            var n = min(sb.count - 1, bytes.count)
            while n > hold {
                if bytes[(bytes.count - n)...].elementsEqual(sb[0..<n]) { hold = n; break }
                n -= 1
            }
        }
        var end = bytes.count - hold
        // Never split a UTF-8 character.
        while end > emitted, end < bytes.count, bytes[end] & 0xC0 == 0x80 { end -= 1 }
        guard end > emitted else { return ("", false) }
        let out = String(decoding: bytes[emitted..<end], as: UTF8.self)
        emitted = end
        return (out, false)
    }

    /// The held-back remainder at the end.
    mutating func flush() -> String {
        let bytes = Array(text.utf8)
        guard emitted < bytes.count else { return "" }
        let out = String(decoding: bytes[emitted...], as: UTF8.self)
        emitted = bytes.count
        return out
    }
}
