import Engine
import Foundation

/// A `POST /v1/chat/completions` or `POST /v1/completions` body, read field by field: unknown fields are
/// ignored, a known field of the wrong type or out of range is a 400 naming it, and OpenAI features the
/// engine does not have (`n` > 1, tools, logprobs, penalties) are refused rather than silently dropped.
struct CompletionRequest {
    enum Input {
        case chat([ChatMessage])
        case text(String)
    }

    var input: Input
    var model: String?
    var stream = false
    var includeUsage = false
    /// nil: as many as the context has room for.
    var maxTokens: Int?
    var sampling: SamplingParameters
    var stop: [String] = []
    /// A JSON schema (`response_format: {type: "json_schema", …}`) the answer is constrained to.
    var jsonSchema: String?

    /// The most stop strings a request may give (OpenAI's limit).
    static let maxStops = 4

    init(body: Data, chat: Bool) throws {
        let root: JSONValue
        do { root = try JSONDecoder().decode(JSONValue.self, from: body) } catch {
            throw OpenAIError.invalid("the request body is not valid JSON: send a JSON object such as "
                + (chat ? #"{"messages": [{"role": "user", "content": "Hello"}]}"# : #"{"prompt": "Hello"}"#),
                code: "invalid_json")
        }
        guard case .object(let o) = root else {
            throw OpenAIError.invalid("the request body must be a JSON object, not \(root.typeName)")
        }
        let f = Fields(o)
        if chat {
            input = .chat(try Self.messages(f))
        } else {
            input = .text(try Self.prompt(f))
        }
        model = try f.string("model")
        stream = try f.bool("stream") ?? false
        if let options = try f.object("stream_options") { includeUsage = try Fields(options, prefix: "stream_options.").bool("include_usage") ?? false }

        // max_completion_tokens is the newer name of max_tokens
        let limit = try f.int("max_completion_tokens") ?? f.int("max_tokens")
        if let limit, limit < 1 {
            throw OpenAIError.invalid("max_tokens must be at least 1 (got \(limit)); leave it out to generate until the answer ends",
                                      param: "max_tokens")
        }
        maxTokens = limit

        // OpenAI's defaults (temperature 1, top_p 1); top_k and min_p as llama.cpp's server takes them
        var s = SamplingParameters(temperature: 1, topK: 40, topP: 1, minP: 0.05, repeatPenalty: 1, seed: UInt64.random(in: 0...UInt64(UInt32.max)))
        if let t = try f.number("temperature") {
            guard t >= 0, t <= 2 else { throw OpenAIError.invalid("temperature must be between 0 and 2 (got \(t))", param: "temperature") }
            s.temperature = Float(t)
        }
        if let p = try f.number("top_p") {
            guard p > 0, p <= 1 else { throw OpenAIError.invalid("top_p must be in (0, 1] (got \(p))", param: "top_p") }
            s.topP = Float(p)
        }
        if let k = try f.int("top_k") {
            guard k >= 0 else { throw OpenAIError.invalid("top_k must be 0 or more (0: all tokens; got \(k))", param: "top_k") }
            s.topK = k
        }
        if let m = try f.number("min_p") {
            guard m >= 0, m <= 1 else { throw OpenAIError.invalid("min_p must be in [0, 1] (got \(m))", param: "min_p") }
            s.minP = Float(m)
        }
        if let r = try f.number("repeat_penalty") {
            guard r > 0 else { throw OpenAIError.invalid("repeat_penalty must be above 0 (1: none; got \(r))", param: "repeat_penalty") }
            s.repeatPenalty = Float(r)
        }
        if let seed = try f.number("seed") {
            guard let whole = Int64(exactly: seed), whole >= 0 else {
                throw OpenAIError.invalid("seed must be a whole number, 0 or more (got \(seed))", param: "seed")
            }
            s.seed = UInt64(whole)
        }
        sampling = s

        switch o["stop"] {
        case nil, .null?: break
        case .string(let one)?: stop = [one]
        case .array(let many)?:
            stop = try many.map { v -> String in
                guard case .string(let s) = v else { throw OpenAIError.invalid("stop must be a string or an array of strings", param: "stop") }
                return s
            }
            guard stop.count <= Self.maxStops else {
                throw OpenAIError.invalid("stop takes at most \(Self.maxStops) strings (got \(stop.count))", param: "stop")
            }
        case let other?: throw OpenAIError.invalid("stop must be a string or an array of strings, not \(other.typeName)", param: "stop")
        }

        if let n = try f.int("n"), n != 1 { throw OpenAIError.unsupported("n", "ask for one choice (n: 1) and send several requests for more") }
        if let b = try f.int("best_of"), b != 1 { throw OpenAIError.unsupported("best_of", "leave it out") }
        for penalty in ["presence_penalty", "frequency_penalty"] {
            if let p = try f.number(penalty), p != 0 { throw OpenAIError.unsupported(penalty, "leave it out or use repeat_penalty") }
        }
        switch o["logprobs"] {
        case .bool(true)?: throw OpenAIError.unsupported("logprobs", "leave it out")
        case .number(let n)? where n > 0: throw OpenAIError.unsupported("logprobs", "leave it out")
        default: break
        }
        if try f.bool("echo") == true { throw OpenAIError.unsupported("echo", "leave it out") }
        if case .object(let bias)? = o["logit_bias"], !bias.isEmpty { throw OpenAIError.unsupported("logit_bias", "leave it out") }
        if case .array(let tools)? = o["tools"], !tools.isEmpty {
            throw OpenAIError.unsupported("tools", "describe the function in the prompt and use response_format json_schema for its arguments")
        }
        if case .array(let fns)? = o["functions"], !fns.isEmpty { throw OpenAIError.unsupported("functions", "leave it out") }
        if let suffix = try f.string("suffix"), !suffix.isEmpty { throw OpenAIError.unsupported("suffix", "leave it out") }

        if let format = try f.object("response_format") {
            jsonSchema = try Self.schema(format)
        }
    }

    /// `messages`: roles system/developer, user, assistant; content a string or an array of text parts.
    private static func messages(_ f: Fields) throws -> [ChatMessage] {
        guard let list = try f.array("messages") else {
            throw OpenAIError.invalid("'messages' is required: an array such as [{\"role\": \"user\", \"content\": \"Hello\"}]",
                                      param: "messages")
        }
        guard !list.isEmpty else { throw OpenAIError.invalid("'messages' is empty: send at least one message", param: "messages") }
        return try list.enumerated().map { i, value in
            let param = "messages[\(i)]"
            guard case .object(let m) = value else {
                throw OpenAIError.invalid("\(param) must be an object with 'role' and 'content', not \(value.typeName)", param: param)
            }
            let mf = Fields(m, prefix: param + ".")
            guard let roleName = try mf.string("role") else { throw OpenAIError.invalid("\(param).role is required", param: param + ".role") }
            let role: ChatMessage.Role
            switch roleName {
            case "system", "developer": role = .system
            case "user": role = .user
            case "assistant": role = .assistant
            default:
                throw OpenAIError.invalid("\(param).role '\(roleName)' is not supported: use system, developer, user or assistant"
                    + " (tool messages are not supported)", param: param + ".role")
            }
            let content: String
            switch m["content"] {
            case .string(let s)?: content = s
            case .null?, nil where role == .assistant: content = ""
            case .array(let parts)?:
                content = try parts.enumerated().map { j, part -> String in
                    guard case .object(let p) = part, case .string("text")? = p["type"], case .string(let text)? = p["text"] else {
                        throw OpenAIError.invalid("\(param).content[\(j)] must be a text part {\"type\": \"text\", \"text\": …}; "
                            + "images and audio are not supported", param: "\(param).content[\(j)]")
                    }
                    return text
                }.joined()
            case let other:
                throw OpenAIError.invalid("\(param).content must be a string or an array of text parts, not \(other?.typeName ?? "missing")",
                                          param: param + ".content")
            }
            return ChatMessage(role: role, content: content)
        }
    }

    /// `prompt` of the completions endpoint: a string, or an array of one string.
    private static func prompt(_ f: Fields) throws -> String {
        switch f.values["prompt"] {
        case .string(let s)?: return s
        case .array(let a)? where a.count == 1:
            if case .string(let s) = a[0] { return s }
            throw OpenAIError.invalid("prompt must be a string (token-id prompts are not supported)", param: "prompt")
        case .array?:
            throw OpenAIError.invalid("prompt must be one string: send one request per prompt", param: "prompt")
        case nil:
            throw OpenAIError.invalid("'prompt' is required: a string for the model to continue", param: "prompt")
        case let other?:
            throw OpenAIError.invalid("prompt must be a string, not \(other.typeName)", param: "prompt")
        }
    }

    /// `response_format`: `text`, or `json_schema` with its `schema`; `json_object` is refused.
    private static func schema(_ format: [String: JSONValue]) throws -> String? {
        let f = Fields(format, prefix: "response_format.")
        switch try f.string("type") {
        case nil, "text"?: return nil
        case "json_schema"?:
            guard let spec = try f.object("json_schema"), case .object(let schema)? = spec["schema"] else {
                throw OpenAIError.invalid("response_format json_schema needs json_schema.schema, a JSON schema object",
                                          param: "response_format.json_schema.schema")
            }
            let text = JSONValue.object(schema).jsonText
            do { _ = try Grammar(jsonSchema: text) } catch {
                throw OpenAIError.invalid("response_format's schema cannot be followed: \(error)", param: "response_format.json_schema.schema")
            }
            return text
        case "json_object"?:
            throw OpenAIError.unsupported("response_format", "use {\"type\": \"json_schema\", \"json_schema\": {\"schema\": …}} instead of json_object")
        case let other?:
            throw OpenAIError.invalid("response_format.type '\(other)' is unknown: use text or json_schema", param: "response_format.type")
        }
    }
}

/// Typed reads of an object's fields; a wrong type is a 400 naming the field. Absent or null: nil.
struct Fields {
    let values: [String: JSONValue]
    let prefix: String
    init(_ values: [String: JSONValue], prefix: String = "") { self.values = values; self.prefix = prefix }

    private func wrong(_ key: String, _ want: String, _ got: JSONValue) -> OpenAIError {
        .invalid("\(prefix)\(key) must be \(want), not \(got.typeName)", param: prefix + key)
    }

    func string(_ key: String) throws -> String? {
        switch values[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case let v?: throw wrong(key, "a string", v)
        }
    }

    func bool(_ key: String) throws -> Bool? {
        switch values[key] {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        case let v?: throw wrong(key, "a boolean", v)
        }
    }

    func number(_ key: String) throws -> Double? {
        switch values[key] {
        case nil, .null?: return nil
        case .number(let d)? where d.isFinite: return d
        case let v?: throw wrong(key, "a number", v)
        }
    }

    /// A whole number that fits in 32 bits (larger counts than that are never meaningful here).
    func int(_ key: String) throws -> Int? {
        guard let d = try number(key) else { return nil }
        guard let i = Int32(exactly: d) else {
            throw OpenAIError.invalid("\(prefix)\(key) must be a whole number between \(Int32.min) and \(Int32.max) (got \(d))",
                                      param: prefix + key)
        }
        return Int(i)
    }

    func object(_ key: String) throws -> [String: JSONValue]? {
        switch values[key] {
        case nil, .null?: return nil
        case .object(let o)?: return o
        case let v?: throw wrong(key, "an object", v)
        }
    }

    func array(_ key: String) throws -> [JSONValue]? {
        switch values[key] {
        case nil, .null?: return nil
        case .array(let a)?: return a
        case let v?: throw wrong(key, "an array", v)
        }
    }
}
