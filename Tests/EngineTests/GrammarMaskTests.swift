import XCTest
@testable import Engine

/// Token masks from the trie walk, checked against trying every token on its own; masked sampling.
final class GrammarMaskTests: XCTestCase {
    /// A small vocabulary whose tokens span several grammar symbols (`":`, `"},{"`, `1e`, `\"`, half a
    /// UTF-8 character), with an end token (id 0, empty piece).
    static let pieces: [[UInt8]] = {
        var p: [[UInt8]] = [[]]
        let texts = ["{", "}", "[", "]", "{\"", "\":", "\": ", "\",", "\"}", "},{\"", "\"]", "\"", ",", ", ", " ", "\n", "\n  ",
                     "a", "ab", "abc", "b", "name", "na", "me", "1", "12", "1e", "e", "E", "-", "+", "0", ".", ".5", "5",
                     "true", "tr", "ue", "null", "nu", "ll", "false", "\\", "\\\"", "\\n", "\\u", "00", "e9", "00e9",
                     "é", "😀", "x\"", "id", "\"id", "\":\"", "[]", "{}", "[{", "}]"]
        for t in texts { p.append(Array(t.utf8)) }
        p.append([0xC3])            // half of é
        p.append([0xA9])            // its second half
        p.append(Array("😀".utf8.prefix(2)))
        p.append(Array("😀".utf8.suffix(2)))
        return p
    }()

    private func masks(_ grammar: Grammar) throws -> GrammarTokenMasks {
        try GrammarTokenMasks(grammar: grammar, trie: TokenTrie(pieces: Self.pieces), endTokens: [0])
    }

    /// The allowed set by brute force: every token tried from the state.
    private func bruteForce(_ c: GrammarConstraint) -> [Int32] {
        var out: [Int32] = []
        if c.isComplete { out.append(0) }
        for id in 1..<Self.pieces.count {
            var probe = c
            if probe.accept(Int32(id)) { out.append(Int32(id)) }
        }
        return out
    }

    func testTrieHoldsEveryTokenOnce() {
        let trie = TokenTrie(pieces: Self.pieces)
        XCTAssertEqual(trie.tokenIDs.sorted(), Array(1..<Int32(Self.pieces.count)))
        // preorder: every subtree ends after the node and within its parent's
        for n in 1..<trie.nodeCount { XCTAssertGreaterThan(Int(trie.subtreeEnd[n]), n) }
    }

    func testMasksEqualBruteForceAlongRandomWalks() throws {
        let schemas = [
            #"{"type": "object", "properties": {"name": {"type": "string"}, "id": {"type": "integer"}, "ok": {"type": "boolean"}}, "required": ["name"]}"#,
            #"{"type": "array", "items": {"anyOf": [{"type": "number"}, {"type": "null"}, {"type": "string"}]}}"#,
            #"{"type": "array", "items": {"type": "object", "properties": {"id": {"enum": ["a", "ab", "b"]}}, "required": ["id"]}}"#,
        ]
        var rng = SplitMix64(seed: 3)
        for schema in schemas {
            let m = try masks(try Grammar(jsonSchema: schema))
            for _ in 0..<40 {
                var c = GrammarConstraint(m)
                for _ in 0..<30 {
                    let allowed = c.allowedTokens()
                    XCTAssertEqual(allowed, bruteForce(c), schema)
                    let choices = allowed.filter { $0 != 0 }
                    if choices.isEmpty { break }
                    XCTAssertTrue(c.accept(choices[Int(rng.next() % UInt64(choices.count))]))
                }
            }
            XCTAssertGreaterThan(m.maskCacheHits, 0, "states recur, so masks come from the cache")
        }
    }

    func testEndTokenOnlyWhenComplete() throws {
        let m = try masks(try Grammar(gbnf: #"root ::= "na" "me"?"#))
        var c = GrammarConstraint(m)
        XCTAssertFalse(c.allowedTokens().contains(0))
        XCTAssertTrue(c.accept(Int32(Self.pieces.firstIndex(of: Array("na".utf8))!)))
        XCTAssertTrue(c.allowedTokens().contains(0))
        XCTAssertTrue(c.allowedTokens().contains(Int32(Self.pieces.firstIndex(of: Array("me".utf8))!)))
        XCTAssertTrue(c.accept(Int32(Self.pieces.firstIndex(of: Array("me".utf8))!)))
        XCTAssertEqual(c.allowedTokens(), [0])
        XCTAssertFalse(c.canContinue)
    }

    func testSplitUTF8TokensAreAllowedMidCharacter() throws {
        let m = try masks(try Grammar(gbnf: #"root ::= "\"" [^"]* "\"""#))
        var c = GrammarConstraint(m)
        XCTAssertTrue(c.accept(Int32(Self.pieces.firstIndex(of: Array("\"".utf8))!)))
        let halfE = Int32(Self.pieces.firstIndex(of: [0xC3])!)
        XCTAssertTrue(c.allowedTokens().contains(halfE))
        XCTAssertTrue(c.accept(halfE))
        // now only a continuation byte may follow
        let allowed = c.allowedTokens()
        XCTAssertEqual(allowed, [Int32(Self.pieces.firstIndex(of: [0xA9])!)])
    }

    func testMaskedSamplingStaysInTheAllowedSet() {
        var logits = [Float](repeating: 0, count: 50)
        for i in 0..<50 { logits[i] = Float(i) * 0.1 }   // the highest logits are not allowed
        let allowed: [Int32] = [3, 7, 11]
        var greedy = Sampler(.greedy)
        XCTAssertEqual(greedy.sample(logits: logits, history: [], allowed: allowed), 11)
        var s = Sampler(SamplingParameters(temperature: 1.5, topK: 40, topP: 1, minP: 0, seed: 9))
        var seen = Set<Int32>()
        for _ in 0..<300 {
            let t = s.sample(logits: logits, history: [], allowed: allowed)
            XCTAssertTrue(allowed.contains(t))
            seen.insert(t)
        }
        XCTAssertEqual(seen, Set(allowed), "temperature still spreads the choice over the allowed tokens")
        // the same seed gives the same choices
        var a = Sampler(SamplingParameters(temperature: 1, seed: 5)), b = Sampler(SamplingParameters(temperature: 1, seed: 5))
        for _ in 0..<20 { XCTAssertEqual(a.sample(logits: logits, history: [], allowed: allowed), b.sample(logits: logits, history: [], allowed: allowed)) }
    }
}
