import Foundation
import XCTest
@testable import Scaffold

/// The plan step hands its JSON schema (Templates/prompts/plan.schema.json) to generators that
/// constrain their sampling, and asks the others as before.
final class PlanSchemaTests: XCTestCase {
    var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("dc-planschema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: work) }

    private func planRequest(follows: Bool) throws -> GenerationRequest {
        let gen = ScriptedGenerator { req, _ in
            ScriptedGenerator.requestedFile(in: req) == nil
                ? #"{"name": "Greeter", "kind": "json-api", "port": 5000, "files": [{"path": "app.py", "purpose": "the API"}], "routes": [{"method": "GET", "path": "/hello", "purpose": "greets", "query": ["name"]}], "forms": [], "params": [], "pages": [], "examples": [], "errors": [], "storage": "none"}"#
                : "```python\nfrom flask import Flask\napp = Flask(__name__)\n```"
        }
        gen.followsJSONSchema = follows
        let options = NewOptions(description: "A JSON API with GET /hello?name=X that greets", outputDirectory: work.appendingPathComponent(follows ? "a" : "b"),
                                 maxRepairs: 0, verify: false, workingDirectory: work)
        _ = try Pipeline(generator: gen, options: options, progress: { _ in }).run()
        return try XCTUnwrap(gen.requests.first { ScriptedGenerator.requestedFile(in: $0) == nil })
    }

    func testConstrainingGeneratorGetsThePlanSchema() throws {
        let request = try planRequest(follows: true)
        let schema = try XCTUnwrap(request.jsonSchema)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(schema.utf8)) as? [String: Any])
        let required = try XCTUnwrap(object["required"] as? [String])
        // the keys the plan prompt asks for are the keys the schema requires
        let prompt = try XCTUnwrap(request.messages.last?.content)
        for key in required { XCTAssertTrue(prompt.contains("\"\(key)\""), key) }
        XCTAssertTrue(required.contains("routes") && required.contains("kind"))
    }

    func testOtherGeneratorsAreAskedWithoutASchema() throws {
        XCTAssertNil(try planRequest(follows: false).jsonSchema)
    }

    /// A description that pins the kind gets a schema with that kind and without the lists the kind
    /// has no use for; other descriptions get the schema as it is.
    func testThePinnedKindNarrowsTheSchema() throws {
        let text = try TemplateRenderer().source("prompts/plan.schema.json")
        func properties(_ kind: ProjectKind?) throws -> [String: [String: Any]] {
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(PlanBuilder.schema(text, kind: kind).utf8)) as? [String: Any])
            return try XCTUnwrap(object["properties"] as? [String: [String: Any]])
        }
        let api = try properties(.jsonAPI)
        XCTAssertEqual(api["kind"]?["enum"] as? [String], ["json-api"])
        XCTAssertEqual(api["forms"]?["maxItems"] as? Int, 0)
        XCTAssertEqual(api["pages"]?["maxItems"] as? Int, 0)
        XCTAssertEqual(api["examples"]?["maxItems"] as? Int, 12)
        let forms = try properties(.wtforms)
        XCTAssertEqual(forms["kind"]?["enum"] as? [String], ["wtforms"])
        XCTAssertEqual(forms["forms"]?["maxItems"] as? Int, 6)
        XCTAssertEqual(forms["pages"]?["maxItems"] as? Int, 10)
        let pages = try properties(.jinjaPages)
        XCTAssertEqual(pages["forms"]?["maxItems"] as? Int, 0)
        XCTAssertEqual(pages["pages"]?["maxItems"] as? Int, 10)
        XCTAssertEqual(PlanBuilder.schema(text, kind: nil), text)
        // the request a JSON API description sends
        let gen = ScriptedGenerator { req, _ in
            ScriptedGenerator.requestedFile(in: req) == nil
                ? #"{"name": "Greeter", "kind": "json-api", "port": 5000, "files": [{"path": "app.py", "purpose": "the API"}], "routes": [{"method": "GET", "path": "/hello", "purpose": "greets", "query": ["name"]}], "forms": [], "params": [], "pages": [], "examples": [], "errors": [], "storage": "none"}"#
                : "```python\nfrom flask import Flask\napp = Flask(__name__)\n```"
        }
        gen.followsJSONSchema = true
        let options = NewOptions(description: "A JSON API with GET /hello?name=X that greets", outputDirectory: work.appendingPathComponent("c"),
                                 maxRepairs: 0, verify: false, workingDirectory: work)
        _ = try Pipeline(generator: gen, options: options, progress: { _ in }).run()
        let sent = try XCTUnwrap(gen.requests.first { ScriptedGenerator.requestedFile(in: $0) == nil }?.jsonSchema)
        XCTAssertEqual(sent, PlanBuilder.schema(text, kind: .jsonAPI))
    }
}
