import Foundation

/// Repairs whose cure is known, tried before the model is asked again. Each strategy reads the failing
/// report and the project and proposes edits through a `FixSession`, which keeps an edit only when
/// verification gets better. They run in the order of `KnownFix.all`; a fix can only remove a mistake
/// the checks name (an import, a `global`, a branch that refused what the description allows), never
/// try variants until the checks pass.
struct KnownFix: Sendable {
    let apply: @Sendable (FixSession) throws -> Void

    /// The strategies, in the order they are tried.
    static let all: [KnownFix] = [serverStart, pythonNames, javaScriptMethod, refusedValidRequest, crashingGuard, selfReferencingDict, unsortedList, missingTemplate, errorMessageWord, wholeNumber, listAnswer, signRefusals, postFormWithoutRoute]

    /// An app.py that never starts its server (`python app.py` exits at once): the start the guide asks for.
    static let serverStart = KnownFix { s in
        if s.files.contains("app.py"), let source = s.project.contents["app.py"], let fixed = PythonFixes.addServerStart(source, port: s.project.plan.port),
           s.report.checks.contains(where: { $0.name == .serve && $0.status == .failed }) {
            try s.keep(fixed, path: "app.py", what: "app.py: added `app.run(host=\"127.0.0.1\", port=\(s.project.plan.port))` under `if __name__ == \"__main__\":` (the file never started the server)")
        }
    }

    /// Per Python file: a NameError for a name used but never imported (`ImportFixer` adds the import), then an
    /// UnboundLocalError (a GET view gets a local of its own, any other function `global`).
    static let pythonNames = KnownFix { s in
        for path in s.files.sorted() where path.hasSuffix(".py") {
            let failures = s.report.checks.filter { $0.status == .failed }.flatMap(\.failures).filter { $0.file == path }
            if let name = failures.lazy.compactMap({ PinnedFacts.matches(#"NameError: name '([A-Za-z_]\w*)' is not defined"#, in: $0.message, options: []).first?[1] }).first,
               let source = s.project.contents[path] {
                do {
                    let fixed = try ImportFixer.fix(source, environment: s.verifier.environment, renderer: s.verifier.renderer)
                    if !fixed.added.isEmpty, fixed.source != source {
                        try s.keep(fixed.source, path: path, what: "\(path): \(fixed.added.joined(separator: ", ")) (NameError: name '\(name)' is not defined)")
                    }
                } catch {
                    s.say("repair", "\(path): could not add imports: \(error)")
                }
            }
            for failure in s.report.checks.filter({ $0.status == .failed }).flatMap(\.failures) where failure.file == path {
                guard let line = failure.line, let source = s.project.contents[path],
                      let name = PinnedFacts.matches(#"UnboundLocalError: (?:cannot access local variable|local variable) '([A-Za-z_]\w*)'"#, in: failure.message, options: []).first?[1]
                else { continue }
                // a GET view derives its own value from the module's (a filtered list): a local of its own;
                // any other function updates the module's value: `global`
                if let renamed = PythonFixes.renamedShadowingLocal(name, source: source, faultLine: line) {
                    try s.keep(renamed.source, path: path, what: "\(path): the GET view at line \(line) keeps its own `\(renamed.local)` instead of assigning the module's `\(name)`")
                } else if let fixed = PythonFixes.addGlobal(name, source: source, faultLine: line) {
                    try s.keep(fixed, path: path, what: "\(path): added `global \(name)` to the function at line \(line)")
                }
                break
            }
        }
    }

    /// A JavaScript method called on a Python value (`s.contains(x)`, `items.push(x)`): the Python spelling,
    /// for the method the AttributeError names.
    static let javaScriptMethod = KnownFix { s in
        for path in s.files.sorted() where path.hasSuffix(".py") {
            let messages = s.report.checks.filter { $0.status == .failed }.flatMap(\.failures).map(\.message).joined(separator: "\n")
            for m in PinnedFacts.matches(#"AttributeError: '(\w+)' object has no attribute '(\w+)'"#, in: messages, options: []) {
                guard let type = m[1], let method = m[2], let source = s.project.contents[path],
                      let fixed = PythonFixes.javaScriptMethod(source, type: type, method: method) else { continue }
                try s.keep(fixed.source, path: path, what: "\(path): " + fixed.changed.joined(separator: "; "))
                break
            }
        }
    }

    /// A request the description says is valid, refused by an `if` that answers 4xx: app.py without that `if`
    /// (a model-written app.py, or the model's views in the tool's).
    static let refusedValidRequest = KnownFix { s in
        guard s.project.skeleton == .none || !s.project.extraViews.isEmpty else { return }
        for failure in s.report.checks.filter({ $0.name == .behaviour && $0.status == .failed }).flatMap(\.failures) where failure.file == "app.py" {
            guard let source = s.project.contents["app.py"],
                  failure.message.range(of: #"answered 4\d\d\b[^\n]*expected status 2\d\d"#, options: .regularExpression) != nil,
                  let fixed = PythonFixes.withoutRefusal(source, traced: FailureTrace.tracedLines(failure.message, file: "app.py")) else { continue }
            try s.removeFromApp(fixed, what: "app.py: removed `\(fixed.condition)` (line \(fixed.line)), which refused a request the description says is valid")
            break
        }
    }

    /// A guard that can only crash: `if not math.isfinite(x):` on a value that is not a number (a date, a
    /// text) raises a TypeError every time it runs, so it never guarded anything; removed.
    static let crashingGuard = KnownFix { s in
        guard s.project.skeleton == .none || !s.project.extraViews.isEmpty else { return }
        for failure in s.report.checks.filter({ $0.status == .failed }).flatMap(\.failures)
        where failure.message.contains("TypeError: must be real number, not") {
            guard let source = s.project.contents["app.py"], let last = FailureTrace.tracedLines(failure.message, file: "app.py").last,
                  last.text.range(of: #"^if\b.*\bmath\.(?:isfinite|isnan|isinf)\("#, options: .regularExpression) != nil else { continue }
            let lines = source.components(separatedBy: "\n")
            guard last.line < lines.count,
                  let fixed = PythonFixes.withoutRefusal(source, traced: [last, (last.line + 1, lines[last.line].trimmingCharacters(in: .whitespaces))]) else { continue }
            try s.removeFromApp(fixed, what: "app.py: removed `\(fixed.condition)` (line \(fixed.line)), which raised a TypeError on a value that is not a number")
            break
        }
    }

    /// A dict literal that reads the name it is assigned to (None there): its first value gets a name of its
    /// own.
    static let selfReferencingDict = KnownFix { s in
        for failure in s.report.checks.filter({ $0.status == .failed }).flatMap(\.failures)
        where failure.file == "app.py" && failure.message.range(of: #"TypeError: .*'NoneType'|NameError: name '\w+' is not defined|UnboundLocalError"#, options: .regularExpression) != nil {
            guard s.project.skeleton == .none, let source = s.project.contents["app.py"], let last = FailureTrace.tracedLines(failure.message, file: "app.py").last,
                  let fixed = PythonFixes.selfReferencingDict(source, faultLine: last.line) else { continue }
            try s.keep(fixed.source, path: "app.py", what: "app.py: the dict `\(fixed.name)` read itself while it was built; its first value is now `\(fixed.variable)`, assigned before it")
            break
        }
    }

    /// A list the description says is in order, answered out of order: the view sorts it.
    static let unsortedList = KnownFix { s in
        for failure in s.report.checks.filter({ $0.status == .failed }).flatMap(\.failures) where failure.file == "app.py" {
            guard let m = PinnedFacts.matches(#""(\w+)" is (\[[^\n]*\]), which is not in (ascending|descending) order"#, in: failure.message, options: []).first,
                  let key = m[1], let shown = m[2], let order = m[3], let source = s.project.contents["app.py"] else { continue }
            let traced = FailureTrace.tracedLines(failure.message, file: "app.py").map(\.line)
            guard let fixed = PythonFixes.sortedValue(source, key: key, descending: order == "descending", texts: shown.contains("\""), lines: traced) else { continue }
            try s.editApp(fixed.source, old: fixed.old.trimmingCharacters(in: .whitespaces), new: fixed.new.trimmingCharacters(in: .whitespaces),
                        what: "app.py: \"\(key)\" sorted (\(order), as the description says)")
            break
        }
    }

    /// A view that renders a template the project does not have, where it has exactly one: that one (the 1.5B
    /// rendered index.html for the home page of a project whose one page was search.html).
    static let missingTemplate = KnownFix { s in
        for failure in s.report.checks.filter({ $0.status == .failed }).flatMap(\.failures) where failure.file == "app.py" && s.project.skeleton == .none {
            guard let missing = PinnedFacts.matches(#"TemplateNotFound: ([\w./-]+\.html)"#, in: failure.message, options: []).first?[1],
                  let source = s.project.contents["app.py"] else { continue }
            let pages = s.project.plan.pages.filter { FileManager.default.fileExists(atPath: s.dir.appendingPathComponent($0).path) }
            guard pages.count == 1, let only = pages.first.map({ String($0.dropFirst("templates/".count)) }), only != missing else { continue }
            let call = #"(render_template\(\s*["'])"# + NSRegularExpression.escapedPattern(for: missing) + #"(["'])"#
            let fixed = source.replacingOccurrences(of: call, with: "$1" + NSRegularExpression.escapedTemplate(for: only) + "$2", options: .regularExpression)
            guard fixed != source else { continue }
            try s.keep(fixed, path: "app.py", what: "app.py: renders \(only) where it rendered \(missing), which the project does not have")
            break
        }
    }

    /// An error message without the word the description says each contains: the description's own example
    /// message.
    static let errorMessageWord = KnownFix { s in
        for failure in s.report.checks.filter({ $0.name == .behaviour && $0.status == .failed }).flatMap(\.failures) where failure.file == "app.py" {
            guard let word = PinnedFacts.matches(#"answered 4\d\d\b[^\n]*: the answer does not show "([^"\n]+)""#, in: failure.message, options: []).first?[1],
                  let example = BehaviourRules.exampleMessage(s.project.spec.description, containing: word),
                  let source = s.project.contents["app.py"], let last = FailureTrace.tracedLines(failure.message, file: "app.py").last,
                  let fixed = PythonFixes.errorMessage(source, line: last.line, word: word, example: example), fixed.old == last.text else { continue }
            try s.editApp(fixed.source, old: fixed.old, new: fixed.new, what: "app.py: the error at line \(last.line) says \"\(example)\" (the description's message, with \"\(word)\")")
        }
    }

    /// A decimal the description refuses (a whole number is asked for), accepted because the view reads it with
    /// float(). After `errorMessageWord`: a refused decimal answers with one of the messages.
    static let wholeNumber = KnownFix { s in
        for failure in s.report.checks.filter({ $0.status == .failed }).flatMap(\.failures) where failure.file == "app.py" {
            guard let m = PinnedFacts.matches(#"^GET (\S+) answered 2\d\d\b[^\n]*expected status 4\d\d"#, in: failure.message, options: [.anchorsMatchLines]).first,
                  let url = m[1], let source = s.project.contents["app.py"] else { continue }
            // the one parameter the request gave a decimal
            let decimals = PinnedFacts.matches(#"[?&](\w+)=-?\d+\.\d+(?=&|$)"#, in: url, options: []).compactMap { $0[1] }
            guard decimals.count == 1, let name = decimals.first,
                  let fixed = PythonFixes.wholeNumberParse(source, name: name, lines: FailureTrace.tracedLines(failure.message, file: "app.py").map(\.line)) else { continue }
            try s.editApp(fixed.source, old: fixed.old, new: fixed.new, what: "app.py: `\(fixed.old)` → `\(fixed.new)` (\(name) must be a whole number)")
            break
        }
    }

    /// A list the description asks for, answered inside an object of one key: the list itself.
    static let listAnswer = KnownFix { s in
        for failure in s.report.checks.filter({ $0.status == .failed }).flatMap(\.failures)
        where failure.file == "app.py" && failure.message.contains("expected a JSON list") {
            guard let source = s.project.contents["app.py"], let last = FailureTrace.tracedLines(failure.message, file: "app.py").last,
                  let fixed = PythonFixes.listAnswer(source, line: last.line), fixed.old == last.text else { continue }
            try s.editApp(fixed.source, old: fixed.old, new: fixed.new,
                        what: "app.py: `\(fixed.old)` → `\(fixed.new)` (the description asks for a JSON list)")
            break
        }
    }

    /// A page that answers 0 or a negative number like a non-number, where the description calls only non-
    /// numeric input invalid: its conditions without the comparisons with 0.
    static let signRefusals = KnownFix { s in
        for failure in s.report.checks.filter({ $0.name == .javascript && $0.status == .failed }).flatMap(\.failures)
        where failure.message.contains("the same as for the invalid input") {
            guard let path = failure.file, let source = s.project.contents[path] else { continue }
            let fixed = PageFixes.signRefusals(source)
            guard !fixed.changed.isEmpty else { continue }
            try s.keep(fixed.source, path: path, what: "\(path): " + fixed.changed.joined(separator: "; "))
            break
        }
    }

    /// A page's form that posts where the app answers only GET, on a page the description wants no work done in
    /// the browser for, in an app that reads no posted form anywhere and plans no POST there (a form meant to
    /// be sent is the app's to fix): the form sends with GET.
    static let postFormWithoutRoute = KnownFix { s in
        let readsPosts = s.project.contents["app.py"].map { $0.range(of: #"request\.form\b|request\.method\s*==\s*["']POST["']|validate_on_submit"#, options: .regularExpression) != nil } ?? false
        for failure in s.report.checks.filter({ $0.name == .pins && $0.status == .failed }).flatMap(\.failures)
        where !failure.message.contains("in the browser") && !readsPosts {
            guard let path = failure.file, path.hasSuffix(".html"), let source = s.project.contents[path],
                  let found = PinnedFacts.matches(#"the page (\S+) has <form\b.*, but the app has no POST (\S+) route"#, in: failure.message, options: []).first,
                  let page = found[1], let url = found[2],
                  !s.project.plan.routes.contains(where: { $0.method == "POST" && BehaviourRules.samePath($0.path, url) }) else { continue }
            let fixed = PageFixes.postFormsWithoutRoute(source, url: url, pagePath: page)
            guard !fixed.changed.isEmpty else { continue }
            try s.keep(fixed.source, path: path, what: "\(path): " + fixed.changed.joined(separator: "; "))
        }
    }
}

/// One round of known fixes on a project being built: the report so far, and edits kept only when
/// verification gets better.
final class FixSession {
    unowned let build: ProjectBuild
    let dir: URL
    let verifier: Verifier
    /// the files verification blamed (the fixes of imports, names and the server start change only
    /// these; the others edit app.py or a page wherever the failure points)
    let files: Set<String>
    private(set) var report: VerificationReport

    init(build: ProjectBuild, dir: URL, verifier: Verifier, report: VerificationReport, files: Set<String>) {
        self.build = build; self.dir = dir; self.verifier = verifier; self.report = report; self.files = files
    }

    var project: Project {
        get { build.project }
        set { build.project = newValue }
    }

    func say(_ stage: String, _ message: String) { build.say(stage, message) }

    /// `candidate` as `path`, kept when verification gets better (`ProjectBuild.keepIfBetter`).
    func keep(_ candidate: String, path: String, what: String) throws {
        if let r = try build.keepIfBetter(candidate, path: path, dir: dir, verifier: verifier, than: report, what: what) { report = r }
    }

    /// An `if` of the model's removed from app.py (a model-written one, or a model view in the tool's).
    func removeFromApp(_ fixed: (source: String, condition: String, line: Int, removed: String), what: String) throws {
        try editApp(fixed.source, old: fixed.removed + "\n", new: "", what: what)
    }

    /// app.py changed to `source`; where the tool renders app.py from the model's views, the view
    /// holding `old` gets `new` in its place.
    func editApp(_ source: String, old: String, new: String, what: String) throws {
        if project.skeleton == .none {
            try keep(source, path: "app.py", what: what)
            return
        }
        guard let i = project.extraViews.firstIndex(where: { $0.contains(old) }) else { return }
        let before = project.extraViews
        project.extraViews[i] = project.extraViews[i].replacingOccurrences(of: old, with: new, range: project.extraViews[i].range(of: old))
        try build.writeSkeletonApp(dir)
        let r = try build.runVerification(verifier, dir)
        if r.isBetter(than: report) {
            say("repair", "\(what) (\(r.scoreText), was \(report.scoreText))")
            project.records["app.py"]?.repairs += 1
            report = r
        } else {
            project.extraViews = before
            try build.writeSkeletonApp(dir)
        }
    }
}
