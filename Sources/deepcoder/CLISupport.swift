import ArgumentParser
import Engine
import Foundation

/// Exit codes shared by every command.
enum Exit {
    static let usage: Int32 = 2        // bad input: arguments, files, directories
    static let model: Int32 = 3        // a model is missing, corrupt or fails to run
    static let incompleteAnswer: Int32 = 4  // a constrained answer was cut short before it was complete
}

/// An error the user can act on: printed as `error: …` with the fix, then exits with `code`.
struct CLIError: Error, CustomStringConvertible {
    let message: String
    let code: Int32
    var description: String { message }
}

func printError(_ s: String) { writeSafeLine(toStandardError: "error: " + s) }

func stderrLine(_ s: String) { writeSafeLine(toStandardError: s) }

/// Runs `body`, turning known errors into a message on stderr and a meaningful exit code.
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as CLIError {
        printError(e.message)
        throw ExitCode(e.code)
    } catch let e as ExitCode {
        throw e
    } catch let e as GGUFError {
        // one line (GGUFError escapes what it quotes from the file), so scripts can rely on it
        printError("\(e.description); the model file is damaged or not a model deepcoder can read (re-download it with `deepcoder models pull NAME`)")
        throw ExitCode(Exit.model)
    } catch let e as ModelError {
        printError(e.description)
        throw ExitCode(Exit.usage)
    } catch {
        printError("\(error)")
        throw ExitCode(Exit.model)
    }
}

/// Options every model-running command takes.
struct ModelOptions: ParsableArguments {
    @Option(name: [.short, .long], help: "A catalog model name (see `deepcoder models list`) or a path to a .gguf file. Default: \(ModelCatalog.defaultModel.name).")
    var model: String?

    @Option(name: [.short, .long], help: "Threads for the forward pass, 1 to 256 (default: all cores).")
    var threads: Int?

    @Option(name: .customLong("ctx-size"), help: "Context length in tokens (default: min(4096, the model's)).")
    var contextSize: Int?

    func validate() throws {
        try OptionLimits.checkThreads(threads)
        if let c = contextSize, c < 16 { throw ValidationError("--ctx-size must be at least 16") }
    }

    /// Resolves the model to a file, pulling the default catalog model on first use.
    func resolvePath(quiet: Bool = false) throws -> String {
        let store = ModelStore()
        let name = model ?? ModelCatalog.defaultModel.name
        if model == nil, let m = ModelCatalog.named(name), !store.isInstalled(m) {
            if !quiet { stderrLine("deepcoder: the default model \(name) is not installed; pulling it now (once).") }
            _ = try pullWithProgress(m, store: store)
        }
        do {
            return try store.resolve(name).url.path
        } catch {
            throw CLIError(message: "\(error)", code: Exit.model)
        }
    }

    func load(quiet: Bool = false) throws -> LanguageModel {
        let path = try resolvePath(quiet: quiet)
        let t0 = Date()
        let lm = try LanguageModel(path: path, threads: threads, contextLength: contextSize)
        if !quiet {
            stderrLine(String(format: "deepcoder: loaded %@ (%@, %d layers, %.0f MB) in %.2f s, %d threads, kernels: %@",
                              URL(fileURLWithPath: path).lastPathComponent, lm.model.config.traits.name,
                              lm.model.config.blockCount, Double(lm.file.fileSize) / 1e6, Date().timeIntervalSince(t0),
                              lm.model.pool.threadCount, EngineInfo.kernelISA))
        }
        return lm
    }
}

/// Sampling flags, with llama.cpp's defaults.
struct SamplingFlags: ParsableArguments {
    @Option(name: .long, help: "Temperature, 0 or more; 0 is greedy and deterministic.")
    var temperature: Float = 0.8
    @Option(name: .customLong("top-k"), help: "Keep the k most likely tokens, 0 or more (0: all; 1: greedy).")
    var topK: Int = 40
    @Option(name: .customLong("top-p"), help: "Keep the smallest set of tokens whose probability reaches p, in (0, 1].")
    var topP: Float = 0.95
    @Option(name: .customLong("min-p"), help: "Drop tokens less likely than p × the most likely one, p in [0, 1].")
    var minP: Float = 0.05
    @Option(name: .customLong("repeat-penalty"), help: "Penalty for tokens among the last 64, above 0 (1: none).")
    var repeatPenalty: Float = 1.0
    @Option(name: .long, help: "Random seed; the same seed gives the same text.")
    var seed: UInt64 = 0

    func validate() throws {
        try OptionLimits.checkSampling(temperature: Double(temperature), topK: topK, topP: Double(topP),
                                       minP: Double(minP), repeatPenalty: Double(repeatPenalty))
    }

    var parameters: SamplingParameters {
        SamplingParameters(temperature: temperature, topK: topK, topP: topP, minP: minP,
                           repeatPenalty: repeatPenalty, seed: seed)
    }
}

/// Pulls a catalog model with a progress bar on stderr.
func pullWithProgress(_ m: CatalogModel, store: ModelStore) throws -> URL {
    let isTTY = isatty(2) != 0
    var lastPrinted = Date.distantPast
    var lastLine = ""
    let url = try store.pull(m) { p in
        let now = Date()
        guard now.timeIntervalSince(lastPrinted) > (isTTY ? 0.1 : 2) || p.phase == .done else { return }
        lastPrinted = now
        let line = progressLine(m, p)
        if line == lastLine { return }
        lastLine = line
        FileHandle.standardError.write(Data(((isTTY ? "\r\u{1B}[K" : "") + line + (isTTY ? "" : "\n")).utf8))
    }
    if isTTY { FileHandle.standardError.write(Data("\n".utf8)) }
    return url
}

/// Reads all of standard input as bytes (nothing trimmed).
func readStandardInput() -> String {
    let data = FileHandle.standardInput.readDataToEndOfFile()
    return String(decoding: data, as: UTF8.self)
}

/// One line of a pull's progress: phase, part, bar, bytes.
func progressLine(_ m: CatalogModel, _ p: PullProgress) -> String {
    let phase: String
    switch p.phase {
    case .downloading: phase = "downloading"
    case .extracting: phase = "assembling"
    case .verifying: phase = "verifying sha256"
    case .done: phase = "done"
    }
    var line = "\(m.name): \(phase) part \(p.part)/\(p.partCount)"
    if let f = p.fraction {
        let width = 30, filled = Int(f * Double(width))
        line += " [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
        line += String(format: " %3.0f%% %.0f/%.0f MB", f * 100, Double(p.bytesDone) / 1e6, Double(p.totalBytes ?? 0) / 1e6)
    } else {
        line += String(format: " %.0f MB", Double(p.bytesDone) / 1e6)
    }
    return line
}

/// How the report says where verification ran.
func sandboxLine(_ kind: String) -> String {
    kind == "bwrap" ? "sandbox: bwrap (only the project writable, loopback network only, every process ends with its check)"
                    : "sandbox: none (the checks ran with your rights; install bubblewrap to contain them)"
}
