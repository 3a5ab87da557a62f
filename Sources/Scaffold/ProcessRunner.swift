import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct ProcessResult: Sendable {
    public var exitCode: Int32
    public var stdout: String
    public var stderr: String
    public var timedOut: Bool
    public var seconds: Double
    public var succeeded: Bool { exitCode == 0 && !timedOut }
}

public struct ProcessError: Error, CustomStringConvertible {
    public var description: String
}

/// Runs a command in its own process group with a time limit; on timeout (or at the end) the whole
/// group is killed, so servers a check started cannot outlive it (a child that leaves the group, by
/// `setsid`, is caught only by the sandbox's PID namespace: see `Sandbox`). Output goes to temp files
/// (no pipe stalls). The group and the files are registered with `Interrupts` while they exist.
public enum ProcessRunner {
    public static func run(_ executable: String, _ arguments: [String], cwd: URL? = nil,
                           environment: [String: String]? = nil, timeout: Double) throws -> ProcessResult {
        let tmp = FileManager.default.temporaryDirectory
        let outURL = tmp.appendingPathComponent("dc-out-\(UUID().uuidString)")
        let errURL = tmp.appendingPathComponent("dc-err-\(UUID().uuidString)")
        let tokens = [Interrupts.shared.track(outURL), Interrupts.shared.track(errURL)]
        defer {
            try? FileManager.default.removeItem(at: outURL); try? FileManager.default.removeItem(at: errURL)
            tokens.forEach(Interrupts.shared.release)
        }

        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fileActions, 1, outURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&fileActions, 2, errURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        posix_spawnattr_setpgroup(&attr, 0)
        // the CLI ignores SIGINT/SIGTERM/SIGHUP to handle them itself; the command gets default handlers
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigmask(&attr, &unblocked)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let env = environment ?? ProcessInfo.processInfo.environment
        // the working directory is set by env(1) -C (posix_spawn_file_actions_addchdir_np is not exported to Swift)
        var command = [executable] + arguments
        if let cwd { command = ["/usr/bin/env", "-C", cwd.path] + command }
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }

        var pid: pid_t = 0
        let start = Date()
        let rc = command[0].contains("/")
            ? posix_spawn(&pid, command[0], &fileActions, &attr, argv, envp)
            : posix_spawnp(&pid, command[0], &fileActions, &attr, argv, envp)
        guard rc == 0 else { throw ProcessError(description: "cannot start \(executable): \(String(cString: strerror(rc)))") }
        Interrupts.shared.track(processGroup: pid)
        defer { Interrupts.shared.release(processGroup: pid) }

        var status: Int32 = 0
        var timedOut = false
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { break }
            if Date().timeIntervalSince(start) > timeout {
                timedOut = true
                kill(-pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                break
            }
            usleep(20_000)
        }
        // anything the command left running in its group goes too
        kill(-pid, SIGKILL)
        let exited = (status & 0x7f) == 0
        let code: Int32 = timedOut ? -1 : (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f))
        let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        return ProcessResult(exitCode: code, stdout: out, stderr: err, timedOut: timedOut, seconds: Date().timeIntervalSince(start))
    }
}
