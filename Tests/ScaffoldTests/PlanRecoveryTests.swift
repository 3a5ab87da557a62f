import XCTest
@testable import Scaffold

/// What the tool keeps of a plan answer that is broken in the ways small models break it: cut short
/// in a loop, of the wrong kind, without the form it asked for.
final class PlanRecoveryTests: XCTestCase {
    func testTruncatedObjectIsClosedAfterItsLastCompleteValue() throws {
        let answer = """
        ```json
        {"name": "Loan Helper", "kind": "wtforms", "files": ["app.py", "forms.py"], "examples": [
          {"route": "/", "given": {"amount": 1}, "expect": ["x"]},
          {"route": "/", "given": {"amount": 1}, "expect": ["x"]},
          {"route": "/", "given": {"amo
        """
        let json = try XCTUnwrap(PlanBuilder.extractJSON(answer))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual(object["name"] as? String, "Loan Helper")
        XCTAssertEqual((object["examples"] as? [Any])?.count, 2)
        XCTAssertEqual((object["files"] as? [String]) ?? [], ["app.py", "forms.py"])
    }

    func testNothingCompleteMeansNoObject() {
        XCTAssertNil(PlanBuilder.extractJSON("```json\n{\"name\": \"Half"))
    }

    func testCompleteObjectIsTakenAsWritten() throws {
        let json = try XCTUnwrap(PlanBuilder.extractJSON("Here: {\"a\": [1, 2], \"b\": {\"c\": \"}\"}} and more {"))
        XCTAssertEqual(json, "{\"a\": [1, 2], \"b\": {\"c\": \"}\"}}")
    }

    /// Two ways of asking for a server-side form; the model answers with a JSON API of three routes.
    let formRequests = [
        "Build a Flask page on port 5321 where I type a length and a width into a form and, after submitting, the server shows the area. No JavaScript.",
        "flask app w/ a WTForms form: enter length + width, submit, page shows area. port 5321",
    ]

    func testModelKindThatContradictsTheDescriptionIsReplacedAndItsParametersBecomeFields() throws {
        let answer = """
        {"name": "Area Thing", "kind": "json-api", "port": 5000, "files": ["app.py"],
         "routes": [{"method": "GET", "path": "/area", "query": ["length", "width"]}, {"method": "PUT", "path": "/other", "query": []}],
         "forms": [], "params": [{"route": "/area", "name": "length", "in": "query", "type": "number"},
                                {"route": "/area", "name": "width", "in": "query", "type": "integer"}]}
        """
        for text in formRequests {
            let spec = ProjectSpec(description: text)
            let plan = try PlanBuilder.fromModelAnswer(answer, spec: spec)
            XCTAssertEqual(plan.kind, .wtforms, text)
            XCTAssertEqual(plan.port, 5321, text)
            XCTAssertEqual(plan.forms.first?.fields.map(\.name), ["length", "width"], text)
            XCTAssertEqual(plan.forms.first?.fields.map(\.type), ["FloatField", "IntegerField"], text)
            XCTAssertEqual(Set(plan.routes.map { "\($0.method) \($0.path)" }), ["GET /", "POST /"], text)
            XCTAssertTrue(plan.files.contains { $0.path == "forms.py" } && plan.files.contains { $0.path.hasPrefix("templates/") }, text)
            XCTAssertTrue(plan.notes.contains { $0.contains("json-api") }, text)
        }
    }

    /// A JSON API the model plans for a description the rules would serve as a page: the rules' page
    /// template is not added to it (a JSON API with a template is no valid plan, and the model's whole
    /// reading was lost to the rules).
    func testTheRulesPageIsNotAddedToTheModelsJSONAPI() throws {
        let answer = #"{"name": "Speed", "kind": "json-api", "port": 5000, "files": [{"path": "app.py", "purpose": "the API"}], "routes": [{"method": "GET", "path": "/speed", "purpose": "speed", "query": ["km", "hours"]}], "forms": [], "params": [], "pages": [], "examples": [], "errors": [], "storage": "none"}"#
        for text in ["GET /speed?km=K&hours=H gives back {\"kmh\": ...}; 400 when hours is 0",
                     "small flask thing: /speed?km=120&hours=2 should say the average speed (60)"] {
            let spec = ProjectSpec(description: text)
            let plan = try PlanBuilder.fromModelAnswer(answer, spec: spec)
            XCTAssertEqual(plan.kind, .jsonAPI, text)
            XCTAssertEqual(plan.files.map(\.path), ["app.py"], text)
            XCTAssertEqual(plan.source, "model", text)
        }
    }

    func testWithoutParametersTheRoutesQueryNamesBecomeFields() throws {
        let answer = #"{"kind": "single-file", "files": ["app.py"], "routes": [{"method": "POST", "path": "/calc", "query": ["length", "width"]}]}"#
        let plan = try PlanBuilder.fromModelAnswer(answer, spec: ProjectSpec(description: formRequests[0]))
        XCTAssertEqual(plan.forms.first?.fields.map(\.name), ["length", "width"])
        XCTAssertEqual(plan.forms.first?.fields.map(\.type), ["StringField", "StringField"])
    }

    func testRepetitionGuardStopsALoopButNotVariedText() {
        var loop = RepetitionGuard()
        let item = "    {\"route\": \"/x\", \"given\": {\"a\": 18.5, \"b\": 50}, \"expect\": [{\"id\": \"out\", \"type\": \"number\"}]},\n"
        var stopped = false
        for _ in 0..<10 where !stopped { for ch in item { if loop.append(String(ch)) { stopped = true; break } } }
        XCTAssertTrue(stopped)
        // what is kept ends at a line end, with one copy of the repeated item at most
        let kept = loop.textWithoutRepeats
        XCTAssertTrue(kept.hasSuffix("\n") && !kept.isEmpty)
        XCTAssertLessThanOrEqual(kept.components(separatedBy: item).count - 1, 1, kept)

        var code = RepetitionGuard()
        let head = "def check(values):\n    if not values:\n        return 1\n"
        let repeated = "    if not all(isinstance(v, (int, float)) for v in values):\n        return jsonify({\"error\": \"must be numbers\"}), 400\n"
        var text = head
        for _ in 0..<4 { text += repeated }
        text += "    if not all(isinstance(v, (int, float)) for v in values):\n        return jsonify({\"error\": \"must be"
        var cut = false
        for ch in text where !cut { cut = code.append(String(ch)) }
        XCTAssertTrue(cut)
        XCTAssertTrue(code.textWithoutRepeats.hasPrefix(head) && code.textWithoutRepeats.hasSuffix("\n"), code.textWithoutRepeats)
        XCTAssertFalse(code.textWithoutRepeats.hasSuffix("\"must be"), "never cut inside a string")

        var varied = RepetitionGuard()
        var fired = false
        for i in 0..<60 {
            let line = "    <option value=\"\(i)\">Choice number \(i) of the list of many similar choices here</option>\n"
            for ch in line where varied.append(String(ch)) { fired = true }
        }
        XCTAssertFalse(fired)
    }
}

/// Validators a description writes for form fields, in several phrasings.
final class FormValidatorsTests: XCTestCase {
    let fields = ["nickname", "mail", "secret", "secret_again"]

    func testCallsBelongToTheFieldTheirClauseIsAbout() {
        let phrasings = [
            "Fields: nickname uses Length(min=2, max=12); mail must be valid, using the Email validator; secret needs Length(min=6); secret_again must match secret, with EqualTo(\"secret\", message=\"No match.\").",
            "nickname -> Length(min=2, max=12)\nmail -> Email validator\nsecret -> Length(min=6)\nsecret_again is secret typed again: EqualTo(\"secret\", message=\"No match.\")",
        ]
        for text in phrasings {
            let v = FormValidators.written(in: text, fields: fields)
            XCTAssertEqual(v["nickname"], ["Length(min=2, max=12)"], text)
            XCTAssertEqual(v["mail"], ["Email()"], text)
            XCTAssertEqual(v["secret"], ["Length(min=6)"], text)
            XCTAssertEqual(v["secret_again"], ["EqualTo(\"secret\", message=\"No match.\")"], text)
        }
    }

    func testWordsThatAreNotValidatorsAreIgnored() {
        let v = FormValidators.written(in: "The nickname should have a length of at least 2 and the mail an email address.", fields: fields)
        XCTAssertTrue(v.isEmpty, "\(v)")
    }
}

/// A number parameter's bound, from what the stated behaviour expects refused and answered.
final class ParameterBoundTests: XCTestCase {
    func check(_ url: String, _ status: [Int]) -> BehaviourCheck { BehaviourCheck(method: "GET", url: url, status: status, source: "") }
    let route = PlannedRoute(method: "GET", path: "/speed", purpose: "", query: ["km", "hours"])

    func testNegativeRefusedZeroAnsweredIsBelowZero() {
        let checks = [check("/speed?km=-2&hours=1", [400]), check("/speed?km=0&hours=1", [200]), check("/speed?km=12&hours=1", [200])]
        XCTAssertEqual(RouteCompletion.lowerBound("km", route: route, checks: checks), "< 0")
        XCTAssertNil(RouteCompletion.lowerBound("hours", route: route, checks: checks), "hours only ever answered")
        let head = RouteCompletion.head(route, contract: Contract(port: 5000, endpoints: [Contract.Endpoint(method: "GET", path: "/speed",
            params: [Contract.Param(name: "km", location: "query", type: .number, origin: .description)], returns: [], origin: .description)]),
            taken: [], checks: checks)
        XCTAssertTrue(head.contains("    if km < 0:\n        return jsonify({\"error\": \"km must not be negative\"}), 400"), head)
    }

    func testZeroRefusedIsAtMostZero() {
        let checks = [check("/speed?hours=0&km=1", [422]), check("/speed?hours=-1&km=1", [400, 422]), check("/speed?hours=0.5&km=1", [200])]
        XCTAssertEqual(RouteCompletion.lowerBound("hours", route: route, checks: checks), "<= 0")
    }

    func testNoBoundWhenTheStatementsDoNotSeparateAtZero() {
        XCTAssertNil(RouteCompletion.lowerBound("km", route: route, checks: [check("/speed?km=5&hours=1", [400]), check("/speed?km=2&hours=1", [200])]))
        XCTAssertNil(RouteCompletion.lowerBound("km", route: route, checks: [check("/speed?km=-1&hours=1", [400])]))
        XCTAssertNil(RouteCompletion.lowerBound("km", route: route, checks: [check("/other?km=-1", [400]), check("/other?km=1", [200])]))
    }
}

/// A POST route's JSON body, read and type-checked by the tool-written head.
final class JSONBodyHeadTests: XCTestCase {
    func testTypedBodyValuesAreReadAndChecked() {
        let route = PlannedRoute(method: "POST", path: "/average", purpose: "", query: [])
        let contract = Contract(port: 5000, endpoints: [Contract.Endpoint(method: "POST", path: "/average", params: [
            Contract.Param(name: "values", location: "json", type: .list, origin: .model),
            Contract.Param(name: "data", location: "json", type: .integer, origin: .model),
            Contract.Param(name: "note", location: "json", type: nil, origin: .model),
        ], returns: [], origin: .description)], errors: [Contract.StatedError(route: "/average", given: [:], status: 422, origin: .description)])
        let head = RouteCompletion.head(route, contract: contract, taken: [])
        XCTAssertTrue(head.contains("    data = request.get_json(silent=True)\n    if not isinstance(data, dict):\n        return jsonify({\"error\": \"the body must be a JSON object\"}), 422"), head)
        XCTAssertTrue(head.contains("    values = data.get(\"values\")\n    if not (isinstance(values, list)):"), head)
        XCTAssertTrue(head.contains("    data_value = data.get(\"data\")\n    if not (isinstance(data_value, int) and not isinstance(data_value, bool)):"), head)
        XCTAssertFalse(head.contains("note"), "an untyped value is the model's to read")
        XCTAssertEqual(RouteCompletion.jsonBody(PlannedRoute(method: "GET", path: "/average", purpose: ""), contract: contract), [])
    }
}

/// A page that computes in the browser: the model's extra routes and pages do not turn it into a
/// page that asks the server.
final class BrowserPageTests: XCTestCase {
    let phrasings = [
        "A Flask page on port 5233 that converts litres to gallons in JavaScript, in the browser. GET / returns the page with <input id=\"litres\">, a <button id=\"convert\"> and <div id=\"gallons\">. No request goes to the server.",
        "flask page, port 5233, JS only: <input id=\"litres\"> + <button id=\"convert\"> -> shows gallons in <div id=\"gallons\">. GET / serves it",
    ]
    let answer = """
    {"kind": "jinja-pages", "files": ["app.py", "templates/index.html"],
     "routes": [{"method": "GET", "path": "/", "query": ["litres"]}, {"method": "GET", "path": "/convert", "query": ["litres"]}],
     "pages": [{"path": "/", "inputs": [{"id": "litres"}], "button": "Convert", "outputs": ["gallons"]},
               {"path": "/convert", "heading": "Result", "inputs": [{"id": "litres"}], "outputs": ["gallons"]}]}
    """

    func testQueryParametersTheDescriptionNeverWritesAreDropped() throws {
        for text in phrasings {
            let spec = ProjectSpec(description: text)
            let plan = try PlanBuilder.fromModelAnswer(answer, spec: spec)
            XCTAssertEqual(plan.routes.first { $0.path == "/" }?.query, [], text)
            let contract = ContractReader.merge(ContractReader.explicit(spec, plan: plan), answer: answer, spec: spec, plan: plan)
            XCTAssertEqual(contract.pages.map(\.path), ["/"], text)
            XCTAssertNil(contract.pages.first?.calls, text)
            XCTAssertTrue(contract.dropped.contains { $0.contains("/convert") }, "\(contract.dropped)")
            XCTAssertFalse(contract.refine(plan).routes.contains { $0.path == "/convert" }, text)
        }
    }
}

/// A server-rendered page with a search box: no methods the description never writes, and the page
/// does not ask its route in the browser.
final class ServerPageTests: XCTestCase {
    func testInventedMethodsAreDroppedAndThePageIsNotWiredToFetch() throws {
        let phrasings = [
            "Make a Flask page on port 5311 listing these cities: Oslo, Lima, Kyoto. The home page has a text box named term; submitting goes to /find?term=... and shows only the matching cities.",
            "flask site port 5311, home page w/ a box called term, /find?term=x lists the cities (Oslo, Lima, Kyoto) containing x",
        ]
        let answer = """
        {"kind": "jinja-pages", "files": ["app.py", "templates/index.html"],
         "routes": [{"method": "GET", "path": "/"}, {"method": "GET", "path": "/find", "query": ["term"]},
                    {"method": "POST", "path": "/find"}, {"method": "DELETE", "path": "/find"}],
         "pages": [{"path": "/", "inputs": [{"id": "term"}], "button": "Find", "outputs": ["list"]}]}
        """
        for text in phrasings {
            let spec = ProjectSpec(description: text)
            let plan = try PlanBuilder.fromModelAnswer(answer, spec: spec)
            XCTAssertEqual(Set(plan.routes.map(\.method)), ["GET"], text)
            let contract = ContractReader.merge(ContractReader.explicit(spec, plan: plan), answer: answer, spec: spec, plan: plan)
            XCTAssertNil(contract.pages.first { $0.path == "/" }?.calls, text)
            // the page sends its box to the route instead: verification asks for the GET form
            XCTAssertEqual(contract.submissions(kind: plan.kind, wantsJavaScript: spec.pinned.wantsJavaScript),
                           [PageSubmission(page: "/", route: "/find", names: ["term"])], text)
        }
    }

    /// A route the model adds beside the description's, the same path under another prefix, goes,
    /// unless the description writes it too.
    func testTheDescriptionsRouteUnderAnotherPrefixIsNotPlannedTwice() throws {
        let phrasings = [
            "A flask app on port 5312 with a page whose script fetches GET /api/planets?limit=N (N from 1 to 8) and lists the planets it answers.",
            "flask, port 5312: json endpoint /api/planets?limit=3 gives the first planets; the page shows them with js fetch",
        ]
        let answer = """
        {"kind": "single-file", "files": ["app.py"],
         "routes": [{"method": "GET", "path": "/"}, {"method": "GET", "path": "/planets", "query": ["limit"]},
                    {"method": "GET", "path": "/api/planets", "query": ["limit"]}]}
        """
        for text in phrasings {
            let plan = try PlanBuilder.fromModelAnswer(answer, spec: ProjectSpec(description: text))
            let paths = plan.routes.map(\.path)
            XCTAssertFalse(paths.contains("/planets"), "\(text): \(paths)")
            XCTAssertTrue(paths.contains("/api/planets"), "\(text): \(paths)")
            let written = try PlanBuilder.fromModelAnswer(answer, spec: ProjectSpec(description: text + " The page itself is also at /planets."))
            XCTAssertTrue(written.routes.contains { $0.path == "/planets" }, "the description writes /planets: it stays")
        }
        XCTAssertTrue(PlanBuilder.sameRouteUnderAnotherPrefix("/v2/notes/<id>", "/notes/<id>"))
        XCTAssertFalse(PlanBuilder.sameRouteUnderAnotherPrefix("/notes", "/notes/<id>"))
        XCTAssertFalse(PlanBuilder.sameRouteUnderAnotherPrefix("/api/<id>", "/<id>"))
    }
}
