import Foundation
import XCTest
@testable import Scaffold
#if canImport(Glibc)
import Glibc
#endif

/// What a hostile generated app tries during verification, run once without the sandbox (the attack
/// works: the test could fail) and once inside it (contained).
final class SandboxTests: XCTestCase {
    var project: URL!
    var outside: URL!

    override func setUpWithError() throws {
        guard Sandbox.current.kind == .bwrap else {
            throw XCTSkip("bwrap does not work here (\(Sandbox.current.unavailableReason ?? "?")); .ci/run installs bubblewrap")
        }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("dc-sandbox-test-\(UUID().uuidString.prefix(8))")
        project = base.appendingPathComponent("project")
        outside = base.appendingPathComponent("elsewhere")
        for d in [project!, outside!] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        addTeardownBlock { try? FileManager.default.removeItem(at: base) }
    }

    /// Runs `script` with python3 in `project`, sandboxed or not.
    func runPython(_ script: String, sandbox: Sandbox, timeout: Double = 20) throws -> ProcessResult {
        try Data(script.utf8).write(to: project.appendingPathComponent("hostile.py"))
        let command = sandbox.command("/usr/bin/env", ["python3", "hostile.py"], writable: project, readOnly: [], workingDirectory: project)
        return try ProcessRunner.run(command.executable, command.arguments, timeout: timeout)
    }

    /// Processes whose command line contains `marker`.
    func processes(containing marker: String) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { name -> pid_t? in
            guard let pid = pid_t(name), let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline") else { return nil }
            return String(decoding: data, as: UTF8.self).contains(marker) ? pid : nil
        }
    }

    /// The processes with `marker` in their command line once they have had `seconds` to go: the
    /// kernel ends a PID namespace's processes after its first one exits, not at that instant, and on
    /// a loaded machine one can still be listed just after the check returns (CI saw this once). A
    /// process that really survived (the test's helper sleeps 120 s) is still there after the wait.
    func processesLeft(containing marker: String, within seconds: Double = 5) -> [pid_t] {
        let deadline = Date().addingTimeInterval(seconds)
        var left = processes(containing: marker)
        while !left.isEmpty && Date() < deadline {
            usleep(100_000)
            left = processes(containing: marker)
        }
        return left
    }

    func testWritesOutsideTheProjectAreContained() throws {
        let target = outside.appendingPathComponent("escaped.txt")
        let home = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".dc-sandbox-escape-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: home) }
        let script = """
        import sys
        for path in [\(String(reflecting: target.path)), \(String(reflecting: home.path))]:
            try:
                open(path, "w").write("escaped")
            except OSError as e:
                print("refused:", e)
        open("inside.txt", "w").write("fine")
        """
        let free = try runPython(script, sandbox: .none)
        XCTAssertTrue(free.succeeded, free.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: target.path), "without a sandbox the write lands outside")
        try FileManager.default.removeItem(at: target)
        try? FileManager.default.removeItem(at: home)
        try FileManager.default.removeItem(at: project.appendingPathComponent("inside.txt"))

        let boxed = try runPython(script, sandbox: .current)
        XCTAssertTrue(boxed.succeeded, boxed.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.path), "a write under the temp directory stays in the sandbox's own /tmp")
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.path), "the home directory is read-only")
        XCTAssertTrue(boxed.stdout.contains("refused"), boxed.stdout)
        XCTAssertEqual(try String(contentsOf: project.appendingPathComponent("inside.txt"), encoding: .utf8), "fine", "the project stays writable")
    }

    /// A server on this machine's own non-loopback address: reachable without the sandbox, not from inside.
    func testOnlyLoopbackIsReachable() throws {
        let hostAddress = try XCTUnwrap(Self.nonLoopbackIPv4(), "no non-loopback IPv4 address to try")
        let listener = try TCPListener(host: hostAddress)
        defer { listener.close() }
        let script = """
        import socket
        try:
            socket.create_connection((\(String(reflecting: hostAddress)), \(listener.port)), timeout=3).close()
            print("connected")
        except OSError as e:
            print("refused:", e)
        srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
        socket.create_connection(srv.getsockname(), timeout=3).close()
        print("loopback ok")
        """
        let free = try runPython(script, sandbox: .none)
        XCTAssertTrue(free.stdout.contains("connected"), "without a sandbox the app reaches the network: \(free.stdout) \(free.stderr)")
        let boxed = try runPython(script, sandbox: .current)
        XCTAssertFalse(boxed.stdout.contains("connected"), boxed.stdout)
        XCTAssertTrue(boxed.stdout.contains("refused"), boxed.stdout + boxed.stderr)
        XCTAssertTrue(boxed.stdout.contains("loopback ok"), "the app can still serve and be requested on loopback: \(boxed.stdout) \(boxed.stderr)")
    }

    func testDetachedChildrenDieWithTheCheck() throws {
        let marker = "dc-detached-\(UUID().uuidString.prefix(8))"
        let script = """
        import subprocess, sys
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", \(String(reflecting: marker))],
                         start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print("forked")
        """
        let free = try runPython(script, sandbox: .none)
        XCTAssertTrue(free.stdout.contains("forked"), free.stderr)
        let survivors = processes(containing: marker)
        XCTAssertFalse(survivors.isEmpty, "without a sandbox a setsid child outlives the check's process group")
        survivors.forEach { kill($0, SIGKILL) }

        let boxed = try runPython(script, sandbox: .current)
        XCTAssertTrue(boxed.stdout.contains("forked"), boxed.stderr)
        usleep(200_000)
        XCTAssertEqual(processesLeft(containing: marker), [], "the sandbox's PID namespace ends with the check")
    }

    /// An app that serves at import (and forks a detached helper): the import check times out, and
    /// afterwards nothing it started is running.
    func testServingAtImportIsStoppedByVerification() throws {
        do { try PythonEnvironment().ensure() } catch { throw XCTSkip("cannot create the verification venv: \(error)") }
        try FileManager.default.createDirectory(at: project.appendingPathComponent("templates"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: project.appendingPathComponent("tests"), withIntermediateDirectories: true)
        try Data("def test_nothing():\n    pass\n".utf8).write(to: project.appendingPathComponent("tests/test_app.py"))
        try Data("<p id=\"out\">hello</p>\n".utf8).write(to: project.appendingPathComponent("templates/index.html"))
        let escaped = outside.appendingPathComponent("import-wrote-here.txt")
        func writeApp(_ marker: String) throws {
            try Data("""
            import os, subprocess, sys
            from flask import Flask, render_template
            try:
                os.makedirs(os.path.dirname(\(String(reflecting: escaped.path))), exist_ok=True)
                open(\(String(reflecting: escaped.path)), "w").write("escaped")
            except OSError:
                pass
            subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", \(String(reflecting: marker))], start_new_session=True)
            app = Flask(__name__)

            @app.route("/")
            def index():
                return render_template("index.html")

            app.run(host="127.0.0.1", port=5071)
            """.utf8).write(to: project.appendingPathComponent("app.py"))
        }
        // each run has its own marker: a helper the unsandboxed run started late is not counted against the sandbox
        let marker = "dc-serving-\(UUID().uuidString.prefix(8))"
        try writeApp(marker)
        let plan = ProjectPlan(kind: .jinjaPages, port: 5071,
                               files: [PlannedFile(path: "app.py", purpose: ""), PlannedFile(path: "templates/index.html", purpose: "")],
                               routes: [PlannedRoute(method: "GET", path: "/", purpose: "")], elementIDs: ["out"])
        var verifier = Verifier(environment: PythonEnvironment(), renderer: TemplateRenderer())
        // 8 s: with 4 s this test failed 5 of 13 runs on a machine at load 5–8 (cause not traced); the
        // unsandboxed half needs the app to get past its imports, to the write and the spawn, in time
        verifier.timeouts = verifier.timeouts.mapValues { _ in 8 }

        verifier.sandbox = .none
        let unboxed = try verifier.verify(project: project, plan: plan)
        XCTAssertEqual(unboxed.sandbox, SandboxKind.none)
        let survivors = processes(containing: marker)
        XCTAssertFalse(survivors.isEmpty, "without a sandbox the detached helper outlives verification")
        survivors.forEach { kill($0, SIGKILL) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: escaped.path), "without a sandbox the import writes outside the project")
        try FileManager.default.removeItem(at: escaped)

        verifier.sandbox = .current
        let boxedMarker = "dc-serving-\(UUID().uuidString.prefix(8))"
        try writeApp(boxedMarker)
        defer { processes(containing: marker).forEach { kill($0, SIGKILL) } }
        let report = try verifier.verify(project: project, plan: plan)
        XCTAssertEqual(report.sandbox, .bwrap)
        let importCheck = try XCTUnwrap(report.checks.first { $0.name == .import })
        XCTAssertEqual(importCheck.summary, "timed out after 8 s", "the app serves at import: \(importCheck)")
        XCTAssertEqual(processesLeft(containing: boxedMarker), [], "nothing the app started is running")
        XCTAssertFalse(FileManager.default.fileExists(atPath: escaped.path), "the import's write outside the project was contained")
        XCTAssertFalse(Self.isListening(port: 5071), "no server is left listening")
    }

    static func isListening(port: Int) -> Bool {
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

    static func nonLoopbackIPv4() -> String? {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return nil }
        defer { freeifaddrs(list) }
        var p: UnsafeMutablePointer<ifaddrs>? = first
        while let ifa = p {
            defer { p = ifa.pointee.ifa_next }
            guard let sa = ifa.pointee.ifa_addr, sa.pointee.sa_family == sa_family_t(AF_INET) else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            guard getnameinfo(sa, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 else { continue }
            let text = String(cString: host)
            if !text.hasPrefix("127.") { return text }
        }
        return nil
    }
}

/// A TCP listener on `host` and a free port, accepting in the background.
final class TCPListener: @unchecked Sendable {
    let fd: Int32
    let port: Int

    init(host: String) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr(host)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else { throw ProcessError(description: "cannot listen on \(host)") }
        var actual = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        port = Int(UInt16(bigEndian: actual.sin_port))
        let listening = fd
        DispatchQueue.global().async { while true { let c = accept(listening, nil, nil); if c < 0 { return }; Glibc.close(c) } }
    }

    func close() { shutdown(fd, Int32(SHUT_RDWR)); Glibc.close(fd) }
}
