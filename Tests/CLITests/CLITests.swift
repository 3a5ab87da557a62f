import Foundation
import XCTest

/// Holds what a background reader collected.
final class DataBox: @unchecked Sendable { var data = Data() }

/// Runs the built `deepcoder` binary as a user would and checks stdout, stderr and exit codes.
final class CLITests: XCTestCase {
    struct Result { let status: Int32; let stdout: String; let stderr: String }

    /// The build products directory (where `deepcoder` sits beside the test bundle).
    static var binary: URL { Bundle.main.bundleURL.appendingPathComponent("deepcoder") }
    static let sourceRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @discardableResult
    func run(_ args: [String], stdin: String? = nil, env: [String: String] = [:], cwd: URL? = nil) throws -> Result {
        let p = Process()
        p.executableURL = Self.binary
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        if let cwd { p.currentDirectoryURL = cwd }
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let stdin { inp.fileHandleForWriting.write(Data(stdin.utf8)) }
        try inp.fileHandleForWriting.close()
        // Read both pipes before waiting so a chatty child cannot block on a full pipe.
        let errBox = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errBox.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let errData = errBox.data
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    func testModelPath() throws -> String {
        let r = try run(["models", "path", "smollm2-135m-instruct"])
        guard r.status == 0 else { throw XCTSkip("test model not installed: \(r.stderr)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func tempDir() throws -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("dc-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: u) }
        return u
    }

    func testHelpListsTheCommands() throws {
        let r = try run(["--help"])
        XCTAssertEqual(r.status, 0)
        for c in ["new", "generate", "tokenize", "bench", "models"] { XCTAssertTrue(r.stdout.contains(c), "help lacks \(c): \(r.stdout)") }
    }

    func testMissingModelIsExit3WithTheFix() throws {
        let r = try run(["generate", "--model", "no-such-model", "-p", "hi"])
        XCTAssertEqual(r.status, 3)
        XCTAssertTrue(r.stderr.contains("no-such-model"), r.stderr)
        let home = try tempDir()
        let r2 = try run(["generate", "--model", "smollm2-135m-instruct", "-p", "hi"], env: ["DEEPCODER_HOME": home.path])
        XCTAssertEqual(r2.status, 3)
        XCTAssertTrue(r2.stderr.contains("deepcoder models pull smollm2-135m-instruct"), r2.stderr)
    }

    func testCorruptModelFileIsExit3NamingTheFile() throws {
        let dir = try tempDir()
        let bad = dir.appendingPathComponent("broken.gguf")
        try Data("GGUF\u{3}\0\0\0garbage".utf8).write(to: bad)
        let r = try run(["generate", "--model", bad.path, "-p", "hi"])
        XCTAssertEqual(r.status, 3)
        XCTAssertTrue(r.stderr.contains(bad.path), r.stderr)
    }

    func testTokenizeIdsExactBytes() throws {
        _ = try testModelPath()
        let r = try run(["tokenize", "--model", "smollm2-135m-instruct", "--ids", "Hello world"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "19556 905\n")
        // stdin, nothing trimmed: the trailing newline is a token; chat markup is special.
        let r2 = try run(["tokenize", "--model", "smollm2-135m-instruct"], stdin: "<|im_start|>user\n")
        XCTAssertEqual(r2.status, 0, r2.stderr)
        XCTAssertEqual(r2.stdout, "1\t<|im_start|>\n4093\tuser\n198\t\n\n")
    }

    func testGenerateStreamsGreedilyAndReportsSpeed() throws {
        _ = try testModelPath()
        let args = ["generate", "--model", "smollm2-135m-instruct", "--temperature", "0", "-n", "12", "--raw", "-p", "def fibonacci(n):"]
        let a = try run(args)
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertFalse(a.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        XCTAssertTrue(a.stderr.contains("tokens/s"), a.stderr)
        let b = try run(args)
        XCTAssertEqual(a.stdout, b.stdout, "greedy generation must be deterministic")
        let empty = try run(["generate", "--model", "smollm2-135m-instruct"], stdin: "")
        XCTAssertEqual(empty.status, 2, empty.stderr)
    }

    func testBenchJSON() throws {
        _ = try testModelPath()
        let r = try run(["bench", "--model", "smollm2-135m-instruct", "-p", "8", "-n", "4", "-r", "1", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertGreaterThan(obj["pp_tokens_per_s"] as? Double ?? 0, 0)
        XCTAssertGreaterThan(obj["tg_tokens_per_s"] as? Double ?? 0, 0)
    }

    // MARK: deepcoder new on scripted answers (no model: what the CLI does around the generator)

    var scriptedApp: URL { Self.sourceRoot.appendingPathComponent("Tests/ScaffoldTests/Fixtures/apps/circle_api") }

    func testNewRefusesANonEmptyDirectoryAndTouchesNothing() throws {
        let dir = try tempDir()
        let target = dir.appendingPathComponent("proj")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let mine = target.appendingPathComponent("notes.txt")
        try Data("my notes".utf8).write(to: mine)
        let spec = try String(contentsOf: scriptedApp.appendingPathComponent("spec.txt"), encoding: .utf8)
        let r = try run(["new", spec, "-o", target.path, "--no-verify"], env: ["DEEPCODER_SCRIPTED_DIR": scriptedApp.path])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("regen"), r.stderr)
        XCTAssertEqual(try String(contentsOf: mine, encoding: .utf8), "my notes")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: target.path), ["notes.txt"])
    }

    func testNewWritesAndCommitsAProject() throws {
        let dir = try tempDir()
        let target = dir.appendingPathComponent("circle")
        let r = try run(["new", "--spec-file", scriptedApp.appendingPathComponent("spec.txt").path, "-o", target.path, "--no-verify", "--json"],
                        env: ["DEEPCODER_SCRIPTED_DIR": scriptedApp.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: target.appendingPathComponent("app.py").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: target.appendingPathComponent(".git").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: target.appendingPathComponent(".deepcoder/plan.json").path))
        XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)), "--json must print JSON: \(r.stdout)")
        // The same directory again is now non-empty: refused.
        let again = try run(["new", "--spec-file", scriptedApp.appendingPathComponent("spec.txt").path, "-o", target.path, "--no-verify"],
                            env: ["DEEPCODER_SCRIPTED_DIR": scriptedApp.path])
        XCTAssertEqual(again.status, 2)
    }

    func testNewFailingGenerationLeavesNothingBehind() throws {
        let dir = try tempDir()
        let empty = try tempDir()  // no scripted answers at all: every file answer is empty → generation fails
        let target = dir.appendingPathComponent("nothing")
        let r = try run(["new", "a JSON API that returns the area of a circle", "-o", target.path, "--no-verify", "--max-repairs", "0"],
                        env: ["DEEPCODER_SCRIPTED_DIR": empty.path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.path), "a failed run must leave no directory")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [], "no temp directories left beside the target")
    }
}
