import XCTest
@testable import Engine

/// JSON schemas compiled to grammars: hand-written cases and random schemas with random valid and
/// mutated answers, checked against the independent validator.
final class JSONSchemaGrammarTests: XCTestCase {
    private func recognizer(_ schema: String) throws -> GrammarRecognizer {
        try GrammarRecognizer(Grammar(jsonSchema: schema))
    }

    func testPrimitivesNumbersAndExponents() throws {
        let n = try recognizer(#"{"type": "number"}"#)
        for ok in ["0", "-0", "12", "3.25", "-1.5e10", "2E-3", "7e+2", "1.0E5"] { XCTAssertTrue(n.matches(ok), ok) }
        for bad in ["01", "1.", ".5", "1e", "--1", "+1", "1e+", "NaN", " 1"] { XCTAssertFalse(n.matches(bad), bad) }
        let i = try recognizer(#"{"type": "integer"}"#)
        XCTAssertTrue(i.matches("-42"))
        XCTAssertFalse(i.matches("4.0"))
        XCTAssertFalse(i.matches("1e3"))
        let b = try recognizer(#"{"type": ["boolean", "null"]}"#)
        for ok in ["true", "false", "null"] { XCTAssertTrue(b.matches(ok), ok) }
        XCTAssertFalse(b.matches("True"))
    }

    func testStringsEscapesAndUnicode() throws {
        let s = try recognizer(#"{"type": "string"}"#)
        for ok in [#""""#, #""a b""#, #""tab\tquote\"slash\\ \/""#, #""\u00e9\uD83D\uDE00""#, "\"héllo 😀 ✓\""] {
            XCTAssertTrue(s.matches(ok), ok)
        }
        for bad in ["\"a", "\"a\nb\"", #""\x""#, #""\u12""#, "\"a\"b\"", "'a'"] { XCTAssertFalse(s.matches(bad), bad) }
    }

    func testObjectsRequiredOptionalAndOrder() throws {
        let schema = #"""
        {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "string"}, "c": {"type": "boolean"}},
         "required": ["b"]}
        """#
        let r = try recognizer(schema)
        for ok in [#"{"b":"x"}"#, #"{"a":1,"b":"x"}"#, #"{"b":"x","c":true}"#, #"{ "a": 1, "b": "x", "c": false }"#,
                   "{\n  \"a\": 1,\n  \"b\": \"\"\n}"] {
            XCTAssertTrue(r.matches(ok), ok)
        }
        for bad in [#"{}"#, #"{"a":1}"#, #"{"b":"x","a":1}"#, #"{"b":"x","d":1}"#, #"{"b":"x",}"#, #"{"b":1}"#] {
            XCTAssertFalse(r.matches(bad), bad)
        }
        let allOptional = try recognizer(#"{"type": "object", "properties": {"a": {"type": "null"}, "b": {"type": "null"}}}"#)
        for ok in ["{}", #"{"a":null}"#, #"{"b":null}"#, #"{"a":null,"b":null}"#] { XCTAssertTrue(allOptional.matches(ok), ok) }
        XCTAssertFalse(allOptional.matches(#"{,"b":null}"#))
    }

    func testEmptyContainersAndMaps() throws {
        let a = try recognizer(#"{"type": "array", "items": {"type": "integer"}}"#)
        for ok in ["[]", "[ ]", "[1]", "[1, 2,3]"] { XCTAssertTrue(a.matches(ok), ok) }
        for bad in ["[,]", "[1,]", "[\"1\"]"] { XCTAssertFalse(a.matches(bad), bad) }
        let bounded = try recognizer(#"{"type": "array", "items": {"type": "null"}, "minItems": 1, "maxItems": 2}"#)
        XCTAssertFalse(bounded.matches("[]"))
        XCTAssertTrue(bounded.matches("[null,null]"))
        XCTAssertFalse(bounded.matches("[null,null,null]"))
        let map = try recognizer(#"{"type": "object", "additionalProperties": {"type": "integer"}}"#)
        for ok in ["{}", #"{"x": 1, "y": 2}"#] { XCTAssertTrue(map.matches(ok), ok) }
        XCTAssertFalse(map.matches(#"{"x": "1"}"#))
        let any = try recognizer("{}")
        for ok in ["{}", "[]", #"{"a":[1,{"b":null}],"c":"d"}"#, "-1.5e3"] { XCTAssertTrue(any.matches(ok), ok) }
    }

    func testEnumConstAnyOfRefAndDeepNesting() throws {
        let schema = #"""
        {"$defs": {"node": {"type": "object", "properties": {"kind": {"enum": ["leaf", "pair"]},
                                                               "next": {"anyOf": [{"$ref": "#/$defs/node"}, {"type": "null"}]}},
                             "required": ["kind", "next"]}},
         "$ref": "#/$defs/node"}
        """#
        let r = try recognizer(schema)
        var deep = #"{"kind":"leaf","next":null}"#
        for _ in 0..<40 { deep = #"{"kind":"pair","next":"# + deep + "}" }
        XCTAssertTrue(r.matches(deep))
        XCTAssertFalse(r.matches(#"{"kind":"tree","next":null}"#))
        XCTAssertFalse(r.matches(String(deep.dropLast())))
        let c = try recognizer(#"{"const": {"a": [1, "x"]}}"#)
        XCTAssertTrue(c.matches(#"{"a":[1,"x"]}"#))
        XCTAssertFalse(c.matches(#"{"a":[1,"y"]}"#))
    }

    func testPatternsAndLengths() throws {
        let p = try recognizer(#"{"type": "string", "pattern": "^[A-Z][a-z]{1,3}-\\d+$"}"#)
        for ok in [#""Ab-1""#, #""Abcd-2024""#] { XCTAssertTrue(p.matches(ok), ok) }
        for bad in [#""ab-1""#, #""Abcde-1""#, #""Ab-""#, #""Ab-1x""#] { XCTAssertFalse(p.matches(bad), bad) }
        let unanchored = try recognizer(#"{"type": "string", "pattern": "(cat|dog)s?"}"#)
        XCTAssertTrue(unanchored.matches(#""hot dogs here""#))
        XCTAssertFalse(unanchored.matches(#""bird""#))
        let len = try recognizer(#"{"type": "string", "minLength": 2, "maxLength": 3}"#)
        XCTAssertTrue(len.matches(#""a\"""#))
        XCTAssertFalse(len.matches(#""a""#))
        XCTAssertFalse(len.matches(#""abcd""#))
    }

    func testWhitespaceRules() throws {
        let r = try recognizer(#"{"type": "array", "items": {"type": "integer"}}"#)
        XCTAssertTrue(r.matches("[\n  1,\n  2\n]"))
        XCTAssertTrue(r.matches("[ 1 , 2 ]"))
        XCTAssertFalse(r.matches(" [1]"), "no whitespace before the value")
        XCTAssertFalse(r.matches("[1] "), "no whitespace after the value")
        XCTAssertFalse(r.matches("[  1]"), "at most one space")
        XCTAssertFalse(r.matches("[\n\n1]"), "one newline, then indentation")
        XCTAssertFalse(r.matches("[\n" + String(repeating: " ", count: 21) + "1]"), "indentation up to 20")
    }

    func testUnsupportedKeywordsAreRefused() {
        for (schema, word) in [(#"{"type": "integer", "minimum": 3}"#, "minimum"), (#"{"oneOf": [{"type": "null"}]}"#, "oneOf"),
                               (##"{"$ref": "#/$defs/missing"}"##, "$defs"), (#"{"type": "string", "pattern": "a(?=b)"}"#, "pattern"),
                               (#"{"type": "object""#, "not valid JSON"), (#"{"type": "wood"}"#, "wood")] {
            XCTAssertThrowsError(try Grammar(jsonSchema: schema), schema) { error in
                XCTAssertTrue("\(error)".contains(word), "\(error)")
            }
        }
    }

    // MARK: Property tests

    /// Random schemas: every random valid answer matches, and every mutated answer the grammar still
    /// matches is valid for the independent validator.
    func testRandomSchemasAcceptValidAndOnlyValidAnswers() throws {
        var rng = SplitMix64(seed: 7)
        for round in 0..<200 {
            var gen = RandomSchemas(rng: SplitMix64(seed: rng.next()))
            let schema = gen.schema(depth: 0)
            let schemaText = schema.text
            let grammar = try Grammar(jsonSchema: schemaText)
            let r = try GrammarRecognizer(grammar)
            for _ in 0..<8 {
                let answer = gen.answer(for: schema)
                XCTAssertEqual(try JSONSchemaValidator.problems(text: answer, schemaText: schemaText), [], "round \(round): \(answer)")
                XCTAssertTrue(r.matches(answer), "round \(round): schema \(schemaText) rejects \(answer)")
                var bytes = Array(answer.utf8)
                for _ in 0..<6 {
                    let at = Int(gen.rng.next() % UInt64(bytes.count))
                    bytes[at] = Array(#"{}[],:"0123456789.eE-+tfnul \#n\"#.utf8)[Int(gen.rng.next() % 23)]
                    let mutated = String(decoding: bytes, as: UTF8.self)
                    if r.matches(mutated) {
                        XCTAssertEqual(try JSONSchemaValidator.problems(text: mutated, schemaText: schemaText), [],
                                       "round \(round): grammar of \(schemaText) accepts invalid \(mutated)")
                    }
                }
            }
        }
    }
}

/// Random schemas from the supported subset, and random valid answers for them.
struct RandomSchemas {
    var rng: SplitMix64

    mutating func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }

    mutating func schema(depth: Int) -> JSONValue {
        let kinds = depth >= 3 ? 6 : 10
        switch pick(kinds) {
        case 0: return .object([("type", .string("string"))])
        case 1: return .object([("type", .string("integer"))])
        case 2: return .object([("type", .string("number"))])
        case 3: return .object([("type", .string(pick(2) == 0 ? "boolean" : "null"))])
        case 4: return .object([("enum", .array([.string("red"), .string("g\"r\\een"), .number(3, text: "3"), .null]))])
        case 5: return .object([("type", .string("string")), ("pattern", .string("^[a-c]{1,3}(x|yz)?$"))])
        case 6, 7:
            var props: [(key: String, value: JSONValue)] = []
            var required: [JSONValue] = []
            for k in 0..<(1 + pick(3)) {
                let key = ["id", "näme", "a b", "x\"y"][k]
                props.append((key, schema(depth: depth + 1)))
                if pick(2) == 0 { required.append(.string(key)) }
            }
            return .object([("type", .string("object")), ("properties", .object(props)), ("required", .array(required))])
        case 8:
            var members: [(key: String, value: JSONValue)] = [("type", .string("array")), ("items", schema(depth: depth + 1))]
            if pick(2) == 0 { members.append(("maxItems", .number(3, text: "3"))) }
            return .object(members)
        default:
            return .object([("anyOf", .array([schema(depth: depth + 1), schema(depth: depth + 1)]))])
        }
    }

    mutating func space() -> String { ["", "", " ", "\n  "][pick(4)] }

    mutating func answer(for schema: JSONValue) -> String {
        if case .array(let options)? = schema["anyOf"] { return answer(for: options[pick(options.count)]) }
        if case .array(let values)? = schema["enum"] { return values[pick(values.count)].text }
        switch schema["type"]?.stringValue {
        case "string"?:
            if schema["pattern"] != nil {
                return "\"" + String(repeating: ["a", "b", "c"][pick(3)], count: 1 + pick(3)) + ["", "x", "yz"][pick(3)] + "\""
            }
            return JSONValue.quote(["", "plain", "tab\there", "quote\"back\\slash", "é😀✓", "\u{01}ctl"][pick(6)])
        case "integer"?: return ["0", "-7", "42", "123456"][pick(4)]
        case "number"?: return ["0", "-0.5", "3.25e2", "1E-7", "-12"][pick(5)]
        case "boolean"?: return pick(2) == 0 ? "true" : "false"
        case "null"?: return "null"
        case "array"?:
            var n = pick(4)
            if case .number(let m, _)? = schema["maxItems"] { n = min(n, Int(m)) }
            let items = (0..<n).map { _ in answer(for: schema["items"]!) }
            return "[" + space() + items.map { $0 + space() }.joined(separator: "," + space()) + "]"
        default:
            guard case .object(let props)? = schema["properties"], case .array(let req)? = schema["required"] else { return "{}" }
            let required = Set(req.compactMap(\.stringValue))
            var parts: [String] = []
            for (k, v) in props where required.contains(k) || pick(2) == 0 {
                parts.append(JSONValue.quote(k) + space() + ":" + space() + answer(for: v) + space())
            }
            return "{" + space() + parts.joined(separator: "," + space()) + "}"
        }
    }
}
