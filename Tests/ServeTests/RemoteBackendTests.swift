import Engine
import Foundation
@testable import RemoteBackend
import Scaffold
import XCTest

/// `new` and `regen` with `--backend`: the remote `TextGenerator` on a real OpenAI-compatible server
/// (here `deepcoder serve` on loopback with the test model), its errors and exit codes, and that the
/// API key is never written anywhere.
final class RemoteBackendTests: XCTestCase {
    struct Run { let status: Int32; let stdout: String; let stderr: String }

    @discardableResult
    func run(_ executable: String, _ args: [String], env: [String: String] = [:], cwd: URL? = nil) throws -> Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.filter { !["DEEPCODER_API_KEY", "OPENAI_API_KEY", "DEEPCODER_BACKEND"].contains($0.key) }
            .merging(env) { $1 }
        if let cwd { p.currentDirectoryURL = cwd }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let errBox = LockedText()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errBox.append(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)); group.leave() }
        let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        group.wait()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: o, stderr: errBox.text)
    }

    func deepcoder(_ args: [String], env: [String: String] = [:], cwd: URL? = nil) throws -> Run {
        try run(ServeProcess.binary.path, args, env: env, cwd: cwd)
    }

    func tempDir() throws -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("dc-backend-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: u) }
        return u
    }

    // MARK: parts

    func testServerSentEventsAreSplitWhereverTheBytesBreak() {
        let stream = ": comment\r\ndata: {\"a\":1}\r\n\r\ndata: line one\ndata: line two\n\nevent: x\ndata: [DONE]\n\n"
        let bytes = Array(stream.utf8)
        for cut in [1, 2, 3, 7, 13, bytes.count] {
            var sse = ServerSentEvents()
            var events: [String] = []
            var i = 0
            while i < bytes.count {
                events += sse.append(bytes[i..<min(i + cut, bytes.count)])
                i += cut
            }
            events += sse.finish()
            XCTAssertEqual(events, ["{\"a\":1}", "line one\nline two", "[DONE]"], "cut every \(cut) bytes")
        }
    }

    func testTransientStatusesAreRetriedWithBackoffAndOthersAreNot() throws {
        let policy = OpenAIBackendGenerator.RetryPolicy(attempts: 4, firstDelay: 0.01)
        var calls = 0
        let value = try OpenAIBackendGenerator.withRetries(policy: policy, shown: "x", progress: { _ in }) { () throws -> Int in
            calls += 1
            if calls < 3 { throw BackendError("busy", status: calls == 1 ? 429 : 503) }
            return 7
        }
        XCTAssertEqual(value, 7)
        XCTAssertEqual(calls, 3)
        calls = 0
        XCTAssertThrowsError(try OpenAIBackendGenerator.withRetries(policy: policy, shown: "x", progress: { _ in }) { () throws -> Int in
            calls += 1
            throw BackendError("bad", status: 400)
        })
        XCTAssertEqual(calls, 1, "a 400 is not retried")
        calls = 0
        XCTAssertThrowsError(try OpenAIBackendGenerator.withRetries(policy: policy, shown: "x", progress: { _ in }) { () throws -> Int in
            calls += 1
            throw BackendError("down", status: 502)
        })
        XCTAssertEqual(calls, 4, "all attempts are used, then the error is reported")
    }

    func testCredentialsAreNotPartOfTheRecordedURL() throws {
        let url = try OpenAIBackendGenerator.parseBaseURL("https://user:secret@gpu-box:8000/v1/?token=abc")
        let shown = OpenAIBackendGenerator.withoutCredentials(url)
        XCTAssertFalse(shown.contains("secret") || shown.contains("abc") || shown.contains("user"), shown)
        XCTAssertTrue(shown.hasPrefix("https://gpu-box:8000/v1"), shown)
        XCTAssertThrowsError(try OpenAIBackendGenerator.parseBaseURL("gpu-box:8000"))
    }

    // MARK: on a real server

    func testGreedyAnswerThroughTheBackendIsTheInProcessAnswer() throws {
        let path = try testModelPath()
        let server = try ServeProcess(arguments: ["--model", path, "--ctx-size", "1024"])
        defer { server.stop() }
        let generator = try OpenAIBackendGenerator(baseURL: server.baseURL, model: nil, apiKey: nil)
        XCTAssertEqual(generator.identity.modelName, "smollm2-135m-instruct")
        XCTAssertEqual(generator.identity.backend, server.baseURL)
        let question = "Write a Python function that adds two numbers."
        let request = GenerationRequest(messages: [ChatTurn(role: .user, content: question)],
                                        sampling: SamplingOptions(temperature: 0, topK: 1, topP: 1, minP: 0, seed: 3, maxTokens: 40))
        var pieces: [String] = []
        let out = try generator.generate(request) { pieces.append($0) }

        let lm = try LanguageModel(path: path, threads: 1, contextLength: 1024)
        let prompt = try lm.chatPrompt([ChatMessage(role: .user, content: question)])
        let alone = try lm.generate(prompt: prompt, options: GenerationOptions(maxTokens: 40, sampling: .greedy,
                                                                                stopStrings: try lm.chatTemplate().stopStrings))
        XCTAssertEqual(out.text, alone.text, "token for token the in-process answer")
        XCTAssertEqual(pieces.joined(), out.text, "streamed as it came")
        XCTAssertGreaterThan(pieces.count, 5)
        XCTAssertEqual(out.generatedTokens, alone.tokens.count)
        XCTAssertEqual(out.promptTokens, prompt.count)
        XCTAssertEqual(out.stopReason, "max_tokens")
    }

    func testNewAndRegenOnABackendRecordItAndNeverTheKey() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/git") else { throw XCTSkip("no /usr/bin/git") }
        let path = try testModelPath()
        let key = "sk-test-\(UUID().uuidString)"
        let server = try ServeProcess(arguments: ["--model", path, "--api-key", key])
        defer { server.stop() }
        let dir = try tempDir()
        let target = dir.appendingPathComponent("cube")
        let env = ["DEEPCODER_API_KEY": key]
        let new = try deepcoder(["new", "A JSON API with GET /cube?edge=E that returns the volume of a cube as JSON", "-o", target.path,
                                 "--backend", server.baseURL, "--no-verify", "--max-tokens", "300"], env: env)
        XCTAssertEqual(new.status, 0, new.stderr)
        XCTAssertTrue(new.stderr.contains("[backend] generating on \(server.baseURL)"), new.stderr)
        let message = try run("/usr/bin/git", ["log", "-1", "--format=%B"], cwd: target).stdout
        XCTAssertTrue(message.contains("Deepcoder-Backend: \(server.baseURL)"), message)
        XCTAssertTrue(message.contains("Deepcoder-Model: smollm2-135m-instruct"), message)

        // regen on the same backend (the small model sometimes writes no usable Python: exit 3, nothing committed)
        var regen = try deepcoder(["regen", "app.py", "--instruction", "round the volume to two decimals", "--backend", server.baseURL,
                                   "--no-verify", "--max-tokens", "300"], env: env, cwd: target)
        for instruction in ["return the volume rounded to two decimals", "answer 400 when edge is missing"] where regen.status == 3 {
            regen = try deepcoder(["regen", "app.py", "--instruction", instruction, "--backend", server.baseURL, "--no-verify",
                                   "--max-tokens", "300"], env: env, cwd: target)
        }
        XCTAssertEqual(regen.status, 0, regen.stderr)
        let regenMessage = try run("/usr/bin/git", ["log", "-1", "--format=%B"], cwd: target).stdout
        XCTAssertTrue(regenMessage.contains("Deepcoder-Kind: regen") && regenMessage.contains("Deepcoder-Backend: \(server.baseURL)"),
                      regenMessage)

        // the key is in no file, no commit and no output
        let grep = try run("/usr/bin/git", ["log", "--all", "-p", "--format=%B"], cwd: target)
        XCTAssertFalse(grep.stdout.contains(key))
        let files = FileManager.default.enumerator(at: target, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        for f in files where !(f.hasDirectoryPath) {
            if let d = try? Data(contentsOf: f) { XCTAssertNil(d.range(of: Data(key.utf8)), f.path) }
        }
        for text in [new.stdout, new.stderr, regen.stdout, regen.stderr, server.stderr] { XCTAssertFalse(text.contains(key)) }
    }

    func testUnreachableBackendUnknownModelAndWrongKeyExitWith3() throws {
        let dir = try tempDir()
        let unreachable = try deepcoder(["new", "a JSON API that returns the volume of a cube", "-o", dir.appendingPathComponent("a").path,
                                         "--backend", "http://127.0.0.1:9/v1"])
        XCTAssertEqual(unreachable.status, 3, unreachable.stderr)
        XCTAssertTrue(unreachable.stderr.contains("cannot reach the backend http://127.0.0.1:9/v1"), unreachable.stderr)
        XCTAssertTrue(unreachable.stderr.contains("retrying"), "retried with backoff first: \(unreachable.stderr)")

        let bad = try deepcoder(["new", "a cube API", "--backend", "gpu-box:8000"])
        XCTAssertEqual(bad.status, 3, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("not an http(s) URL"), bad.stderr)

        let path = try testModelPath()
        let key = "sk-right-\(UUID().uuidString)"
        let server = try ServeProcess(arguments: ["--model", path, "--api-key", key])
        defer { server.stop() }
        let unknown = try deepcoder(["new", "a JSON API that returns the volume of a cube", "-o", dir.appendingPathComponent("b").path,
                                     "--backend", server.baseURL, "--model", "deepseek-coder-v2"], env: ["DEEPCODER_API_KEY": key])
        XCTAssertEqual(unknown.status, 3, unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("does not serve the model 'deepseek-coder-v2'")
                      && unknown.stderr.contains("smollm2-135m-instruct"), unknown.stderr)

        let wrong = "sk-wrong-\(UUID().uuidString)"
        let refused = try deepcoder(["new", "a JSON API that returns the volume of a cube", "-o", dir.appendingPathComponent("c").path],
                                    env: ["OPENAI_API_KEY": wrong, "DEEPCODER_BACKEND": server.baseURL])
        XCTAssertEqual(refused.status, 3, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("HTTP 401") && refused.stderr.contains("DEEPCODER_API_KEY"), refused.stderr)
        XCTAssertFalse(refused.stderr.contains(wrong), "the key is not printed")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("c").path), "nothing written")
    }
}
