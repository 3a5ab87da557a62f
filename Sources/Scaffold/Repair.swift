import Foundation

// Verify, blame files, regenerate them with the errors, keep the best version seen; and the helpers
// that point a repeated repair at the lines that gave a wrong answer.
extension ProjectBuild {
    /// Writes a generated file: the page of an `.embedPage` project goes into the tool's app.py.
    func store(_ content: String, path: String, in dir: URL) throws {
        project.contents[path] = content
        if path == AppSkeleton.pagePath && project.skeleton == .embedPage { try writeSkeletonApp(dir) } else { try write(content, path: path, in: dir) }
    }

    /// Verifies `dir`, then repairs the files `targets` blames, up to `maxRepairs` rounds. A repair can
    /// make a project worse (a 1.5B model once "fixed" a failing status code into an app that no
    /// longer started); the best version seen (`VerificationReport.isBetter`) is the one kept.
    func verifyAndRepair(_ dir: URL, verifier: Verifier, targets: (VerificationReport) -> [(String, String)],
                         file: (String) -> PlannedFile) throws -> (VerificationReport, Int) {
        var report = try tryCandidates(dir, verifier: verifier, report: try runVerification(verifier, dir))
        var best = (report: report, state: projectState)
        var rounds = 0
        while !report.passed, rounds < options.maxRepairs {
            report = try knownFixes(dir, verifier: verifier, report: report, files: Set(targets(report).map(\.0)))
            if report.isBetter(than: best.report) { best = (report, projectState) }
            if report.passed { break }
            let blamed = targets(report)
            if blamed.isEmpty { say("repair", "no file to blame for: \(report.failedNames.joined(separator: ", ")); not repairing"); break }
            rounds += 1
            for (path, errors) in blamed {
                if path == ProjectBuild.viewsTarget {
                    say("repair", "round \(rounds)/\(options.maxRepairs): writing the views of app.py again")
                    try repairViews(in: dir, error: errors, round: rounds)
                    continue
                }
                let line = report.checks.lazy.flatMap(\.failures).first { $0.file == path && $0.line != nil }?.line
                say("repair", "round \(rounds)/\(options.maxRepairs): regenerating \(path)\(line.map { " (a failure points at line \($0))" } ?? "")")
                let content: String
                do {
                    content = try generateFile(file(path), repairError: errors, round: rounds, faultLine: line)
                } catch ScaffoldError.generation(let why) {
                    // an unusable repair answer is no reason to lose the project: keep what is there
                    say("repair", "\(path): no usable repair (\(why)); keeping the current version")
                    continue
                }
                try store(content, path: path, in: dir)
                project.records[path]?.repairs += 1
            }
            // a repaired app.py of the model's that dropped a planned route gets it back the way the first
            // version did (the tool writes the declaration, the model the body); imports and builtins hidden
            // by locals are fixed as after the first version
            if project.skeleton == .none, blamed.contains(where: { $0.0 == "app.py" }) { try completeRoutes(in: dir) }
            try fixImports(in: dir)
            // a repaired app.py may render a page the project does not have yet: the model writes it
            if blamed.contains(where: { $0.0 == "app.py" || $0.0 == ProjectBuild.viewsTarget }),
               let app = try? String(contentsOf: dir.appendingPathComponent("app.py"), encoding: .utf8) {
                for added in planRenderedTemplates(app) where !FileManager.default.fileExists(atPath: dir.appendingPathComponent(added.path).path) {
                    do {
                        try store(try generateFile(added, repairError: nil), path: added.path, in: dir)
                    } catch ScaffoldError.generation(let why) {
                        say("repair", "\(added.path): no usable page (\(why))")
                    }
                }
            }
            report = try tryCandidates(dir, verifier: verifier, report: try runVerification(verifier, dir))
            if report.isBetter(than: best.report) { best = (report, projectState) }
        }
        // the last round's answer may fail in a way a known fix cures (it was never shown one)
        if !report.passed, options.maxRepairs > 0, rounds >= options.maxRepairs {
            report = try knownFixes(dir, verifier: verifier, report: report, files: Set(targets(report).map(\.0)))
            if report.isBetter(than: best.report) { best = (report, projectState) }
        }
        if best.report.isBetter(than: report) {
            say("repair", "the repairs made it worse (\(report.scoreText) vs \(best.report.scoreText)); keeping the best version")
            try restore(best.state, in: dir)
            report = best.report
        }
        return (report, rounds)
    }

    /// The known fixes (`KnownFix.all`) for a failing report, each kept only when verification gets better.
    func knownFixes(_ dir: URL, verifier: Verifier, report: VerificationReport, files: Set<String>) throws -> VerificationReport {
        let session = FixSession(build: self, dir: dir, verifier: verifier, report: report, files: files)
        for fix in KnownFix.all { try fix.apply(session) }
        return session.report
    }

    /// Writes `candidate` as `path` and verifies; keeps it and returns the new report when it is
    /// better than `report`, else puts the file back and returns nil.
    func keepIfBetter(_ candidate: String, path: String, dir: URL, verifier: Verifier, than report: VerificationReport,
                      what: String) throws -> VerificationReport? {
        let original = project.contents[path] ?? ""
        try store(candidate, path: path, in: dir)
        let r = try runVerification(verifier, dir)
        guard r.isBetter(than: report) else {
            try store(original, path: path, in: dir)
            return nil
        }
        say("repair", "\(what) (\(r.scoreText), was \(report.scoreText))")
        project.records[path]?.repairs += 1
        return r
    }

    /// Files to regenerate with the errors that point at them; only files the model wrote.
    func repairTargets(_ report: VerificationReport) -> [(String, String)] {
        var order: [String] = []
        var errors: [String: [String]] = [:]
        let modelFiles = project.skeleton.modelFiles(project.plan)
        let generated = Set(modelFiles.map(\.path))
        for check in report.checks where check.status == .failed {
            for f in check.failures {
                guard var file = f.file else { continue }
                // the tool's own files (skeleton, tests, a tool-written app.py) are not repaired: the model's are
                if file == "app.py", project.skeleton != .none, !project.extraViews.isEmpty {
                    file = ProjectBuild.viewsTarget  // the model's views in the tool's app.py
                } else if file == "app.py", project.skeleton == .jsonRoutes {
                    continue  // the tool wrote all of app.py (a resource's views): nothing of the model's to repair
                } else if !generated.contains(file) {
                    file = generated.contains("app.py") ? "app.py"
                        : (modelFiles.first { $0.path == AppSkeleton.pagePath || $0.path.hasPrefix("templates/") }?.path ?? modelFiles.first?.path ?? "app.py")
                }
                if errors[file] == nil { order.append(file) }
                errors[file, default: []].append("[\(check.name)] \(f.message)")
            }
        }
        return order.map { ($0, errors[$0]!.joined(separator: "\n\n")) }
    }

}

/// Mechanical fixes to generated Python whose cure is certain.
public enum PythonFixes {
    /// A call of `name` on one line, its arguments (two levels of parentheses inside) in group 1.
    static func callPattern(_ name: String) -> String {
        #"\b"# + NSRegularExpression.escapedPattern(for: name) + #"\(((?:[^()\n]|\((?:[^()\n]|\([^()\n]*\))*\))*)\)"#
    }

    /// `validate_email(x)` from email_validator asks DNS whether the domain takes mail: offline, or where
    /// a resolver answers "no such domain" for a test address, it raises on a valid address and the
    /// view answers 500 (WTForms' own Email() validator does not ask). Each call gets
    /// `check_deliverability=False`; the changed source and the number of calls, or nil when none lacks it.
    public static func offlineEmailCheck(_ source: String) -> (source: String, count: Int)? {
        let call = callPattern("validate_email")
        let ns = source as NSString
        let found = StatementReader.all(call, source, []).filter { m in
            let args = ns.substring(with: m.range(at: 1))
            return !args.contains("check_deliverability") && !args.trimmingCharacters(in: .whitespaces).isEmpty
        }
        guard !found.isEmpty else { return nil }
        var out = source
        for m in found.reversed() {
            let args = (out as NSString).substring(with: m.range(at: 1))
            out = (out as NSString).replacingCharacters(in: m.range, with: "validate_email(\(args), check_deliverability=False)")
        }
        return (out, found.count)
    }

    /// A dict literal that reads the name it is being assigned to (`result = {"Total": a + b,
    /// "Band": "high" if result > 9 else "low"}`): that name is still None (or unset) there, so the line
    /// at `faultLine` (1-based) raises. The first entry's value becomes a variable of its own, assigned
    /// before the dict, and the later entries read it (`result` → it, `result["Total"]` → it).
    /// nil when the code is not of that shape.
    public static func selfReferencingDict(_ source: String, faultLine: Int) -> (source: String, variable: String, name: String)? {
        var lines = source.components(separatedBy: "\n")
        guard faultLine >= 2, faultLine <= lines.count else { return nil }
        let f = faultLine - 1
        // the opening `NAME = {` above the fault, within the same statement
        var open: Int? = nil
        var i = f - 1
        while i >= 0, f - i <= 30 {
            if PinnedFacts.matches(#"^\s*[A-Za-z_]\w*\s*=\s*\{\s*$"#, in: lines[i], options: []).first != nil { open = i; break }
            if lines[i].range(of: #"^\s*(?:def|class|if|for|while|return)\b"#, options: .regularExpression) != nil { return nil }
            i -= 1
        }
        guard let o = open, let head = PinnedFacts.matches(#"^(\s*)([A-Za-z_]\w*)\s*=\s*\{\s*$"#, in: lines[o], options: []).first,
              let indent = head[1], let name = head[2] else { return nil }
        let ref = #"(?<![.\w])"# + name + #"\b"#
        guard lines[f].range(of: ref, options: .regularExpression) != nil,
              let first = PinnedFacts.matches(#"^(\s*)(["'])([^"']+)\2\s*:\s*(.+?)\s*,\s*$"#, in: lines[o + 1], options: []).first,
              let key = first[3], let value = first[4], value.range(of: ref, options: .regularExpression) == nil else { return nil }
        // the dict ends at a `}` back at the assignment's indent
        guard let close = (o + 1..<lines.count).first(where: { lines[$0].trimmingCharacters(in: .whitespaces).hasPrefix("}") && PythonFixes.indent(lines[$0]) == indent.count }),
              close >= f else { return nil }
        var variable = key.lowercased().replacingOccurrences(of: #"[^a-z0-9]+"#, with: "_", options: .regularExpression).trimmingCharacters(in: CharacterSet(charactersIn: "_"))
        if variable.isEmpty || variable.first!.isNumber || source.range(of: #"\b"# + variable + #"\b"#, options: .regularExpression) != nil { variable = name + "_value" }
        guard source.range(of: #"\b"# + variable + #"\b"#, options: .regularExpression) == nil else { return nil }
        let keyRef = #"(?<![.\w])"# + name + #"\[\s*["']"# + NSRegularExpression.escapedPattern(for: key) + #"["']\s*\]"#
        lines[o + 1] = (first[1] ?? "") + (first[2] ?? "\"") + key + (first[2] ?? "\"") + ": " + variable + ","
        for j in (o + 2)...close {
            lines[j] = lines[j].replacingOccurrences(of: keyRef, with: variable, options: .regularExpression)
                .replacingOccurrences(of: ref + #"(?!\s*\[)"#, with: variable, options: .regularExpression)
        }
        lines.insert(indent + variable + " = " + value, at: o)
        return (lines.joined(separator: "\n"), variable, name)
    }

    /// The value of `key` in the answer a view builds (`"key": expr,` on a traced line), sorted as
    /// the description says its list is ordered: `sorted(expr)`, with `reverse=True` for descending
    /// and `key=str.casefold` for texts. nil when no traced line gives the key a value, or it is sorted already.
    public static func sortedValue(_ source: String, key: String, descending: Bool, texts: Bool, lines traced: [Int]) -> (source: String, old: String, new: String)? {
        var lines = source.components(separatedBy: "\n")
        let pattern = #"^(\s*)(["'])"# + NSRegularExpression.escapedPattern(for: key) + #"\2(\s*:\s*)(.+?)(\s*,?\s*)$"#
        for n in traced where n >= 1 && n <= lines.count {
            guard let m = PinnedFacts.matches(pattern, in: lines[n - 1], options: []).first, let value = m[4],
                  !value.hasPrefix("sorted(") else { continue }
            let args = (texts ? ", key=str.casefold" : "") + (descending ? ", reverse=True" : "")
            let old = lines[n - 1]
            lines[n - 1] = (m[1] ?? "") + (m[2] ?? "\"") + key + (m[2] ?? "\"") + (m[3] ?? ": ") + "sorted(\(value)\(args))" + (m[5] ?? "")
            return (lines.joined(separator: "\n"), old, lines[n - 1])
        }
        return nil
    }

    /// A parameter the description makes a whole number, read with `float(…)`: a decimal such as 2.5
    /// was accepted where it must be refused. On the traced lines, the first `float(…)` that reads
    /// `name` becomes `int(…)` (which raises ValueError on "2.5", like float on a word). nil otherwise.
    public static func wholeNumberParse(_ source: String, name: String, lines traced: [Int]) -> (source: String, old: String, new: String)? {
        var lines = source.components(separatedBy: "\n")
        let call = callPattern("float")
        let named = #"\b"# + NSRegularExpression.escapedPattern(for: name) + #"\b"#
        for n in traced where n >= 1 && n <= lines.count {
            let old = lines[n - 1]
            let ns = old as NSString
            guard let m = StatementReader.all(call, old, []).first(where: { ns.substring(with: $0.range(at: 1)).range(of: named, options: .regularExpression) != nil }) else { continue }
            lines[n - 1] = ns.replacingCharacters(in: NSRange(location: m.range.location, length: "float".count), with: "int")
            return (lines.joined(separator: "\n"), old.trimmingCharacters(in: .whitespaces), lines[n - 1].trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// An error answer whose message lacks the word the description says every such message contains:
    /// on the traced `return` line (`return jsonify({"error": "bad n"}), 400`), the message becomes
    /// `example`, the description's own message with that word. nil when the line holds no such message.
    public static func errorMessage(_ source: String, line: Int, word: String, example: String) -> (source: String, old: String, new: String)? {
        var lines = source.components(separatedBy: "\n")
        guard line >= 1, line <= lines.count, !example.contains("\""), !example.contains("\\") else { return nil }
        let text = lines[line - 1]
        guard text.trimmingCharacters(in: .whitespaces).hasPrefix("return"),
              let m = StatementReader.all(#"(["']error["']\s*:\s*)(["'])((?:(?!\2).)*)\2"#, text, []).first else { return nil }
        let ns = text as NSString
        guard !ns.substring(with: m.range(at: 3)).contains(word) else { return nil }
        let replaced = ns.replacingCharacters(in: m.range, with: ns.substring(with: m.range(at: 1)) + "\"" + example + "\"")
        lines[line - 1] = replaced
        return (lines.joined(separator: "\n"), text.trimmingCharacters(in: .whitespaces), replaced.trimmingCharacters(in: .whitespaces))
    }

    /// A view that answers its list wrapped in an object of one key where the description asks for a
    /// JSON list: `return {"items": [...]}`, `return jsonify({"items": rows})`, `return jsonify(items=rows)`
    /// → the list itself (`jsonify(rows)`, or the bare value, which Flask sends as JSON). `line` is the
    /// 1-based line of that `return`; nil when it is not one of these shapes.
    public static func listAnswer(_ source: String, line: Int) -> (source: String, old: String, new: String)? {
        var lines = source.components(separatedBy: "\n")
        guard line >= 1, line <= lines.count else { return nil }
        let text = lines[line - 1]
        let indent = String(text.prefix { $0 == " " || $0 == "\t" })
        var body = text.trimmingCharacters(in: .whitespaces)
        // a status after the answer (`return jsonify({...}), 200`) is kept
        var status = ""
        if let st = body.range(of: #"\s*,\s*\d{3}\s*$"#, options: .regularExpression) { status = String(body[st]); body = String(body[..<st.lowerBound]) }
        let original = text.trimmingCharacters(in: .whitespaces)
        guard let m = PinnedFacts.matches(#"^return\s+(jsonify\(\s*)?(?:\{\s*["'][A-Za-z_]\w*["']\s*:|([A-Za-z_]\w*)\s*=)\s*(.*)$"#, in: body, options: []).first,
              var rest = m[3] else { return nil }
        let jsonified = m[1] != nil
        // what closes the call and the object: `)` and/or `}`, with nothing after them
        var closers = (m[2] == nil ? "}" : "") + (jsonified ? ")" : "")
        rest = rest.trimmingCharacters(in: .whitespaces)
        if m[2] != nil && !jsonified { return nil }
        while let c = closers.last {
            rest = rest.trimmingCharacters(in: .whitespaces)
            guard rest.last == c else { return nil }
            rest.removeLast(); closers.removeLast()
        }
        let value = rest.trimmingCharacters(in: .whitespaces)
        // one value only: no comma outside brackets and strings, brackets balanced
        var depth = 0, quote: Character? = nil
        for ch in value {
            if let q = quote { if ch == q { quote = nil }; continue }
            switch ch {
            case "\"", "'": quote = ch
            case "(", "[", "{": depth += 1
            case ")", "]", "}": depth -= 1; if depth < 0 { return nil }
            case "," where depth == 0: return nil
            default: break
            }
        }
        guard !value.isEmpty, depth == 0, quote == nil else { return nil }
        let new = "return " + (jsonified ? "jsonify(\(value))" : (status.isEmpty ? value : "jsonify(\(value))")) + status
        lines[line - 1] = indent + new
        return (lines.joined(separator: "\n"), original, new)
    }

    /// A JavaScript method a small model called on a Python value, as the AttributeError names it:
    /// `a.contains(b)` / `a.includes(b)` on a str or list → `(b in a)`, `.push(` → `.append(`,
    /// `.toLowerCase()` / `.toUpperCase()` / `.trim()` on a str → `.lower()` / `.upper()` / `.strip()`.
    /// nil when the method is none of these or the file does not call it.
    public static func javaScriptMethod(_ source: String, type: String, method: String) -> (source: String, changed: [String])? {
        let receiver = #"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*(?:\((?:[^()]|\([^()]*\))*\))?|\[[^\[\]]*\])*)"#
        var out = source
        switch (type, method) {
        case ("str", "contains"), ("str", "includes"), ("list", "contains"), ("list", "includes"):
            let re = try! NSRegularExpression(pattern: receiver + #"\."# + method + #"\(((?:[^()]|\([^()]*\))*)\)"#)
            let ns = source as NSString
            let found = re.matches(in: source, range: NSRange(location: 0, length: ns.length))
            guard !found.isEmpty else { return nil }
            for m in found.reversed() {
                out = (out as NSString).replacingCharacters(in: m.range, with: "(\(ns.substring(with: m.range(at: 2))) in \(ns.substring(with: m.range(at: 1))))")
            }
            return (out, ["`x.\(method)(y)` → `(y in x)` (\(found.count)×; \(type) has no \(method))"])
        case ("list", "push"), ("str", "toLowerCase"), ("str", "toUpperCase"), ("str", "trim"):
            let python = ["push": "append", "toLowerCase": "lower", "toUpperCase": "upper", "trim": "strip"][method]!
            let count = PinnedFacts.ranges(#"\."# + method + #"\("#, in: source, options: []).count
            guard count > 0 else { return nil }
            out = source.replacingOccurrences(of: "." + method + "(", with: "." + python + "(")
            return (out, ["`.\(method)(` → `.\(python)(` (\(count)×)"])
        default:
            return nil
        }
    }
}

/// Reading a failure: the project lines its trace ran, the conditions that answered, and the words a
/// repair request adds for errors a small model does not act on by itself.
enum FailureTrace {
    /// Plain words for Python errors a small model does not act on by itself (it returned the failing
    /// file unchanged): a name called but never defined, and a value that is None where the line
    /// compares it or calculates with it. Appended to a repair request's error text.
    static func repairHints(_ error: String) -> String {
        var hints: [String] = []
        for name in Set(PinnedFacts.matches(#"NameError: name '([A-Za-z_]\w*)' is not defined"#, in: error, options: []).compactMap { $0[1] }).sorted()
        where error.range(of: #"\b\#(name)\s*\("#, options: .regularExpression) != nil {
            hints.append("`\(name)` is called but never defined: import it if a module has it, else write `def \(name)(...):` above the code that calls it, or compute the value without it.")
        }
        // a comparison or a calculation with None (not a conversion of a missing input: `float(None)`)
        if error.range(of: #"TypeError: (?:'[^']+' not supported between instances of [^\n]*'NoneType'|unsupported operand type\(s\)[^\n]*'NoneType')"#, options: .regularExpression) != nil {
            hints.append("A name in the failing line holds None when that line runs (it was set to None earlier, or a function returned nothing): give it its value before that line.")
        }
        return hints.isEmpty ? "" : "\n" + hints.map { "Hint: " + $0 }.joined(separator: "\n")
    }

    /// The project lines of `file` listed in the traces of verification's messages
    /// ("  app.py:15: if value <= 0:"), in order.
    static func tracedLines(_ errors: String, file: String) -> [(line: Int, text: String)] {
        let pattern = "^  " + NSRegularExpression.escapedPattern(for: file) + #":(\d+): (.*)$"#
        return PinnedFacts.matches(pattern, in: errors, options: [.anchorsMatchLines]).compactMap { m in
            guard let n = m[1].flatMap(Int.init), let text = m[2] else { return nil }
            return (n, text.trimmingCharacters(in: .whitespaces))
        }
    }

    /// Conditions in a trace that were followed by a `return`/`raise`: the branches that answered.
    static func refusingConditions(_ traced: [(line: Int, text: String)]) -> [String] {
        var out: [String] = []
        for (a, b) in zip(traced, traced.dropFirst())
        where a.text.range(of: #"^(if|elif)\b"#, options: .regularExpression) != nil && (b.text.hasPrefix("return") || b.text.hasPrefix("raise")) && b.line > a.line {
            if !out.contains(a.text) { out.append(a.text) }
        }
        return out
    }

    /// The condition that refused an allowed request: the `if`/`elif` just above `faultLine` (1-based),
    /// the `return`/`raise` it guards; trimmed. nil when there is none.
    static func decidingLine(_ source: String, faultLine: Int) -> String? {
        let lines = source.components(separatedBy: "\n")
        guard faultLine >= 1, faultLine <= lines.count else { return nil }
        let fault = lines[faultLine - 1]
        let t = fault.trimmingCharacters(in: .whitespaces)
        guard t.hasPrefix("return") || t.hasPrefix("raise") else { return nil }
        var i = faultLine - 2
        while i >= 0 && lines[i].trimmingCharacters(in: .whitespaces).isEmpty { i -= 1 }
        guard i >= 0, PythonFixes.indent(lines[i]) < PythonFixes.indent(fault) else { return nil }
        let condition = lines[i].trimmingCharacters(in: .whitespaces)
        return condition.range(of: #"^(if|elif)\b"#, options: .regularExpression) != nil ? condition : nil
    }

    /// The lines of `source` before the function that holds `faultLine` (1-based), through its `def`
    /// line; before `faultLine` itself when it is at module level. nil when nothing would be kept.
    static func resumePrefix(_ source: String, faultLine: Int) -> String? {
        let lines = source.components(separatedBy: "\n")
        guard faultLine >= 1, faultLine <= lines.count else { return nil }
        // lines[..<end] are kept: through the enclosing `def`, or up to the fault at module level
        let end = PythonFixes.enclosingDef(lines, of: faultLine - 1).map { $0 + 1 } ?? faultLine - 1
        let head = lines[..<end].joined(separator: "\n")
        guard !head.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
        return head + "\n"
    }
}

/// Edits to generated Python a repair tries (kept only when verification gets better).
extension PythonFixes {
    /// `source` without the `if` whose `return`/`raise` answered a traced request: the trace's last two
    /// lines are that `if` and its one-statement body (no `elif`/`else` after it). nil otherwise.
    static func withoutRefusal(_ source: String, traced: [(line: Int, text: String)]) -> (source: String, condition: String, line: Int, removed: String)? {
        guard traced.count >= 2 else { return nil }
        let (cond, answer) = (traced[traced.count - 2], traced[traced.count - 1])
        var lines = source.components(separatedBy: "\n")
        guard answer.line == cond.line + 1, answer.line <= lines.count,
              answer.text.hasPrefix("return") || answer.text.hasPrefix("raise") else { return nil }
        let ifLine = lines[cond.line - 1], body = lines[answer.line - 1]
        let head = ifLine.trimmingCharacters(in: .whitespaces)
        guard head == cond.text, head.range(of: #"^if\b.*:$"#, options: .regularExpression) != nil,
              body.trimmingCharacters(in: .whitespaces) == answer.text, indent(body) > indent(ifLine) else { return nil }
        // the body is that one statement: the next line that is not blank is back at the `if`'s level or above
        var next = answer.line
        while next < lines.count, lines[next].trimmingCharacters(in: .whitespaces).isEmpty { next += 1 }
        if next < lines.count {
            let t = lines[next].trimmingCharacters(in: .whitespaces)
            guard indent(lines[next]) <= indent(ifLine), !(indent(lines[next]) == indent(ifLine) && t.range(of: #"^(elif\b|else\s*:)"#, options: .regularExpression) != nil) else { return nil }
        }
        let removed = lines[(cond.line - 1)..<answer.line].joined(separator: "\n")
        lines.removeSubrange((cond.line - 1)..<answer.line)
        return (lines.joined(separator: "\n"), head, cond.line, removed)
    }

    /// `source` with the server start appended, when it has a Flask `app` and no `app.run(` at all.
    static func addServerStart(_ source: String, port: Int) -> String? {
        guard source.range(of: #"(?m)^app\s*=\s*Flask\("#, options: .regularExpression) != nil,
              source.range(of: #"\bapp\.run\("#, options: .regularExpression) == nil else { return nil }
        return source.trimmingCharacters(in: .whitespacesAndNewlines)
            + "\n\n\nif __name__ == \"__main__\":\n    app.run(host=\"127.0.0.1\", port=\(port))\n"
    }

    static func indent(_ line: String) -> Int { line.prefix { $0 == " " || $0 == "\t" }.count }

    /// The index of the `def` line of the function holding `lines[index]`, or nil at module level.
    static func enclosingDef(_ lines: [String], of index: Int) -> Int? {
        let level = indent(lines[index])
        var i = index - 1
        while i >= 0 {
            let t = lines[i].trimmingCharacters(in: .whitespaces)
            if !t.isEmpty, indent(lines[i]) < level, t.range(of: #"^(async\s+)?def\s"#, options: .regularExpression) != nil { return i }
            i -= 1
        }
        return nil
    }

    /// A view that reads but never changes stored data (it answers GET and reads no posted form or JSON)
    /// and assigns a module-level name it also reads (`items = [i for i in items if …]`, an
    /// UnboundLocalError): its assignments go to a local of its own (`view_items`). The right-hand side
    /// of the first assignment on each path reads the module's value; later reads use the local. nil
    /// for any other function, or one that updates the name in place (`+=`, `global`).
    static func renamedShadowingLocal(_ name: String, source: String, faultLine: Int) -> (source: String, local: String)? {
        var lines = source.components(separatedBy: "\n")
        guard faultLine >= 1, faultLine <= lines.count, let def = enclosingDef(lines, of: faultLine - 1) else { return nil }
        var d = def - 1
        var decorators: [String] = []
        while d >= 0, lines[d].trimmingCharacters(in: .whitespaces).hasPrefix("@") { decorators.append(lines[d]); d -= 1 }
        guard let route = decorators.first(where: { $0.contains(".route(") || $0.contains(".get(") }),
              route.contains(".get(") || !route.contains("methods") || route.range(of: #"["']GET["']"#, options: .regularExpression) != nil else { return nil }
        var end = def + 1
        while end < lines.count, lines[end].trimmingCharacters(in: .whitespaces).isEmpty || indent(lines[end]) > indent(lines[def]) { end += 1 }
        let body = lines[(def + 1)..<end].joined(separator: "\n")
        let word = NSRegularExpression.escapedPattern(for: name)
        guard body.range(of: #"(?m)request\.(?:form|get_json|json|method|files)\b|^\s*global\b|^\s*"# + word + #"\s*(?:\+|-|\*|/|\|)="#,
                         options: .regularExpression) == nil else { return nil }
        let local = "view_" + name
        guard source.range(of: #"\b"# + local + #"\b"#, options: .regularExpression) == nil else { return nil }
        let assignment = try! NSRegularExpression(pattern: #"^(\s*)"# + word + #"(\s*=(?!=))"#)
        let read = try! NSRegularExpression(pattern: #"(?<![\w.])"# + word + #"(?!\w)(?!\s*=(?!=))"#)
        // reads outside string literals ("items.html" is a file name, not the name)
        let literal = try! NSRegularExpression(pattern: #""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'"#)
        func reads(_ text: String) -> String {
            let ns = text as NSString
            var out = "", at = 0
            func code(_ r: NSRange) -> String {
                let piece = ns.substring(with: r)
                return read.stringByReplacingMatches(in: piece, range: NSRange(location: 0, length: (piece as NSString).length), withTemplate: local)
            }
            for m in literal.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
                out += code(NSRange(location: at, length: m.range.location - at)) + ns.substring(with: m.range)
                at = m.range.location + m.range.length
            }
            return out + code(NSRange(location: at, length: ns.length - at))
        }
        var live: [Int] = []  // indents of the assignments that hold on the current path
        for i in (def + 1)..<end {
            let line = lines[i], t = line.trimmingCharacters(in: .whitespaces), level = indent(line)
            if t.isEmpty { continue }
            // a sibling branch: what the branch before it assigned does not hold here
            if t.range(of: #"^(?:else|elif|except|finally)\b"#, options: .regularExpression) != nil { live.removeAll { $0 > level } }
            let ns = line as NSString
            if let m = assignment.firstMatch(in: line, range: NSRange(location: 0, length: ns.length)) {
                let rhs = ns.substring(from: m.range(at: 2).location)
                lines[i] = ns.substring(with: m.range(at: 1)) + local + (live.isEmpty ? rhs : reads(rhs))
                live.append(level)
            } else if !live.isEmpty {
                lines[i] = reads(line)
            }
        }
        return live.isEmpty ? nil : (lines.joined(separator: "\n"), local)
    }

    /// Functions that update a module-level name in place (`count += 1`) but never assign it otherwise,
    /// take it as a parameter, loop over it or declare it `global`: to Python the name is then local
    /// to the function, and the update raises an UnboundLocalError every time it runs. Each such
    /// function gets `global name` (nothing a working function does can change by it). nil when
    /// there is none.
    public static func missingGlobals(_ source: String) -> (source: String, added: [String])? {
        var text = source
        var added: [String] = []
        var tried = Set<String>()
        scan: while added.count < 20 {
            let lines = text.components(separatedBy: "\n")
            for (i, line) in lines.enumerated() {
                guard let name = PinnedFacts.matches(#"^\s+([A-Za-z_]\w*)\s*(?:\+|-|\*|/|//|%|\*\*|\||&|\^)=(?!=)"#, in: line, options: []).first?[1],
                      let def = enclosingDef(lines, of: i), !tried.contains("\(def):\(name)"),
                      lines.contains(where: { $0.range(of: "^" + name + #"\s*(?::[^=]*)?=(?!=)"#, options: .regularExpression) != nil }) else { continue }
                tried.insert("\(def):\(name)")
                let n = NSRegularExpression.escapedPattern(for: name)
                let head = lines[def]
                let body = lines[(def + 1)...].prefix { indent($0) > indent(head) || $0.trimmingCharacters(in: .whitespaces).isEmpty }
                let binds = #"^\s*(?:"# + n + #"\s*(?::[^=]*)?=(?!=)|(?:global|nonlocal)\b.*\b"# + n + #"\b|for\b.*\b"# + n + #"\b.*\bin\b|with\b.*\bas\s+"# + n + #"\b)"#
                guard head.range(of: #"\(.*\b"# + n + #"\b.*\)"#, options: .regularExpression) == nil,
                      !body.contains(where: { $0.range(of: binds, options: .regularExpression) != nil }),
                      let fixed = addGlobal(name, source: text, faultLine: i + 1) else { continue }
                let function = PinnedFacts.matches(#"def\s+([A-Za-z_]\w*)"#, in: head, options: []).first?[1] ?? "a function"
                added.append("`global \(name)` in \(function)()")
                text = fixed
                continue scan
            }
            break
        }
        return added.isEmpty ? nil : (text, added)
    }

    /// `source` with `global name` as the first statement of the function holding `faultLine`, when
    /// `name` is assigned at module level; nil otherwise.
    static func addGlobal(_ name: String, source: String, faultLine: Int) -> String? {
        var lines = source.components(separatedBy: "\n")
        guard faultLine >= 1, faultLine <= lines.count,
              lines.contains(where: { $0.range(of: "^" + name + #"\s*(?::[^=]*)?=(?!=)"#, options: .regularExpression) != nil }) else { return nil }
        guard let i = enclosingDef(lines, of: faultLine - 1), i + 1 < lines.count else { return nil }
        var body = i + 1
        while body < lines.count, lines[body].trimmingCharacters(in: .whitespaces).isEmpty { body += 1 }
        guard body < lines.count, indent(lines[body]) > indent(lines[i]) else { return nil }
        if lines[i + 1..<lines.count].prefix(while: { indent($0) > indent(lines[i]) || $0.trimmingCharacters(in: .whitespaces).isEmpty })
            .contains(where: { $0.trimmingCharacters(in: .whitespaces).range(of: #"^global\b.*\b"# + name + #"\b"#, options: .regularExpression) != nil }) {
            return nil  // already global
        }
        lines.insert(String(repeating: " ", count: indent(lines[body])) + "global \(name)", at: body)
        return lines.joined(separator: "\n")
    }
}
