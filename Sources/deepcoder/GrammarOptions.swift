import ArgumentParser
import Engine
import Foundation

/// `--json-schema FILE` and `--grammar FILE`: constrain the answer to a JSON schema or a GBNF grammar.
struct GrammarOptions: ParsableArguments {
    @Option(name: .customLong("json-schema"), help: "Constrain the answer to this JSON schema (a file); it always parses and validates when complete.")
    var jsonSchema: String?
    @Option(name: .customLong("grammar"), help: "Constrain the answer to this GBNF grammar (a file, llama.cpp's format; the rule `root` is the answer).")
    var grammarFile: String?
    @Flag(name: .customLong("print-grammar"), help: "Print the GBNF the JSON schema compiles to, and exit.")
    var printGrammar = false

    func validate() throws {
        if jsonSchema != nil && grammarFile != nil { throw ValidationError("give --json-schema or --grammar, not both") }
        if printGrammar && jsonSchema == nil { throw ValidationError("--print-grammar needs --json-schema") }
    }

    /// The schema text, when --json-schema is given.
    func schemaText() throws -> String? {
        try jsonSchema.map { try readText($0, what: "the JSON schema") }
    }

    /// The grammar to constrain with, nil when neither option is given; bad files are usage errors (exit 2).
    func grammar() throws -> Grammar? {
        do {
            if let text = try schemaText() { return try Grammar(jsonSchema: text) }
            if let file = grammarFile { return try Grammar(gbnf: try readText(file, what: "the grammar")) }
        } catch let e as GrammarError {
            throw CLIError(message: "\(jsonSchema != nil ? "--json-schema \(jsonSchema!)" : "--grammar \(grammarFile ?? "")"): \(e.description)", code: Exit.usage)
        }
        return nil
    }

    private func readText(_ path: String, what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError(message: "cannot read \(what) \(path)", code: Exit.usage)
        }
        guard let text = String(data: data, encoding: .utf8) else { throw CLIError(message: "\(what) \(path) is not UTF-8 text", code: Exit.usage) }
        return text
    }
}
