import Foundation
import InputSafety

/// What the app must do, as one typed value: read once from the description (its explicit syntax
/// and the model's reading of its words), completed by the tool's own decisions where the
/// description is silent, and stored as `.deepcoder/contract.json`. Prompts, prefixes, checks and
/// the report read it.
///
/// Every fact records where it came from (`Origin`): the description's explicit syntax (a path,
/// an `id="…"`, a port, a quoted string, a number), the model's reading, or the tool's decision.
/// Worked examples and stated errors from the model are kept only when every value in them is
/// written in the description, so a model that invents an example cannot make verification wrong.
public struct Contract: Sendable, Codable, Equatable {
    public enum Origin: String, Sendable, Codable { case description, model, tool }

    /// The type of a value a route, form or page input takes; sample values come from it.
    public enum ValueType: String, Sendable, Codable, CaseIterable {
        case number, integer, string, boolean, date, email, password, list

        /// A valid value of this type, as text (query strings, form fields, typed input).
        public var sampleText: String {
            switch self {
            case .number, .integer: return "3"
            case .string, .password: return "sample text"
            case .boolean: return "true"
            case .date: return "2024-03-15"
            case .email: return "someone@example.com"
            case .list: return "1"
            }
        }
        /// A valid value of this type in a JSON body.
        public var sampleJSON: JSONScalar {
            switch self {
            case .number, .integer: return .number(3)
            case .boolean: return .bool(false)
            case .list: return .list([.number(3), .number(5)])
            default: return .string(sampleText)
            }
        }
        /// Parses the loose names models and descriptions use ("float", "int", "text", "str").
        public init?(loose: String) {
            var word = loose.lowercased().trimmingCharacters(in: .whitespaces)
            if word.hasSuffix("field"), word.count > 5 { word = String(word.dropLast(5)) }  // WTForms' FloatField, IntegerField
            switch word {
            case "number", "float", "decimal", "double", "numeric", "real": self = .number
            case "integer", "int", "whole number", "count": self = .integer  // the type's usual names, in any description
            case "string", "str", "text", "textarea", "search", "name": self = .string
            case "boolean", "bool", "checkbox": self = .boolean
            case "date", "iso date": self = .date
            case "email", "e-mail": self = .email
            case "password": self = .password
            case "list", "array": self = .list
            default: return nil
            }
        }
    }

    public struct Param: Sendable, Codable, Equatable {
        public var name: String
        /// "query", "json", "form" or "path"
        public var location: String
        public var type: ValueType?
        /// the type of a list's items, when the description writes them (`[<number>, ...]`, `[2, 4]`)
        public var items: ValueType? = nil
        public var origin: Origin
        enum CodingKeys: String, CodingKey { case name, location = "in", type, items, origin }
    }

    public struct Endpoint: Sendable, Codable, Equatable {
        public var method: String
        public var path: String
        public var params: [Param]
        /// JSON keys of the answer, when known
        public var returns: [String]
        public var origin: Origin
    }

    public struct Element: Sendable, Codable, Equatable {
        public var id: String
        /// "input", "button" or "output"
        public var role: String
        public var type: ValueType?
        public var label: String
        public var origin: Origin
    }

    public struct Page: Sendable, Codable, Equatable {
        public var path: String
        public var heading: String?
        public var elements: [Element]
        /// paths of the app's own pages this page links to
        public var links: [String]
        public var origin: Origin
        /// The app route the page's button asks (GET), with the route's query parameter for each
        /// input id; nil when the page computes in the browser.
        public var calls: String?
        public var callParams: [String: String]?
        public var inputs: [Element] { elements.filter { $0.role == "input" } }
        public var buttons: [Element] { elements.filter { $0.role == "button" } }
        public var outputs: [Element] { elements.filter { $0.role == "output" } }
        /// Where the page shows what went wrong: the output whose id says it holds an error or a message
        /// (`error`, `status-message`), else the first output (the message takes the result's place).
        public var errorOutput: Element? {
            outputs.first { PageRules.namesAMessage($0.id) } ?? outputs.first
        }
    }

    /// A worked example: these values in → these texts out (on `page`, or from `route`).
    public struct Example: Sendable, Codable, Hashable {
        public var route: String?
        public var given: [String: String]
        public var expect: [String]
        public var origin: Origin
        public var checked: Bool = false
    }

    /// An error the description states: these values in → this status (routes) or a message (pages).
    public struct StatedError: Sendable, Codable, Hashable {
        public var route: String?
        public var given: [String: String]
        public var status: Int?
        public var origin: Origin
        public var checked: Bool = false
    }

    /// the app's name, as the model reads it (nil: the words of the description's first sentence)
    public var name: String?
    public var port: Int
    public var storage: String
    public var pages: [Page]
    public var endpoints: [Endpoint]
    public var examples: [Example]
    public var errors: [StatedError]
    /// What deepcoder decided where the description is silent, in words for the report and README.
    public var decisions: [String]
    /// What the model proposed that the tool did not keep, and why.
    public var dropped: [String]

    public init(port: Int, storage: String = "none", pages: [Page] = [], endpoints: [Endpoint] = [], examples: [Example] = [],
                errors: [StatedError] = [], decisions: [String] = [], dropped: [String] = []) {
        self.port = port; self.storage = storage; self.pages = pages; self.endpoints = endpoints; self.examples = examples
        self.errors = errors; self.decisions = decisions; self.dropped = dropped
    }

    /// The type of parameter `name` of `path`, when the contract knows it.
    public func paramType(_ name: String, path: String? = nil) -> ValueType? {
        for e in endpoints where path == nil || e.path == path {
            if let p = e.params.first(where: { $0.name == name }), let t = p.type { return t }
        }
        return nil
    }

    /// Statements of the contract that no check covers (examples and errors), for the report.
    public var unchecked: [String] {
        examples.filter { !$0.checked }.map { "example: \($0.label)" } + errors.filter { !$0.checked }.map { "error: \($0.label)" }
    }
}

/// A server-rendered page that must send its inputs to a GET route: a `<form action="route" method="get">`
/// with a field named for each of `names` (an input without a `name` is never sent).
public struct PageSubmission: Sendable, Codable, Equatable {
    public var page: String
    public var route: String
    public var names: [String]
}

extension Contract {
    /// The GET routes the pages of a project without JavaScript send their inputs to: a page's input
    /// whose id is a query parameter of exactly one GET route is sent to that route. (Pages with
    /// JavaScript ask their route from the script: `Page.calls`.)
    public func submissions(kind: ProjectKind, wantsJavaScript: Bool) -> [PageSubmission] {
        guard !wantsJavaScript, kind == .jinjaPages || kind == .singleFile else { return [] }
        var out: [PageSubmission] = []
        for page in pages where page.calls == nil {
            let ids = Set(page.inputs.map(\.id))
            let targets: [PageSubmission] = endpoints.filter { $0.method == "GET" && !$0.path.contains("<") }.compactMap { e in
                let names = e.params.filter { $0.location == "query" && ids.contains($0.name) }.map(\.name)
                return names.isEmpty ? nil : PageSubmission(page: page.path, route: e.path, names: names)
            }
            if targets.count == 1 { out.append(targets[0]) }
        }
        return out
    }
}

extension Contract.Example {
    public var label: String {
        let given = self.given.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        return "\(route.map { $0 + " " } ?? "")\(given) → \(expect.joined(separator: ", "))"
    }
}

extension Contract.StatedError {
    public var label: String {
        let given = self.given.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ", ")
        return "\(route.map { $0 + " " } ?? "")\(given.isEmpty ? "(missing input)" : given) → \(status.map { "status \($0)" } ?? "an error message")"
    }
}

/// Builds the contract: explicit syntax first, the model's reading where the description is not
/// explicit, the tool's decisions where it is silent.
public enum ContractReader {
    // MARK: explicit syntax

    /// The keys of a GET route's JSON answer as the description writes them, keyed "GET path": the
    /// JSON keys (`"k": …`, `"k" field`) in a sentence that names that route's path and no other planned
    /// route's, except error keys and the route's own query parameters. Verification asks that a
    /// successful answer to its request of the route has them, so an answer under other names does not
    /// pass. Routes with path parameters, and lines naming two routes, give nothing.
    public static func answerKeys(_ text: String, routes: [PlannedRoute]) -> [String: [String]] {
        let gets = routes.filter { $0.method == "GET" && !$0.path.contains("<") }
        func names(_ path: String, in line: String) -> Bool {
            line.range(of: #"(?<![\w/.-])"# + NSRegularExpression.escapedPattern(for: path) + #"(?![\w/-])"#, options: .regularExpression) != nil
        }
        var out: [String: [String]] = [:]
        // (sentences: a casual one-line description names several routes, each in its own sentence)
        for line in PageRules.sentences(text) {
            let named = Set(routes.filter { names($0.path, in: line) }.map(\.path))
            guard named.count == 1, let path = named.first, routes.filter({ $0.path == path }).count == 1,
                  let route = gets.first(where: { $0.path == path }) else { continue }
            var keys: [String] = []
            // the keys of the answer's own objects: a key of an object nested in another is not one
            let outer = Set(topLevelKeys(line))
            for pattern in [#""([A-Za-z_][\w-]*)"\s*:"#, #""([A-Za-z_][\w-]*)"\s+(?:key|field|property|attribute)\b"#] {
                for m in PinnedFacts.matches(pattern, in: line, options: [.caseInsensitive]) {
                    guard let k = m[1], !["error", "errors", "message", "detail", "msg"].contains(k.lowercased()),
                          !pattern.hasSuffix(":") || outer.contains(k),
                          !route.query.contains(k), !keys.contains(k) else { continue }
                    keys.append(k)
                }
            }
            if !keys.isEmpty { out["GET \(path)", default: []].append(contentsOf: keys.filter { !(out["GET \(path)"] ?? []).contains($0) }) }
        }
        return out
    }

    /// The keys written `"key":` in `line` that belong to the answer's own objects: the keys of the
    /// outermost object, or of a list's items when the answer is a list (`[{"name": …}]`), or keys with
    /// no braces around them at all. A key of an object inside an object is not one
    /// (`{"books": [{"title": …}]}` gives "books", not "title"). Quoted strings are skipped when
    /// counting the nesting.
    static func topLevelKeys(_ line: String) -> [String] {
        var keys: [String] = []
        var open: [Unicode.Scalar] = []  // the containers the scan is inside, outermost first
        var chars = Array(line.unicodeScalars)[...]
        while let c = chars.popFirst() {
            switch c {
            case "{", "[": open.append(c)
            case "}", "]": _ = open.popLast()
            case "\"":
                var text = ""
                while let d = chars.popFirst(), d != "\"" { if d == "\\" { _ = chars.popFirst() } else { text.unicodeScalars.append(d) } }
                // a key: the string is followed by a colon, in at most one object
                let rest = chars.drop { $0 == " " || $0 == "\t" }
                if rest.first == ":", open.filter({ $0 == "{" }).count <= 1,
                   text.range(of: #"^[A-Za-z_][\w-]*$"#, options: .regularExpression) != nil { keys.append(text) }
            default: break
            }
        }
        return keys
    }

    /// Lists whose length a query parameter gives: a sentence with a route's URL whose parameter takes a
    /// placeholder (`/api/items?k=N`), a JSON key holding a list (`{"items": [...]}`) and "the first N"
    /// (or last, top) of that placeholder. Keyed by path: (key, parameter).
    public static func countedLists(_ text: String) -> [String: (key: String, param: String)] {
        var out: [String: (key: String, param: String)] = [:]
        for sentence in PageRules.sentences(text) {
            let lists = PinnedFacts.matches(#""([A-Za-z_][\w-]*)"\s*:\s*\["#, in: sentence, options: []).compactMap { $0[1] }
            guard lists.count == 1, let key = lists.first else { continue }
            for m in PinnedFacts.matches(#"(/[A-Za-z0-9_\-/]*)\?(?:[^\s]*?&)?([A-Za-z_]\w*)=(?:<([A-Za-z]\w*)>|([A-Z]\w*))(?![\w])"#, in: sentence, options: []) {
                guard let path = m[1], let param = m[2], let placeholder = m[3] ?? m[4], out[path] == nil else { continue }
                if sentence.range(of: #"\b(?:first|last|top)\s+"# + NSRegularExpression.escapedPattern(for: placeholder) + #"\b"#, options: .regularExpression) != nil {
                    out[path] = (key, param)
                }
            }
        }
        return out
    }

    /// JSON keys the description says hold a list in order: the last key in quotation marks before "in ascending
    /// order", "sorted", "smallest first", "in descending order", "largest first", … in the same
    /// sentence. "sorted by <field>" orders objects, not values, and "the sorted values" describes
    /// the working, not the answer: both give nothing.
    public static func orderedKeys(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        let sentences = text.components(separatedBy: "\n").flatMap {
            $0.replacingOccurrences(of: #"(?<=[.;!?])\s+(?=[A-Z"(])"#, with: "\u{1}", options: .regularExpression).components(separatedBy: "\u{1}")
        }
        // "sorted" alone, or followed by its direction; not "sorted by …", "sorted, newest first" or "the sorted values"
        let sorted = #"\bsorted\b(?=\s*(?:[.;:)]|$|,(?!\s*(?:newest|oldest|latest|earliest|most|least|largest|highest|biggest|by)\b)|\s(?:in\s+ascending|ascending|from\s+(?:the\s+)?(?:smallest|lowest))\b))"#
        let orders = [("ascending", #"\b(?:in\s+)?(?:ascending|increasing)(?:\s+order)?\b|\b(?:smallest|lowest)\s+first\b|"# + sorted),
                      ("descending", #"\b(?:in\s+)?(?:descending|decreasing)(?:\s+order)?\b|\b(?:largest|highest|biggest)\s+first\b"#)]
        for sentence in sentences {
            let ns = sentence as NSString
            var found: [(at: Int, order: String)] = []
            for (order, pattern) in orders {
                for m in (try! NSRegularExpression(pattern: pattern, options: [.caseInsensitive])).matches(in: sentence, range: NSRange(location: 0, length: ns.length)) {
                    found.append((m.range.location, order))
                }
            }
            // each phrase orders the last key in quotation marks before it (and after the previous phrase)
            var start = 0
            for f in found.sorted(by: { $0.at < $1.at }) {
                let before = ns.substring(with: NSRange(location: start, length: f.at - start))
                start = f.at
                guard let key = PinnedFacts.matches(#""([A-Za-z_][\w-]*)""#, in: before, options: []).last?[1], out[key] == nil else { continue }
                out[key] = f.order
            }
        }
        return out
    }

    /// Types written in the description's own syntax: `<number>`, `<integer>`, `<boolean>`, `<string>`
    /// placeholders after `name=` or `"name":`, and example values (`width=2` is a number,
    /// `date=2024-07-04` a date, `"active": true` a boolean).
    public static func explicitTypes(_ text: String) -> [String: Contract.ValueType] {
        var out: [String: Contract.ValueType] = [:]
        func typeOf(_ raw: String) -> Contract.ValueType? {
            let v = raw.trimmingCharacters(in: CharacterSet(charactersIn: "\"'`"))
            if v.hasPrefix("<") {
                // whole words of the placeholder: `<interest rate>` is no integer
                let words = Set(v.lowercased().split(whereSeparator: { !$0.isLetter }).map(String.init))
                for (word, type) in [("date", Contract.ValueType.date), ("boolean", .boolean), ("bool", .boolean), ("integer", .integer),
                                     ("int", .integer), ("whole", .integer), ("number", .number), ("float", .number), ("decimal", .number),
                                     ("email", .email), ("string", .string), ("text", .string)] where words.contains(word) {
                    return type
                }
                return nil
            }
            if v == "true" || v == "false" { return .boolean }
            if v.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil { return .date }
            if v.range(of: #"^-?\d+$"#, options: .regularExpression) != nil { return .number }
            if v.range(of: #"^-?\d*\.\d+$"#, options: .regularExpression) != nil { return .number }
            if v.range(of: #"^[^@\s]+@[^@\s]+\.[a-z]+$"#, options: .regularExpression) != nil { return .email }
            if raw.hasPrefix("\"") { return .string }
            return nil
        }
        // name=<value> in URLs
        for m in PinnedFacts.matches(#"[?&]([A-Za-z_][\w-]*)=(<[^>]*>|[^&\s`'")]+)"#, in: text, options: []) {
            // the sentence's own full stop or comma is not part of the value ("…&offset=20.")
            guard let name = m[1], let value = m[2], let t = typeOf(value.hasPrefix("<") ? value : String(value.reversed().drop { ".,;:!?".contains($0) }.reversed()))
            else { continue }
            if out[name] == nil || (out[name] == .number && t != .number) { out[name] = t }
        }
        // "name": <value> in JSON literals; "name": [ … ] is a list
        for m in PinnedFacts.matches(#""([A-Za-z_][\w-]*)"\s*:\s*(<[^>]*>|"[^"]*"|true|false|-?\d+(?:\.\d+)?|\[)"#, in: text, options: []) {
            guard let name = m[1], let raw = m[2], let t = raw == "[" ? .list : typeOf(raw) else { continue }
            if out[name] == nil { out[name] = t }
        }
        return out
    }

    /// A JSON body the description writes for a route that takes one.
    public struct WrittenBody: Sendable, Equatable {
        public var method: String
        public var path: String
        /// the literal as written, and its values with placeholders made concrete
        public var literal: String
        public var values: [String: JSONScalar]
    }

    /// The JSON bodies the description writes: in a sentence naming one POST, PUT or PATCH route, the
    /// first object literal after the route and before any word of answering ("POST /sort with a JSON
    /// body {"values": [<number>, ...]} answers …", "PUT /items/<id> takes {"name": "..."}"), or the
    /// literal between the method and the route ("POST {"a": 2} to /sum").
    public static func explicitBodies(_ text: String) -> [WrittenBody] {
        var out: [WrittenBody] = []
        let answering = #"\b(?:respond|return|answer|give|gets?\b|repl(?:y|ie)|yield|send back|status)\w*|\b[1-5]\d\d\b|→|->|=>"#
        func add(_ method: String, _ url: String, _ tail: String) {
            guard let literal = PlanBuilder.completeObject(in: [tail]), let values = BehaviourRules.parseObject(literal), !values.isEmpty,
                  // an error answer is no body
                  !values.keys.allSatisfy({ ["error", "errors", "message", "detail"].contains($0.lowercased()) }) else { return }
            var path = BehaviourRules.splitURL(url).path
            while path.count > 1, let last = path.last, ".,;:)`'\"".contains(last) { path.removeLast() }
            path = path.replacingOccurrences(of: "{", with: "<").replacingOccurrences(of: "}", with: ">")
            guard !out.contains(where: { $0.method == method && $0.path == path }) else { return }
            out.append(WrittenBody(method: method, path: path, literal: literal, values: values))
        }
        for line in BehaviourRules.units(text) {
            let ns = line as NSString
            for sentence in StatementReader.sentences(line) {
                let part = ns.substring(with: sentence.range)
                let mentions = PinnedFacts.ranges(#"\b(?:GET|POST|PUT|PATCH|DELETE)\s+`?/[A-Za-z0-9_\-/<>{}:.?=&]*"#, in: part, options: [])
                if mentions.count == 1, let m = mentions.first {
                    let mention = (part as NSString).substring(with: m)
                    let method = String(mention.prefix { $0.isLetter })
                    guard ["POST", "PUT", "PATCH"].contains(method) else { continue }
                    let url = mention.dropFirst(method.count).trimmingCharacters(in: CharacterSet(charactersIn: " `"))
                    let tail = (part as NSString).substring(from: m.location + m.length)
                    guard let brace = tail.firstIndex(of: "{"),
                          tail[..<brace].range(of: answering, options: [.regularExpression, .caseInsensitive]) == nil else { continue }
                    add(method, url, String(tail[brace...]))
                } else if mentions.isEmpty {
                    // "POST {"a": 2, "b": 3} to /sum"
                    for g in PinnedFacts.matches(#"\b(POST|PUT|PATCH)\b[^{}]{0,40}?(\{[^{}]*\})[^{}]{0,40}?\bto\s+`?(/[A-Za-z0-9_\-/<>{}:]*)"#, in: part, options: []) {
                        guard let method = g[1], let literal = g[2], let url = g[3] else { continue }
                        add(method, url, literal)
                    }
                }
            }
        }
        return out
    }

    /// The contract the description's explicit syntax gives, with no model.
    public static func explicit(_ spec: ProjectSpec, plan: ProjectPlan) -> Contract {
        let types = explicitTypes(spec.description)
        let bodies = explicitBodies(spec.description)
        func writesQuery(_ name: String) -> Bool {
            spec.description.range(of: #"[?&]"# + NSRegularExpression.escapedPattern(for: name) + "=", options: .regularExpression) != nil
        }
        var c = Contract(port: plan.port)
        c.storage = explicitStorage(spec.description) ?? "none"
        for r in plan.routes where !(r.method == "GET" && r.path == "/" && r.query.isEmpty) {
            var params = r.query.map { Contract.Param(name: $0, location: "query", type: types[$0], origin: .description) }
            for m in PinnedFacts.matches(#"<(?:(int|float|string|path):)?([A-Za-z_]\w*)>"#, in: r.path, options: []) {
                guard let name = m[2] else { continue }
                let t: Contract.ValueType? = m[1] == "int" ? .integer : m[1] == "float" ? .number : nil
                params.append(Contract.Param(name: name, location: "path", type: t, origin: .description))
            }
            // the JSON body the description writes for a create: its keys are read from the body, not the query
            // (an update's body may hold only some of them: its keys are not all required)
            if r.method == "POST", let body = bodies.first(where: { $0.method == r.method && $0.path == r.path }) {
                params.removeAll { p in body.values[p.name] != nil && !writesQuery(p.name) }
                for (name, value) in body.values.sorted(by: { $0.key < $1.key }) where !params.contains(where: { $0.name == name }) {
                    params.append(Contract.Param(name: name, location: "json", type: value.valueType == .list ? .list : types[name] ?? value.valueType, items: value.itemType, origin: .description))
                }
            }
            c.endpoints.append(Contract.Endpoint(method: r.method, path: r.path, params: params, returns: [], origin: .description))
        }
        let pinned = PageRules.elements(spec.description)
        if !pinned.isEmpty || !spec.pinned.elementIDs.isEmpty {
            var elements: [Contract.Element] = pinned.map {
                Contract.Element(id: $0.id, role: $0.tag == "button" ? "button" : "input", type: nil, label: FilePrompts.label($0.id), origin: .description)
            }
            for id in spec.pinned.elementIDs where !elements.contains(where: { $0.id == id }) {
                elements.append(Contract.Element(id: id, role: "output", type: nil, label: FilePrompts.label(id), origin: .description))
            }
            c.pages.append(Contract.Page(path: "/", heading: nil, elements: elements, links: [], origin: .description))
        }
        return c
    }

    /// The storage the description names: SQLite (the word, or a database file name such as
    /// `notes.db`), memory ("in memory", "in-memory"), or Flask's session (the word). Nil when it names none.
    public static func explicitStorage(_ text: String) -> String? {
        if text.range(of: #"\bsqlite3?\b|\b[\w-]+\.(?:db|sqlite3?)\b"#, options: [.regularExpression, .caseInsensitive]) != nil { return "sqlite" }
        // records "kept in memory" stay in the server's memory even when the session remembers something else
        if text.range(of: #"(?<!\bnot |\bnever |\bof |\bthan )\bin[- ]memory\b"#, options: [.regularExpression, .caseInsensitive]) != nil { return "memory" }
        if mentionsSession(text) { return "session" }
        return nil
    }

    /// Whether the description names Flask's session at all (for the data, or for one value it remembers).
    public static func mentionsSession(_ text: String) -> Bool {
        text.range(of: #"\bsession\b"#, options: [.regularExpression, .caseInsensitive]) != nil
    }

    /// The SQLite file the description names (`notes.db`), if any.
    public static func databaseFileName(_ text: String) -> String? {
        PinnedFacts.matches(#"\b([\w-]+\.(?:db|sqlite3?))\b"#, in: text, options: [.caseInsensitive]).first?[1]
    }

    // MARK: the model's reading

    /// The contract part of the model's plan answer, as loosely as small models write it.
    struct Proposal: Decodable {
        struct P: Decodable { var route: String?; var name: String?; var location: String?; var type: String?
            enum CodingKeys: String, CodingKey { case route, name, location = "in", type } }
        struct E: Decodable { var id: String?; var type: String?; var label: String? }
        struct Pg: Decodable {
            var path: String?; var heading: String?; var inputs: [E]?; var button: String?; var outputs: [String]?; var links: [String]?
            enum CodingKeys: String, CodingKey { case path, heading, inputs, button, outputs, links }
            init(from decoder: Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                path = try? c.decode(String.self, forKey: .path)
                heading = try? c.decode(String.self, forKey: .heading)
                inputs = (try? c.decode([E].self, forKey: .inputs)) ?? (try? c.decode([String].self, forKey: .inputs))?.map { E(id: $0, type: nil, label: nil) }
                button = (try? c.decode(String.self, forKey: .button)) ?? (try? c.decode(E.self, forKey: .button))?.label
                outputs = (try? c.decode([String].self, forKey: .outputs)) ?? (try? c.decode([E].self, forKey: .outputs))?.compactMap(\.id)
                links = try? c.decode([String].self, forKey: .links)
            }
        }
        struct X: Decodable {
            var route: String?; var given: [String: String]; var expect: [String]; var status: Int?
            enum CodingKeys: String, CodingKey { case route, given, expect, status }
            init(from decoder: Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                route = try? c.decode(String.self, forKey: .route)
                given = Self.strings(try? c.decode([String: JSONAny].self, forKey: .given))
                if let list = try? c.decode([JSONAny].self, forKey: .expect) { expect = list.compactMap(\.text) }
                else if let one = try? c.decode(JSONAny.self, forKey: .expect), let t = one.text { expect = [t] }
                else if let obj = try? c.decode([String: JSONAny].self, forKey: .expect) { expect = obj.keys.sorted().compactMap { obj[$0]?.text } }
                else { expect = [] }
                status = (try? c.decode(Int.self, forKey: .status)) ?? (try? c.decode(String.self, forKey: .status)).flatMap(Int.init)
                // a query written into the route ("/days?from=2024-01-01&to=…", given {}) is the values given
                if let r = route, let q = r.firstIndex(of: "?") {
                    for (k, v) in BehaviourRules.splitURL("/?" + String(r[r.index(after: q)...])).query
                    where given[k] == nil && !k.isEmpty && !BehaviourRules.isPlaceholder(v, name: k) {
                        given[k] = v.removingPercentEncoding ?? v
                    }
                    route = String(r[..<q])
                }
            }
            static func strings(_ d: [String: JSONAny]?) -> [String: String] {
                var out: [String: String] = [:]
                for (k, v) in d ?? [:] { if let t = v.text { out[k] = t } }
                return out
            }
        }
        var params: [P]?
        var pages: [Pg]?
        var examples: [X]?
        var errors: [X]?
        var storage: String?
        var name: String?
        enum CodingKeys: String, CodingKey { case params, pages, examples, errors, storage, name }
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            params = try? c.decode([P].self, forKey: .params)
            pages = try? c.decode([Pg].self, forKey: .pages)
            examples = try? c.decode([X].self, forKey: .examples)
            errors = try? c.decode([X].self, forKey: .errors)
            storage = try? c.decode(String.self, forKey: .storage)
            name = try? c.decode(String.self, forKey: .name)
        }
    }

    /// Any JSON value, read as text where it is a scalar.
    struct JSONAny: Decodable {
        var text: String?
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) { text = s }
            else if let i = try? c.decode(Int.self) { text = String(i) }
            else if let d = try? c.decode(Double.self) { text = String(d) }
            else if let b = try? c.decode(Bool.self) { text = b ? "true" : "false" }
            else { text = nil }
        }
    }

    /// Whether `value` is written in `text` as a value (a number compared as a number, not as a
    /// digit inside another one; other text case-insensitively).
    static func written(_ value: String, in text: String) -> Bool {
        let v = value.trimmingCharacters(in: .whitespaces)
        guard !v.isEmpty else { return false }
        if let d = Double(v) {
            for m in PinnedFacts.matches(#"(?<![\w.])-?\d+(?:\.\d+)?(?![\w])"#, in: text, options: []) {
                if let s = m[0], let x = Double(s), x == d { return true }
            }
            return false
        }
        return text.range(of: v, options: [.caseInsensitive]) != nil
    }

    static func slugID(_ s: String) -> String? {
        let id = s.lowercased().replacingOccurrences(of: #"[^a-z0-9]+"#, with: "-", options: .regularExpression)
            .trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        guard let f = id.first, f.isLetter else { return nil }
        return String(id.prefix(30))
    }

    /// Completes the explicit contract with the model's answer: what the description's syntax
    /// already fixes always wins; the model's examples and errors are kept only when their values
    /// are written in the description.
    public static func merge(_ base: Contract, answer: String, spec: ProjectSpec, plan: ProjectPlan) -> Contract {
        var c = base
        let text = spec.description
        guard let json = PlanBuilder.extractJSON(answer), let data = json.data(using: .utf8),
              let p = try? JSONDecoder().decode(Proposal.self, from: data) else { return decide(c, spec: spec, plan: plan) }
        // the model may say "memory"; SQLite and the session are kept only where the description names them
        // (small models answer "sqlite" for descriptions that say "no database")
        if c.storage == "none", let s = p.storage?.lowercased(), s == "memory" { c.storage = s }
        if let n = p.name?.trimmingCharacters(in: .whitespaces), n.range(of: #"^[A-Za-z][A-Za-z0-9 '\-]{2,40}$"#, options: .regularExpression) != nil,
           n.split(separator: " ").count <= 5,
           // an all-capitals name the description does not write is the prompt's placeholder, copied
           n != n.uppercased() || text.contains(n) { c.name = n }
        // parameter types of the routes the plan has
        for prop in p.params ?? [] {
            guard let name = prop.name, let t = prop.type.flatMap(Contract.ValueType.init(loose:)) else { continue }
            for i in c.endpoints.indices where prop.route == nil || prop.route == c.endpoints[i].path {
                if let j = c.endpoints[i].params.firstIndex(where: { $0.name == name }) {
                    if c.endpoints[i].params[j].type == nil { c.endpoints[i].params[j].type = t; c.endpoints[i].params[j].origin = .model }
                } else if let loc = prop.location?.lowercased(), prop.route == c.endpoints[i].path,
                          name.range(of: #"^[A-Za-z_]\w*$"#, options: .regularExpression) != nil,
                          (["json", "form"].contains(loc) && c.endpoints[i].method != "GET")
                            || (loc == "query" && ["GET", "DELETE"].contains(c.endpoints[i].method) && written(name, in: text)) {
                    // a query parameter the description writes, that its syntax did not show
                    c.endpoints[i].params.append(Contract.Param(name: name, location: loc, type: t, origin: .model))
                }
            }
        }
        // pages: the model's reading where the description pins no elements
        let pinnedElements = !c.pages.isEmpty
        let proposed = p.pages ?? []
        for pg in proposed {
            // a page's path: the model's for a site of several pages, else the one the description
            // writes, else the home page
            var path = pg.path.flatMap { $0.hasPrefix("/") && !$0.contains(" ") ? $0 : nil } ?? "/"
            if proposed.count == 1, !PlanBuilder.writes(path, in: text) || c.endpoints.contains(where: { $0.path == path }) { path = "/" }
            guard plan.kind != .jsonAPI else { break }
            // the description pins the page's elements: other pages only where it writes their path
            if pinnedElements && path != "/" && !PlanBuilder.writes(path, in: text) {
                c.dropped.append("page \(path): the description pins one page and never names this path")
                continue
            }
            var page = c.pages.first { $0.path == path } ?? Contract.Page(path: path, heading: nil, elements: [], links: [], origin: .model)
            if page.heading == nil, let h = pg.heading?.trimmingCharacters(in: .whitespaces), !h.isEmpty, h.count <= 80 { page.heading = h }
            page.links = (pg.links ?? []).filter { $0.hasPrefix("/") && !$0.contains(" ") && !$0.contains("<") }
            if !pinnedElements && page.elements.isEmpty {
                var used = Set<String>()
                for e in pg.inputs ?? [] {
                    guard let id = (e.id ?? e.label).flatMap(slugID), used.insert(id).inserted else { continue }
                    page.elements.append(Contract.Element(id: id, role: "input", type: e.type.flatMap(Contract.ValueType.init(loose:)),
                                                          label: e.label ?? FilePrompts.label(id), origin: .model))
                }
                if let b = pg.button, !page.inputs.isEmpty {
                    let id = slugID(b).map { used.contains($0) ? $0 + "-button" : $0 } ?? "submit-button"
                    used.insert(id)
                    page.elements.append(Contract.Element(id: id, role: "button", type: nil, label: b, origin: .model))
                }
                for o in pg.outputs ?? [] {
                    guard let id = slugID(o), used.insert(id).inserted else { continue }
                    page.elements.append(Contract.Element(id: id, role: "output", type: nil, label: FilePrompts.label(id), origin: .model))
                }
            }
            if let i = c.pages.firstIndex(where: { $0.path == path }) { c.pages[i] = page } else { c.pages.append(page) }
        }
        // examples and errors: only values written in the description
        // (a JSON key the description writes, "items" of {"items": [...]}, names a value a page shows: it is not one)
        let keys = plan.kind == .jsonAPI ? [] : Set(PinnedFacts.matches(#""([A-Za-z_]\w*)"\s*:"#, in: text, options: []).compactMap { $0[1]?.lowercased() })
        for x in p.examples ?? [] {
            let values = Array(x.given.values) + x.expect
            guard !x.expect.isEmpty, !x.given.isEmpty else { continue }
            if let bad = values.first(where: { !written($0, in: text) }) {
                c.dropped.append("example \(x.given) → \(x.expect): \"\(bad)\" is not written in the description")
                continue
            }
            let isKey = { (t: String) in keys.contains(t.trimmingCharacters(in: .whitespaces).lowercased()) }
            let expect = x.expect.filter { !isKey($0) }
            if expect.count < x.expect.count {
                c.dropped.append("example \(x.given) → \(x.expect): " + x.expect.filter(isKey).map { "\"\($0)\"" }.joined(separator: ", ")
                                 + " (a JSON key of the description, not a value a page shows)")
                if expect.isEmpty { continue }
            }
            c.examples.append(Contract.Example(route: x.route, given: x.given, expect: expect, origin: .model))
        }
        // the requests the description writes in sentences about no error (valid by its own words)
        var validURLs: [(path: String, query: [String: String])] = []
        for (_, urls) in BehaviourRules.requestsInSentencesWithoutErrors(text) {
            for (_, url) in urls {
                let (path, query) = BehaviourRules.splitURL(url)
                guard !query.contains(where: { BehaviourRules.isPlaceholder($0.1, name: $0.0) }) else { continue }
                validURLs.append((path, Dictionary(query, uniquingKeysWith: { a, _ in a })))
            }
        }
        let orderPairs = Contract.negativeOrders(text)
        for x in p.errors ?? [] {
            if let s = x.status, !(400..<500).contains(s) { continue }
            // a bad value the description writes, an empty/missing one, or text for a number
            func numeric(_ name: String) -> Bool {
                let t = c.paramType(name) ?? c.pages.flatMap(\.inputs).first { $0.id == slugID(name) }?.type
                    ?? p.params?.first { $0.name == name }?.type.flatMap(Contract.ValueType.init(loose:))
                    ?? p.pages?.flatMap { $0.inputs ?? [] }.first { $0.id == name }?.type.flatMap(Contract.ValueType.init(loose:))
                if t == .number || t == .integer { return true }
                // an input whose worked example is a number
                return c.examples.contains { Double($0.given[name] ?? "") != nil }
            }
            if let bad = x.given.first(where: { !$0.value.isEmpty && !written($0.value, in: text)
                    && !(numeric($0.key) && Double($0.value) == nil && $0.value.range(of: #"^[A-Za-z]+$"#, options: .regularExpression) != nil) }) {
                c.dropped.append("error \(x.given): \"\(bad.value)\" is not written in the description")
                continue
            }
            if let s = x.status, !written(String(s), in: text), text.range(of: #"\berror\b"#, options: [.regularExpression, .caseInsensitive]) == nil {
                continue
            }
            // a request the description itself writes as a valid one ("GET /x?a=1 gives back …") is no error
            if let route = x.route, validURLs.contains(where: { $0.path == (route.split(separator: " ").last.map(String.init) ?? route) && $0.query == x.given }) {
                c.dropped.append("error \(route) \(x.given): the description writes this request as a valid one")
                continue
            }
            // "if end is before start the number is negative": an order of two valid values is no error
            if let pair = orderPairs.first(where: { x.given[$0.0] != nil && x.given[$0.1] != nil }),
               [x.given[pair.0]!, x.given[pair.1]!].allSatisfy({ Double($0) != nil || $0.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil }) {
                c.dropped.append("error \(x.given): the description says this order of \(pair.0) and \(pair.1) gives a negative answer, not an error")
                continue
            }
            c.errors.append(Contract.StatedError(route: x.route, given: x.given, status: x.status, origin: .model))
        }
        return decide(withoutContradictions(c, text: text), spec: spec, plan: plan)
    }

    /// The model's examples and errors without repeats and without contradictions: a request listed
    /// both as a worked example and as an error says nothing reliable, so neither is kept (one the
    /// description states keeps its place); an "example" whose expected output is only the word
    /// error is an error whose status the model does not know, and is not kept as an example.
    static func withoutContradictions(_ contract: Contract, text: String = "") -> Contract {
        var c = contract
        struct Request: Hashable { var route: String?; var given: [String: String] }
        func isErrorWord(_ s: String) -> Bool {
            s.trimmingCharacters(in: .whitespacesAndNewlines).range(of: #"^(an? )?error( message)?$"#, options: [.regularExpression, .caseInsensitive]) != nil
        }
        var seen = Set<Contract.Example>()
        c.examples = c.examples.filter { x in
            if x.origin == .model, !x.expect.isEmpty, x.expect.allSatisfy(isErrorWord) {
                c.dropped.append("example \(x.given) → \(x.expect): an error, not a worked example")
                return false
            }
            var key = x; key.checked = false
            return seen.insert(key).inserted
        }
        var seenErrors = Set<Contract.StatedError>()
        c.errors = c.errors.filter { var key = $0; key.checked = false; return seenErrors.insert(key).inserted }
        let asExample = Dictionary(c.examples.map { (Request(route: $0.route, given: $0.given), $0.origin) }) { a, b in a == .model ? b : a }
        let asError = Dictionary(c.errors.map { (Request(route: $0.route, given: $0.given), $0.origin) }) { a, b in a == .model ? b : a }
        var both = Set(asExample.keys).intersection(asError.keys)
        guard !both.isEmpty else { return c }
        // the model listed a request both ways: a worked example whose answer the description writes
        // wins over an error whose status it does not write
        let units = BehaviourRules.units(text).flatMap {
            $0.replacingOccurrences(of: #"(?<=[.;!?])\s+|;"#, with: "\u{1}", options: .regularExpression).components(separatedBy: "\u{1}")
        }
        func inErrorStatement(_ value: String) -> Bool {
            units.contains { u in
                written(value, in: u) && StatementReader.masked(u).range(of: #"\b(?:error|errors|invalid|wrong|bad|reject|rejected|refuse|refused|not a|isn't|is not|missing)\b"#,
                                                                        options: [.regularExpression, .caseInsensitive]) != nil
            }
        }
        for r in both where asExample[r] == .model && asError[r] == .model {
            let statuses = c.errors.filter { Request(route: $0.route, given: $0.given) == r }.map(\.status)
            guard !text.isEmpty, statuses.allSatisfy({ $0.map { !written(String($0), in: text) } ?? true }),
                  !r.given.values.contains(where: inErrorStatement) else { continue }
            c.errors.removeAll { Request(route: $0.route, given: $0.given) == r }
            c.dropped.append("error \(r.given): the description writes this request's answer as a worked example")
            both.remove(r)
        }
        guard !both.isEmpty else { return c }
        c.examples = c.examples.filter { x in
            let r = Request(route: x.route, given: x.given)
            guard both.contains(r), x.origin == .model || asError[r] != .model else { return true }
            c.dropped.append("example \(x.given) → \(x.expect): the same request is also listed as an error")
            return false
        }
        c.errors = c.errors.filter { x in
            let r = Request(route: x.route, given: x.given)
            guard both.contains(r), x.origin == .model || asExample[r] != .model else { return true }
            c.dropped.append("error \(x.given): the same request is also listed as a worked example")
            return false
        }
        return c
    }

    static func text(_ spec: ProjectSpec) -> String { spec.description }

    /// The tool's decisions where the description and the model leave a gap.
    static func decide(_ contract: Contract, spec: ProjectSpec, plan: ProjectPlan) -> Contract {
        var c = contract
        if spec.pinned.port == nil { c.decisions.append("port \(c.port) (the description names none)") }
        // a JavaScript page whose inputs nobody named: the inputs of its worked example, else of the
        // values the model says the page reads
        let jsPage = (plan.kind == .singleFile || plan.kind == .jinjaPages) && spec.pinned.wantsJavaScript
        if jsPage, !c.pages.contains(where: { !$0.inputs.isEmpty }) {
            let endpointPaths = Set(c.endpoints.map(\.path))
            let names = c.examples.first { $0.route == nil || !endpointPaths.contains($0.route!) }.map { Array($0.given.keys).sorted() } ?? []
            let inputs = names.compactMap(ContractReader.slugID)
            if !inputs.isEmpty {
                var page = c.pages.first { $0.path == "/" } ?? Contract.Page(path: "/", heading: nil, elements: [], links: [], origin: .tool)
                page.elements = inputs.map { Contract.Element(id: $0, role: "input", type: .number, label: FilePrompts.label($0), origin: .tool) } + page.elements
                if let i = c.pages.firstIndex(where: { $0.path == "/" }) { c.pages[i] = page } else { c.pages.insert(page, at: 0) }
            }
        }
        // a page with inputs needs a button to act on and somewhere to show the result
        for i in c.pages.indices where !c.pages[i].inputs.isEmpty && c.pages[i].origin != .description {
            if c.pages[i].buttons.isEmpty && (plan.kind == .singleFile || plan.kind == .jinjaPages) {
                c.pages[i].elements.append(Contract.Element(id: "calculate", role: "button", type: nil, label: "Calculate", origin: .tool))
                c.decisions.append("page \(c.pages[i].path): a button id=\"calculate\"")
            }
            if c.pages[i].outputs.isEmpty {
                c.pages[i].elements.append(Contract.Element(id: "result", role: "output", type: nil, label: "Result", origin: .tool))
                c.decisions.append("page \(c.pages[i].path): the result is shown in id=\"result\"")
            }
            let ids = c.pages[i].elements.filter { $0.origin != .description }.map { "\($0.role) id=\"\($0.id)\"" }
            if !ids.isEmpty { c.decisions.append("page \(c.pages[i].path) elements: " + ids.joined(separator: ", ")) }
        }
        // a page whose inputs are a GET route's query parameters asks that route (in the browser, so
        // only where the description asks for JavaScript or a JSON API; else the route is a page)
        if plan.kind == .singleFile || plan.kind == .jinjaPages, spec.pinned.wantsJavaScript || spec.pinned.wantsAPI || spec.pinned.wantsEmbedded {
            for i in c.pages.indices where c.pages[i].calls == nil && !c.pages[i].inputs.isEmpty && !c.pages[i].buttons.isEmpty {
                let ids = c.pages[i].inputs.map(\.id)
                let candidates = c.endpoints.filter { e in e.method == "GET" && !e.path.contains("<") && e.params.contains { $0.location == "query" } }
                for e in candidates {
                    let query = e.params.filter { $0.location == "query" }.map(\.name)
                    var mapping: [String: String] = [:]
                    if Set(query).isSubset(of: Set(ids)) { for q in query { mapping[q] = q } }
                    else if query.count == 1, ids.count == 1, candidates.count == 1 { mapping[ids[0]] = query[0] }
                    guard !mapping.isEmpty else { continue }
                    c.pages[i].calls = e.path
                    c.pages[i].callParams = mapping
                    // what the route answers, so that the page and the route agree on it
                    // (the keys the description writes for it, else one the tool decides)
                    if let j = c.endpoints.firstIndex(where: { $0.path == e.path && $0.method == "GET" }), c.endpoints[j].returns.isEmpty,
                       let written = answerKeys(spec.description, routes: plan.routes)["GET \(e.path)"], !written.isEmpty {
                        c.endpoints[j].returns = written
                    }
                    if let j = c.endpoints.firstIndex(where: { $0.path == e.path && $0.method == "GET" }), c.endpoints[j].returns.isEmpty,
                       spec.pinned.jsonKeys.isEmpty {
                        let last = e.path.split(separator: "/").last { !$0.hasPrefix("<") }.map(String.init) ?? "result"
                        let key = last.lowercased().replacingOccurrences(of: #"[^a-z0-9]+"#, with: "_", options: .regularExpression)
                            .trimmingCharacters(in: CharacterSet(charactersIn: "_"))
                        c.endpoints[j].returns = [key.isEmpty || key.first!.isNumber ? "result" : key]
                        c.decisions.append("GET \(e.path) answers the JSON object {\"\(c.endpoints[j].returns[0])\": …}, and {\"error\": \"…\"} with status 400 for invalid input")
                    }
                    c.decisions.append("page \(c.pages[i].path): the button asks GET \(e.path)?" + mapping.sorted { $0.value < $1.value }.map { "\($0.value)=<#\($0.key)>" }.joined(separator: "&"))
                    break
                }
            }
        }
        // a site of several pages: every page has a menu with links to all of them
        func isSitePage(_ p: Contract.Page) -> Bool { p.path.range(of: #"^/[A-Za-z0-9_\-]*$"#, options: .regularExpression) != nil && p.origin != .description }
        if plan.kind == .jinjaPages || plan.kind == .wtforms, c.pages.filter({ isSitePage($0) }).count > 1 {
            // the site opens at /: its first page is the home page when the model put none there
            if !c.pages.contains(where: { $0.path == "/" }), let i = c.pages.firstIndex(where: { isSitePage($0) }),
               !text(spec).contains(c.pages[i].path) {
                let old = c.pages[i].path
                c.decisions.append("the page \(old) is the home page, at /")
                c.pages[i].path = "/"
                for j in c.pages.indices { c.pages[j].links = c.pages[j].links.map { $0 == old ? "/" : $0 } }
            }
            let site = c.pages.filter { isSitePage($0) }.map(\.path)
            if c.pages.contains(where: { isSitePage($0) && $0.links.isEmpty }) {
                for i in c.pages.indices where isSitePage(c.pages[i]) { c.pages[i].links = site }
                c.decisions.append("every page has a menu with links to " + site.joined(separator: ", "))
            }
        }
        // untyped parameters: their example value's type, else text
        for i in c.endpoints.indices {
            for j in c.endpoints[i].params.indices where c.endpoints[i].params[j].type == nil {
                c.endpoints[i].params[j].type = c.endpoints[i].params[j].location == "path" ? .integer : nil
            }
        }
        return c
    }
}

// MARK: - what the contract changes in the plan, the prompts and the checks

extension Contract {
    /// The plan completed with the contract: a route and a template for every page it names, the
    /// element ids the tool decided, and routes that take page inputs.
    public func refine(_ plan: ProjectPlan, javaScript: Bool = true) -> ProjectPlan {
        var p = plan
        let pagesKinds: Set<ProjectKind> = [.jinjaPages, .wtforms]
        for page in pages where page.origin != .description {
            guard page.path.hasPrefix("/"), !page.path.contains("<"), page.path.range(of: #"^/[A-Za-z0-9_\-/]*$"#, options: .regularExpression) != nil else { continue }
            if !p.routes.contains(where: { $0.method == "GET" && $0.path == page.path }) && pagesKinds.contains(p.kind) {
                p.routes.append(PlannedRoute(method: "GET", path: page.path, purpose: "the page \(page.heading.map { "\"\($0)\"" } ?? page.path)"))
            }
        }
        // one template per page of a multi-page site
        let sitePages = pages.filter { $0.path.range(of: #"^/[A-Za-z0-9_\-]*$"#, options: .regularExpression) != nil }
        if pagesKinds.contains(p.kind), sitePages.count > 1, p.pages.count < sitePages.count {
            for page in sitePages {
                let stem = page.path == "/" ? "index" : String(page.path.dropFirst()).replacingOccurrences(of: "-", with: "_")
                let path = "templates/\(stem).html"
                if PathSafety.isSafeRelativePath(path), !p.files.contains(where: { $0.path == path }) {
                    p.files.append(PlannedFile(path: path, purpose: "the page at \(page.path)\(page.heading.map { " with the heading \"\($0)\"" } ?? "")"))
                }
            }
        }
        // element ids the tool writes into a page (a JavaScript page's prefix) are pinned too
        if p.kind == .singleFile || p.kind == .jinjaPages {
            for page in pages where javaScript || page.calls != nil || page.origin == .description { for e in page.elements where !p.elementIDs.contains(e.id) { p.elementIDs.append(e.id) } }
        }
        // query parameters the contract knows that the plan's route lacks
        for e in endpoints {
            guard let i = p.routes.firstIndex(where: { $0.method == e.method && $0.path == e.path }) else { continue }
            for q in e.params where q.location == "query" && !p.routes[i].query.contains(q.name) { p.routes[i].query.append(q.name) }
            // a value of the route's JSON body is not read from its query string
            for b in e.params where b.location == "json" && !e.params.contains(where: { $0.name == b.name && $0.location == "query" }) {
                p.routes[i].query.removeAll { $0 == b.name }
            }
        }
        return p
    }

    /// The contract as prompt lines (what it fixes beyond the description's pinned facts).
    public var promptLines: [String] {
        var out: [String] = []
        for e in endpoints {
            let typed = e.params.filter { $0.type != nil && $0.location != "path" }
            if !typed.isEmpty {
                out.append("- \(e.method) \(e.path) reads " + typed.map { "\($0.name) (\($0.location), \($0.type!.rawValue))" }.joined(separator: ", "))
            }
            if !e.returns.isEmpty, e.origin == .description, pages.contains(where: { $0.calls == e.path }) {
                out.append("- \(e.method) \(e.path) answers the JSON object {" + e.returns.map { "\"\($0)\": …" }.joined(separator: ", ") + "}; invalid input answers {\"error\": \"…\"} with status 400")
            }
        }
        for page in pages where !page.elements.isEmpty || page.heading != nil || !page.links.isEmpty {
            var parts: [String] = []
            if let h = page.heading { parts.append("heading <h1>\(h)</h1>") }
            if !page.inputs.isEmpty { parts.append("inputs " + page.inputs.map { "<input id=\"\($0.id)\">" }.joined(separator: ", ")) }
            if !page.buttons.isEmpty { parts.append("button " + page.buttons.map { "<button id=\"\($0.id)\">" }.joined(separator: ", ")) }
            if !page.outputs.isEmpty { parts.append("results and messages in " + page.outputs.map { "id=\"\($0.id)\"" }.joined(separator: ", ")) }
            if !page.links.isEmpty { parts.append("links to " + page.links.joined(separator: ", ")) }
            out.append("- Page \(page.path): " + parts.joined(separator: "; "))
        }
        return out
    }

    static func query(_ given: [String: String], base: [(String, String)]) -> [(String, String)] {
        var q = base
        for (k, v) in given.sorted(by: { $0.key < $1.key }) {
            if let i = q.firstIndex(where: { $0.0 == k }) { q[i].1 = v } else { q.append((k, v)) }
        }
        return q
    }

    /// Requests for the worked examples and stated errors of JSON routes that the description's
    /// own statements did not already give a check for; marks every example and error it covers.
    public mutating func behaviourChecks(existing: [BehaviourCheck]) -> [BehaviourCheck] {
        var out: [BehaviourCheck] = []
        func endpoint(_ route: String?) -> Endpoint? {
            guard let route else { return endpoints.count == 1 && !pages.contains(where: { !$0.inputs.isEmpty }) ? endpoints[0] : nil }
            let path = route.split(separator: "?").first.map(String.init) ?? route
            let bare = path.split(separator: " ").last.map(String.init) ?? path
            return endpoints.first { $0.path == bare }
        }
        // a valid set of inputs per route: an example's, else typed samples
        var valid: [String: [String: String]] = [:]
        for x in examples { if let e = endpoint(x.route), valid[e.path] == nil, x.given.keys.allSatisfy({ k in e.params.contains { $0.name == k } }) { valid[e.path] = x.given } }
        func base(_ e: Endpoint) -> [String: String] {
            var d = valid[e.path] ?? [:]
            for p in e.params where p.location != "path" && d[p.name] == nil { d[p.name] = (p.type ?? .number).sampleText }
            return d
        }
        func request(_ e: Endpoint, _ given: [String: String], omit: Set<String> = []) -> (url: String, json: [String: JSONScalar]?, form: [String: String]?) {
            let path = e.path.replacingOccurrences(of: #"<[^>]*>"#, with: "1", options: .regularExpression)
            let values = base(e).merging(given) { $1 }.filter { !omit.contains($0.key) }
            if e.method == "GET" || e.method == "DELETE" {
                return (BehaviourRules.joinURL(path, values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }), nil, nil)
            }
            if e.params.contains(where: { $0.location == "form" }) { return (path, nil, values) }
            var body: [String: JSONScalar] = [:]
            for (k, v) in values {
                let t = e.params.first { $0.name == k }?.type
                if t == .boolean, v == "true" || v == "false" { body[k] = .bool(v == "true") }
                else if t == .number || t == .integer, let d = Double(v) { body[k] = .number(d) }
                else { body[k] = .string(v) }
            }
            return (path, body, nil)
        }
        let covered = Set(existing.map { "\($0.method) \($0.url)" })
        func known(_ e: Endpoint, _ given: [String: String]) -> Bool { given.keys.allSatisfy { k in e.params.contains { $0.name == k } } }
        for i in examples.indices {
            guard let e = endpoint(examples[i].route), known(e, examples[i].given) else { continue }
            let r = request(e, examples[i].given)
            examples[i].checked = true
            if covered.contains("\(e.method) \(r.url)") && r.json == nil { continue }
            out.append(BehaviourCheck(method: e.method, url: r.url, json: r.json, form: r.form, status: [200, 201],
                                      texts: examples[i].expect, source: "example: \(examples[i].label)"))
        }
        for i in errors.indices {
            guard let e = endpoint(errors[i].route), known(e, errors[i].given) else { continue }
            let missing = Set(errors[i].given.filter { $0.value.isEmpty }.map(\.key))
            let given = errors[i].given.filter { !$0.value.isEmpty }
            // nothing left out and nothing other than a valid request sends: no error to check (the 1.5B
            // wrote "missing input" errors that gave no input at all, which sent a valid request)
            if missing.isEmpty, given.allSatisfy({ (valid[e.path] ?? [:])[$0.key] == $0.value }) { continue }
            let r = request(e, given, omit: missing)
            errors[i].checked = true
            if covered.contains("\(e.method) \(r.url)") { continue }
            let status = errors[i].status.map { [$0] } ?? Array(400..<500)
            out.append(BehaviourCheck(method: e.method, url: r.url, json: r.json, form: r.form, status: status,
                                      source: "error: \(errors[i].label)"))
        }
        // A route that reads numbers, with no worked example and no stated error: a valid request
        // must at least be answered (2xx, no NaN or Infinity). Its value is not checked, and the
        // report says so.
        let asked = Set((existing + out).map { "\($0.method) \($0.url.split(separator: "?").first.map(String.init) ?? $0.url)" })
        for e in endpoints where (e.method == "GET" || e.method == "POST") && !e.path.contains("<") {
            let inputs = e.params.filter { $0.location != "path" }
            guard !inputs.isEmpty, inputs.allSatisfy({ ($0.type == .number || $0.type == .integer) && $0.location != "form" }),
                  !asked.contains("\(e.method) \(e.path)"),
                  !examples.contains(where: { endpoint($0.route)?.path == e.path }),
                  !errors.contains(where: { endpoint($0.route)?.path == e.path }) else { continue }
            let r = request(e, [:])
            let shown = r.json.map { " with JSON " + BehaviourCheck.jsonText($0) } ?? ""
            out.append(BehaviourCheck(method: e.method, url: r.url, json: r.json, form: r.form, status: [200, 201],
                                      forbidden: ["NaN", "Infinity"],
                                      source: "a valid request is answered (the description gives no worked example for \(e.method) \(e.path))"))
            let note = "\(e.method) \(e.path): checked only that a valid request (\(r.url)\(shown)) is answered; the description gives no worked example, so its value is not checked"
            if !decisions.contains(note) { decisions.append(note) }
        }
        return out
    }

    /// Page uses for the worked examples and stated errors of a page whose elements the contract
    /// knows, when the description's own statements gave none; marks what it covers.
    public mutating func pageChecks(existing: [PageCheck], file: String) -> [PageCheck] {
        guard let page = pages.first(where: { !$0.inputs.isEmpty && !$0.buttons.isEmpty }) else { return [] }
        let ids = page.inputs.map(\.id)
        func typed(_ given: [String: String]) -> [String: String]? {
            var out: [String: String] = [:]
            for (k, v) in given {
                guard let id = ids.first(where: { $0 == k }) ?? ids.first(where: { ContractReader.slugID(k) == $0 })
                        ?? (ids.count == 1 && given.count == 1 ? ids[0] : nil) else { return nil }
                out[id] = v
            }
            return out.count == ids.count || !existing.isEmpty ? out : (out.isEmpty ? nil : out)
        }
        let never = ["NaN", "Infinity", "undefined"]
        var out: [PageCheck] = []
        var exampleInputs: [String: String]? = nil
        let endpointPaths = Set(endpoints.map(\.path))
        func onPage(_ route: String?) -> Bool { route == nil || route == page.path || !endpointPaths.contains(route!) }
        for i in examples.indices where onPage(examples[i].route) {
            guard let inputs = typed(examples[i].given), inputs.count == ids.count else { continue }
            examples[i].checked = true
            exampleInputs = exampleInputs ?? inputs
            if !existing.isEmpty { continue }
            out.append(PageCheck(inputs: inputs, click: page.buttons[0].id, shows: ["*": examples[i].expect], hides: ["*": never],
                                 source: "example: \(examples[i].label)", file: file, allowsRequests: page.calls != nil))
        }
        for i in errors.indices where onPage(errors[i].route) {
            guard let bad = typed(errors[i].given) else { continue }
            var inputs = exampleInputs ?? Dictionary(uniqueKeysWithValues: page.inputs.map { ($0.id, ($0.type ?? .number).sampleText) })
            inputs.merge(bad) { $1 }
            errors[i].checked = true
            if !existing.isEmpty { continue }
            out.append(PageCheck(inputs: inputs, click: page.buttons[0].id, hides: ["*": never],
                                 source: "error: \(errors[i].label)", file: file, allowsRequests: page.calls != nil))
        }
        // no worked example: the page must at least answer valid input with a result
        if existing.isEmpty, !out.contains(where: { !$0.shows.isEmpty }) {
            let inputs = Dictionary(uniqueKeysWithValues: page.inputs.map { ($0.id, ($0.type ?? .number).sampleText) })
            out.insert(PageCheck(inputs: inputs, click: page.buttons[0].id, hides: ["*": never + ["[object Object]"]],
                                 source: "a valid input shows a result", file: file,
                                 filled: page.outputs.map(\.id), allowsRequests: page.calls != nil), at: 0)
        }
        return out
    }

    /// A search the description says can find nothing, with the text it shows then ("if nothing
    /// matches, say "…"", "when there are no results, show "…""): the one GET route with one text
    /// query parameter, asked for letters no entry holds, must show that text and list fewer entries
    /// than its answer to an empty search.
    public func noMatchChecks(description: String, plan: ProjectPlan) -> [BehaviourCheck] {
        let nothing = #"\b(?:nothing|none)\s+(?:\w+\s+)?(?:matches|match|is found|are found|found|comes up|turns up)\b|\bno\s+(?:\w+\s+)?(?:matches|match|results?|hits)\b|\b(?:finds|find|found|returns|matches|match)\s+nothing\b"#
        var said: (line: String, message: String)?
        for u in BehaviourRules.units(description) {
            let masked = StatementReader.masked(u) as NSString
            let phrase = masked.range(of: nothing, options: [.regularExpression, .caseInsensitive])
            guard phrase.location != NSNotFound else { continue }
            // the text in quotation marks nearest after the phrase
            if let m = StatementReader.messages(u).first(where: { !$0.negated && $0.range.location >= phrase.location }) { said = (u, m.text); break }
        }
        guard let (line, message) = said else { return [] }
        let textTypes: Set<ValueType?> = [nil, .string]
        let searches: [(PlannedRoute, String)] = plan.routes.compactMap { r in
            guard r.method == "GET", !r.path.contains("<") else { return nil }
            let text = r.query.filter { textTypes.contains(paramType($0, path: r.path)) && textTypes.contains(paramType($0)) }
            return text.count == 1 ? (r, text[0]) : nil
        }
        guard searches.count == 1, let (route, name) = searches.first else { return [] }
        // a line that names another route speaks of that one
        let paths = PinnedFacts.matches(#"(?:^|[\s(`"'])(/[A-Za-z0-9_\-/<>]*)"#, in: line, options: []).compactMap { $0[1] }
        guard paths.allSatisfy({ $0 == route.path || $0 == "/" }) else { return [] }
        let statuses = StatementReader.statusGroups(StatementReader.masked(line)).flatMap(\.codes)
        var c = BehaviourCheck(method: "GET", url: BehaviourRules.joinURL(route.path, [(name, "zqxvjk")]), status: statuses.isEmpty ? [200, 404] : statuses,
                               texts: [message], source: line, file: plan.kind == .jsonAPI ? "app.py" : (plan.pages.first ?? "app.py"))
        c.fewerEntriesThan = BehaviourRules.joinURL(route.path, [(name, "")])
        return [c]
    }

    /// A worked example of a GET route taking two values, and a statement that the answer is negative
    /// when the first is before (after, less than, …) the second ("if end is before start the number
    /// is negative"): the example with the two values swapped must answer its number negated.
    /// The pairs of values whose order the description says makes the answer negative ("if end is
    /// before start the number is negative" → ("end", "start")).
    static func negativeOrders(_ description: String) -> [(String, String, String)] {
        var out: [(String, String, String)] = []
        for line in BehaviourRules.units(description) {
            let masked = StatementReader.masked(line) as NSString
            let r = masked.range(of: orderStatement, options: [.regularExpression, .caseInsensitive])
            guard r.location != NSNotFound else { continue }
            let rest = masked.substring(from: r.location)
            let clause = rest.components(separatedBy: CharacterSet(charactersIn: ".;\n")).first ?? rest
            guard clause.range(of: #"\bnegative\b"#, options: [.regularExpression, .caseInsensitive]) != nil,
                  clause.range(of: #"\b(?:error|errors|status|invalid|reject|rejected|refuse|refused|never|not|cannot|can't|isn't|mustn't|must not|\d{3})\b"#,
                               options: [.regularExpression, .caseInsensitive]) == nil,
                  let m = PinnedFacts.matches(orderStatement, in: masked as String, options: [.caseInsensitive]).first, let a = m[1], let b = m[2], a != b else { continue }
            out.append((a, b, line))
        }
        return out
    }

    static let orderStatement = #"\b(?:if|when|whenever)\s+(?:the\s+)?([A-Za-z_][\w-]*)(?:\s+(?:date|day|time|value|number))?\s+(?:is|comes|falls|lies)\s+(?:(?:\w+\s+)?(?:before|after)|earlier than|later than|less than|smaller than|lower than|greater than|larger than|bigger than|more than)\s+(?:the\s+)?([A-Za-z_][\w-]*)\b"#

    public func reversedOrderChecks(description: String) -> [BehaviourCheck] {
        var out: [BehaviourCheck] = []
        let pairs = Self.negativeOrders(description)
        guard !pairs.isEmpty else { return [] }
        // the worked examples: the contract's, and a URL the description writes with the one number its
        // sentence gives as the answer ("GET /span?from=…&to=… gives … (here 10)")
        var worked: [(route: String, given: [String: String], expect: String)] = examples.compactMap { x in
            guard let route = x.route, x.expect.count == 1 else { return nil }
            return (route, x.given, x.expect[0])
        }
        for (said, mentioned) in BehaviourRules.requestsInSentencesWithoutErrors(description) {
            let urls = mentioned.filter { $0.method == "GET" }
            guard urls.count == 1, let url = urls.first?.url else { continue }
            let rest = said.replacingOccurrences(of: url, with: " ")
            let numbers = PinnedFacts.matches(#"(?<![\w.-])(-?\d+(?:\.\d+)?)(?![\w.-]|\.\d)"#, in: rest, options: []).compactMap { $0[1] }
            guard numbers.count == 1, let n = numbers.first else { continue }
            let (path, query) = BehaviourRules.splitURL(url)
            worked.append((path, Dictionary(query, uniquingKeysWith: { a, _ in a }), n))
        }
        for (a, b, line) in pairs {
            for x in worked {
                guard let e = endpoints.first(where: { $0.path == x.route && $0.method == "GET" }),
                      let va = x.given[a], let vb = x.given[b], va != vb,
                      let n = Double(x.expect), n > 0 else { continue }
                var given = x.given
                given[a] = vb; given[b] = va
                let url = BehaviourRules.joinURL(e.path, given.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
                guard !out.contains(where: { $0.url == url }) else { continue }
                let negated = n == n.rounded() && abs(n) < 1e15 ? String(Int(-n)) : String(-n)
                out.append(BehaviourCheck(method: "GET", url: url, status: [200], texts: [negated], source: line))
            }
        }
        return out
    }

    /// Requests for a site's pages: each page answers 200, shows its heading and links to the pages
    /// it names.
    public func siteChecks(plan: ProjectPlan, description: String) -> [BehaviourCheck] {
        guard plan.kind == .jinjaPages || plan.kind == .wtforms, pages.count > 1 else { return [] }
        return pages.compactMap { page in
            var page = page
            // a heading is checked where the description writes it
            if let h = page.heading, !ContractReader.written(h, in: description) { page.heading = nil }
            guard page.origin != .description, page.heading != nil || !page.links.isEmpty,
                  plan.routes.contains(where: { $0.method == "GET" && $0.path == page.path }) else { return nil }
            var c = BehaviourCheck(method: "GET", url: page.path, status: [200], texts: page.heading.map { [$0] } ?? [],
                                   source: "page \(page.path)\(page.heading.map { " with the heading \"\($0)\"" } ?? "")\(page.links.isEmpty ? "" : ", links to " + page.links.joined(separator: ", "))",
                                   file: plan.pages.first { $0.hasSuffix("/\(page.path == "/" ? "index" : String(page.path.dropFirst())).html") } ?? "app.py")
            c.links = page.links
            return c
        }
    }
}
