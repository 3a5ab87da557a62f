import Foundation
import XCTest
@testable import Scaffold

/// The contract: types from the description's explicit syntax, the model's plan answer merged in
/// (kept only where the description writes its values), the tool's decisions, and the checks,
/// routes and templates that follow from it. Descriptions and model answers are written for these
/// tests (no model runs).
final class ContractTests: XCTestCase {
    typealias C = Contract

    /// The merged contract for a description and a scripted plan answer, with the rule-based plan.
    func merged(_ description: String, _ answer: String) -> (contract: Contract, spec: ProjectSpec, plan: ProjectPlan) {
        let spec = ProjectSpec(description: description)
        let plan = PlanBuilder.ruleBased(spec)
        let c = ContractReader.merge(ContractReader.explicit(spec, plan: plan), answer: answer, spec: spec, plan: plan)
        return (c, spec, plan)
    }

    let never = ["NaN", "Infinity", "undefined"]

    // MARK: - explicit types

    func testExplicitTypesFromQueryValuesAndJSONLiterals() {
        let precise = ContractReader.explicitTypes(
            "GET /api/roll?sides=<integer>&count=3 rolls dice; GET /api/pace?km=2.5&day=2024-05-06 works out a pace; "
            + "POST /api/items takes {\"item\": \"eggs\", \"urgent\": true, \"qty\": <number>}.")
        XCTAssertEqual(precise, ["sides": .integer, "count": .number, "km": .number, "day": .date,
                                 "item": .string, "urgent": .boolean, "qty": .number])
        let casual = ContractReader.explicitTypes(
            "shopping list api: POST /list with body {\"title\": \"...\", \"bought\": false}, GET /list?since=2024-05-06 and /dice?n=<whole number>")
        XCTAssertEqual(casual, ["title": .string, "bought": .boolean, "since": .date, "n": .integer])
    }

    func testNamesWithoutSyntaxGetNoType() {
        let types = ContractReader.explicitTypes(
            "The answer has a miles field and a unit key; GET /api/find?q=abc searches by the word given as q.")
        XCTAssertNil(types["miles"])
        XCTAssertNil(types["unit"])
        XCTAssertNil(types["q"], "an unquoted word value is not a type")
        XCTAssertEqual(types, [:])
        // a placeholder names the type; an email value is an email; a number beats nothing later
        XCTAssertEqual(ContractReader.explicitTypes("GET /api/notify?to=ann@example.com&x=<float>"), ["to": .email, "x": .number])
    }

    // MARK: - merge: examples and errors only with written values

    let mileAnswer = """
    Here is the plan:
    ```json
    {"name": "Mile Converter", "kind": "json-api", "port": 5050,
     "files": [{"path": "app.py", "purpose": "the API"}],
     "routes": [{"method": "GET", "path": "/api/miles", "purpose": "convert", "query": ["km"]}],
     "params": [{"route": "/api/miles", "name": "km", "in": "query", "type": "float"}],
     "examples": [{"route": "/api/miles", "given": {"km": 10}, "expect": ["6.21"]},
                  {"route": "/api/miles", "given": {"km": 50}, "expect": ["31.07"]}],
     "errors": [{"route": "/api/miles", "given": {"km": "banana"}, "status": 400},
                {"route": "/api/miles", "given": {"km": "-7"}, "status": 400}],
     "storage": "none"}
    ```
    """

    let mileDescriptions = [
        "A JSON API on port 5050. GET /api/miles?km=<number> converts kilometres to miles: km=10 answers 6.21. Anything that is not a number is an error.",
        "json api, port 5050: GET /api/miles?km=<number> turns kilometers into mils (10 km is about 6.21 miles), error for junk input",
    ]

    /// SQLite and the session come from the description's words, never from the model's plan alone.
    func testStorageIsTheOneTheDescriptionNames() {
        let answer = mileAnswer.replacingOccurrences(of: "\"storage\": \"none\"", with: "\"storage\": \"sqlite\"")
        XCTAssertTrue(answer.contains("\"storage\": \"sqlite\""))
        // the model says sqlite; the description names no database: not kept
        XCTAssertEqual(merged(mileDescriptions[0], answer).0.storage, "none")
        for d in ["A JSON API on port 5050 keeping bookmarks in SQLite: POST /api/marks adds one, GET /api/marks lists them.",
                  "flask app port 5050 with a page listing my bookmarks, saved in bookmarks.db so they survive a restart",
                  "port 5050: a bookmarks page; store them in an sqlite3 database file"] {
            XCTAssertEqual(merged(d, mileAnswer).0.storage, "sqlite", d)
        }
        XCTAssertEqual(ContractReader.databaseFileName("flask app port 5050 with bookmarks saved in bookmarks.db so they survive"), "bookmarks.db")
        XCTAssertNil(ContractReader.databaseFileName("bookmarks in SQLite"))
        for d in ["A page on port 5050 that remembers the visitor's chosen colour in the session.",
                  "port 5050, a shopping basket kept per visitor in the Flask session"] {
            XCTAssertEqual(merged(d, mileAnswer).0.storage, "session", d)
        }
    }

    func testMergeKeepsWrittenExamplesAndDropsInventedOnes() {
        for d in mileDescriptions {
            let (c, _, plan) = merged(d, mileAnswer)
            XCTAssertEqual(plan.kind, .jsonAPI, d)
            XCTAssertEqual(c.port, 5050, d)
            XCTAssertEqual(c.storage, "none", d)
            XCTAssertEqual(c.endpoints, [C.Endpoint(method: "GET", path: "/api/miles",
                                                    params: [C.Param(name: "km", location: "query", type: .number, origin: .description)],
                                                    returns: [], origin: .description)], d)
            XCTAssertEqual(c.examples, [C.Example(route: "/api/miles", given: ["km": "10"], expect: ["6.21"], origin: .model)], d)
            // 50 is only a digit run inside 5050: not written as a value
            XCTAssertEqual(c.dropped, ["example [\"km\": \"50\"] → [\"31.07\"]: \"50\" is not written in the description",
                                       "error [\"km\": \"-7\"]: \"-7\" is not written in the description"], d)
            XCTAssertEqual(c.decisions, [], "the port is written; a JSON API has no page to decide: \(d)")
        }
    }

    func testMergeKeepsANonNumericWordForANumberInput() {
        for d in mileDescriptions {
            let c = merged(d, mileAnswer).contract
            XCTAssertEqual(c.errors, [C.StatedError(route: "/api/miles", given: ["km": "banana"], status: 400, origin: .model)], d)
        }
        // the same word for a text input is not written, so it is dropped
        for d in ["A JSON API: GET /api/reverse?word=<string> answers the word backwards; an empty word is an error.",
                  "api that reverses a word, GET /api/reverse?word=<string>, error if word is missing"] {
            let c = merged(d, #"{"errors": [{"route": "/api/reverse", "given": {"word": "banana"}, "status": 400}, {"route": "/api/reverse", "given": {"word": ""}, "status": 400}]}"#).contract
            XCTAssertEqual(c.errors, [C.StatedError(route: "/api/reverse", given: ["word": ""], status: 400, origin: .model)], d)
            XCTAssertEqual(c.dropped, ["error [\"word\": \"banana\"]: \"banana\" is not written in the description"], d)
        }
    }

    func testMergeDropsARequestListedBothAsExampleAndAsErrorAndAnErrorWordExample() {
        // the model repeats the worked example, lists it as an error too, and gives an "example" whose
        // answer is the word error
        let answer = """
        {"examples": [{"route": "/api/vowels", "given": {"word": "banana"}, "expect": ["3"]},
                      {"route": "/api/vowels", "given": {"word": "banana"}, "expect": ["3"]},
                      {"route": "/api/vowels", "given": {"word": "rhythm"}, "expect": ["0"]},
                      {"route": "/api/vowels", "given": {"word": "12"}, "expect": ["Error"]}],
         "errors": [{"route": "/api/vowels", "given": {"word": "banana"}, "status": 400},
                    {"route": "/api/vowels", "given": {"word": ""}, "status": 400}]}
        """
        for d in ["JSON API on port 5301. GET /api/vowels?word=<text> counts the vowels: banana gives 3, rhythm gives 0, 12 is not a word. A missing word is an error with status 400.",
                  "small api, port 5301, GET /api/vowels?word=<text> -> vowel count (banana = 3, rhythm = 0; 12 isnt a word). no word -> 400 error",
                  "Count vowels over HTTP: GET /api/vowels?word=<text> on port 5301 answers how many vowels the word has (banana has 3, rhythm 0, and 12 is no word); without a word, respond 400 error."] {
            let c = merged(d, answer).contract
            XCTAssertEqual(c.examples, [C.Example(route: "/api/vowels", given: ["word": "rhythm"], expect: ["0"], origin: .model)], d)
            XCTAssertEqual(c.errors, [C.StatedError(route: "/api/vowels", given: ["word": ""], status: 400, origin: .model)], d)
            XCTAssertEqual(c.dropped.filter { $0.contains("also listed") }.count, 2, "\(c.dropped) — \(d)")
            XCTAssertTrue(c.dropped.contains { $0.contains("not a worked example") }, "\(c.dropped) — \(d)")
        }
    }

    /// When the description writes the example's answer and no error status, the model's error for
    /// the same request is the mistake: the example stays.
    func testAWrittenExampleWinsOverAnErrorWithAStatusNeverWritten() {
        let answer = """
        {"examples": [{"route": "/api/vowels", "given": {"word": "banana"}, "expect": ["3"]}],
         "errors": [{"route": "/api/vowels", "given": {"word": "banana"}, "status": 400},
                    {"route": "/api/vowels", "given": {"word": ""}, "status": 400}]}
        """
        for d in ["JSON API on port 5301. GET /api/vowels?word=<text> counts the vowels (banana gives 3). A missing word is an error.",
                  "small api, port 5301, GET /api/vowels?word=<text> -> vowel count, e.g. banana = 3; no word -> error json",
                  "Count vowels over HTTP: GET /api/vowels?word=<text> on port 5301 says banana has 3 vowels; without a word, answer with an error status."] {
            let c = merged(d, answer).contract
            XCTAssertEqual(c.examples, [C.Example(route: "/api/vowels", given: ["word": "banana"], expect: ["3"], origin: .model)], d)
            XCTAssertEqual(c.errors, [C.StatedError(route: "/api/vowels", given: ["word": ""], status: 400, origin: .model)], d)
            XCTAssertTrue(c.dropped.contains("error [\"word\": \"banana\"]: the description writes this request's answer as a worked example"), "\(c.dropped) — \(d)")
        }
    }

    /// On a page, a model example that expects a JSON key of the description to be shown is dropped:
    /// the key names the list the page shows, it is not shown itself. Its sibling with a written value stays.
    func testAPageExampleExpectingAJSONKeyIsDropped() {
        let answer = """
        {"examples": [{"route": "/", "given": {"amount": "4"}, "expect": ["items"]},
                      {"route": "/", "given": {"amount": "4"}, "expect": ["16"]}]}
        """
        for d in ["A Flask app on port 5302 with a page: I type an amount, press Load, and the page's JavaScript fetches GET /api/squares?amount=N, "
                    + #"which answers the JSON object {"items": [...]} with the first N squares (4 gives 1, 4, 9, 16); the page lists them."#,
                  #"page w/ javascript on port 5302 listing squares: fetch /api/squares?amount=4 -> {"items": [1, 4, 9, 16]}, show them as a list"#] {
            let (c, _, plan) = merged(d, answer)
            XCTAssertNotEqual(plan.kind, .jsonAPI, d)
            XCTAssertFalse(c.examples.contains { $0.expect.contains("items") }, "\(c.examples) — \(d)")
            XCTAssertTrue(c.examples.contains { $0.origin == .model && $0.expect == ["16"] }, "\(c.dropped) — \(d)")
            XCTAssertTrue(c.dropped.contains { $0.contains("\"items\" (a JSON key of the description") }, "\(c.dropped)")
        }
        // an example expecting a key and a value keeps the value
        let both = #"{"examples": [{"route": "/", "given": {"amount": "4"}, "expect": ["Items", "16"]}]}"#
        let d = #"page w/ javascript on port 5302 listing squares: fetch /api/squares?amount=4 -> {"items": [1, 4, 9, 16]}, show them"#
        XCTAssertTrue(merged(d, both).contract.examples.contains { $0.origin == .model && $0.expect == ["16"] }, "\(merged(d, both).contract.examples)")
    }

    /// A value the description names as invalid keeps its error, even when the model also lists it as
    /// an example whose answer is written elsewhere.
    func testAValueWrittenAsInvalidKeepsItsError() {
        let answer = """
        {"examples": [{"route": "/api/vowels", "given": {"word": "x1"}, "expect": ["3"]}],
         "errors": [{"route": "/api/vowels", "given": {"word": "x1"}, "status": 400}]}
        """
        let d = "JSON API on port 5301. GET /api/vowels?word=<text> counts the vowels (banana gives 3).\nA word with digits, like x1, is invalid: answer with an error."
        let c = merged(d, answer).contract
        XCTAssertEqual(c.examples, [], "\(c.dropped)")
        XCTAssertEqual(c.errors, [], "\(c.dropped)")
    }

    func testMergeDropsAStatusTheDescriptionNeverMentions() {
        // no "error" and no 400 in the description: the model's status is its own invention
        for d in ["GET /api/miles?km=<number> converts kilometres to miles for a JSON API.",
                  "json api: GET /api/miles?km=<number> gives miles"] {
            let c = merged(d, mileAnswer).contract
            XCTAssertEqual(c.errors, [], d)
        }
    }

    // MARK: - merge: pages

    let kmPageAnswer = """
    {"name": "Km To Miles", "kind": "jinja-pages",
     "pages": [{"path": "/convert", "heading": "Kilometres to Miles",
                "inputs": [{"id": "Distance KM", "type": "number", "label": "Distance (km)"}],
                "button": "Convert", "outputs": ["Miles Result"]}],
     "errors": [{"given": {"Distance KM": "far"}}]}
    """

    let kmPageDescriptions = [
        "A web page that converts kilometres to miles in the browser with JavaScript: type a distance, press the button, read the miles.",
        "pls make a litle js page, km in, miles out",
    ]

    func testSingleJavaScriptPageTakesTheModelsElementsOnTheHomePage() {
        for d in kmPageDescriptions {
            let (c, spec, plan) = merged(d, kmPageAnswer)
            XCTAssertTrue(spec.pinned.wantsJavaScript, d)
            XCTAssertEqual(plan.kind, .jinjaPages, d)
            XCTAssertEqual(c.pages.count, 1, d)
            guard let page = c.pages.first else { continue }
            XCTAssertEqual(page.path, "/", "the description writes no /convert: \(d)")
            XCTAssertEqual(page.heading, "Kilometres to Miles", d)
            XCTAssertEqual(page.origin, .model, d)
            XCTAssertEqual(page.elements.map(\.id), ["distance-km", "convert", "miles-result"], d)
            XCTAssertEqual(page.elements.map(\.role), ["input", "button", "output"], d)
            XCTAssertEqual(page.elements.map(\.origin), [.model, .model, .model], d)
            XCTAssertEqual(page.inputs.first?.type, .number, d)
            XCTAssertEqual(page.inputs.first?.label, "Distance (km)", d)
            XCTAssertEqual(page.buttons.first?.label, "Convert", d)
            XCTAssertNil(page.calls, d)
            // "far" for a number input: kept though not written
            XCTAssertEqual(c.errors, [C.StatedError(route: nil, given: ["Distance KM": "far"], status: nil, origin: .model)], d)
            XCTAssertEqual(c.decisions, ["port 5000 (the description names none)",
                                         "page / elements: input id=\"distance-km\", button id=\"convert\", output id=\"miles-result\""], d)
        }
    }

    func testJavaScriptPageWithOnlyAWorkedExampleGetsInputsButtonAndResultFromTheTool() {
        let cases = [
            ("A JavaScript page that works out running pace: distance 10 and minutes 50 gives 5:00 per km.",
             #"{"examples": [{"given": {"distance": 10, "minutes": 50}, "expect": ["5:00"]}]}"#),
            ("js pace calculater - 10 km in 50 minutes should show 5:00",
             #"{"examples": [{"given": {"minutes": "50", "distance": "10"}, "expect": "5:00"}]}"#),
        ]
        for (d, answer) in cases {
            let c = merged(d, answer).contract
            XCTAssertEqual(c.examples, [C.Example(route: nil, given: ["distance": "10", "minutes": "50"], expect: ["5:00"], origin: .model)], d)
            XCTAssertEqual(c.pages.count, 1, d)
            guard let page = c.pages.first else { continue }
            XCTAssertEqual(page.path, "/", d)
            XCTAssertEqual(page.origin, .tool, d)
            XCTAssertEqual(page.elements.map(\.id), ["distance", "minutes", "calculate", "result"], d)
            XCTAssertEqual(page.elements.map(\.role), ["input", "input", "button", "output"], d)
            XCTAssertEqual(page.elements.map(\.origin), [.tool, .tool, .tool, .tool], d)
            XCTAssertEqual(page.inputs.map(\.type), [.number, .number], d)
            XCTAssertEqual(c.decisions, ["port 5000 (the description names none)",
                                         "page /: a button id=\"calculate\"",
                                         "page /: the result is shown in id=\"result\"",
                                         "page / elements: input id=\"distance\", input id=\"minutes\", button id=\"calculate\", output id=\"result\""], d)
        }
    }

    func testPageWhoseInputIsARoutesQueryParameterCallsThatRoute() {
        // the input has the query parameter's name
        for d in ["A web page with JavaScript: type a distance in kilometres into the km box and press Convert; the page asks GET /api/miles?km=<number> and shows the miles.",
                  "js page w/ a km box + Convert button, calls GET /api/miles?km=<number> and shows miles"] {
            let c = merged(d, #"{"pages": [{"path": "/", "inputs": [{"id": "km", "type": "number"}], "button": "Convert", "outputs": ["miles"]}]}"#).contract
            XCTAssertEqual(c.pages.map(\.path), ["/"], d)
            XCTAssertEqual(c.pages.first?.calls, "/api/miles", d)
            XCTAssertEqual(c.pages.first?.callParams, ["km": "km"], d)
            XCTAssertEqual(c.endpoints.first { $0.path == "/api/miles" }?.returns, ["miles"], d)
            XCTAssertTrue(c.decisions.contains("GET /api/miles answers the JSON object {\"miles\": …}, and {\"error\": \"…\"} with status 400 for invalid input"), "\(c.decisions)")
            XCTAssertTrue(c.decisions.contains("page /: the button asks GET /api/miles?km=<#km>"), "\(c.decisions)")
        }
        // one input, one query parameter of another name: mapped; the return key is the slugged last segment
        for d in ["A JavaScript page: enter a distance and press the button; it asks GET /api/to-miles?km=<number> for the miles.",
                  "js page, enter a distence and hit the button, it calls GET /api/to-miles?km=<number> to get miles back"] {
            let c = merged(d, #"{"pages": [{"inputs": [{"id": "distance", "type": "number"}], "button": "Go", "outputs": ["answer"]}]}"#).contract
            XCTAssertEqual(c.pages.first?.calls, "/api/to-miles", d)
            XCTAssertEqual(c.pages.first?.callParams, ["distance": "km"], d)
            XCTAssertEqual(c.endpoints.first { $0.path == "/api/to-miles" }?.returns, ["to_miles"], d)
            XCTAssertTrue(c.decisions.contains("page /: the button asks GET /api/to-miles?km=<#distance>"), "\(c.decisions)")
        }
    }

    func testBareKeysAndTrailingCommasFromASmallModelStillMerge() {
        let answer = """
        Sure! Plan:
        {name: "Word Reverser", kind: "json-api", params: [{route: "/api/reverse", name: "word", in: "query", type: "str",},],
         examples: [{route: "/api/reverse", given: {word: "stressed",}, expect: ["desserts",],},],
         errors: [{route: "/api/reverse", given: {word: "zzz"}, status: 400,},],}
        """
        for d in ["A JSON API: GET /api/reverse?word=<string> answers the word backwards, so stressed gives desserts.",
                  "tiny api that reverses a word: GET /api/reverse?word=<string>, e.g. stressed -> desserts"] {
            let c = merged(d, answer).contract
            XCTAssertEqual(c.name, "Word Reverser", d)
            XCTAssertEqual(c.examples, [C.Example(route: "/api/reverse", given: ["word": "stressed"], expect: ["desserts"], origin: .model)], d)
            XCTAssertEqual(c.errors, [], d)
            XCTAssertEqual(c.dropped, ["error [\"word\": \"zzz\"]: \"zzz\" is not written in the description"], d)
            XCTAssertEqual(c.paramType("word", path: "/api/reverse"), .string, d)
        }
    }

    func testModelNameIsKeptOnlyWhenItIsAShortName() {
        func name(_ n: String) -> String? {
            merged(kmPageDescriptions[0], #"{"name": "\#(n)"}"#).contract.name
        }
        XCTAssertEqual(name("Kilometre To Mile Converter"), "Kilometre To Mile Converter")
        XCTAssertEqual(name("  Km Mile Tool "), "Km Mile Tool")
        XCTAssertNil(name("A converter that turns kilometres into miles quickly"), "8 words")
        XCTAssertNil(name("km -> miles!"))
        XCTAssertNil(name("{{name}}"))
        XCTAssertNil(merged(kmPageDescriptions[1], #"{"pages": []}"#).contract.name, "no name in the answer")
    }

    /// A placeholder's type is read from its whole words: an "interest rate", an "appointment date"
    /// or a "starting point" is no integer.
    func testPlaceholderTypesAreReadFromWholeWords() {
        let types = ContractReader.explicitTypes("GET /api/loan?rate=<interest rate>&when=<appointment date>&from=<starting point>")
        XCTAssertNil(types["rate"], "an interest rate names no type word (a name decides nothing)")
        XCTAssertEqual(types["when"], .date, "an appointment date is a date")
        XCTAssertNil(types["from"], "a starting point names no type")
    }

    /// An error for a JavaScript page whose inputs come from the worked example (typed number by
    /// the tool): a non-numeric word for such an input is kept.
    func testErrorWordForAnInputTypedFromTheExampleIsKept() {
        let c = merged("A JavaScript page that works out running pace: distance 10 and minutes 50 gives 5:00 per km; letters show an error.",
                       #"{"examples": [{"given": {"distance": 10, "minutes": 50}, "expect": ["5:00"]}], "errors": [{"given": {"minutes": "abc"}}]}"#).contract
        XCTAssertEqual(c.pages.first?.inputs.map(\.type), [.number, .number])
        XCTAssertEqual(c.errors.map(\.given), [["minutes": "abc"]], "\(c.dropped)")
    }

    // MARK: - checks

    func testBehaviourChecksFromExamplesAndErrors() {
        for d in mileDescriptions {
            var c = merged(d, mileAnswer).contract
            XCTAssertEqual(c.unchecked, ["example: /api/miles km=10 → 6.21", "error: /api/miles km=\"banana\" → status 400"], d)
            let checks = c.behaviourChecks(existing: [])
            XCTAssertEqual(checks.map(\.method), ["GET", "GET"], d)
            XCTAssertEqual(checks.map(\.url), ["/api/miles?km=10", "/api/miles?km=banana"], d)
            XCTAssertEqual(checks.map(\.status), [[200, 201], [400]], d)
            XCTAssertEqual(checks.map(\.texts), [["6.21"], []], d)
            XCTAssertEqual(checks.map(\.source), ["example: /api/miles km=10 → 6.21", "error: /api/miles km=\"banana\" → status 400"], d)
            XCTAssertEqual(c.examples.map(\.checked), [true], d)
            XCTAssertEqual(c.errors.map(\.checked), [true], d)
            XCTAssertEqual(c.unchecked, [], d)
        }
        // a request the description's own checks already make is not repeated, but counts as checked
        var c = merged(mileDescriptions[0], mileAnswer).contract
        let existing = [BehaviourCheck(method: "GET", url: "/api/miles?km=10", status: [200], source: "the description")]
        XCTAssertEqual(c.behaviourChecks(existing: existing).map(\.url), ["/api/miles?km=banana"])
        XCTAssertEqual(c.unchecked, [])
    }

    /// A stated error that sends nothing a valid request does not (no value, or the example's own values)
    /// cannot be an error: it gives no check, and stays unchecked.
    func testAnErrorThatSendsAValidRequestGivesNoCheck() {
        let answer = #"{"params": [{"route": "/api/miles", "name": "km", "in": "query", "type": "number"}], "examples": [{"route": "/api/miles", "given": {"km": 10}, "expect": ["6.21"]}], "errors": [{"route": "/api/miles?km=10", "given": {}, "status": 400}, {"route": "/api/miles", "given": {"km": "10"}, "status": 400}, {"route": "/api/miles", "given": {"km": "lots"}, "status": 400}]}"#
        for d in mileDescriptions {
            var c = merged(d, answer).contract
            let checks = c.behaviourChecks(existing: [])
            let refused = checks.filter { $0.status == [400] }.map(\.url)
            XCTAssertEqual(refused, ["/api/miles?km=lots"], "only the error that sends a non-number: \(d)")
            XCTAssertFalse(c.errors.isEmpty, d)
            XCTAssertTrue(c.errors.allSatisfy { $0.checked == ($0.given["km"] == "lots") }, "\(c.errors)")
        }
    }

    /// Errors whose values the model wrote into the route: read as given. One that is a request the
    /// description writes as valid, or an order of two valid values the description says gives a
    /// negative answer, is no error.
    func testErrorsThatTheDescriptionCallsValidAreDropped() {
        let answer = #"{"params": [{"route": "/span", "name": "from", "in": "query", "type": "date"}, {"route": "/span", "name": "to", "in": "query", "type": "date"}], "errors": [{"route": "/span?from=2023-05-01&to=2023-05-11", "given": {}, "status": 400}, {"route": "GET /span?from=2023-05-11&to=2023-05-01", "given": {}, "status": 400}, {"route": "/span?from=hello&to=2023-05-01", "given": {}, "status": 400}]}"#
        for d in [
            "Flask JSON API on port 5090. GET /span?from=2023-05-01&to=2023-05-11 gives back json with the days between them in a \"span\" field (here 10). If to is before from, the number is negative. A date that is missing or isn't real (like \"hello\") gets an error status.",
            "tiny flask api, port 5090: GET /span?from=2023-05-01&to=2023-05-11 -> {\"span\": 10}. when to is earlier than from the number is negative. junk dates such as \"hello\" are an error",
        ] {
            let c = merged(d, answer).contract
            XCTAssertEqual(c.errors.map(\.given), [["from": "hello", "to": "2023-05-01"]], "\(c.dropped)")
            XCTAssertEqual(c.errors.first?.route, "/span")
            XCTAssertEqual(c.dropped.filter { $0.contains("valid one") || $0.contains("negative answer") }.count, 2, "\(c.dropped)")
        }
    }

    /// Casual requests name a calculation and no example: a valid request must still be answered,
    /// and the report says its value is not checked.
    func testARouteReadingNumbersWithoutExamplesGetsAValidRequestCheck() {
        let answer = #"{"params": [{"route": "/volume", "name": "side", "in": "query", "type": "number"}], "examples": [], "errors": []}"#
        for d in ["make a flask endpoint GET /volume?side=<number> that works out the volume of a cube",
                  "Flask API with one route, /volume?side=S, giving back the cube's volume as JSON."] {
            var c = merged(d, answer).contract
            let checks = c.behaviourChecks(existing: [])
            XCTAssertEqual(checks.map(\.url), ["/volume?side=3"], d)
            XCTAssertEqual(checks.first?.status, [200, 201], d)
            XCTAssertEqual(checks.first?.forbidden, ["NaN", "Infinity"], d)
            XCTAssertTrue(c.decisions.contains { $0.contains("GET /volume") && $0.contains("value is not checked") }, "\(c.decisions)")
        }
        // a worked example checks the value instead; a text parameter gets no guessed request
        let exampleAnswer = #"{"params": [{"route": "/volume", "name": "side", "in": "query", "type": "number"}], "examples": [{"route": "/volume", "given": {"side": 2}, "expect": ["8"]}], "errors": []}"#
        var withExample = merged("GET /volume?side=<number> gives the cube's volume: side=2 gives 8", exampleAnswer).contract
        XCTAssertEqual(withExample.behaviourChecks(existing: []).map(\.url), ["/volume?side=2"])
        let words = #"{"params": [{"route": "/shout", "name": "text", "in": "query", "type": "string"}]}"#
        var text = merged("flask api: GET /shout?text=<text> answers the text in capitals", words).contract
        XCTAssertEqual(text.behaviourChecks(existing: []), [])
    }

    /// A page without JavaScript sends its inputs to the one GET route whose query parameters they
    /// are; with JavaScript, or where two routes read the same name, nothing is asked of the form.
    func testPageSubmissionsFollowTheInputsAndTheRoutes() {
        let box = C.Element(id: "city", role: "input", type: .string, label: "City", origin: .model)
        let go = C.Element(id: "go", role: "button", type: nil, label: "Go", origin: .model)
        var c = Contract(port: 5000, endpoints: [
            C.Endpoint(method: "GET", path: "/weather", params: [C.Param(name: "city", location: "query", type: .string, origin: .description),
                                                                 C.Param(name: "units", location: "query", type: .string, origin: .description)],
                       returns: [], origin: .description),
            C.Endpoint(method: "POST", path: "/save", params: [C.Param(name: "city", location: "form", type: .string, origin: .model)],
                       returns: [], origin: .model),
        ])
        c.pages = [C.Page(path: "/", heading: nil, elements: [box, go], links: [], origin: .model)]
        XCTAssertEqual(c.submissions(kind: .jinjaPages, wantsJavaScript: false), [PageSubmission(page: "/", route: "/weather", names: ["city"])])
        XCTAssertEqual(c.submissions(kind: .singleFile, wantsJavaScript: false).count, 1)
        XCTAssertEqual(c.submissions(kind: .jinjaPages, wantsJavaScript: true), [])
        XCTAssertEqual(c.submissions(kind: .jsonAPI, wantsJavaScript: false), [])
        c.endpoints.append(C.Endpoint(method: "GET", path: "/forecast", params: [C.Param(name: "city", location: "query", type: .string, origin: .model)],
                                      returns: [], origin: .model))
        XCTAssertEqual(c.submissions(kind: .jinjaPages, wantsJavaScript: false), [], "two routes read city: which one the form sends to is not known")
    }

    func testBehaviourChecksForAJSONBodyAndAMissingValue() {
        var c = Contract(port: 5000, endpoints: [
            C.Endpoint(method: "POST", path: "/api/items", params: [C.Param(name: "item", location: "json", type: .string, origin: .description),
                                                                     C.Param(name: "qty", location: "json", type: .integer, origin: .description)],
                       returns: [], origin: .description),
        ])
        c.examples = [C.Example(route: "POST /api/items", given: ["item": "eggs", "qty": "12"], expect: ["eggs"], origin: .model),
                      C.Example(route: "/api/unknown", given: ["x": "1"], expect: ["1"], origin: .model)]
        c.errors = [C.StatedError(route: "/api/items", given: ["qty": ""], status: nil, origin: .model)]
        let checks = c.behaviourChecks(existing: [])
        XCTAssertEqual(checks.count, 2)
        XCTAssertEqual(checks.map(\.url), ["/api/items", "/api/items"])
        XCTAssertEqual(checks.first?.json, ["item": .string("eggs"), "qty": .number(12)])
        XCTAssertEqual(checks.first?.status, [200, 201])
        XCTAssertEqual(checks.last?.json, ["item": .string("eggs")], "the missing value is left out; the rest is the example's")
        XCTAssertEqual(checks.last?.status, Array(400..<500))
        XCTAssertEqual(checks.last?.source, "error: /api/items qty=\"\" → an error message")
        XCTAssertEqual(c.unchecked, ["example: /api/unknown x=1 → 1"], "an example for a route the contract does not have stays unchecked")
    }

    func testPageChecksFromAWorkedExample() {
        for (d, answer) in [("A JavaScript page that works out running pace: distance 10 and minutes 50 gives 5:00 per km.",
                             #"{"examples": [{"given": {"distance": 10, "minutes": 50}, "expect": ["5:00"]}]}"#),
                            ("js pace calculater - 10 km in 50 minutes should show 5:00",
                             #"{"examples": [{"given": {"distance": 10, "minutes": 50}, "expect": "5:00"}]}"#)] {
            var c = merged(d, answer).contract
            let checks = c.pageChecks(existing: [], file: "templates/index.html")
            XCTAssertEqual(checks, [PageCheck(inputs: ["distance": "10", "minutes": "50"], click: "calculate", shows: ["*": ["5:00"]],
                                              hides: ["*": never], source: "example: distance=10, minutes=50 → 5:00",
                                              file: "templates/index.html", allowsRequests: false)], d)
            XCTAssertEqual(c.unchecked, [], d)
            // with checks from the description, the example is covered but not repeated
            var again = merged(d, answer).contract
            XCTAssertEqual(again.pageChecks(existing: checks, file: "templates/index.html"), [], d)
            XCTAssertEqual(again.examples.map(\.checked), [true], d)
        }
    }

    func testPageSmokeCheckAndErrorWithoutAnExample() {
        for d in kmPageDescriptions {
            var c = merged(d, kmPageAnswer).contract
            let checks = c.pageChecks(existing: [], file: "templates/index.html")
            XCTAssertEqual(checks, [
                PageCheck(inputs: ["distance-km": "3"], click: "convert", hides: ["*": never + ["[object Object]"]],
                          source: "a valid input shows a result", file: "templates/index.html", filled: ["miles-result"], allowsRequests: false),
                PageCheck(inputs: ["distance-km": "far"], click: "convert", hides: ["*": never],
                          source: "error: Distance KM=\"far\" → an error message", file: "templates/index.html", allowsRequests: false),
            ], d)
            XCTAssertEqual(c.unchecked, [], d)
        }
        // a page that asks the app may send requests
        var c = merged("A web page with JavaScript: type a distance in kilometres into the km box and press Convert; the page asks GET /api/miles?km=<number> and shows the miles.",
                       #"{"pages": [{"path": "/", "inputs": [{"id": "km", "type": "number"}], "button": "Convert", "outputs": ["miles"]}]}"#).contract
        XCTAssertEqual(c.pageChecks(existing: [], file: "templates/index.html"), [
            PageCheck(inputs: ["km": "3"], click: "convert", hides: ["*": never + ["[object Object]"]],
                      source: "a valid input shows a result", file: "templates/index.html", filled: ["miles"], allowsRequests: true),
        ])
        // no page with inputs: no page checks
        var api = merged(mileDescriptions[0], mileAnswer).contract
        XCTAssertEqual(api.pageChecks(existing: [], file: "app.py"), [])
    }

    let portfolioAnswer = """
    {"name": "Ada Portfolio", "kind": "jinja-pages",
     "pages": [{"path": "/", "heading": "Ada's Work", "links": ["/projects", "/cv"]},
               {"path": "/projects", "heading": "Projects", "links": ["/"]},
               {"path": "/cv", "heading": "Curriculum Vitae", "links": ["/", "https://example.com", "/cv page"]}]}
    """

    func testSiteChecksForAPortfolioOfSeveralPages() {
        for d in ["A two-page portfolio website: the home page has the heading \"Ada's Work\" and links to /projects and /cv; /projects lists three projects and /cv shows a short CV.",
                  "portfolio site titled Ada's Work w/ a /projects page and a /cv page, nav links between them"] {
            let (c, spec, plan) = merged(d, portfolioAnswer)
            XCTAssertEqual(plan.kind, .jinjaPages, d)
            XCTAssertEqual(c.pages.map(\.path), ["/", "/projects", "/cv"], d)
            XCTAssertEqual(c.pages.map(\.links), [["/projects", "/cv"], ["/"], ["/"]], d)
            let refined = c.refine(plan)
            XCTAssertEqual(refined.routes.map { "\($0.method) \($0.path)" }, ["GET /", "GET /projects", "GET /cv"], d)
            XCTAssertEqual(refined.pages, ["templates/index.html", "templates/projects.html", "templates/cv.html"], d)
            let checks = c.siteChecks(plan: refined, description: spec.description)
            XCTAssertEqual(checks.map(\.url), ["/", "/projects", "/cv"], d)
            XCTAssertEqual(checks.map(\.status), [[200], [200], [200]], d)
            // "Curriculum Vitae" is not written in the description: not checked
            XCTAssertEqual(checks.map(\.texts), [["Ada's Work"], ["Projects"], []], d)
            XCTAssertEqual(checks.map(\.links), [["/projects", "/cv"], ["/"], ["/"]], d)
            XCTAssertEqual(checks.map(\.file), ["templates/index.html", "templates/projects.html", "templates/cv.html"], d)
            XCTAssertEqual(checks.map(\.source), ["page / with the heading \"Ada's Work\", links to /projects, /cv",
                                                  "page /projects with the heading \"Projects\", links to /",
                                                  "page /cv, links to /"], d)
        }
    }

    func testNoSiteChecksForOnePageOrAnAPI() {
        let (c, spec, plan) = merged(kmPageDescriptions[0], kmPageAnswer)
        XCTAssertEqual(c.siteChecks(plan: c.refine(plan), description: spec.description), [])
        let api = merged(mileDescriptions[0], portfolioAnswer)
        XCTAssertEqual(api.contract.pages, [], "a JSON API takes no pages")
        XCTAssertEqual(api.contract.siteChecks(plan: api.plan, description: api.spec.description), [])
    }

    // MARK: - refine

    func testRefineAddsRoutesAndTemplatesForTheModelsPages() {
        let answer = #"{"pages": [{"path": "/projects", "heading": "Projects", "links": ["/cv"]}, {"path": "/cv", "heading": "CV", "links": ["/projects"]}]}"#
        for d in ["A portfolio website with two pages: a projects page and a CV page, each with a heading.",
                  "portfolio site, 2 pages (projects + cv), simple nav between them"] {
            let (c, _, plan) = merged(d, answer)
            XCTAssertEqual(plan.routes.map(\.path), ["/"], d)
            // the site opens at /: its first page, whose path the description does not write, is the home page
            XCTAssertEqual(c.pages.map(\.path), ["/", "/cv"], d)
            XCTAssertTrue(c.decisions.contains("the page /projects is the home page, at /"), "\(c.decisions)")
            let refined = c.refine(plan)
            XCTAssertEqual(refined.routes.map { "\($0.method) \($0.path)" }, ["GET /", "GET /cv"], d)
            XCTAssertEqual(refined.routes.map(\.purpose).suffix(1), ["the page \"CV\""], d)
            XCTAssertEqual(refined.files.map(\.path), ["app.py", "templates/index.html", "templates/cv.html"], d)
            XCTAssertEqual(refined.files.last?.purpose, "the page at /cv with the heading \"CV\"", d)
            XCTAssertEqual(c.refine(refined), refined, "refining twice changes nothing: \(d)")
        }
    }

    func testRefineSyncsQueryParametersIntoThePlansRoute() {
        let answer = """
        {"params": [{"route": "/api/miles", "name": "km", "in": "query", "type": "number"},
                    {"route": "/api/miles", "name": "unit", "in": "query", "type": "string"}],
         "pages": [{"path": "/", "inputs": [{"id": "km", "type": "number"}], "button": "Convert", "outputs": ["miles"]}]}
        """
        for d in ["A JavaScript page: type kilometres and press Convert; the page asks GET /api/miles, passing the distance as the km query parameter.",
                  "js page that calls GET /api/miles (km as a query param) and prints the miles"] {
            let (c, _, plan) = merged(d, answer)
            XCTAssertEqual(plan.routes.first { $0.path == "/api/miles" }?.query, [], d)
            XCTAssertEqual(c.endpoints.first?.params, [C.Param(name: "km", location: "query", type: .number, origin: .model)],
                           "unit is not written in the description: \(d)")
            XCTAssertEqual(c.pages.first?.calls, "/api/miles", d)
            let refined = c.refine(plan)
            XCTAssertEqual(refined.routes.first { $0.path == "/api/miles" }?.query, ["km"], d)
            XCTAssertEqual(refined.elementIDs, ["km", "convert", "miles"], d)
        }
    }

    /// A page path the model proposes that the description writes only as the end of an API path
    /// (`/books` inside `/api/books`) is not a page the description names.
    func testAPageWhosePathIsOnlyTheEndOfAnAPIPathIsDropped() {
        let answer = """
        {"pages": [{"path": "/", "inputs": [{"id": "genre"}], "button": "Find", "outputs": ["books"]},
                   {"path": "/books", "heading": "Books"}]}
        """
        for d in ["A page with <input id=\"genre\">, a <button id=\"find\"> and <ul id=\"books\">; its JavaScript asks GET /api/books?genre=<text>.",
                  "js page: type a genre into #genre, press #find, and the list #books fills from GET /api/books?genre=..."] {
            let (c, _, plan) = merged(d, answer)
            XCTAssertEqual(c.pages.map(\.path), ["/"], d)
            XCTAssertTrue(c.dropped.contains { $0.hasPrefix("page /books") }, "\(c.dropped)")
            XCTAssertFalse(c.refine(plan).routes.contains { $0.path == "/books" }, d)
        }
        // a page the description does write keeps its place
        let (kept, _, _) = merged("A page with <input id=\"genre\"> and a <button id=\"find\">; a second page at /books lists them all; GET /api/books answers JSON.", answer)
        XCTAssertEqual(Set(kept.pages.map(\.path)), ["/", "/books"])
    }

    /// A JSON body the description writes for a route: its keys are body values with the literal's types
    /// (a list with its items' type), never query parameters, and the model's plan cannot make them so.
    /// A key the description says holds a list in order is read with its order; "sorted by" a field
    /// and a sentence without a quoted key give nothing. Every check carries the keys, and a route
    /// taking a list of numbers gets one more request with a list out of order and with ties.
    func testKeysWhoseListsTheDescriptionOrders() throws {
        let cases: [(String, [String: String])] = [
            ("POST /spread with {\"values\": [<number>, ...]} answers with \"repeated\": the values seen more than once, in ascending order.", ["repeated": "ascending"]),
            ("- \"peaks\": a list of the local maxima, sorted from the largest, i.e. largest first\n- \"dips\": the local minima, sorted", ["peaks": "descending", "dips": "ascending"]),
            ("the answer has \"top\" (the three highest values in descending order) and \"count\".", ["top": "descending"]),
            ("return \"rows\" sorted by name. Values are in any order.", [:]),
            ("\"middle\": the middle value of the sorted values; \"low\": the first of them", [:]),
            ("List them in ascending order.", [:]),
            ("\"ordered\" holds the numbers in ascending order and \"top\" the three largest, largest first.", ["ordered": "ascending", "top": "descending"]),
            ("\"posts\" sorted, newest first", [:]),
        ]
        for (d, want) in cases { XCTAssertEqual(ContractReader.orderedKeys(d), want, d) }

        let d = "A JSON API on port 7010. POST /spread with a JSON body {\"values\": [<number>, ...]} answers 200 with \"repeated\": the values seen more than once, in ascending order."
        let spec = ProjectSpec(description: d)
        let plan = PlanBuilder.ruleBased(spec)
        let contract = ContractReader.explicit(spec, plan: plan)
        let given = BehaviourCheck(method: "POST", url: "/spread", json: ["values": .list([2, 2, 3, 4, 9].map { JSONScalar.number($0) })], status: [200], source: "example")
        // the longest list the checks send sets the probe's length
        let sample = BehaviourCheck(method: "POST", url: "/spread", json: ["values": .list([3, 5].map { JSONScalar.number($0) })], status: [200], source: "sample")
        let checks = Project.withOrderedKeys([sample, given], contract: contract, description: d).filter { $0.source != "sample" }
        XCTAssertEqual(checks.count, 2)
        XCTAssertTrue(checks.allSatisfy { $0.ordered == ["repeated": "ascending"] })
        XCTAssertEqual(checks[1].json?["values"], .list([5, 1, 3, 5, 1].map { JSONScalar.number($0) }), "the checked request's length, out of order, with ties")
        // a short list, or two lists in the body: no probe (their lengths may be bound)
        var short = given; short.json = ["values": .list([.number(2), .number(2)])]
        XCTAssertEqual(Project.withOrderedKeys([short], contract: contract, description: d).count, 1)
        let pairs = "A JSON API on port 7011. POST /spread with a JSON body {\"values\": [<number>, ...], \"weights\": [<number>, ...]} answers 200 with \"repeated\" in ascending order."
        let pairContract = ContractReader.explicit(ProjectSpec(description: pairs), plan: PlanBuilder.ruleBased(ProjectSpec(description: pairs)))
        XCTAssertEqual(Project.withOrderedKeys([given], contract: pairContract, description: pairs).count, 1)
        XCTAssertEqual(checks[1].status, [200])
        XCTAssertEqual(Project.withOrderedKeys([given], contract: contract, description: "POST /spread with {\"values\": [1]} answers 200."), [given])
    }

    /// A search the description says can find nothing is asked for letters no entry holds: the
    /// answer must show the stated text and list fewer entries than an empty search. Descriptions
    /// that speak of empty input, or have no text parameter, get no such check.
    func testASearchThatFindsNothingShowsItsStatedText() throws {
        let plan = ProjectPlan(kind: .jinjaPages, port: 7020, files: [PlannedFile(path: "app.py", purpose: ""), PlannedFile(path: "templates/index.html", purpose: "")],
                               routes: [PlannedRoute(method: "GET", path: "/", purpose: ""), PlannedRoute(method: "GET", path: "/find", purpose: "", query: ["term", "page"])])
        var contract = Contract(port: 7020)
        contract.endpoints = [Contract.Endpoint(method: "GET", path: "/find", params: [Contract.Param(name: "page", location: "query", type: .integer, origin: .model)],
                                                returns: [], origin: .model)]
        let found = [
            "A page to look up cities by name at /find?term=... . If nothing matches, show \"Nothing here\".",
            "city finder; when no city matches the term the page should say \"Nothing here\"",
            "Search the cities (GET /find). No results? Then display \"Nothing here\" instead of a list.",
        ]
        for d in found {
            let checks = contract.noMatchChecks(description: d, plan: plan)
            XCTAssertEqual(checks.map(\.url), ["/find?term=zqxvjk"], d)
            XCTAssertEqual(checks.first?.texts, ["Nothing here"], d)
            XCTAssertEqual(checks.first?.fewerEntriesThan, "/find?term=", d)
            XCTAssertEqual(checks.first?.file, "templates/index.html", d)
        }
        let other = [
            "A page at /find?term=... . If nothing is typed, show \"Type a city\".",
            "city finder; an empty term shows \"Type a city\"",
            "If nothing matches, show the full list.",
        ]
        for d in other { XCTAssertEqual(contract.noMatchChecks(description: d, plan: plan).count, 0, d) }
        // a line about another route speaks of that one
        XCTAssertEqual(contract.noMatchChecks(description: "GET /people/<name> shows a person; if no person matches, say \"Nobody\".", plan: plan).count, 0)
        // two text parameters: which one searches is not known
        var two = plan
        two.routes[1].query = ["term", "country"]
        XCTAssertEqual(contract.noMatchChecks(description: found[0], plan: two).count, 0)
    }

    /// "If the second comes before the first, the answer is negative": the worked example with its
    /// two values swapped must answer its number negated. Other statements give nothing.
    func testAnExampleWithItsTwoValuesSwappedIsNegativeWhenTheDescriptionSaysSo() {
        var contract = Contract(port: 7030)
        contract.endpoints = [Contract.Endpoint(method: "GET", path: "/span", params: [], returns: [], origin: .description)]
        contract.examples = [Contract.Example(route: "/span", given: ["from": "2023-05-01", "to": "2023-05-11"], expect: ["10"], origin: .model)]
        let said = [
            "GET /span?from=2023-05-01&to=2023-05-11 answers the days between them (10 here). If to is before from, the count is negative.",
            "span api: when the to date comes before the from date, give a negative number of days",
            "Days from one date to another; if from is later than to the result should be negative.",
        ]
        for d in said {
            let checks = contract.reversedOrderChecks(description: d)
            XCTAssertEqual(checks.map(\.url), ["/span?from=2023-05-11&to=2023-05-01"], d)
            XCTAssertEqual(checks.first?.texts, ["-10"], d)
            XCTAssertEqual(checks.first?.status, [200], d)
        }
        // no worked example in the contract: the description's own URL and the one number its sentence gives
        var bare = contract
        bare.examples = []
        for d in ["GET /span?from=2023-05-01&to=2023-05-11 gives json with the days between (that example is 10). if to is before from the number is negative.",
                  "Flask API, port 7030.\n- GET /span?from=2023-05-01&to=2023-05-11 returns {\"span\": 10}.\n- When to comes before from, the span is negative."] {
            XCTAssertEqual(bare.reversedOrderChecks(description: d).map(\.url), ["/span?from=2023-05-11&to=2023-05-01"], d)
            XCTAssertEqual(bare.reversedOrderChecks(description: d).first?.texts, ["-10"], d)
        }
        // two numbers in the URL's sentence: which is the answer is not known
        XCTAssertEqual(bare.reversedOrderChecks(description: "GET /span?from=2023-05-01&to=2023-05-11 gives 10 days or 240 hours. If to is before from, it is negative.").count, 0)
        for d in ["If to is before from, answer with an error.", "The count is never negative.", "If to is missing the result is negative.",
                  "If to is before from, respond 400: the count can't be negative."] {
            XCTAssertEqual(contract.reversedOrderChecks(description: d).count, 0, d)
        }
    }

    func testAJSONBodyWrittenForARouteIsReadFromTheBody() throws {
        let descriptions = [
            ("A Flask JSON API on port 7001.\n- POST /median with a JSON body {\"values\": [<number>, ...]} answers 200 with {\"median\": <number>}.",
             "POST", "/median", "values", C.ValueType.number),
            ("tiny flask api on port 7002: you POST {\"scores\": [3, 9, 4]} to /highest and it sends back the biggest one", "POST", "/highest", "scores", .number),
            ("Make an API. POST /shelves takes {\"labels\": [\"...\", ...], \"capacity\": <integer>} and returns the new shelf as JSON.",
             "POST", "/shelves", "labels", .string),
        ]
        for (d, method, path, name, item) in descriptions {
            let spec = ProjectSpec(description: d)
            // the model reads the body's values as query parameters
            let answer = """
            {"kind": "json-api", "files": [{"path": "app.py", "purpose": "the API"}],
             "routes": [{"method": "\(method)", "path": "\(path)", "purpose": "compute", "query": ["\(name)"]}]}
            """
            let plan = try PlanBuilder.fromModelAnswer(answer, spec: spec)
            XCTAssertEqual(plan.routes.map { "\($0.method) \($0.path)" }, ["\(method) \(path)"], d)
            let c = ContractReader.merge(ContractReader.explicit(spec, plan: plan), answer: answer, spec: spec, plan: plan)
            let e = try XCTUnwrap(c.endpoints.first { $0.path == path }, d)
            let p = try XCTUnwrap(e.params.first { $0.name == name }, d)
            XCTAssertEqual(p.location, "json", d)
            XCTAssertEqual(p.type, .list, d)
            XCTAssertEqual(p.items, item, d)
            XCTAssertFalse(e.params.contains { $0.location == "query" }, d)
            XCTAssertEqual(c.refine(plan).routes.first { $0.path == path }?.query, [], "the plan's route reads no query string: \(d)")
        }
        // the other values of a written body keep their own types; a name the description also writes
        // as `?name=` stays a query parameter
        let shelf = ContractReader.explicitBodies("PUT /shelves/<id> takes {\"labels\": [\"a\"], \"capacity\": <integer>} and returns the shelf.")
        XCTAssertEqual(shelf.first?.values["capacity"], .number(2))
        let both = ProjectSpec(description: "POST /scale?factor=2 with a JSON body {\"factor\": 3, \"points\": [1, 2]} returns the scaled points")
        let bothPlan = PlanBuilder.ruleBased(both)
        let params = ContractReader.explicit(both, plan: bothPlan).endpoints.first?.params ?? []
        XCTAssertEqual(params.filter { $0.location == "query" }.map(\.name), ["factor"])
        XCTAssertEqual(params.filter { $0.location == "json" }.map(\.name), ["points"])
        // an answer is not a body (nor an error written after a status); a GET has none
        XCTAssertEqual(ContractReader.explicitBodies("POST /roll returns {\"faces\": [<integer>, ...]}"), [])
        XCTAssertEqual(ContractReader.explicitBodies("PUT /pots/<id> updates it, or 404 {\"error\": \"...\"}"), [])
        XCTAssertEqual(ContractReader.explicitBodies("POST /pots adds one, with {\"error\": \"...\"} when it is bad"), [])
        XCTAssertEqual(ContractReader.explicitBodies("GET /stats with {\"values\": [1, 2]}"), [])
        // an update's body may hold some of its keys: they are not made required values of the route
        let update = ProjectSpec(description: "PUT /pots/<id> with a JSON body {\"label\": \"...\", \"size\": <integer>} changes what it holds.")
        XCTAssertFalse(ContractReader.explicit(update, plan: PlanBuilder.ruleBased(update)).endpoints.flatMap(\.params).contains { $0.location == "json" })
    }

    /// The keys of a GET route's answer, read from the lines that name that route alone, as precise and
    /// casual descriptions write them; error keys and the route's own parameters are not answer keys.
    func testAnswerKeysComeFromTheLineThatNamesTheRoute() {
        let routes = [PlannedRoute(method: "GET", path: "/speed", purpose: "", query: ["km", "hours"]),
                      PlannedRoute(method: "GET", path: "/speedy", purpose: "", query: []),
                      PlannedRoute(method: "POST", path: "/log", purpose: "", query: []),
                      PlannedRoute(method: "GET", path: "/temp", purpose: "", query: ["c"])]
        let precise = "- GET /speed?km=<number>&hours=<number> responds 200 with {\"km\": <number>, \"kmh\": <km / hours>}; otherwise {\"error\": \"…\"}"
        XCTAssertEqual(ContractReader.answerKeys(precise, routes: routes), ["GET /speed": ["kmh"]])
        let casual = "could /temp?c=20 give me back json with the fahrenheit in a \"f\" field pls"
        XCTAssertEqual(ContractReader.answerKeys(casual, routes: routes), ["GET /temp": ["f"]])
        // two routes on one line, a POST's body, a longer path that starts alike: nothing
        XCTAssertEqual(ContractReader.answerKeys("/speed and /temp both answer {\"value\": 1}", routes: routes), [:])
        XCTAssertEqual(ContractReader.answerKeys("POST /log with {\"entry\": \"text\"} answers {\"id\": 1}", routes: routes), [:])
        XCTAssertEqual(ContractReader.answerKeys("GET /speedy gives {\"fast\": true}", routes: [routes[0]]), [:])
    }

    /// Keys of an object nested in the answer's object are not the answer's own keys: the answer must
    /// not be asked to carry them at its top level.
    func testNestedKeysAreNotAnswerKeys() {
        let routes = [PlannedRoute(method: "GET", path: "/api/books", purpose: "", query: ["n"]),
                      PlannedRoute(method: "GET", path: "/api/shelf", purpose: "", query: [])]
        let phrasings = [
            #"GET /api/books?n=<int> answers {"books": [{"title": "…", "pages": 120}], "count": n}"#,
            #"/api/books?n=3 should give json like { "books" : [ { "title" : "x", "pages" : 1 } ] , "count" : 3 }"#,
        ]
        for text in phrasings {
            XCTAssertEqual(ContractReader.answerKeys(text, routes: routes), ["GET /api/books": ["books", "count"]], text)
        }
        // an answer that is a list: its items' keys (what stored records keep); a nested object's keys are its own
        XCTAssertEqual(ContractReader.answerKeys(#"GET /api/shelf returns [{"id": 1, "title": "a"}]"#, routes: routes), ["GET /api/shelf": ["id", "title"]])
        XCTAssertEqual(ContractReader.answerKeys(#"GET /api/shelf returns {"owner": {"name": "x"}, "size": 2}"#, routes: routes),
                       ["GET /api/shelf": ["owner", "size"]])
        // a quoted colon inside a value is not a key
        XCTAssertEqual(ContractReader.topLevelKeys(#"{"note": "a: b", "ok": true}"#), ["note", "ok"])
    }
}
