import Foundation

/// Sampling settings, with llama.cpp's defaults.
public struct SamplingParameters: Sendable, Equatable, Codable {
    public var temperature: Float = 0.8
    public var topK: Int = 40
    public var topP: Float = 0.95
    public var minP: Float = 0.05
    public var repeatPenalty: Float = 1.0
    /// How many recent tokens the repetition penalty looks at (llama.cpp's penalty_last_n).
    public var repeatLastN: Int = 64
    public var seed: UInt64 = 0

    public init(temperature: Float = 0.8, topK: Int = 40, topP: Float = 0.95, minP: Float = 0.05,
                repeatPenalty: Float = 1.0, repeatLastN: Int = 64, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repeatPenalty = repeatPenalty
        self.repeatLastN = repeatLastN
        self.seed = seed
    }

    /// Greedy: temperature 0 (or below) or top-k 1 always picks the most likely token.
    public var isGreedy: Bool { temperature <= 0 || topK == 1 }

    public static let greedy = SamplingParameters(temperature: 0, topK: 1, topP: 1, minP: 0)

    /// A compact description for commit trailers and logs.
    public var summary: String {
        isGreedy ? "greedy" + (repeatPenalty != 1 ? " repeat_penalty=\(repeatPenalty)" : "")
            : "temperature=\(temperature) top_k=\(topK) top_p=\(topP) min_p=\(minP) repeat_penalty=\(repeatPenalty)"
    }
}

/// A candidate token with its logit, then (after `softmax`) its probability.
public struct TokenCandidate: Equatable, Sendable {
    public var id: Int32
    public var logit: Float
    public var probability: Float = 0
}

/// Picks the next token: penalties → top-k → top-p → min-p → temperature → weighted draw, the order of
/// llama.cpp's default sampler chain. Deterministic for a given seed.
public struct Sampler: Sendable {
    public let parameters: SamplingParameters
    private var rng: SplitMix64

    public init(_ parameters: SamplingParameters) {
        self.parameters = parameters
        rng = SplitMix64(seed: parameters.seed)
    }

    public mutating func sample(logits: [Float], history: [Int32]) -> Int32 {
        var logits = logits
        return sampleInPlace(&logits, history: history)
    }

    /// Samples among `allowed` only (sorted token ids, not empty): the other logits become -inf before
    /// the usual chain, so top-k, top-p, min-p, temperature and the seed act within the allowed set.
    public mutating func sample(logits: [Float], history: [Int32], allowed: [Int32]) -> Int32 {
        precondition(!allowed.isEmpty, "no token is allowed")
        var masked = [Float](repeating: -.infinity, count: logits.count)
        for id in allowed where Int(id) < logits.count { masked[Int(id)] = logits[Int(id)] }
        return sampleInPlace(&masked, history: history)
    }

    private mutating func sampleInPlace(_ logits: inout [Float], history: [Int32]) -> Int32 {
        Sampler.applyRepeatPenalty(&logits, history: history.suffix(parameters.repeatLastN), penalty: parameters.repeatPenalty)
        if parameters.isGreedy { return Sampler.argmax(logits) }
        var c = Sampler.topK(logits, k: parameters.topK)
        // masked tokens (-inf) never take part, even when fewer than k tokens are allowed
        if let keep = c.firstIndex(where: { $0.logit == -.infinity }), keep > 0 { c.removeSubrange(keep...) }
        Sampler.softmax(&c)
        Sampler.topP(&c, p: parameters.topP)
        Sampler.minP(&c, p: parameters.minP)
        Sampler.temperature(&c, parameters.temperature)
        Sampler.softmax(&c)
        let u = Float(rng.nextUnitDouble())
        var acc: Float = 0
        for cand in c {
            acc += cand.probability
            if u < acc { return cand.id }
        }
        return c.last!.id
    }

    // MARK: The steps, each testable on its own.

    /// Index of the largest logit (lowest id on ties, as llama.cpp's greedy sampler).
    public static func argmax(_ logits: [Float]) -> Int32 {
        var best = 0
        var bestValue = -Float.infinity
        for (i, l) in logits.enumerated() where l > bestValue { best = i; bestValue = l }
        return Int32(best)
    }

    /// CTRL-style repetition penalty as llama.cpp: positive logits divided, negative multiplied,
    /// once per distinct token in the window.
    public static func applyRepeatPenalty<C: Collection>(_ logits: inout [Float], history: C, penalty: Float) where C.Element == Int32 {
        guard penalty != 1 else { return }
        for id in Set(history) where id >= 0 && Int(id) < logits.count {
            let l = logits[Int(id)]
            logits[Int(id)] = l > 0 ? l / penalty : l * penalty
        }
    }

    /// The k highest logits, sorted descending (k <= 0 keeps all). Ties keep the lower id first.
    public static func topK(_ logits: [Float], k: Int) -> [TokenCandidate] {
        let before: (TokenCandidate, TokenCandidate) -> Bool = { $0.logit > $1.logit || ($0.logit == $1.logit && $0.id < $1.id) }
        if k <= 0 || k >= logits.count {
            return logits.enumerated().map { TokenCandidate(id: Int32($0.offset), logit: $0.element) }.sorted(by: before)
        }
        // One pass keeping a sorted list of the best k: most logits lose to the current k-th at once.
        var best: [TokenCandidate] = []
        best.reserveCapacity(k + 1)
        for (i, l) in logits.enumerated() {
            if best.count == k, l <= best[k - 1].logit { continue }
            let cand = TokenCandidate(id: Int32(i), logit: l)
            var pos = best.count
            while pos > 0, before(cand, best[pos - 1]) { pos -= 1 }
            best.insert(cand, at: pos)
            if best.count > k { best.removeLast() }
        }
        return best
    }

    /// Sets probabilities from logits (candidates must be sorted descending).
    public static func softmax(_ c: inout [TokenCandidate]) {
        guard let maxLogit = c.first?.logit else { return }
        var sum: Float = 0
        for i in c.indices { c[i].probability = expf(c[i].logit - maxLogit); sum += c[i].probability }
        for i in c.indices { c[i].probability /= sum }
    }

    /// Keeps the smallest prefix whose probability mass reaches p (at least one token).
    public static func topP(_ c: inout [TokenCandidate], p: Float) {
        guard p < 1, !c.isEmpty else { return }
        var acc: Float = 0
        var keep = c.count
        for (i, cand) in c.enumerated() {
            acc += cand.probability
            if acc >= p { keep = i + 1; break }
        }
        c.removeSubrange(keep...)
    }

    /// Keeps tokens whose probability is at least p × the top probability.
    public static func minP(_ c: inout [TokenCandidate], p: Float) {
        guard p > 0, let top = c.first?.probability else { return }
        let threshold = top * p
        let keep = max(1, c.prefix { $0.probability >= threshold }.count)
        c.removeSubrange(keep...)
    }

    public static func temperature(_ c: inout [TokenCandidate], _ t: Float) {
        guard t > 0 else { return }
        for i in c.indices { c[i].logit /= t }
    }
}

/// A small, fast, seedable generator (Steele et al.'s SplitMix64), so a seed gives the same text everywhere.
public struct SplitMix64: Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 bits.
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }
}
