import ArgumentParser
import Foundation
import RemoteBackend
import Scaffold

/// `--backend URL` of `new`, `regen` and `reproduce`: generate on a remote OpenAI-compatible server
/// (vLLM, TGI, SGLang, a llama.cpp server, `deepcoder serve`) instead of the in-process engine.
struct BackendOption: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Generate on this OpenAI-compatible server (its base URL, e.g. http://gpu-box:8000/v1) instead of in-process; "
            + "default: $DEEPCODER_BACKEND. The key comes from $DEEPCODER_API_KEY or $OPENAI_API_KEY.",
        valueName: "url"))
    var backend: String?

    /// The URL given, else $DEEPCODER_BACKEND; nil for the in-process engine.
    var url: String? {
        if let backend { return backend }
        let env = ProcessInfo.processInfo.environment["DEEPCODER_BACKEND"] ?? ""
        return env.isEmpty ? nil : env
    }
}

/// The remote generator on `url`: connects, checks the model, and reports where it generates.
/// The API key is read here from the environment and goes nowhere but the Authorization header.
func makeRemoteGenerator(url: String, model: String?, progress: @escaping (String) -> Void) throws -> any TextGenerator {
    let env = ProcessInfo.processInfo.environment
    let key = [env["DEEPCODER_API_KEY"], env["OPENAI_API_KEY"]].compactMap { $0 }.first { !$0.isEmpty }
    let shown = (try? OpenAIBackendGenerator.parseBaseURL(url)).map(OpenAIBackendGenerator.withoutCredentials) ?? url
    progress("connecting to \(shown)\(key == nil ? "" : " (with an API key)")")
    do {
        let g = try OpenAIBackendGenerator(baseURL: url, model: model, apiKey: key, progress: progress)
        progress("generating on \(shown) with \(g.identity.modelName)")
        return g
    } catch let e as BackendError {
        throw ScaffoldError.generation(e.message)
    }
}
