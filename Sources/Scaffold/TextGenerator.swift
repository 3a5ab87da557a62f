import Foundation

// The small text-generation protocol the Scaffold pipeline runs against. The in-process engine
// conforms to it in the CLI target; tests use `ScriptedGenerator`.

public struct ChatTurn: Sendable {
    public enum Role: String, Sendable { case system, user, assistant }
    public var role: Role
    public var content: String
    public init(role: Role, content: String) { self.role = role; self.content = content }
}

public struct SamplingOptions: Sendable, Codable {
    public var temperature: Double
    public var topK: Int
    public var topP: Double
    public var minP: Double
    public var repeatPenalty: Double
    public var seed: UInt64
    public var maxTokens: Int
    public init(temperature: Double = 0.2, topK: Int = 40, topP: Double = 0.95, minP: Double = 0.05,
                repeatPenalty: Double = 1.0, seed: UInt64 = 42, maxTokens: Int = 2048) {
        self.temperature = temperature; self.topK = topK; self.topP = topP; self.minP = minP
        self.repeatPenalty = repeatPenalty; self.seed = seed; self.maxTokens = maxTokens
    }
}

public struct GenerationRequest: Sendable {
    public var messages: [ChatTurn]
    public var sampling: SamplingOptions
    public var stop: [String]
    /// The start of the answer, written by the tool; the model continues it. Only sent to generators
    /// that `continuesPrefill`; the returned text is then the continuation alone.
    public var prefill: String
    /// A JSON schema (text) the answer must follow. Generators that `followsJSONSchema` constrain their
    /// sampling to it; others ignore it (the caller validates the answer and falls back as before).
    public var jsonSchema: String?
    public init(messages: [ChatTurn], sampling: SamplingOptions, stop: [String] = [], prefill: String = "", jsonSchema: String? = nil) {
        self.messages = messages; self.sampling = sampling; self.stop = stop; self.prefill = prefill; self.jsonSchema = jsonSchema
    }
}

public struct GenerationOutput: Sendable {
    public var text: String
    public var promptTokens: Int
    public var generatedTokens: Int
    public var seconds: Double
    public var stopReason: String
    /// Prompt tokens the generator did not have to run again (a prefix shared with its previous request).
    public var reusedPromptTokens: Int
    /// For an answer constrained to `GenerationRequest.jsonSchema`: true when it is complete (it parses
    /// and validates), false when it was cut short; nil when the generator did not constrain it.
    public var schemaComplete: Bool?
    public init(text: String, promptTokens: Int, generatedTokens: Int, seconds: Double, stopReason: String, reusedPromptTokens: Int = 0) {
        self.text = text; self.promptTokens = promptTokens; self.generatedTokens = generatedTokens
        self.seconds = seconds; self.stopReason = stopReason; self.reusedPromptTokens = reusedPromptTokens
    }
}

public struct GeneratorIdentity: Sendable {
    public var modelName: String
    public var modelSHA256: String
    public var engine: String
    /// The base URL (without credentials) of the remote server that generates; nil for the in-process engine.
    /// Recorded as the `Deepcoder-Backend` trailer.
    public var backend: String?
    /// How the generator drafts tokens ahead (`ngram`), nil when it decodes plainly. Drafting changes the
    /// speed, not the tokens; recorded as the `Deepcoder-Draft` trailer.
    public var draft: String?
    public init(modelName: String, modelSHA256: String, engine: String, backend: String? = nil, draft: String? = nil) {
        self.modelName = modelName; self.modelSHA256 = modelSHA256; self.engine = engine; self.backend = backend
        self.draft = draft
    }
}

public protocol TextGenerator: AnyObject {
    var identity: GeneratorIdentity { get }
    /// True when the generator continues `GenerationRequest.prefill` instead of answering from scratch.
    var continuesPrefill: Bool { get }
    /// True when the generator constrains its answer to `GenerationRequest.jsonSchema`.
    var followsJSONSchema: Bool { get }
    func generate(_ request: GenerationRequest, onToken: (String) -> Void) throws -> GenerationOutput
    /// Answers to several requests that differ only in their sampling (best-of-N: the same messages,
    /// prefill, stops and schema); `onToken(i, piece)` streams answer i. The engine decodes them together
    /// in one batch, running the shared prompt once; the default asks one by one.
    func generateCandidates(_ requests: [GenerationRequest], onToken: (Int, String) -> Void) throws -> [GenerationOutput]
}

extension TextGenerator {
    public var continuesPrefill: Bool { false }
    public var followsJSONSchema: Bool { false }

    public func generateCandidates(_ requests: [GenerationRequest], onToken: (Int, String) -> Void) throws -> [GenerationOutput] {
        try requests.enumerated().map { i, r in try generate(r) { onToken(i, $0) } }
    }
}

/// What a scripted generator is asked: which pipeline step (from the request's first line
/// `deepcoder-task: …`), and the whole request.
public struct ScriptedGeneratorError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A `TextGenerator` for tests: answers from a list (in order) or from a closure on the request.
/// It streams the answer word by word through `onToken` and records every request it got.
public final class ScriptedGenerator: TextGenerator, @unchecked Sendable {
    /// Scripted answers are whole answers unless a test sets this: then they continue the prefill.
    public var continuesPrefill = false
    /// Scripted answers ignore schemas; a test sets this to see the requests a constraining generator gets.
    public var followsJSONSchema = false
    public let identity: GeneratorIdentity
    private let answer: (GenerationRequest, Int) throws -> String
    private let lock = NSLock()
    private var _requests: [GenerationRequest] = []

    public var requests: [GenerationRequest] { lock.withLock { _requests } }

    /// Answers from a closure; the Int is the 0-based number of this request.
    public init(identity: GeneratorIdentity = ScriptedGenerator.defaultIdentity,
                answer: @escaping (GenerationRequest, Int) throws -> String) {
        self.identity = identity
        self.answer = answer
    }

    /// Answers from a list, in order; throws when the list runs out.
    public convenience init(identity: GeneratorIdentity = ScriptedGenerator.defaultIdentity, answers: [String]) {
        self.init(identity: identity) { _, n in
            guard n < answers.count else { throw ScriptedGeneratorError("scripted generator ran out of answers (request #\(n + 1))") }
            return answers[n]
        }
    }

    public static let defaultIdentity = GeneratorIdentity(modelName: "scripted", modelSHA256: String(repeating: "0", count: 64), engine: "scripted-generator")

    public func generate(_ request: GenerationRequest, onToken: (String) -> Void) throws -> GenerationOutput {
        let n: Int = lock.withLock { _requests.append(request); return _requests.count - 1 }
        let start = Date()
        var text = try answer(request, n)
        // honour stop strings like a real engine would
        var reason = "eos"
        for s in request.stop where !s.isEmpty {
            if let r = text.range(of: s) { text = String(text[..<r.lowerBound]); reason = "stop" }
        }
        var pieces = 0
        var current = ""
        for ch in text {
            current.append(ch)
            if ch == " " || ch == "\n" { onToken(current); current = ""; pieces += 1 }
            if pieces >= request.sampling.maxTokens { reason = "length"; break }
        }
        if !current.isEmpty && pieces < request.sampling.maxTokens { onToken(current); pieces += 1 }
        let prompt = request.messages.reduce(0) { $0 + $1.content.split(whereSeparator: { $0 == " " || $0 == "\n" }).count }
        return GenerationOutput(text: text, promptTokens: prompt, generatedTokens: pieces,
                                seconds: Date().timeIntervalSince(start), stopReason: reason)
    }
}

extension ScriptedGenerator {
    /// The file a pipeline request asks for (`Write the complete … file \`X\``), nil for the plan request.
    public static func requestedFile(in request: GenerationRequest) -> String? {
        guard let text = request.messages.last(where: { $0.role == .user })?.content else { return nil }
        let all = request.messages.filter { $0.role == .user }.map(\.content).joined(separator: "\n")
        for source in [text, all] {
            if let r = source.range(of: #"[Ww]rite (?:the )?complete (?:corrected )?file `([^`]+)`"#, options: .regularExpression) {
                let m = source[r]
                if let a = m.firstIndex(of: "`"), let b = m[m.index(after: a)...].firstIndex(of: "`") { return String(m[m.index(after: a)..<b]) }
            }
        }
        return nil
    }

    public static func isRepairRequest(_ request: GenerationRequest) -> Bool {
        request.messages.contains { $0.role == .user && $0.content.contains("Checking the project failed") }
    }

    /// Answers from the files of a directory: `plan.txt` for the plan request, `<path with / → __>.txt`
    /// for a file (e.g. `templates__index.html.txt`), and `repair__<same>.txt` for a repair request when it
    /// exists. A missing answer file gives an empty answer (or an error when `strict`).
    public static func fromDirectory(_ dir: URL, identity: GeneratorIdentity = defaultIdentity, strict: Bool = false) -> ScriptedGenerator {
        ScriptedGenerator(identity: identity) { request, _ in
            let name: String
            if let file = requestedFile(in: request) {
                let base = file.replacingOccurrences(of: "/", with: "__") + ".txt"
                let repair = "repair__" + base
                name = isRepairRequest(request) && FileManager.default.fileExists(atPath: dir.appendingPathComponent(repair).path) ? repair : base
            } else {
                name = "plan.txt"
            }
            let url = dir.appendingPathComponent(name)
            if let s = try? String(contentsOf: url, encoding: .utf8) { return s }
            if strict { throw ScriptedGeneratorError("no scripted answer \(url.path)") }
            return ""
        }
    }
}
