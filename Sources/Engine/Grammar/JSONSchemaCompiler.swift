// A JSON schema compiled to GBNF. The subset real schemas use:
//   type (one or a list), object with properties / required / additionalProperties (false, or a
//   schema when there are no properties), array with items / minItems / maxItems, string with enum /
//   const / pattern (simple regular expressions) / minLength / maxLength, number, integer, boolean,
//   null, anyOf, enum, const, $ref to #/$defs/… or #/definitions/….
// Annotations (title, description, default, examples, format, …) are ignored. Any other keyword is
// refused with its path, so that a compiled grammar never promises less than the schema asks.
// Objects are written with their properties in the schema's order, without extra keys; whitespace
// between tokens is at most one space or one newline with up to 20 spaces or tabs of indentation.

public enum JSONSchemaCompiler {
    /// GBNF for the schema in `text` (JSON).
    public static func gbnf(fromSchemaText text: String) throws -> String {
        let schema: JSONValue
        do { schema = try JSONValue.parse(text) } catch let e as GrammarError {
            throw GrammarError("the schema is not valid JSON: \(e.description)")
        }
        var compiler = SchemaCompilation(root: schema)
        let top = try compiler.rule(for: schema, path: "#", name: "root-value")
        compiler.define("root", top)
        return compiler.text
    }

    static let annotations: Set<String> = ["title", "description", "default", "examples", "$schema", "$id", "$comment",
                                           "format", "deprecated", "readOnly", "writeOnly", "$defs", "definitions"]

    static let primitives: [(String, String)] = [
        ("ws", #"( " " | "\n" [ \t]{0,20} )?"#),
        ("string", #""\"" string-char* "\"""#),
        ("string-char", #"[^"\\\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" [0-9a-fA-F]{4} )"#),
        ("integer", #""-"? ( "0" | [1-9] [0-9]{0,15} )"#),
        ("number", #""-"? ( "0" | [1-9] [0-9]{0,15} ) ( "." [0-9]{1,16} )? ( [eE] [-+]? [0-9]{1,3} )?"#),
        ("boolean", #""true" | "false""#),
        ("null", #""null""#),
        ("value", "object | array | string | number | boolean | null"),
        ("object", #""{" ws ( string ws ":" ws value ws ( "," ws string ws ":" ws value ws )* )? "}""#),
        ("array", #""[" ws ( value ws ( "," ws value ws )* )? "]""#),
    ]
}

/// A GBNF string literal for `text`.
func gbnfLiteral(_ text: String) -> String {
    var out = "\""
    for u in text.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where u.value < 0x20 || u.value == 0x7F: out += "\\x" + (u.value < 16 ? "0" : "") + String(u.value, radix: 16)
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}

struct SchemaCompilation {
    let root: JSONValue
    private var lines: [String] = []
    private var taken: Set<String> = []
    private var nameOfBody: [String: String] = [:]
    private var refRules: [String: String] = [:]

    init(root: JSONValue) { self.root = root }

    var text: String { lines.joined(separator: "\n") + "\n" }

    mutating func define(_ name: String, _ body: String) {
        taken.insert(name)
        lines.append("\(name) ::= \(body)")
    }

    /// A rule named like `name` whose body is `body` (an existing rule with the same body is reused).
    private mutating func named(_ name: String, _ body: String) -> String {
        if let existing = nameOfBody[body] { return existing }
        let n = fresh(name)
        nameOfBody[body] = n
        define(n, body)
        return n
    }

    private mutating func fresh(_ base: String) -> String {
        var clean = String(base.unicodeScalars.map { c -> Character in
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "-" ? Character(c) : "-"
        })
        if clean.isEmpty { clean = "r" }
        var n = clean, k = 2
        while taken.contains(n) || JSONSchemaCompiler.primitives.contains(where: { $0.0 == n }) { n = "\(clean)-\(k)"; k += 1 }
        taken.insert(n)
        return n
    }

    private mutating func primitive(_ name: String) -> String {
        if !taken.contains(name) {
            taken.insert(name)
            // a primitive's dependencies come with it
            let deps: [String: [String]] = ["string": ["string-char"], "value": ["object", "array", "string", "number", "boolean", "null"],
                                            "object": ["ws", "string", "value"], "array": ["ws", "value"]]
            let body = JSONSchemaCompiler.primitives.first { $0.0 == name }!.1
            lines.append("\(name) ::= \(body)")
            for d in deps[name] ?? [] { _ = primitive(d) }
        }
        return name
    }

    /// The name of a rule matching `schema`.
    mutating func rule(for schema: JSONValue, path: String, name: String) throws -> String {
        try ruleName(schema, path: path, name: name)
    }

    private mutating func ruleName(_ schema: JSONValue, path: String, name: String) throws -> String {
        let body = try expression(for: schema, path: path, name: name)
        if JSONSchemaCompiler.primitives.contains(where: { $0.0 == body }) { return body }
        return named(name, body)
    }

    /// A GBNF expression matching `schema`.
    private mutating func expression(for schema: JSONValue, path: String, name: String) throws -> String {
        if case .bool(true) = schema { return primitive("value") }
        guard case .object(let members) = schema else {
            throw GrammarError("schema at \(path) must be an object or true")
        }
        let keys = Set(members.map(\.key))
        if let ref = schema["$ref"] {
            guard keys.subtracting(JSONSchemaCompiler.annotations).subtracting(["$ref"]).isEmpty else {
                throw GrammarError("schema at \(path): $ref next to other keywords is not supported")
            }
            return try reference(ref, path: path)
        }
        if let anyOf = schema["anyOf"] {
            guard case .array(let options) = anyOf, !options.isEmpty else { throw GrammarError("anyOf at \(path) must be a non-empty list") }
            try refuseUnknown(keys, allowed: ["anyOf"], path: path)
            var alts: [String] = []
            for (i, o) in options.enumerated() { alts.append(try ruleName(o, path: "\(path)/anyOf/\(i)", name: "\(name)-\(i)")) }
            return alts.joined(separator: " | ")
        }
        if let c = schema["const"] {
            try refuseUnknown(keys, allowed: ["const", "type"], path: path)
            return gbnfLiteral(c.text)
        }
        if let e = schema["enum"] {
            guard case .array(let values) = e, !values.isEmpty else { throw GrammarError("enum at \(path) must be a non-empty list") }
            try refuseUnknown(keys, allowed: ["enum", "type"], path: path)
            return values.map { gbnfLiteral($0.text) }.joined(separator: " | ")
        }
        var types: [String] = []
        switch schema["type"] {
        case nil: types = []
        case .string(let t)?: types = [t]
        case .array(let list)?: types = list.compactMap(\.stringValue)
        default: throw GrammarError("type at \(path) must be a string or a list of strings")
        }
        if types.isEmpty {
            if keys.contains("properties") { types = ["object"] } else if keys.contains("items") { types = ["array"] }
        }
        if types.isEmpty {
            try refuseUnknown(keys, allowed: [], path: path)
            return primitive("value")
        }
        var alts: [String] = []
        for t in types {
            switch t {
            case "object": alts.append(try object(schema, keys: keys, path: path, name: name))
            case "array": alts.append(try array(schema, keys: keys, path: path, name: name))
            case "string": alts.append(try string(schema, keys: keys, path: path, name: name))
            case "number", "integer":
                try refuseUnknown(keys, allowed: ["type"], path: path)
                alts.append(primitive(t))
            case "boolean", "null":
                try refuseUnknown(keys, allowed: ["type"], path: path)
                alts.append(primitive(t))
            default: throw GrammarError("type `\(t)` at \(path) is not a JSON-schema type")
            }
        }
        return alts.count == 1 ? alts[0] : alts.map { "( \($0) )" }.joined(separator: " | ")
    }

    private func refuseUnknown(_ keys: Set<String>, allowed: Set<String>, path: String) throws {
        let extra = keys.subtracting(allowed).subtracting(JSONSchemaCompiler.annotations).subtracting(["type"])
        if let k = extra.sorted().first {
            throw GrammarError("schema at \(path): keyword `\(k)` is not supported here (supported: type, properties, required, "
                + "additionalProperties, items, minItems, maxItems, enum, const, pattern, minLength, maxLength, anyOf, $ref, $defs)")
        }
    }

    private mutating func reference(_ ref: JSONValue, path: String) throws -> String {
        guard let r = ref.stringValue else { throw GrammarError("$ref at \(path) must be a string") }
        if let name = refRules[r] { return name }
        let parts = r.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts[0] == "#", parts[1] == "$defs" || parts[1] == "definitions",
              let target = root[parts[1]]?[parts[2].replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")] else {
            throw GrammarError("$ref `\(r)` at \(path) does not name an entry of #/$defs or #/definitions")
        }
        let name = fresh("ref-" + parts[2])
        refRules[r] = name
        let body = try expression(for: target, path: r, name: name)
        define(name, body)
        return name
    }

    private mutating func object(_ schema: JSONValue, keys: Set<String>, path: String, name: String) throws -> String {
        try refuseUnknown(keys, allowed: ["properties", "required", "additionalProperties"], path: path)
        let ws = primitive("ws")
        var properties: [(key: String, value: JSONValue)] = []
        if let p = schema["properties"] {
            guard case .object(let members) = p else { throw GrammarError("properties at \(path) must be an object") }
            properties = members
        }
        var required = Set<String>()
        if let r = schema["required"] {
            guard case .array(let list) = r else { throw GrammarError("required at \(path) must be a list") }
            required = Set(list.compactMap(\.stringValue))
        }
        for k in required where !properties.contains(where: { $0.key == k }) {
            throw GrammarError("schema at \(path) requires `\(k)`, which is not among its properties")
        }
        let additional = schema["additionalProperties"]
        if properties.isEmpty {
            // a map: any keys, values of the additionalProperties schema (any value when absent or true)
            if case .bool(false)? = additional { return #""{" \#(ws) "}""# }
            let v: String
            if let a = additional, a != .bool(true) {
                v = try ruleName(a, path: "\(path)/additionalProperties", name: "\(name)-value")
            } else {
                v = primitive("value")
            }
            let s = primitive("string")
            let pair = "\(s) \(ws) \":\" \(ws) \(v) \(ws)"
            return #""{" \#(ws) ( \#(pair) ( "," \#(ws) \#(pair) )* )? "}""#
        }
        if let a = additional, a != .bool(false) {
            throw GrammarError("schema at \(path): additionalProperties other than false next to properties is not supported")
        }
        var pairs: [String] = []
        for (k, v) in properties {
            let value = try ruleName(v, path: "\(path)/properties/\(k)", name: "\(name)-\(k)")
            pairs.append("\(gbnfLiteral(JSONValue.quote(k))) \(ws) \":\" \(ws) \(value) \(ws)")
        }
        // rest(i): properties i… after one has been written (each preceded by a comma);
        // first(i): properties i… before any has been written. Built on demand.
        var restOf: [Int: String] = [:]
        func rest(_ i: Int) -> String {
            if i == pairs.count { return "" }
            if let r = restOf[i] { return r }
            let isRequired = required.contains(properties[i].key)
            let after = rest(i + 1)
            let more = after.isEmpty ? "" : " " + after
            let r: String
            if isRequired {
                r = named("\(name)-after-\(i)", "\",\" \(ws) \(pairs[i])\(more)")
            } else if after.isEmpty {
                r = "( \",\" \(ws) \(pairs[i]) )?"
            } else {
                r = named("\(name)-after-\(i)", "( \",\" \(ws) \(pairs[i]) )?\(more)")
            }
            restOf[i] = r
            return r
        }
        func first(_ i: Int) -> String {
            let after = rest(i + 1)
            let withThis = pairs[i] + (after.isEmpty ? "" : " " + after)
            if required.contains(properties[i].key) { return named("\(name)-from-\(i)", withThis) }
            return named("\(name)-from-\(i)", withThis + " | " + (i + 1 < pairs.count ? first(i + 1) : "\"\""))
        }
        return #""{" \#(ws) \#(first(0)) "}""#
    }

    private mutating func array(_ schema: JSONValue, keys: Set<String>, path: String, name: String) throws -> String {
        try refuseUnknown(keys, allowed: ["items", "minItems", "maxItems"], path: path)
        let ws = primitive("ws")
        let item = try schema["items"].map { try ruleName($0, path: "\(path)/items", name: "\(name)-item") } ?? primitive("value")
        let minItems = try count(schema["minItems"], "minItems", path) ?? 0
        let maxItems = try count(schema["maxItems"], "maxItems", path)
        if let maxItems, maxItems < minItems { throw GrammarError("schema at \(path): maxItems is below minItems") }
        if maxItems == 0 { return #""[" \#(ws) "]""# }
        let more: String
        let lo = max(minItems - 1, 0)
        if let maxItems { more = "{\(lo),\(maxItems - 1)}" } else { more = lo == 0 ? "*" : "{\(lo),}" }
        let list = "\(item) \(ws) ( \",\" \(ws) \(item) \(ws) )\(more)"
        return minItems > 0 ? #""[" \#(ws) \#(list) "]""# : #""[" \#(ws) ( \#(list) )? "]""#
    }

    private mutating func string(_ schema: JSONValue, keys: Set<String>, path: String, name: String) throws -> String {
        try refuseUnknown(keys, allowed: ["pattern", "minLength", "maxLength"], path: path)
        if let p = schema["pattern"] {
            guard let pattern = p.stringValue else { throw GrammarError("pattern at \(path) must be a string") }
            if keys.contains("minLength") || keys.contains("maxLength") {
                throw GrammarError("schema at \(path): pattern together with minLength/maxLength is not supported")
            }
            return "\"\\\"\" " + (try RegexToGBNF.translate(pattern, path: path)) + " \"\\\"\""
        }
        let lo = try count(schema["minLength"], "minLength", path)
        let hi = try count(schema["maxLength"], "maxLength", path)
        if lo == nil && hi == nil { return primitive("string") }
        _ = primitive("string")
        let char = "string-char"
        if let hi, hi < (lo ?? 0) { throw GrammarError("schema at \(path): maxLength is below minLength") }
        let bounds = hi.map { "{\(lo ?? 0),\($0)}" } ?? "{\(lo ?? 0),}"
        return "\"\\\"\" \(char)\(bounds) \"\\\"\""
    }

    private func count(_ v: JSONValue?, _ key: String, _ path: String) throws -> Int? {
        guard let v else { return nil }
        guard case .number(let d, _) = v, d >= 0, d <= 1000, d == d.rounded() else {
            throw GrammarError("\(key) at \(path) must be a whole number from 0 to 1000")
        }
        return Int(d)
    }
}
