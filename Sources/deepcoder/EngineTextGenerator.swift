import Engine
import Foundation
import Scaffold

/// The in-process engine behind the scaffolder's `TextGenerator` protocol.
final class EngineTextGenerator: TextGenerator {
    let model: LanguageModel
    let identity: GeneratorIdentity
    var continuesPrefill: Bool { true }
    var followsJSONSchema: Bool { true }

    /// Drafting for single answers (`GenerationOptions.draft`); candidates decoded together decode plainly.
    let draft: DraftMethod

    init(model: LanguageModel, identity: GeneratorIdentity, draft: DraftMethod = .none) {
        self.model = model
        self.identity = identity
        self.draft = draft
    }

    func generate(_ request: GenerationRequest, onToken: (String) -> Void) throws -> GenerationOutput {
        let (prompt, options) = try prepare(request)
        let t0 = Date()
        // an answer caught in a loop is cut where the loop is plain (the plan's JSON is closed after
        // its last complete value; a file goes to the re-ask and repair rounds)
        var loops = RepetitionGuard()
        let r: GenerationResult
        do {
            r = try model.generate(prompt: prompt, options: options) { piece in
                onToken(piece)
                return !loops.append(piece)
            }
        } catch ModelError.contextFull(let needed, let capacity) {
            throw ContextFullError(needed: needed, capacity: capacity)
        }
        return Self.output(r, loops: loops, seconds: Date().timeIntervalSince(t0))
    }

    /// The answers decoded together in one batch (`LanguageModel.generate(prompts:samplings:)`): a prompt
    /// the requests share runs once, and the weights are read once per step for all of them. Each
    /// answer samples with its own request's settings; the first request's length, stops and schema apply.
    func generateCandidates(_ requests: [GenerationRequest], onToken: (Int, String) -> Void) throws -> [GenerationOutput] {
        guard requests.count > 1 else { return try requests.map { try generate($0) { onToken(0, $0) } } }
        let prepared = try requests.map(prepare)
        let options = prepared[0].1
        let t0 = Date()
        var loops = Array(repeating: RepetitionGuard(), count: requests.count)
        let results: [GenerationResult]
        do {
            results = try model.generate(prompts: prepared.map(\.0), options: options, samplings: prepared.map(\.1.sampling)) { i, piece in
                onToken(i, piece)
                return !loops[i].append(piece)
            }
        } catch ModelError.contextFull(let needed, let capacity) {
            throw ContextFullError(needed: needed, capacity: capacity)
        }
        let seconds = Date().timeIntervalSince(t0)
        return results.enumerated().map { Self.output($1, loops: loops[$0], seconds: seconds) }
    }

    /// The request as the engine takes it: the chat-formatted prompt with the prefill, and the options.
    private func prepare(_ request: GenerationRequest) throws -> ([Int32], GenerationOptions) {
        let messages = request.messages.map { turn -> ChatMessage in
            switch turn.role {
            case .system: return ChatMessage(role: .system, content: turn.content)
            case .user: return ChatMessage(role: .user, content: turn.content)
            case .assistant: return ChatMessage(role: .assistant, content: turn.content)
            }
        }
        var prompt = try model.chatPrompt(messages)
        if !request.prefill.isEmpty { prompt += model.tokenizer.encode(request.prefill, addSpecial: false, parseSpecial: false) }
        let s = request.sampling
        let params = SamplingParameters(temperature: Float(s.temperature), topK: s.topK, topP: Float(s.topP),
                                        minP: Float(s.minP), repeatPenalty: Float(s.repeatPenalty), seed: s.seed)
        // Leave room for the prompt: the answer may use what is left of the context.
        let room = model.model.contextLength - prompt.count - 1
        guard room > 16 else {
            throw ContextFullError(needed: prompt.count + s.maxTokens, capacity: model.model.contextLength)
        }
        let grammar = try request.jsonSchema.map { try Grammar(jsonSchema: $0) }
        let options = GenerationOptions(maxTokens: min(s.maxTokens, room), sampling: params,
                                        stopStrings: request.stop + (try model.chatTemplate().stopStrings),
                                        reusePromptPrefix: true, grammar: grammar, draft: draft)
        return (prompt, options)
    }

    /// The scaffolder's view of an engine result; an answer cut by the repetition guard ends where its loop began.
    private static func output(_ r: GenerationResult, loops: RepetitionGuard, seconds: Double) -> GenerationOutput {
        var output = GenerationOutput(text: loops.looped ? loops.textWithoutRepeats : r.text, promptTokens: r.promptTokenCount,
                                      generatedTokens: r.tokens.count, seconds: seconds,
                                      stopReason: loops.looped ? "repetition" : r.stopReason.rawValue,
                                      reusedPromptTokens: r.reusedPromptTokens)
        output.schemaComplete = r.grammarStatus.map { $0 == .complete && !loops.looped }
        return output
    }
}

/// The context of `new` and `regen` is fixed (`generationContextLength`), so the fix for a full one is a
/// shorter text (the engine's own message suggests --ctx-size, which only the model commands have).
struct ContextFullError: Error, CustomStringConvertible {
    let needed: Int, capacity: Int
    var description: String {
        "the prompt and answer need \(needed) tokens but deepcoder's context holds \(capacity); shorten the description "
            + "(or regen's --instruction), or lower --max-tokens"
    }
}

/// The context length `new`, `regen` and `reproduce` load the model with.
let generationContextLength = 8192

/// Builds the generator `deepcoder new` uses: the engine on a catalog model or a .gguf path.
/// `DEEPCODER_SCRIPTED_DIR` swaps in scripted answers from a directory, for end-to-end CLI tests
/// that must not depend on what a model happens to write.
/// With `backend`, the generator is a remote OpenAI-compatible server instead (`makeRemoteGenerator`).
/// `draft`: the engine drafts tokens ahead (same tokens, faster where the answer copies its prompt).
func makeTextGenerator(model: String?, threads: Int?, backend: String? = nil, draft: DraftMethod = .none,
                       progress: @escaping (String) -> Void) throws -> any TextGenerator {
    if let backend { return try makeRemoteGenerator(url: backend, model: model, progress: progress) }
    if let dir = ProcessInfo.processInfo.environment["DEEPCODER_SCRIPTED_DIR"] {
        progress("scripted answers from \(dir)")
        return ScriptedGenerator.fromDirectory(
            URL(fileURLWithPath: dir),
            identity: GeneratorIdentity(modelName: model ?? "scripted", modelSHA256: String(repeating: "0", count: 64),
                                        engine: "scripted-generator"))
    }
    var options = try ModelOptions.parse(model.map { ["--model", $0] } ?? [])
    options.threads = threads
    options.contextSize = generationContextLength
    let path = try options.resolvePath(quiet: false)
    let store = ModelStore()
    let name = model ?? ModelCatalog.defaultModel.name
    let sha: String
    if let m = ModelCatalog.named(name), store.isInstalled(m) {
        sha = m.sha256  // verified when pulled
    } else {
        progress("hashing \(URL(fileURLWithPath: path).lastPathComponent)")
        sha = try ModelStore.sha256(ofFileAt: URL(fileURLWithPath: path))
    }
    let t0 = Date()
    let lm = try LanguageModel(path: path, threads: threads, contextLength: generationContextLength)
    progress(String(format: "loaded %@ in %.1f s (%d threads, kernels %@)", URL(fileURLWithPath: path).lastPathComponent,
                    Date().timeIntervalSince(t0), lm.model.pool.threadCount, EngineInfo.kernelISA))
    let displayName = ModelCatalog.named(name) != nil ? name : URL(fileURLWithPath: path).lastPathComponent
    return EngineTextGenerator(model: lm, identity: GeneratorIdentity(
        modelName: displayName, modelSHA256: sha, engine: "\(EngineInfo.identifier) (\(EngineInfo.kernelISA))",
        draft: draft == .none ? nil : draft.rawValue), draft: draft)
}
