import Foundation

/// Every route of the plan must exist in app.py. Small models drop one (the README's quick start:
/// a page that calls `/area`, and an app.py without it). The tool writes the missing route's
/// declaration and the start of its view from the contract; the model writes the body; the view
/// goes into app.py before its `if __name__ == "__main__":` block.
enum RouteCompletion {
    /// `/notes/<int:note_id>` and `/notes/<id>` are the same route.
    static func normalized(_ path: String) -> String {
        path.replacingOccurrences(of: #"<(?:[a-z]+:)?[A-Za-z_]\w*>"#, with: "<>", options: .regularExpression)
    }

    /// The (method, path) pairs app.py declares with `@app.route(...)` / `@app.get(...)` / ….
    static func declared(in source: String) -> [(method: String, path: String)] {
        var out: [(String, String)] = []
        let pattern = #"@\w+\.(route|get|post|put|patch|delete)\(\s*[rf]?["']([^"']*)["']([^)]*)\)"#
        for m in PinnedFacts.matches(pattern, in: source, options: []) {
            guard let kind = m[1], let path = m[2] else { continue }
            if kind == "route" {
                let rest = m[3] ?? ""
                let methods = PinnedFacts.matches(#"["'](GET|POST|PUT|PATCH|DELETE)["']"#, in: rest, options: [.caseInsensitive]).compactMap { $0[1]?.uppercased() }
                for method in methods.isEmpty ? ["GET"] : methods { out.append((method, normalized(path))) }
            } else {
                out.append((kind.uppercased(), normalized(path)))
            }
        }
        return out
    }

    /// The template each GET route of app.py renders (`render_template("about.html")` in its view).
    static func renderedTemplates(in source: String) -> [(path: String, template: String)] {
        var out: [(String, String)] = []
        let lines = source.components(separatedBy: "\n")
        var current: String?
        for line in lines {
            if let m = PinnedFacts.matches(#"^@\w+\.(?:route|get)\(\s*[rf]?["']([^"']*)["']"#, in: line, options: []).first, let p = m[1] {
                current = normalized(p)
            } else if let path = current, let t = PinnedFacts.matches(#"render_template\(\s*["']([^"']+)["']"#, in: line, options: []).first?[1] {
                out.append((path, t))
                current = nil
            }
        }
        return out
    }

    /// Planned routes app.py does not declare.
    static func missing(_ plan: ProjectPlan, source: String) -> [PlannedRoute] {
        let have = declared(in: source)
        return plan.routes.filter { r in !have.contains { $0.method == r.method && $0.path == normalized(r.path) } }
    }

    /// A Python function name for a route: `GET /days-between` → `days_between`, `/` → `index`.
    static func functionName(_ route: PlannedRoute, taken: Set<String>) -> String {
        let words = route.path.split(separator: "/").filter { !$0.hasPrefix("<") }
            .map { $0.lowercased().replacingOccurrences(of: #"[^a-z0-9]+"#, with: "_", options: .regularExpression) }
        var name = words.isEmpty ? "index" : words.joined(separator: "_")
        if route.path.contains("<") { name += "_item" }
        if name.first?.isNumber ?? true { name = "route_" + name }
        name = name.trimmingCharacters(in: CharacterSet(charactersIn: "_"))
        if name.isEmpty { name = "index" }
        if route.method != "GET" || taken.contains(name) { name = route.method.lowercased() + "_" + name }
        var n = 2
        let base = name
        while taken.contains(name) { name = "\(base)_\(n)"; n += 1 }
        return name
    }

    /// The declaration and the first lines of the view: the route's path parameters as arguments,
    /// and its query parameters read with their contract types.
    /// The bound a number parameter of `route` must keep, from the stated behaviour: values the
    /// checks expect refused (4xx) all below values they expect answered (2xx), with zero between
    /// them: `< 0` ("negative gives 400") or `<= 0` ("zero or negative gives 400"). nil otherwise.
    static func lowerBound(_ name: String, route: PlannedRoute, checks: [BehaviourCheck]) -> String? {
        var refused: [Double] = [], answered: [Double] = []
        for c in checks where c.method == route.method {
            guard let comps = URLComponents(string: c.url), comps.path == route.path,
                  let text = comps.queryItems?.first(where: { $0.name == name })?.value, let v = Double(text) else { continue }
            if c.status.allSatisfy({ (400..<500).contains($0) }) { refused.append(v) }
            else if c.status.contains(where: { (200..<300).contains($0) }) { answered.append(v) }
        }
        guard let high = refused.max(), let low = answered.min(), high < low else { return nil }
        if high < 0 && low >= 0 { return "< 0" }
        if high <= 0 && low > 0 { return "<= 0" }
        return nil
    }

    /// The one status the stated behaviour expects for every request of `route` it expects refused
    /// (4xx, not 404), when they agree: a description's "respond with status 422" that the contract's
    /// errors do not carry (a rule-based plan). nil when none or several.
    static func refusalStatus(_ route: PlannedRoute, checks: [BehaviourCheck]) -> Int? {
        var statuses: Set<Int> = []
        for c in checks where c.method == route.method && c.status.allSatisfy({ (400..<500).contains($0) && $0 != 404 }) && !c.status.isEmpty {
            guard let comps = URLComponents(string: c.url), comps.path == route.path else { continue }
            statuses.formUnion(c.status)
        }
        return statuses.count == 1 ? statuses.first : nil
    }

    /// The typed values a route reads from its JSON body, as the contract has them (names that are
    /// identifiers, with a type).
    static func jsonBody(_ route: PlannedRoute, contract: Contract?) -> [Contract.Param] {
        let params = contract?.endpoints.first { $0.method == route.method && $0.path == route.path }?.params ?? []
        return params.filter { $0.location == "json" && $0.type != nil && $0.name.range(of: #"^[A-Za-z_]\w*$"#, options: .regularExpression) != nil }
    }

    static func head(_ route: PlannedRoute, contract: Contract?, taken: Set<String>, checks: [BehaviourCheck] = []) -> String {
        let params = PinnedFacts.matches(#"<(?:([a-z]+):)?([A-Za-z_]\w*)>"#, in: route.path, options: []).compactMap { $0[2] }
        var lines = ["@app.route(\"\(route.path)\", methods=[\"\(route.method)\"])",
                     "def \(functionName(route, taken: taken))(\(params.joined(separator: ", "))):"]
        // query parameters read with their types; a value that is not of its type is a 400 (the
        // status the description states for that route, if it states one)
        // the route of an error as models write it: "GET /x", "/x?n=abc", "/x"
        func path(_ r: String?) -> String? {
            guard let r else { return nil }
            let bare = r.split(separator: " ").last.map(String.init) ?? r
            return bare.split(separator: "?").first.map(String.init)
        }
        let status = contract?.errors.first { path($0.route) == route.path && $0.status != nil }?.status
            ?? refusalStatus(route, checks: checks) ?? 400
        for q in route.query {
            // the variable is the parameter's name, unless that would hide a name app.py uses
            let taken: Set<String> = ["request", "app", "jsonify", "date", "datetime", "math", "json", "re", "Flask", "render_template", "abort"]
            let v = q.range(of: #"^[A-Za-z_][A-Za-z0-9_]*$"#, options: .regularExpression) != nil && !taken.contains(q)
                ? q : "\(q.filter { $0.isLetter || $0.isNumber || $0 == "_" })_value"
            let parse: String?
            switch contract?.paramType(q, path: route.path) {
            case .number?: parse = "float(request.args[\"\(q)\"])"
            case .integer?: parse = "int(request.args[\"\(q)\"])"
            case .date?: parse = "date.fromisoformat(request.args[\"\(q)\"])"
            default: parse = nil
            }
            if let parse {
                lines += ["    try:", "        \(v) = \(parse)", "    except (KeyError, ValueError):",
                          "        return jsonify({\"error\": \"\(q) is missing or not valid\"}), \(status)"]
                if contract?.paramType(q, path: route.path) == .number {
                    lines += ["    if not math.isfinite(\(v)):", "        return jsonify({\"error\": \"\(q) is not a number\"}), \(status)"]
                }
                if let bound = lowerBound(q, route: route, checks: checks) {
                    let words = bound == "< 0" ? "must not be negative" : "must be greater than zero"
                    lines += ["    if \(v) \(bound):", "        return jsonify({\"error\": \"\(q) \(words)\"}), \(status)"]
                }
            } else {
                lines.append("    \(v) = request.args.get(\"\(q)\", \"\")")
            }
        }
        // a JSON body's typed values: the body must be an object holding each with its type
        let body = route.method == "GET" ? [] : jsonBody(route, contract: contract)
        if !body.isEmpty {
            lines += ["    data = request.get_json(silent=True)", "    if not isinstance(data, dict):",
                      "        return jsonify({\"error\": \"the body must be a JSON object\"}), \(status)"]
            for p in body {
                let taken: Set<String> = ["request", "app", "jsonify", "date", "datetime", "math", "json", "re", "Flask", "data", "abort"]
                let v = taken.contains(p.name) ? p.name + "_value" : p.name
                let (test, says): (String, String)
                switch p.type {
                case .number?: (test, says) = ("isinstance(\(v), (int, float)) and not isinstance(\(v), bool)", "a number")
                case .integer?: (test, says) = ("isinstance(\(v), int) and not isinstance(\(v), bool)", "a whole number")
                case .boolean?: (test, says) = ("isinstance(\(v), bool)", "true or false")
                case .list?: (test, says) = ("isinstance(\(v), list)", "a list")
                default: (test, says) = ("isinstance(\(v), str)", "a string")
                }
                lines += ["    \(v) = data.get(\"\(p.name)\")", "    if not (\(test)):",
                          "        return jsonify({\"error\": \"\(p.name) must be \(says)\"}), \(status)"]
                // a list of the items the description writes: each item of their type
                if p.type == .list, let item = p.items {
                    let (itemTest, itemSays): (String, String)
                    switch item {
                    case .number: (itemTest, itemSays) = ("isinstance(x, (int, float)) and not isinstance(x, bool)", "numbers")
                    case .integer: (itemTest, itemSays) = ("isinstance(x, int) and not isinstance(x, bool)", "whole numbers")
                    case .boolean: (itemTest, itemSays) = ("isinstance(x, bool)", "true or false")
                    default: (itemTest, itemSays) = ("isinstance(x, str)", "strings")
                    }
                    lines += ["    if not all(\(itemTest) for x in \(v)):",
                              "        return jsonify({\"error\": \"the items of \(p.name) must be \(itemSays)\"}), \(status)"]
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `source` with `view` inserted before its `if __name__ == "__main__":` block (at the end when
    /// there is none).
    static func insert(_ view: String, into source: String) -> String {
        var lines = source.components(separatedBy: "\n")
        let block = ["", ""] + view.trimmingCharacters(in: .newlines).components(separatedBy: "\n") + ["", ""]
        if let i = lines.firstIndex(where: { $0.hasPrefix("if __name__") }) {
            lines.insert(contentsOf: block, at: i)
            // no more than two blank lines in a row
            var out: [String] = []
            for l in lines {
                if l.trimmingCharacters(in: .whitespaces).isEmpty, out.count >= 2,
                   out[out.count - 1].trimmingCharacters(in: .whitespaces).isEmpty, out[out.count - 2].trimmingCharacters(in: .whitespaces).isEmpty { continue }
                out.append(l)
            }
            return out.joined(separator: "\n")
        }
        return source.trimmingCharacters(in: .newlines) + "\n" + block.joined(separator: "\n")
    }

    /// The view's code from the model's continuation of `head`: the function up to the first line
    /// back at column 0 that is not part of it.
    static func view(fromAnswer answer: String, head: String) -> String? {
        var body = answer
        if let fence = body.range(of: "```python\n") { body = String(body[fence.upperBound...]) }
        if let end = body.range(of: "\n```") { body = String(body[..<end.lowerBound]) }
        guard body.hasPrefix(head) else { return nil }
        var kept: [String] = []
        let lines = body.components(separatedBy: "\n")
        let headCount = head.components(separatedBy: "\n").count - 1
        for (i, line) in lines.enumerated() {
            if i >= headCount, let f = line.first, !f.isWhitespace, !line.hasPrefix("#") { break }
            kept.append(line)
        }
        let text = kept.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        return text.components(separatedBy: "\n").count > headCount ? text : nil
    }
}

extension ProjectBuild {
    /// The repair target standing for the views the model wrote into the tool's app.py.
    static let viewsTarget = "app.py (views)"

    /// Writes the views of the tool's app.py again, with the errors verification reported.
    func repairViews(in dir: URL, error: String, round: Int) throws {
        project.extraViews = []
        try writeSkeletonApp(dir)
        try completeRoutes(in: dir, error: error, round: round)
        try fixImports(in: dir)
    }

    /// Adds the planned routes app.py lacks: the tool writes each one's declaration, the model its body.
    func completeRoutes(in dir: URL, error: String? = nil, round: Int = 0) throws {
        guard generator.continuesPrefill, project.regenRequest == nil, var source = project.contents["app.py"] else { return }
        let missing = RouteCompletion.missing(project.plan, source: source)
        guard !missing.isEmpty else { return }
        for route in missing {
            let taken = Set(PinnedFacts.matches(#"(?m)^def\s+([A-Za-z_]\w*)"#, in: source, options: []).compactMap { $0[1] })
            let head = RouteCompletion.head(route, contract: project.contract, taken: taken, checks: derivedChecks().behaviour)
            say("routes", "app.py has no \(route.method) \(route.path); the model writes its view")
            var ctx = try prompts.promptContext(target: PlannedFile(path: "app.py", purpose: "the Flask app"))
            ctx["written"] = [["path": "app.py", "lang": "python", "content": source.trimmingCharacters(in: .newlines)]]
            ctx["hasWritten"] = true
            var prompt = try renderer.render("prompts/file.mustache", ctx).trimmingCharacters(in: .whitespacesAndNewlines)
            prompt += "\n\napp.py above has no view for \(route.method) \(route.path) (\(route.purpose)). Write only that view function, complete, in one ```python code block; app.py's imports and `app` are already there."
            let refused = head.components(separatedBy: "\n").filter { $0.hasPrefix("    if ") }.map { String($0.dropFirst(7).dropLast()) }
            if head.contains("    try:") || head.contains("    data = request.get_json") {
                prompt += " The start of the view, written for you, already reads its parameters and refuses a missing or unreadable value"
                    + (refused.isEmpty ? "" : " and " + refused.map { "`\($0)`" }.joined(separator: ", "))
                    + ": do not check those again (a value they let through is allowed); add only the checks the description asks beyond them, then compute the answer."
            }
            if let error {
                prompt += "\n\nChecking the project failed with the earlier version of this view; write it so that these checks pass:\n```\n\(String(error.suffix(2000)))\(FailureTrace.repairHints(error))\n```"
            }
            var sampling = options.sampling
            sampling.maxTokens = min(sampling.maxTokens, 700)
            if round > 0 { sampling.seed &+= UInt64(round) &* 7919; sampling.temperature = max(sampling.temperature, 0.6) }
            let (outs, _) = try asker.ask([ChatTurn(role: .system, content: try prompts.systemPrompt()), ChatTurn(role: .user, content: prompt)],
                                    sampling: sampling, label: "app.py: \(route.method) \(route.path)", template: "prompts/file.mustache",
                                    prefill: "```python\n" + head, count: candidateCount)
            // every answer's view that inserts into valid Python; the first is written, the others wait (`tryCandidates`)
            // (a local that hides a builtin the view calls, `sum = sum(values)`, is renamed first: `ImportFixer`)
            let usable = outs.enumerated().compactMap { i, out -> (index: Int, text: String)? in
                let text = out.text.hasPrefix("```python\n") ? out.text : "```python\n" + head + out.text
                guard var view = RouteCompletion.view(fromAnswer: text, head: head) else { return nil }
                if let fixed = try? ImportFixer.renameShadowedBuiltins(view, environment: options.pythonEnvironment, renderer: renderer), !fixed.renamed.isEmpty {
                    if i == 0 || outs.count == 1 { say("imports", "\(route.method) \(route.path): " + fixed.renamed.joined(separator: "; ")) }
                    view = fixed.source
                }
                return FileGenerator.pythonSyntaxError(RouteCompletion.insert(view, into: source)) == nil ? (i, view) : nil
            }
            guard let first = usable.first else {
                say("routes", "no usable view for \(route.method) \(route.path) (\(outs.count == 1 ? "no view, or not valid Python" : "none of \(outs.count) answers")); verification will report the route")
                continue
            }
            let view = first.text
            let candidate = RouteCompletion.insert(view, into: source)
            if outs.count > 1 {
                candidatePool.offer(.view("\(route.method) \(route.path)"), chosen: first, others: Array(usable.dropFirst()), count: outs.count)
            }
            source = candidate
            if project.skeleton != .none { project.extraViews.append(view) }
        }
        if project.skeleton != .none { try writeSkeletonApp(dir) } else {
            project.contents["app.py"] = source
            try write(source, path: "app.py", in: dir)
        }
    }
}

/// Mechanical fixes to a generated page's script, each one a mistake whose cure is certain.
public enum PageFixes {
    /// `getElementById` takes an id, never a selector: `getElementById("#total")` and
    /// `getElementById("ledger tbody")` always give null (then "Cannot set properties of null").
    /// The first becomes `getElementById("total")`, the second `querySelector("#ledger tbody")` when the
    /// page has an element with id="ledger" (else `querySelector("ledger tbody")`, a tag selector).
    public static func selectorsPassedAsIDs(_ source: String) -> (source: String, changed: [String]) {
        var out = source
        var changed: [String] = []
        let ns = source as NSString
        let re = try! NSRegularExpression(pattern: #"getElementById\(\s*(["'])([^"'\n]*)\1\s*\)"#)
        for m in re.matches(in: source, range: NSRange(location: 0, length: ns.length)).reversed() {
            let quote = ns.substring(with: m.range(at: 1)), arg = ns.substring(with: m.range(at: 2))
            let replacement: String
            if arg.range(of: #"^#[A-Za-z][\w-]*$"#, options: .regularExpression) != nil {
                replacement = "getElementById(\(quote)\(arg.dropFirst())\(quote))"
            } else if arg.range(of: #"^#?[A-Za-z][\w-]*\s+[A-Za-z][\w\s>.#-]*$"#, options: .regularExpression) != nil {
                // the first word is an element's id when the page has that id, else a tag ("table tbody")
                let first = String(arg.drop { $0 == "#" }.prefix { !$0.isWhitespace })
                let isID = arg.hasPrefix("#") || source.range(of: #"\bid\s*=\s*["']?"# + NSRegularExpression.escapedPattern(for: first) + #"["'\s>/]"#, options: .regularExpression) != nil
                replacement = "querySelector(\(quote)\(isID && !arg.hasPrefix("#") ? "#" + arg : arg)\(quote))"
            } else { continue }
            out = (out as NSString).replacingCharacters(in: m.range, with: replacement)
            changed.insert("\(ns.substring(with: m.range)) → \(replacement)", at: 0)
        }
        return (out, changed)
    }

    /// Terms of a script's conditions that call zero or negative values invalid, for a page whose
    /// description does not (verification saw 0 or a negative answered like a non-number): the
    /// comparison `|| x <= 0` (or `x < 0 ||`) leaves its `||` chain, and `!x` on a number parsed with
    /// `parseFloat`/`Number`/`parseInt` (false for 0) becomes `Number.isNaN(x)`.
    public static func signRefusals(_ source: String) -> (source: String, changed: [String]) {
        var out = source
        var changed: [String] = []
        let name = #"[A-Za-z_$][\w$]*(?:\.value)?"#
        let zero = #"\s*(?:<=|<)\s*0(?:\.0+)?(?![\w.])"#
        // a whole term: `|| x <= 0` before `)`, `||` or `&&`; `x < 0 ||` right after `(` or `||`
        for pattern in [#"\s*\|\|\s*"# + name + zero + #"(?=\s*(?:\)|\|\||&&))"#, #"(?:(?<=\()|(?<=\|\|\s)|(?<=\|\|))\s*"# + name + zero + #"\s*\|\|\s*"#] {
            let re = try! NSRegularExpression(pattern: pattern)
            let ns = out as NSString
            for m in re.matches(in: out, range: NSRange(location: 0, length: ns.length)).reversed() {
                changed.insert("removed `\(ns.substring(with: m.range).trimmingCharacters(in: .whitespaces))`", at: 0)
                out = (out as NSString).replacingCharacters(in: m.range, with: "")
            }
        }
        let parsed = Set(PinnedFacts.matches(#"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:parseFloat|parseInt|Number)\s*\("#, in: out, options: []).compactMap { $0[1] })
        for v in parsed.sorted() {
            let re = try! NSRegularExpression(pattern: #"(?<![\w$!])!\s*"# + NSRegularExpression.escapedPattern(for: v) + #"(?![\w$.(\[=])"#)
            let ns = out as NSString
            let found = re.matches(in: out, range: NSRange(location: 0, length: ns.length))
            guard !found.isEmpty else { continue }
            for m in found.reversed() { out = (out as NSString).replacingCharacters(in: m.range, with: "Number.isNaN(\(v))") }
            changed.append("`!\(v)` → `Number.isNaN(\(v))` (0 is a number)")
        }
        return (out, changed)
    }

    /// A form that posts to a URL the app serves only with GET (a page's form the description never
    /// asks to send anywhere): its method becomes get, so sending it shows that page again instead of
    /// answering 405. `url` is where the form sends; a form without an action sends to `pagePath`.
    public static func postFormsWithoutRoute(_ source: String, url: String, pagePath: String) -> (source: String, changed: [String]) {
        var out = source
        var changed: [String] = []
        let ns = source as NSString
        let re = try! NSRegularExpression(pattern: #"<form\b([^>]*)>"#, options: [.caseInsensitive])
        for m in re.matches(in: source, range: NSRange(location: 0, length: ns.length)).reversed() {
            let tag = ns.substring(with: m.range), attrs = ns.substring(with: m.range(at: 1))
            let action = PinnedFacts.matches(#"\baction\s*=\s*["']([^"']*)["']"#, in: attrs, options: [.caseInsensitive]).first
                .flatMap { $0[1] }?.trimmingCharacters(in: .whitespaces) ?? ""
            let target = action.isEmpty ? pagePath : action
            guard target.split(separator: "?").first.map(String.init) == url,
                  let method = PinnedFacts.ranges(#"\bmethod\s*=\s*["']?post["']?"#, in: tag, options: [.caseInsensitive]).first else { continue }
            let fixed = (tag as NSString).replacingCharacters(in: method, with: #"method="get""#)
            out = (out as NSString).replacingCharacters(in: m.range, with: fixed)
            changed.insert("\(tag) → \(fixed) (the app has no POST \(url) route)", at: 0)
        }
        return (out, changed)
    }

    /// A page with one button whose script defines one function and never calls it, and attaches no
    /// handler at all (no `addEventListener`, no `on…=`): pressing the button does nothing. The button
    /// gets `onclick="name()"`. `scripts` are the project's other script files the page may load.
    public static func unwiredButton(_ page: String, scripts: [String] = []) -> (source: String, changed: [String]) {
        let all = ([page] + scripts).joined(separator: "\n")
        let buttons = PinnedFacts.ranges(#"<button\b[^>]*>"#, in: page)
        guard buttons.count == 1, let button = buttons.first,
              all.range(of: #"addEventListener|\bon(?:click|submit|change|input|keyup|keydown)\s*=|\.on(?:click|submit)\b|\$\(|jQuery"#,
                        options: [.regularExpression, .caseInsensitive]) == nil else { return (page, []) }
        let defined = PinnedFacts.matches(#"\bfunction\s+([A-Za-z_$][\w$]*)\s*\("#, in: all, options: []).compactMap { $0[1] }
        guard defined.count == 1, let name = defined.first,
              PinnedFacts.ranges(#"(?<![\w$])"# + NSRegularExpression.escapedPattern(for: name) + #"(?![\w$])"#, in: all, options: []).count == 1
        else { return (page, []) }
        let tag = (page as NSString).substring(with: button)
        let wired = String(tag.dropLast()).trimmingCharacters(in: .whitespaces) + " onclick=\"\(name)()\">"
        return ((page as NSString).replacingCharacters(in: button, with: wired), ["\(tag) → \(wired) (the script defines \(name)() and never runs it)"])
    }
}

extension ProjectBuild {
    /// The imports of every generated Python file follow what it uses (`ImportFixer`): a name from
    /// Flask, WTForms or the standard library that is used but never imported gets its import line.
    /// First, a page's script that looks an element up by id with a selector, or never wires its one
    /// function to the page's one button, is fixed (`PageFixes`).
    func fixImports(in dir: URL) throws {
        // pages: an element looked up by id with a selector (`getElementById("table tbody")`) is null
        for path in project.contents.keys.sorted() where path.hasSuffix(".html") || path.hasSuffix(".js") {
            guard let page = project.contents[path] else { continue }
            var fixed = PageFixes.selectorsPassedAsIDs(page)
            if path.hasSuffix(".html") {
                let scripts = project.contents.filter { $0.key.hasSuffix(".js") }.sorted { $0.key < $1.key }.map(\.value)
                let wired = PageFixes.unwiredButton(fixed.source, scripts: scripts)
                fixed = (wired.source, fixed.changed + wired.changed)
            }
            guard !fixed.changed.isEmpty else { continue }
            say("page", "\(path): " + fixed.changed.joined(separator: "; "))
            try store(fixed.source, path: path, in: dir)
        }
        // a module-level name updated in place by a function that never declares it `global`: it always
        // raises an UnboundLocalError there (the tool's app.py keeps the model's views apart: not those)
        for path in project.contents.keys.sorted() where path.hasSuffix(".py") && (path != "app.py" || project.skeleton == .none) {
            guard let source = project.contents[path], let fixed = PythonFixes.missingGlobals(source) else { continue }
            say("python", "\(path): " + fixed.added.joined(separator: "; ") + " (the function updates the module's value)")
            project.contents[path] = fixed.source
            try write(fixed.source, path: path, in: dir)
        }
        // an e-mail check that asks DNS (offline it refuses good addresses, or raises): asked without DNS
        for path in project.contents.keys.sorted() where path.hasSuffix(".py") {
            guard let source = project.contents[path], let fixed = PythonFixes.offlineEmailCheck(source) else { continue }
            say("python", "\(path): validate_email(…, check_deliverability=False) (\(fixed.count)×; the check must not depend on DNS)")
            if path == "app.py" && project.skeleton != .none {
                project.extraViews = project.extraViews.map { PythonFixes.offlineEmailCheck($0)?.source ?? $0 }
                try writeSkeletonApp(dir)
            } else {
                project.contents[path] = fixed.source
                try write(fixed.source, path: path, in: dir)
            }
        }
        for path in project.contents.keys.sorted() where path.hasSuffix(".py") {
            guard let source = project.contents[path], FileGenerator.pythonSyntaxError(source) == nil,
                  let fixed = try? ImportFixer.fix(source, environment: options.pythonEnvironment, renderer: renderer),
                  !fixed.added.isEmpty else { continue }
            say("imports", "\(path): " + fixed.added.joined(separator: "; "))
            if path == "app.py" && project.skeleton != .none {
                // the tool's app.py is rendered again with each new page: keep the lines with it
                project.extraImports += fixed.added.filter { $0.hasPrefix("import ") || $0.hasPrefix("from ") }
                try writeSkeletonApp(dir)
            } else {
                project.contents[path] = fixed.source
                try write(fixed.source, path: path, in: dir)
            }
        }
    }
}
