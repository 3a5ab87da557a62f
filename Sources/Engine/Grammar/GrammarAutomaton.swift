// The recognizer: a pushdown automaton over bytes whose configurations are sets of stacks.
//
// A stack is a chain of nodes (position, parent): the position is the next element to match in the
// innermost rule, the parent is what follows once that rule is done. Nodes are hash-consed, so equal
// stacks are the same node id and share their tails (persistent stacks). A continuation that would
// sit at the end of a rule is replaced by its parent (tail calls), so right-recursive repetitions
// keep stacks bounded. After expansion, every stack's top is a byte set; the empty stack (-1) means
// the root rule is complete.
//
// A set of stacks is interned as a state, and state × byte → state transitions are filled in lazily
// and remembered, so a recognizer walking the same states again (inside a string, between list items)
// costs one array read per byte.

final class GrammarAutomaton {
    let program: GrammarProgram

    static let emptyStack: Int32 = -1
    static let dead: Int32 = -1
    private static let unknown: Int32 = -2

    private var nodePosition: [Int32] = []
    private var nodeParent: [Int32] = []
    private var nodeIndex: [UInt64: Int32] = [:]
    private var expansions: [Int32: [Int32]] = [:]

    /// Per state: its stacks' top nodes, sorted (the empty stack -1 first when present).
    private var stateStacks: [[Int32]] = []
    private var stateIndex: [[Int32]: Int32] = [:]
    /// state * 256 + byte → next state (dead: -1; unknown yet: -2).
    private var transitions: [Int32] = []
    private(set) var initialState: Int32 = 0

    init(_ program: GrammarProgram) {
        self.program = program
        var tops: [Int32] = []
        for a in program.alternatives[Int(program.root)] {
            tops += expand(continuation(a, parent: Self.emptyStack))
        }
        initialState = intern(tops)
    }

    var stateCount: Int { stateStacks.count }
    var stackNodeCount: Int { nodePosition.count }

    /// True when the input so far is a complete match.
    func isAccepting(_ state: Int32) -> Bool { stateStacks[Int(state)].first == Self.emptyStack }

    /// True when some byte can follow.
    func canContinue(_ state: Int32) -> Bool { stateStacks[Int(state)].last.map { $0 >= 0 } ?? false }

    /// The state after `byte`, or `dead`.
    @inline(__always) func next(_ state: Int32, _ byte: UInt8) -> Int32 {
        let t = transitions[Int(state) &<< 8 | Int(byte)]
        return t != Self.unknown ? t : computeNext(state, byte)
    }

    /// The state after `bytes`, or `dead`.
    func next(_ state: Int32, bytes: some Sequence<UInt8>) -> Int32 {
        var s = state
        for b in bytes {
            s = next(s, b)
            if s == Self.dead { return s }
        }
        return s
    }

    private func computeNext(_ state: Int32, _ byte: UInt8) -> Int32 {
        var tops: [Int32] = []
        for n in stateStacks[Int(state)] where n >= 0 {
            let p = Int(nodePosition[Int(n)])
            if program.byteSets[Int(program.arguments[p])].contains(byte) {
                tops += expand(continuation(Int32(p + 1), parent: nodeParent[Int(n)]))
            }
        }
        let result = tops.isEmpty ? Self.dead : intern(tops)
        transitions[Int(state) &<< 8 | Int(byte)] = result
        return result
    }

    private func intern(_ tops: [Int32]) -> Int32 {
        let key = Array(Set(tops)).sorted()
        if let s = stateIndex[key] { return s }
        let s = Int32(stateStacks.count)
        stateStacks.append(key)
        stateIndex[key] = s
        transitions.append(contentsOf: repeatElement(Self.unknown, count: 256))
        return s
    }

    // MARK: Stacks

    private func node(_ position: Int32, parent: Int32) -> Int32 {
        let key = UInt64(UInt32(bitPattern: position)) << 32 | UInt64(UInt32(bitPattern: parent))
        if let n = nodeIndex[key] { return n }
        let n = Int32(nodePosition.count)
        nodePosition.append(position)
        nodeParent.append(parent)
        nodeIndex[key] = n
        return n
    }

    /// The stack that continues at `position` (or, at a rule's end, its parent).
    private func continuation(_ position: Int32, parent: Int32) -> Int32 {
        program.kinds[Int(position)] == .end ? parent : node(position, parent: parent)
    }

    /// The stacks with a byte set on top that `stack` stands for (rule references opened).
    private func expand(_ stack: Int32) -> [Int32] {
        if stack == Self.emptyStack { return [stack] }
        if let e = expansions[stack] { return e }
        var out: [Int32] = []
        var seen = Set<Int32>()
        expand(stack, into: &out, seen: &seen)
        expansions[stack] = out
        return out
    }

    private func expand(_ stack: Int32, into out: inout [Int32], seen: inout Set<Int32>) {
        guard seen.insert(stack).inserted else { return }
        if stack == Self.emptyStack { out.append(stack); return }
        if let e = expansions[stack] { out += e; return }
        let p = Int(nodePosition[Int(stack)])
        switch program.kinds[p] {
        case .bytes:
            out.append(stack)
        case .rule:
            let after = continuation(Int32(p + 1), parent: nodeParent[Int(stack)])
            for a in program.alternatives[Int(program.arguments[p])] {
                expand(continuation(a, parent: after), into: &out, seen: &seen)
            }
        case .end:
            break // continuations never sit on an end
        }
    }
}
