import Engine
import Foundation
import Hummingbird
import Logging
import NIOCore

/// How `deepcoder serve` listens and whom it answers.
public struct ServeConfiguration: Sendable {
    public var host: String
    /// 0: any free port (the one chosen is printed).
    public var port: Int
    /// When set, every /v1 request must carry `Authorization: Bearer KEY` (or `x-api-key`); 401 otherwise.
    public var apiKey: String?
    /// Requests decoded together at most (`GenerationQueue`).
    public var parallel: Int
    /// After Ctrl-C or SIGTERM, in-flight requests get this long to finish before the server exits.
    public var drainSeconds: Double
    /// The largest request body read, in bytes.
    public var maxBodyBytes: Int

    public init(host: String = "127.0.0.1", port: Int = 8080, apiKey: String? = nil, parallel: Int = 1,
                drainSeconds: Double = 10, maxBodyBytes: Int = 4 << 20) {
        self.host = host; self.port = port; self.apiKey = apiKey; self.parallel = parallel
        self.drainSeconds = drainSeconds; self.maxBodyBytes = maxBodyBytes
    }
}

/// An OpenAI-compatible HTTP API over one in-process model: `POST /v1/chat/completions` and
/// `POST /v1/completions` (streaming with server-sent events, or not), `GET /v1/models`, `GET /health`.
/// Every request's generation goes through one `GenerationQueue`, the model's only user.
public final class OpenAIServer: @unchecked Sendable {
    let queue: GenerationQueue
    let modelID: String
    let configuration: ServeConfiguration
    let contextLength: Int
    let created = Int(Date().timeIntervalSince1970)
    private let log: @Sendable (String) -> Void

    /// `modelID` is the name clients give as `model` (and `GET /v1/models` lists).
    public init(model: LanguageModel, modelID: String, configuration: ServeConfiguration,
                log: @escaping @Sendable (String) -> Void) {
        queue = GenerationQueue(model: model, parallel: configuration.parallel)
        self.modelID = modelID
        self.configuration = configuration
        contextLength = model.model.contextLength
        self.log = log
    }

    /// Serves until SIGINT or SIGTERM, then drains in-flight requests for at most `drainSeconds`.
    public func run() async throws {
        let router = Router(context: ServeRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        if let key = configuration.apiKey { router.add(middleware: APIKeyMiddleware(key: key)) }
        router.get("/health") { _, _ in self.json(["status": .string("ok"), "model": .string(self.modelID),
                                                   "requests": .number(Double(self.queue.load)),
                                                   "cancelled": .number(Double(self.queue.cancelled))]) }
        router.get("/v1/models") { _, _ in self.modelsResponse() }
        router.get("/v1/models/:id") { _, context in
            guard context.parameters.get("id") == self.modelID else { throw self.unknownModel(context.parameters.get("id") ?? "") }
            return self.json(self.modelObject)
        }
        router.post("/v1/chat/completions") { request, context in try await self.complete(request, channel: context.channel, chat: true) }
        router.post("/v1/completions") { request, context in try await self.complete(request, channel: context.channel, chat: false) }

        var logger = Logger(label: "deepcoder.serve")
        logger.logLevel = .error
        let host = configuration.host, id = modelID, parallel = queue.parallel, log = self.log
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "deepcoder"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                log("listening on http://\(host):\(port)/v1 (model \(id), \(parallel) at once); Ctrl-C stops")
            },
            logger: logger)
        let watchdog = ShutdownWatchdog(seconds: configuration.drainSeconds, queue: queue, log: log)
        watchdog.install()
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        log("stopped")
    }

    // MARK: Endpoints

    private var modelObject: JSONValue {
        .object(["id": .string(modelID), "object": .string("model"), "created": .number(Double(created)),
                 "owned_by": .string("deepcoder")])
    }

    private func modelsResponse() -> Response {
        json(["object": .string("list"), "data": .array([modelObject])])
    }

    private func unknownModel(_ name: String) -> OpenAIError {
        OpenAIError(status: 404, message: "the model '\(name)' is not served here: this server serves '\(modelID)' "
            + "(GET /v1/models lists it); send that as 'model' or leave it out", type: "invalid_request_error",
                    param: "model", code: "model_not_found")
    }

    private func complete(_ request: Request, channel: any Channel, chat: Bool) async throws -> Response {
        var request = request
        let body: ByteBuffer
        do { body = try await request.collectBody(upTo: configuration.maxBodyBytes) } catch {
            throw OpenAIError(status: 413, message: "the request body is larger than \(configuration.maxBodyBytes) bytes; "
                + "send a shorter prompt", type: "invalid_request_error", code: "request_too_large")
        }
        let parsed = try CompletionRequest(body: Data(buffer: body), chat: chat)
        if let name = parsed.model, name != modelID { throw unknownModel(name) }
        let job = try makeJob(parsed)
        queue.submit(job)
        let id = (chat ? "chatcmpl-" : "cmpl-") + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let reply = Reply(id: id, chat: chat, model: modelID, created: Int(Date().timeIntervalSince1970))
        if parsed.stream {
            return stream(job, reply: reply, includeUsage: parsed.includeUsage)
        }
        // a whole answer is written only at the end, so no failed write tells that the client left: the
        // connection's end does (the client closed it, or its sending half)
        let watcher = DisconnectWatcher(job)
        let watching = (try? await channel.pipeline.addHandler(watcher, position: .first).get()) != nil
        if !channel.isActive { job.cancel() }
        defer { if watching { channel.pipeline.removeHandler(watcher, promise: nil) } }
        var text = ""
        for await event in job.events {
            switch event {
            case .text(let piece): text += piece
            case .finished(let result): return json(reply.whole(text: text, result: result))
            case .failed(let message): throw OpenAIError(status: 500, message: "generation failed: \(message)", type: "server_error")
            }
        }
        // the stream ended without an outcome: the request was cancelled
        throw OpenAIError(status: 499, message: "the request was cancelled", type: "server_error")
    }

    /// The prompt's tokens and the generation options; a prompt the context cannot hold is a 400.
    private func makeJob(_ r: CompletionRequest) throws -> GenerationJob {
        let lm = queue.model
        var stops = r.stop
        let prompt: [Int32]
        switch r.input {
        case .chat(let messages):
            do {
                prompt = try lm.chatPrompt(messages)
                stops += try lm.chatTemplate().stopStrings
            } catch {
                throw OpenAIError.invalid("the model's chat template cannot be applied: \(error); use /v1/completions with your own prompt")
            }
        case .text(let text):
            prompt = lm.tokenizer.encode(text, addSpecial: true, parseSpecial: false)
        }
        guard !prompt.isEmpty else { throw OpenAIError.invalid("the prompt has no tokens; give the model some text", param: "prompt") }
        let room = contextLength - prompt.count
        guard room >= 1 else {
            throw OpenAIError.invalid("the prompt has \(prompt.count) tokens but the context holds \(contextLength); "
                + "shorten the prompt (or restart the server with a larger --ctx-size)", param: "messages", code: "context_length_exceeded")
        }
        // a max_tokens larger than the room left is cut to it: the answer then ends with finish_reason "length"
        let maxTokens = min(r.maxTokens ?? room, room)
        let grammar = try r.jsonSchema.map { try Grammar(jsonSchema: $0) }
        let options = GenerationOptions(maxTokens: maxTokens, sampling: r.sampling, stopStrings: stops, grammar: grammar)
        return GenerationJob(prompt: prompt, options: options)
    }

    /// Server-sent events: one chunk per piece of text, a last chunk with the finish reason, `[DONE]`.
    /// A client that goes away cancels its generation (the write fails; the job's stream ends).
    private func stream(_ job: GenerationJob, reply: Reply, includeUsage: Bool) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let body = ResponseBody { writer in
            func send(_ value: JSONValue) async throws {
                try await writer.write(ByteBuffer(string: "data: \(value.jsonText)\n\n"))
            }
            do {
                if reply.chat { try await send(reply.chunk(delta: ["role": .string("assistant"), "content": .string("")])) }
                for await event in job.events {
                    switch event {
                    case .text(let piece):
                        try await send(reply.chat ? reply.chunk(delta: ["content": .string(piece)]) : reply.chunk(text: piece))
                    case .finished(let result):
                        try await send(reply.chat ? reply.chunk(delta: [:], finish: result) : reply.chunk(text: "", finish: result))
                        if includeUsage { try await send(reply.usageChunk(result)) }
                    case .failed(let message):
                        let e = OpenAIError(status: 500, message: "generation failed: \(message)", type: "server_error")
                        try await writer.write(ByteBuffer(string: "data: \(e.body)\n\n"))
                    }
                }
                try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                try await writer.finish(nil)
            } catch {
                job.cancel()
                throw error
            }
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    func json(_ object: [String: JSONValue]) -> Response {
        json(.object(object))
    }

    func json(_ value: JSONValue) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.jsonText)))
    }
}

/// The request context: Hummingbird's basic one, and the connection's channel (to see a client leave).
struct ServeRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// Sits first in a connection's pipeline while a whole (non-streamed) answer is generated, and cancels
/// its job when the client goes: the connection's input ends (the client closed it, or shut its sending
/// half) or the connection closes. Everything passes through unchanged.
final class DisconnectWatcher: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny
    let job: GenerationJob

    init(_ job: GenerationJob) { self.job = job }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? ChannelEvent, e == .inputClosed { job.cancel() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        job.cancel()
        context.fireChannelInactive()
    }
}

/// The shape of one request's answers (whole, or chunk by chunk).
struct Reply {
    let id: String
    let chat: Bool
    let model: String
    let created: Int

    static func finishReason(_ r: StopReason) -> JSONValue {
        switch r {
        case .endOfGeneration, .stopString: return .string("stop")
        case .maxTokens, .contextFull: return .string("length")
        case .cancelled: return .string("cancelled")
        }
    }

    func usage(_ r: GenerationResult) -> JSONValue {
        .object(["prompt_tokens": .number(Double(r.promptTokenCount)), "completion_tokens": .number(Double(r.tokens.count)),
                 "total_tokens": .number(Double(r.promptTokenCount + r.tokens.count))])
    }

    private func envelope(_ object: String, _ choices: [JSONValue], usage: JSONValue? = nil) -> JSONValue {
        var o: [String: JSONValue] = ["id": .string(id), "object": .string(object), "created": .number(Double(created)),
                                      "model": .string(model), "choices": .array(choices)]
        if let usage { o["usage"] = usage }
        return .object(o)
    }

    func whole(text: String, result: GenerationResult) -> JSONValue {
        let choice: JSONValue = chat
            ? .object(["index": .number(0), "message": .object(["role": .string("assistant"), "content": .string(text)]),
                       "finish_reason": Self.finishReason(result.stopReason), "logprobs": .null])
            : .object(["index": .number(0), "text": .string(text), "finish_reason": Self.finishReason(result.stopReason), "logprobs": .null])
        return envelope(chat ? "chat.completion" : "text_completion", [choice], usage: usage(result))
    }

    func chunk(delta: [String: JSONValue], finish: GenerationResult? = nil) -> JSONValue {
        envelope("chat.completion.chunk", [.object(["index": .number(0), "delta": .object(delta), "logprobs": .null,
                                                    "finish_reason": finish.map { Self.finishReason($0.stopReason) } ?? .null])])
    }

    func chunk(text: String, finish: GenerationResult? = nil) -> JSONValue {
        envelope("text_completion", [.object(["index": .number(0), "text": .string(text), "logprobs": .null,
                                              "finish_reason": finish.map { Self.finishReason($0.stopReason) } ?? .null])])
    }

    /// The last chunk with `stream_options.include_usage`: no choices, the usage.
    func usageChunk(_ result: GenerationResult) -> JSONValue {
        envelope(chat ? "chat.completion.chunk" : "text_completion", [], usage: usage(result))
    }
}

/// Turns every error into an OpenAI-style body: ours with their status, Hummingbird's (404, 405, …)
/// with theirs, anything else as a 500. The server answers; it does not go down.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as OpenAIError {
            return Self.response(e)
        } catch let e as HTTPError {
            let type = e.status.code == 404 ? "not_found_error" : e.status.code < 500 ? "invalid_request_error" : "server_error"
            let message = e.status.code == 404
                ? "no such endpoint: \(request.method) \(request.uri.path); deepcoder serve has POST /v1/chat/completions, "
                    + "POST /v1/completions, GET /v1/models and GET /health"
                : (e.body ?? e.status.reasonPhrase)
            return Self.response(OpenAIError(status: e.status.code, message: message, type: type))
        } catch {
            return Self.response(OpenAIError(status: 500, message: "internal error: \(error)", type: "server_error"))
        }
    }

    static func response(_ e: OpenAIError) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: HTTPResponse.Status(code: e.status), headers: headers,
                        body: .init(byteBuffer: ByteBuffer(string: e.body)))
    }
}

/// `--api-key`: every /v1 request carries `Authorization: Bearer KEY` or `x-api-key: KEY`; /health is open.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let key: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/v1") else { return try await next(request, context) }
        var given = request.headers[.authorization].flatMap { h -> String? in
            h.lowercased().hasPrefix("bearer ") ? String(h.dropFirst(7)).trimmingCharacters(in: .whitespaces) : nil
        }
        if given == nil { given = request.headers.first { $0.name.canonicalName == "x-api-key" }?.value }
        guard let given, Self.equal(Array(given.utf8), Array(key.utf8)) else { throw OpenAIError.unauthorized }
        return try await next(request, context)
    }

    /// Compares in time that depends on the lengths only.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for (x, y) in zip(a, b) { diff |= x ^ y }
        return diff == 0
    }
}

/// The bound on draining: on the first SIGINT or SIGTERM (which also start Hummingbird's graceful
/// shutdown), the process exits after `seconds` even if requests are still running.
final class ShutdownWatchdog: @unchecked Sendable {
    let seconds: Double
    let queue: GenerationQueue
    let log: @Sendable (String) -> Void
    private var sources: [DispatchSourceSignal] = []
    private let dispatch = DispatchQueue(label: "deepcoder.serve.shutdown")

    init(seconds: Double, queue: GenerationQueue, log: @escaping @Sendable (String) -> Void) {
        self.seconds = seconds; self.queue = queue; self.log = log
    }

    func install() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: dispatch)
            source.setEventHandler { [self] in
                let n = queue.load
                log("stopping: no new connections; \(n) request\(n == 1 ? "" : "s") in flight, waiting at most "
                    + String(format: "%.0f", seconds) + " s")
                dispatch.asyncAfter(deadline: .now() + seconds) { [self] in
                    log("stopped after \(String(format: "%.0f", seconds)) s with \(queue.load) request(s) unfinished")
                    exit(0)
                }
            }
            source.resume()
            sources.append(source)
        }
    }
}
