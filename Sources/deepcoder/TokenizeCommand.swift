import ArgumentParser
import Engine
import Foundation

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the token ids of a text, exactly as the model sees it.",
        discussion: """
        The text is taken byte for byte (nothing trimmed) from the argument or standard input; chat markup
        such as <|im_start|> is parsed as special tokens. Prints `id<TAB>piece` per line, or with --ids
        the ids separated by spaces (as llama.cpp's llama-tokenize).
        """
    )

    @OptionGroup var modelOptions: ModelOptions
    @Flag(name: .long, help: "Print only the ids, separated by spaces.")
    var ids = false
    @Flag(name: .customLong("no-parse-special"), help: "Treat chat markup as plain text.")
    var noParseSpecial = false
    @Argument(help: "The text (default: standard input).")
    var text: String?

    func run() throws {
        try runReportingErrors {
            let input = text ?? readStandardInput()
            let path = try modelOptions.resolvePath(quiet: true)
            let file = try GGUFFile(path: path)
            let tok = try BPETokenizer(Vocabulary(file: file))
            let tokens = tok.encode(input, addSpecial: true, parseSpecial: !noParseSpecial)
            var out = ""
            if ids {
                out = tokens.map(String.init).joined(separator: " ") + "\n"
            } else {
                for t in tokens {
                    out += "\(t)\t\(String(decoding: tok.piece(t, special: true), as: UTF8.self))\n"
                }
            }
            FileHandle.standardOutput.write(Data(out.utf8))
        }
    }
}
