import ArgumentParser
import Engine
import Foundation
import Serve

/// `deepcoder serve`: the in-process engine behind an OpenAI-compatible HTTP API (the `Serve` target).
/// Exit codes: 0 stopped by Ctrl-C or SIGTERM, 2 bad options (or the address is taken), 3 the model cannot be loaded.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a model over an OpenAI-compatible HTTP API (chat completions, completions, models).",
        discussion: """
        Endpoints: POST /v1/chat/completions and POST /v1/completions (with "stream": true for server-sent events), \
        GET /v1/models, GET /health. Any OpenAI client works: set its base URL to http://HOST:PORT/v1.
        Requests are answered in the order they come; with --parallel N, up to N requests are decoded together, \
        each with its own sampling settings, and a request that comes while others decode joins them at the next \
        step (continuous batching). Ctrl-C stops taking connections and waits for in-flight requests \
        (at most --drain-seconds).
        An API key given with --api-key shows in the process list (ps) to every user of the machine; \
        --api-key-file PATH or DEEPCODER_API_KEY=KEY keep it out of it.
        Exit codes: 0 stopped, 2 bad options or the address cannot be bound, 3 the model cannot be loaded.
        """)

    @OptionGroup var model: ModelOptions

    @Option(help: "Address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 for every interface).")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on, 0 to 65535 (0: any free port; the one chosen is printed).")
    var port = 8080

    @Option(name: .customLong("api-key"), help: ArgumentHelp(
        "Require this key on every /v1 request (Authorization: Bearer KEY); 401 otherwise. A key given here is visible "
            + "to other users of this machine (ps); prefer --api-key-file or $DEEPCODER_API_KEY.", valueName: "key"))
    var apiKey: String?

    @Option(name: .customLong("api-key-file"), help: ArgumentHelp(
        "Require the key this file holds (its first line) on every /v1 request. Default when neither is given: "
            + "$DEEPCODER_API_KEY, if set (no key at all: the API is open).", valueName: "path"))
    var apiKeyFile: String?

    @Option(help: "How many requests are decoded together, 1 to 64.")
    var parallel = 1

    @Option(name: .customLong("drain-seconds"), help: "After Ctrl-C, how long in-flight requests may take before the server exits, 0 to 3600.")
    var drainSeconds = 10.0

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535 (got \(port)); 0 picks a free port") }
        guard (1...64).contains(parallel) else { throw ValidationError("--parallel must be between 1 and 64 (got \(parallel))") }
        guard drainSeconds.isFinite, (0...3600).contains(drainSeconds) else {
            throw ValidationError("--drain-seconds must be between 0 and 3600 (got \(drainSeconds))")
        }
        if let apiKey, apiKey.isEmpty { throw ValidationError("--api-key is empty; give a key, or leave the option out to serve without one") }
        if apiKey != nil, apiKeyFile != nil { throw ValidationError("give --api-key or --api-key-file, not both") }
        if host.isEmpty { throw ValidationError("--host is empty; use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)") }
    }

    func run() throws {
        try runReportingErrors {
            let key = try resolvedAPIKey()
            let lm = try model.load()
            let name = model.model ?? ModelCatalog.defaultModel.name
            let id = ModelCatalog.named(name) != nil ? name : URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent
            let config = ServeConfiguration(host: host, port: port, apiKey: key?.key, parallel: parallel, drainSeconds: drainSeconds)
            let server = OpenAIServer(model: lm, modelID: id, configuration: config) { stderrLine("deepcoder serve: " + $0) }
            if let key { stderrLine("deepcoder serve: every /v1 request must carry the API key (from \(key.source))") }
            let outcome = AsyncOutcome()
            let done = DispatchSemaphore(value: 0)
            Task.detached {
                do { try await server.run() } catch { outcome.set(error) }
                done.signal()
            }
            done.wait()
            if let error = outcome.error {
                throw CLIError(message: "cannot serve on \(host):\(port): \(error); choose another --port (0 picks a free one) "
                    + "or stop what is using it", code: Exit.usage)
            }
        }
    }
}

extension ServeCommand {
    /// The key every /v1 request must carry, and where it came from (never the key itself in messages):
    /// --api-key, else the first line of --api-key-file, else $DEEPCODER_API_KEY; nil: no key, the API is open.
    func resolvedAPIKey(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (key: String, source: String)? {
        if let apiKey { return (apiKey, "--api-key") }
        if let apiKeyFile {
            guard let data = FileManager.default.contents(atPath: apiKeyFile) else {
                throw CLIError(message: "cannot read --api-key-file \(apiKeyFile); give a readable file whose first line is the key",
                               code: Exit.usage)
            }
            let line = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first ?? ""
            let key = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !key.isEmpty else {
                throw CLIError(message: "--api-key-file \(apiKeyFile) has no key on its first line", code: Exit.usage)
            }
            return (key, "--api-key-file")
        }
        if let env = environment["DEEPCODER_API_KEY"]?.trimmingCharacters(in: .whitespacesAndNewlines), !env.isEmpty {
            return (env, "$DEEPCODER_API_KEY")
        }
        return nil
    }
}

/// The error an async task ended with, read after it signalled.
final class AsyncOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var _error: Error?
    var error: Error? { lock.withLock { _error } }
    func set(_ e: Error) { lock.withLock { _error = e } }
}
