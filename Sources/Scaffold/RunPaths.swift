import Foundation
import InputSafety

/// What verification records must not depend on: the directories of one run (the project's temp
/// copy, the harness's work directory, the venv) and the timings pytest prints. A report goes through
/// `relative(_:)` when it is made, so `.deepcoder/generation.json` (and the repair prompts built from
/// it) are a function of the inputs alone and `deepcoder reproduce` can compare them byte for byte.
struct RunPaths {
    /// absolute path → what is recorded instead, longest path first
    private var replacements: [(path: String, with: String)] = []

    init(project: URL, harness: URL, venv: URL) {
        add(project, "")
        add(harness, "<verify>")
        add(venv, "<venv>")
        replacements.sort { $0.path.count > $1.path.count }
    }

    /// `url` as it was given, standardized, and with its symbolic links followed (e.g. /tmp and
    /// /private/tmp on macOS): a traceback names whichever form Python saw.
    private mutating func add(_ url: URL, _ replacement: String) {
        let forms: [String?] = [url.path, url.standardizedFileURL.path, url.resolvingSymlinksInPath().path, PathSafety.realPath(url.path)]
        for form in Set(forms.compactMap { $0 }) where form.count > 1 { replacements.append((form, replacement)) }
    }

    /// Temp directories of a run that are not this report's (another run's scratch copy, a harness
    /// directory): shown as `<tmp>`.
    static let otherRunDirectory = try! NSRegularExpression(
        pattern: #"(?:/[^/\s"':]+)*/(?:dc-verify-[0-9A-Fa-f-]+|deepcoder-(?:regen|reproduce)-[0-9A-Fa-f]+|\.[^/\s"':]+\.deepcoder-[0-9A-Fa-f]+)(?=[/\s"':]|$)"#)
    /// pytest's "in 0.53s" (and "in 75.20s (0:01:15)") after its counts
    static let pytestTiming = try! NSRegularExpression(pattern: #" in \d+(?:\.\d+)?s(?: \(\d+:\d{2}:\d{2}\))?(?= |=|$)"#, options: [.anchorsMatchLines])
    /// the request log of Flask's development server ("[15/Mar/2024 10:00:00]") and its debugger PIN
    static let serverClock = try! NSRegularExpression(pattern: #"\[\d{2}/[A-Z][a-z]{2}/\d{4} \d{2}:\d{2}:\d{2}\]"#)
    static let debuggerPIN = try! NSRegularExpression(pattern: #"Debugger PIN: [0-9-]+"#)

    /// `text` with the run's directories replaced: a project path becomes relative (`app.py`, `.`
    /// for the project itself), the harness directory `<verify>`, the venv `<venv>`.
    func text(_ text: String) -> String {
        var out = text
        for (path, with) in replacements {
            out = out.replacingOccurrences(of: path + "/", with: with.isEmpty ? "" : with + "/")
            out = Self.replace(#"(?<![^\s"'(=:])"# + NSRegularExpression.escapedPattern(for: path) + #"(?![^\s"'):,])"#,
                               in: out, with: with.isEmpty ? "." : with)
        }
        out = Self.replace(Self.otherRunDirectory, in: out, with: "<tmp>")
        out = Self.replace(Self.serverClock, in: out, with: "[<time>]")
        return Self.replace(Self.debuggerPIN, in: out, with: "Debugger PIN: <pin>")
    }

    /// The report with every summary and failure message made relative (pytest's timings dropped).
    func relative(_ report: VerificationReport) -> VerificationReport {
        var r = report
        for i in r.checks.indices {
            r.checks[i].summary = text(r.checks[i].summary)
            for j in r.checks[i].failures.indices { r.checks[i].failures[j].message = text(r.checks[i].failures[j].message) }
            if r.checks[i].name == .tests {
                r.checks[i].summary = Self.replace(Self.pytestTiming, in: r.checks[i].summary, with: "")
                for j in r.checks[i].failures.indices {
                    r.checks[i].failures[j].message = Self.replace(Self.pytestTiming, in: r.checks[i].failures[j].message, with: "")
                }
            }
        }
        return r
    }

    static func replace(_ pattern: String, in text: String, with template: String) -> String {
        guard let re = try? NSRegularExpression(pattern: pattern) else { return text }
        return replace(re, in: text, with: template)
    }

    static func replace(_ re: NSRegularExpression, in text: String, with template: String) -> String {
        re.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: NSRegularExpression.escapedTemplate(for: template))
    }
}
