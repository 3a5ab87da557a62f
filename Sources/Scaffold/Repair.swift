import Foundation

// Verify, blame files, regenerate them with the errors, keep the best version seen; and the helpers
// that point a repeated repair at the lines that gave a wrong answer.
extension Pipeline {
    /// Writes a generated file: the page of an `.embedPage` project goes into the tool's app.py.
    func store(_ content: String, path: String, in dir: URL) throws {
        contents[path] = content
        if path == AppSkeleton.pagePath && skeleton == .embedPage { try writeSkeletonApp(dir) } else { try write(content, path: path, in: dir) }
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
                if path == Self.viewsTarget {
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
                records[path]?.repairs += 1
            }
            // a repaired app.py of the model's that dropped a planned route gets it back the way the first
            // version did (the tool writes the declaration, the model the body); imports and builtins hidden
            // by locals are fixed as after the first version
            if skeleton == .none, blamed.contains(where: { $0.0 == "app.py" }) { try completeRoutes(in: dir) }
            try fixImports(in: dir)
            // a repaired app.py may render a page the project does not have yet: the model writes it
            if blamed.contains(where: { $0.0 == "app.py" || $0.0 == Self.viewsTarget }),
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

    /// Fixes for errors whose cure is known, tried before asking the model again and kept only when
    /// verification gets better: a NameError for a name the file uses without importing it
    /// (`Length`, `jsonify`, `math`; `ImportFixer` adds the imports), and a function that assigns a
    /// module-level name without `global` (UnboundLocalError; both models wrote `next_id += 1` so in
    /// their record APIs).
    func knownFixes(_ dir: URL, verifier: Verifier, report: VerificationReport, files: Set<String>) throws -> VerificationReport {
        var report = report
        // an app.py that never starts its server (`python app.py` exits at once): the start the guide asks for
        if files.contains("app.py"), let source = contents["app.py"], let fixed = Self.addServerStart(source, port: plan.port),
           report.checks.contains(where: { $0.name == .serve && $0.status == .failed }) {
            report = try keepIfBetter(fixed, path: "app.py", dir: dir, verifier: verifier, than: report,
                                      what: "app.py: added `app.run(host=\"127.0.0.1\", port=\(plan.port))` under `if __name__ == \"__main__\":` (the file never started the server)") ?? report
        }
        for path in files.sorted() where path.hasSuffix(".py") {
            let failures = report.checks.filter { $0.status == .failed }.flatMap(\.failures).filter { $0.file == path }
            if let name = failures.lazy.compactMap({ PinnedFacts.matches(#"NameError: name '([A-Za-z_]\w*)' is not defined"#, in: $0.message, options: []).first?[1] }).first,
               let source = contents[path] {
                do {
                    let fixed = try ImportFixer.fix(source, environment: verifier.environment, renderer: verifier.renderer)
                    if !fixed.added.isEmpty, fixed.source != source {
                        report = try keepIfBetter(fixed.source, path: path, dir: dir, verifier: verifier, than: report,
                                                  what: "\(path): \(fixed.added.joined(separator: ", ")) (NameError: name '\(name)' is not defined)") ?? report
                    }
                } catch {
                    say("repair", "\(path): could not add imports: \(error)")
                }
            }
            for failure in report.checks.filter({ $0.status == .failed }).flatMap(\.failures) where failure.file == path {
                guard let line = failure.line, let source = contents[path],
                      let name = PinnedFacts.matches(#"UnboundLocalError: (?:cannot access local variable|local variable) '([A-Za-z_]\w*)'"#, in: failure.message, options: []).first?[1]
                else { continue }
                // a GET view derives its own value from the module's (a filtered list): a local of its own;
                // any other function updates the module's value: `global`
                if let renamed = Self.renamedShadowingLocal(name, source: source, faultLine: line) {
                    report = try keepIfBetter(renamed.source, path: path, dir: dir, verifier: verifier, than: report,
                                              what: "\(path): the GET view at line \(line) keeps its own `\(renamed.local)` instead of assigning the module's `\(name)`") ?? report
                } else if let fixed = Self.addGlobal(name, source: source, faultLine: line) {
                    report = try keepIfBetter(fixed, path: path, dir: dir, verifier: verifier, than: report,
                                              what: "\(path): added `global \(name)` to the function at line \(line)") ?? report
                }
                break
            }
        }
        // a JavaScript method called on a Python value (`s.contains(x)`, `items.push(x)`): the Python
        // spelling, for the method the AttributeError names (kept only when better)
        for path in files.sorted() where path.hasSuffix(".py") {
            let messages = report.checks.filter { $0.status == .failed }.flatMap(\.failures).map(\.message).joined(separator: "\n")
            for m in PinnedFacts.matches(#"AttributeError: '(\w+)' object has no attribute '(\w+)'"#, in: messages, options: []) {
                guard let type = m[1], let method = m[2], let source = contents[path],
                      let fixed = PythonFixes.javaScriptMethod(source, type: type, method: method) else { continue }
                report = try keepIfBetter(fixed.source, path: path, dir: dir, verifier: verifier, than: report,
                                          what: "\(path): " + fixed.changed.joined(separator: "; ")) ?? report
                break
            }
        }
        // an `if` of the model's removed from app.py (a model-written one, or a model view in the tool's),
        // kept only when verification gets better
        func removeFromApp(_ fixed: (source: String, condition: String, line: Int, removed: String), what: String) throws {
            try editApp(fixed.source, old: fixed.removed + "\n", new: "", what: what)
        }
        // app.py changed to `source`; where the tool renders app.py from the model's views, the view
        // holding `old` gets `new` in its place
        func editApp(_ source: String, old: String, new: String, what: String) throws {
            if skeleton == .none {
                report = try keepIfBetter(source, path: "app.py", dir: dir, verifier: verifier, than: report, what: what) ?? report
                return
            }
            guard let i = extraViews.firstIndex(where: { $0.contains(old) }) else { return }
            let before = extraViews
            extraViews[i] = extraViews[i].replacingOccurrences(of: old, with: new, range: extraViews[i].range(of: old))
            try writeSkeletonApp(dir)
            let r = try runVerification(verifier, dir)
            if r.isBetter(than: report) {
                say("repair", "\(what) (\(r.scoreText), was \(report.scoreText))")
                records["app.py"]?.repairs += 1
                report = r
            } else {
                extraViews = before
                try writeSkeletonApp(dir)
            }
        }
        if skeleton == .none || !extraViews.isEmpty {
            // a request the description says is valid, refused by an `if` that answers 4xx: the file without that `if`
            for failure in report.checks.filter({ $0.name == .behaviour && $0.status == .failed }).flatMap(\.failures) where failure.file == "app.py" {
                guard let source = contents["app.py"],
                      failure.message.range(of: #"answered 4\d\d\b[^\n]*expected status 2\d\d"#, options: .regularExpression) != nil,
                      let fixed = Self.withoutRefusal(source, traced: Self.tracedLines(failure.message, file: "app.py")) else { continue }
                try removeFromApp(fixed, what: "app.py: removed `\(fixed.condition)` (line \(fixed.line)), which refused a request the description says is valid")
                break
            }
            // a guard that can only crash: `if not math.isfinite(x):` on a value that is not a number (a date, a
            // text) raises a TypeError every time it runs, so it never guarded anything
            for failure in report.checks.filter({ $0.status == .failed }).flatMap(\.failures)
            where failure.message.contains("TypeError: must be real number, not") {
                guard let source = contents["app.py"], let last = Self.tracedLines(failure.message, file: "app.py").last,
                      last.text.range(of: #"^if\b.*\bmath\.(?:isfinite|isnan|isinf)\("#, options: .regularExpression) != nil else { continue }
                let lines = source.components(separatedBy: "\n")
                guard last.line < lines.count,
                      let fixed = Self.withoutRefusal(source, traced: [last, (last.line + 1, lines[last.line].trimmingCharacters(in: .whitespaces))]) else { continue }
                try removeFromApp(fixed, what: "app.py: removed `\(fixed.condition)` (line \(fixed.line)), which raised a TypeError on a value that is not a number")
                break
            }
        }
        // a dict literal that reads the name it is assigned to (None there): its first value gets a name of its own
        for failure in report.checks.filter({ $0.status == .failed }).flatMap(\.failures)
        where failure.file == "app.py" && failure.message.range(of: #"TypeError: .*'NoneType'|NameError: name '\w+' is not defined|UnboundLocalError"#, options: .regularExpression) != nil {
            guard skeleton == .none, let source = contents["app.py"], let last = Self.tracedLines(failure.message, file: "app.py").last,
                  let fixed = PythonFixes.selfReferencingDict(source, faultLine: last.line) else { continue }
            report = try keepIfBetter(fixed.source, path: "app.py", dir: dir, verifier: verifier, than: report,
                                      what: "app.py: the dict `\(fixed.name)` read itself while it was built; its first value is now `\(fixed.variable)`, assigned before it") ?? report
            break
        }
        // a list the description says is in order, answered out of order: the view sorts it
        for failure in report.checks.filter({ $0.status == .failed }).flatMap(\.failures) where failure.file == "app.py" {
            guard let m = PinnedFacts.matches(#""(\w+)" is (\[[^\n]*\]), which is not in (ascending|descending) order"#, in: failure.message, options: []).first,
                  let key = m[1], let shown = m[2], let order = m[3], let source = contents["app.py"] else { continue }
            let traced = Self.tracedLines(failure.message, file: "app.py").map(\.line)
            guard let fixed = PythonFixes.sortedValue(source, key: key, descending: order == "descending", texts: shown.contains("\""), lines: traced) else { continue }
            try editApp(fixed.source, old: fixed.old.trimmingCharacters(in: .whitespaces), new: fixed.new.trimmingCharacters(in: .whitespaces),
                        what: "app.py: \"\(key)\" sorted (\(order), as the description says)")
            break
        }
        // a view that renders a template the project does not have, where it has exactly one: that one
        // (the 1.5B rendered index.html for the home page of a project whose one page was search.html)
        for failure in report.checks.filter({ $0.status == .failed }).flatMap(\.failures) where failure.file == "app.py" && skeleton == .none {
            guard let missing = PinnedFacts.matches(#"TemplateNotFound: ([\w./-]+\.html)"#, in: failure.message, options: []).first?[1],
                  let source = contents["app.py"] else { continue }
            let pages = plan.pages.filter { FileManager.default.fileExists(atPath: dir.appendingPathComponent($0).path) }
            guard pages.count == 1, let only = pages.first.map({ String($0.dropFirst("templates/".count)) }), only != missing else { continue }
            let call = #"(render_template\(\s*["'])"# + NSRegularExpression.escapedPattern(for: missing) + #"(["'])"#
            let fixed = source.replacingOccurrences(of: call, with: "$1" + NSRegularExpression.escapedTemplate(for: only) + "$2", options: .regularExpression)
            guard fixed != source else { continue }
            report = try keepIfBetter(fixed, path: "app.py", dir: dir, verifier: verifier, than: report,
                                      what: "app.py: renders \(only) where it rendered \(missing), which the project does not have") ?? report
            break
        }
        // an error message without the word the description says each contains: the description's own example message
        for failure in report.checks.filter({ $0.name == .behaviour && $0.status == .failed }).flatMap(\.failures) where failure.file == "app.py" {
            guard let word = PinnedFacts.matches(#"answered 4\d\d\b[^\n]*: the answer does not show "([^"\n]+)""#, in: failure.message, options: []).first?[1],
                  let example = BehaviourRules.exampleMessage(spec.description, containing: word),
                  let source = contents["app.py"], let last = Self.tracedLines(failure.message, file: "app.py").last,
                  let fixed = PythonFixes.errorMessage(source, line: last.line, word: word, example: example), fixed.old == last.text else { continue }
            try editApp(fixed.source, old: fixed.old, new: fixed.new, what: "app.py: the error at line \(last.line) says \"\(example)\" (the description's message, with \"\(word)\")")
        }
        // (after the messages: a refused decimal answers with one of them)
        // a decimal the description refuses (a whole number is asked for), accepted because the view reads it with float()
        for failure in report.checks.filter({ $0.status == .failed }).flatMap(\.failures) where failure.file == "app.py" {
            guard let m = PinnedFacts.matches(#"^GET (\S+) answered 2\d\d\b[^\n]*expected status 4\d\d"#, in: failure.message, options: [.anchorsMatchLines]).first,
                  let url = m[1], let source = contents["app.py"] else { continue }
            // the one parameter the request gave a decimal
            let decimals = PinnedFacts.matches(#"[?&](\w+)=-?\d+\.\d+(?=&|$)"#, in: url, options: []).compactMap { $0[1] }
            guard decimals.count == 1, let name = decimals.first,
                  let fixed = PythonFixes.wholeNumberParse(source, name: name, lines: Self.tracedLines(failure.message, file: "app.py").map(\.line)) else { continue }
            try editApp(fixed.source, old: fixed.old, new: fixed.new, what: "app.py: `\(fixed.old)` → `\(fixed.new)` (\(name) must be a whole number)")
            break
        }
        // a list the description asks for, answered inside an object of one key: the list itself
        for failure in report.checks.filter({ $0.status == .failed }).flatMap(\.failures)
        where failure.file == "app.py" && failure.message.contains("expected a JSON list") {
            guard let source = contents["app.py"], let last = Self.tracedLines(failure.message, file: "app.py").last,
                  let fixed = PythonFixes.listAnswer(source, line: last.line), fixed.old == last.text else { continue }
            try editApp(fixed.source, old: fixed.old, new: fixed.new,
                        what: "app.py: `\(fixed.old)` → `\(fixed.new)` (the description asks for a JSON list)")
            break
        }
        // a page that answers 0 or a negative number like a non-number, where the description calls only
        // non-numeric input invalid: its conditions without the comparisons with 0 (kept only when better)
        for failure in report.checks.filter({ $0.name == .javascript && $0.status == .failed }).flatMap(\.failures)
        where failure.message.contains("the same as for the invalid input") {
            guard let path = failure.file, let source = contents[path] else { continue }
            let fixed = PageFixes.signRefusals(source)
            guard !fixed.changed.isEmpty else { continue }
            report = try keepIfBetter(fixed.source, path: path, dir: dir, verifier: verifier, than: report,
                                      what: "\(path): " + fixed.changed.joined(separator: "; ")) ?? report
            break
        }
        // a page's form that posts where the app answers only GET, on a page the description wants
        // no work done in the browser for, in an app that reads no posted form anywhere and plans no
        // POST there (a form meant to be sent is the app's to fix): the form sends with GET (kept only when better)
        let readsPosts = contents["app.py"].map { $0.range(of: #"request\.form\b|request\.method\s*==\s*["']POST["']|validate_on_submit"#, options: .regularExpression) != nil } ?? false
        for failure in report.checks.filter({ $0.name == .pins && $0.status == .failed }).flatMap(\.failures)
        where !failure.message.contains("in the browser") && !readsPosts {
            guard let path = failure.file, path.hasSuffix(".html"), let source = contents[path],
                  let found = PinnedFacts.matches(#"the page (\S+) has <form\b.*, but the app has no POST (\S+) route"#, in: failure.message, options: []).first,
                  let page = found[1], let url = found[2],
                  !plan.routes.contains(where: { $0.method == "POST" && BehaviourRules.samePath($0.path, url) }) else { continue }
            let fixed = PageFixes.postFormsWithoutRoute(source, url: url, pagePath: page)
            guard !fixed.changed.isEmpty else { continue }
            report = try keepIfBetter(fixed.source, path: path, dir: dir, verifier: verifier, than: report,
                                      what: "\(path): " + fixed.changed.joined(separator: "; ")) ?? report
        }
        return report
    }

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

    /// Writes `candidate` as `path` and verifies; keeps it and returns the new report when it is
    /// better than `report`, else puts the file back and returns nil.
    func keepIfBetter(_ candidate: String, path: String, dir: URL, verifier: Verifier, than report: VerificationReport,
                      what: String) throws -> VerificationReport? {
        let original = contents[path] ?? ""
        try store(candidate, path: path, in: dir)
        let r = try runVerification(verifier, dir)
        guard r.isBetter(than: report) else {
            try store(original, path: path, in: dir)
            return nil
        }
        say("repair", "\(what) (\(r.scoreText), was \(report.scoreText))")
        records[path]?.repairs += 1
        return r
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

    /// `source` with `global name` as the first statement of the function holding `faultLine`, when
    /// `name` is assigned at module level; nil otherwise.
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

    static func addGlobal(_ name: String, source: String, faultLine: Int) -> String? {
        var lines = source.components(separatedBy: "\n")
        guard faultLine >= 1, faultLine <= lines.count,
              lines.contains(where: { $0.range(of: "^" + name + #"\s*="#, options: .regularExpression) != nil }) else { return nil }
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

    /// Files to regenerate with the errors that point at them; only files the model wrote.
    func repairTargets(_ report: VerificationReport) -> [(String, String)] {
        var order: [String] = []
        var errors: [String: [String]] = [:]
        let modelFiles = skeleton.modelFiles(plan)
        let generated = Set(modelFiles.map(\.path))
        for check in report.checks where check.status == .failed {
            for f in check.failures {
                guard var file = f.file else { continue }
                // the tool's own files (skeleton, tests, a tool-written app.py) are not repaired: the model's are
                if file == "app.py", skeleton != .none, !extraViews.isEmpty {
                    file = Self.viewsTarget  // the model's views in the tool's app.py
                } else if file == "app.py", skeleton == .jsonRoutes {
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
        guard i >= 0, indent(lines[i]) < indent(fault) else { return nil }
        let condition = lines[i].trimmingCharacters(in: .whitespaces)
        return condition.range(of: #"^(if|elif)\b"#, options: .regularExpression) != nil ? condition : nil
    }

    /// The lines of `source` before the function that holds `faultLine` (1-based), through its `def`
    /// line; before `faultLine` itself when it is at module level. nil when nothing would be kept.
    static func resumePrefix(_ source: String, faultLine: Int) -> String? {
        let lines = source.components(separatedBy: "\n")
        guard faultLine >= 1, faultLine <= lines.count else { return nil }
        // lines[..<end] are kept: through the enclosing `def`, or up to the fault at module level
        let end = enclosingDef(lines, of: faultLine - 1).map { $0 + 1 } ?? faultLine - 1
        let head = lines[..<end].joined(separator: "\n")
        guard !head.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
        return head + "\n"
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
        guard let close = (o + 1..<lines.count).first(where: { lines[$0].trimmingCharacters(in: .whitespaces).hasPrefix("}") && Pipeline.indent(lines[$0]) == indent.count }),
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
