import Foundation
import XCTest
@testable import Engine

/// The scaffolder's plan schema (Templates/prompts/plan.schema.json) compiles, and its grammar takes
/// a plan written the way the prompt shows and refuses broken ones.
final class PlanSchemaGrammarTests: XCTestCase {
    private func planSchema() throws -> String {
        let here = URL(fileURLWithPath: #filePath)
        let url = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Templates/prompts/plan.schema.json")
        return try String(contentsOf: url, encoding: .utf8)
    }

    func testPlanSchemaCompilesAndMatchesAPlan() throws {
        let schema = try planSchema()
        let r = try GrammarRecognizer(Grammar(jsonSchema: schema))
        let plan = """
        {"name": "Shelf", "kind": "jinja-pages", "port": 5000,
         "files": [{"path": "app.py", "purpose": "routes"}, {"path": "templates/index.html", "purpose": "the page"}, {"path": "static/app.js", "purpose": "calls"}],
         "routes": [{"method": "GET", "path": "/", "purpose": "page", "query": []}, {"method": "POST", "path": "/items/<int:item_id>", "purpose": "save", "query": []}],
         "forms": [], "params": [{"route": "/items/<int:item_id>", "name": "title", "in": "json", "type": "string"}],
         "pages": [{"path": "/", "heading": "Shelf", "inputs": [{"id": "title", "type": "text"}], "button": "Add", "outputs": ["result"], "links": []}],
         "examples": [{"route": null, "given": {"title": "Dune", "count": 2}, "expect": ["Dune", 2]}],
         "errors": [{"route": "/items/<int:item_id>", "given": {"title": ""}, "status": 400}], "storage": "memory"}
        """
        XCTAssertEqual(try JSONSchemaValidator.problems(text: plan, schemaText: schema), [])
        XCTAssertTrue(r.matches(plan))
        XCTAssertFalse(r.matches(plan.replacingOccurrences(of: "\"jinja-pages\"", with: "\"pages\"")))
        XCTAssertFalse(r.matches(plan.replacingOccurrences(of: "static/app.js", with: "static/app.py")))
        XCTAssertFalse(r.matches(plan.replacingOccurrences(of: ", \"storage\": \"memory\"", with: "")))
    }

    /// maxItems bounds a list, down to 0 (the scaffolder empties the lists a pinned kind has no use for).
    func testListCapsIncludingEmptyLists() throws {
        let schema = #"{"type": "object", "properties": {"a": {"type": "array", "items": {"type": "string"}, "maxItems": 0}, "b": {"type": "array", "items": {"type": "integer"}, "maxItems": 2}}, "required": ["a", "b"]}"#
        let r = try GrammarRecognizer(Grammar(jsonSchema: schema))
        XCTAssertTrue(r.matches(#"{"a": [], "b": [1, 2]}"#))
        XCTAssertTrue(r.matches(#"{"a": [], "b": []}"#))
        XCTAssertFalse(r.matches(#"{"a": ["x"], "b": [1]}"#))
        XCTAssertFalse(r.matches(#"{"a": [], "b": [1, 2, 3]}"#))
        // the plan schema's own caps: 12 worked examples at most
        let plan = try planSchema()
        let pr = try GrammarRecognizer(Grammar(jsonSchema: plan))
        func planText(examples n: Int) -> String {
            let x = Array(repeating: #"{"route": null, "given": {"a": 1}, "expect": ["2"]}"#, count: n).joined(separator: ", ")
            return #"{"name": "N", "kind": "json-api", "port": 5000, "files": [{"path": "app.py", "purpose": "p"}], "routes": [], "forms": [], "params": [], "pages": [], "examples": [\#(x)], "errors": [], "storage": "none"}"#
        }
        XCTAssertTrue(pr.matches(planText(examples: 12)))
        XCTAssertFalse(pr.matches(planText(examples: 13)))
    }
}
