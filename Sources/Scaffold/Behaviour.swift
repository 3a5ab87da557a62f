import Foundation

/// One request the description states an outcome for, checked against the running app
/// (verification's `behaviour` check), e.g. "GET /area?radius=0 answers 200" from
/// "A radius of 0 is allowed".
///
/// Only statements the rules read with confidence become checks: a wrong check would make
/// deepcoder call a good app broken and "repair" it. Every check keeps the sentence it comes
/// from, so a failure tells the model (and the user) which promise the app broke.
public struct BehaviourCheck: Sendable, Codable, Equatable {
    public var method: String
    /// Path and query; `<id>`-style placeholders are filled by the harness with the id of the
    /// item the first successful create returned (or 1).
    public var url: String
    public var json: [String: JSONScalar]?
    public var form: [String: String]?
    /// The answer's status must be one of these.
    public var status: [Int]
    /// JSON values the answer must contain (numbers compared with a relative tolerance of 1e-6).
    public var jsonSubset: [String: JSONScalar]?
    /// Keys the JSON answer (an object) must have.
    public var jsonKeys: [String]
    /// "list" or "object" when the description says which.
    public var jsonType: String?
    /// Texts the answer body must contain / must not contain.
    public var texts: [String]
    public var forbidden: [String]
    /// Pinned output formats the answer must show, with any numbers in place of the example's
    /// (same number of decimals): "BMI: 22.9" is met by "BMI: 141.8".
    public var formats: [String] = []
    /// A create whose id must be one no earlier create of this run was given.
    public var newID: Bool = false
    /// The text matched by `formats` must differ from what the previous check's answer showed.
    public var differsFromPrevious: Bool = false
    /// Paths the answer (a page) must link to with `<a href>`.
    public var links: [String] = []
    /// The description's sentence this check comes from.
    public var source: String
    /// The project file to blame when the check fails.
    public var file: String

    public init(method: String, url: String, json: [String: JSONScalar]? = nil, form: [String: String]? = nil, status: [Int],
                jsonSubset: [String: JSONScalar]? = nil, jsonKeys: [String] = [], jsonType: String? = nil,
                texts: [String] = [], forbidden: [String] = [], source: String, file: String = "app.py") {
        self.method = method; self.url = url; self.json = json; self.form = form; self.status = status
        self.jsonSubset = jsonSubset; self.jsonKeys = jsonKeys; self.jsonType = jsonType
        self.texts = texts; self.forbidden = forbidden; self.source = source; self.file = file
    }

    /// "POST /todos {"title": ""}"
    public var label: String {
        var s = "\(method) \(url)"
        if let json { s += " with JSON " + Self.jsonText(json) }
        if let form { s += " with form " + form.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&") }
        return s
    }

    /// "GET /area?radius=0 → status 200, a JSON object with the key "error"", for prompts.
    public var expectation: String {
        var parts = ["status " + status.map(String.init).joined(separator: " or ")]
        if let jsonType { parts.append("a JSON \(jsonType)") }
        if !jsonKeys.isEmpty { parts.append("a JSON object with the key" + (jsonKeys.count > 1 ? "s " : " ") + jsonKeys.map { "\"\($0)\"" }.joined(separator: ", ")) }
        if let jsonSubset, !jsonSubset.isEmpty { parts.append("JSON with " + Self.jsonText(jsonSubset)) }
        for t in texts { parts.append("the page shows \"\(t)\"") }
        for t in forbidden { parts.append("the page does not show \"\(t)\"") }
        for f in formats { parts.append("the page shows text like \"\(f)\" (its number for this input, written the same way)") }
        if !links.isEmpty { parts.append("the page links to " + links.joined(separator: ", ")) }
        return "\(label) → " + parts.joined(separator: ", ")
    }

    static func jsonText(_ obj: [String: JSONScalar]) -> String {
        "{" + obj.sorted { $0.key < $1.key }.map { k, v -> String in
            let value: String
            switch v {
            case .string(let s): value = "\"\(s)\""
            case .number(let d): value = d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
            case .bool(let b): value = b ? "true" : "false"
            }
            return "\"\(k)\": \(value)"
        }.joined(separator: ", ") + "}"
    }
}

/// Reads behaviour checks out of a description written as statements about the interface
/// ("GET /x?y=<number> responds with status 200 and …", "If the y parameter is missing … respond
/// with status 400 …", "A y of 0 is allowed", "POST /items with a JSON body {…} … responds 201").
public enum BehaviourRules {
    static let methods = "GET|POST|PUT|PATCH|DELETE"

    struct Unit {
        var text: String
        var routes: [(method: String, path: String)]
    }

    /// The description's statements: bullet lines, and sentences of other lines.
    static func units(_ description: String) -> [String] {
        var out: [String] = []
        for raw in description.components(separatedBy: .newlines) {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("- ") || line.hasPrefix("* ") { line = String(line.dropFirst(2)) }
            if line.isEmpty { continue }
            out.append(line)
        }
        return out
    }

    static func matches(_ pattern: String, _ text: String, _ options: NSRegularExpression.Options = [.caseInsensitive]) -> [[String?]] {
        PinnedFacts.matches(pattern, in: text, options: options)
    }

    static func routeMentions(_ text: String) -> [(method: String, url: String)] {
        matches(#"\b("# + methods + #")\s+`?(/[A-Za-z0-9_\-/<>{}:.?=&]*)"#, text, []).compactMap { m in
            guard let method = m[1], var url = m[2] else { return nil }
            while url.count > 1, let last = url.last, ".,;:)`'\"".contains(last) { url.removeLast() }
            url = url.replacingOccurrences(of: "{", with: "<").replacingOccurrences(of: "}", with: ">")
            return (method, url)
        }
    }

    static func splitURL(_ url: String) -> (path: String, query: [(String, String)]) {
        guard let q = url.firstIndex(of: "?") else { return (url, []) }
        let query = url[url.index(after: q)...].split(separator: "&").map { part -> (String, String) in
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            return (kv[0], kv.count > 1 ? kv[1] : "")
        }
        return (String(url[..<q]), query)
    }

    static func joinURL(_ path: String, _ query: [(String, String)]) -> String {
        query.isEmpty ? path : path + "?" + query.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// A JSON object literal from the description, with placeholders made concrete:
    /// `"..."` → a sample string, `<number>`/`<integer>` → 2, `<boolean>` → false.
    static func parseObject(_ literal: String) -> [String: JSONScalar]? {
        var text = literal
        text = text.replacingOccurrences(of: #""\.\.\.""#, with: "\"sample text\"", options: .regularExpression)
        text = text.replacingOccurrences(of: #"<[^>]*\b(?:bool|boolean)\b[^>]*>"#, with: "false", options: [.regularExpression, .caseInsensitive])
        text = text.replacingOccurrences(of: #"<[^>]*\b(?:string|text|title|name)\b[^>]*>"#, with: "\"sample text\"", options: [.regularExpression, .caseInsensitive])
        text = text.replacingOccurrences(of: #"<[^>]*>"#, with: "2", options: .regularExpression)
        guard let data = text.data(using: .utf8) else { return nil }
        return try? JSONDecoder().decode([String: JSONScalar].self, from: data)
    }

    static func objectLiterals(_ text: String) -> [String] {
        matches(#"\{[^{}]*\}"#, text).compactMap { $0[0] }
    }

    static func statusCodes(_ text: String) -> [Int] {
        matches(#"\b([1-5]\d\d)\b"#, text).compactMap { $0[1].flatMap(Int.init) }
    }

    /// Values that the description's words make invalid, as query/form strings.
    static func invalidVariants(_ text: String) -> [(word: String, value: String?)] {
        let lower = text.lowercased()
        var out: [(String, String?)] = []
        if lower.contains("missing") { out.append(("missing", nil)) }
        if lower.contains("not a number") || lower.contains("non-numeric") || lower.contains("not numeric") { out.append(("not a number", "abc")) }
        if lower.contains("negative") { out.append(("negative", "-1")) }
        if lower.range(of: #"\bempty\b"#, options: .regularExpression) != nil { out.append(("empty", "")) }
        if lower.range(of: #"\bzero\b"#, options: .regularExpression) != nil { out.append(("zero", "0")) }
        return out
    }

    static func wantsErrorKey(_ text: String) -> Bool {
        text.range(of: #""error"\s*(?:key|field)|\(json "error"\)|\{\s*"error"\s*:"#, options: [.regularExpression, .caseInsensitive]) != nil
    }

    static func jsonType(_ text: String) -> String? {
        let lower = text.lowercased()
        if lower.range(of: #"\bjson (?:list|array)\b"#, options: .regularExpression) != nil { return "list" }
        return nil
    }

    public static func checks(for spec: ProjectSpec, plan: ProjectPlan) -> [BehaviourCheck] {
        switch plan.kind {
        case .jsonAPI: return apiChecks(spec.description, plan: plan)
        case .wtforms: return formChecks(spec, plan: plan)
        case .singleFile, .jinjaPages: return []
        }
    }

    // MARK: - JSON APIs

    static func apiChecks(_ description: String, plan: ProjectPlan) -> [BehaviourCheck] {
        let lines = units(description)
        // the resource's shape: "A todo is the JSON object {"id": …, "title": …}"
        var resourceKeys: [String] = []
        for line in lines where line.range(of: #"\bis (?:the|a) JSON object \{"#, options: [.regularExpression, .caseInsensitive]) != nil {
            resourceKeys = matches(#""([A-Za-z_]\w*)"\s*:"#, line).compactMap { $0[1] }
        }
        let queryRoutes = plan.routes.filter { !$0.query.isEmpty && $0.method == "GET" }
        var creates: [BehaviourCheck] = [], reads: [BehaviourCheck] = [], updates: [BehaviourCheck] = [], deletes: [BehaviourCheck] = []
        func add(_ c: BehaviourCheck) {
            switch c.method {
            case "POST": creates.append(c)
            case "PUT", "PATCH": updates.append(c)
            case "DELETE": deletes.append(c)
            default: reads.append(c)
            }
        }
        // a valid URL for each query route: the description's own example when it has one
        var exampleURL: [String: String] = [:]
        for line in lines {
            for (method, url) in routeMentions(line) where method == "GET" && url.contains("?") && !url.contains("<") {
                let (path, q) = splitURL(url)
                if exampleURL[path] == nil, q.allSatisfy({ !$0.1.isEmpty }) { exampleURL[path] = url }
            }
        }
        func validQuery(_ route: PlannedRoute) -> [(String, String)] {
            if let ex = exampleURL[route.path] { return splitURL(ex).query }
            return route.query.map { ($0, "2") }
        }

        for line in lines {
            let mentions = routeMentions(line)
            let errorKey = wantsErrorKey(line)
            // 1. a worked example: "GET /area?radius=2 returns {"radius": 2.0, "area": 12.56…}"
            for m in matches(#"\b("# + methods + #")\s+`?(/[^\s`]+?)`?\s+(?:returns|responds with|gives|answers)\s+(?:status\s+(\d{3})\s+(?:and|with)\s+)?(\{[^{}]*\})"#, line, []) {
                guard let method = m[1], let url = m[2], !url.contains("<"), let obj = m[4], let expected = parseObject(obj) else { continue }
                let status = m[3].flatMap(Int.init) ?? (method == "POST" ? 201 : 200)
                add(BehaviourCheck(method: method, url: url, status: method == "POST" && m[3] == nil ? [200, 201] : [status],
                                   jsonSubset: expected, jsonKeys: Array(expected.keys).sorted(), source: line))
            }
            // 2. the route's own statement: "GET /todos/<id> responds 200 with that todo, or 404 …"
            if mentions.count == 1, let (method, url) = mentions.first,
               let m = matches(#"^\s*(?:"# + methods + #")\s+`?\S+`?\s*(?:with a JSON body\s*(\{[^{}]*\})[^.;]*?)?(?:[^.;]*?)\b(?:responds?|returns?|answers?)\s+(?:with\s+)?(?:status\s+)?(2\d\d)(?:\s+or\s+(2\d\d))?"#, line, []).first {
                let ok = [m[2], m[3]].compactMap { $0.flatMap(Int.init) }
                let (path, _) = splitURL(url)
                var body: [String: JSONScalar]? = nil
                if let lit = m[1] { body = parseObject(lit) }
                if method == "POST" || method == "PUT" || method == "PATCH" {
                    if body == nil, method != "POST", !resourceKeys.isEmpty {
                        // "PUT … with a JSON body containing "title" and/or "done"": a title change
                        if let key = matches(#"containing\s+"([A-Za-z_]\w*)""#, line).first?[1] {
                            body = [key: ContractReader.explicitTypes(description)[key] == .boolean ? .bool(true) : .string("changed text")]
                        }
                    }
                    if body == nil { continue }
                }
                let route = plan.routes.first { $0.method == method && $0.path == path }
                var fullURL = url
                if method == "GET", let route, !route.query.isEmpty, !url.contains("?") || url.contains("<") { fullURL = joinURL(path, validQuery(route)) }
                if fullURL.contains("?"), fullURL.range(of: #"=<[^>]*>"#, options: .regularExpression) != nil, let route { fullURL = joinURL(path, validQuery(route)) }
                var keys: [String] = []
                if line.range(of: #"\bthe (?:created|updated)\b|\bwith that\b"#, options: [.regularExpression, .caseInsensitive]) != nil { keys = resourceKeys }
                // an update answers with the changed values
                let subset: [String: JSONScalar]? = (method == "PUT" || method == "PATCH") && !keys.isEmpty ? body : nil
                // "(optionally "done", default false)": the default when absent, the value when given
                var optional: (key: String, byDefault: JSONScalar, given: JSONScalar)?
                if method == "POST", let b = body, !keys.isEmpty,
                   let m = matches(#"optional(?:ly)?\s+"([A-Za-z_]\w*)"[^.;]{0,20}?default(?:s to|:)?\s+(true|false|-?\d+(?:\.\d+)?)\b"#, line).first,
                   let key = m[1], let raw = m[2], b[key] == nil, resourceKeys.contains(key) {
                    optional = raw == "true" || raw == "false" ? (key, .bool(raw == "true"), .bool(raw != "true"))
                        : (key, .number(Double(raw)!), .number(Double(raw)! + 1))
                }
                add(BehaviourCheck(method: method, url: fullURL, json: body, status: ok,
                                   jsonSubset: optional.map { [$0.key: $0.byDefault] } ?? subset, jsonKeys: keys,
                                   jsonType: jsonType(line), source: line))
                if let optional, let b = body {
                    add(BehaviourCheck(method: method, url: fullURL, json: b.merging([optional.key: optional.given]) { $1 }, status: ok,
                                       jsonSubset: [optional.key: optional.given], jsonKeys: keys, source: line))
                }
                // the error cases the same statement names for this route
                if let notFound = matches(#"\b(404)\b[^.;]*?(?:no such|not found|does not exist|unknown)|(?:no such|not found|does not exist|unknown)[^.;]*?\b(404)\b"#, line).first,
                   notFound[1] != nil || notFound[2] != nil, path.contains("<") {
                    let missingURL = path.replacingOccurrences(of: #"<[^>]*>"#, with: "999999", options: .regularExpression)
                    add(BehaviourCheck(method: method, url: missingURL, json: body, status: [404], jsonKeys: errorKey ? ["error"] : [], source: line))
                }
                // body field errors: "A missing, empty or non-string title gives status 400"
                if let b = body {
                    for m in matches(#"((?:(?:missing|empty|non-string|non-boolean|negative|non-numeric|blank)(?:\s*,\s*|\s+or\s+|\s*,\s*or\s+)?)+)\s+"?([A-Za-z_]\w*)"?\s+(?:gives|returns|responds with|answers)\s+(?:status\s+)?(4\d\d)"#, line) {
                        guard let words = m[1]?.lowercased(), let field = m[2], let code = m[3].flatMap(Int.init) else { continue }
                        var variants: [(String, JSONScalar?)] = []
                        if words.contains("missing") { variants.append(("missing", nil)) }
                        if words.contains("empty") || words.contains("blank") { variants.append(("empty", .string(""))) }
                        if words.contains("non-string") { variants.append(("non-string", .number(123))) }
                        if words.contains("non-boolean") { variants.append(("non-boolean", .string("yes"))) }
                        if words.contains("negative") { variants.append(("negative", .number(-1))) }
                        for (_, v) in variants {
                            var bad = b
                            bad[field] = v
                            add(BehaviourCheck(method: method, url: fullURL, json: bad, status: [code], jsonKeys: errorKey ? ["error"] : [], source: line))
                        }
                    }
                    // "400 … if "title" is given but empty or "done" is given but not a boolean"
                    if let code = matches(#"\b(4\d\d)\b[^.;]*?\bif\s+"\w+"\s+is given but"#, line).first?[1].flatMap(Int.init) {
                        for m in matches(#""([A-Za-z_]\w*)"\s+is given but\s+(empty|not a boolean|not a string|negative|not a number)"#, line) {
                            guard let field = m[1], let what = m[2]?.lowercased() else { continue }
                            let v: JSONScalar
                            switch what {
                            case "empty": v = .string("")
                            case "not a boolean": v = .string("yes")
                            case "not a string": v = .number(123)
                            case "negative": v = .number(-1)
                            default: v = .string("abc")
                            }
                            add(BehaviourCheck(method: method, url: fullURL, json: [field: v], status: [code], jsonKeys: errorKey ? ["error"] : [], source: line))
                        }
                    }
                }
            }
            // 3. query parameter errors: "If the radius parameter is missing, is not a number, or is negative, respond with status 400"
            if let code = matches(#"\b(?:status|respond(?:s)?(?:\s+with)?|return(?:s)?|gives?)\s+(?:status\s+)?(4\d\d)\b"#, line).first?[1].flatMap(Int.init),
               line.range(of: #"\bif\b|\bwhen\b"#, options: [.regularExpression, .caseInsensitive]) != nil {
                let variants = invalidVariants(line)
                let named = mentions.isEmpty ? queryRoutes : queryRoutes.filter { r in mentions.contains { $0.method == r.method && splitURL($0.url).path == r.path } }
                for route in named {
                    let params = route.query.filter { p in line.range(of: #"\b\#(NSRegularExpression.escapedPattern(for: p))\b"#, options: [.regularExpression, .caseInsensitive]) != nil }
                    guard !params.isEmpty else { continue }
                    for p in params {
                        for (_, value) in variants {
                            var q = validQuery(route)
                            if let value { q = q.map { $0.0 == p ? ($0.0, value) : $0 } } else { q.removeAll { $0.0 == p } }
                            add(BehaviourCheck(method: "GET", url: joinURL(route.path, q), status: [code],
                                               jsonKeys: errorKey ? ["error"] : [], source: line))
                        }
                    }
                }
            }
            // 4. allowed values: "A radius of 0 is allowed", "Decimal radii such as 0.5 are allowed"
            for m in matches(#"(?:\b([A-Za-z_]\w*)\s+of\s+|such as\s+)(-?\d+(?:\.\d+)?)\s+(?:is|are)\s+(?:also\s+)?(?:allowed|valid|accepted)"#, line) {
                guard let value = m[2] else { continue }
                for route in queryRoutes {
                    var params = route.query.filter { $0.lowercased() == m[1]?.lowercased() }
                    if params.isEmpty && route.query.count == 1 { params = route.query }
                    for p in params {
                        let q = validQuery(route).map { $0.0 == p ? ($0.0, value) : $0 }
                        add(BehaviourCheck(method: "GET", url: joinURL(route.path, q), status: [200], source: line))
                    }
                }
            }
        }
        // creates first (later checks use the item they make), then reads, updates, deletes
        var seen = Set<String>()
        // "Ids … are never reused, even after a delete": a create after the deletes gets a new id
        var after: [BehaviourCheck] = []
        if !deletes.isEmpty, var create = creates.first(where: { $0.status.contains(where: { (200..<300).contains($0) }) && !$0.jsonKeys.isEmpty }),
           let line = lines.first(where: { $0.range(of: #"\b(?:never|not) (?:be )?reused\b"#, options: [.regularExpression, .caseInsensitive]) != nil }) {
            create.newID = true
            create.source = line
            create.jsonSubset = nil
            after.append(create)
        }
        var seenAfter = Set<String>()
        return (creates + reads + updates + deletes).filter { seen.insert($0.label + " \($0.status)").inserted }
            + after.filter { seenAfter.insert($0.label).inserted }
    }

    // MARK: - WTForms pages

    /// The message a description pins for number fields that must be positive ("greater than zero …
    /// for a zero or negative value the message is exactly "Must be a positive number.""), with
    /// whether zero is rejected too (false: only negatives are).
    public static func nonPositiveMessage(_ description: String) -> (message: String, rejectsZero: Bool, line: String)? {
        for line in units(description) {
            let lower = line.lowercased()
            guard lower.contains("zero") || lower.contains("negative") || lower.contains("positive") else { continue }
            guard let message = matches(#"(?:message|error)[^"“]{0,40}(?:exactly|is|reads|says)\s+["“]([^"”\n]{1,80})["”]"#, line).first?[1] else { continue }
            let rejectsZero = lower.range(of: #"\bzero\b|greater than 0|\bpositive\b"#, options: .regularExpression) != nil
            return (message, rejectsZero, line)
        }
        return nil
    }

    static func formChecks(_ spec: ProjectSpec, plan: ProjectPlan) -> [BehaviourCheck] {
        guard let post = plan.routes.first(where: { $0.method == "POST" && !$0.path.contains("<") }) else { return [] }
        let fields = plan.forms.flatMap(\.fields).filter { $0.name != "submit" && $0.name != "csrf_token" }
        let numeric = fields.filter { ["FloatField", "IntegerField", "DecimalField", "DecimalRangeField", "IntegerRangeField"].contains($0.type) }
        guard !numeric.isEmpty, numeric.count == fields.count else { return [] }
        let lines = units(spec.description)
        var valid: [String: String] = [:]
        for f in numeric { valid[f.name] = f.type.hasPrefix("Integer") ? "4" : "70.5" }
        var out: [BehaviourCheck] = []
        // decimals are numbers too, unless the description asks for whole numbers
        let numberLine = lines.first { $0.range(of: #"\bnumber (?:fields?|inputs?)\b"#, options: [.regularExpression, .caseInsensitive]) != nil }
        // the pinned error texts must not show for valid input
        let errorTexts = spec.pinned.exactTexts.filter { t in
            lines.contains { $0.contains("\"\(t)\"") && $0.range(of: #"\berror|message\b"#, options: [.regularExpression, .caseInsensitive]) != nil }
        }
        if let numberLine {
            out.append(BehaviourCheck(method: "POST", url: post.path, form: valid, status: [200],
                                      forbidden: ["Not a valid integer", "Not a valid float", "Not a valid decimal"] + errorTexts,
                                      source: numberLine, file: "forms.py"))
        }
        // a result format the description pins ("written as "BMI: 22.9""): valid input shows it
        for line in lines {
            for m in matches(#"(?:written|shown|displayed|formatted|printed)\s+as\s+["“]([^"”\n]{1,60})["”]"#, line) {
                guard let text = m[1], text.range(of: #"\d"#, options: .regularExpression) != nil else { continue }
                var c = BehaviourCheck(method: "POST", url: post.path, form: valid, status: [200], forbidden: errorTexts,
                                       source: line, file: plan.pages.first ?? "app.py")
                c.formats = [text]
                out.append(c)
                // and it depends on the input: other valid values (each field scaled differently) show another result
                var other = c
                other.form = Dictionary(uniqueKeysWithValues: numeric.enumerated().map { i, f in
                    (f.name, f.type.hasPrefix("Integer") ? String(4 * (i + 2)) : String(70.5 * Double(i + 2)))
                })
                other.differsFromPrevious = true
                out.append(other)
            }
        }
        // "for a zero or negative value the message is exactly "Must be a positive number.""
        for line in lines {
            let lower = line.lowercased()
            guard lower.contains("zero") || lower.contains("negative") else { continue }
            guard let message = matches(#"(?:message|error)[^"“]{0,40}(?:exactly|is|reads|says)\s+["“]([^"”\n]{1,80})["”]"#, line).first?[1] else { continue }
            var values: [String] = []
            if lower.contains("zero") { values.append("0") }
            if lower.contains("negative") { values.append("-5") }
            for f in numeric {
                for v in values {
                    var form = valid
                    form[f.name] = v
                    out.append(BehaviourCheck(method: "POST", url: post.path, form: form, status: [200, 400], texts: [message],
                                              source: line, file: "forms.py"))
                }
            }
        }
        return out
    }
}
