import Foundation
import XCTest

/// `new --json` says which sandbox verification ran in; without one it warns once on stderr.
final class SandboxReportTests: XCTestCase {
    func new(env: [String: String], json: Bool = true) throws -> (stdout: Data, stderr: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dc-sandbox-report-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = Process()
        p.executableURL = CLITests.binary
        p.arguments = ["new", "--spec-file", InterruptTests.cubeAPI.appendingPathComponent("spec.txt").path,
                       "-o", dir.appendingPathComponent("cube").path, "--max-repairs", "0"] + (json ? ["--json"] : [])
        p.environment = ProcessInfo.processInfo.environment.merging(["DEEPCODER_SCRIPTED_DIR": InterruptTests.cubeAPI.path]) { $1 }
            .merging(env) { $1 }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let errBox = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errBox.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return (data, String(decoding: errBox.data, as: UTF8.self))
    }

    func newJSON(env: [String: String]) throws -> (json: [String: Any], stderr: String) {
        let (data, stderr) = try new(env: env)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any], "no JSON report: \(stderr)")
        return (json, stderr)
    }

    func testTheReportSaysWhichSandboxRan() throws {
        let bwrapWorks = FileManager.default.isExecutableFile(atPath: "/usr/bin/bwrap")
        let sandboxed = try newJSON(env: [:])
        XCTAssertEqual(sandboxed.json["sandbox"] as? String, bwrapWorks ? "bwrap" : "none", sandboxed.stderr)
        XCTAssertEqual(sandboxed.json["exitCode"] as? Int, 0, sandboxed.stderr)

        let open = try newJSON(env: ["DEEPCODER_SANDBOX": "none"])
        XCTAssertEqual(open.json["sandbox"] as? String, "none")
        XCTAssertEqual(open.stderr.components(separatedBy: "WITHOUT a sandbox").count - 1, 1, "warned exactly once: \(open.stderr)")

        let human = try new(env: ["DEEPCODER_SANDBOX": "none"], json: false)
        XCTAssertTrue(String(decoding: human.stdout, as: UTF8.self).contains("\n  sandbox: none ("), String(decoding: human.stdout, as: UTF8.self))
    }
}
