import Foundation
import InputSafety

public enum ProjectKind: String, Sendable, Codable, CaseIterable {
    /// one app.py with the HTML/JS page embedded as a string
    case singleFile = "single-file"
    /// a JSON API in app.py
    case jsonAPI = "json-api"
    /// Jinja templates + Flask-WTF/WTForms forms in forms.py
    case wtforms = "wtforms"
    /// Jinja templates (pages with inline JavaScript), no forms library
    case jinjaPages = "jinja-pages"
}

public struct PlannedFile: Sendable, Codable, Equatable {
    public var path: String
    public var purpose: String
    public init(path: String, purpose: String) { self.path = path; self.purpose = purpose }
    enum CodingKeys: String, CodingKey { case path, purpose }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decode(String.self, forKey: .path)
        purpose = (try? c.decode(String.self, forKey: .purpose)) ?? ""
    }
}

public struct PlannedRoute: Sendable, Codable, Equatable {
    public var method: String
    public var path: String
    public var purpose: String
    public var query: [String]
    public init(method: String, path: String, purpose: String, query: [String] = []) {
        self.method = method; self.path = path; self.purpose = purpose; self.query = query
    }
    enum CodingKeys: String, CodingKey { case method, path, purpose, query }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        method = try c.decode(String.self, forKey: .method)
        path = try c.decode(String.self, forKey: .path)
        purpose = (try? c.decode(String.self, forKey: .purpose)) ?? ""
        query = (try? c.decode([String].self, forKey: .query)) ?? []
    }
}

public struct PlannedField: Sendable, Codable, Equatable {
    public var name: String
    public var type: String
    public var label: String
    public init(name: String, type: String, label: String) { self.name = name; self.type = type; self.label = label }
    enum CodingKeys: String, CodingKey { case name, type, label }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        type = (try? c.decode(String.self, forKey: .type)) ?? "StringField"
        label = (try? c.decode(String.self, forKey: .label)) ?? name.capitalized
    }
}

public struct PlannedForm: Sendable, Codable, Equatable {
    public var className: String
    public var fields: [PlannedField]
    public init(className: String, fields: [PlannedField]) { self.className = className; self.fields = fields }
    enum CodingKeys: String, CodingKey { case className = "class", fields }
}

/// The project's shape: stored as `.deepcoder/plan.json`.
public struct ProjectPlan: Sendable, Codable, Equatable {
    public var kind: ProjectKind
    public var port: Int
    public var files: [PlannedFile]
    public var routes: [PlannedRoute]
    public var forms: [PlannedForm]
    public var elementIDs: [String]
    public var jsonKeys: [String]
    /// "model" when the model's proposal was accepted, "rules" when the rule-based plan was used.
    public var source: String
    public var notes: [String]

    public init(kind: ProjectKind, port: Int, files: [PlannedFile], routes: [PlannedRoute], forms: [PlannedForm] = [],
                elementIDs: [String] = [], jsonKeys: [String] = [], source: String = "rules", notes: [String] = []) {
        self.kind = kind; self.port = port; self.files = files; self.routes = routes; self.forms = forms
        self.elementIDs = elementIDs; self.jsonKeys = jsonKeys; self.source = source; self.notes = notes
    }

    /// Files the model writes, in generation order: forms.py, app.py, templates, static.
    public var generatedFiles: [PlannedFile] {
        func rank(_ p: String) -> Int {
            if p == "forms.py" { return 0 }
            if p == "app.py" { return 1 }
            if p.hasPrefix("templates/") { return 2 }
            return 3
        }
        return files.enumerated().sorted { (rank($0.element.path), $0.offset) < (rank($1.element.path), $1.offset) }.map(\.element)
    }

    public var pages: [String] { files.map(\.path).filter { $0.hasPrefix("templates/") } }
}

public struct PlanValidationError: Error, CustomStringConvertible, Equatable {
    public var problems: [String]
    public var description: String { "invalid plan: " + problems.joined(separator: "; ") }
}

public enum PlanBuilder {
    static let methods: Set<String> = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    /// Whether a planned file name is one the tool lets the model write.
    public static func isAllowedPlannedPath(_ path: String) -> Bool {
        guard PathSafety.isSafeRelativePath(path) else { return false }
        if path == "app.py" || path == "forms.py" { return true }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].range(of: #"^[A-Za-z0-9_][A-Za-z0-9_\-]*\.[a-z]+$"#, options: .regularExpression) != nil else { return false }
        if parts[0] == "templates" { return parts[1].hasSuffix(".html") }
        if parts[0] == "static" { return parts[1].hasSuffix(".js") || parts[1].hasSuffix(".css") }
        return false
    }

    /// Checks a plan; returns the problems found (empty = valid).
    public static func problems(in plan: ProjectPlan) -> [String] {
        var out: [String] = []
        var seen = Set<String>()
        for f in plan.files {
            if !isAllowedPlannedPath(f.path) { out.append("file name not allowed: \(f.path)") }
            if !seen.insert(f.path).inserted { out.append("duplicate file: \(f.path)") }
        }
        if !seen.contains("app.py") { out.append("no app.py") }
        switch plan.kind {
        case .singleFile, .jsonAPI:
            if seen.contains(where: { $0.hasPrefix("templates/") }) { out.append("\(plan.kind.rawValue) project must not have templates") }
        case .wtforms:
            if !seen.contains("forms.py") { out.append("wtforms project needs forms.py") }
            if !seen.contains(where: { $0.hasPrefix("templates/") }) { out.append("wtforms project needs a template") }
        case .jinjaPages:
            if !seen.contains(where: { $0.hasPrefix("templates/") }) { out.append("jinja-pages project needs a template") }
        }
        if plan.kind != .wtforms && seen.contains("forms.py") { out.append("forms.py only in a wtforms project") }
        if !(1...65535).contains(plan.port) { out.append("bad port \(plan.port)") }
        if plan.routes.isEmpty { out.append("no routes") }
        var routeKeys = Set<String>()
        for r in plan.routes {
            if !methods.contains(r.method) { out.append("bad method \(r.method)") }
            if !r.path.hasPrefix("/") || r.path.contains("..") || r.path.contains(" ") { out.append("bad route path \(r.path)") }
            if !routeKeys.insert(r.method + " " + r.path).inserted { out.append("duplicate route \(r.method) \(r.path)") }
        }
        for form in plan.forms {
            if form.className.range(of: #"^[A-Z][A-Za-z0-9_]*$"#, options: .regularExpression) == nil { out.append("bad form class \(form.className)") }
            for field in form.fields where field.name.range(of: #"^[A-Za-z_][A-Za-z0-9_]*$"#, options: .regularExpression) == nil {
                out.append("bad field name \(field.name)")
            }
        }
        return out
    }

    public static func validate(_ plan: ProjectPlan) throws {
        let p = problems(in: plan)
        if !p.isEmpty { throw PlanValidationError(problems: p) }
    }

    /// The kind the description asks for, by keywords; nil when it does not say.
    /// The plan's JSON schema for a description that pins the project's kind: the kind is that one,
    /// and the lists that kind has no use for are empty (a JSON API has no forms and no pages; only
    /// WTForms projects have forms). A small model that the grammar keeps inside such a list otherwise
    /// fills it until the token limit, before it reaches the examples and errors.
    public static func schema(_ text: String, kind: ProjectKind?) -> String {
        guard let kind else { return text }
        var out = text.replacingOccurrences(of: #""kind": \{"enum": \[[^\]]*\]\}"#, with: "\"kind\": {\"enum\": [\"\(kind.rawValue)\"]}",
                                            options: .regularExpression)
        func empty(_ key: String) {
            guard let list = out.range(of: #""\#(key)": \{"type": "array", "items": \{[^{}]*\}, "maxItems": \d+"#, options: .regularExpression),
                  let count = out[list].range(of: #"\d+$"#, options: .regularExpression) else { return }
            out.replaceSubrange(count, with: "0")
        }
        if kind != .wtforms { empty("forms") }
        if kind == .jsonAPI { empty("pages") }
        return out
    }

    public static func pinnedKind(_ pins: PinnedFacts) -> ProjectKind? {
        if pins.wantsEmbedded { return .singleFile }
        if pins.wantsWTForms { return .wtforms }
        if pins.wantsJavaScript { return .jinjaPages }
        // pages and JSON routes together: pages, with the JSON routes beside them
        if pins.wantsAPI && pins.wantsPage { return .jinjaPages }
        if pins.wantsAPI { return .jsonAPI }
        if pins.wantsPage { return .jinjaPages }
        return nil
    }

    /// The plan derived from the description alone.
    public static func ruleBased(_ spec: ProjectSpec) -> ProjectPlan {
        let pins = spec.pinned
        let kind = pinnedKind(pins) ?? .jinjaPages
        var files: [PlannedFile] = []
        var routes: [PlannedRoute] = pins.routes.map { PlannedRoute(method: $0.method, path: $0.path, purpose: "", query: $0.query) }
        switch kind {
        case .singleFile:
            files = [PlannedFile(path: "app.py", purpose: "Flask server; the HTML page with its JavaScript is a string inside app.py, served at GET /")]
            if !routes.contains(where: { $0.path == "/" && $0.method == "GET" }) {
                routes.insert(PlannedRoute(method: "GET", path: "/", purpose: "serve the page"), at: 0)
            }
        case .jsonAPI:
            files = [PlannedFile(path: "app.py", purpose: "Flask JSON API with every route")]
            if routes.isEmpty { routes = [PlannedRoute(method: "GET", path: "/", purpose: "JSON status")] }
        case .wtforms:
            files = [PlannedFile(path: "forms.py", purpose: "Flask-WTF form classes"),
                     PlannedFile(path: "app.py", purpose: "Flask routes; renders templates/index.html with the form and the result"),
                     PlannedFile(path: "templates/index.html", purpose: "Jinja page with the form, its errors and the result")]
            if !routes.contains(where: { $0.path == "/" && $0.method == "GET" }) {
                routes.insert(PlannedRoute(method: "GET", path: "/", purpose: "show the form"), at: 0)
            }
            if !routes.contains(where: { $0.method == "POST" }) {
                routes.append(PlannedRoute(method: "POST", path: "/", purpose: "validate the form and show the result"))
            }
        case .jinjaPages:
            files = [PlannedFile(path: "app.py", purpose: "Flask server; renders templates/index.html at GET /"),
                     PlannedFile(path: "templates/index.html", purpose: "the page with its inline JavaScript")]
            if !routes.contains(where: { $0.path == "/" && $0.method == "GET" }) {
                routes.insert(PlannedRoute(method: "GET", path: "/", purpose: "serve the page"), at: 0)
            }
        }
        // static files the description names
        for name in pins.fileNames where name.hasPrefix("static/") && kind != .singleFile && kind != .jsonAPI {
            if !files.contains(where: { $0.path == name }) { files.append(PlannedFile(path: name, purpose: "static asset named in the description")) }
        }
        for name in pins.fileNames where name.hasPrefix("templates/") && (kind == .wtforms || kind == .jinjaPages) {
            if !files.contains(where: { $0.path == name }) { files.append(PlannedFile(path: name, purpose: "template named in the description")) }
        }
        var forms: [PlannedForm] = []
        if kind == .wtforms {
            let fields = pins.fieldNames.isEmpty ? [PlannedField(name: "value", type: "StringField", label: "Value")]
                : pins.fieldNames.map { PlannedField(name: $0, type: fieldType(for: $0, in: spec.description) ?? "StringField", label: $0.replacingOccurrences(of: "_", with: " ").capitalized) }
            forms = [PlannedForm(className: formClassName(spec), fields: fields)]
        }
        for i in routes.indices where routes[i].purpose.isEmpty { routes[i].purpose = "as the description says" }
        return ProjectPlan(kind: kind, port: pins.port ?? 5000, files: files, routes: routes, forms: forms,
                           elementIDs: pins.elementIDs, jsonKeys: pins.jsonKeys, source: "rules")
    }

    /// Whether one path is the other under a longer prefix ("/api/books" and "/books", "/v1/books/<id>"
    /// and "/books/<id>"), segment by segment.
    static func sameRouteUnderAnotherPrefix(_ a: String, _ b: String) -> Bool {
        let x = a.split(separator: "/"), y = b.split(separator: "/")
        guard x.count != y.count, !x.isEmpty, !y.isEmpty else { return false }
        let (long, short) = x.count > y.count ? (x, y) : (y, x)
        return Array(long.suffix(short.count)) == short && short.contains { !$0.hasPrefix("<") }
    }

    /// Whether `text` writes `path` as a path of its own (not as the end of a longer one).
    static func writes(_ path: String, in text: String) -> Bool {
        text.range(of: #"(?<![\w/.-])"# + NSRegularExpression.escapedPattern(for: path) + #"(?![\w/-])"#, options: .regularExpression) != nil
    }

    /// Whether the description says the field takes integers ("guests (an integer)", "seats, whole
    /// numbers only"): the field named last before the word for an integer (within 60 characters) is the
    /// one meant. The words are the general names of the type ("whole number" and "integer" alike), not
    /// one description's phrase.
    static func isWholeNumber(_ name: String, in text: String) -> Bool {
        let names = Set(PinnedFacts.extract(from: text).fieldNames + [name])
        let ns = text as NSString
        guard let phrase = try? NSRegularExpression(pattern: #"\b(?:whole numbers?|integers?)\b"#, options: [.caseInsensitive]) else { return false }
        for m in phrase.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            let start = max(0, m.range.location - 60)
            let window = ns.substring(with: NSRange(location: start, length: m.range.location - start))
            var best: (pos: Int, name: String)? = nil
            for n in names {
                guard let re = try? NSRegularExpression(pattern: "\\b" + NSRegularExpression.escapedPattern(for: n) + "\\b", options: [.caseInsensitive]) else { continue }
                let w = window as NSString
                if let last = re.matches(in: window, range: NSRange(location: 0, length: w.length)).last,
                   best == nil || last.range.location > best!.pos { best = (last.range.location, n) }
            }
            if best?.name == name { return true }
        }
        return false
    }

    /// A form field's type from what the description says about it: the name of the integer type
    /// next to the field, "number field(s)" for the form's numbers; nil when it says nothing (the
    /// model's plan decides then).
    static func fieldType(for name: String, in text: String) -> String? {
        if isWholeNumber(name, in: text) { return "IntegerField" }
        if text.range(of: #"\bnumber (?:fields?|inputs?)\b|\bnumeric\b"#, options: [.regularExpression, .caseInsensitive]) != nil { return "FloatField" }
        return nil
    }

    static func formClassName(_ spec: ProjectSpec) -> String {
        let words = ProjectSpec.nameWords(spec.description).prefix(2)
        let base = words.map { w in w.filter { $0.isLetter || $0.isNumber } }.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        let name = (base.first?.isLetter ?? false) ? base + "Form" : "InputForm"
        return name
    }

    /// Form fields for the values the model says the app reads (its "params", else its routes'
    /// query names), typed as it typed them.
    static func fieldsFromParams(_ p: Proposal) -> [PlannedField]? {
        var seen = Set<String>()
        var out: [PlannedField] = []
        func add(_ name: String, _ type: String?) {
            guard name.range(of: #"^[A-Za-z_][A-Za-z0-9_]*$"#, options: .regularExpression) != nil,
                  !["csrf_token", "submit"].contains(name), seen.insert(name).inserted else { return }
            let field: String
            switch type.flatMap(Contract.ValueType.init(loose:)) {
            case .number?: field = "FloatField"
            case .integer?: field = "IntegerField"
            case .boolean?: field = "BooleanField"
            case .date?: field = "DateField"
            case .email?: field = "EmailField"
            case .password?: field = "PasswordField"
            default: field = "StringField"
            }
            out.append(PlannedField(name: name, type: field, label: name.replacingOccurrences(of: "_", with: " ").capitalized))
        }
        for param in p.params ?? [] { if let n = param.name { add(n, param.type) } }
        if out.isEmpty { for r in p.routes ?? [] { for q in r.query { add(q, nil) } } }
        return out
    }

    /// The names whose value in one of the answer's worked examples is text that is not a number.
    static func exampleWords(_ json: String) -> Set<String> {
        guard let root = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let examples = root["examples"] as? [[String: Any]] else { return [] }
        var out = Set<String>()
        for x in examples {
            for (k, v) in (x["given"] as? [String: Any]) ?? [:] {
                if let t = v as? String, !t.isEmpty, Double(t.trimmingCharacters(in: .whitespaces)) == nil { out.insert(k) }
            }
        }
        return out
    }

    struct ParamProposal: Decodable {
        var name: String?
        var type: String?
        enum CodingKeys: String, CodingKey { case name, type }
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try? c.decode(String.self, forKey: .name)
            type = try? c.decode(String.self, forKey: .type)
        }
    }

    /// The model's plan proposal (JSON), as loosely as the model writes it.
    struct Proposal: Decodable {
        var kind: String?
        var port: Int?
        var files: [PlannedFile]?
        var routes: [PlannedRoute]?
        var forms: [PlannedForm]?
        var params: [ParamProposal]?
        enum CodingKeys: String, CodingKey { case kind, port, files, routes, forms, params }
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            kind = try? c.decode(String.self, forKey: .kind)
            port = (try? c.decode(Int.self, forKey: .port)) ?? (try? c.decode(String.self, forKey: .port)).flatMap(Int.init)
            if let fs = try? c.decode([PlannedFile].self, forKey: .files) { files = fs }
            else if let names = try? c.decode([String].self, forKey: .files) { files = names.map { PlannedFile(path: $0, purpose: "") } }
            routes = try c.decodeIfPresent([PlannedRoute].self, forKey: .routes)
            forms = try? c.decode([PlannedForm].self, forKey: .forms)
            params = try? c.decode([ParamProposal].self, forKey: .params)
        }
    }

    /// The JSON object of a model answer, mended where small models break JSON in known ways when
    /// it does not parse as written: bare keys (`{width: 5}`), trailing commas, Python's
    /// True/False/None. (Constrained decoding will make this unnecessary.)
    public static func extractJSON(_ answer: String) -> String? {
        guard let json = extractJSONObject(answer) else { return nil }
        if (try? JSONSerialization.jsonObject(with: Data(json.utf8))) != nil { return json }
        var t = json
        t = t.replacingOccurrences(of: #"([{,]\s*)([A-Za-z_][A-Za-z0-9_]*)\s*:"#, with: "$1\"$2\":", options: .regularExpression)
        t = t.replacingOccurrences(of: #",\s*([}\]])"#, with: "$1", options: .regularExpression)
        // a list written with keys (`["result": "98.6"]`) is an object
        t = t.replacingOccurrences(of: #"\[(\s*"[^"\[\]{}]*"\s*:\s*[^\[\]{}]*)\]"#, with: "{$1}", options: .regularExpression)
        t = t.replacingOccurrences(of: #":\s*True\b"#, with: ": true", options: .regularExpression)
        t = t.replacingOccurrences(of: #":\s*False\b"#, with: ": false", options: .regularExpression)
        t = t.replacingOccurrences(of: #":\s*None\b"#, with: ": null", options: .regularExpression)
        return (try? JSONSerialization.jsonObject(with: Data(t.utf8))) != nil ? t : json
    }

    /// Finds the JSON object in a model answer (fenced or not). An object cut short (the answer ran
    /// out of tokens, typically in a loop repeating one list item) is closed after its last complete
    /// value: what came before the cut is still the model's reading.
    public static func extractJSONObject(_ answer: String) -> String? {
        var candidates: [String] = ResponseParser.fencedBlocks(answer).map(\.body)
        candidates.append(answer)
        if let whole = completeObject(in: candidates) { return whole }
        guard let start = answer.firstIndex(of: "{") else { return nil }
        return closeTruncated(String(answer[start...]).replacingOccurrences(of: "```", with: ""))
    }

    /// `text` (starting with `{`) cut back to its last complete value, with the open strings,
    /// arrays and objects closed; nil when nothing complete remains.
    static func closeTruncated(_ text: String) -> String? {
        var stack: [Character] = []
        var inString = false, escaped = false
        // (end offset, closing brackets) after each complete value inside a container
        var lastCut: (end: String.Index, close: String)? = nil
        var i = text.startIndex
        func closers() -> String { String(stack.reversed().map { $0 == "{" ? "}" : "]" }) }
        // a cut keeps whole items: the root object's pairs and whole elements of lists in it, never
        // half an object inside a list
        func complete() -> Bool { stack.dropFirst().allSatisfy { $0 == "[" } }
        while i < text.endIndex {
            let ch = text[i]
            if inString {
                if escaped { escaped = false } else if ch == "\\" { escaped = true } else if ch == "\"" { inString = false }
            } else if ch == "\"" { inString = true }
            else if ch == "{" || ch == "[" { stack.append(ch) }
            else if ch == "}" || ch == "]" {
                guard !stack.isEmpty else { break }
                stack.removeLast()
                if stack.isEmpty { return String(text[...i]) }
                if complete() { lastCut = (text.index(after: i), closers()) }
            } else if ch == "," && !stack.isEmpty && complete() {
                lastCut = (i, closers())
            }
            i = text.index(after: i)
        }
        guard let cut = lastCut else { return nil }
        return String(text[..<cut.end]) + cut.close
    }

    static func completeObject(in candidates: [String]) -> String? {
        for c in candidates {
            guard let start = c.firstIndex(of: "{") else { continue }
            // scan to the matching brace, honouring strings
            var depth = 0, inString = false, escaped = false
            var i = start
            while i < c.endIndex {
                let ch = c[i]
                if inString {
                    if escaped { escaped = false } else if ch == "\\" { escaped = true } else if ch == "\"" { inString = false }
                } else if ch == "\"" { inString = true }
                else if ch == "{" { depth += 1 }
                else if ch == "}" { depth -= 1; if depth == 0 { return String(c[start...i]) } }
                i = c.index(after: i)
            }
        }
        return nil
    }

    /// Accepts the model's proposal when it is valid and agrees with what the description pins;
    /// pinned facts always win. Throws `PlanValidationError` when the proposal is unusable.
    public static func fromModelAnswer(_ answer: String, spec: ProjectSpec) throws -> ProjectPlan {
        guard let json = extractJSON(answer), let data = json.data(using: .utf8) else {
            throw PlanValidationError(problems: ["no JSON object in the answer"])
        }
        let proposal: Proposal
        do { proposal = try JSONDecoder().decode(Proposal.self, from: data) } catch {
            throw PlanValidationError(problems: ["JSON does not decode: \(error)"])
        }
        let rules = ruleBased(spec)
        var notes: [String] = []
        // The kind the description asks for wins over the model's (small models copy the prompt's
        // example kind); the rest of its reading (fields, parameters, pages) is still used.
        var kind: ProjectKind
        var coerced = false
        if let pinned = pinnedKind(spec.pinned) {
            kind = pinned
            if let proposed = proposal.kind, proposed.lowercased() != pinned.rawValue {
                coerced = true
                notes.append("the model proposed kind \(proposed); the description asks for \(pinned.rawValue)")
            }
        } else {
            guard let kindText = proposal.kind, let k = ProjectKind(rawValue: kindText.lowercased()) else {
                throw PlanValidationError(problems: ["unknown kind \(proposal.kind ?? "nil")"])
            }
            kind = k
        }
        guard var files = proposal.files, !files.isEmpty else { throw PlanValidationError(problems: ["no files"]) }
        var routes = (proposal.routes ?? []).map { r -> PlannedRoute in
            var r = r; r.method = r.method.uppercased(); return r
        }
        // files another kind of project would have: keep what this kind can have
        files = files.filter { f in
            switch kind {
            case .singleFile, .jsonAPI: return f.path == "app.py"
            case .wtforms: return true
            case .jinjaPages: return f.path != "forms.py"
            }
        }
        // routes planned for another kind: a form page answers on its own path, so the routes are
        // the description's (or GET and POST /)
        if coerced && kind == .wtforms { routes = rules.routes }
        // a page computed in the browser asks no route with parameters the description does not write
        if spec.pinned.wantsJavaScript {
            for i in routes.indices where !routes[i].query.isEmpty && !spec.description.contains(routes[i].path + "?") {
                routes[i].query = []
            }
        }
        // pinned routes are always there, with their pinned query parameters
        for pr in rules.routes {
            if let i = routes.firstIndex(where: { $0.method == pr.method && $0.path == pr.path }) {
                if routes[i].query.isEmpty { routes[i].query = pr.query }
            } else { routes.append(pr) }
        }
        // a route the model adds beside one the description writes, with the same last segment under
        // another prefix ("/books" beside "/api/books"), is that route written twice: the views would
        // split the app's data between them. It goes, unless the description writes it too.
        routes.removeAll { r in
            !rules.routes.contains { $0.method == r.method && $0.path == r.path }
                && rules.routes.contains { $0.method == r.method && Self.sameRouteUnderAnotherPrefix($0.path, r.path) }
                && !Self.writes(r.path, in: spec.description)
        }
        // a method the description says a path must refuse ("GET /tally gives status 405") is no route,
        // even when the model plans it
        let refused = spec.pinned.refusedRoutes ?? []
        routes.removeAll { r in
            let no = refused.contains { $0.method == r.method && $0.path == r.path }
            if no { notes.append("left out route \(r.method) \(r.path): the description says it must answer 405") }
            return no
        }
        var forms = (proposal.forms ?? []).filter { !$0.fields.isEmpty }
        if kind == .wtforms {
            // no form planned: the values the model says the app reads are the form's fields
            if forms.isEmpty, let fields = fieldsFromParams(proposal), !fields.isEmpty {
                forms = [PlannedForm(className: rules.forms.first?.className ?? "InputForm", fields: fields)]
            }
            if forms.isEmpty { forms = rules.forms }
            // pinned field names must be in the first form
            for name in spec.pinned.fieldNames where !forms.flatMap(\.fields).contains(where: { $0.name == name }) {
                forms[0].fields.append(PlannedField(name: name, type: fieldType(for: name, in: spec.description) ?? "StringField", label: name.capitalized))
            }
            // "number fields" take decimals (72.5 kg); models often plan IntegerField. Whole numbers
            // only where the description says so.
            let numeric: Set<String> = ["IntegerField", "FloatField", "DecimalField"]
            for i in forms.indices {
                for j in forms[i].fields.indices where numeric.contains(forms[i].fields[j].type) {
                    if let wanted = fieldType(for: forms[i].fields[j].name, in: spec.description), numeric.contains(wanted) { forms[i].fields[j].type = wanted }
                }
            }
        } else { forms = [] }
        // What cannot be part of a plan is left out, not a reason to lose the rest of the model's
        // reading: file names the tool does not allow (templates/api/users.html), repeated files
        // and routes, routes with a bad method or path, fields that are not identifiers.
        var seenFiles = Set<String>()
        var planFiles = files.filter { f in
            guard isAllowedPlannedPath(f.path) else { notes.append("left out file \(f.path): not a name deepcoder writes"); return false }
            return seenFiles.insert(f.path).inserted
        }
        var seenRoutes = Set<String>()
        routes = routes.filter { r in
            guard methods.contains(r.method), r.path.hasPrefix("/"), !r.path.contains(".."), !r.path.contains(" ") else {
                notes.append("left out route \(r.method) \(r.path)"); return false
            }
            return seenRoutes.insert(r.method + " " + r.path).inserted
        }
        for i in forms.indices {
            if forms[i].className.range(of: #"^[A-Z][A-Za-z0-9_]*$"#, options: .regularExpression) == nil {
                forms[i].className = rules.forms.first?.className ?? "InputForm"
            }
            var seenFields = Set<String>()
            forms[i].fields = forms[i].fields.filter {
                $0.name.range(of: #"^[A-Za-z_][A-Za-z0-9_]*$"#, options: .regularExpression) != nil && seenFields.insert($0.name).inserted
            }
        }
        forms.removeAll { $0.fields.isEmpty }
        if kind == .wtforms && forms.isEmpty { forms = rules.forms }
        // a field the model typed as a number whose worked example is words ("alice") is text
        let words = exampleWords(json)
        for i in forms.indices {
            for j in forms[i].fields.indices where ["FloatField", "IntegerField", "DecimalField"].contains(forms[i].fields[j].type)
                && words.contains(forms[i].fields[j].name) {
                notes.append("field \(forms[i].fields[j].name) is text: its example is not a number")
                forms[i].fields[j].type = "StringField"
            }
        }
        for f in planFiles.indices where planFiles[f].purpose.isEmpty {
            planFiles[f].purpose = rules.files.first(where: { $0.path == planFiles[f].path })?.purpose ?? "as planned"
        }
        let hasTemplates = planFiles.contains { $0.path.hasPrefix("templates/") }
        for rf in rules.files where !planFiles.contains(where: { $0.path == rf.path }) {
            // the rules' files for another kind (their one-page default beside the model's JSON API)
            if (kind == .singleFile || kind == .jsonAPI) && rf.path != "app.py" { continue }
            if kind != .wtforms && rf.path == "forms.py" { continue }
            // the model's own templates stand for the rules' one-page default
            if rf.path.hasPrefix("templates/") && hasTemplates && !spec.pinned.fileNames.contains(rf.path) { continue }
            planFiles.append(rf)
        }
        let plan = ProjectPlan(kind: kind, port: spec.pinned.port ?? proposal.port ?? 5000, files: planFiles, routes: routes,
                               forms: forms, elementIDs: spec.pinned.elementIDs, jsonKeys: spec.pinned.jsonKeys, source: "model",
                               notes: notes)
        try validate(plan)
        // Small models copy the plan prompt's example route (/items) into unrelated projects: once the
        // proposal is valid, keep a route the description never mentions only when it pins no routes.
        var result = plan
        // a page computed in the browser: no form posts the description does not name
        if (kind == .singleFile || kind == .jinjaPages) && spec.pinned.wantsJavaScript {
            result.routes.removeAll { $0.method != "GET" && !spec.description.contains($0.path + " ") && !rules.routes.contains($0) }
        }
        // pages: a method the description never writes is the model's invention (the 0.5B gave a
        // search page POST, PUT, PATCH and DELETE routes)
        if kind == .singleFile || kind == .jinjaPages {
            result.routes.removeAll { r in
                r.method != "GET" && !rules.routes.contains(r)
                    && spec.description.range(of: #"\b"# + r.method + #"\b"#, options: [.regularExpression, .caseInsensitive]) == nil
            }
        }
        if !rules.routes.isEmpty {
            result.routes.removeAll { r in r.path != "/" && !spec.description.contains(r.path) }
        }
        // The same holds for files (templates/items.html, static/items.js, …): beyond the files the
        // project's kind needs, keep only those the description names.
        let described = spec.description.lowercased()
        result.files.removeAll { f in
            guard !rules.files.contains(where: { $0.path == f.path }) else { return false }
            // a script for a page the description wants without JavaScript, a stylesheet it never
            // names: more for a small model to get wrong, nothing a user asked for
            if f.path.hasPrefix("static/"), !described.contains(f.path.lowercased()),
               f.path.hasSuffix(".css") || !spec.pinned.wantsJavaScript { return true }
            let stem = (f.path as NSString).lastPathComponent.split(separator: ".").first.map(String.init) ?? f.path
            return !described.contains(f.path.lowercased()) && !described.contains(stem.lowercased())
        }
        // the model's templates were all dropped: the kind's own page stands in
        if (kind == .wtforms || kind == .jinjaPages) && !result.files.contains(where: { $0.path.hasPrefix("templates/") }) {
            result.files += rules.files.filter { $0.path.hasPrefix("templates/") }
        }
        return result
    }
}
