import Foundation

/// The tool-managed Python environment: `${DEEPCODER_HOME:-~/.cache/deepcoder}/venv` with the pinned
/// Flask stack and pytest, created once.
public struct PythonEnvironment: Sendable {
    public static let pins = ["Flask==3.1.3", "Flask-WTF==1.3.0", "WTForms==3.3.2", "email-validator==2.4.0", "pytest"]
    public let home: URL
    public var venv: URL { home.appendingPathComponent("venv") }
    public var python: String { venv.appendingPathComponent("bin/python").path }
    var marker: URL { venv.appendingPathComponent(".deepcoder-pins") }

    public init(home: URL? = nil) {
        if let home { self.home = home }
        else if let h = ProcessInfo.processInfo.environment["DEEPCODER_HOME"], !h.isEmpty { self.home = URL(fileURLWithPath: h) }
        else { self.home = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/deepcoder") }
    }

    public var isReady: Bool {
        FileManager.default.isExecutableFile(atPath: python)
            && (try? String(contentsOf: marker, encoding: .utf8)) == Self.pins.joined(separator: "\n")
    }

    /// Creates the venv and installs the pins when that has not been done; `progress` gets a line per step.
    public func ensure(progress: (String) -> Void = { _ in }) throws {
        if isReady { return }
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        if !FileManager.default.isExecutableFile(atPath: python) {
            progress("creating Python venv at \(venv.path)")
            let py = ProcessInfo.processInfo.environment["DEEPCODER_PYTHON"] ?? "python3"
            let r = try ProcessRunner.run(py, ["-m", "venv", venv.path], timeout: 300)
            guard r.succeeded else { throw ProcessError(description: "python3 -m venv failed: \(r.stderr.suffix(1500))") }
        }
        progress("installing \(Self.pins.joined(separator: " ")) into the venv")
        let r = try ProcessRunner.run(python, ["-m", "pip", "install", "-q", "--disable-pip-version-check"] + Self.pins, timeout: 600)
        guard r.succeeded else { throw ProcessError(description: "pip install failed: \((r.stderr + r.stdout).suffix(2000))") }
        try Self.pins.joined(separator: "\n").write(to: marker, atomically: true, encoding: .utf8)
    }
}

public struct CheckFailure: Sendable, Codable, Equatable {
    /// The project file the failure points at (nil when no file is to blame, e.g. a busy port).
    public var file: String?
    public var message: String
    /// The line of `file` the failure points at: a traceback's frame, a syntax error, or the last
    /// line a request ran before giving an answer the description rules out.
    public var line: Int?
    public init(file: String?, message: String, line: Int? = nil) { self.file = file; self.message = message; self.line = line }
}

public struct CheckResult: Sendable, Codable {
    public var name: CheckName
    public var status: CheckStatus
    public var summary: String
    public var failures: [CheckFailure]
    public var seconds: Double
    public var passed: Bool { status != .failed }
}

public struct VerificationReport: Sendable, Codable {
    public var checks: [CheckResult]
    /// where the checks ran (nil in records written before the sandbox existed)
    public var sandbox: SandboxKind? = nil
    public var passed: Bool { checks.allSatisfy(\.passed) }
    public var failedNames: [String] { checks.filter { !$0.passed }.map(\.name.rawValue) }

    /// Checks that passed and failures reported; with the checks in harness order (compile before
    /// import before behaviour), an app that no longer starts fails more checks than one with a
    /// wrong status code.
    public var passedCount: Int { checks.filter { $0.status == .passed }.count }
    public var failureCount: Int { checks.reduce(0) { $0 + ($1.status == .failed ? max(1, $1.failures.count) : 0) } }
    public var scoreText: String { "\(passedCount) checks passed, \(failureCount) failures" }

    /// More checks passed, or as many with fewer failures.
    public func isBetter(than other: VerificationReport) -> Bool {
        passedCount != other.passedCount ? passedCount > other.passedCount : failureCount < other.failureCount
    }
}

/// A route request made by verification and by the generated tests.
public struct RouteProbe: Sendable, Codable, Equatable {
    public var method: String
    public var url: String
    public var routePath: String
    public var form: [String: String]?
    public var json: [String: JSONScalar]?
    public var mustExist: Bool
    /// keys a successful JSON answer must have (`ContractReader.answerKeys`); nil when none are known
    public var answerKeys: [String]? = nil
}

public enum JSONScalar: Sendable, Codable, Equatable {
    /// a list holds scalars (`{"values": [2, 4, 9]}`); nested objects are not part of a description's bodies
    case string(String), number(Double), bool(Bool)
    indirect case list([JSONScalar])
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .number(let d): try c.encode(d)
        case .bool(let b): try c.encode(b)
        case .list(let items): try c.encode(items)
        }
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b) } else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let items = try? c.decode([JSONScalar].self) { self = .list(items) } else { self = .string(try c.decode(String.self)) }
    }
    var pythonLiteral: String {
        switch self {
        case .string(let s): return PythonLiteral.string(s)
        case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
        case .bool(let b): return b ? "True" : "False"
        case .list(let items): return "[" + items.map(\.pythonLiteral).joined(separator: ", ") + "]"
        }
    }
    /// the contract's type of this value (a number written with a decimal point is a number, else an integer is still a number)
    var valueType: Contract.ValueType? {
        switch self {
        case .string(let s): return s.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil ? .date : .string
        case .number: return .number
        case .bool: return .boolean
        case .list: return .list
        }
    }
    /// the type of a list's items, when they all have one
    var itemType: Contract.ValueType? {
        guard case .list(let items) = self, let first = items.first?.valueType, items.allSatisfy({ $0.valueType == first }) else { return nil }
        return first
    }
    /// as JSON text (`"a"`, `2`, `true`, `[2, 4]`)
    var jsonText: String {
        switch self {
        case .string(let s): return "\"\(s)\""
        case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
        case .bool(let b): return b ? "true" : "false"
        case .list(let items): return "[" + items.map(\.jsonText).joined(separator: ", ") + "]"
        }
    }
}

enum PythonLiteral {
    static func string(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "\""
    }
}

public enum Probes {
    /// A valid value for a parameter: from its type (the contract's, or the description's own
    /// syntax), never from its name; a number when nothing says otherwise.
    static func sampleText(_ type: Contract.ValueType?) -> String { (type ?? .number).sampleText }

    static func sampleJSON(_ type: Contract.ValueType?) -> JSONScalar { type?.sampleJSON ?? .string("sample text") }

    static func fieldType(_ wtformsType: String) -> Contract.ValueType {
        switch wtformsType {
        case "FloatField", "DecimalField", "DecimalRangeField": return .number
        case "IntegerField", "IntegerRangeField": return .integer
        case "EmailField": return .email
        case "BooleanField": return .boolean
        case "DateField": return .date
        case "PasswordField": return .password
        default: return .string
        }
    }

    /// One probe per planned route: POST/PUT first so that items exist for GET/DELETE of `/<id>`.
    public static func make(for plan: ProjectPlan, types: [String: Contract.ValueType] = [:], answerKeys: [String: [String]] = [:]) -> [RouteProbe] {
        let order = ["POST": 0, "GET": 1, "PUT": 2, "PATCH": 3, "DELETE": 4]
        let routes = plan.routes.enumerated().sorted { (order[$0.element.method] ?? 5, $0.offset) < (order[$1.element.method] ?? 5, $1.offset) }.map(\.element)
        let fields = plan.forms.flatMap(\.fields).filter { $0.name != "submit" && $0.name != "csrf_token" && $0.type != "SubmitField" }
        let bodyKeys = plan.jsonKeys.filter { !["error", "id", "message", "errors"].contains($0.lowercased()) }
        return routes.map { r in
            var url = r.path.replacingOccurrences(of: #"<(?:[a-z]+:)?[A-Za-z_]\w*>"#, with: "1", options: .regularExpression)
            if !r.query.isEmpty { url += "?" + r.query.map { "\($0)=\(sampleText(types[$0]))" }.joined(separator: "&") }
            let hasParam = r.path.contains("<")
            var form: [String: String]? = nil
            var json: [String: JSONScalar]? = nil
            if ["POST", "PUT", "PATCH"].contains(r.method) {
                if plan.kind == .jsonAPI {
                    json = Dictionary(uniqueKeysWithValues: bodyKeys.map { ($0, sampleJSON(types[$0])) })
                } else if !fields.isEmpty {
                    form = Dictionary(fields.map { ($0.name, sampleText(types[$0.name] ?? fieldType($0.type))) }) { a, _ in a }
                }
            }
            return RouteProbe(method: r.method, url: url, routePath: r.path, form: form, json: json,
                              mustExist: !hasParam && r.method != "DELETE", answerKeys: answerKeys["\(r.method) \(r.path)"])
        }
    }
}

/// Runs every check of a generated project, each in its own bounded subprocess with cwd = the project,
/// inside `sandbox` (see `Sandbox`: only the project is writable, loopback only, everything dies with the check).
public struct Verifier {
    public var environment: PythonEnvironment
    public var renderer: TemplateRenderer
    public var progress: (String) -> Void
    public var sandbox: Sandbox = .current
    /// each check's time limit in seconds (tests shorten them)
    public var timeouts = Verifier.defaultTimeouts

    public init(environment: PythonEnvironment, renderer: TemplateRenderer, progress: @escaping (String) -> Void = { _ in }) {
        self.environment = environment; self.renderer = renderer; self.progress = progress
    }

    public static let defaultTimeouts: [CheckName: Double] = Dictionary(uniqueKeysWithValues: CheckName.run.map { ($0, $0.timeout) })

    /// Runs the checks; `behaviour` are the description's stated outcomes (`BehaviourRules`).
    public func verify(project: URL, plan: ProjectPlan, behaviour: [BehaviourCheck] = [], page: [PageCheck] = [],
                       wantsJavaScript: Bool = false, types: [String: Contract.ValueType] = [:],
                       answerKeys: [String: [String]] = [:], submissions: [PageSubmission] = []) throws -> VerificationReport {
        try environment.ensure(progress: progress)
        if let warning = sandbox.warning { Self.warnOnce(warning, progress) }
        return try Interrupts.withTemporaryDirectory("dc-verify") { work in
            try verify(project: project, work: work, plan: plan, behaviour: behaviour, page: page, wantsJavaScript: wantsJavaScript, types: types,
                       answerKeys: answerKeys, submissions: submissions)
        }
    }

    private static let warned = NSLock()
    nonisolated(unsafe) private static var hasWarned = false
    static func warnOnce(_ text: String, _ progress: (String) -> Void) {
        warned.lock(); defer { warned.unlock() }
        if !hasWarned { hasWarned = true; progress("warning: " + text) }
    }

    private func verify(project: URL, work: URL, plan: ProjectPlan, behaviour: [BehaviourCheck], page: [PageCheck],
                        wantsJavaScript: Bool, types: [String: Contract.ValueType], answerKeys: [String: [String]],
                        submissions: [PageSubmission]) throws -> VerificationReport {
        let harness = try renderer.url(for: "tools/verify_app.py")
        let harnessCopy = work.appendingPathComponent("verify_app.py")
        try FileManager.default.copyItem(at: harness, to: harnessCopy)
        let simCopy = work.appendingPathComponent("page_sim.js")
        try FileManager.default.copyItem(at: try renderer.url(for: "tools/page_sim.js"), to: simCopy)
        let inputURL = work.appendingPathComponent("input.json")
        let pageFile = plan.pages.first ?? "app.py"
        let input: [String: Any] = [
            "port": plan.port,
            "probes": try JSONSerialization.jsonObject(with: JSONEncoder().encode(Probes.make(for: plan, types: types, answerKeys: answerKeys))),
            "behaviour": try JSONSerialization.jsonObject(with: JSONEncoder().encode(behaviour)),
            "page": try JSONSerialization.jsonObject(with: JSONEncoder().encode(page)),
            "pageSim": simCopy.path,
            "pins": ["elementIDs": plan.elementIDs, "fieldNames": plan.forms.flatMap { $0.fields.map(\.name) },
                     "kind": plan.kind.rawValue, "pageFile": pageFile, "wantsJavaScript": wantsJavaScript, "formFile": plan.kind == .wtforms ? "forms.py" : "app.py",
                     "submissions": try JSONSerialization.jsonObject(with: JSONEncoder().encode(submissions))],
        ]
        try JSONSerialization.data(withJSONObject: input).write(to: inputURL)

        var env = ProcessInfo.processInfo.environment
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONUNBUFFERED"] = "1"
        env.removeValue(forKey: "PYTHONPATH")
        env.removeValue(forKey: "FLASK_APP")

        var results: [CheckResult] = []
        func failed(_ name: CheckName) -> Bool { results.first { $0.name == name }?.status == .failed }
        for name in CheckName.run {
            if let b = name.blockedBy.first(where: failed) {
                results.append(CheckResult(name: name, status: .skipped, summary: "skipped: \(b) failed", failures: [], seconds: 0))
                continue
            }
            progress("verify \(name)")
            let timeout = timeouts[name] ?? name.timeout
            let arguments = name == .tests ? ["-m", "pytest", "-q", "-x", "--tb=short", "-p", "no:cacheprovider", "tests"]
                                            : [harnessCopy.path, name.rawValue, inputURL.path]
            let command = sandbox.command(environment.python, arguments, writable: project,
                                          readOnly: [work, environment.venv], workingDirectory: project)
            let before = Self.entries(of: project)
            let r = try ProcessRunner.run(command.executable, command.arguments, environment: env, timeout: timeout)
            // what the check's run of the app created (an SQLite file, uploads, logs) goes: every check
            // starts from the project as written, and none of it is committed
            for rel in Self.entries(of: project).subtracting(before).sorted() {
                try? FileManager.default.removeItem(at: project.appendingPathComponent(rel))
            }
            results.append(name == .tests ? Self.testsResult(r) : Self.harnessResult(name, r, timeout: timeout))
            let last = results[results.count - 1]
            progress("verify \(name): \(last.status)\(last.summary.isEmpty ? "" : " — " + String(last.summary.prefix(160)))")
        }
        // bytecode the checks may have left
        for dir in ["__pycache__", "tests/__pycache__", ".pytest_cache"] {
            try? FileManager.default.removeItem(at: project.appendingPathComponent(dir))
        }
        try? FileManager.default.removeItem(at: project.appendingPathComponent(".deepcoder/serve.log"))
        // recorded relative to the project, so the record does not depend on where this run happened
        return RunPaths(project: project, harness: work, venv: environment.venv).relative(VerificationReport(checks: results, sandbox: sandbox.kind))
    }

    /// Every file and directory under `root` (relative paths), `.git` and `.deepcoder` left out.
    static func entries(of root: URL) -> Set<String> {
        var out = Set<String>()
        let base = root.standardizedFileURL.path
        guard let e = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil, options: []) else { return out }
        for case let u as URL in e {
            let p = u.standardizedFileURL.path
            guard p.hasPrefix(base + "/") else { continue }
            let rel = String(p.dropFirst(base.count + 1))
            if rel == ".git" || rel == ".deepcoder" { e.skipDescendants(); continue }
            out.insert(rel)
        }
        return out
    }

    struct HarnessOutput: Decodable { var ok: Bool; var summary: String; var failures: [CheckFailure] }

    static func harnessResult(_ name: CheckName, _ r: ProcessResult, timeout: Double) -> CheckResult {
        if r.timedOut {
            let hint = name == .import || name == .routes ? " (does app.py call app.run() outside `if __name__ == \"__main__\":`, or loop forever?)" : ""
            return CheckResult(name: name, status: .failed, summary: "timed out after \(Int(timeout)) s",
                               failures: [CheckFailure(file: "app.py", message: "check \(name) timed out after \(Int(timeout)) s\(hint)")], seconds: r.seconds)
        }
        let lastLine = r.stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard let data = lastLine.data(using: .utf8), let out = try? JSONDecoder().decode(HarnessOutput.self, from: data) else {
            return CheckResult(name: name, status: .failed, summary: "harness gave no result (exit \(r.exitCode))",
                               failures: [CheckFailure(file: "app.py", message: String((r.stderr + r.stdout).suffix(2000)))], seconds: r.seconds)
        }
        let skipped = out.ok && out.summary.hasPrefix("skipped")
        return CheckResult(name: name, status: out.ok ? (skipped ? .skipped : .passed) : .failed, summary: out.summary,
                           failures: out.failures, seconds: r.seconds)
    }

    /// pytest's short traceback without the frames of installed packages (Flask, Werkzeug): a repair
    /// request shows the test's line, the project's lines and the error, not twenty lines of the
    /// framework's dispatch (a 1.5B model given those repeated the failing file unchanged).
    static func withoutLibraryFrames(_ text: String) -> String {
        var out: [Substring] = []
        var dropping = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.range(of: #"^\S+:\d+: in \S+"#, options: .regularExpression) != nil {
                dropping = line.contains("site-packages/")
                if dropping { continue }
            } else if dropping, line.hasPrefix("    ") || line.isEmpty {
                continue
            } else {
                dropping = false
            }
            out.append(line)
        }
        return out.joined(separator: "\n")
    }

    static func testsResult(_ r: ProcessResult) -> CheckResult {
        let text = r.stdout + r.stderr
        let summaryLine = text.split(separator: "\n").last(where: { $0.contains("passed") || $0.contains("failed") || $0.contains("error") }).map(String.init) ?? ""
        if r.succeeded {
            return CheckResult(name: .tests, status: .passed, summary: summaryLine, failures: [], seconds: r.seconds)
        }
        // the generated tests are skeleton files: the fault is in the app (or the file a traceback names)
        var file = "app.py"
        if let m = text.range(of: #"(?m)^(forms\.py|app\.py|templates/[\w\-]+\.html):\d+"#, options: .regularExpression) {
            file = String(text[m].split(separator: ":")[0])
        }
        let message = r.timedOut ? "pytest timed out" : String(withoutLibraryFrames(text).suffix(2500))
        return CheckResult(name: .tests, status: .failed, summary: r.timedOut ? "timed out" : summaryLine,
                           failures: [CheckFailure(file: file, message: message)], seconds: r.seconds)
    }
}
