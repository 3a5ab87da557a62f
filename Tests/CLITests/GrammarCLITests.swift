import Foundation
import XCTest

/// `generate --json-schema FILE` / `--grammar FILE` as a user runs them.
extension CLITests {
    private func write(_ text: String, _ name: String) throws -> String {
        let url = try tempDir().appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func testBadSchemasAndGrammarsAreUsageErrorsBeforeAnyModelLoads() throws {
        let unsupported = try write(#"{"type": "integer", "multipleOf": 3}"#, "s.json")
        var r = try run(["generate", "--model", "no-such-model", "--json-schema", unsupported, "-p", "x"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("multipleOf"), r.stderr)
        let broken = try write("root ::= \"a\" missing", "g.gbnf")
        r = try run(["generate", "--model", "no-such-model", "--grammar", broken, "-p", "x"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("`missing`, which is not defined"), r.stderr)
        r = try run(["generate", "--grammar", "/nonexistent/g.gbnf", "-p", "x"])
        XCTAssertEqual(r.status, 2, r.stderr)
        r = try run(["generate", "--grammar", broken, "--json-schema", unsupported, "-p", "x"])
        XCTAssertEqual(r.status, 2, r.stderr)
    }

    func testPrintGrammarShowsTheCompiledGBNF() throws {
        let schema = try write(#"{"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}"#, "s.json")
        let r = try run(["generate", "--json-schema", schema, "--print-grammar"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("root ::= "), r.stdout)
        XCTAssertTrue(r.stdout.contains(#""\"ok\"""#), r.stdout)
    }

    func testConstrainedAnswerValidatesAndACutOneExitsWith4() throws {
        _ = try testModelPath()
        let schema = try write(#"{"type": "object", "properties": {"city": {"type": "string"}, "rank": {"type": "integer"}, "big": {"type": "boolean"}}, "required": ["city", "rank", "big"]}"#, "s.json")
        let ok = try run(["generate", "--model", "smollm2-135m-instruct", "--json-schema", schema, "--temperature", "0",
                          "-n", "200", "-p", "Describe a city as JSON."])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any], ok.stdout)
        XCTAssertNotNil(object["city"] as? String)
        XCTAssertNotNil(object["rank"] as? Int)
        XCTAssertNotNil(object["big"] as? Bool)
        XCTAssertTrue(ok.stderr.contains("grammar: complete"), ok.stderr)
        let cut = try run(["generate", "--model", "smollm2-135m-instruct", "--json-schema", schema, "-n", "2", "-p", "Describe a city as JSON."])
        XCTAssertEqual(cut.status, 4, cut.stderr)
        XCTAssertTrue(cut.stderr.contains("cut short"), cut.stderr)
        let gbnf = try write("root ::= (\"yes\" | \"no\") \".\"", "g.gbnf")
        let yn = try run(["generate", "--model", "smollm2-135m-instruct", "--grammar", gbnf, "--temperature", "0", "-p", "Is the sky blue?"])
        XCTAssertEqual(yn.status, 0, yn.stderr)
        XCTAssertTrue(["yes.", "no."].contains(yn.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), yn.stdout)
    }
}
