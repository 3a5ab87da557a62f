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
}
