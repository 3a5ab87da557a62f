// The grammar as written: named rules of expressions over Unicode scalars. The GBNF parser and the
// JSON-schema compiler (through GBNF text) produce it; `GrammarProgram` lowers it to bytes.

/// One expression of a rule's body.
public indirect enum GrammarExpression: Hashable, Sendable {
    /// A literal string (matched as its UTF-8 bytes).
    case literal(String)
    /// A character class: scalar ranges, or everything but them when `negated`.
    case characterClass([ClosedRange<UInt32>], negated: Bool)
    /// Any Unicode scalar (`.`).
    case anyCharacter
    /// A reference to another rule by name.
    case rule(String)
    case sequence([GrammarExpression])
    case alternatives([GrammarExpression])
    /// `min` to `max` repetitions (`max` nil: unbounded).
    case repetition(GrammarExpression, min: Int, max: Int?)

    public static let empty = GrammarExpression.sequence([])
}

/// A grammar: its rules by name, and the rule an answer must match.
public struct Grammar: Hashable, Sendable {
    public var rules: [String: GrammarExpression]
    /// The names in the order they were defined (for printing and stable rule numbering).
    public var ruleOrder: [String]
    public var root: String

    public init(rules: [String: GrammarExpression], ruleOrder: [String], root: String = "root") {
        self.rules = rules
        self.ruleOrder = ruleOrder
        self.root = root
    }

    /// Parses GBNF text (llama.cpp's grammar format).
    public init(gbnf text: String, root: String = "root") throws {
        var parser = GBNFParser(text)
        self = try parser.parse(root: root)
    }

    /// Compiles a JSON schema (the supported subset, see `JSONSchemaCompiler`).
    public init(jsonSchema text: String) throws {
        let gbnf = try JSONSchemaCompiler.gbnf(fromSchemaText: text)
        var parser = GBNFParser(gbnf)
        self = try parser.parse(root: "root")
    }
}

/// A grammar or schema that cannot be used, with where and why.
public struct GrammarError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
