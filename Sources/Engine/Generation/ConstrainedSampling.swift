import Foundation

/// One sampling step under an optional grammar: what `LanguageModel.generate(prompt:)` and each
/// sequence of a batched generation (`DecodingSequence`) do before they look at the token.
enum SamplingStep: Equatable {
    /// the token to emit (the grammar, when there is one, has taken it)
    case token(Int32)
    /// the answer is complete and nothing can extend it: it ends without another sample
    case complete
    /// the grammar allows no token at all: the answer stops where it is
    case stuck
}

extension Sampler {
    /// Samples the next token from `logits`, restricted to what `constraint` allows and advancing it.
    /// The time the grammar takes (allowed tokens, sampling among them, advancing) is added to
    /// `maskSeconds`; unconstrained sampling adds nothing.
    mutating func step(logits: [Float], history: [Int32], constraint: inout GrammarConstraint?,
                       maskSeconds: inout Double) -> SamplingStep {
        guard var c = constraint else { return .token(sample(logits: logits, history: history)) }
        if c.isComplete && !c.canContinue { return .complete }
        let m0 = Date()
        defer { maskSeconds += Date().timeIntervalSince(m0) }
        let allowed = c.allowedTokens()
        if allowed.isEmpty { return .stuck }
        let next = sample(logits: logits, history: history, allowed: allowed)
        c.accept(next)
        constraint = c
        return .token(next)
    }
}
