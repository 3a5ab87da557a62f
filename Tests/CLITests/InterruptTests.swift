import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C, SIGTERM and SIGHUP at each stage of `new` and `regen`: the run exits with 128 + the signal
/// and leaves nothing behind: no directory beside the target, nothing in TMPDIR, no process of the
/// generated app, no listening port.
final class InterruptTests: XCTestCase {
    static var binary: URL { CLITests.binary }
    static let cubeAPI = CLITests.sourceRoot.appendingPathComponent("Tests/ScaffoldTests/Fixtures/apps/cube_api")
    static let port = 5087

    /// A running `deepcoder` whose stderr is collected line by line.
    final class Running: @unchecked Sendable {
        let process = Process()
        private let lock = NSLock()
        private var err = Data()
        private var finishedReading = false

        init(_ args: [String], env: [String: String], cwd: URL? = nil) throws {
            process.executableURL = InterruptTests.binary
            process.arguments = args
            process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
            if let cwd { process.currentDirectoryURL = cwd }
            let errPipe = Pipe()
            process.standardError = errPipe
            process.standardOutput = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let handle = errPipe.fileHandleForReading
            DispatchQueue.global().async {
                while true {
                    let chunk = handle.availableData
                    self.lock.lock()
                    if chunk.isEmpty { self.finishedReading = true; self.lock.unlock(); return }
                    self.err.append(chunk)
                    self.lock.unlock()
                }
            }
        }

        var stderr: String { lock.lock(); defer { lock.unlock() }; return String(decoding: err, as: UTF8.self) }

        /// Waits until stderr contains `text`; false when the process ended first or the time ran out.
        func waitFor(_ text: String, timeout: Double) -> Bool {
            let end = Date().addingTimeInterval(timeout)
            while Date() < end {
                if stderr.contains(text) { return true }
                if !process.isRunning { return stderr.contains(text) }
                usleep(20_000)
            }
            return false
        }

        /// The exit status after the process ends (waits at most `timeout` seconds, then kills it).
        func status(timeout: Double) -> Int32? {
            let end = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < end { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit(); return nil }
            usleep(100_000) // the last stderr bytes
            return process.terminationStatus
        }
    }

    var work: URL!
    var tmp: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("dc-interrupt-\(UUID().uuidString.prefix(8))")
        tmp = work.appendingPathComponent("tmpdir")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        addTeardownBlock { [work] in try? FileManager.default.removeItem(at: work!) }
    }

    /// Scripted answers: the cube plan, and an app.py that starts a detached helper carrying `marker`
    /// and then serves at import (so verification's import check runs until it is stopped).
    func hostileAnswers(marker: String) throws -> URL {
        let dir = work.appendingPathComponent("answers")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.cubeAPI.appendingPathComponent("plan.txt"), to: dir.appendingPathComponent("plan.txt"))
        let app = """
        ```python
        import subprocess, sys
        from flask import Flask, jsonify
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "\(marker)"], start_new_session=True)
        app = Flask(__name__)

        @app.route("/cube")
        def cube():
            return jsonify({"volume": 1})

        app.run(host="127.0.0.1", port=\(Self.port))
        ```
        """
        try Data(app.utf8).write(to: dir.appendingPathComponent("app.py.txt"))
        return dir
    }

    /// The commit id HEAD's branch points at (read from the ref file; fresh repositories have no packed refs).
    func headCommit(_ project: URL) throws -> String {
        let head = try String(contentsOf: project.appendingPathComponent(".git/HEAD"), encoding: .utf8)
        let ref = head.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "ref: ", with: "")
        return try String(contentsOf: project.appendingPathComponent(".git/" + ref), encoding: .utf8)
    }

    func testModelPath() throws -> String {
        let p = Process()
        p.executableURL = Self.binary
        p.arguments = ["models", "path", "smollm2-135m-instruct"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw XCTSkip("test model not installed") }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func processes(containing marker: String) -> [pid_t] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { name in
            guard let pid = pid_t(name), let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline") else { return nil }
            return String(decoding: data, as: UTF8.self).contains(marker) ? pid : nil
        }
    }

    func isListening(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Nothing of the run is left: TMPDIR is empty, no marker process, the port is closed.
    func assertNothingLeft(marker: String, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.path), [], "TMPDIR must be empty", file: file, line: line)
        let left = processes(containing: marker)
        left.forEach { kill($0, SIGKILL) }
        XCTAssertEqual(left, [], "no process of the generated app may survive", file: file, line: line)
        XCTAssertFalse(isListening(port: Self.port), "no server may be left listening", file: file, line: line)
    }

    func testCtrlCDuringVerificationOfNewLeavesNothingBehind() throws {
        let marker = "dc-int-\(UUID().uuidString.prefix(8))"
        let answers = try hostileAnswers(marker: marker)
        let parent = work.appendingPathComponent("projects")
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        let run = try Running(["new", "--spec-file", Self.cubeAPI.appendingPathComponent("spec.txt").path,
                               "-o", parent.appendingPathComponent("cube").path],
                              env: ["DEEPCODER_SCRIPTED_DIR": answers.path, "TMPDIR": tmp.path])
        XCTAssertTrue(run.waitFor("verify import", timeout: 300), "never reached the import check: \(run.stderr)")
        usleep(500_000)
        kill(run.process.processIdentifier, SIGINT)
        XCTAssertEqual(run.status(timeout: 30), 130, run.stderr)
        XCTAssertTrue(run.stderr.contains("deepcoder: interrupted;"), run.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parent.path), [], "no project and no temp directory beside the target")
        try assertNothingLeft(marker: marker)
    }

    func testSIGTERMWhileTheModelGeneratesLeavesNothingBehind() throws {
        let modelPath = try testModelPath()
        let parent = work.appendingPathComponent("projects")
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        let run = try Running(["new", "a page that shows a random greeting when a button is pressed", "--model", modelPath,
                               "--threads", "1", "-o", parent.appendingPathComponent("greeting").path],
                              env: ["TMPDIR": tmp.path])
        XCTAssertTrue(run.waitFor("[plan]", timeout: 120) || run.waitFor("[generate]", timeout: 60), "never started generating: \(run.stderr)")
        kill(run.process.processIdentifier, SIGTERM)
        XCTAssertEqual(run.status(timeout: 30), 143, run.stderr)
        XCTAssertTrue(run.stderr.contains("deepcoder: terminated;"), run.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parent.path), [])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.path), [])
    }

    func testHangupDuringVerificationOfRegenLeavesTheProjectAsItWas() throws {
        // a project made from the cube answers, without verification
        let parent = work.appendingPathComponent("projects")
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        let project = parent.appendingPathComponent("cube")
        let made = Process()
        made.executableURL = Self.binary
        made.arguments = ["new", "--spec-file", Self.cubeAPI.appendingPathComponent("spec.txt").path, "-o", project.path, "--no-verify"]
        made.environment = ProcessInfo.processInfo.environment.merging(["DEEPCODER_SCRIPTED_DIR": Self.cubeAPI.path]) { $1 }
        made.standardError = FileHandle.nullDevice
        made.standardOutput = FileHandle.nullDevice
        try made.run()
        made.waitUntilExit()
        XCTAssertEqual(made.terminationStatus, 0)
        let before = try Data(contentsOf: project.appendingPathComponent("app.py"))
        let headBefore = try headCommit(project)

        let marker = "dc-int-\(UUID().uuidString.prefix(8))"
        let answers = try hostileAnswers(marker: marker)
        let run = try Running(["regen", "app.py", "--instruction", "answer faster"], env: ["DEEPCODER_SCRIPTED_DIR": answers.path, "TMPDIR": tmp.path],
                              cwd: project)
        XCTAssertTrue(run.waitFor("verify import", timeout: 300), "never reached the import check: \(run.stderr)")
        usleep(500_000)
        kill(run.process.processIdentifier, SIGHUP)
        XCTAssertEqual(run.status(timeout: 30), 129, run.stderr)
        XCTAssertEqual(try Data(contentsOf: project.appendingPathComponent("app.py")), before, "the user's file is unchanged")
        XCTAssertEqual(try headCommit(project), headBefore, "no commit was made")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parent.path), ["cube"])
        try assertNothingLeft(marker: marker)
    }
}
