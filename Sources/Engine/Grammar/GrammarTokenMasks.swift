// Which tokens may come next in a grammar state: a walk of the token trie driven by the automaton's
// transitions, pruning every subtree whose prefix the grammar rejects, remembered per state. A state
// recurs often in JSON (inside any string of the same rule and context, after each list item), so most
// steps are a cache hit; a miss costs the explored part of the trie, never a scan of the vocabulary.

public final class GrammarTokenMasks {
    let automaton: GrammarAutomaton
    public let trie: TokenTrie
    /// Tokens that end generation; allowed exactly when the input so far is complete.
    let endTokens: [Int32]
    private var masks: [Int32: [Int32]] = [:]
    /// Walk statistics, for measuring.
    public private(set) var maskComputations = 0
    public private(set) var maskCacheHits = 0
    public private(set) var trieNodesVisited = 0

    public init(grammar: Grammar, trie: TokenTrie, endTokens: [Int32]) throws {
        automaton = GrammarAutomaton(try GrammarProgram(grammar))
        self.trie = trie
        self.endTokens = endTokens.sorted()
    }

    var initialState: Int32 { automaton.initialState }

    /// The sorted ids of the tokens allowed in `state`.
    func allowedTokens(_ state: Int32) -> [Int32] {
        if let m = masks[state] { maskCacheHits += 1; return m }
        maskComputations += 1
        var out: [Int32] = []
        if automaton.isAccepting(state) { out += endTokens }
        if automaton.canContinue(state) { walk(from: state, into: &out) }
        out.sort()
        masks[state] = out
        return out
    }

    private func walk(from state: Int32, into out: inout [Int32]) {
        let t = trie
        var stateAtDepth = [Int32](repeating: 0, count: t.maxDepth + 1)
        stateAtDepth[0] = state
        let count = t.nodeCount
        var n = 1
        var visited = 0
        t.byte.withUnsafeBufferPointer { byte in
            t.depth.withUnsafeBufferPointer { depth in
                t.subtreeEnd.withUnsafeBufferPointer { subtreeEnd in
                    while n < count {
                        visited += 1
                        let d = Int(depth[n])
                        let s = automaton.next(stateAtDepth[d - 1], byte[n])
                        if s == GrammarAutomaton.dead { n = Int(subtreeEnd[n]); continue }
                        stateAtDepth[d] = s
                        let a = Int(t.tokenStart[n]), b = Int(t.tokenStart[n + 1])
                        if a < b { out.append(contentsOf: t.tokenIDs[a..<b]) }
                        n += 1
                    }
                }
            }
        }
        trieNodesVisited += visited
    }
}

/// One answer being constrained: the grammar state after the tokens so far.
public struct GrammarConstraint {
    public let masks: GrammarTokenMasks
    private var state: Int32

    public init(_ masks: GrammarTokenMasks) {
        self.masks = masks
        state = masks.initialState
    }

    /// The sorted ids of the tokens that can continue a valid answer (end tokens only when complete).
    public func allowedTokens() -> [Int32] { masks.allowedTokens(state) }

    /// True when the answer so far is complete.
    public var isComplete: Bool { masks.automaton.isAccepting(state) }

    /// True when more bytes could follow.
    public var canContinue: Bool { masks.automaton.canContinue(state) }

    /// Takes a generated token; false (and no change) when the grammar rejects it.
    @discardableResult
    public mutating func accept(_ token: Int32) -> Bool {
        if masks.endTokens.contains(token) { return isComplete }
        let piece = masks.trie.pieces[Int(token)]
        if piece.isEmpty { return false }
        let s = masks.automaton.next(state, bytes: piece)
        guard s != GrammarAutomaton.dead else { return false }
        state = s
        return true
    }

    /// Takes raw bytes; false (and no change) when the grammar rejects them.
    @discardableResult
    public mutating func accept(bytes: [UInt8]) -> Bool {
        let s = masks.automaton.next(state, bytes: bytes)
        guard s != GrammarAutomaton.dead else { return false }
        state = s
        return true
    }

    /// True when `text` as a whole matches the grammar.
    public static func matches(_ text: String, masks: GrammarTokenMasks) -> Bool {
        var c = GrammarConstraint(masks)
        return c.accept(bytes: Array(text.utf8)) && c.isComplete
    }
}
