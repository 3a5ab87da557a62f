import Foundation

/// Drafts the next tokens from the context (prompt-lookup decoding): finds the latest earlier
/// occurrence of the last `n` tokens of the prompt and answer so far, and proposes the tokens that
/// followed it. Tries the longest n-gram first (`maxNgram` down to `minNgram`).
///
/// deepcoder's long answers copy from their prompt (repairs and `regen` rewrite a file that is in it,
/// templates repeat names from the plan), so the guess is often right; `DraftedDecoding` checks it
/// against the model, so a wrong guess costs time, never a different token.
public struct NGramDrafter: Sendable, Equatable {
    public var maxNgram: Int
    public var minNgram: Int
    /// Tokens proposed per step at most.
    public var draftLength: Int

    public init(maxNgram: Int = 3, minNgram: Int = 1, draftLength: Int = 16) {
        precondition(minNgram >= 1 && maxNgram >= minNgram && draftLength >= 1, "n-gram sizes and draft length must be positive")
        self.maxNgram = maxNgram
        self.minNgram = minNgram
        self.draftLength = draftLength
    }

    /// Up to `min(limit, draftLength)` tokens that followed the latest earlier match of `history`'s last
    /// n-gram; empty when nothing matches.
    public func draft(_ history: [Int32], limit: Int) -> [Int32] {
        let want = min(limit, draftLength)
        let count = history.count
        guard want > 0 else { return [] }
        return history.withUnsafeBufferPointer { h -> [Int32] in
            for n in stride(from: min(maxNgram, count - 1), through: minNgram, by: -1) {
                let tail = count - n
                // a match at `start` is followed by at least one token: start + n < count
                var start = count - n - 1
                while start >= 0 {
                    var k = 0
                    while k < n && h[start + k] == h[tail + k] { k += 1 }
                    if k == n {
                        let from = start + n
                        return Array(h[from..<min(from + want, count)])
                    }
                    start -= 1
                }
            }
            return []
        }
    }
}

/// How generation guesses tokens ahead to check several per forward pass.
public enum DraftMethod: String, Sendable, CaseIterable {
    /// Plain decoding: one token per forward pass.
    case none
    /// Drafts from the context with `NGramDrafter` (prompt lookup).
    case ngram
}

/// Decoding with drafted tokens: after each emitted token, drafts the next ones and runs the token and
/// its draft through the model in one pass (`TransformerModel.decodeRun`), keeping the logits after each
/// draft token. When the next emitted token is the draft's next token, its logits are already there and
/// no forward pass runs; otherwise the rest of the draft is rolled back out of the KV cache.
///
/// Every token is still picked by the caller's sampler from the logits after the tokens before it, and
/// `decodeRun` gives bit for bit the logits of decoding one token at a time, so the output is the plain
/// decoding's, token for token, greedy or sampled with the same seed (for a draft that is a single
/// guess, sampling from p and keeping the draft token when the sample equals it is the speculative
/// sampling rule: it is kept with probability p(t), else the token comes from p without t).
struct DraftedDecoding {
    let drafter: NGramDrafter
    /// Draft tokens in the cache after the last emitted token, not yet checked, and the logits after each.
    private var pendingTokens: [Int32] = []
    private var pendingLogits: [[Float]] = []
    /// Forward passes run, draft tokens proposed, and draft tokens the sampler emitted as they were.
    private(set) var steps = 0
    private(set) var drafted = 0
    private(set) var accepted = 0
    /// Draft tokens to propose next, at most `drafter.draftLength`: doubled after a draft accepted whole,
    /// cut to one more than the accepted part after a rejected one. Each extra row costs compute (a pass of
    /// 9 rows takes far longer than one of 1), so text that does not copy gets short drafts.
    private var window: Int
    private var lastDraftCount = 0

    init(drafter: NGramDrafter) {
        self.drafter = drafter
        window = min(4, drafter.draftLength)
    }

    /// The logits after `next`, the token just emitted (the last of `history`), whose position is
    /// `history.count - 1` of `cache`. `maxFollowing`: tokens that may still be sampled after `next`
    /// (more draft tokens than that would be checked for nothing).
    mutating func logits(after next: Int32, history: [Int32], model: TransformerModel, cache: KVCache,
                         maxFollowing: Int) throws -> [Float] {
        if let first = pendingTokens.first, first == next {
            pendingTokens.removeFirst()
            accepted += 1
            return pendingLogits.removeFirst()
        }
        if lastDraftCount > 0 {
            let kept = lastDraftCount - pendingTokens.count
            window = kept == lastDraftCount ? min(window * 2, drafter.draftLength) : max(1, kept + 1)
        }
        rollBack(cache)
        // draft tokens sampled at most once each, within the cache and one pass
        let room = min(window, maxFollowing - 1, cache.capacity - history.count, model.batchSize - 1)
        let draft = drafter.draft(history, limit: room)
        lastDraftCount = draft.count
        var rows = try model.decodeRun([next] + draft, cache: cache)
        steps += 1
        drafted += draft.count
        pendingTokens = draft
        let first = rows.removeFirst()
        pendingLogits = rows
        return first
    }

    /// Drops the unchecked draft tokens from `cache`, leaving it with the emitted tokens only.
    mutating func rollBack(_ cache: KVCache) {
        cache.truncate(to: cache.count - pendingTokens.count)
        pendingTokens = []
        pendingLogits = []
    }
}
