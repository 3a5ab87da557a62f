import XCTest
@testable import Scaffold

/// A JSON API's collection of records: found in the plan, its fields read from explicit syntax, and
/// the tool's views behave as the description says when run.
final class ResourceTests: XCTestCase {
    var specs: URL { Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("specs") }

    func bookmarks() throws -> [String] {
        try ["bookmarks_api", "bookmarks_api_plain", "bookmarks_api_casual"].map {
            try String(contentsOf: specs.appendingPathComponent("\($0).txt"), encoding: .utf8)
        }
    }

    func resource(_ text: String, answer: String = "") -> Resource? {
        let spec = ProjectSpec(description: text)
        let plan = PlanBuilder.ruleBased(spec)
        let contract = ContractReader.merge(ContractReader.explicit(spec, plan: plan), answer: answer, spec: spec, plan: plan)
        return Resource.find(plan: plan, contract: contract, description: text)
    }

    func testFieldsAndStatusesComeFromTheDescriptionsSyntax() throws {
        for text in try bookmarks() {
            let r = try XCTUnwrap(resource(text), text)
            XCTAssertEqual(r.collection, "/bookmarks")
            XCTAssertEqual(Set(r.fields.map(\.name)), ["url", "starred"], text)
            XCTAssertEqual(r.fields.first { $0.name == "starred" }?.type, .boolean)
            XCTAssertEqual(r.fields.first { $0.name == "url" }?.type, .string)
            XCTAssertEqual(r.createStatus, 201, text)
            XCTAssertEqual(r.invalidStatus, 422, text)
            XCTAssertEqual(Set(r.itemMethods), ["GET", "PUT", "DELETE"], text)
        }
    }

    func testARecordWrittenWithValuesIsTypedByThem() throws {
        let phrasings = [
            "Notes API in Flask on port 5123. A note looks like {\"id\": 3, \"text\": \"call mum\", \"pinned\": false, \"stars\": 2}. GET /notes lists them, POST /notes adds one (answers 200), GET /notes/<id>, PATCH /notes/<id> and DELETE /notes/<id> (answers 204).",
            "flask json api port 5123 for notes like {\"id\": 3, \"text\": \"call mum\", \"pinned\": false, \"stars\": 2}\nGET /notes, POST /notes -> 200\nGET /notes/<int:id>, PATCH /notes/<int:id>, DELETE /notes/<int:id> -> 204",
        ]
        for text in phrasings {
            let r = try XCTUnwrap(resource(text), text)
            XCTAssertEqual(r.fields, [Resource.Field(name: "text", type: .string), Resource.Field(name: "pinned", type: .boolean),
                                      Resource.Field(name: "stars", type: .integer)], text)
            XCTAssertEqual(r.createStatus, 200, text)
            XCTAssertEqual(r.deleteStatus, 204, text)
            XCTAssertEqual(Set(r.itemMethods), ["GET", "PATCH", "DELETE"], text)
        }
    }

    func testWithoutARecordShapeTheModelsBodyParametersAreTheFields() throws {
        let text = "A Flask API on port 5124 for recipes: GET /recipes, POST /recipes, GET /recipes/<id>, DELETE /recipes/<id>."
        XCTAssertNil(resource(text), "no fields known")
        let answer = #"{"params": [{"route": "/recipes", "name": "title", "in": "json", "type": "string"}, {"route": "/recipes", "name": "minutes", "in": "json", "type": "integer"}]}"#
        let r = try XCTUnwrap(resource(text, answer: answer))
        XCTAssertEqual(r.fields, [Resource.Field(name: "title", type: .string), Resource.Field(name: "minutes", type: .integer)])
    }

    func testNoResourceWithoutItemRoutes() {
        XCTAssertNil(resource("Flask API on port 5125: POST /sum with {\"id\": 1, \"a\": 2} adds numbers; GET /health."))
    }

    /// Runs `script` (Python, printing "ok") next to an app.py holding the resource's views; the
    /// directory stays for `more` to run further scripts in.
    func runViews(_ r: Resource, _ script: String, more: [String] = []) throws {
        let env = PythonEnvironment()
        do { try env.ensure(progress: { _ in }) } catch { throw XCTSkip("no verification venv: \(error)") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dc-resource-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let app = "from flask import Flask, jsonify, request\n" + r.imports.map { $0 + "\n" }.joined()
            + "\napp = Flask(__name__)\n\n\n" + r.source + "\n"
        try app.write(to: dir.appendingPathComponent("app.py"), atomically: true, encoding: .utf8)
        for (i, text) in ([script] + more).enumerated() {
            // each script is its own process: a restart of the app
            try text.write(to: dir.appendingPathComponent("check\(i).py"), atomically: true, encoding: .utf8)
            let out = try ProcessRunner.run(env.python, ["check\(i).py"], cwd: dir, timeout: 60)
            XCTAssertEqual(out.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "ok", "script \(i): " + out.stderr)
        }
    }

    /// What the bookmarks description states, as a script against the app's test client.
    let bookmarksScript = """
        from app import app
        c = app.test_client()
        assert c.get("/bookmarks").get_json() == []
        r = c.post("/bookmarks", json={"url": "https://a.example"})
        assert r.status_code == 201 and r.get_json() == {"id": 1, "url": "https://a.example", "starred": False}, r.get_json()
        assert c.post("/bookmarks", json={"url": ""}).status_code == 422
        assert c.post("/bookmarks", json={"url": 5}).status_code == 422
        assert c.post("/bookmarks", json={}).status_code == 422
        assert c.post("/bookmarks", data="x").status_code == 422
        assert c.post("/bookmarks", json={"url": "b", "starred": True}).get_json()["id"] == 2
        assert c.put("/bookmarks/1", json={"starred": "yes"}).status_code == 422
        r = c.put("/bookmarks/1", json={"starred": True})
        assert r.status_code == 200 and r.get_json() == {"id": 1, "url": "https://a.example", "starred": True}, r.get_json()
        assert c.get("/bookmarks/9").status_code == 404 and "error" in c.get("/bookmarks/9").get_json()
        assert c.delete("/bookmarks/2").status_code == 200
        assert c.delete("/bookmarks/2").status_code == 404
        assert c.post("/bookmarks", json={"url": "c"}).get_json()["id"] == 3
        assert [b["id"] for b in c.get("/bookmarks").get_json()] == [1, 3]
        print("ok")
        """

    /// The views run under Flask and do what the bookmarks description states.
    func testTheToolsViewsBehave() throws {
        let r = try XCTUnwrap(resource(try bookmarks()[0]))
        XCTAssertNil(r.database)
        try runViews(r, bookmarksScript)
    }

    /// Descriptions naming SQLite get the same behaviour from a database file that outlives a restart.
    func testSQLiteViewsBehaveAndKeepTheirRecordsAcrossRestarts() throws {
        let shape = "A bookmark is {\"url\": <string>, \"starred\": <boolean>, \"id\": <integer>}."
        let routes = "GET /bookmarks, POST /bookmarks (201, or 422 for bad input), GET /bookmarks/<id>, PUT /bookmarks/<id> (422 for bad input), DELETE /bookmarks/<id>."
        let phrasings = [("A bookmarks REST API in Flask that keeps its data in SQLite. \(shape) \(routes)", "bookmarks.db"),
                         ("flask api for bookmarks stored in links.db: \(routes) \(shape)", "links.db")]
        for (text, file) in phrasings {
            let r = try XCTUnwrap(resource(text), text)
            XCTAssertEqual(r.database, file, text)
            XCTAssertEqual(r.invalidStatus, 422, text)
            XCTAssertTrue(r.decisions.first?.contains(file) == true, text)
            let restarted = """
            from app import app
            c = app.test_client()
            assert [b["id"] for b in c.get("/bookmarks").get_json()] == [1, 3], c.get("/bookmarks").get_json()
            assert c.get("/bookmarks/1").get_json() == {"id": 1, "url": "https://a.example", "starred": True}
            assert c.post("/bookmarks", json={"url": "d"}).get_json()["id"] == 4
            import os
            assert os.path.exists("\(file)")
            print("ok")
            """
            try runViews(r, bookmarksScript, more: [restarted])
        }
    }
}
