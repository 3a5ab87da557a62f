// A grammar lowered to bytes: rules are lists of alternatives, each a sequence of byte sets and rule
// references, stored flat. Character classes become UTF-8 byte patterns, repetitions become
// right-recursive helper rules (so that a recognizer's stacks stay bounded in a long repetition).

/// 256 bits: which bytes a terminal accepts.
struct ByteSet: Hashable {
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    init() {}
    init(_ range: ClosedRange<UInt8>) { insert(range) }

    mutating func insert(_ range: ClosedRange<UInt8>) {
        for b in range { insert(b) }
    }

    mutating func insert(_ b: UInt8) {
        let bit = UInt64(1) << UInt64(b & 63)
        switch b >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    @inline(__always) func contains(_ b: UInt8) -> Bool {
        let w: UInt64
        switch b >> 6 {
        case 0: w = words.0
        case 1: w = words.1
        case 2: w = words.2
        default: w = words.3
        }
        return w & (UInt64(1) << UInt64(b & 63)) != 0
    }

    static func == (a: ByteSet, b: ByteSet) -> Bool { a.words == b.words }
    func hash(into h: inout Hasher) { h.combine(words.0); h.combine(words.1); h.combine(words.2); h.combine(words.3) }
}

final class GrammarProgram {
    enum Kind: UInt8 { case end, bytes, rule }

    /// Per position: what is there, and its argument (byte-set index or rule index).
    private(set) var kinds: [Kind] = []
    private(set) var arguments: [Int32] = []
    private(set) var byteSets: [ByteSet] = []
    /// Per rule: the positions where its alternatives start.
    private(set) var alternatives: [[Int32]] = []
    /// Per rule: a name for messages (helper rules are named after the rule they came from).
    private(set) var ruleNames: [String] = []
    let root: Int32

    private enum Item: Hashable { case bytes(ByteSet), rule(Int32) }

    init(_ grammar: Grammar) throws {
        var builder = Builder(grammar: grammar)
        root = try builder.lower()
        ruleNames = builder.names
        for alts in builder.bodies {
            var starts: [Int32] = []
            for seq in alts {
                starts.append(Int32(kinds.count))
                for item in seq {
                    switch item {
                    case .bytes(let set):
                        kinds.append(.bytes)
                        arguments.append(Int32(byteSets.count))
                        byteSets.append(set)
                    case .rule(let r):
                        kinds.append(.rule)
                        arguments.append(r)
                    }
                }
                kinds.append(.end)
                arguments.append(0)
            }
            alternatives.append(starts)
        }
        try checkLeftRecursion(builder.bodies)
    }

    /// A rule that can start with itself (after rules that match nothing) would expand forever.
    private func checkLeftRecursion(_ bodies: [[[Item]]]) throws {
        var nullable = [Bool](repeating: false, count: bodies.count)
        var changed = true
        while changed {
            changed = false
            for (r, alts) in bodies.enumerated() where !nullable[r] {
                if alts.contains(where: { seq in seq.allSatisfy { if case .rule(let x) = $0 { return nullable[Int(x)] }; return false } }) {
                    nullable[r] = true
                    changed = true
                }
            }
        }
        var leftEdges = [[Int]](repeating: [], count: bodies.count)
        for (r, alts) in bodies.enumerated() {
            for seq in alts {
                for item in seq {
                    guard case .rule(let x) = item else { break }
                    leftEdges[r].append(Int(x))
                    if !nullable[Int(x)] { break }
                }
            }
        }
        // depth-first search for a cycle
        var color = [UInt8](repeating: 0, count: bodies.count)
        func visit(_ r: Int) throws {
            color[r] = 1
            for x in leftEdges[r] {
                if color[x] == 1 { throw GrammarError("rule `\(ruleNames[x])` is left-recursive (it can start with itself); rewrite it with repetition") }
                if color[x] == 0 { try visit(x) }
            }
            color[r] = 2
        }
        for r in 0..<bodies.count where color[r] == 0 { try visit(r) }
    }

    /// Lowers the named rules, adding helper rules for nested alternatives, classes and repetitions.
    private struct Builder {
        let grammar: Grammar
        var bodies: [[[Item]]] = []
        var names: [String] = []
        var indexOfName: [String: Int32] = [:]
        var helperFor: [GrammarExpression: Int32] = [:]
        var currentRule = ""

        init(grammar: Grammar) { self.grammar = grammar }

        mutating func lower() throws -> Int32 {
            for name in grammar.ruleOrder {
                indexOfName[name] = Int32(bodies.count)
                bodies.append([])
                names.append(name)
            }
            for name in grammar.ruleOrder {
                currentRule = name
                let index = Int(indexOfName[name]!)
                bodies[index] = try alternativesOf(grammar.rules[name]!)
            }
            guard let root = indexOfName[grammar.root] else { throw GrammarError("the grammar has no `\(grammar.root)` rule") }
            return root
        }

        private mutating func alternativesOf(_ e: GrammarExpression) throws -> [[Item]] {
            if case .alternatives(let alts) = e { return try alts.map { try sequenceOf($0) } }
            return [try sequenceOf(e)]
        }

        private mutating func sequenceOf(_ e: GrammarExpression) throws -> [Item] {
            var out: [Item] = []
            try append(e, to: &out)
            return out
        }

        private mutating func append(_ e: GrammarExpression, to out: inout [Item]) throws {
            switch e {
            case .literal(let text):
                for b in text.utf8 { out.append(.bytes(ByteSet(b...b))) }
            case .characterClass(let ranges, let negated):
                try appendClass(UTF8Ranges.normalize(ranges, negated: negated), original: e, to: &out)
            case .anyCharacter:
                try appendClass(UTF8Ranges.normalize([], negated: true), original: e, to: &out)
            case .rule(let name):
                guard let r = indexOfName[name] else { throw GrammarError("rule `\(currentRule)` refers to `\(name)`, which is not defined") }
                out.append(.rule(r))
            case .sequence(let items):
                for item in items { try append(item, to: &out) }
            case .alternatives(let alts):
                if alts.count == 1 { try append(alts[0], to: &out); return }
                out.append(.rule(try helper(for: e) { b in try alts.map { try b.sequenceOf($0) } }))
            case .repetition(let inner, let min, let max):
                for _ in 0..<min { try append(inner, to: &out) }
                if let max {
                    if max > min { out.append(.rule(try optionalChain(inner, count: max - min))) }
                } else {
                    // R ::= inner R | ε
                    let key = GrammarExpression.repetition(inner, min: 0, max: nil)
                    if let r = helperFor[key] { out.append(.rule(r)); return }
                    let r = newRule()
                    helperFor[key] = r
                    var first = try sequenceOf(inner)
                    first.append(.rule(r))
                    bodies[Int(r)] = [first, []]
                    out.append(.rule(r))
                }
            }
        }

        /// O_k ::= inner O_(k-1) | ε, O_1 ::= inner | ε: up to `count` more repetitions.
        private mutating func optionalChain(_ inner: GrammarExpression, count: Int) throws -> Int32 {
            let key = GrammarExpression.repetition(inner, min: 0, max: count)
            if let r = helperFor[key] { return r }
            var tail: Int32? = nil
            if count > 1 { tail = try optionalChain(inner, count: count - 1) }
            let r = newRule()
            helperFor[key] = r
            var first = try sequenceOf(inner)
            if let tail { first.append(.rule(tail)) }
            bodies[Int(r)] = [first, []]
            return r
        }

        private mutating func appendClass(_ ranges: [ClosedRange<UInt32>], original: GrammarExpression, to out: inout [Item]) throws {
            let patterns = UTF8Ranges.patterns(ranges)
            if patterns.isEmpty { throw GrammarError("rule `\(currentRule)` has a character class that matches nothing") }
            var ascii = ByteSet(), hasASCII = false
            var longer: [[Item]] = []
            for p in patterns {
                if p.count == 1 { ascii.insert(p[0]); hasASCII = true } else { longer.append(p.map { .bytes(ByteSet($0)) }) }
            }
            if longer.isEmpty { out.append(.bytes(ascii)); return }
            out.append(.rule(try helper(for: original) { _ in (hasASCII ? [[.bytes(ascii)]] : []) + longer }))
        }

        private mutating func helper(for e: GrammarExpression, body: (inout Builder) throws -> [[Item]]) throws -> Int32 {
            if let r = helperFor[e] { return r }
            let r = newRule()
            helperFor[e] = r
            bodies[Int(r)] = try body(&self)
            return r
        }

        private mutating func newRule() -> Int32 {
            bodies.append([])
            names.append("\(currentRule)-\(bodies.count)")
            return Int32(bodies.count - 1)
        }
    }
}
