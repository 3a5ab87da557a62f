// The vocabulary's token pieces (their decoded bytes) in a trie, stored in depth-first preorder:
// a node's subtree is the contiguous range after it, so a walk can skip a rejected subtree in one step.
// Built once per tokenizer; the allowed-token mask of a grammar state is a walk that explores only
// the subtrees the grammar accepts byte by byte.

public final class TokenTrie: @unchecked Sendable {
    /// Per node (0 is the root, the empty prefix): the byte leading to it, its depth, and the end of its subtree.
    let byte: [UInt8]
    let depth: [UInt16]
    let subtreeEnd: [Int32]
    /// Tokens whose piece ends at node n: tokenIDs[tokenStart[n] ..< tokenStart[n + 1]].
    let tokenStart: [Int32]
    let tokenIDs: [Int32]
    let maxDepth: Int
    /// Each token's bytes (empty for control tokens, which the trie leaves out).
    public let pieces: [[UInt8]]

    public var nodeCount: Int { byte.count }

    /// A trie of `pieces` (index = token id); empty pieces are left out.
    public init(pieces: [[UInt8]]) {
        self.pieces = pieces
        let order = pieces.indices.filter { !pieces[$0].isEmpty }.sorted { a, b in
            pieces[a].lexicographicallyPrecedes(pieces[b])
        }
        var byte: [UInt8] = [0], depth: [UInt16] = [0], subtreeEnd: [Int32] = [0]
        var tokensOfNode: [[Int32]] = [[]]
        var path: [Int32] = [0]          // node ids along the current piece, root first
        var previous: [UInt8] = []
        for id in order {
            let p = pieces[id]
            var common = 0
            while common < min(p.count, previous.count), p[common] == previous[common] { common += 1 }
            // close the nodes below the common prefix
            while path.count > common + 1 {
                subtreeEnd[Int(path.removeLast())] = Int32(byte.count)
            }
            for k in common..<p.count {
                byte.append(p[k])
                depth.append(UInt16(min(k + 1, Int(UInt16.max))))
                subtreeEnd.append(0)
                tokensOfNode.append([])
                path.append(Int32(byte.count - 1))
            }
            tokensOfNode[Int(path.last!)].append(Int32(id))
            previous = p
        }
        while let n = path.popLast() { subtreeEnd[Int(n)] = Int32(byte.count) }
        var start: [Int32] = [], ids: [Int32] = []
        start.reserveCapacity(byte.count + 1)
        for t in tokensOfNode {
            start.append(Int32(ids.count))
            ids += t
        }
        start.append(Int32(ids.count))
        self.byte = byte
        self.depth = depth
        self.subtreeEnd = subtreeEnd
        self.tokenStart = start
        self.tokenIDs = ids
        self.maxDepth = Int(depth.max() ?? 0)
    }

    /// The trie of a tokenizer's vocabulary (pieces as generation would print them).
    public convenience init(tokenizer: BPETokenizer) {
        self.init(pieces: (0..<tokenizer.vocabularySize).map { tokenizer.piece(Int32($0)) })
    }
}
