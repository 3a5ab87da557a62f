import ArgumentParser
import Engine
import Foundation

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the model on a prompt and stream the answer (like the tutorial's generate()).",
        discussion: """
        The prompt is wrapped in the model's chat template (system + user turn) unless --raw is given.
        Text streams to stdout; a summary with tokens/s goes to stderr.

        Examples:
          deepcoder generate -p "Write a Flask app that says hello"
          echo "def fib(n):" | deepcoder generate --raw --temperature 0 -n 64
          deepcoder generate --json-schema person.schema.json -p "Describe a city as JSON"
          deepcoder generate --grammar answer.gbnf -p "Yes or no?"

        With --json-schema or --grammar, tokens that cannot continue a valid answer are masked before
        sampling. An answer cut short (max tokens, a stop string) is reported on stderr and exits with
        status 4: it is never a valid answer.
        """
    )

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var sampling: SamplingFlags
    @OptionGroup var constraint: GrammarOptions

    @Option(name: [.short, .long], help: "The prompt (default: read standard input).")
    var prompt: String?
    @Option(name: .long, help: "A system message for the chat template.")
    var system: String?
    @Flag(name: .long, help: "Pass the prompt to the model as is, without the chat template (special tokens are still parsed).")
    var raw = false
    @Option(name: [.customShort("n"), .customLong("max-tokens")], help: "Stop after this many generated tokens.")
    var maxTokens: Int = 512
    @Option(name: .customLong("stop"), help: "Stop when the output contains this text (repeatable).")
    var stop: [String] = []
    @Flag(name: .long, help: "Print only the generated text (no summary on stderr).")
    var quiet = false
    @Option(help: "Draft tokens ahead: none, or ngram (from the prompt and answer so far; the same tokens, checked several per forward pass).")
    var draft: DraftMethod = .none

    func validate() throws {
        if maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1") }
    }

    func run() throws {
        try runReportingErrors {
            let grammar = try constraint.grammar()
            if constraint.printGrammar, let schema = try constraint.schemaText() {
                print(try JSONSchemaCompiler.gbnf(fromSchemaText: schema), terminator: "")
                return
            }
            let text = prompt ?? readStandardInput()
            if text.isEmpty { throw CLIError(message: "the prompt is empty; pass --prompt TEXT or pipe text on stdin", code: Exit.usage) }
            let lm = try modelOptions.load(quiet: quiet)
            let ids: [Int32]
            var stops = stop
            if raw {
                ids = lm.tokenizer.encode(text, addSpecial: true, parseSpecial: true)
            } else {
                var messages: [ChatMessage] = []
                if let system { messages.append(ChatMessage(role: .system, content: system)) }
                messages.append(ChatMessage(role: .user, content: text))
                do {
                    ids = try lm.chatPrompt(messages)
                    stops += try lm.chatTemplate().stopStrings
                } catch {
                    throw CLIError(message: "\(error)", code: Exit.usage)
                }
            }
            if ids.isEmpty {
                // the text is not empty (checked above): the vocabulary has no token for any of it
                throw CLIError(message: "the model's vocabulary has no tokens for the prompt's text; the model file may be damaged", code: Exit.model)
            }
            let options = GenerationOptions(maxTokens: maxTokens, sampling: sampling.parameters, stopStrings: stops, grammar: grammar, draft: draft)
            let out = FileHandle.standardOutput
            let result = try lm.generate(prompt: ids, options: options) { piece in
                out.write(Data(piece.utf8))
                return true
            }
            if !result.text.hasSuffix("\n") { out.write(Data("\n".utf8)) }
            if !quiet { stderrLine("deepcoder: " + result.summary) }
            if result.grammarStatus == .incomplete {
                throw CLIError(message: "the answer was cut short (\(result.stopReason.rawValue)) before the grammar was complete; "
                    + "it is not a valid answer. Raise --max-tokens and run again.", code: Exit.incompleteAnswer)
            }
            if let schema = try constraint.schemaText() {
                let problems = try JSONSchemaValidator.problems(text: result.text, schemaText: schema)
                if !problems.isEmpty {
                    throw CLIError(message: "the answer does not validate against the schema: " + problems.joined(separator: "; "), code: Exit.model)
                }
            }
        }
    }
}
