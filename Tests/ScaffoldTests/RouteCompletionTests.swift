import Foundation
import XCTest
@testable import Scaffold

/// Routes the plan has and app.py lacks: the tool finds them, writes their declaration and the
/// typed reading of their query parameters, and puts the model's view into app.py. Then the page
/// that asks those routes: page_sim.js answers its fetch / XMLHttpRequest requests from a map, and
/// verify_app.py's `run_page_checks` answers them from the app itself.
final class RouteCompletionTests: XCTestCase {
    func route(_ method: String, _ path: String, _ query: [String] = []) -> PlannedRoute {
        PlannedRoute(method: method, path: path, purpose: "as the description says", query: query)
    }

    func plan(_ routes: [PlannedRoute]) -> ProjectPlan {
        ProjectPlan(kind: .jsonAPI, port: 5000, files: [PlannedFile(path: "app.py", purpose: "the API")], routes: routes)
    }

    func contract(_ params: [Contract.Param], path: String, errors: [Contract.StatedError] = []) -> Contract {
        Contract(port: 5000, endpoints: [Contract.Endpoint(method: "GET", path: path, params: params, returns: [], origin: .description)], errors: errors)
    }

    func query(_ name: String, _ type: Contract.ValueType?) -> Contract.Param {
        Contract.Param(name: name, location: "query", type: type, origin: .description)
    }

    let appSource = """
    from flask import Flask, jsonify, request

    app = Flask(__name__)
    bp = Blueprint("extra", __name__)


    @app.route("/x", methods=["GET","POST"])
    def x():
        return jsonify({"ok": True})


    @app.get("/y/<int:id>")
    def y(id):
        return jsonify({"id": id})


    @bp.route('/z')
    def z():
        return "z"
    """

    // MARK: - what app.py declares

    func testDeclaredRoutes() {
        let declared = RouteCompletion.declared(in: appSource).map { "\($0.method) \($0.path)" }
        XCTAssertEqual(declared, ["GET /x", "POST /x", "GET /y/<>", "GET /z"])
        XCTAssertEqual(RouteCompletion.declared(in: "@app.delete(\"/lists/<list_id>\")\n@app.route(r'/dice', methods=['post'])").map { "\($0.method) \($0.path)" },
                       ["DELETE /lists/<>", "POST /dice"])
        XCTAssertEqual(RouteCompletion.declared(in: "app.add_url_rule('/w', view_func=w)").count, 0)
    }

    func testMissingRoutes() {
        let p = plan([route("GET", "/x"), route("POST", "/x"), route("GET", "/y/<item_id>"), route("DELETE", "/y/<int:item_id>"), route("GET", "/w"), route("GET", "/z")])
        XCTAssertEqual(RouteCompletion.missing(p, source: appSource).map { "\($0.method) \($0.path)" }, ["DELETE /y/<int:item_id>", "GET /w"])
        XCTAssertEqual(RouteCompletion.missing(p, source: "").count, 6)
    }

    // MARK: - the declaration

    func testFunctionNames() {
        XCTAssertEqual(RouteCompletion.functionName(route("GET", "/"), taken: []), "index")
        XCTAssertEqual(RouteCompletion.functionName(route("GET", "/unit-price"), taken: []), "unit_price")
        XCTAssertEqual(RouteCompletion.functionName(route("GET", "/api/dice/roll"), taken: []), "api_dice_roll")
        XCTAssertEqual(RouteCompletion.functionName(route("GET", "/lists/<int:list_id>"), taken: []), "lists_item")
        XCTAssertEqual(RouteCompletion.functionName(route("PUT", "/lists/<int:list_id>"), taken: []), "put_lists_item")
        XCTAssertEqual(RouteCompletion.functionName(route("POST", "/lists"), taken: []), "post_lists")
        XCTAssertEqual(RouteCompletion.functionName(route("GET", "/2024/report"), taken: []), "route_2024_report")
        // no clash with functions app.py already has
        XCTAssertEqual(RouteCompletion.functionName(route("GET", "/lists"), taken: ["lists"]), "get_lists")
        XCTAssertEqual(RouteCompletion.functionName(route("GET", "/lists"), taken: ["lists", "get_lists"]), "get_lists_2")
        XCTAssertEqual(RouteCompletion.functionName(route("GET", "/lists"), taken: ["lists", "get_lists", "get_lists_2"]), "get_lists_3")
        XCTAssertEqual(RouteCompletion.functionName(route("GET", "/"), taken: ["index"]), "get_index")
    }

    func testHeadReadsANumberQueryParameter() {
        let head = RouteCompletion.head(route("GET", "/api/miles", ["km"]), contract: contract([query("km", .number)], path: "/api/miles"), taken: [])
        XCTAssertEqual(head, """
        @app.route("/api/miles", methods=["GET"])
        def api_miles():
            try:
                km = float(request.args["km"])
            except (KeyError, ValueError):
                return jsonify({"error": "km is missing or not valid"}), 400
            if not math.isfinite(km):
                return jsonify({"error": "km is not a number"}), 400

        """)
    }

    func testHeadReadsIntegerDateAndTextParametersAndPathParameters() {
        let c = Contract(port: 5000, endpoints: [
            Contract.Endpoint(method: "GET", path: "/api/rolls/<int:roll_id>",
                              params: [query("sides", .integer), query("day", .date), query("word", .string), query("request", nil),
                                       Contract.Param(name: "roll_id", location: "path", type: .integer, origin: .description)],
                              returns: [], origin: .description),
        ])
        let head = RouteCompletion.head(route("GET", "/api/rolls/<int:roll_id>", ["sides", "day", "word", "request", "max-count"]), contract: c, taken: ["api_rolls_item"])
        XCTAssertEqual(head.components(separatedBy: "\n"), [
            "@app.route(\"/api/rolls/<int:roll_id>\", methods=[\"GET\"])",
            "def get_api_rolls_item(roll_id):",
            "    try:",
            "        sides = int(request.args[\"sides\"])",
            "    except (KeyError, ValueError):",
            "        return jsonify({\"error\": \"sides is missing or not valid\"}), 400",
            "    try:",
            "        day = date.fromisoformat(request.args[\"day\"])",
            "    except (KeyError, ValueError):",
            "        return jsonify({\"error\": \"day is missing or not valid\"}), 400",
            "    word = request.args.get(\"word\", \"\")",
            "    request_value = request.args.get(\"request\", \"\")",
            "    maxcount_value = request.args.get(\"max-count\", \"\")",
            "",
        ])
        // without a contract every parameter is text
        XCTAssertEqual(RouteCompletion.head(route("POST", "/api/reverse", ["word"]), contract: nil, taken: []),
                       "@app.route(\"/api/reverse\", methods=[\"POST\"])\ndef post_api_reverse():\n    word = request.args.get(\"word\", \"\")\n")
    }

    func testHeadUsesTheStatusTheContractStatesForThatRoute() {
        let errors = [Contract.StatedError(route: "/api/other", given: ["n": "x"], status: 418, origin: .model),
                      Contract.StatedError(route: "/api/unit-price", given: ["grams": "lots"], status: 422, origin: .model)]
        let head = RouteCompletion.head(route("GET", "/api/unit-price", ["grams"]),
                                        contract: contract([query("grams", .number)], path: "/api/unit-price", errors: errors), taken: [])
        XCTAssertTrue(head.contains("        return jsonify({\"error\": \"grams is missing or not valid\"}), 422\n"), head)
        XCTAssertTrue(head.contains("        return jsonify({\"error\": \"grams is not a number\"}), 422\n"), head)
        XCTAssertFalse(head.contains("400"), head)
        XCTAssertFalse(head.contains("418"), head)
    }

    /// A contract without errors (a rule-based plan) still refuses with the status the stated behaviour
    /// expects, when every refusal of that route agrees on one; the default 400 otherwise.
    func testHeadUsesTheStatusTheStatedRefusalsAgreeOn() {
        let r = route("GET", "/speed", ["km"])
        let c = contract([query("km", .number)], path: "/speed", errors: [])
        func check(_ url: String, _ status: [Int]) -> BehaviourCheck { BehaviourCheck(method: "GET", url: url, status: status, source: "stated") }
        let agreeing = [check("/speed?km=abc", [409]), check("/speed?km=-1", [409]), check("/speed?km=3", [200]), check("/other?km=x", [418])]
        let head = RouteCompletion.head(r, contract: c, taken: [], checks: agreeing)
        XCTAssertTrue(head.contains("\"km is missing or not valid\"}), 409\n"), head)
        XCTAssertFalse(head.contains("400") || head.contains("418"), head)
        // refusals that disagree, or a 404 for an unknown thing, decide nothing
        for checks in [[check("/speed?km=abc", [409]), check("/speed?km=-1", [422])], [check("/speed?km=abc", [404])], []] {
            let h = RouteCompletion.head(r, contract: c, taken: [], checks: checks)
            XCTAssertTrue(h.contains("\"km is missing or not valid\"}), 400\n"), h)
        }
    }

    /// The checks accept an error's route written with its method or a query ("GET /api/x",
    /// "/api/x?n=abc"), as models write it; the head only takes the status of an exact path, so the
    /// tool's own 400 contradicts the check the contract makes.
    func testHeadUsesTheStatusOfAnErrorWhoseRouteHasItsMethodOrQuery() {
        for r in ["GET /api/unit-price", "/api/unit-price?grams=lots"] {
            var c = contract([query("grams", .number)], path: "/api/unit-price",
                             errors: [Contract.StatedError(route: r, given: ["grams": "lots"], status: 422, origin: .model)])
            let checks = c.behaviourChecks(existing: [])
            XCTAssertEqual(checks.map(\.url), ["/api/unit-price?grams=lots"], r)
            XCTAssertEqual(checks.map(\.status), [[422]], r)
            let head = RouteCompletion.head(route("GET", "/api/unit-price", ["grams"]), contract: c, taken: [])
            XCTAssertTrue(head.contains("\"grams is missing or not valid\"}), 422\n"), "\(r): \(head)")
        }
    }

    /// A body value the contract types as a list of numbers: the head refuses a body whose list holds
    /// anything else, and lets a list of numbers through (run in Flask).
    func testHeadChecksTheItemsOfAListInTheBody() throws {
        let home = ProcessInfo.processInfo.environment["DEEPCODER_HOME"] ?? "/root/.cache/deepcoder"
        let python = "\(home)/venv/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else { throw XCTSkip("no verification venv at \(python)") }
        let c = Contract(port: 5000, endpoints: [Contract.Endpoint(method: "POST", path: "/api/total", params: [
            Contract.Param(name: "amounts", location: "json", type: .list, items: .number, origin: .description)], returns: [], origin: .description)])
        let head = RouteCompletion.head(route("POST", "/api/total"), contract: c, taken: [])
        let script = """
        import json, math
        from datetime import date
        from flask import Flask, jsonify, request
        app = Flask(__name__)
        \(head)    return jsonify({"total": sum(amounts)})

        client = app.test_client()
        out = []
        for body in [{"amounts": [1, 2.5]}, {"amounts": [1, "2"]}, {"amounts": [True]}, {"amounts": 3}, [1, 2], {"other": [1]}]:
            r = client.post("/api/total", json=body)
            out.append(r.status_code)
        print(json.dumps(out))
        """
        let out = try run(python, ["-c", script], stdin: "")
        XCTAssertEqual(out.trimmingCharacters(in: .whitespacesAndNewlines), "[200, 400, 400, 400, 400, 400]", head)
    }

    /// The name is made unique before its trailing "_" is trimmed: `/api/x-` becomes `api_x`, the
    /// name app.py already uses (Flask refuses two views of one endpoint name).
    func testFunctionNameOfATrailingDashDoesNotClash() {
        XCTAssertEqual(RouteCompletion.functionName(route("GET", "/api/x-"), taken: ["api_x"]), "get_api_x")
    }

    // MARK: - the view in app.py

    let view = "@app.route(\"/api/roll\", methods=[\"GET\"])\ndef api_roll():\n    return jsonify({\"roll\": 4})\n"

    func testInsertPutsTheViewBeforeTheMainBlock() {
        let source = "from flask import Flask, jsonify\n\napp = Flask(__name__)\n\n\n@app.route(\"/\")\ndef index():\n    return \"dice\"\n\n\n\nif __name__ == \"__main__\":\n    app.run(port=5000)\n"
        XCTAssertEqual(RouteCompletion.insert(view, into: source),
                       "from flask import Flask, jsonify\n\napp = Flask(__name__)\n\n\n@app.route(\"/\")\ndef index():\n    return \"dice\"\n\n\n"
                       + "@app.route(\"/api/roll\", methods=[\"GET\"])\ndef api_roll():\n    return jsonify({\"roll\": 4})\n\n\n"
                       + "if __name__ == \"__main__\":\n    app.run(port=5000)\n")
        // never three blank lines in a row anywhere
        XCTAssertFalse(RouteCompletion.insert(view, into: source).contains("\n\n\n\n"))
    }

    func testInsertAppendsWhenThereIsNoMainBlock() {
        XCTAssertEqual(RouteCompletion.insert(view, into: "from flask import Flask, jsonify\napp = Flask(__name__)\n\n\n"),
                       "from flask import Flask, jsonify\napp = Flask(__name__)\n\n\n@app.route(\"/api/roll\", methods=[\"GET\"])\ndef api_roll():\n    return jsonify({\"roll\": 4})\n\n")
    }

    func testViewFromAnswerStopsAtTheNextTopLevelStatement() {
        let head = RouteCompletion.head(route("GET", "/api/miles", ["km"]), contract: contract([query("km", .number)], path: "/api/miles"), taken: [])
        let body = "    # one kilometre is 0.621371 miles\n    return jsonify({\"miles\": round(km * 0.621371, 2)})\n"
        let answer = "```python\n" + head + body + "\n\n@app.route(\"/api/feet\")\ndef feet():\n    return \"\"\n\nif __name__ == \"__main__\":\n    app.run()\n```\nThis view converts."
        XCTAssertEqual(RouteCompletion.view(fromAnswer: answer, head: head), head + body.trimmingCharacters(in: .newlines))
        // an answer without the fence (the prefill was continued directly)
        XCTAssertEqual(RouteCompletion.view(fromAnswer: head + body + "print('hi')\n", head: head), head + body.trimmingCharacters(in: .newlines))
    }

    func testViewFromAnswerIsNilWhenTheAnswerDoesNotContinueTheHead() {
        let head = RouteCompletion.head(route("GET", "/api/miles", ["km"]), contract: contract([query("km", .number)], path: "/api/miles"), taken: [])
        XCTAssertNil(RouteCompletion.view(fromAnswer: "```python\n@app.route(\"/api/miles\")\ndef miles():\n    return \"1\"\n```", head: head))
        XCTAssertNil(RouteCompletion.view(fromAnswer: "```python\n" + head + "```", head: head), "the head alone is no view")
        XCTAssertNil(RouteCompletion.view(fromAnswer: "```python\n" + head + "def other():\n    pass\n```", head: head), "no body before the next function")
    }

    // MARK: - the page asks the app: page_sim.js

    func nodePath() throws -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/node"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        throw XCTSkip("node is not installed")
    }

    func tool(_ name: String) throws -> URL {
        if let u = try? TemplateRenderer(overrideDirectory: nil).url(for: "tools/\(name)"), FileManager.default.fileExists(atPath: u.path) { return u }
        let u = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Templates/tools/\(name)")
        guard FileManager.default.fileExists(atPath: u.path) else { throw XCTSkip("Templates/tools/\(name) not found") }
        return u
    }

    func run(_ executable: String, _ arguments: [String], stdin: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let input = Pipe(), output = Pipe(), errors = Pipe()
        p.standardInput = input; p.standardOutput = output; p.standardError = errors
        try p.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, String(decoding: err, as: UTF8.self))
        return String(decoding: data, as: UTF8.self)
    }

    struct SimRun: Decodable { var texts: [String: String?]; var error: String?; var requests: [String] }
    struct SimOut: Decodable { var runs: [SimRun] }

    func simulate(html: String, script: String, inputs: [String: String], click: String, read: [String],
                  responses: [String: (Int, String)]) throws -> SimRun {
        var answers: [String: Any] = [:]
        for (u, r) in responses { answers[u] = ["status": r.0, "body": r.1] }
        let job: [String: Any] = ["html": html, "scripts": [script], "runs": [["inputs": inputs, "click": click, "read": read]], "responses": answers]
        let text = try run(try nodePath(), [try tool("page_sim.js").path], stdin: String(decoding: try JSONSerialization.data(withJSONObject: job), as: UTF8.self))
        let line = text.split(separator: "\n").last.map(String.init) ?? ""
        let out = try JSONDecoder().decode(SimOut.self, from: Data(line.utf8))
        return try XCTUnwrap(out.runs.first)
    }

    let milesHTML = "<!doctype html><html><body><h1>Km to miles</h1><input id=\"km\" type=\"number\"><button id=\"go\">Convert</button><p id=\"miles\"></p><p id=\"problem\"></p></body></html>"
    let milesFetch = """
    document.getElementById("go").addEventListener("click", function () {
      const km = document.getElementById("km").value;
      fetch("/api/miles?km=" + encodeURIComponent(km))
        .then(r => r.json())
        .then(d => { if (d.error) { document.getElementById("problem").textContent = d.error; } else { document.getElementById("miles").textContent = d.miles; } });
    });
    """

    func testFetchIsAnsweredFromTheResponses() throws {
        let r = try simulate(html: milesHTML, script: milesFetch, inputs: ["km": "8"], click: "go", read: ["miles", "problem"],
                             responses: ["/api/miles?km=8": (200, "{\"miles\": 4.97}")])
        XCTAssertNil(r.error)
        XCTAssertEqual(r.requests, ["/api/miles?km=8"])
        XCTAssertEqual(r.texts["miles"] ?? nil, "4.97")
        XCTAssertEqual(r.texts["problem"] ?? nil, "")
        // an error answer is shown as the page chooses
        let bad = try simulate(html: milesHTML, script: milesFetch, inputs: ["km": "-1"], click: "go", read: ["miles", "problem"],
                               responses: ["/api/miles?km=-1": (400, "{\"error\": \"km must not be negative\"}")])
        XCTAssertEqual(bad.texts["problem"] ?? nil, "km must not be negative")
        XCTAssertEqual(bad.texts["miles"] ?? nil, "")
    }

    func testFetchWithoutAResponseStaysEmptyAndIsListed() throws {
        let r = try simulate(html: milesHTML, script: milesFetch, inputs: ["km": "8"], click: "go", read: ["miles"],
                             responses: ["/api/miles?km=9": (200, "{\"miles\": 5.59}")])
        XCTAssertNil(r.error)
        XCTAssertEqual(r.requests, ["/api/miles?km=8"])
        XCTAssertEqual(r.texts["miles"] ?? nil, "")
    }

    func testXMLHttpRequestIsAnsweredFromTheResponses() throws {
        let html = "<html><body><input id=\"word\"><button id=\"flip\">Reverse</button><div id=\"out\"></div></body></html>"
        let script = """
        document.getElementById("flip").onclick = function () {
          var x = new XMLHttpRequest();
          x.open("GET", "/api/reverse?word=" + encodeURIComponent(document.getElementById("word").value));
          x.onload = function () { document.getElementById("out").textContent = JSON.parse(x.responseText).reversed + " (" + x.status + ")"; };
          x.send();
        };
        """
        let r = try simulate(html: html, script: script, inputs: ["word": "live on"], click: "flip", read: ["out"],
                             responses: ["/api/reverse?word=live%20on": (200, "{\"reversed\": \"no evil\"}")])
        XCTAssertNil(r.error)
        XCTAssertEqual(r.requests, ["/api/reverse?word=live%20on"])
        XCTAssertEqual(r.texts["out"] ?? nil, "no evil (200)")
        let unanswered = try simulate(html: html, script: script, inputs: ["word": "stop"], click: "flip", read: ["out"], responses: [:])
        XCTAssertEqual(unanswered.requests, ["/api/reverse?word=stop"])
        XCTAssertEqual(unanswered.texts["out"] ?? nil, "")
    }

    // MARK: - the page asks the app: run_page_checks answers from the Flask app

    func pageChecks(_ checks: String) throws -> (summary: String, ok: Bool, failures: String) {
        let home = ProcessInfo.processInfo.environment["DEEPCODER_HOME"] ?? "/root/.cache/deepcoder"
        let python = "\(home)/venv/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else { throw XCTSkip("no verification venv at \(python)") }
        let node = try nodePath()
        let sim = try tool("page_sim.js"), tools = try tool("verify_app.py").deletingLastPathComponent()
        let script = """
        import json, sys
        sys.path.insert(0, \(String(reflecting: tools.path)))
        import verify_app as v
        from flask import Flask, jsonify, request
        app = Flask(__name__)
        PAGE = \(String(reflecting: milesHTML.replacingOccurrences(of: "</body>", with: "<script>" + milesFetch + "</script></body>")))

        @app.get("/")
        def index():
            return PAGE

        @app.get("/api/miles")
        def miles():
            try:
                km = float(request.args["km"])
            except (KeyError, ValueError):
                return jsonify({"error": "km is not a number"}), 400
            return jsonify({"miles": round(km * 0.621371, 2)})

        summary = v.run_page_checks(\(String(reflecting: node)), app, json.loads(sys.stdin.read()), "templates/index.html", \(String(reflecting: sim.path)))
        print(json.dumps({"summary": summary, "ok": v.RESULT["ok"], "failures": json.dumps(v.RESULT["failures"])}))
        """
        let out = try run(python, ["-c", script], stdin: checks)
        struct R: Decodable { var summary: String; var ok: Bool; var failures: String }
        let r = try JSONDecoder().decode(R.self, from: Data((out.split(separator: "\n").last.map(String.init) ?? "").utf8))
        return (r.summary, r.ok, r.failures)
    }

    func testRunPageChecksAnswersThePagesRequestsFromTheApp() throws {
        let r = try pageChecks("""
        [{"inputs": {"km": "8"}, "click": "go", "shows": {"miles": ["4.97"]}, "hides": {"*": ["NaN"]}, "source": "km=8 shows 4.97", "allowsRequests": true},
         {"inputs": {"km": "abc"}, "click": "go", "shows": {}, "hides": {"miles": ["NaN"]}, "filled": ["problem"], "source": "junk shows an error", "allowsRequests": true}]
        """)
        XCTAssertEqual(r.summary, "2 of 2 stated uses of the page work", r.failures)
        XCTAssertTrue(r.ok, r.failures)
    }

    func testRunPageChecksFailsAPageThatMustNotAskTheApp() throws {
        let r = try pageChecks("""
        [{"inputs": {"km": "8"}, "click": "go", "shows": {"miles": ["4.97"]}, "hides": {}, "source": "km=8 shows 4.97"}]
        """)
        XCTAssertEqual(r.summary, "0 of 1 stated uses of the page work")
        XCTAssertFalse(r.ok)
        XCTAssertTrue(r.failures.contains("the script sent a request to the server (/api/miles?km=8); it must calculate in the browser"), r.failures)
        XCTAssertTrue(r.failures.contains("expected it to show \\\"4.97\\\""), r.failures)
    }

    /// A JSON API whose routes all answer GET with query parameters gets the tool's app.py; any other
    /// shape (a POST, a path parameter, a route without parameters) keeps the model's.
    func testJSONAPIOfQueryRoutesGetsTheToolsAppPy() {
        func plan(_ routes: [PlannedRoute]) -> ProjectPlan {
            ProjectPlan(kind: .jsonAPI, port: 5099, files: [PlannedFile(path: "app.py", purpose: "")], routes: routes)
        }
        let dice = PlannedRoute(method: "GET", path: "/roll", purpose: "", query: ["sides", "count"])
        let reverse = PlannedRoute(method: "GET", path: "/api/reverse", purpose: "", query: ["word"])
        XCTAssertEqual(AppSkeleton.choose(for: plan([dice, reverse])), .jsonRoutes)
        XCTAssertEqual(AppSkeleton.jsonRoutes.modelFiles(plan([dice])), [], "the model writes no whole file")
        XCTAssertEqual(AppSkeleton.choose(for: plan([dice, PlannedRoute(method: "POST", path: "/roll", purpose: "")])), AppSkeleton.none)
        XCTAssertEqual(AppSkeleton.choose(for: plan([PlannedRoute(method: "GET", path: "/rolls/<int:n>", purpose: "", query: ["x"])])), AppSkeleton.none)
        XCTAssertEqual(AppSkeleton.choose(for: plan([dice, PlannedRoute(method: "GET", path: "/health", purpose: "")])), AppSkeleton.none)
    }

    /// A query parameter named like a module app.py imports gets another variable name.
    func testParsedVariableNeverHidesAModule() {
        let contract = Contract(port: 5099, endpoints: [Contract.Endpoint(method: "GET", path: "/weekday-of", params: [
            Contract.Param(name: "date", location: "query", type: .date, origin: .description),
            Contract.Param(name: "math", location: "query", type: .number, origin: .description)], returns: [], origin: .description)])
        let head = RouteCompletion.head(PlannedRoute(method: "GET", path: "/weekday-of", purpose: "", query: ["date", "math"]),
                                        contract: contract, taken: [])
        XCTAssertTrue(head.contains("        date_value = date.fromisoformat(request.args[\"date\"])\n"), head)
        XCTAssertTrue(head.contains("        math_value = float(request.args[\"math\"])\n"), head)
        XCTAssertTrue(head.contains("    if not math.isfinite(math_value):\n"), head)
        XCTAssertFalse(head.contains(" date = "), head)
    }
}
