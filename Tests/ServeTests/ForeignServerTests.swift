import Foundation
import XCTest

/// deepcoder against a foreign OpenAI-compatible server: llama-cpp-python's server (llama.cpp) serves the
/// test model's GGUF file, and scripts/foreign_server_check.sh checks that
///   1. a greedy chat completion from it equals `deepcoder serve`'s, and
///   2. `deepcoder new` + `regen` with `--backend` on it write the same files as with `--backend` on
///      `deepcoder serve`.
/// Both hold only where llama.cpp reproduces the engine's reference fixture (check 0): llama.cpp's results
/// depend on the instruction set it was built for (its AVX2 build differs from the AVX-512 one the fixtures
/// come from), while deepcoder's do not. On a machine where it does not, the test skips and says why.
/// Needs the venv scripts/test.sh makes ($DEEPCODER_HOME/venv-llama, llama-cpp-python[server] 0.3.36);
/// skips where it is missing (CI installs it, and fails when it cannot).
final class ForeignServerTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The venv holding llama_cpp.server, or a skip.
    static func venv() throws -> String {
        let env = ProcessInfo.processInfo.environment
        let home = env["DEEPCODER_HOME"] ?? (NSHomeDirectory() + "/.cache/deepcoder")
        let venv = env["DEEPCODER_LLAMA_VENV"] ?? home + "/venv-llama"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: venv + "/bin/python")
        p.arguments = ["-c", "import llama_cpp.server"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard FileManager.default.isExecutableFile(atPath: venv + "/bin/python"), (try? p.run()) != nil else {
            throw XCTSkip("no venv with llama-cpp-python[server] at \(venv); scripts/test.sh installs it")
        }
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw XCTSkip("the venv at \(venv) cannot import llama_cpp.server; scripts/test.sh installs it")
        }
        return venv
    }

    func testNewAndRegenOnLlamaCppServerWriteWhatTheInProcessEngineWrites() throws {
        let venv = try Self.venv()
        _ = try testModelPath()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [Self.root.appendingPathComponent("scripts/foreign_server_check.sh").path]
        p.currentDirectoryURL = Self.root
        var env = ProcessInfo.processInfo.environment
        env["DEEPCODER_BIN"] = ServeProcess.binary.path
        env["DEEPCODER_LLAMA_VENV"] = venv
        env["DEEPCODER_FOREIGN_NO_INSTALL"] = "1"
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let errBox = LockedText()
        let errDone = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            errBox.append(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
            errDone.signal()
        }
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        errDone.wait()
        let report = output + "\n" + errBox.text
        if p.terminationStatus == 3 {
            // llama.cpp built for this CPU does not sum as the fixtures' llama.cpp (check 0 of the script)
            throw XCTSkip(output.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        XCTAssertTrue(output.contains("0. llama.cpp here reproduces its reference fixture"), report)
        XCTAssertEqual(p.terminationStatus, 0, report)
        XCTAssertTrue(output.contains("1. greedy chat completion: identical"), report)
        XCTAssertTrue(output.contains("2. new + regen with --backend: identical trees"), report)
        print(output)
    }
}
