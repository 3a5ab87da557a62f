import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended, observed from outside so that its crash cannot take the test down.
struct ChildProcessResult {
    enum Ending: Equatable {
        case exited(Int32)
        /// Killed by a signal (SIGILL, SIGTRAP, SIGABRT, SIGSEGV, …): a crash.
        case signalled(Int32)
        /// Still running after the time limit; killed.
        case timedOut
    }

    let ending: Ending
    let stderr: String
}

enum ChildProcess {
    /// Runs `executable` with `arguments`, stdin and stdout on /dev/null, and waits at most `timeout`
    /// seconds (then kills it with SIGKILL).
    static func run(_ executable: URL, _ arguments: [String], environment: [String: String],
                    timeout: TimeInterval) throws -> ChildProcessResult {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.environment = environment
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        let err = Pipe()
        p.standardError = err
        let done = DispatchSemaphore(value: 0)
        p.terminationHandler = { _ in done.signal() }
        try p.run()
        // Read stderr while the child runs, so a chatty child cannot block on a full pipe.
        let box = DataBox()
        let reader = DispatchGroup()
        reader.enter()
        DispatchQueue.global().async {
            box.data = err.fileHandleForReading.readDataToEndOfFile()
            reader.leave()
        }
        var timedOut = false
        if done.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            kill(p.processIdentifier, SIGKILL)
            done.wait()
        }
        // a grandchild may still hold the pipe open after a kill: do not wait for it forever
        let readAll = reader.wait(timeout: .now() + 5) == .success
        let stderr = readAll ? String(decoding: box.data, as: UTF8.self) : "(stderr still open)"
        if timedOut { return ChildProcessResult(ending: .timedOut, stderr: stderr) }
        switch p.terminationReason {
        case .uncaughtSignal: return ChildProcessResult(ending: .signalled(p.terminationStatus), stderr: stderr)
        default: return ChildProcessResult(ending: .exited(p.terminationStatus), stderr: stderr)
        }
    }
}
