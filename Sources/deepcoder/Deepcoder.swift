import ArgumentParser
import Engine
import Foundation

@main
struct Deepcoder: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deepcoder",
        abstract: "Describe a small web app in plain language; get a runnable, verified Flask project.",
        discussion: """
        Everything runs on this machine: deepcoder reads GGUF model files with its own inference engine.
        Models live in $DEEPCODER_HOME/models (default ~/.cache/deepcoder/models); see `deepcoder models`.
        """,
        version: EngineInfo.version,
        subcommands: [New.self, Regen.self, Log.self, Diff.self, Undo.self, Restore.self, Reproduce.self, Generate.self, Tokenize.self, Bench.self, Models.self, ServeCommand.self]
    )

    /// ArgumentParser's own main, except that its usage errors (unknown options, bad or out-of-range
    /// values; its code is 64) exit with 2, as every other bad input does. Help and --version exit 0.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(Exit.usage)
        }
    }
}
