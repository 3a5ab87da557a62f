import Foundation
import XCTest
@testable import Scaffold

final class PlanTests: XCTestCase {
    func spec(_ name: String) throws -> ProjectSpec { try BehaviourTests.spec(name) }

    /// A casual request names its port without the word: "flask on 5071", "runs on 8080", "localhost:5050".
    func testACasualPortIsRead() {
        XCTAssertEqual(ProjectSpec(description: "flask on 5071, a page that greets people").pinned.port, 5071)
        XCTAssertEqual(ProjectSpec(description: "a tiny flask app that runs on 8080 and shows the time").pinned.port, 8080)
        XCTAssertEqual(ProjectSpec(description: "Make me a notes site, I open it at localhost:5050.").pinned.port, 5050)
        XCTAssertEqual(ProjectSpec(description: "A Flask app on port 5073, listening on 8080 is wrong").pinned.port, 5073, "the word port wins")
        XCTAssertNil(ProjectSpec(description: "a flask app that lists the events on 2024-05-01").pinned.port, "a date is no port")
        XCTAssertNil(ProjectSpec(description: "a page that sums numbers on 100 rows").pinned.port)
    }

    func testPinnedFactsOfAnAPISpec() throws {
        for name in BehaviourTests.cube {
            let s = try spec(name)
            XCTAssertEqual(s.pinned.port, 5083, name)
            XCTAssertEqual(s.pinned.routes, [PinnedRoute(method: "GET", path: "/cube", query: ["edge"])], name)
            XCTAssertEqual(Set(s.pinned.jsonKeys), ["edge", "volume", "error"], name)
            let plan = PlanBuilder.ruleBased(s)
            XCTAssertEqual(plan.kind, .jsonAPI, name)
            XCTAssertEqual(plan.files.map(\.path), ["app.py"], name)
            XCTAssertNoThrow(try PlanBuilder.validate(plan), name)
        }
    }

    /// Every URL of a route the description writes adds its query parameters, not only the first one.
    func testLaterURLsOfARouteAddTheirQueryParameters() throws {
        let descriptions = [
            "A flask site on port 6120 for browsing songs. Typing in the box goes to /songs?artist=... and a second page of results is /songs?artist=abba&offset=20.",
            "flask app, port 6120: GET /songs?artist=<text> lists songs by that artist; e.g. /songs?artist=queen&offset=40 skips the first forty",
            "Make a song list with Flask at port 6120. The list lives at /songs?artist=x, and /songs?artist=x&offset=10&limit=5 pages through it.",
        ]
        for d in descriptions {
            let facts = PinnedFacts.extract(from: d)
            let route = try XCTUnwrap(facts.routes.first { $0.path == "/songs" }, d)
            XCTAssertTrue(route.query.contains("artist"), d)
            XCTAssertTrue(route.query.contains("offset"), d)
            XCTAssertEqual(facts.routes.filter { $0.path == "/songs" }.count, 1, d)
            XCTAssertEqual(ContractReader.explicitTypes(d)["offset"], .number, d)
        }
    }

    func testWTFormsSpec() throws {
        for name in BehaviourTests.fuel {
            let s = try spec(name)
            XCTAssertEqual(s.pinned.port, 5086, name)
            XCTAssertEqual(s.pinned.fieldNames, ["distance", "fuel"], name)
            let plan = PlanBuilder.ruleBased(s)
            XCTAssertEqual(plan.kind, .wtforms, name)
            XCTAssertEqual(Set(plan.files.map(\.path)), ["app.py", "forms.py", "templates/index.html"], name)
            XCTAssertEqual(plan.forms.first?.fields.map(\.name), ["distance", "fuel"], name)
            XCTAssertEqual(plan.forms.first?.fields.map(\.type), ["FloatField", "FloatField"], name)
            XCTAssertTrue(plan.routes.contains { $0.method == "POST" && $0.path == "/" }, name)
            XCTAssertTrue(plan.routes.contains { $0.method == "GET" && $0.path == "/" }, name)
            XCTAssertEqual(plan.generatedFiles.map(\.path), ["forms.py", "app.py", "templates/index.html"], name)
            XCTAssertNoThrow(try PlanBuilder.validate(plan), name)
        }
        // the message is an exact text (`is exactly "…"`, `the error reads "…"`, `with the error "…"`), and so is the format
        for name in BehaviourTests.fuel {
            XCTAssertEqual(try spec(name).pinned.exactTexts, ["Consumption: 6.4 L/100 km", "Enter a value above zero."], name)
        }
    }

    func testEmbeddedJavaScriptSpec() throws {
        for name in PageBehaviourTests.miles {
            let s = try spec(name)
            XCTAssertEqual(s.pinned.port, 5088, name)
            XCTAssertEqual(Set(s.pinned.elementIDs), ["miles", "convert", "km"], name)
            XCTAssertTrue(s.pinned.wantsJavaScript && s.pinned.wantsEmbedded, name)
            let plan = PlanBuilder.ruleBased(s)
            XCTAssertEqual(plan.kind, .singleFile, name)
            XCTAssertEqual(plan.files.map(\.path), ["app.py"], name)
            XCTAssertEqual(plan.routes.first?.path, "/", name)
        }
    }

    func testJavaScriptPageSpec() throws {
        for name in PageBehaviourTests.discount {
            let s = try spec(name)
            XCTAssertEqual(s.pinned.port, 5089, name)
            XCTAssertEqual(Set(s.pinned.elementIDs), ["price", "discount-rate", "quantity", "apply", "saving", "to-pay", "per-item", "problem"], name)
            let plan = PlanBuilder.ruleBased(s)
            XCTAssertEqual(plan.kind, .jinjaPages, name)
            XCTAssertEqual(plan.files.map(\.path), ["app.py", "templates/index.html"], name)
        }
    }

    func testRESTSpec() throws {
        for name in BehaviourTests.bookmarks {
            let s = try spec(name)
            XCTAssertEqual(s.pinned.port, 5092, name)
            let routes = Set(s.pinned.routes.map { "\($0.method) \($0.path)" })
            XCTAssertEqual(routes, ["GET /bookmarks", "POST /bookmarks", "GET /bookmarks/<id>", "PUT /bookmarks/<id>", "DELETE /bookmarks/<id>"], name)
            let plan = PlanBuilder.ruleBased(s)
            XCTAssertEqual(plan.kind, .jsonAPI, name)
            // probes create before they read, and give the body the pinned keys
            // sample values come from the types the description's syntax gives ("starred": <boolean>), not from names
            let probes = Probes.make(for: plan, types: ContractReader.explicitTypes(s.description))
            XCTAssertEqual(probes.first?.method, "POST", name)
            XCTAssertEqual(probes.first?.json?["url"], .string("sample text"), name)
            XCTAssertEqual(probes.first?.json?["starred"], .bool(false), name)
            XCTAssertNil(probes.first?.json?["id"], "the server gives the id")
            XCTAssertEqual(Probes.make(for: plan).first?.json?["starred"], .string("sample text"), "without a type, the name decides nothing")
            XCTAssertEqual(probes.first(where: { $0.routePath == "/bookmarks/<id>" && $0.method == "GET" })?.url, "/bookmarks/1", name)
        }
    }

    func testOtherSpecs() throws {
        for name in ["signup_form", "signup_form_casual"] {
            let c = try spec(name)
            XCTAssertEqual(c.pinned.port, 5095, name)
            XCTAssertEqual(c.pinned.fieldNames, ["nickname", "address"], name)
            let cp = PlanBuilder.ruleBased(c)
            XCTAssertEqual(cp.kind, .wtforms, name)
            // no type from a field's name: the model's plan decides where the description says nothing
            XCTAssertEqual(cp.forms.first?.fields.map(\.type), ["StringField", "StringField"], name)
        }
        // `show "…"`, `just say "…"`
        for name in ["signup_form", "signup_form_casual"] {
            XCTAssertEqual(try spec(name).pinned.exactTexts, ["You are on the list."], name)
        }
        for name in ["unit_price_api", "unit_price_api_casual"] {
            let t = try spec(name)
            XCTAssertEqual(t.pinned.port, 5096, name)
            XCTAssertEqual(t.pinned.routes.map(\.path), ["/api/unit-price"], name)
            XCTAssertEqual(Set(t.pinned.jsonKeys), ["total", "count", "each"], name)
            XCTAssertEqual(PlanBuilder.ruleBased(t).kind, .jsonAPI, name)
        }
        // "POST /api/unit-price with {…}", "I POST {…} to /api/unit-price"
        for name in ["unit_price_api", "unit_price_api_casual"] {
            XCTAssertEqual(try spec(name).pinned.routes, [PinnedRoute(method: "POST", path: "/api/unit-price")], name)
        }
    }

    /// A route's method is the method written in the same clause as its path: right before it, or
    /// with the request's body or words between them; not across another method or a sentence.
    func testRouteMethodWithWordsBetweenItAndThePath() {
        func routes(_ text: String) -> [String] { ProjectSpec(description: text).pinned.routes.map { "\($0.method) \($0.path)" } }
        XCTAssertEqual(routes(#"A cart API. To change an amount you send a PUT with {"qty": 2} to /cart/<id>."#), ["PUT /cart/<id>"])
        XCTAssertEqual(routes("A cart API: PUT /cart/<id> with a JSON body changes the amount."), ["PUT /cart/<id>"])
        XCTAssertEqual(routes("A cart API that takes DELETE requests on /cart/<id> and GET on /cart."), ["DELETE /cart/<id>", "GET /cart"])
        XCTAssertEqual(routes("A cart API. Clients GET the list from /cart; POST /cart adds an item."), ["GET /cart", "POST /cart"])
        XCTAssertEqual(routes("A cart API. GET and POST both work. The page is at /cart."), ["GET /cart"], "no method in the path's sentence: a page")
    }

    /// An exact text is a quoted text shortly after a word of showing or saying; not a JSON key, an
    /// attribute, a placeholder or a text the page must never show.
    func testExactTextsAfterWordsOfShowingOrSaying() {
        func texts(_ text: String) -> [String] { ProjectSpec(description: text).pinned.exactTexts }
        XCTAssertEqual(texts(#"A tip page. When the bill is empty the result should read "Type a bill"."#), ["Type a bill"])
        XCTAssertEqual(texts(#"A tip page. for an empty bill it should say "Type a bill""#), ["Type a bill"])
        XCTAssertEqual(texts(#"A tip page; if the bill is empty show the error "Type a bill" under it."#), ["Type a bill"])
        XCTAssertEqual(texts(#"A tip page. An empty bill gives the message="Type a bill" validator."#), ["Type a bill"])
        XCTAssertEqual(texts(#"A tip API: errors answer 400 with {"error": "..."}; the "error" key holds a short message."#), [])
        XCTAssertEqual(texts(#"A tip page: show the tip in id="tip" and never show "NaN"."#), [])
    }

    func testNameAndSlug() {
        let s = ProjectSpec(description: "Create a fuel consumption (litres per 100 km) calculator web page with Flask.")
        XCTAssertEqual(s.slug, "fuel-consumption-litres-per")
        XCTAssertEqual(s.projectName, "Fuel Consumption Litres Per")
        XCTAssertEqual(ProjectSpec(description: "!!!").slug, "flask-app")
    }

    func testModelPlanAcceptedAndPinsWin() throws {
        for name in BehaviourTests.fuel {
            let s = try spec(name)
            let answer = """
            ```json
            {"kind": "wtforms", "port": 8080, "files": [{"path": "app.py", "purpose": "routes"}, {"path": "forms.py", "purpose": "form"},
             {"path": "templates/fuel.html", "purpose": "page"}],
             "routes": [{"method": "get", "path": "/", "purpose": "form"}],
             "forms": [{"class": "FuelForm", "fields": [{"name": "distance", "type": "FloatField", "label": "Distance"}]}]}
            ```
            """
            let plan = try PlanBuilder.fromModelAnswer(answer, spec: s)
            XCTAssertEqual(plan.source, "model")
            XCTAssertEqual(plan.port, 5086, "the pinned port wins over the model's")
            XCTAssertTrue(plan.files.contains { $0.path == "templates/fuel.html" }, name)
            XCTAssertEqual(plan.forms[0].fields.map(\.name), ["distance", "fuel"], "pinned field added")
            XCTAssertEqual(plan.forms[0].fields.map(\.type), ["FloatField", "FloatField"], "the added field is a number field too")
            XCTAssertTrue(plan.routes.contains { $0.method == "POST" && $0.path == "/" }, "pinned route added")
            XCTAssertTrue(plan.routes.contains { $0.method == "GET" && $0.path == "/" })
        }
    }

    /// A method the description says a path refuses is no route to write, and a check asks for its 405;
    /// a method it also states an answer for stays a route.
    func testAMethodThePathMustRefuseIsNotARoute() throws {
        for d in ["JSON API on port 6200. POST /tally with a JSON body {\"marks\": [1, 2]} answers 200. GET /tally gives status 405.",
                  "json api, port 6200: POST {\"marks\": [1, 2]} to /tally returns the tally; GET /tally is not allowed (405)",
                  "- POST /tally counts the marks in its JSON body.\n- Only POST is allowed on /tally; GET /tally must answer 405 Method Not Allowed."] {
            let spec = ProjectSpec(description: d)
            XCTAssertEqual(spec.pinned.routes, [PinnedRoute(method: "POST", path: "/tally")], d)
            XCTAssertEqual(spec.pinned.refusedRoutes, [PinnedRoute(method: "GET", path: "/tally")], d)
            let plan = PlanBuilder.ruleBased(spec)
            XCTAssertFalse(plan.routes.contains { $0.method == "GET" && $0.path == "/tally" }, d)
            let checks = BehaviourRules.checks(for: spec, plan: plan)
            XCTAssertEqual(checks.filter { $0.status == [405] }.map { "\($0.method) \($0.url)" }, ["GET /tally"], d)
        }
        let both = ProjectSpec(description: "GET /tally returns the count as JSON; GET /tally with a bad token is not allowed and POST /tally adds one.")
        XCTAssertEqual(both.pinned.refusedRoutes, nil, "one of its clauses states an answer")
        XCTAssertTrue(both.pinned.routes.contains(PinnedRoute(method: "GET", path: "/tally")))
        // what a route refuses is not the route refused
        for d in ["POST /tally with {\"mark\": \"...\"} adds a mark (an empty mark is not allowed)",
                  "POST /tally adds a mark, duplicate marks are not accepted",
                  "GET /tally lists them (any other method answers 405)",
                  "GET /tally answers 200; a request with a negative count is rejected with 400"] {
            let spec = ProjectSpec(description: d)
            XCTAssertEqual(spec.pinned.refusedRoutes, nil, d)
            XCTAssertFalse(spec.pinned.routes.isEmpty, d)
        }
        // the model's plan keeps its other routes, and loses the refused one
        let refusedSpec = ProjectSpec(description: "JSON API: POST /tally counts marks; GET /marks lists them. GET /tally gives status 405.")
        let plan = try PlanBuilder.fromModelAnswer(#"{"kind": "json-api", "files": ["app.py"], "routes": [{"method": "GET", "path": "/tally"}, {"method": "POST", "path": "/tally"}, {"method": "GET", "path": "/marks"}]}"#, spec: refusedSpec)
        XCTAssertEqual(plan.routes.map { "\($0.method) \($0.path)" }.sorted(), ["GET /marks", "POST /tally"])
    }

    func testRoutesTheDescriptionNeverNamesAreDroppedWhenItPinsRoutes() throws {
        for name in BehaviourTests.cube {
            let s = try spec(name)
            // The plan prompt's example route, copied by a small model into an unrelated project.
            let answer = #"{"kind": "json-api", "port": 5000, "files": [{"path": "app.py", "purpose": "the API"}], "routes": [{"method": "GET", "path": "/items", "purpose": "list items"}, {"method": "GET", "path": "/cube", "purpose": "volume"}]}"#
            let plan = try PlanBuilder.fromModelAnswer(answer, spec: s)
            XCTAssertEqual(plan.routes.map(\.path), ["/cube"], name)
            XCTAssertEqual(plan.routes.first?.query, ["edge"], "the pinned query parameter joins the model's route")
        }
    }

    func testFilesTheDescriptionNeverNamesAreDropped() throws {
        for name in BehaviourTests.fuel {
            let s = try spec(name)
            let answer = #"{"kind": "wtforms", "port": 5000, "files": [{"path": "app.py", "purpose": "routes"}, {"path": "forms.py", "purpose": "form"}, {"path": "templates/items.html", "purpose": "list"}, {"path": "static/items.js", "purpose": "js"}, {"path": "templates/index.html", "purpose": "page"}], "routes": [{"method": "GET", "path": "/", "purpose": "form"}]}"#
            let plan = try PlanBuilder.fromModelAnswer(answer, spec: s)
            XCTAssertFalse(plan.files.contains { $0.path.contains("items") }, "\(name): \(plan.files.map(\.path))")
            XCTAssertTrue(plan.files.contains { $0.path == "forms.py" })
            XCTAssertTrue(plan.files.contains { $0.path == "app.py" })
        }
    }

    func testUnusableModelPlansAreRejected() throws {
        let s = try spec("cube_volume_api")
        // a description that does not say which kind of project it is: the model's kind decides
        let open = ProjectSpec(description: "something small with flask on port 5077 please")
        XCTAssertNil(PlanBuilder.pinnedKind(open.pinned))
        for (answer, spec) in [("I think you need an app.py file.", s),                       // no JSON
                               ("{\"kind\": \"json-api\"}", s),                                 // no files
                               ("{\"kind\": \"spaceship\", \"files\": [\"app.py\"]}", open)] {  // unknown kind
            XCTAssertThrowsError(try PlanBuilder.fromModelAnswer(answer, spec: spec), answer)
        }
        XCTAssertNoThrow(try PlanBuilder.fromModelAnswer("{\"kind\": \"json-api\", \"files\": [\"app.py\"]}", spec: s))
    }

    /// What cannot be in a plan is left out; the rest of the model's reading is kept.
    func testBadPartsOfAModelPlanAreLeftOut() throws {
        let s = try spec("cube_volume_api")
        let mended = [
            "{\"kind\": \"json-api\", \"files\": [{\"path\": \"../app.py\"}]}",     // path outside
            "{\"kind\": \"json-api\", \"files\": [\"app.py\", \"app.py\"]}",         // duplicate
            "{\"kind\": \"wtforms\", \"files\": [\"app.py\", \"forms.py\", \"templates/a.html\"]}", // another kind than the description's
            "{\"kind\": \"json-api\", \"files\": [\"app.py\", \"/etc/passwd\"]}",    // absolute
            "{\"kind\": \"json-api\", \"files\": [\"app.py\", \"main.py\"]}",        // not an allowed name
            "{\"kind\": \"json-api\", \"files\": [\"app.py\"], \"routes\": [{\"method\": \"FETCH\", \"path\": \"/x\"}]}",
            "{\"kind\": \"json-api\", \"files\": [\"app.py\", \"templates/x.html\"]}", // templates in an API
        ]
        for answer in mended {
            let plan = try PlanBuilder.fromModelAnswer(answer, spec: s)
            XCTAssertEqual(plan.kind, .jsonAPI, answer)
            XCTAssertEqual(plan.files.map(\.path), ["app.py"], answer)
            XCTAssertFalse(plan.routes.contains { $0.method == "FETCH" }, answer)
            XCTAssertEqual(PlanBuilder.problems(in: plan), [], answer)
        }
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
        Make an API on port 5093. Send a POST request to /api/rates with JSON; the log is at /api/log.
        The page has an input with id=litres and a field named litres, plus <div id='answer'>; shows it in #answer.
        """)
        XCTAssertEqual(p.port, 5093)
        XCTAssertEqual(p.routes.map { "\($0.method) \($0.path)" }, ["POST /api/rates", "GET /api/log"])
        XCTAssertEqual(p.fieldNames, ["litres"])
        XCTAssertEqual(p.elementIDs, ["litres", "answer"])
    }

    func testNoFalseRoutesOrPorts() {
        let p = PinnedFacts.extract(from: "Divide fuel / (distance in km) and show km/h and/or mph. Support 2 ports.")
        XCTAssertEqual(p.routes, [])
        XCTAssertNil(p.port)
        XCTAssertEqual(p.fieldNames, [])
    }
}
