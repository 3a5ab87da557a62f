import Foundation
import XCTest
@testable import Scaffold

final class PlanTests: XCTestCase {
    func spec(_ name: String) throws -> ProjectSpec {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("specs/\(name).txt")
        return ProjectSpec(description: try String(contentsOf: url, encoding: .utf8))
    }

    func testPinnedFactsOfAnAPISpec() throws {
        let s = try spec("circle_api")
        XCTAssertEqual(s.pinned.port, 5000)
        XCTAssertEqual(s.pinned.routes, [PinnedRoute(method: "GET", path: "/area", query: ["radius"])])
        XCTAssertEqual(Set(s.pinned.jsonKeys), ["radius", "area", "error"])
        let plan = PlanBuilder.ruleBased(s)
        XCTAssertEqual(plan.kind, .jsonAPI)
        XCTAssertEqual(plan.files.map(\.path), ["app.py"])
        XCTAssertNoThrow(try PlanBuilder.validate(plan))
    }

    func testWTFormsSpec() throws {
        let s = try spec("bmi_form")
        XCTAssertEqual(s.pinned.fieldNames, ["weight", "height"])
        XCTAssertTrue(s.pinned.exactTexts.contains("Must be a positive number."))
        let plan = PlanBuilder.ruleBased(s)
        XCTAssertEqual(plan.kind, .wtforms)
        XCTAssertEqual(Set(plan.files.map(\.path)), ["app.py", "forms.py", "templates/index.html"])
        XCTAssertEqual(plan.forms.first?.fields.map(\.name), ["weight", "height"])
        XCTAssertEqual(plan.forms.first?.fields.first?.type, "FloatField")
        XCTAssertTrue(plan.routes.contains { $0.method == "POST" && $0.path == "/" })
        XCTAssertEqual(plan.generatedFiles.map(\.path), ["forms.py", "app.py", "templates/index.html"])
        XCTAssertNoThrow(try PlanBuilder.validate(plan))
    }

    func testEmbeddedJavaScriptSpec() throws {
        let s = try spec("circle_page_js")
        XCTAssertEqual(s.pinned.port, 5001)
        XCTAssertEqual(Set(s.pinned.elementIDs), ["radius", "calculate", "result"])
        let plan = PlanBuilder.ruleBased(s)
        XCTAssertEqual(plan.kind, .singleFile)
        XCTAssertEqual(plan.files.map(\.path), ["app.py"])
        XCTAssertEqual(plan.routes.first?.path, "/")
    }

    func testJavaScriptPageSpec() throws {
        let s = try spec("tip_calculator_js")
        XCTAssertEqual(Set(s.pinned.elementIDs), ["bill", "tip-percent", "people", "calculate", "tip-amount", "total", "per-person", "error"])
        let plan = PlanBuilder.ruleBased(s)
        XCTAssertEqual(plan.kind, .jinjaPages)
        XCTAssertEqual(plan.files.map(\.path), ["app.py", "templates/index.html"])
    }

    func testRESTSpec() throws {
        let s = try spec("todo_api")
        let routes = Set(s.pinned.routes.map { "\($0.method) \($0.path)" })
        XCTAssertEqual(routes, ["GET /todos", "POST /todos", "GET /todos/<id>", "PUT /todos/<id>", "DELETE /todos/<id>"])
        let plan = PlanBuilder.ruleBased(s)
        XCTAssertEqual(plan.kind, .jsonAPI)
        // probes create before they read, and give the body the pinned keys
        // sample values come from the types the description's syntax gives ("done": <boolean>), not from names
        let probes = Probes.make(for: plan, types: ContractReader.explicitTypes(s.description))
        XCTAssertEqual(probes.first?.method, "POST")
        XCTAssertEqual(probes.first?.json?["title"], .string("sample text"))
        XCTAssertEqual(probes.first?.json?["done"], .bool(false))
        XCTAssertEqual(Probes.make(for: plan).first?.json?["done"], .string("sample text"), "without a type, the name decides nothing")
        XCTAssertEqual(probes.first(where: { $0.routePath == "/todos/<id>" && $0.method == "GET" })?.url, "/todos/1")
    }

    func testOtherSpecs() throws {
        let c = try spec("contact_form")
        XCTAssertEqual(c.pinned.port, 5010)
        XCTAssertEqual(c.pinned.fieldNames, ["email", "message"])
        let cp = PlanBuilder.ruleBased(c)
        XCTAssertEqual(cp.kind, .wtforms)
        // no type from a field's name: the model's plan decides where the description says nothing
        XCTAssertEqual(cp.forms.first?.fields.first?.type, "StringField")
        let t = try spec("temperature_api")
        XCTAssertEqual(t.pinned.port, 5003)
        XCTAssertEqual(t.pinned.routes.map(\.path), ["/api/convert"])
        XCTAssertEqual(PlanBuilder.ruleBased(t).kind, .jsonAPI)
    }

    func testNameAndSlug() {
        let s = ProjectSpec(description: "Create a BMI (body mass index) calculator web page with Flask.")
        XCTAssertEqual(s.slug, "bmi-body-mass-index")
        XCTAssertEqual(s.projectName, "Bmi Body Mass Index")
        XCTAssertEqual(ProjectSpec(description: "!!!").slug, "flask-app")
    }

    func testModelPlanAcceptedAndPinsWin() throws {
        let s = try spec("bmi_form")
        let answer = """
        ```json
        {"kind": "wtforms", "port": 8080, "files": [{"path": "app.py", "purpose": "routes"}, {"path": "forms.py", "purpose": "form"},
         {"path": "templates/bmi.html", "purpose": "page"}],
         "routes": [{"method": "get", "path": "/", "purpose": "form"}],
         "forms": [{"class": "BMIForm", "fields": [{"name": "weight", "type": "FloatField", "label": "Weight"}]}]}
        ```
        """
        let plan = try PlanBuilder.fromModelAnswer(answer, spec: s)
        XCTAssertEqual(plan.source, "model")
        XCTAssertEqual(plan.port, 5000, "the pinned port wins over the model's")
        XCTAssertTrue(plan.files.contains { $0.path == "templates/bmi.html" })
        XCTAssertEqual(plan.forms[0].fields.map(\.name), ["weight", "height"], "pinned field added")
        XCTAssertTrue(plan.routes.contains { $0.method == "POST" && $0.path == "/" }, "pinned route added")
        XCTAssertTrue(plan.routes.contains { $0.method == "GET" && $0.path == "/" })
    }

    func testRoutesTheDescriptionNeverNamesAreDroppedWhenItPinsRoutes() throws {
        let s = try spec("circle_api")
        // The plan prompt's example route, copied by a small model into an unrelated project.
        let answer = #"{"kind": "json-api", "port": 5000, "files": [{"path": "app.py", "purpose": "the API"}], "routes": [{"method": "GET", "path": "/items", "purpose": "list items"}, {"method": "GET", "path": "/area", "purpose": "area"}]}"#
        let plan = try PlanBuilder.fromModelAnswer(answer, spec: s)
        XCTAssertEqual(plan.routes.map(\.path), ["/area"])
    }

    func testFilesTheDescriptionNeverNamesAreDropped() throws {
        let s = try spec("bmi_form")
        let answer = #"{"kind": "wtforms", "port": 5000, "files": [{"path": "app.py", "purpose": "routes"}, {"path": "forms.py", "purpose": "form"}, {"path": "templates/items.html", "purpose": "list"}, {"path": "static/items.js", "purpose": "js"}, {"path": "templates/index.html", "purpose": "page"}], "routes": [{"method": "GET", "path": "/", "purpose": "form"}]}"#
        let plan = try PlanBuilder.fromModelAnswer(answer, spec: s)
        XCTAssertFalse(plan.files.contains { $0.path.contains("items") }, "\(plan.files.map(\.path))")
        XCTAssertTrue(plan.files.contains { $0.path == "forms.py" })
        XCTAssertTrue(plan.files.contains { $0.path == "app.py" })
    }

    func testMalformedModelPlansAreRejected() throws {
        let s = try spec("circle_api")
        let bad = [
            "I think you need an app.py file.",                                   // no JSON
            "{\"kind\": \"json-api\", \"files\": [{\"path\": \"../app.py\"}]}",     // path outside
            "{\"kind\": \"json-api\", \"files\": [\"app.py\", \"app.py\"]}",         // duplicate
            "{\"kind\": \"wtforms\", \"files\": [\"app.py\", \"forms.py\", \"templates/a.html\"]}", // contradicts the description
            "{\"kind\": \"json-api\", \"files\": [\"app.py\", \"/etc/passwd\"]}",    // absolute
            "{\"kind\": \"json-api\", \"files\": [\"app.py\", \"main.py\"]}",        // not an allowed name
            "{\"kind\": \"spaceship\", \"files\": [\"app.py\"]}",                    // unknown kind
            "{\"kind\": \"json-api\", \"files\": [\"app.py\"], \"routes\": [{\"method\": \"FETCH\", \"path\": \"/x\"}]}",
            "{\"kind\": \"json-api\", \"files\": [\"app.py\", \"templates/x.html\"]}", // templates in an API
        ]
        for answer in bad {
            XCTAssertThrowsError(try PlanBuilder.fromModelAnswer(answer, spec: s), answer)
        }
        XCTAssertNoThrow(try PlanBuilder.fromModelAnswer("{\"kind\": \"json-api\", \"files\": [\"app.py\"]}", spec: s))
    }

    func testValidationProblems() {
        var plan = ProjectPlan(kind: .wtforms, port: 5000, files: [PlannedFile(path: "app.py", purpose: "")],
                               routes: [PlannedRoute(method: "GET", path: "/", purpose: "")])
        XCTAssertTrue(PlanBuilder.problems(in: plan).contains("wtforms project needs forms.py"))
        plan.kind = .jsonAPI
        XCTAssertEqual(PlanBuilder.problems(in: plan), [])
        plan.routes.append(PlannedRoute(method: "GET", path: "/", purpose: ""))
        XCTAssertEqual(PlanBuilder.problems(in: plan), ["duplicate route GET /"])
        plan.port = 0
        XCTAssertTrue(PlanBuilder.problems(in: plan).contains("bad port 0"))
    }
}

final class PinnedFactTests: XCTestCase {
    func testPhrasingVariants() {
        let p = PinnedFacts.extract(from: """
        Make an API on port 5003. Send a POST request to /api/convert with JSON; the history is at /api/history.
        The page has an input with id=radius and a field named radius, plus <div id='result'>; shows it in #result.
        """)
        XCTAssertEqual(p.port, 5003)
        XCTAssertEqual(p.routes.map { "\($0.method) \($0.path)" }, ["POST /api/convert", "GET /api/history"])
        XCTAssertEqual(p.fieldNames, ["radius"])
        XCTAssertEqual(p.elementIDs, ["radius", "result"])
    }

    func testNoFalseRoutesOrPorts() {
        let p = PinnedFacts.extract(from: "Divide weight / (height in metres) and show km/h and/or mph. Support 2 ports.")
        XCTAssertEqual(p.routes, [])
        XCTAssertNil(p.port)
        XCTAssertEqual(p.fieldNames, [])
    }
}
