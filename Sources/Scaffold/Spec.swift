import Foundation

/// The user's description plus what can be derived from it without a model.
public struct ProjectSpec: Sendable, Codable, Equatable {
    public var description: String
    public var projectName: String
    public var slug: String
    public var pinned: PinnedFacts

    public init(description: String) {
        let text = description.trimmingCharacters(in: .whitespacesAndNewlines)
        self.description = text
        let words = ProjectSpec.nameWords(text)
        self.projectName = words.isEmpty ? "Flask App" : words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
        self.slug = words.isEmpty ? "flask-app" : words.joined(separator: "-")
        self.pinned = PinnedFacts.extract(from: text)
    }

    static let stopWords: Set<String> = [
        "a", "an", "the", "create", "build", "make", "write", "generate", "develop", "implement", "please",
        "with", "using", "use", "in", "on", "of", "for", "to", "and", "or", "that", "which", "is", "it",
        "flask", "python", "runnable", "code", "simple", "small", "basic", "web", "webpage", "page", "app",
        "application", "site", "website", "server", "served", "by", "i", "want", "need", "me", "my", "some",
        "html", "javascript", "js", "jinja", "template", "templates", "provide", "endpoint", "calculate",
        "wtforms", "flask-wtf", "flask-wtf/wtforms", "publish", "new", "tiny", "rest", "restful", "from",
        "can", "could", "would", "you", "should", "will", "where", "when", "which", "who", "what", "with", "has", "have",
        "be", "are", "was", "at", "as", "so", "then", "there", "this", "these", "those", "just", "also", "like", "get",
        "port", "run", "runs", "start", "starts", "embed", "embedded", "embedding", "interface", "exactly", "one", "two",
        "hey", "hi", "pls", "please", "let", "lets", "let's", "i'd", "i'm", "im", "wanna", "gimme", "give", "quick",
        "all", "any", "each", "every", "into", "its", "their", "them", "they", "we", "our", "your", "up", "out",
    ]

    /// Up to four meaningful words of the first sentence, lower-case, ASCII letters/digits only.
    static func nameWords(_ text: String) -> [String] {
        let firstLine = text.split(whereSeparator: { $0 == "\n" }).first.map(String.init) ?? ""
        let sentence = firstLine.split(whereSeparator: { $0 == "." || $0 == ":" || $0 == ";" }).first.map(String.init) ?? firstLine
        var out: [String] = []
        for raw in sentence.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "/") }) {
            let w = String(raw).filter { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" }
                .trimmingCharacters(in: CharacterSet(charactersIn: "-"))
            guard w.count > 1, !stopWords.contains(w), !w.contains("/"), w.first?.isLetter == true else { continue }
            if !out.contains(w) { out.append(w) }
            if out.count == 4 { break }
        }
        return out
    }
}

/// A route the description names, e.g. `GET /speed?km=<number>`.
public struct PinnedRoute: Sendable, Codable, Equatable, Hashable {
    public var method: String
    public var path: String
    public var query: [String]
    public init(method: String, path: String, query: [String] = []) { self.method = method; self.path = path; self.query = query }
}

/// Facts the description pins exactly: these go into every file prompt and into verification.
public struct PinnedFacts: Sendable, Codable, Equatable {
    public var port: Int?
    public var routes: [PinnedRoute] = []
    /// methods of a path the description says must be refused (405); not in `routes`
    public var refusedRoutes: [PinnedRoute]? = nil
    public var fieldNames: [String] = []
    public var elementIDs: [String] = []
    public var jsonKeys: [String] = []
    public var exactTexts: [String] = []
    public var fileNames: [String] = []
    public var wantsEmbedded = false
    public var wantsWTForms = false
    public var wantsAPI = false
    public var wantsPage = false
    public var wantsJavaScript = false

    public init() {}

    public var isEmpty: Bool {
        port == nil && routes.isEmpty && fieldNames.isEmpty && elementIDs.isEmpty && jsonKeys.isEmpty && exactTexts.isEmpty
    }

    static func matches(_ pattern: String, in text: String, options: NSRegularExpression.Options = [.caseInsensitive]) -> [[String?]] {
        guard let re = try? NSRegularExpression(pattern: pattern, options: options) else { return [] }
        let ns = text as NSString
        return re.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { m in
            (0..<m.numberOfRanges).map { i in
                let r = m.range(at: i)
                return r.location == NSNotFound ? nil : ns.substring(with: r)
            }
        }
    }

    static func has(_ pattern: String, _ text: String) -> Bool { !matches(pattern, in: text).isEmpty }

    /// The ranges (UTF-16) of `pattern`'s matches in `text`, or of their capture `group` when it took part.
    static func ranges(_ pattern: String, in text: String, group: Int = 0, options: NSRegularExpression.Options = [.caseInsensitive]) -> [NSRange] {
        guard let re = try? NSRegularExpression(pattern: pattern, options: options) else { return [] }
        return re.matches(in: text, range: NSRange(location: 0, length: (text as NSString).length)).compactMap { m in
            let r = m.range(at: group)
            return r.location == NSNotFound ? nil : r
        }
    }

    public static func extract(from text: String) -> PinnedFacts {
        var p = PinnedFacts()
        // port
        if let m = matches(#"\bport\s*(?:number\s*)?[:=]?\s*(\d{2,5})\b"#, in: text).first, let s = m[1], let n = Int(s), n > 0, n < 65536 {
            p.port = n
        } else if let m = matches(#"\b(?:localhost|127\.0\.0\.1):(\d{2,5})\b"#
                                  + #"|\b(?:flask|app|server|site|page|api|it|runs?|running|serves?|serving|served|listens?|listening|hosted|starts?|started)\s+(?:\w+\s+)?on\s+(\d{4,5})(?![\d./-])"#,
                                  in: text).first, let s = m[1] ?? m[2], let n = Int(s), n >= 1024, n < 65536 {
            // casual: "flask on 5071", "runs on 8080", "at localhost:5050"
            p.port = n
        }
        // routes with a method
        var seen = Set<String>()
        func addRoute(_ method: String, _ rawPath: String) {
            var path = rawPath
            var query: [String] = []
            if let q = path.firstIndex(of: "?") {
                let qs = path[path.index(after: q)...]
                path = String(path[..<q])
                for part in qs.split(separator: "&") {
                    let name = part.split(separator: "=").first.map(String.init) ?? ""
                    if name.range(of: #"^[A-Za-z_][\w-]*$"#, options: .regularExpression) != nil { query.append(name) }
                }
            }
            while path.count > 1, let last = path.last, ".,;:)`'\"".contains(last) { path.removeLast() }
            guard path.hasPrefix("/"), !path.hasPrefix("//") else { return }
            // `{id}` → Flask's `<id>`
            path = path.replacingOccurrences(of: "{", with: "<").replacingOccurrences(of: "}", with: ">")
            let key = method + " " + path
            if seen.insert(key).inserted { p.routes.append(PinnedRoute(method: method, path: path, query: query)) }
            else if !query.isEmpty, let i = p.routes.firstIndex(where: { $0.method == method && $0.path == path }) {
                p.routes[i].query = Array(Set(p.routes[i].query + query)).sorted()
            }
        }
        // "GET /x", "a GET request to /x", and the method and its path in one clause with the request's
        // body or words between them ("I POST {"a": 1} to /x", "send a PUT with the new title to /x/<id>")
        let between = #"(?:\s+(?:requests?\s+)?(?:to|on|at)\s+|\s+(?![/`])(?:[^/.;:{}\n]|\{[^{}\n]*\}){1,80}?\s(?:to|on|at|from|against)\s+|\s+)"#
        for m in matches(#"\b(GET|POST|PUT|PATCH|DELETE)\b"# + between + #"?`?(/[A-Za-z0-9_\-/<>{}:.?=&]*)"#, in: text, options: []) {
            guard let method = m[1], let path = m[2] else { continue }
            // not across another method ("GET /a and POST to /b")
            if let whole = m[0], whole.dropFirst(method.count).range(of: #"\b(?:GET|POST|PUT|PATCH|DELETE)\b"#, options: .regularExpression) != nil { continue }
            addRoute(method, path)
        }
        // "form (method POST, action /)"
        for m in matches(#"method\s*=?\s*"?(POST|GET)"?\s*,?\s*(?:and\s+)?action\s*=?\s*"?(/[\w\-/]*)"#, in: text) {
            if let method = m[1]?.uppercased(), let path = m[2] { addRoute(method, path) }
        }
        // bare paths after "endpoint"/"route"/"at"
        for m in matches(#"\b(?:endpoint|route|url|path)\s+`?(/[A-Za-z0-9_\-/<>{}]+)"#, in: text) {
            if let path = m[1], !p.routes.contains(where: { $0.path == path }) { addRoute("GET", path) }
        }
        // any other path the description names (`/api/area`, "at /history") is a GET route
        for m in matches(#"(?:^|[\s(`"'])(/[a-z][a-z0-9_\-]*(?:/[A-Za-z0-9_\-<>{}:]+)*)(\?[A-Za-z_][\w-]*=[^\s&`"')]*(?:&[A-Za-z_][\w-]*=[^\s&`"')]*)*)?(?=[\s)`"'.,;:?]|$)"#, in: text) {
            guard let path = m[1], !path.hasPrefix("/dev/"), !path.hasPrefix("/usr/"), !path.hasPrefix("/etc/"), !path.hasPrefix("/tmp/") else { continue }
            if !p.routes.contains(where: { $0.path == path || $0.path.hasPrefix(path + "?") }) {
                addRoute("GET", path + (m[2] ?? ""))
            } else if let q = m[2], p.routes.contains(where: { $0.path == path && $0.method == "GET" }) {
                // a later URL of the same route may show more of its parameters ("/find?term=…" then
                // "/find?term=pie&offset=10"): they join the route's
                addRoute("GET", path + q)
            }
        }
        // field names: "field(s) named distance (…) and fuel", name="x"
        var fields: [String] = []
        func addField(_ f: String) { if !fields.contains(f) && !fieldStop.contains(f.lowercased()) { fields.append(f) } }
        for m in matches(#"\b(?:fields?|inputs?|parameters?)\s+(?:called|named)\s+([^.;\n]+)"#, in: text) {
            guard let rest = m[1] else { continue }
            // drop parentheticals, then split on commas / and / or
            let cleaned = rest.replacingOccurrences(of: #"\([^)]*\)"#, with: " ", options: .regularExpression)
            for (i, part) in cleaned.components(separatedBy: CharacterSet(charactersIn: ",")).flatMap({ $0.components(separatedBy: " and ") }).enumerated() {
                let part = part.replacingOccurrences(of: #"^\s*(?:(?:an?|the|one|another)\s+)?(?:[\w-]+\s+)?(?:fields?|inputs?)\s+(?:called|named)\s+"#, with: "", options: [.regularExpression, .caseInsensitive])
                let words = part.split(whereSeparator: { $0 == " " || $0 == "`" || $0 == "\"" || $0 == "'" })
                guard let first = words.first else { continue }
                // later list items are single names ("distance, fuel and price"), not a new clause
                if i > 0 && words.count > 1 && !part.lowercased().contains("named") { break }
                let w = String(first)
                if w.range(of: #"^[A-Za-z_][A-Za-z0-9_]*$"#, options: .regularExpression) != nil { addField(w) }
                else if i > 0 { break }
            }
        }
        for m in matches(#"\bname\s*=\s*["']?([A-Za-z_][\w-]*)"#, in: text) { if let f = m[1] { addField(f) } }
        for m in matches(#"\b(?:field|input)\s+`?"?([a-z_][a-z0-9_]*)"?`?\s+field\b"#, in: text) { if let f = m[1] { addField(f) } }
        p.fieldNames = fields
        // element ids: id="x", id=x, #x (CSS-style reference)
        var ids: [String] = []
        func addID(_ s: String) { if !ids.contains(s) { ids.append(s) } }
        for m in matches(#"\bid\s*=\s*["']?([A-Za-z][\w-]*)"#, in: text) { if let s = m[1] { addID(s) } }
        for m in matches(#"(?:^|[\s(`])#([A-Za-z][\w-]*)"#, in: text) { if let s = m[1], s.lowercased() != "id" { addID(s) } }
        p.elementIDs = ids
        // JSON keys: {"volume": …}, "error" key
        var keys: [String] = []
        func addKey(_ s: String) { if !keys.contains(s) { keys.append(s) } }
        for m in matches(#""([A-Za-z_][\w-]*)"\s*:"#, in: text) { if let s = m[1] { addKey(s) } }
        for m in matches(#""([A-Za-z_][\w-]*)"\s+(?:key|field|property|attribute)\b"#, in: text) { if let s = m[1] { addKey(s) } }
        p.jsonKeys = keys
        // exact texts: a quoted text shortly after a word of showing or saying (`exactly "…"`, `the word "…"`,
        // `the error "…"`, `should read "…"`, `just say "…"`, `displayed as "…"`); not one it must never show
        var texts: [String] = []
        for m in StatementReader.messages(text) where !m.negated && m.text.count <= 80 {
            if !texts.contains(m.text) { texts.append(m.text) }
        }
        p.exactTexts = texts
        // files the description names
        var files: [String] = []
        for m in matches(#"\b((?:templates|static)/[\w\-]+\.(?:html|js|css)|forms\.py|app\.py)\b"#, in: text) {
            if let s = m[1], !files.contains(s) { files.append(s) }
        }
        p.fileNames = files
        // a method the description says a path must refuse ("GET /tally gives status 405", "DELETE /x
        // is not allowed"): every clause naming it says so. It is no route to write; a check asks for 405.
        for r in p.routes {
            let mention = #"\b"# + r.method + #"\s+`?"# + NSRegularExpression.escapedPattern(for: r.path) + #"(?![\w/<-])"#
            // what each mention says: from the mention to the clause's end or the next route
            let ns = text as NSString
            let clauses = ranges(mention, in: text, options: []).map { r -> String in
                let rest = ns.substring(from: r.location + r.length)
                let end = rest.range(of: #"[;\n]|\.(?:\s|$)|\b(?:GET|POST|PUT|PATCH|DELETE)\s+`?/"#, options: .regularExpression)?.lowerBound ?? rest.endIndex
                return String(rest[..<end])
            }
            // the words right after the mention refuse it ("gives status 405", "is not allowed"); a clause that
            // goes on about a body or a success ("… with {…} creates it (empty text is not allowed)") does not
            let refusal = #"^[\s,:(`—–-]*(?:(?:is|are|must|should|will|be|always|only|simply|gives?|returns?|answers?|responds?|with|gets?|status|http|code|an?|error)\s+)*(?:405\b|not (?:be )?(?:allowed|supported|accepted)\b|isn't (?:allowed|supported)\b|refused\b|rejected\b|method not allowed\b)"#
            func refuses(_ clause: String) -> Bool {
                clause.range(of: refusal, options: [.regularExpression, .caseInsensitive]) != nil
                    && clause.range(of: #"\b2\d\d\b|\{"#, options: .regularExpression) == nil
            }
            if !clauses.isEmpty, clauses.allSatisfy(refuses) {
                p.routes.removeAll { $0 == r }
                p.refusedRoutes = (p.refusedRoutes ?? []) + [r]
            }
        }
        // shape keywords
        p.wantsEmbedded = has(#"\bembed(?:ded|s|ding)?\b|\bsingle[- ]file\b|\binside app\.py\b|\bin app\.py\b|\bone file\b|\bas a string\b|\binline (?:html|template)"#, text)
        p.wantsWTForms = has(#"\bwtforms\b|\bflask-wtf\b|\bforms\.py\b|\bforms?\b"#, text)
            && !has(#"\bno forms?\b|\bwithout (?:a )?forms?\b"#, text)
        p.wantsAPI = has(#"\bapi\b|\bjson\b|\brest\b|\brestful\b|\bendpoints?\b"#, text)
        p.wantsPage = has(#"\bweb ?page\b|\bpages?\b|\bhtml\b|\bbrowser\b|\bwebsite\b"#, text)
        p.wantsJavaScript = has(#"\bjavascript\b|\bjs\b|\bin the browser\b|\bclient[- ]side\b"#, text)
            && !has(#"\b(?:no|without|not|never|zero)\s+(?:any\s+|using\s+)?(?:javascript|js)\b|\b(?:javascript|js)\s+(?:is\s+)?(?:not|never)\s+(?:needed|required|necessary|used|wanted|allowed)\b"#, text)
        return p
    }

    static let fieldStop: Set<String> = ["a", "an", "the", "field", "fields", "input", "inputs", "named", "called", "name", "value", "number", "type"]

    /// A compact bullet list for prompts.
    public var bulletList: String {
        var lines: [String] = []
        if let port { lines.append("- `python app.py` starts the server on port \(port): end app.py with `app.run(host=\"127.0.0.1\", port=\(port))`.") }
        for r in routes {
            let q = r.query.isEmpty ? "" : " (query parameter\(r.query.count > 1 ? "s" : ""): \(r.query.joined(separator: ", ")))"
            lines.append("- Route: \(r.method) \(r.path)\(q)")
        }
        for r in refusedRoutes ?? [] { lines.append("- No route for \(r.method) \(r.path): it must answer 405") }
        if !fieldNames.isEmpty { lines.append("- Form field names (exactly): \(fieldNames.joined(separator: ", "))") }
        if !elementIDs.isEmpty { lines.append("- HTML element ids (exactly): \(elementIDs.map { "id=\"\($0)\"" }.joined(separator: ", "))") }
        if !jsonKeys.isEmpty { lines.append("- JSON keys (exactly): \(jsonKeys.map { "\"\($0)\"" }.joined(separator: ", "))") }
        if !exactTexts.isEmpty { lines.append("- Exact texts: \(exactTexts.map { "\"\($0)\"" }.joined(separator: ", "))") }
        return lines.joined(separator: "\n")
    }
}
