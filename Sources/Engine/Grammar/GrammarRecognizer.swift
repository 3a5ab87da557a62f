// A grammar on its own, for checking whole texts (no tokenizer): does the text match?

public final class GrammarRecognizer {
    private let automaton: GrammarAutomaton

    public init(_ grammar: Grammar) throws {
        automaton = GrammarAutomaton(try GrammarProgram(grammar))
    }

    /// True when all of `text` matches the grammar.
    public func matches(_ text: String) -> Bool {
        let s = automaton.next(automaton.initialState, bytes: Array(text.utf8))
        return s != GrammarAutomaton.dead && automaton.isAccepting(s)
    }

    /// True when `text` is the start of some text that matches.
    public func acceptsPrefix(_ text: String) -> Bool {
        automaton.next(automaton.initialState, bytes: Array(text.utf8)) != GrammarAutomaton.dead
    }
}
