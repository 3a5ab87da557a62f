import Foundation

// Checks a JSON value against a schema of the supported subset, by the schema's own rules (not through
// the grammar): the independent check that a constrained answer is what the schema asks for.

public enum JSONSchemaValidator {
    /// The problems of `value` against `schema` (empty: valid).
    public static func problems(_ value: JSONValue, schema: JSONValue) -> [String] {
        var out: [String] = []
        check(value, schema, root: schema, path: "$", into: &out, depth: 0)
        return out
    }

    /// The problems of the JSON text `text` (a parse error is one problem).
    public static func problems(text: String, schemaText: String) throws -> [String] {
        let schema = try JSONValue.parse(schemaText)
        do {
            return problems(try JSONValue.parse(text), schema: schema)
        } catch let e as GrammarError {
            return ["not JSON: \(e.description)"]
        }
    }

    private static func check(_ v: JSONValue, _ schema: JSONValue, root: JSONValue, path: String, into out: inout [String], depth: Int) {
        guard depth < 200 else { out.append("\(path): schema nesting too deep"); return }
        if case .bool(let b) = schema { if !b { out.append("\(path): no value is allowed") }; return }
        if let ref = schema["$ref"]?.stringValue {
            let parts = ref.split(separator: "/").map(String.init)
            guard parts.count == 3, let target = root[parts[1]]?[parts[2]] else { out.append("\(path): unresolved $ref \(ref)"); return }
            check(v, target, root: root, path: path, into: &out, depth: depth + 1)
            return
        }
        if case .array(let options)? = schema["anyOf"] {
            let ok = options.contains { o in
                var sub: [String] = []
                check(v, o, root: root, path: path, into: &sub, depth: depth + 1)
                return sub.isEmpty
            }
            if !ok { out.append("\(path): matches none of anyOf") }
        }
        if let c = schema["const"], c != v { out.append("\(path): is not the const \(c.text)") }
        if case .array(let values)? = schema["enum"], !values.contains(v) { out.append("\(path): \(v.text) is not in the enum") }
        var types: [String] = []
        if let t = schema["type"]?.stringValue { types = [t] }
        if case .array(let list)? = schema["type"] { types = list.compactMap(\.stringValue) }
        if !types.isEmpty, !types.contains(where: { isType(v, $0) }) {
            out.append("\(path): \(v.text.prefix(40)) is not of type \(types.joined(separator: "|"))")
            return
        }
        switch v {
        case .object(let members):
            var seen = Set<String>()
            for m in members {
                if !seen.insert(m.key).inserted { out.append("\(path): key \(m.key) twice") }
            }
            if case .array(let req)? = schema["required"] {
                for k in req.compactMap(\.stringValue) where !seen.contains(k) { out.append("\(path): missing required \(k)") }
            }
            let props = schema["properties"]
            for m in members {
                if let ps = props?[m.key] {
                    check(m.value, ps, root: root, path: "\(path).\(m.key)", into: &out, depth: depth + 1)
                } else if let a = schema["additionalProperties"] {
                    check(m.value, a, root: root, path: "\(path).\(m.key)", into: &out, depth: depth + 1)
                }
            }
        case .array(let items):
            if case .number(let n, _)? = schema["minItems"], Double(items.count) < n { out.append("\(path): fewer than \(Int(n)) items") }
            if case .number(let n, _)? = schema["maxItems"], Double(items.count) > n { out.append("\(path): more than \(Int(n)) items") }
            if let itemSchema = schema["items"] {
                for (i, item) in items.enumerated() {
                    check(item, itemSchema, root: root, path: "\(path)[\(i)]", into: &out, depth: depth + 1)
                }
            }
        case .string(let s):
            let length = s.unicodeScalars.count
            if case .number(let n, _)? = schema["minLength"], Double(length) < n { out.append("\(path): shorter than \(Int(n))") }
            if case .number(let n, _)? = schema["maxLength"], Double(length) > n { out.append("\(path): longer than \(Int(n))") }
            if let p = schema["pattern"]?.stringValue {
                if let re = try? NSRegularExpression(pattern: p) {
                    if re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) == nil { out.append("\(path): \(JSONValue.quote(s)) does not match \(p)") }
                } else {
                    out.append("\(path): pattern \(p) does not compile")
                }
            }
        default: break
        }
    }

    private static func isType(_ v: JSONValue, _ t: String) -> Bool {
        switch (v, t) {
        case (.object, "object"), (.array, "array"), (.string, "string"), (.bool, "boolean"), (.null, "null"), (.number, "number"): return true
        case (.number(let d, _), "integer"): return d == d.rounded() && d.isFinite
        default: return false
        }
    }
}
