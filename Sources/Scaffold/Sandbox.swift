import Foundation

/// Which sandbox ran verification: recorded in the report, in `--json` and in `.deepcoder/generation.json`.
public enum SandboxKind: String, Sendable, Codable {
    /// bubblewrap: own mount, PID, network (loopback only), IPC and UTS namespaces
    case bwrap
    /// no sandbox: the checks run with the user's rights (bwrap missing or unable to create namespaces)
    case none
}

/// Where verification runs what the model wrote. A model answer is untrusted input: its app is
/// imported, served and tested, so every check runs inside bubblewrap when it works here:
/// - the whole file system read-only (the venv and system included), except the project copy;
/// - its own /tmp, /var/tmp and /dev/shm (empty tmpfs), so nothing is left in the user's temp directory;
/// - its own network namespace with loopback only, so the app can serve and be requested, and can
///   reach nothing else;
/// - its own PID namespace, so every process the app starts (daemons, `setsid` children, a server
///   started at import) dies with the check;
/// - address-space and file-size limits (`prlimit`), on top of each check's time limit.
///
/// Where bwrap is missing or cannot create namespaces (some containers), checks run as before, in
/// their own process group, and `warning` says so once.
public struct Sandbox: Sendable {
    public let kind: SandboxKind
    /// why there is no sandbox (nil when there is one)
    public let unavailableReason: String?
    let bwrap: String?
    let prlimit: String?
    /// RLIMIT_AS of every sandboxed process (V8 and CPython both start well under 2 GiB)
    public var memoryLimitBytes: UInt64 = 4 << 30
    /// RLIMIT_FSIZE: the largest file a check may write
    public var fileSizeLimitBytes: UInt64 = 256 << 20

    /// The sandbox of this process, probed once. `DEEPCODER_SANDBOX=none` turns it off.
    public static let current: Sandbox = detect(environment: ProcessInfo.processInfo.environment)

    public static let none = Sandbox(kind: .none, unavailableReason: "turned off", bwrap: nil, prlimit: nil)

    /// The one-line warning to print when verification runs unsandboxed (nil when sandboxed).
    public var warning: String? {
        guard kind == .none, let why = unavailableReason else { return nil }
        return "verification runs the generated app WITHOUT a sandbox (\(why)): it can write anywhere you can. "
            + "Install bubblewrap (Debian: apt-get install bubblewrap) to contain it."
    }

    static func detect(environment: [String: String]) -> Sandbox {
        if let v = environment["DEEPCODER_SANDBOX"]?.lowercased(), v == "none" || v == "off" || v == "0" {
            return Sandbox(kind: .none, unavailableReason: "DEEPCODER_SANDBOX=\(v)", bwrap: nil, prlimit: nil)
        }
        guard let bwrap = findExecutable("bwrap", environment: environment) else {
            return Sandbox(kind: .none, unavailableReason: "bwrap is not installed", bwrap: nil, prlimit: nil)
        }
        let candidate = Sandbox(kind: .bwrap, unavailableReason: nil, bwrap: bwrap, prlimit: findExecutable("prlimit", environment: environment))
        // the same namespaces a check gets, on a command that must succeed
        let probeDir = FileManager.default.temporaryDirectory.appendingPathComponent("dc-sandbox-probe-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: probeDir) }
        do {
            try FileManager.default.createDirectory(at: probeDir, withIntermediateDirectories: true)
            let (exe, args) = candidate.command("/bin/sh", ["-c", "echo ok > probe"], writable: probeDir, readOnly: [], workingDirectory: probeDir)
            let r = try ProcessRunner.run(exe, args, environment: ["PATH": "/usr/bin:/bin"], timeout: 20)
            if r.succeeded, FileManager.default.fileExists(atPath: probeDir.appendingPathComponent("probe").path) { return candidate }
            let why = r.stderr.split(separator: "\n").first.map(String.init) ?? "exit \(r.exitCode)"
            return Sandbox(kind: .none, unavailableReason: "bwrap cannot create namespaces here: \(why)", bwrap: nil, prlimit: nil)
        } catch {
            return Sandbox(kind: .none, unavailableReason: "bwrap does not start: \(error)", bwrap: nil, prlimit: nil)
        }
    }

    static func findExecutable(_ name: String, environment: [String: String]) -> String? {
        let path = (environment["PATH"] ?? "") + ":/usr/bin:/bin:/usr/sbin:/sbin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The command that runs `executable arguments` in the sandbox, in `workingDirectory`, with
    /// `writable` the only writable directory and `readOnly` (under the temp directory, which the
    /// sandbox replaces) visible read-only. Without a sandbox: the command itself, run in
    /// `workingDirectory` by env(1).
    public func command(_ executable: String, _ arguments: [String], writable: URL, readOnly: [URL],
                        workingDirectory: URL) -> (executable: String, arguments: [String]) {
        guard kind == .bwrap, let bwrap else {
            return ("/usr/bin/env", ["-C", workingDirectory.path, executable] + arguments)
        }
        var args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                    "--tmpfs", "/tmp", "--tmpfs", "/var/tmp", "--tmpfs", "/dev/shm"]
        // after the tmpfs mounts, so paths under /tmp stay visible
        for dir in readOnly { args += ["--ro-bind", dir.path, dir.path] }
        args += ["--bind", writable.path, writable.path,
                 "--unshare-all",            // user (when possible), IPC, PID, network, UTS, cgroup
                 "--die-with-parent",        // the sandbox ends when the check's runner kills bwrap
                 "--new-session",            // no TIOCSTI into the user's terminal
                 "--setenv", "TMPDIR", "/tmp",
                 "--chdir", workingDirectory.path, "--"]
        if let prlimit {
            args += [prlimit, "--as=\(memoryLimitBytes)", "--fsize=\(fileSizeLimitBytes)", "--core=0", "--"]
        }
        return (bwrap, args + [executable] + arguments)
    }
}
