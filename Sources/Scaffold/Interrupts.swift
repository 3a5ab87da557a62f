import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What an interrupted run must undo. Every temporary or scratch directory a run creates and every
/// check it starts is registered here while it exists; on SIGINT, SIGTERM or SIGHUP the CLI's handler
/// calls `cleanUpForExit()`, which kills the check process groups (and with them the sandbox) and
/// removes the directories, so an interrupted run leaves nothing behind.
///
/// `held` sections (the final move into place, a regen's write-back and commit) finish before the
/// clean-up starts, so an interrupt never cuts them in half.
public final class Interrupts: @unchecked Sendable {
    public static let shared = Interrupts()

    private let lock = NSRecursiveLock()
    private var directories: [UUID: URL] = [:]
    private var processGroups: Set<pid_t> = []
    private var exiting = false

    /// Registers a temporary directory (or file) for removal if the run is interrupted; `release`
    /// the token when it is gone or has become the user's.
    public func track(_ directory: URL) -> UUID {
        let token = UUID()
        lock.lock(); defer { lock.unlock() }
        if exiting { waitForExit() }
        directories[token] = directory
        return token
    }

    public func release(_ token: UUID) {
        lock.lock(); defer { lock.unlock() }
        directories[token] = nil
    }

    /// A check's process group, killed on interrupt. If the run is already exiting, the group is
    /// killed at once.
    public func track(processGroup pid: pid_t) {
        lock.lock(); defer { lock.unlock() }
        if exiting { kill(-pid, SIGKILL); waitForExit() }
        processGroups.insert(pid)
    }

    public func release(processGroup pid: pid_t) {
        lock.lock(); defer { lock.unlock() }
        processGroups.remove(pid)
    }

    /// Runs `body` to its end before an interrupt's clean-up may start.
    public func held<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        if exiting { waitForExit() }
        return try body()
    }

    /// When an interrupt's clean-up has started, parks the calling thread while the signal
    /// handler's thread ends the process: the run must not go on, nor report an error caused by the
    /// directories the clean-up removed.
    public func parkIfExiting() {
        lock.lock()
        if exiting { waitForExit() }
        lock.unlock()
    }

    /// Parks the calling thread, which holds `lock` once, forever.
    private func waitForExit() -> Never {
        lock.unlock()
        while true { pause() }
    }

    /// Kills the tracked process groups and removes the tracked directories; returns how many of
    /// each. After this, new process groups are killed as they register.
    @discardableResult
    public func cleanUpForExit() -> (processes: Int, directories: Int) {
        lock.lock(); defer { lock.unlock() }
        exiting = true
        for pid in processGroups { kill(-pid, SIGKILL) }
        for pid in processGroups { var status: Int32 = 0; _ = waitpid(pid, &status, 0) }
        var removed = 0
        for dir in directories.values where FileManager.default.fileExists(atPath: dir.path) {
            if (try? FileManager.default.removeItem(at: dir)) != nil { removed += 1 }
        }
        let counts = (processGroups.count, removed)
        processGroups.removeAll()
        directories.removeAll()
        return counts
    }

    /// A directory under the temporary directory, removed when `body` ends or the run is interrupted.
    public static func withTemporaryDirectory<T>(_ prefix: String, _ body: (URL) throws -> T) throws -> T {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        let token = shared.track(dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir); shared.release(token) }
        return try body(dir)
    }
}
