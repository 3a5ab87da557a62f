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

/// Runs a program with posix_spawn and waits for it with a time limit. Foundation's Process is not
/// used: thousands of launches from two threads at once made it fail with EBADF now and then.
enum ChildProcess {
    struct SpawnError: Error, CustomStringConvertible {
        let call: String
        let code: Int32
        var description: String { "\(call) failed: \(String(cString: strerror(code)))" }
    }

    private static let spawning = NSLock()

    /// Runs `executable` with `arguments` and `environment`, stdin and stdout on /dev/null, collecting
    /// stderr; kills it with SIGKILL after `timeout` seconds.
    static func run(_ executable: URL, _ arguments: [String], environment: [String: String],
                    timeout: TimeInterval) throws -> ChildProcessResult {
        // Pipe creation and spawning are serialised, so no other thread's child inherits this pipe
        // before it is marked close-on-exec.
        spawning.lock()
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            spawning.unlock()
            throw SpawnError(call: "pipe", code: errno)
        }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        defer { close(readEnd) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)

        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable.path, &actions, nil, argv, envp)
        close(writeEnd)
        spawning.unlock()
        guard spawned == 0 else { throw SpawnError(call: "posix_spawn \(executable.path)", code: spawned) }

        // Drain stderr while waiting (non-blocking), so a chatty child cannot block on a full pipe.
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)
        var stderr: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        func drain() {
            while true {
                let n = read(readEnd, &buffer, buffer.count)
                if n <= 0 { return }
                stderr += buffer[0..<n]
            }
        }
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        var timedOut = false
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { throw SpawnError(call: "waitpid", code: errno) }
            drain()
            if Date() > deadline {
                timedOut = true
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                break
            }
            usleep(2_000)
        }
        drain()
        let text = String(decoding: stderr, as: UTF8.self)
        if timedOut { return ChildProcessResult(ending: .timedOut, stderr: text) }
        // the <sys/wait.h> macros: low 7 bits the terminating signal, else bits 8-15 the exit code
        let signal = status & 0x7F
        return ChildProcessResult(ending: signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal), stderr: text)
    }
}
