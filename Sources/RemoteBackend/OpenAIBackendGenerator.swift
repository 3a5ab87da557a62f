import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Scaffold

/// The scaffolder's `TextGenerator` on a remote OpenAI-compatible server (vLLM, TGI, SGLang, a llama.cpp
/// server, `deepcoder serve`): streamed chat completions over HTTP with URLSession.
///
/// - Sampling: `seed`, `temperature`, `top_p`, `max_tokens`; `top_k`, `min_p` and `repeat_penalty` (and
///   vLLM's `repetition_penalty`) as the extra fields vLLM and llama.cpp's server accept.
/// - A request with a JSON schema sends `response_format: json_schema`; a server that refuses it (a 400
///   naming response_format) is asked again without it, and `followsJSONSchema` turns false, so the
///   scaffolder's own validation and re-ask apply.
/// - Retries: connection failures, 429 and 5xx are retried with exponential backoff (`Retry-After`
///   honoured) before any text arrived.
/// - The API key goes only into the Authorization header; `identity.backend` is the base URL without
///   credentials.
public final class OpenAIBackendGenerator: TextGenerator {
    public let identity: GeneratorIdentity
    public private(set) var followsJSONSchema = true
    /// The chat-completions API does not continue a prefill.
    public var continuesPrefill: Bool { false }

    let baseURL: URL
    let model: String
    private let apiKey: String?
    let policy: RetryPolicy
    private let progress: (String) -> Void

    /// How long to wait and how often to retry.
    public struct RetryPolicy: Sendable {
        public var attempts: Int
        public var firstDelay: TimeInterval
        public var idleTimeout: TimeInterval
        public init(attempts: Int = 4, firstDelay: TimeInterval = 1, idleTimeout: TimeInterval = 300) {
            self.attempts = attempts; self.firstDelay = firstDelay; self.idleTimeout = idleTimeout
        }
    }

    /// Connects: checks the server answers `GET /models` and serves `model` (nil: the only or first
    /// model it lists). Throws a `BackendError` saying what to fix when it is unreachable or the model unknown.
    public init(baseURL text: String, model: String?, apiKey: String?, policy: RetryPolicy = RetryPolicy(),
                progress: @escaping (String) -> Void = { _ in }) throws {
        let base = try Self.parseBaseURL(text)
        baseURL = base
        self.apiKey = apiKey.flatMap { $0.isEmpty ? nil : $0 }
        self.policy = policy
        self.progress = progress
        let shown = Self.withoutCredentials(base)
        let served = try Self.listModels(base, apiKey: self.apiKey, policy: policy, shown: shown, progress: progress,
                                         required: model == nil)
        if let model, let served {
            guard served.contains(model) else {
                throw BackendError("the backend \(shown) does not serve the model '\(model)'; it serves: "
                    + (served.isEmpty ? "(none listed)" : served.joined(separator: ", ")) + ". Pass --model with one of these")
            }
            self.model = model
        } else if let model {
            progress("\(shown) has no GET /models; using the model '\(model)' as given")
            self.model = model
        } else {
            guard let first = served?.first else {
                throw BackendError("the backend \(shown) lists no model at GET /models; pass --model NAME as the server knows it")
            }
            self.model = first
        }
        identity = GeneratorIdentity(modelName: self.model, modelSHA256: "remote", engine: "openai-compatible server",
                                     backend: shown)
    }

    // MARK: URLs and credentials

    /// The base URL as given (`http://host:8000/v1`), without a trailing slash; http or https only.
    public static func parseBaseURL(_ text: String) throws -> URL {
        var t = text.trimmingCharacters(in: .whitespaces)
        while t.hasSuffix("/") { t.removeLast() }
        guard let url = URL(string: t), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty else {
            throw BackendError("--backend \(text) is not an http(s) URL; give the server's base URL, e.g. http://gpu-box:8000/v1")
        }
        return url
    }

    /// The URL to show and record: no user, no password, no query.
    public static func withoutCredentials(_ url: URL) -> String {
        guard var c = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return url.absoluteString }
        c.user = nil
        c.password = nil
        c.query = nil
        c.fragment = nil
        return c.string ?? url.absoluteString
    }

    static func request(_ url: URL, method: String, apiKey: String?, body: Data? = nil) -> URLRequest {
        var r = URLRequest(url: url)
        r.httpMethod = method
        r.setValue("application/json", forHTTPHeaderField: "Accept")
        if let body {
            r.httpBody = body
            r.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let apiKey { r.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        return r
    }

    // MARK: Models

    /// The model ids the server lists; nil when it has no `GET /models` (404) and `required` is false.
    private static func listModels(_ base: URL, apiKey: String?, policy: RetryPolicy, shown: String,
                                   progress: (String) -> Void, required: Bool) throws -> [String]? {
        let url = base.appendingPathComponent("models")
        let (status, body) = try withRetries(policy: policy, shown: shown, progress: progress) {
            let stream = HTTPStream(request(url, method: "GET", apiKey: apiKey), idleTimeout: min(policy.idleTimeout, 30))
            return try readWhole(stream, shown: shown)
        }
        if status == 404 && !required { return nil }
        guard status == 200 else { throw statusError(status, body, shown: shown, what: "GET /models") }
        struct List: Decodable { struct Model: Decodable { let id: String }; let data: [Model] }
        guard let list = try? JSONDecoder().decode(List.self, from: body) else {
            throw BackendError("the backend \(shown) answered GET /models with something other than an OpenAI model list; "
                + "is --backend the API's base URL (usually ending in /v1)?")
        }
        return list.data.map(\.id)
    }

    // MARK: Generation

    public func generate(_ request: GenerationRequest, onToken: (String) -> Void) throws -> GenerationOutput {
        let t0 = Date()
        var useSchema = followsJSONSchema && request.jsonSchema != nil
        while true {
            do {
                var out = try stream(request, schema: useSchema, onToken: onToken)
                out.seconds = Date().timeIntervalSince(t0)
                return out
            } catch is SchemaRefused {
                progress("the backend refuses response_format json_schema; asking without it (the answer is checked as before)")
                followsJSONSchema = false
                useSchema = false
            }
        }
    }

    /// The request body (OpenAI chat completions, streaming).
    func body(_ request: GenerationRequest, schema: Bool) throws -> Data {
        let s = request.sampling
        var o: [String: Any] = [
            "model": model,
            "messages": request.messages.map { ["role": $0.role.rawValue, "content": $0.content] },
            "stream": true,
            "stream_options": ["include_usage": true],
            "temperature": s.temperature,
            "top_p": s.topP,
            "max_tokens": s.maxTokens,
            "seed": s.seed <= UInt64(Int64.max) ? Int64(s.seed) : Int64(s.seed & UInt64(Int64.max)),
            "top_k": s.topK,
            "min_p": s.minP,
        ]
        // always sent: llama-cpp-python's server defaults to 1.1, not 1 (off)
        o["repeat_penalty"] = s.repeatPenalty
        o["repetition_penalty"] = s.repeatPenalty
        // OpenAI takes at most 4 stop strings; all of them are also applied here
        let stops = request.stop.filter { !$0.isEmpty }
        if !stops.isEmpty { o["stop"] = Array(stops.prefix(4)) }
        if schema, let text = request.jsonSchema, let schemaObject = try? JSONSerialization.jsonObject(with: Data(text.utf8)) {
            o["response_format"] = ["type": "json_schema", "json_schema": ["name": "answer", "strict": true, "schema": schemaObject]]
        }
        return try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])
    }

    private func stream(_ request: GenerationRequest, schema: Bool, onToken: (String) -> Void) throws -> GenerationOutput {
        let url = baseURL.appendingPathComponent("chat/completions")
        let payload = try body(request, schema: schema)
        let shown = identity.backend ?? baseURL.absoluteString
        let stops = request.stop.filter { !$0.isEmpty }
        return try Self.withRetries(policy: policy, shown: shown, progress: progress) {
            let http = HTTPStream(Self.request(url, method: "POST", apiKey: apiKey, body: payload), idleTimeout: policy.idleTimeout)
            defer { http.cancel() }
            // the status first: errors are read whole, retried or reported
            let status: Int
            switch http.next() {
            case .response(let r): status = r.statusCode
            case .failure(let e): throw Unreachable(error: e)
            case .bytes, .end: throw BackendError("the backend \(shown) closed the connection without an answer")
            }
            if status != 200 {
                var data = Data()
                loop: while true {
                    switch http.next() {
                    case .bytes(let d): data += d
                    default: break loop
                    }
                }
                // a server without json_schema support says so with a 400, 422 or (llama-cpp-python) a 500
                if schema, (400...599).contains(status), String(decoding: data, as: UTF8.self).contains("response_format") {
                    throw SchemaRefused()
                }
                throw Self.statusError(status, data, shown: shown, what: "POST /chat/completions")
            }
            var events = ServerSentEvents()
            var text = ""
            var pieces = 0
            var reason = "eos"
            var usage: (prompt: Int, completion: Int)?
            var stopped = false
            func handle(_ payload: String) throws {
                if payload == "[DONE]" { stopped = true; return }
                guard let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any] else { return }
                if let error = object["error"] as? [String: Any] {
                    throw BackendError("the backend \(shown) failed while answering: \(error["message"] as? String ?? "\(error)")")
                }
                if let u = object["usage"] as? [String: Any], let p = u["prompt_tokens"] as? Int, let c = u["completion_tokens"] as? Int {
                    usage = (p, c)
                }
                for choice in object["choices"] as? [[String: Any]] ?? [] {
                    if let delta = choice["delta"] as? [String: Any], let piece = delta["content"] as? String, !piece.isEmpty {
                        text += piece
                        pieces += 1
                        // a stop string the server was not told about (past the first 4) ends the answer here
                        if let s = stops.first(where: { text.contains($0) }), let r = text.range(of: s) {
                            let kept = String(text[..<r.lowerBound])
                            let shownBefore = text.count - piece.count
                            if kept.count > shownBefore { onToken(String(kept.dropFirst(shownBefore))) }
                            text = kept
                            reason = "stop_string"
                            stopped = true
                            return
                        }
                        onToken(piece)
                    }
                    if let finish = choice["finish_reason"] as? String {
                        reason = finish == "length" ? "max_tokens" : finish == "stop" ? "eos" : finish
                    }
                }
            }
            reading: while !stopped {
                switch http.next() {
                case .bytes(let d): for p in events.append(d) { try handle(p); if stopped { break reading } }
                case .end: for p in events.finish() { try handle(p) }; break reading
                case .failure(let e):
                    throw BackendError("the backend \(shown) broke off the answer: \(e.localizedDescription); "
                        + "check the server's log, or raise its timeout")
                case .response: break
                }
            }
            var out = GenerationOutput(text: text, promptTokens: usage?.prompt ?? 0, generatedTokens: usage?.completion ?? pieces,
                                       seconds: 0, stopReason: reason)
            if schema { out.schemaComplete = reason == "eos" && (try? JSONSerialization.jsonObject(with: Data(text.utf8))) != nil }
            return out
        }
    }

    // MARK: Errors and retries

    /// The server refused `response_format` json_schema (asked again without it, not retried).
    struct SchemaRefused: Error {}

    /// A connection that could not be made (retried, then reported as unreachable).
    struct Unreachable: Error { let error: Error }

    /// Whether a status is worth another try: rate limits and server errors.
    static func isTransient(_ status: Int) -> Bool { status == 429 || status == 408 || (500...599).contains(status) }

    /// Runs `body`; on an unreachable server or a transient status it waits (1 s, 2 s, 4 s … or the
    /// server's Retry-After) and tries again, `policy.attempts` times in all.
    static func withRetries<T>(policy: RetryPolicy, shown: String, progress: (String) -> Void, _ body: () throws -> T) throws -> T {
        var delay = policy.firstDelay
        var attempt = 1
        while true {
            do {
                return try body()
            } catch let e as Unreachable {
                guard attempt < policy.attempts else {
                    throw BackendError("cannot reach the backend \(shown): \((e.error as NSError).localizedDescription); "
                        + "start the server or check --backend (its base URL, usually ending in /v1)")
                }
                progress("cannot reach \(shown) (\((e.error as NSError).localizedDescription)); retrying in \(Int(delay)) s")
            } catch let e as BackendError where e.status.map(isTransient) == true {
                guard attempt < policy.attempts else { throw e }
                progress("\(e.message); retrying in \(Int(delay)) s (\(attempt)/\(policy.attempts - 1))")
            }
            Thread.sleep(forTimeInterval: delay)
            delay *= 2
            attempt += 1
        }
    }

    /// Reads a whole (short) answer: status and body.
    static func readWhole(_ stream: HTTPStream, shown: String) throws -> (Int, Data) {
        defer { stream.cancel() }
        var status = 0
        var data = Data()
        while true {
            switch stream.next() {
            case .response(let r): status = r.statusCode
            case .bytes(let d): data += d
            case .end: return (status, data)
            case .failure(let e): throw Unreachable(error: e)
            }
        }
    }

    /// A non-200 answer as an error that says what to do.
    static func statusError(_ status: Int, _ body: Data, shown: String, what: String) -> BackendError {
        var detail = String(decoding: body.prefix(500), as: UTF8.self)
        if let o = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
            if let e = o["error"] as? [String: Any], let m = e["message"] as? String { detail = m }
            else if let m = o["error"] as? String { detail = m }
            else if let m = o["message"] as? String { detail = m }
            else if let m = o["detail"] as? String { detail = m }
        }
        let fix: String
        switch status {
        case 401, 403: fix = "set DEEPCODER_API_KEY (or OPENAI_API_KEY) to a key the server accepts"
        case 404: fix = "check --backend (the API's base URL, usually ending in /v1) and --model"
        case 429: fix = "the server is rate-limiting; try again later"
        case 500...599: fix = "the server failed; see its log"
        default: fix = "see the server's message"
        }
        return BackendError("the backend \(shown) answered \(what) with HTTP \(status): \(detail); \(fix)", status: status)
    }
}
