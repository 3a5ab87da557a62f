import XCTest
@testable import Engine

final class SamplerTests: XCTestCase {
    private func randomLogits(_ n: Int, seed: UInt64) -> [Float] {
        var r = SplitMix64(seed: seed)
        return (0..<n).map { _ in Float(r.nextUnitDouble() * 20 - 10) }
    }

    func testGreedyIsArgmax() {
        let logits = randomLogits(1000, seed: 1)
        let best = Int32(logits.indices.max { logits[$0] < logits[$1] }!)
        var s = Sampler(.greedy)
        XCTAssertEqual(s.sample(logits: logits, history: []), best)
        var k1 = Sampler(SamplingParameters(temperature: 1.5, topK: 1, seed: 99))
        XCTAssertEqual(k1.sample(logits: logits, history: []), best)
        var t0 = Sampler(SamplingParameters(temperature: 0, topK: 50, seed: 7))
        XCTAssertEqual(t0.sample(logits: logits, history: []), best)
    }

    func testSameSeedSameSequenceDifferentSeedDiffers() {
        let logits = [Float](repeating: 0, count: 50)  // uniform: every draw is the RNG's
        func draws(_ seed: UInt64) -> [Int32] {
            var s = Sampler(SamplingParameters(temperature: 1, topK: 0, topP: 1, minP: 0, seed: seed))
            return (0..<40).map { _ in s.sample(logits: logits, history: []) }
        }
        XCTAssertEqual(draws(5), draws(5))
        XCTAssertNotEqual(draws(5), draws(6))
        XCTAssertGreaterThan(Set(draws(5)).count, 10)
    }

    func testTopKKeepsTheKBestInOrder() {
        let logits = randomLogits(5000, seed: 3)
        let c = Sampler.topK(logits, k: 40)
        XCTAssertEqual(c.count, 40)
        let expected = logits.enumerated().sorted { $0.element > $1.element }.prefix(40).map { Int32($0.offset) }
        XCTAssertEqual(c.map(\.id), expected)
        XCTAssertEqual(Sampler.topK(logits, k: 0).count, 5000)
    }

    func testTopPAndMinPFilter() {
        var c = Sampler.topK([4, 3, 2, 1, 0].map(Float.init), k: 0)
        Sampler.softmax(&c)
        let probs = c.map(\.probability)
        XCTAssertEqual(probs.reduce(0, +), 1, accuracy: 1e-5)
        var p = c
        Sampler.topP(&p, p: probs[0] + probs[1] * 0.5)  // mass reached within the second token
        XCTAssertEqual(p.map(\.id), [0, 1])
        var m = c
        Sampler.minP(&m, p: 0.3)  // e^-1 = 0.37 ≥ 0.3 stays, e^-2 = 0.135 goes
        XCTAssertEqual(m.map(\.id), [0, 1])
    }

    func testRepeatPenalty() {
        var l: [Float] = [2, -2, 1]
        Sampler.applyRepeatPenalty(&l, history: [0, 1, 0], penalty: 2)
        XCTAssertEqual(l, [1, -4, 1])
    }

    func testSampledTokensFollowTheDistribution() {
        // Two tokens with probabilities 0.75 / 0.25 at temperature 1.
        let logits: [Float] = [log(3), 0]
        var s = Sampler(SamplingParameters(temperature: 1, topK: 0, topP: 1, minP: 0, seed: 11))
        let n = 4000
        let zeros = (0..<n).filter { _ in s.sample(logits: logits, history: []) == 0 }.count
        XCTAssertEqual(Double(zeros) / Double(n), 0.75, accuracy: 0.03)
    }

    func testStopStringFilterHoldsBackPartialMatches() {
        var f = StopStringFilter(["<|im_end|>"])
        XCTAssertEqual(f.append("Hello <|im").0, "Hello ")
        let (out, stopped) = f.append("_end|> trailing")
        XCTAssertEqual(out, "")
        XCTAssertTrue(stopped)
        XCTAssertEqual(f.text, "Hello ")
        var g = StopStringFilter(["###"])
        XCTAssertEqual(g.append("a#").0, "a")
        XCTAssertEqual(g.append("b").0, "#b")
        XCTAssertEqual(g.flush(), "")
    }
}
