import Foundation

/// One request the description states an outcome for, checked against the running app
/// (verification's `behaviour` check), e.g. "GET /tank?depth=0 answers 200" from
/// "a depth of 0 works too".
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
    /// (same number of decimals): "Pace: 5.3 min/km" is met by "Pace: 12.8 min/km".
    public var formats: [String] = []
    /// A create whose id must be one no earlier create of this run was given.
    public var newID: Bool = false
    /// The text matched by `formats` must differ from what the previous check's answer showed.
    public var differsFromPrevious: Bool = false
    /// Paths the answer (a page) must link to with `<a href>`.
    public var links: [String] = []
    /// The path a redirect answer must lead to (its Location header).
    public var location: String? = nil
    /// A request whose answer (a page) must list fewer entries (`<li>`, `<tr>`) than the answer to
    /// this one does, when that answer lists any.
    public var fewerEntriesThan: String? = nil
    /// Keys of a successful JSON answer whose list the description says is in order: key →
    /// "ascending" or "descending" (`ContractReader.orderedKeys`).
    public var ordered: [String: String] = [:]
    /// Keys of a successful JSON answer whose list holds as many items as a query parameter of the
    /// request says ("the first N", `?n=N`): key → parameter (`ContractReader.countedLists`).
    public var counted: [String: String]? = nil
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

    /// "POST /notes {"text": ""}"
    public var label: String {
        var s = "\(method) \(url)"
        if let json { s += " with JSON " + Self.jsonText(json) }
        if let form { s += " with form " + form.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&") }
        return s
    }

    /// "GET /tank?depth=-1 → status 400, a JSON object with the key "error"", for prompts.
    public var expectation: String {
        var parts = ["status " + status.map(String.init).joined(separator: " or ")]
        if let jsonType { parts.append("a JSON \(jsonType)") }
        if !jsonKeys.isEmpty { parts.append("a JSON object with the key" + (jsonKeys.count > 1 ? "s " : " ") + jsonKeys.map { "\"\($0)\"" }.joined(separator: ", ")) }
        if let jsonSubset, !jsonSubset.isEmpty { parts.append("JSON with " + Self.jsonText(jsonSubset)) }
        for t in texts { parts.append("the page shows \"\(t)\"") }
        for t in forbidden { parts.append("the page does not show \"\(t)\"") }
        for f in formats { parts.append("the page shows text like \"\(f)\" (its number for this input, written the same way)") }
        if !links.isEmpty { parts.append("the page links to " + links.joined(separator: ", ")) }
        if let location { parts.append("a redirect to \(location) (`return \(BehaviourRules.redirectCall(location, codes: status))`)") }
        return "\(label) → " + parts.joined(separator: ", ")
    }

    static func jsonText(_ obj: [String: JSONScalar]) -> String {
        "{" + obj.sorted { $0.key < $1.key }.map { k, v in "\"\(k)\": \(v.jsonText)" }.joined(separator: ", ") + "}"
    }
}

/// Reads behaviour checks out of a description made of statements about the interface
/// ("GET /x?y=<number> answers 200 with …", "if y is missing … answer 400", "a y of 0 works too",
/// "POST /items with {…} … returns 201 with the new item"), through their syntax (see `StatementReader`):
/// a status is the code written next to its condition, a value the number or quoted text written.
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
            // trailing punctuation is the sentence's ("GET /x?n=3." → n=3), a placeholder's dots are not ("?q=...,")
            while url.count > 1, let last = url.last, ".,;:)`'\"".contains(last), !url.hasSuffix("=...") { url.removeLast() }
            url = url.replacingOccurrences(of: "{", with: "<").replacingOccurrences(of: "}", with: ">")
            return (method, url)
        }
    }

    /// The description's sentences that speak of no error, each with the requests it writes that
    /// carry a query and no `<placeholder>` path ("GET /span?from=…&to=… gives 10"): requests the
    /// description itself gives as valid.
    static func requestsInSentencesWithoutErrors(_ description: String) -> [(sentence: String, requests: [(method: String, url: String)])] {
        var out: [(sentence: String, requests: [(method: String, url: String)])] = []
        for line in units(description) {
            for s in StatementReader.sentences(line) {
                let said = (line as NSString).substring(with: s.range)
                guard StatementReader.masked(said).range(of: errorWords, options: [.regularExpression, .caseInsensitive]) == nil else { continue }
                let requests = routeMentions(said).filter { $0.url.contains("?") && !$0.url.contains("<") }
                if !requests.isEmpty { out.append((said, requests)) }
            }
        }
        return out
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
        // a list of numbers given as its placeholder (`[<number>, ...]`): a few distinct values
        text = text.replacingOccurrences(of: #"\[\s*<[^>]*\b(?:numbers?|integers?|int|float|decimal|value)s?\b[^>]*>\s*(?:,\s*(?:\.\.\.|…)\s*)?\]"#,
                                         with: "[2, 3, 7]", options: [.regularExpression, .caseInsensitive])
        text = text.replacingOccurrences(of: #"<[^>]*>"#, with: "2", options: .regularExpression)
        // "[2, 4, ...]": the values written
        text = text.replacingOccurrences(of: #",\s*(?:\.\.\.|…)\s*\]"#, with: "]", options: .regularExpression)
        guard let data = text.data(using: .utf8) else { return nil }
        return try? JSONDecoder().decode([String: JSONScalar].self, from: data)
    }

    static func objectLiterals(_ text: String) -> [String] {
        matches(#"\{[^{}]*\}"#, text).compactMap { $0[0] }
    }

    /// Status codes written in `text` (see `StatementReader.statusGroups`), in order.
    static func statusCodes(_ text: String) -> [Int] {
        StatementReader.statusGroups(StatementReader.masked(text)).flatMap(\.codes)
    }

    /// What the description's words make invalid, each as a query/form value (nil: left out) with
    /// where it is written (for the status stated next to it).
    static func invalidVariants(_ text: String) -> [(kind: StatementReader.Invalid, value: String?, range: NSRange)] {
        StatementReader.conditions(text).map { ($0.kind, $0.kind.sample(negative: "-1"), $0.range) }
    }

    /// The error status `line` states for the condition at `range`: the codes written nearest to it,
    /// when they are all 4xx; nil otherwise (no code, or one that is not an error's).
    static func errorStatus(for range: NSRange, in line: String) -> [Int]? {
        guard let codes = StatementReader.status(for: range, in: line), !codes.isEmpty,
              codes.allSatisfy({ (400..<500).contains($0) }) else { return nil }
        return codes
    }

    /// The word a sentence says a message must contain: `MESSAGE contains the word "between"`,
    /// `a message containing the word "unavailable"`.
    static func requiredWord(_ sentence: String) -> String? {
        guard let m = StatementReader.all(#"\b(?:contains?|containing|includes?|including)\s+the\s+(?:word|text|phrase)\s+["“]([^"”\n]{1,40})["”]"#, sentence).first else { return nil }
        // said of an error's message: a word about errors, or the message's placeholder, comes before it
        let lead = (sentence as NSString).substring(to: m.range.location)
        guard lead.range(of: #"\b(?:errors?|messages?|MESSAGE|refus\w*|reject\w*)\b"#, options: [.regularExpression, .caseInsensitive]) != nil else { return nil }
        return (sentence as NSString).substring(with: m.range(at: 1))
    }

    /// The one example message the description writes for errors that must contain `word`: a quoted
    /// text, longer than the word, holding it, in a sentence that says so (`requiredWord`). nil when
    /// there is none or more than one.
    public static func exampleMessage(_ description: String, containing word: String) -> String? {
        var found: [String] = []
        for line in units(description) {
            for s in StatementReader.sentences(line) {
                let sentence = (line as NSString).substring(with: s.range)
                guard requiredWord(sentence) == word else { continue }
                for m in PinnedFacts.matches(#"["“]([^"”\n]{2,120})["”]"#, in: sentence, options: []) {
                    if let t = m[1], t != word, t.contains(word), !found.contains(t) { found.append(t) }
                }
            }
        }
        return found.count == 1 ? found[0] : nil
    }

    static func wantsErrorKey(_ text: String) -> Bool {
        text.range(of: #""error"\s*(?:key|field)|\(json "error"\)|\{\s*"error"\s*:"#, options: [.regularExpression, .caseInsensitive]) != nil
    }

    static func jsonType(_ text: String) -> String? {
        let lower = text.lowercased()
        if lower.range(of: #"\bjson (?:list|array)\b"#, options: .regularExpression) != nil { return "list" }
        return nil
    }

    /// A worked example's expected answer: the literal's concrete values, and all its keys (a key
    /// whose value is a placeholder such as `<number>` or `"..."` is expected, its value is not).
    static func expectedAnswer(_ literal: String) -> (subset: [String: JSONScalar], keys: [String])? {
        guard let parsed = parseObject(literal) else { return nil }
        var subset = parsed
        for m in matches(#""([A-Za-z_][\w-]*)"\s*:\s*(?:<[^>]*>|"\.\.\.")"#, literal) { if let k = m[1] { subset[k] = nil } }
        // a list written with a placeholder or an ellipsis (`[<number>, ...]`, `[2, 3, ...]`) is expected, its items are not
        for m in matches(#""([A-Za-z_][\w-]*)"\s*:\s*\[[^\]]*(?:<[^>]*>|"\.\.\."|\.\.\.|…)[^\]]*\]"#, literal) { if let k = m[1] { subset[k] = nil } }
        return (subset, Array(parsed.keys).sorted())
    }

    /// The OK status a route's own statement gives: the first group of 2xx codes in its first sentence
    /// after a word of answering ("responds 200", "returns 201 with …", "answers 200 or 204",
    /// "returns 204 (200 is also fine)").
    static func okStatus(_ line: String) -> (codes: [Int], at: Int)? {
        let masked = StatementReader.masked(line)
        guard let first = StatementReader.sentences(line).first else { return nil }
        let ns = masked as NSString
        for g in StatementReader.statusGroups(masked) where NSLocationInRange(g.range.location, first.range) {
            let before = ns.substring(with: NSRange(location: first.range.location, length: g.range.location - first.range.location))
            guard before.range(of: #"\b(?:respond|return|answer|give|send|repl(?:y|ie)|get|gets|got)\w*\b|→|->|=>|\bstatus\b"#, options: [.regularExpression, .caseInsensitive]) != nil else { continue }
            if g.codes.allSatisfy({ (200..<300).contains($0) }) { return (g.codes, g.range.location) }
        }
        return nil
    }

    /// Values the description gives a resource's keys when a create leaves them out: the word "default"
    /// and a value in one clause ("(pinned is optional and defaults to false)", ""pinned" is false by
    /// default", "age: 1 unless given"). The key is the resource key named last before it in the same
    /// clause (sentence or parenthesis).
    static func defaults(_ lines: [String], keys: [String]) -> [String: JSONScalar] {
        var out: [String: JSONScalar] = [:]
        let candidates = keys.filter { $0 != "id" }
        guard !candidates.isEmpty else { return out }
        let value = #"(true|false|-?\d+(?:\.\d+)?|"[^"\n]*")"#
        let pattern = #"\bdefaults?\b(?:\s+(?:value\s+)?(?:is|to|of|=|being))?\s*[:=]?\s*"# + value
            + #"|"# + value + #"\s+(?:by default|as (?:the |a )?default|unless (?:it is |it's )?(?:given|set|provided|sent)|if (?:it is |it's )?(?:omitted|not given|missing|absent|left out))"#
        for line in lines {
            let ns = line as NSString
            let masked = StatementReader.masked(line) as NSString
            for m in StatementReader.all(pattern, line) {
                let rawRange = m.range(at: 1).location != NSNotFound ? m.range(at: 1) : m.range(at: 2)
                let raw = ns.substring(with: rawRange)
                // the clause: back to the sentence's start or an opening parenthesis
                var start = 0
                for b in StatementReader.all(#"[.;!?](?=\s)|\("#, masked.substring(to: m.range.location)) { start = b.range.location + 1 }
                let clause = ns.substring(with: NSRange(location: start, length: m.range.location - start))
                var named: (key: String, at: Int)?
                for k in candidates {
                    for r in StatementReader.all(#"(?<![\w-])"?"# + NSRegularExpression.escapedPattern(for: k) + #""?(?![\w-])"#, clause) where named == nil || r.range.location > named!.at {
                        named = (k, r.range.location)
                    }
                }
                guard let key = named?.key, out[key] == nil else { continue }
                let v: JSONScalar
                if raw == "true" || raw == "false" { v = .bool(raw == "true") }
                else if let d = Double(raw) { v = .number(d) }
                else { v = .string(String(raw.dropFirst().dropLast())) }
                out[key] = v
            }
        }
        return out
    }

    /// Whether `text` says ids are not given again after a delete: it names ids, a delete, and either
    /// a denied reuse (a "not"/"never" before "recycled", "handed out again", "repeated", …) or a count
    /// that only goes up ("ids keep increasing").
    static func idsNotReused(_ text: String) -> Bool {
        func has(_ p: String) -> Bool { text.range(of: p, options: [.regularExpression, .caseInsensitive]) != nil }
        return has(#"\bids?\b"#) && has(#"\b(?:delet|remov)\w*"#)
            && (has(#"\b(?:never|not|no)\b[^.;]{0,30}?\b(?:reus\w*|recycl\w*|(?:given|handed|assigned|issued)\s+(?:out\s+)?(?:again|twice|to another)|repeat\w*)"#)
                || has(#"\b(?:keeps?|always)\s+(?:increasing|growing|going up|counting up)\b|\bonly (?:go|goes) up\b"#))
    }

    /// Field errors a route's statement names, each as the value to send (nil: leave the field out)
    /// with where the condition is written: "a blank or missing text answers 400", "400 if "text" is
    /// present but empty", ""pinned" must not be a non-boolean" — condition words before or after the field.
    static func fieldErrors(_ line: String, fields: [String]) -> [(field: String, value: JSONScalar?, range: NSRange)] {
        let word = #"(?:missing|empty|blank|non-string|non-boolean|non-numeric|non-number|negative|not (?:a |an )?(?:string|boolean|bool|number|integer|text)|not (?:true or false|valid))"#
        let list = #"((?:"# + word + #")(?:(?:\s*,\s*(?:or\s+)?|\s+or\s+|\s+and/or\s+)(?:is\s+)?"# + word + #")*)"#
        var out: [(String, JSONScalar?, NSRange)] = []
        func value(_ w: String) -> (Bool, JSONScalar?) {
            switch w.lowercased() {
            case "missing": return (true, nil)
            case "empty", "blank": return (true, .string(""))
            case "non-string", "not a string", "not string", "not text", "not a text": return (true, .number(123))
            case "non-boolean", "not a boolean", "not boolean", "not a bool", "not true or false": return (true, .string("yes"))
            case "non-numeric", "non-number", "not a number", "not number": return (true, .string("abc"))
            case "negative": return (true, .number(-1))
            case "not an integer", "not integer": return (true, .number(2.5))
            default: return (false, nil)
            }
        }
        for f in fields {
            let name = #""?\#(NSRegularExpression.escapedPattern(for: f))"?"#
            let patterns = [
                list + #"\s+"# + name + #"(?![\w-])"#,                                               // "a missing or empty url"
                #"(?<![\w-])"# + name + #"\s+(?:is\s+|are\s+)?(?:(?:given|present|sent|provided|included|set)\s+(?:but|and)\s+(?:is\s+)?)?"# + list,  // ""url" is given but empty"
            ]
            for p in patterns {
                for r in PinnedFacts.ranges(p, in: line, group: 1) {
                    let words = (line as NSString).substring(with: r)
                    for w in PinnedFacts.ranges(word, in: words) {
                        let text = (words as NSString).substring(with: w)
                        let (known, v) = value(text)
                        guard known else { continue }
                        out.append((f, v, NSRange(location: r.location + w.location, length: w.length)))
                    }
                }
            }
        }
        return out.sorted { $0.2.location < $1.2.location }
    }

    public static func checks(for spec: ProjectSpec, plan: ProjectPlan) -> [BehaviourCheck] {
        switch plan.kind {
        case .jsonAPI:
            // a method the description says a path refuses answers 405 (Flask does, for a path it has with other methods)
            let refused = (spec.pinned.refusedRoutes ?? []).filter { r in !r.path.contains("<") && plan.routes.contains { $0.path == r.path } }
                .map { BehaviourCheck(method: $0.method, url: $0.path, status: [405], source: "\($0.method) \($0.path) is not allowed (405)") }
            return apiChecks(spec.description, plan: plan) + refused
        case .wtforms: return formChecks(spec, plan: plan) + jsonRouteChecks(spec.description, plan: plan)
        case .singleFile, .jinjaPages: return jsonRouteChecks(spec.description, plan: plan)
        }
    }

    /// A page app's JSON routes (the ones its script fetches, a list of what its forms stored) are
    /// checked as an API's are.
    static func jsonRouteChecks(_ description: String, plan: ProjectPlan) -> [BehaviourCheck] {
        let json = jsonRoutes(description, plan: plan)
        guard !json.isEmpty else { return [] }
        var api = plan
        api.routes = json
        return apiChecks(description, plan: api).filter { c in
            json.contains { $0.method == c.method && samePath(splitURL(c.url).path, $0.path) }
        }
    }

    /// The routes of a page app that a sentence of the description says answer JSON ("the script fetches
    /// GET /api/x?y=N, which returns the JSON object {…}"): in each sentence with the word JSON (not
    /// "not JSON"), the route written nearest before it, else the first after it. Its pages are the others.
    static func jsonRoutes(_ description: String, plan: ProjectPlan) -> [PlannedRoute] {
        var stated: [(method: String, url: String)] = []
        for unit in units(description) {
            let ns = unit as NSString
            let routes = PinnedFacts.ranges(#"\b(?:"# + methods + #")\s+`?/[A-Za-z0-9_\-/<>{}:.?=&]*"#, in: unit, options: [])
            for json in PinnedFacts.ranges(#"(?<!\bnot )(?<!\bno )(?<!non-)\bJSON\b"#, in: unit) {
                guard let sentence = StatementReader.sentence(at: json, in: unit) else { continue }
                let inside = routes.filter { NSLocationInRange($0.location, sentence) }
                guard let r = inside.last(where: { $0.location < json.location }) ?? inside.first else { continue }
                stated += routeMentions(ns.substring(with: r))
            }
        }
        return plan.routes.filter { r in r.path != "/" && stated.contains { $0.method == r.method && samePath(splitURL($0.url).path, r.path) } }
    }

    /// A query value that stands for one, not a value to send: one capital letter or the parameter's
    /// name in capitals ("?n=N", "?word=WORD"), a date or time format ("?day=YYYY-MM-DD"), "...", or a
    /// placeholder in brackets ("?x=<number>"). A value in capitals otherwise ("?to=EUR") is a value.
    static func isPlaceholder(_ value: String, name: String) -> Bool {
        value.range(of: #"^(?:[A-Z]|[YMDHS]+(?:[-/:.T ][YMDHS]+)+|\.\.\.|…|<[^>]*>|\{[^}]*\})$"#, options: .regularExpression) != nil
            || (value.count > 1 && value == name.uppercased() && value != value.lowercased())
    }

    /// Whether a URL's query has a placeholder value.
    static func hasPlaceholder(_ url: String) -> Bool {
        splitURL(url).query.contains { isPlaceholder($0.1.hasSuffix("...") ? "..." : $0.1.trimmingCharacters(in: CharacterSet(charactersIn: ",;:)")), name: $0.0) }
    }

    /// Whether a URL's path is a route's path: `<…>` segments of either match any segment.
    static func samePath(_ a: String, _ b: String) -> Bool {
        let x = a.split(separator: "/", omittingEmptySubsequences: false), y = b.split(separator: "/", omittingEmptySubsequences: false)
        return x.count == y.count && zip(x, y).allSatisfy { $0 == $1 || $0.hasPrefix("<") || $1.hasPrefix("<") }
    }

    // MARK: - JSON APIs

    static func apiChecks(_ description: String, plan: ProjectPlan) -> [BehaviourCheck] {
        let lines = units(description)
        // the resource's shape: "A note is the JSON object {"id": …, "text": …}", "a note looks like {…}"
        var resourceKeys: [String] = []
        for line in lines where routeMentions(line).isEmpty
            && line.range(of: #"\b(?:is|are|looks? like|shaped like)\s+(?:the\s+|a\s+|an\s+)?(?:JSON\s+)?(?:object\s*)?(?:like\s+)?\{"#, options: [.regularExpression, .caseInsensitive]) != nil {
            resourceKeys = matches(#""([A-Za-z_]\w*)"\s*:"#, line).compactMap { $0[1] }
        }
        let types = ContractReader.explicitTypes(description)
        let bodies = ContractReader.explicitBodies(description)
        let defaults = defaults(lines, keys: resourceKeys)
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
                if exampleURL[path] == nil, q.allSatisfy({ !$0.1.isEmpty && !isPlaceholder($0.1, name: $0.0) }) { exampleURL[path] = url }
            }
        }
        // a parameter written with a date placeholder ("?day=YYYY-MM-DD") or a date value is sent a date
        var dated = Set(types.filter { $0.value == .date }.map(\.key))
        for line in lines {
            for (_, url) in routeMentions(line) {
                for (name, value) in splitURL(url).query where value.range(of: #"^Y{2,4}-M{1,2}-D{1,2}$"#, options: .regularExpression) != nil { dated.insert(name) }
            }
        }
        // "GET /x returns a JSON list of …" with no status written anywhere in its sentence: 200, for a
        // route that needs no query or whose valid query the description writes
        func impliedOK(_ line: String, method: String, url: String) -> (codes: [Int], at: Int)? {
            let path = splitURL(url).path
            // not for a route with a path parameter (the item may not exist) or one the line gives a 4xx
            guard method == "GET", !path.contains("<"), let first = StatementReader.sentences(line).first,
                  !StatementReader.statusGroups(StatementReader.masked(line)).contains(where: { $0.codes.contains { $0 >= 400 } }),
                  !StatementReader.statusGroups(StatementReader.masked(line)).contains(where: { NSLocationInRange($0.range.location, first.range) }),
                  let verb = PinnedFacts.ranges(#"\b(?:returns?|answers?(?:\s+with)?|responds?\s+with|gives?(?:\s+back)?)\s+(?:a\s+|an\s+|the\s+)?JSON\b"#, in: line).first,
                  NSLocationInRange(verb.location, first.range),
                  exampleURL[path] != nil || !(plan.routes.first { $0.method == "GET" && $0.path == path }?.query.isEmpty == false) else { return nil }
            return ([200], verb.location)
        }
        func validQuery(_ route: PlannedRoute) -> [(String, String)] {
            if let ex = exampleURL[route.path] { return splitURL(ex).query }
            return route.query.map { ($0, dated.contains($0) ? "2024-01-15" : "2") }
        }

        for line in lines {
            let mentions = routeMentions(line)
            // an error answer has an "error" key when the sentence that states it says so
            func errorKey(_ at: NSRange) -> Bool {
                wantsErrorKey(StatementReader.sentence(at: at, in: line).map { (line as NSString).substring(with: $0) } ?? line)
            }
            // … and shows the word its sentence says every such message contains
            func wordsInError(_ at: NSRange) -> [String] {
                requiredWord(StatementReader.sentence(at: at, in: line).map { (line as NSString).substring(with: $0) } ?? line).map { [$0] } ?? []
            }
            // 1. a worked example: "GET /tank?depth=2 returns {"litres": 2000}", "… should give back {…}"
            for m in matches(#"\b("# + methods + #")\s+`?(/[^\s`]+?)`?\s+(?:(?:should|must|will|would)\s+)?(?:returns?|responds?(?:\s+with)?|gives?(?:\s+back)?|answers?(?:\s+with)?|sends?\s+back|yields?|->|→|=>)\s+(?:(?:status\s+|http\s+)?([1-5]\d\d)\s+(?:and|with)\s+)?(?:json\s+(?:like\s+)?)?(\{[^{}]*\})"#, line, []) {
                guard let method = m[1], let url = m[2], !url.contains("<"), !hasPlaceholder(url),
                      let obj = m[4], let expected = expectedAnswer(obj) else { continue }
                let status = m[3].flatMap(Int.init) ?? (method == "POST" ? 201 : 200)
                add(BehaviourCheck(method: method, url: url, status: method == "POST" && m[3] == nil ? [200, 201] : [status],
                                   jsonSubset: expected.subset.isEmpty ? nil : expected.subset, jsonKeys: expected.keys, source: line))
            }
            // 1b. a worked example of a body without its route ("Example: {"values": [1, 2]} gives {"total": 3}"):
            // the one route whose written body has the same keys
            if mentions.isEmpty {
                for m in matches(#"(\{[^{}]*\})\s*(?:(?:should|must|will|would)\s+)?(?:returns?|responds?(?:\s+with)?|gives?(?:\s+back)?|answers?(?:\s+with)?|yields?|->|→|=>)\s+(?:json\s+)?(\{[^{}]*\})"#, line, []) {
                    guard let given = m[1], let answer = m[2], let body = parseObject(given), let expected = expectedAnswer(answer) else { continue }
                    let routes = bodies.filter { Set($0.values.keys) == Set(body.keys) && !$0.path.contains("<") }
                    guard routes.count == 1, let r = routes.first else { continue }
                    add(BehaviourCheck(method: r.method, url: r.path, json: body, status: [200, 201],
                                       jsonSubset: expected.subset.isEmpty ? nil : expected.subset, jsonKeys: expected.keys, source: line))
                }
            }
            // 2. the route's own statement: "GET /notes/<id> answers 200 with that note, or 404 …"
            if mentions.count == 1, let (method, url) = mentions.first,
               line.range(of: #"^\s*`?(?:"# + methods + #")\s"#, options: .regularExpression) != nil,
               let ok = okStatus(line) ?? impliedOK(line, method: method, url: url) {
                let (path, _) = splitURL(url)
                let masked = StatementReader.masked(line)
                let head = (line as NSString).substring(to: ok.at)  // the statement before its status: the request
                var body: [String: JSONScalar]? = nil
                if let lit = objectLiterals(head).first { body = parseObject(lit) }
                if method == "POST" || method == "PUT" || method == "PATCH" {
                    if body == nil, method != "POST", !resourceKeys.isEmpty {
                        // "PATCH … with a JSON body containing "text"": a change of the first key it names
                        let named = matches(#""([A-Za-z_]\w*)""#, head).compactMap { $0[1] }.first { resourceKeys.contains($0) && $0 != "id" }
                        if let key = named {
                            switch types[key] {
                            case .boolean?: body = [key: .bool(true)]
                            case .number?, .integer?: body = [key: .number(7)]
                            default: body = [key: .string("changed text")]
                            }
                        }
                    }
                    if body == nil { continue }
                }
                let route = plan.routes.first { $0.method == method && $0.path == path }
                var fullURL = url
                if method == "GET", let route, !route.query.isEmpty, !url.contains("?") || url.contains("<") { fullURL = joinURL(path, validQuery(route)) }
                // "GET /x?n=N returns …", "GET /x?n=<number> …": a valid request of the route's
                if hasPlaceholder(fullURL), let route { fullURL = joinURL(path, validQuery(route)) }
                var keys: [String] = []
                if line.range(of: #"\bthe (?:created|updated|new|changed|stored|saved)\b|\bwith that\b"#, options: [.regularExpression, .caseInsensitive]) != nil { keys = resourceKeys }
                // an update answers with the changed values
                let subset: [String: JSONScalar]? = (method == "PUT" || method == "PATCH") && !keys.isEmpty ? body : nil
                // a default the description gives a key the create leaves out: absent it has the default, given it keeps its value
                var optional: (key: String, byDefault: JSONScalar, given: JSONScalar?)?
                if method == "POST", let b = body, !keys.isEmpty, let (key, v) = defaults.sorted(by: { $0.key < $1.key }).first(where: { b[$0.key] == nil }) {
                    switch v {
                    case .bool(let x): optional = (key, v, .bool(!x))
                    case .number(let d): optional = (key, v, .number(d + 1))
                    case .string, .list: optional = (key, v, nil)
                    }
                }
                add(BehaviourCheck(method: method, url: fullURL, json: body, status: ok.codes,
                                   jsonSubset: optional.map { [$0.key: $0.byDefault] } ?? subset, jsonKeys: keys,
                                   jsonType: jsonType(line), source: line))
                if let optional, let given = optional.given, let b = body {
                    add(BehaviourCheck(method: method, url: fullURL, json: b.merging([optional.key: given]) { $1 }, status: ok.codes,
                                       jsonSubset: [optional.key: given], jsonKeys: keys, source: line))
                }
                // the error cases the same statement names for this route: an item that does not exist …
                if path.contains("<") {
                    let missingURL = path.replacingOccurrences(of: #"<[^>]*>"#, with: "999999", options: .regularExpression)
                    for r in PinnedFacts.ranges(#"\bno such\b|\bnot found\b|\b(?:does not|doesn't|do not|don't|no longer) exists?\b|\bunknown\s+(?:\w+\s+)?ids?\b|\bnon-?existent\b|\bnot there\b|\bno \w+ (?:with|has) (?:that|this|the|such an?) id\b"#, in: masked) {
                        guard let codes = errorStatus(for: r, in: line) else { continue }
                        add(BehaviourCheck(method: method, url: missingURL, json: body, status: codes, jsonKeys: errorKey(r) ? ["error"] : [], source: line))
                    }
                }
                // … and body fields: "a blank or missing text answers 400", "400 if "text" is present but empty"
                if let b = body {
                    let fields = Array(Set(b.keys).union(resourceKeys)).filter { $0 != "id" }.sorted()
                    for e in fieldErrors(line, fields: fields) {
                        guard let codes = errorStatus(for: e.range, in: line) else { continue }
                        var bad: [String: JSONScalar]
                        if method == "POST" { bad = b; bad[e.field] = e.value }
                        else if let v = e.value { bad = [e.field: v] }  // an update changes what it is given; a missing field is no error
                        else { continue }
                        add(BehaviourCheck(method: method, url: fullURL, json: bad, status: codes, jsonKeys: errorKey(e.range) ? ["error"] : [],
                                           texts: wordsInError(e.range), source: line))
                    }
                }
            }
            // 3. query parameter errors: "if depth is missing, answer 400; if it isn't a number or is negative, 422":
            // each condition gets the status written nearest to it
            let named = mentions.isEmpty ? queryRoutes : queryRoutes.filter { r in mentions.contains { $0.method == r.method && splitURL($0.url).path == r.path } }
            for route in named {
                let params = route.query.filter { p in line.range(of: #"\b\#(NSRegularExpression.escapedPattern(for: p))\b"#, options: [.regularExpression, .caseInsensitive]) != nil }
                guard !params.isEmpty else { continue }
                for (_, value, range) in invalidVariants(line) {
                    guard let codes = errorStatus(for: range, in: line) else { continue }
                    for p in params {
                        var q = validQuery(route)
                        if let value { q = q.map { $0.0 == p ? ($0.0, value) : $0 } } else { q.removeAll { $0.0 == p } }
                        add(BehaviourCheck(method: "GET", url: joinURL(route.path, q), status: codes,
                                           jsonKeys: errorKey(range) ? ["error"] : [], texts: wordsInError(range), source: line))
                    }
                }
            }
            // 4. accepted values: "a depth of 0 works too", "fractions like 0.5 are accepted", "zero is fine";
            // kinds of number ("decimals and negatives are fine") for an API's one parameter
            if plan.kind == .jsonAPI, queryRoutes.count == 1, let route = queryRoutes.first, route.query.count == 1,
               types[route.query[0]] == .number || types[route.query[0]] == .integer || Double(validQuery(route).first?.1 ?? "") != nil {
                for (value, range) in StatementReader.acceptedKinds(line) {
                    // a sentence about this parameter or its route
                    let sentence = StatementReader.sentence(at: range, in: line).map { (line as NSString).substring(with: $0) } ?? line
                    guard sentence.range(of: #"\b"# + NSRegularExpression.escapedPattern(for: route.query[0]) + #"\b"#, options: .regularExpression) != nil
                            || sentence.contains(route.path) else { continue }
                    let q = validQuery(route).map { $0.0 == route.query[0] ? ($0.0, value) : $0 }
                    add(BehaviourCheck(method: "GET", url: joinURL(route.path, q), status: [200], source: line))
                }
            }
            for (name, value, _) in StatementReader.acceptedValues(line) {
                for route in queryRoutes {
                    var params = route.query.filter { $0.lowercased() == name?.lowercased() }
                    // the route's one parameter, in an API (a page's inputs are not its routes' parameters)
                    if params.isEmpty && route.query.count == 1 && plan.kind == .jsonAPI { params = route.query }
                    for p in params {
                        let q = validQuery(route).map { $0.0 == p ? ($0.0, value) : $0 }
                        add(BehaviourCheck(method: "GET", url: joinURL(route.path, q), status: [200], source: line))
                    }
                }
            }
        }
        // creates first (later checks use the item they make), then reads, updates, deletes
        var seen = Set<String>()
        // ids not given again after a delete: a create after the deletes gets a new id
        var after: [BehaviourCheck] = []
        if !deletes.isEmpty, var create = creates.first(where: { $0.status.contains(where: { (200..<300).contains($0) }) && !$0.jsonKeys.isEmpty }),
           let line = lines.first(where: idsNotReused) {
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

    /// Words of a statement about errors: a quoted text in such a sentence is a message, not a result.
    static let errorWords = #"\b(?:errors?|invalid|wrong|warnings?|messages?|refuse[sd]?|reject\w*|negative|zero|empty|missing|blank|not a number|non-numeric|isn't a number)\b"#

    static func isErrorTrigger(_ trigger: String) -> Bool {
        trigger.range(of: #"^(?:messages?|errors?|warnings?|notices?|alerts?)$"#, options: .regularExpression) != nil
    }

    /// A message for zero and/or negative numbers in `line`: the one quoted message (see
    /// `StatementReader.messages`) of a sentence whose conditions call zero and/or negative values
    /// invalid, and draw no other line (a bound such as "below 5" or an integer asked for is another rule).
    static func nonPositiveRule(_ line: String) -> (message: String, rejectsZero: Bool, rejectsNegative: Bool, sentence: NSRange)? {
        let messages = StatementReader.messages(line).filter { !$0.negated }
        let all = StatementReader.sentences(line)
        for s in all {
            let inside = messages.filter { NSLocationInRange($0.range.location, s.range) }
            guard let message = inside.first, Set(inside.map(\.text)).count == 1 else { continue }
            let text = (line as NSString).substring(with: s.range)
            var conditions = StatementReader.conditions(text).map(\.kind)
            // "Both must be greater than zero. Otherwise show the error "…"": the sentence before says what
            if conditions.isEmpty, text.range(of: #"^\W*(?:otherwise|else|if not|if (?:it|they|one|either) (?:is|are)n't|if (?:it|they|one|either) (?:is|are) not|when (?:it|they|one|either) (?:is|are)n't)\b"#, options: [.regularExpression, .caseInsensitive]) != nil,
               let k = all.firstIndex(where: { $0.range == s.range }), k > 0 {
                conditions = StatementReader.conditions((line as NSString).substring(with: all[k - 1].range)).map(\.kind)
            }
            guard conditions.allSatisfy({ k in
                switch k {
                case .missing, .empty, .notANumber, .negative, .zero: return true
                case .below(let n, _): return n == 0
                case .above, .notWhole: return false
                }
            }) else { continue }
            let rejectsNegative = conditions.contains { $0.rejects(-5) }
            let rejectsZero = conditions.contains { $0.rejects(0) }
            guard rejectsNegative || rejectsZero else { continue }
            return (message.text, rejectsZero, rejectsNegative, s.range)
        }
        return nil
    }

    /// The message a description pins for number fields that must be positive ("must be more than zero;
    /// for zero or a negative number show the error "…"", "has to be greater than 0. Otherwise the error
    /// should read "…""), with whether zero is rejected too (false: only negatives are).
    public static func nonPositiveMessage(_ description: String) -> (message: String, rejectsZero: Bool, line: String)? {
        for line in units(description) {
            if let r = nonPositiveRule(line), r.rejectsNegative { return (r.message, r.rejectsZero, line) }
        }
        return nil
    }

    /// The statuses `line` allows for a page at `range`: the codes of its sentence, else of the line
    /// (2xx and 4xx only: a page that shows an error); nil when it states none.
    static func pageStatus(_ line: String, sentence: NSRange) -> [Int]? {
        let groups = StatementReader.statusGroups(StatementReader.masked(line))
        let own = groups.filter { NSLocationInRange($0.range.location, sentence) }
        let codes = (own.isEmpty ? groups : own).flatMap(\.codes).filter { (200..<300).contains($0) || (400..<500).contains($0) }
        var seen = Set<Int>()
        let unique = codes.filter { seen.insert($0).inserted }
        return unique.isEmpty ? nil : unique
    }

    /// Result formats the description pins: a quoted text with a number after a word of showing
    /// ("displayed as "Pace: 5.3 min/km"", "formatted as "…"", "should look like "…""), in a sentence
    /// that is not about errors.
    static func resultFormats(_ line: String) -> [String] {
        let sentences = StatementReader.sentences(line)
        let masked = StatementReader.masked(line) as NSString
        return StatementReader.messages(line).filter { m in
            guard !m.negated, !isErrorTrigger(m.trigger),
                  m.text.range(of: #"\d"#, options: .regularExpression) != nil, m.text.range(of: #"[A-Za-z]"#, options: .regularExpression) != nil,
                  let s = sentences.first(where: { NSLocationInRange(m.range.location, $0.range) }) else { return false }
            return masked.substring(with: s.range).range(of: errorWords, options: [.regularExpression, .caseInsensitive]) == nil
        }.map(\.text)
    }

    /// "A valid sign-up … redirects (302 or 303) to /done, which shows "Thanks, <name>!"": the
    /// statuses (the 3xx codes its sentence writes, else any redirect's), the path, and the quoted
    /// texts after the path that show a form field's value as `<field>`. nil when no sentence that is
    /// not about errors redirects to a path.
    static func redirectStatement(_ lines: [String], fields: [String]) -> (line: String, codes: [Int], path: String, shows: [String])? {
        for line in lines {
            let ns = line as NSString
            let sentences = StatementReader.sentences(line)
            for m in PinnedFacts.ranges(#"\bredirect(?:s|ed|ing)?\b[^.;"?!]*?\bto\s+/[A-Za-z0-9_/-]*+(?![<{\w])"#, in: line) {
                guard let s = sentences.first(where: { NSLocationInRange(m.location, $0.range) })?.range, NSMaxRange(m) <= NSMaxRange(s) else { continue }
                let sentence = ns.substring(with: s)
                let masked = StatementReader.masked(sentence)
                // the valid submission's redirect: a sentence about success, with no word about errors, that
                // names no route of its own ("GET /admin redirects to /login" is another route's)
                guard masked.range(of: errorWords, options: [.regularExpression, .caseInsensitive]) == nil,
                      masked.range(of: #"\b(?:valid|validates?|validated|success\w*|submit\w*|sent|saved|stored|accepted|completed?)\b"#, options: [.regularExpression, .caseInsensitive]) != nil,
                      masked.range(of: #"\b(?:GET|POST|PUT|PATCH|DELETE)\s+/"#, options: .regularExpression) == nil,
                      let path = PinnedFacts.matches(#"\bto\s+(/[A-Za-z0-9_/-]*)$"#, in: ns.substring(with: m), options: []).first?[1] else { continue }
                let codes = StatementReader.statusGroups(masked).flatMap(\.codes).filter { (300..<400).contains($0) }
                // what the page shows: its sentence after the path, and the sentences after it that refer
                // back to that page ("…; that page says "Hi <name>"")
                var said = ns.substring(with: NSRange(location: NSMaxRange(m), length: NSMaxRange(s) - NSMaxRange(m)))
                for next in sentences where next.range.location >= NSMaxRange(s) {
                    let t = ns.substring(with: next.range)
                    guard t.range(of: #"^\W*(?:(?:that|this|the) page|it|there|which)\b"#, options: [.regularExpression, .caseInsensitive]) != nil,
                          t.range(of: errorWords, options: [.regularExpression, .caseInsensitive]) == nil else { break }
                    said += t
                }
                // a text whose every placeholder is a form field: the value sent shows there
                let shows = PinnedFacts.matches(#""([^"\n]*<\w+>[^"\n]*)""#, in: said, options: []).compactMap { $0[1] }.filter { text in
                    PinnedFacts.matches(#"<(\w+)>"#, in: text, options: []).allSatisfy { $0[1].map { fields.contains($0) } ?? false }
                }
                return (line, codes.isEmpty ? [301, 302, 303, 307, 308] : codes, path, shows)
            }
        }
        return nil
    }

    /// `redirect("/done")`, with the code when 302 (Flask's default) is not one the description allows.
    public static func redirectCall(_ path: String, codes: [Int]) -> String {
        codes.contains(302) || codes.isEmpty ? "redirect(\"\(path)\")" : "redirect(\"\(path)\", code=\(codes[0]))"
    }

    static func formChecks(_ spec: ProjectSpec, plan: ProjectPlan) -> [BehaviourCheck] {
        guard let post = plan.routes.first(where: { $0.method == "POST" && !$0.path.contains("<") }) else { return [] }
        let fields = plan.forms.flatMap(\.fields).filter { $0.name != "submit" && $0.name != "csrf_token" }
        let numeric = fields.filter { ["FloatField", "IntegerField", "DecimalField", "DecimalRangeField", "IntegerRangeField"].contains($0.type) }
        // a form of other fields (a sign-up, a message): filled in with a valid-looking value of each field's
        // type (the same one in every password field, for a confirmation), it is answered, never with a server error
        if !fields.isEmpty, numeric.count != fields.count {
            // a text within the length the description's Length(…) allows the field
            let validators = FormValidators.written(in: spec.description, fields: fields.map(\.name))
            func sized(_ text: String, _ field: String) -> String {
                guard let call = validators[field]?.first(where: { $0.hasPrefix("Length(") }) else { return text }
                let min = PinnedFacts.matches(#"\bmin\s*=\s*(\d+)"#, in: call, options: []).first?[1].flatMap(Int.init) ?? 0
                let max = PinnedFacts.matches(#"\bmax\s*=\s*(\d+)"#, in: call, options: []).first?[1].flatMap(Int.init) ?? Int.max
                guard min <= max, max > 0 else { return text }
                var out = text
                while out.count < min { out += "x" }
                return String(out.prefix(max))
            }
            var filled: [String: String] = [:]
            for f in fields {
                switch f.type {
                case "EmailField": filled[f.name] = "someone@example.com"
                case "PasswordField": filled[f.name] = sized("Sample-passw0rd", f.name)
                case "IntegerField", "IntegerRangeField": filled[f.name] = "4"
                case "FloatField", "DecimalField", "DecimalRangeField": filled[f.name] = "70.5"
                case "DateField": filled[f.name] = "2024-03-15"
                case "BooleanField": filled[f.name] = "y"
                case "URLField": filled[f.name] = "https://example.com/"
                default: filled[f.name] = sized("sampletext", f.name)
                }
            }
            // a password field that must equal another gets that one's value
            for (field, calls) in validators {
                for call in calls where call.hasPrefix("EqualTo(") {
                    if let other = PinnedFacts.matches(#"^EqualTo\(\s*["'](\w+)["']"#, in: call, options: []).first?[1], let v = filled[other], filled[field] != nil { filled[field] = v }
                }
            }
            var post = BehaviourCheck(method: "POST", url: post.path, form: filled, status: [200, 201, 302, 303],
                                      forbidden: ["Internal Server Error", "Traceback"],
                                      source: "the form, filled in with a value of each field's type, is answered without a server error", file: "app.py")
            // the redirect is checked only where every sample is sure to pass validation: fields the tool
            // fills validly, and no validator written beyond required, length, equality and e-mail on an e-mail field
            let fillable: Set<String> = ["StringField", "TextAreaField", "EmailField", "PasswordField", "BooleanField", "URLField", "DateField"]
            let sure = fields.allSatisfy { f in
                fillable.contains(f.type) && (validators[f.name] ?? []).allSatisfy { call in
                    call.range(of: #"^(?:DataRequired|InputRequired|Optional|EqualTo)\("#, options: .regularExpression) != nil
                        || (call.hasPrefix("Email(") && f.type == "EmailField")
                        || call.range(of: #"^Length\(\s*(?:(?:min|max)\s*=\s*\d+\s*,?\s*)+\)$"#, options: .regularExpression) != nil
                }
            }
            guard sure, let redirect = redirectStatement(units(spec.description), fields: fields.map(\.name)) else { return [post] }
            // "a valid … redirects (302 or 303) to /done, which shows "Thanks, <name>!"": the filled form is
            // answered with that redirect, and the page it leads to then shows the text with the value sent
            post.status = redirect.codes
            post.location = redirect.path
            post.source = redirect.line
            var out = [post]
            if !redirect.shows.isEmpty {
                let texts = redirect.shows.map { text in
                    filled.reduce(text) { $0.replacingOccurrences(of: "<\($1.key)>", with: $1.value) }
                }
                out.append(BehaviourCheck(method: "GET", url: redirect.path, status: [200], texts: texts, source: redirect.line, file: "app.py"))
            }
            return out
        }
        guard !numeric.isEmpty, numeric.count == fields.count else { return [] }
        let lines = units(spec.description)
        var valid: [String: String] = [:]
        for f in numeric { valid[f.name] = f.type.hasPrefix("Integer") ? "4" : "70.5" }
        var out: [BehaviourCheck] = []
        // decimals are numbers too, unless the description asks for integers
        let numberLine = lines.first { $0.range(of: #"\bnumber (?:fields?|inputs?)\b"#, options: [.regularExpression, .caseInsensitive]) != nil }
        let formats = lines.map { (line: $0, formats: resultFormats($0)) }
        let allFormats = Set(formats.flatMap(\.formats))
        // the error messages the description pins must not show for valid input: a message after "error",
        // "message", … or after words about errors in its sentence (not a label, a heading or a result)
        var errorTexts: [String] = []
        for line in lines {
            let masked = StatementReader.masked(line) as NSString
            for m in StatementReader.messages(line) where !m.negated && !allFormats.contains(m.text) && !errorTexts.contains(m.text) {
                if m.trigger.range(of: #"^(?:labels?|labell?ed|headings?|formatted|formats?|written|outputs?)$"#, options: .regularExpression) != nil { continue }
                // the sentence up to the message: "If a field is empty, the page shows "…"" (not "shows "Result:" and, for
                // invalid input, the error "…"", where the words about errors come after the first text)
                let lead = StatementReader.sentence(at: m.range, in: line).map { masked.substring(with: NSRange(location: $0.location, length: m.range.location - $0.location)) } ?? ""
                if isErrorTrigger(m.trigger) || lead.range(of: errorWords, options: [.regularExpression, .caseInsensitive]) != nil { errorTexts.append(m.text) }
            }
        }
        if let numberLine {
            out.append(BehaviourCheck(method: "POST", url: post.path, form: valid, status: [200],
                                      forbidden: ["Not a valid integer", "Not a valid float", "Not a valid decimal"] + errorTexts,
                                      source: numberLine, file: "forms.py"))
        }
        // a result format the description pins: valid input shows it
        for (line, texts) in formats {
            for text in texts {
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
        // "decimals and negatives allowed": each field given such a value (the others valid) is answered
        // with a result, not with a validator's refusal
        for line in lines {
            for (value, range) in StatementReader.acceptedKinds(line) {
                // the fields its sentence names, else every field that can hold such a value
                let sentence = StatementReader.sentence(at: range, in: line).map { (line as NSString).substring(with: $0) } ?? line
                let holds = numeric.filter { !(value.contains(".") && $0.type.hasPrefix("Integer")) }
                let named = holds.filter { $0.name.count > 2 && sentence.range(of: #"\b"# + NSRegularExpression.escapedPattern(for: $0.name) + #"\b"#, options: [.regularExpression, .caseInsensitive]) != nil }
                for f in named.isEmpty ? holds : named {
                    var form = valid
                    form[f.name] = value
                    // WTForms' own refusals (a message the description pins may be an outcome, "Over budget", not a refusal)
                    out.append(BehaviourCheck(method: "POST", url: post.path, form: form, status: [200],
                                              forbidden: ["Not a valid integer", "Not a valid float", "Not a valid decimal", "This field is required.", "Number must be"],
                                              source: line, file: "forms.py"))
                }
            }
        }
        // "for zero or a negative number show the error "…"": each field refused with the other valid,
        // answered with the status the description gives such a page (any of 200, 400, 422 when it gives none)
        for line in lines {
            guard let rule = nonPositiveRule(line) else { continue }
            var values: [String] = []
            if rule.rejectsZero { values.append("0") }
            if rule.rejectsNegative { values.append("-5") }
            let status = pageStatus(line, sentence: rule.sentence) ?? [200, 400, 422]
            for f in numeric {
                for v in values {
                    var form = valid
                    form[f.name] = v
                    out.append(BehaviourCheck(method: "POST", url: post.path, form: form, status: status, texts: [rule.message],
                                              source: line, file: "forms.py"))
                }
            }
        }
        return out
    }
}
