import Foundation
import XCTest

/// Where `deepcoder serve` takes its API key from besides --api-key (which `ps` shows to every user):
/// --api-key-file and $DEEPCODER_API_KEY. Each key is required, and none is in the process's arguments.
final class ServeAPIKeyTests: XCTestCase {
    let question: [String: Any] = ["messages": [["role": "user", "content": "Hi"]], "temperature": 0, "max_tokens": 2]

    /// 401 without the key and with a wrong one, 200 with it; /health stays open; the key is not in
    /// the command line (/proc/PID/cmdline, what ps reads) nor in the log.
    func requireKey(_ server: ServeProcess, _ key: String) throws {
        defer { server.stop() }
        XCTAssertEqual(try HTTP.post(server.baseURL + "/chat/completions", json: question).status, 401)
        XCTAssertEqual(try HTTP.post(server.baseURL + "/chat/completions", json: question,
                                     headers: ["Authorization": "Bearer wrong-\(key)"]).status, 401)
        XCTAssertEqual(try HTTP.post(server.baseURL + "/chat/completions", json: question,
                                     headers: ["Authorization": "Bearer \(key)"]).status, 200)
        XCTAssertEqual(try HTTP.send("GET", "http://127.0.0.1:\(server.port)/health").status, 200)
        if let cmdline = FileManager.default.contents(atPath: "/proc/\(server.process.processIdentifier)/cmdline") {
            XCTAssertFalse(String(decoding: cmdline, as: UTF8.self).contains(key), "the key is in the process's arguments")
        }
        XCTAssertFalse(server.stderr.contains(key), "the key is never logged")
    }

    func testKeyFromAFile() throws {
        let model = try testModelPath()
        let key = "file-key-\(UUID().uuidString)"
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("key-\(UUID().uuidString)")
        try (key + "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let server = try ServeProcess(arguments: ["--model", model, "--ctx-size", "256", "--api-key-file", file.path])
        XCTAssertTrue(server.stderr.contains("from --api-key-file"), server.stderr)
        try requireKey(server, key)
    }

    func testKeyFromTheEnvironment() throws {
        let model = try testModelPath()
        let key = "env-key-\(UUID().uuidString)"
        let server = try ServeProcess(arguments: ["--model", model, "--ctx-size", "256"], environment: ["DEEPCODER_API_KEY": key])
        XCTAssertTrue(server.stderr.contains("from $DEEPCODER_API_KEY"), server.stderr)
        try requireKey(server, key)
    }

    func testAnUnreadableOrEmptyKeyFileIsRefusedBeforeServing() throws {
        let model = try testModelPath()
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("key-\(UUID().uuidString)")
        try "\n".write(to: empty, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: empty) }
        for (file, message) in [("/nonexistent/key", "cannot read --api-key-file"), (empty.path, "has no key")] {
            let p = Process()
            p.executableURL = ServeProcess.binary
            p.arguments = ["serve", "--model", model, "--port", "0", "--api-key-file", file]
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 2, text)
            XCTAssertTrue(text.contains(message), text)
        }
    }
}
