import Foundation
import XCTest

/// The official `openai` Python package against `deepcoder serve`, with and without an API key
/// (Scripts/openai_client_check.py). Needs the venv scripts/test.sh makes ($DEEPCODER_HOME/venv-serve);
/// skips where it is missing.
final class ForeignClientTests: XCTestCase {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Scripts/openai_client_check.py")

    /// The venv's python with `openai` installed, or a skip.
    static func python() throws -> String {
        let env = ProcessInfo.processInfo.environment
        let home = env["DEEPCODER_HOME"] ?? (NSHomeDirectory() + "/.cache/deepcoder")
        let python = env["DEEPCODER_SERVE_PYTHON"] ?? home + "/venv-serve/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw XCTSkip("no python with the openai package at \(python); scripts/test.sh installs it")
        }
        return python
    }

    func check(apiKey: String?) throws {
        let python = try Self.python()
        let model = try testModelPath()
        let server = try ServeProcess(arguments: ["--model", model, "--ctx-size", "1024", "--parallel", "8"]
                                      + (apiKey.map { ["--api-key", $0] } ?? []))
        defer { server.stop() }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [Self.script.path, server.baseURL, "smollm2-135m-instruct"] + (apiKey.map { [$0] } ?? [])
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let errBox = LockedText()
        DispatchQueue.global().async { errBox.append(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)) }
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, output + errBox.text)
        let summary = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        XCTAssertEqual(summary?["concurrent_complete"] as? Int, 8, output)
        XCTAssertEqual((summary?["failures"] as? [Any])?.count, 0, output)
        XCTAssertTrue(server.process.isRunning, server.stderr)
        XCTAssertEqual(server.stop(), 0, "Ctrl-C stops the server cleanly: \(server.stderr)")
        if let apiKey { XCTAssertFalse(server.stderr.contains(apiKey), "the key is never logged") }
    }

    func testOpenAIPackageStreamsWithoutAKey() throws { try check(apiKey: nil) }

    func testOpenAIPackageWithAnAPIKey() throws { try check(apiKey: "test-key-\(UUID().uuidString)") }
}
