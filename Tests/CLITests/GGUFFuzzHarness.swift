import Foundation
import GGUFTestSupport

/// Runs the `deepcoder` binary on corrupted model files, one child process per command, and sorts what
/// happened: a file must either work (exit 0) or be refused with exit 3 and a single `error:` line on
/// stderr. A signal is a crash, running past the time limit a hang, anything else is unexplained.
struct GGUFFuzzHarness {
    struct Settings {
        var cases = 500
        var seed: UInt64 = 12
        var jobs = 2
        var timeout: TimeInterval = 30
        /// Only these case numbers (to rerun a failure), or all when nil.
        var only: [Int]?
        /// Where failing cases' files are kept (deleted otherwise).
        var keepDirectory: URL?

        /// Defaults, overridden by DEEPCODER_FUZZ_CASES, _SEED, _JOBS, _TIMEOUT, _ONLY (comma-separated
        /// case numbers) and _KEEP (a directory).
        static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> Settings {
            var s = Settings()
            if let v = env["DEEPCODER_FUZZ_CASES"].flatMap(Int.init), v > 0 { s.cases = v }
            if let v = env["DEEPCODER_FUZZ_SEED"].flatMap(UInt64.init) { s.seed = v }
            if let v = env["DEEPCODER_FUZZ_JOBS"].flatMap(Int.init), v > 0 { s.jobs = v }
            if let v = env["DEEPCODER_FUZZ_TIMEOUT"].flatMap(Double.init), v > 0 { s.timeout = v }
            if let v = env["DEEPCODER_FUZZ_ONLY"] { s.only = v.split(separator: ",").compactMap { Int($0) } }
            if let v = env["DEEPCODER_FUZZ_KEEP"] { s.keepDirectory = URL(fileURLWithPath: v) }
            return s
        }
    }

    /// The commands each file goes through: the tokenizer alone, then load + a one-token generation
    /// (which runs the prompt's forward pass and samples once).
    static let commands: [(name: String, arguments: (String) -> [String])] = [
        ("tokenize", { ["tokenize", "--model", $0, "Hi <|im_start|>there"] }),
        ("generate", { ["generate", "--model", $0, "--raw", "-p", "Hi there", "-n", "1", "--quiet", "--threads", "1", "--seed", "7"] }),
    ]

    enum Verdict: Equatable {
        case ran
        case refused
        case crashed(signal: Int32)
        case hung
        case unexplained(String)

        var isFailure: Bool {
            switch self {
            case .ran, .refused: return false
            default: return true
            }
        }
    }

    struct Failure {
        let caseIndex: Int
        let command: String
        let verdict: Verdict
        let description: String
        let stderr: String
    }

    struct Report {
        var cases = 0
        /// "tokenize exit 3", "generate signal 4", "generate timeout", … → count.
        var endings: [String: Int] = [:]
        var failures: [Failure] = []
        var seconds: Double = 0

        func count(_ match: (Verdict) -> Bool) -> Int { failures.filter { match($0.verdict) }.count }
        var crashes: Int { count { if case .crashed = $0 { return true } else { return false } } }
        var hangs: Int { count { $0 == .hung } }
        var unexplained: Int { count { if case .unexplained = $0 { return true } else { return false } } }

        /// Failures grouped by what went wrong: the runtime's message and the first source line of the
        /// backtrace for a crash ("arithmetic overflow @ GGUFFile.swift:143"), the reason otherwise.
        var causes: [String: Int] {
            var out: [String: Int] = [:]
            for f in failures {
                let key: String
                if case .unexplained(let why) = f.verdict {
                    key = why
                } else {
                    let message = f.stderr.firstMatch(of: #/(Swift runtime failure|Fatal error): [^*\n0-9]*/#).map { String($0.output.0) }
                    let place = f.stderr.firstMatch(of: #/[A-Za-z+]+\.swift:[0-9]+/#).map { String($0.output) }
                    key = "\(f.verdict): \(message ?? "?") @ \(place ?? "?")"
                }
                out[key, default: 0] += 1
            }
            return out
        }

        var summary: String {
            var lines = [String(format: "GGUF fuzz: %d cases in %.1f s: %d crashes, %d hangs, %d unexplained endings",
                                cases, seconds, crashes, hangs, unexplained)]
            for (ending, n) in endings.sorted(by: { $0.key < $1.key }) { lines.append("  \(ending): \(n)") }
            for (cause, n) in causes.sorted(by: { $0.value > $1.value }) { lines.append("  failures: \(n) × \(cause)") }
            for f in failures.prefix(30) {
                let firstLines = f.stderr.split(separator: "\n", omittingEmptySubsequences: false).prefix(4).joined(separator: " | ")
                lines.append("  case \(f.caseIndex) \(f.command): \(f.verdict) after [\(f.description)]; stderr: \(firstLines.prefix(400))")
            }
            if failures.count > 30 { lines.append("  … and \(failures.count - 30) more") }
            return lines.joined(separator: "\n")
        }
    }

    let binary: URL
    let settings: Settings

    /// Judges how one command ended.
    static func verdict(_ r: ChildProcessResult) -> Verdict {
        switch r.ending {
        case .timedOut: return .hung
        case .signalled(let s): return .crashed(signal: s)
        case .exited(0): return .ran
        case .exited(3):
            let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false)
            let oneLine = lines.count == 2 && lines[1].isEmpty || lines.count == 1
            guard oneLine, r.stderr.hasPrefix("error: "), r.stderr.count > "error: ".count + 1 else {
                return .unexplained("exit 3 without a single `error:` line")
            }
            return .refused
        case .exited(let code): return .unexplained("exit \(code)")
        }
    }

    static func endingLabel(_ command: String, _ r: ChildProcessResult) -> String {
        switch r.ending {
        case .exited(let c): return "\(command) exit \(c)"
        case .signalled(let s): return "\(command) signal \(s)"
        case .timedOut: return "\(command) timeout"
        }
    }

    /// Runs every case, `settings.jobs` at a time.
    func run() throws -> Report {
        let corruptor = GGUFCorruptor(seed: settings.seed)
        let indices = settings.only ?? Array(0..<settings.cases)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("dc-gguf-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        if let keep = settings.keepDirectory {
            try FileManager.default.createDirectory(at: keep, withIntermediateDirectories: true)
        }
        var env = ProcessInfo.processInfo.environment
        env["DEEPCODER_HOME"] = work.path  // nothing from a real model store is used or written

        let lock = NSLock()
        var next = 0
        var report = Report()
        var thrown: Error?
        let start = Date()
        DispatchQueue.concurrentPerform(iterations: settings.jobs) { _ in
            while true {
                lock.lock()
                let position = next
                next += 1
                lock.unlock()
                guard position < indices.count else { return }
                do {
                    let (endings, failures) = try runCase(corruptor.makeCase(indices[position]), in: work, environment: env)
                    lock.lock()
                    report.cases += 1
                    for e in endings { report.endings[e, default: 0] += 1 }
                    report.failures += failures
                    lock.unlock()
                } catch {
                    lock.lock()
                    thrown = error
                    lock.unlock()
                    return
                }
            }
        }
        if let thrown { throw thrown }
        report.failures.sort { ($0.caseIndex, $0.command) < ($1.caseIndex, $1.command) }
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    private func runCase(_ c: GGUFFuzzCase, in work: URL, environment: [String: String]) throws -> ([String], [Failure]) {
        let file = work.appendingPathComponent("case-\(c.index).gguf")
        try Data(c.bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var endings: [String] = []
        var failures: [Failure] = []
        for command in Self.commands {
            let r = try ChildProcess.run(binary, command.arguments(file.path), environment: environment, timeout: settings.timeout)
            endings.append(Self.endingLabel(command.name, r))
            let v = Self.verdict(r)
            if v.isFailure {
                failures.append(Failure(caseIndex: c.index, command: command.name, verdict: v, description: c.description, stderr: r.stderr))
            }
        }
        if !failures.isEmpty, let keep = settings.keepDirectory {
            try? Data(c.bytes).write(to: keep.appendingPathComponent("case-\(c.index).gguf"))
        }
        return (endings, failures)
    }
}
