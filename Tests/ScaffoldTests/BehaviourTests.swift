import Foundation
import XCTest
@testable import Scaffold

/// The description's stated outcomes become requests with expected answers.
///
/// Each description is written several ways (`Fixtures/specs/NAME.txt`, `NAME_plain.txt`,
/// `NAME_casual.txt`); every paraphrase must give the same checks. The rules read syntax (status codes,
/// quoted texts, numbers), so each rule is also tested on descriptions written here in at least two
/// wordings, and on wordings that must give no check.
final class BehaviourTests: XCTestCase {
    static func spec(_ name: String) throws -> ProjectSpec {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("specs/\(name).txt")
        return ProjectSpec(description: try String(contentsOf: url, encoding: .utf8))
    }

    func spec(_ name: String) throws -> ProjectSpec { try Self.spec(name) }

    func checks(_ name: String) throws -> [BehaviourCheck] {
        let s = try spec(name)
        return BehaviourRules.checks(for: s, plan: PlanBuilder.ruleBased(s))
    }

    func find(_ checks: [BehaviourCheck], _ method: String, _ url: String, json: [String: JSONScalar]? = nil) -> BehaviourCheck? {
        checks.first { $0.method == method && $0.url == url && (json == nil || $0.json == json) }
    }

    /// The description's line that contains `text` (as `BehaviourRules.units` gives it).
    func line(_ s: ProjectSpec, containing text: String) -> String? {
        BehaviourRules.units(s.description).first { $0.contains(text) }
    }

    // MARK: a JSON API with a query parameter

    static let cube = ["cube_volume_api", "cube_volume_api_plain", "cube_volume_api_casual"]

    func testQueryAPIExampleErrorsAndAllowedValues() throws {
        for name in Self.cube {
            let c = try checks(name)
            let labels = "\(name):\n" + c.map(\.expectation).joined(separator: "\n")
            // "GET /cube?edge=1.2 returns {"edge": 1.2, "volume": 1.728}"
            let example = try XCTUnwrap(find(c, "GET", "/cube?edge=1.2"), labels)
            XCTAssertEqual(example.status, [200], labels)
            XCTAssertEqual(example.jsonSubset?["volume"], .number(1.728), labels)
            XCTAssertEqual(example.jsonSubset?["edge"], .number(1.2), labels)
            // missing, not a number, negative: the stated status and an "error" key
            for bad in ["/cube", "/cube?edge=abc", "/cube?edge=-1"] {
                let b = try XCTUnwrap(find(c, "GET", bad), "\(bad)\n\(labels)")
                XCTAssertEqual(b.status, [422], "\(bad)\n\(labels)")
                XCTAssertEqual(b.jsonKeys, ["error"], "\(bad)\n\(labels)")
                XCTAssertTrue(b.source.contains("missing") && b.source.contains("422"), b.source)
            }
            // "decimals such as 0.25 are allowed"
            XCTAssertEqual(find(c, "GET", "/cube?edge=0.25")?.status, [200], labels)
            // no check the description does not state
            XCTAssertEqual(Set(c.map(\.url)).subtracting(["/cube?edge=0"]),
                           ["/cube?edge=1.2", "/cube", "/cube?edge=abc", "/cube?edge=-1", "/cube?edge=0.25"], labels)
            XCTAssertTrue(c.allSatisfy { $0.method == "GET" && $0.json == nil && $0.form == nil }, labels)
        }
        // "An edge of 0 is valid", "an edge of 0 is allowed", "an edge of 0 is fine"
        for name in Self.cube {
            let c = try checks(name)
            let zero = try XCTUnwrap(find(c, "GET", "/cube?edge=0"), name)
            XCTAssertEqual(zero.status, [200], name)
            XCTAssertTrue(zero.source.contains("edge of 0"), zero.source)
        }
    }

    // MARK: a page app's JSON route

    /// A page whose script fetches a JSON route: that route's stated errors are checked as an API's
    /// are, in a precise and a casual wording; the page itself gets no API check, a placeholder in the
    /// route's URL ("?word=W") is never sent, and a site of pages "not JSON" gets no check at all.
    func testAPageAppsJSONRouteIsCheckedLikeAnAPI() {
        let plan = ProjectPlan(kind: .jinjaPages, port: 5091,
                               files: [PlannedFile(path: "app.py", purpose: "app"), PlannedFile(path: "templates/index.html", purpose: "page")],
                               routes: [PlannedRoute(method: "GET", path: "/", purpose: "page"),
                                        PlannedRoute(method: "GET", path: "/api/flip", purpose: "api", query: ["word"])])
        let wordings = [
            """
            A Flask app on port 5091 with one page: type a word, press the button, and the page shows it backwards. A value of 0 is fine.
            - GET / returns the page.
            - GET /api/flip?word=W, where W is any text, returns status 200 and the JSON object {"flipped": ...}.
            - If word is missing or empty, GET /api/flip returns status 400 and the JSON object {"error": "..."}.
            """,
            """
            A page on port 5091 flips a word backwards; a value of 0 is fine.
            - GET /api/flip?word=..., returns status 200 and the JSON object {"flipped": "..."}.
            - A missing word gets status 400 and the JSON object {"error": "..."}.
            """,
            "make me a page on port 5091 that flips a word backwards with fetch to GET /api/flip?word=..., which answers JSON like "
                + #"{"flipped": "olleh"}; a missing word gets a 400 error."#,
        ]
        for text in wordings {
            let c = BehaviourRules.checks(for: ProjectSpec(description: text), plan: plan)
            let labels = c.map { "\($0.method) \($0.url): \($0.expectation)" }.joined(separator: "\n")
            XCTAssertNotNil(c.first { $0.url == "/api/flip" && $0.status == [400] }, labels)
            XCTAssertTrue(c.allSatisfy { $0.url.hasPrefix("/api/flip") }, labels)
            XCTAssertFalse(c.contains { $0.url.contains("=W") || $0.url.contains("=...") || $0.url.contains("word=0") }, labels)
        }
        // the route nearest before the word JSON in its sentence; "not JSON" names no JSON route
        var two = plan
        two.routes = [PlannedRoute(method: "GET", path: "/", purpose: "page"), PlannedRoute(method: "GET", path: "/chart", purpose: "page"),
                      PlannedRoute(method: "GET", path: "/api/chart", purpose: "api")]
        XCTAssertEqual(BehaviourRules.jsonRoutes("GET /chart shows a page whose script fetches GET /api/chart, which returns JSON.", plan: two).map(\.path), ["/api/chart"])
        XCTAssertEqual(BehaviourRules.jsonRoutes("The page loads JSON from GET /api/chart. GET /chart returns an HTML page, not JSON.", plan: two).map(\.path), ["/api/chart"])
        XCTAssertEqual(BehaviourRules.jsonRoutes("GET /chart returns an HTML page, not JSON; there is no JSON API.", plan: two).map(\.path), [])
        XCTAssertTrue(BehaviourRules.samePath("/api/items/<id>", "/api/items/7") && !BehaviourRules.samePath("/api/items", "/api/items/7"))
    }

    /// A form app's JSON route ("GET /api/members returns a JSON list …", no status written) is checked
    /// for 200 and a list, in two wordings; a route with a query it needs and no written example is not.
    func testAFormAppsJSONListRouteIsChecked() {
        let plan = ProjectPlan(kind: .wtforms, port: 5094,
                               files: [PlannedFile(path: "app.py", purpose: "app"), PlannedFile(path: "forms.py", purpose: "form"),
                                       PlannedFile(path: "templates/join.html", purpose: "page")],
                               routes: [PlannedRoute(method: "GET", path: "/join", purpose: "page"), PlannedRoute(method: "POST", path: "/join", purpose: "form"),
                                        PlannedRoute(method: "GET", path: "/api/members", purpose: "list"),
                                        PlannedRoute(method: "GET", path: "/api/lookup", purpose: "find", query: ["nick"])])
        for text in ["A club sign-up page with WTForms on port 5094: GET /join shows a form with a nick field.\n- GET /api/members returns a JSON list of everyone who joined, each {\"nick\": ...}.\n- GET /api/lookup?nick=NICK returns the JSON object {\"nick\": ...}.",
                     "sign-up form (flask-wtf) on port 5094 where members join with a nick, plus GET /api/members which gives back a JSON list of who joined"] {
            let c = BehaviourRules.checks(for: ProjectSpec(description: text), plan: plan)
            let labels = c.map { "\($0.method) \($0.url): \($0.expectation)" }.joined(separator: "\n")
            if text.hasPrefix("A club") {
                XCTAssertNotNil(c.first { $0.url == "/api/members" && $0.status == [200] && $0.jsonType == "list" }, labels)
            }
            XCTAssertFalse(c.contains { $0.url.hasPrefix("/api/lookup") }, labels)
        }
    }

    /// "decimals and negatives allowed", in several wordings: each number field of a form is given a
    /// decimal and a negative (the other field valid) and must be answered with a result, not a
    /// validator's refusal; an API's one parameter likewise. Denials and mere mentions give no check.
    func testKindsOfNumberTheDescriptionAllows() {
        XCTAssertEqual(StatementReader.acceptedKinds("two numbers (decimals and negatives allowed)").map(\.value), ["2.5", "-3"])
        XCTAssertEqual(StatementReader.acceptedKinds("Negative numbers are fine, and it accepts fractions.").map(\.value), ["-3", "2.5"])
        XCTAssertEqual(StatementReader.acceptedKinds("Negatives are not allowed and there are no decimals.").map(\.value), [])
        for denied in ["The price shows two decimals.", "Rounded to one decimal is fine.", "Answers with up to two decimals are acceptable.",
                       "Truncating the decimals is OK.", "Only positive amounts; reject negatives, decimals are fine.",
                       "Neither decimals nor negatives are allowed.", "It should handle negative input by returning a 400 error.",
                       "Negative values are valid for the balance but not for the count."] {
            XCTAssertEqual(StatementReader.acceptedKinds(denied).map(\.value), [], denied)
        }
        let plan = ProjectPlan(kind: .wtforms, port: 5095,
                               files: [PlannedFile(path: "app.py", purpose: "app"), PlannedFile(path: "forms.py", purpose: "form"),
                                       PlannedFile(path: "templates/index.html", purpose: "page")],
                               routes: [PlannedRoute(method: "GET", path: "/", purpose: "page"), PlannedRoute(method: "POST", path: "/", purpose: "form")],
                               forms: [PlannedForm(className: "PairForm", fields: [PlannedField(name: "left", type: "FloatField", label: "Left"),
                                                                                   PlannedField(name: "right", type: "FloatField", label: "Right")])])
        for text in ["A Flask page on port 5095 with a WTForms form: enter two numbers (decimals and negatives allowed) and it shows their ratio.",
                     "flask form on port 5095 with two boxes for numbers; negative values are ok and it accepts decimals too. show the mean of the two"] {
            let c = BehaviourRules.checks(for: ProjectSpec(description: text), plan: plan)
                .filter { $0.form?.values.contains { $0 == "2.5" || $0 == "-3" } ?? false }
            XCTAssertEqual(Set(c.compactMap(\.form)), [["left": "2.5", "right": "70.5"], ["left": "70.5", "right": "2.5"],
                                                       ["left": "-3", "right": "70.5"], ["left": "70.5", "right": "-3"]], text)
            XCTAssertTrue(c.allSatisfy { $0.status == [200] && $0.forbidden.contains("Not a valid float") && $0.forbidden.contains("This field is required.") }, text)
        }
        // a whole-number field is not sent a decimal unless the sentence names it
        var whole = plan
        whole.forms[0].fields[1].type = "IntegerField"
        let c = BehaviourRules.checks(for: ProjectSpec(description: "A WTForms page on port 5095: two numbers, decimals are fine."), plan: whole)
        XCTAssertEqual(c.compactMap(\.form).filter { $0.values.contains("2.5") }, [["left": "2.5", "right": "4"]])
        // an API's one parameter
        let api = ProjectSpec(description: "JSON API on port 5096: GET /api/half?x=8 returns {\"half\": 4}. Negative numbers and decimals are accepted for x.")
        let a = BehaviourRules.checks(for: api, plan: PlanBuilder.ruleBased(api))
        XCTAssertNotNil(a.first { $0.url == "/api/half?x=-3" && $0.status == [200] }, a.map(\.url).joined(separator: "\n"))
        XCTAssertNotNil(a.first { $0.url == "/api/half?x=2.5" && $0.status == [200] }, a.map(\.url).joined(separator: "\n"))
        // … not from a sentence about something else
        let other = ProjectSpec(description: "JSON API on port 5096: GET /api/half?x=8 returns {\"half\": 4}. Stored balances can be negative; negative amounts are allowed in the ledger.")
        XCTAssertFalse(BehaviourRules.checks(for: other, plan: PlanBuilder.ruleBased(other)).contains { $0.url.contains("x=-3") })
    }

    /// A query value that stands for one is not sent; a value in capitals that is not the parameter's
    /// name is a value.
    func testPlaceholdersInAQueryAreNotValues() {
        for (value, name) in [("N", "n"), ("WORD", "word"), ("YYYY-MM-DD", "day"), ("...", "q"), ("<number>", "x"), ("{id}", "id")] {
            XCTAssertTrue(BehaviourRules.isPlaceholder(value, name: name), value)
        }
        for (value, name) in [("EUR", "to"), ("3", "n"), ("kim", "user"), ("2024-05-06", "day"), ("", "q")] {
            XCTAssertFalse(BehaviourRules.isPlaceholder(value, name: name), value)
        }
        let api = "A JSON API on port 5093.\n- GET /api/cubes?n=N, where N is a whole number, returns status 200 and the JSON object {\"cubes\": [...]}.\n- If n is missing, it returns 400."
        let s = ProjectSpec(description: api)
        let c = BehaviourRules.checks(for: s, plan: PlanBuilder.ruleBased(s))
        let labels = c.map { "\($0.method) \($0.url): \($0.expectation)" }.joined(separator: "\n")
        XCTAssertFalse(c.isEmpty, labels)
        XCTAssertFalse(c.contains { $0.url.contains("n=N") }, labels)
        // a JSON answer with no status written is 200, unless the line gives the route a refusal
        for (text, implied) in [("A JSON API on port 5097.\n- GET /api/codes returns a JSON list of the codes.", true),
                                ("A JSON API on port 5097.\n- GET /api/codes returns a JSON list of the codes; without the X-Key header it answers 401.", false)] {
            let s = ProjectSpec(description: text)
            XCTAssertEqual(BehaviourRules.checks(for: s, plan: PlanBuilder.ruleBased(s)).contains { $0.url == "/api/codes" && $0.status == [200] }, implied, text)
        }
    }

    // MARK: a REST resource

    static let bookmarks = ["bookmarks_api", "bookmarks_api_plain", "bookmarks_api_casual"]

    /// A body holding a list (`[<number>, ...]`, `[2, 8]`) is a request the checks can send, and a worked
    /// example written without its route ("Example: {…} gives {…}") goes to the one route whose body has
    /// those keys, in several wordings.
    func testABodyWithAListAndAnExampleWithoutItsRoute() throws {
        let precise = """
        A Flask JSON API on port 6100.
        - POST /spread with a JSON body {"readings": [<number>, ...]} responds with status 200 and a JSON object with the keys "lowest", "highest" and "spread".
        - Example: {"readings": [3, 11, 6]} gives {"lowest": 3, "highest": 11, "spread": 8}.
        """
        let casual = """
        api on port 6101 where I POST {"readings": [1, 2]} to /spread and get back lowest/highest/spread.
        e.g. {"readings": [3, 11, 6]} -> {"lowest": 3, "highest": 11, "spread": 8}
        """
        for d in [precise, casual] {
            let s = ProjectSpec(description: d)
            let c = BehaviourRules.checks(for: s, plan: PlanBuilder.ruleBased(s))
            let labels = c.map { "\($0.label) -> \($0.status)" }.joined(separator: "\n")
            let example = try XCTUnwrap(find(c, "POST", "/spread", json: ["readings": .list([.number(3), .number(11), .number(6)])]), labels)
            XCTAssertEqual(example.jsonSubset, ["lowest": .number(3), "highest": .number(11), "spread": .number(8)], labels)
            XCTAssertEqual(Set(example.jsonKeys), ["lowest", "highest", "spread"], labels)
        }
        // the route's own statement sends the placeholder list as a few numbers
        let s = ProjectSpec(description: precise)
        let c = BehaviourRules.checks(for: s, plan: PlanBuilder.ruleBased(s))
        XCTAssertEqual(find(c, "POST", "/spread", json: ["readings": .list([.number(2), .number(3), .number(7)])])?.status, [200])
        // a list written with a placeholder in an answer is expected as a key, not as these values
        let answer = try XCTUnwrap(BehaviourRules.expectedAnswer(#"{"doubled": [<number>, ...], "count": 3, "tags": ["...", ...]}"#))
        XCTAssertEqual(answer.subset, ["count": .number(3)])
        XCTAssertEqual(answer.keys, ["count", "doubled", "tags"])
        XCTAssertEqual(BehaviourRules.expectedAnswer(#"{"firsts": [2, 3, 5]}"#)?.subset, ["firsts": .list([.number(2), .number(3), .number(5)])])
        // two routes with the same body keys: an example without its route belongs to neither
        let two = ProjectSpec(description: """
        - POST /low with a JSON body {"readings": [<number>, ...]} answers 200.
        - POST /high with a JSON body {"readings": [<number>, ...]} answers 200.
        - Example: {"readings": [3, 11]} gives {"value": 3}.
        """)
        XCTAssertNil(BehaviourRules.checks(for: two, plan: PlanBuilder.ruleBased(two)).first { $0.jsonSubset == ["value": .number(3)] })
    }

    func testRESTResourceCreatesFirstAndChecksStatusesAndBodies() throws {
        for name in Self.bookmarks {
            let s = try spec(name)
            let c = try checks(name)
            let labels = "\(name):\n" + c.map { "\($0.label) -> \($0.status)" }.joined(separator: "\n")
            XCTAssertEqual(c.first?.method, "POST", labels)
            let create = try XCTUnwrap(find(c, "POST", "/bookmarks", json: ["url": .string("sample text")]), labels)
            XCTAssertEqual(create.status, [201], labels)
            XCTAssertEqual(Set(create.jsonKeys), ["id", "url", "starred"], labels)
            // "(optionally "starred", default false)": absent it is false, given it is kept
            XCTAssertEqual(create.jsonSubset, ["starred": .bool(false)], labels)
            let starred = try XCTUnwrap(find(c, "POST", "/bookmarks", json: ["url": .string("sample text"), "starred": .bool(true)]), labels)
            XCTAssertEqual(starred.jsonSubset, ["starred": .bool(true)], labels)
            XCTAssertEqual(starred.status, [201], labels)
            // "A missing, empty or non-string url gives status 422"
            for body: [String: JSONScalar] in [[:], ["url": .string("")], ["url": .number(123)]] {
                let bad = try XCTUnwrap(find(c, "POST", "/bookmarks", json: body), "\(body)\n\(labels)")
                XCTAssertEqual(bad.status, [422], labels)
                XCTAssertEqual(bad.jsonKeys, ["error"], labels)
            }
            XCTAssertEqual(find(c, "GET", "/bookmarks")?.jsonType, "list", labels)
            XCTAssertEqual(find(c, "GET", "/bookmarks")?.status, [200], labels)
            XCTAssertEqual(find(c, "GET", "/bookmarks/<id>")?.status, [200], labels)
            XCTAssertEqual(Set(find(c, "GET", "/bookmarks/<id>")?.jsonKeys ?? []), ["id", "url", "starred"], labels)
            let update = try XCTUnwrap(find(c, "PUT", "/bookmarks/<id>", json: ["url": .string("changed text")]), labels)
            XCTAssertEqual(update.status, [200], labels)
            XCTAssertEqual(update.jsonSubset, ["url": .string("changed text")], "the update answers with the new value\n\(labels)")
            XCTAssertEqual(Set(try XCTUnwrap(find(c, "DELETE", "/bookmarks/<id>"), labels).status), [200, 204], labels)
            // ids not given again after a delete: a create after the deletes must get a new id
            let reuse = try XCTUnwrap(c.last, labels)
            XCTAssertEqual(reuse.method, "POST", labels)
            XCTAssertTrue(reuse.newID, labels)
            XCTAssertEqual(reuse.source, line(s, containing: "reused"), labels)
            XCTAssertEqual(c.dropLast().last?.method, "DELETE", labels)
            XCTAssertEqual(c.filter(\.newID).count, 1, labels)
        }
        // The error cases a route's own statement names, each with the status written next to it: the casual
        // `(404 with {"error": "..."} if not found, 422 with {"error": "..."} if "url" is given but empty …)`
        // gives the update errors 422 and the unknown id 404, as the others do.
        for name in Self.bookmarks {
            let c = try checks(name)
            let labels = "\(name):\n" + c.map { "\($0.label) -> \($0.status)" }.joined(separator: "\n")
            for method in ["GET", "PUT", "DELETE"] {
                let missing = try XCTUnwrap(find(c, method, "/bookmarks/999999"), "\(method)\n\(labels)")
                XCTAssertEqual(missing.status, [404], labels)
                XCTAssertEqual(missing.jsonKeys, ["error"], labels)
            }
            XCTAssertEqual(find(c, "PUT", "/bookmarks/<id>", json: ["starred": .string("yes")])?.status, [422], labels)
            XCTAssertEqual(find(c, "PUT", "/bookmarks/<id>", json: ["url": .string("")])?.status, [422], labels)
            XCTAssertEqual(find(c, "PUT", "/bookmarks/999999")?.json, ["url": .string("changed text")], labels)
            XCTAssertFalse(c.contains { $0.status.contains(404) && $0.url.hasSuffix("/<id>") }, "no 404 for an item that exists\n\(labels)")
            XCTAssertFalse(c.contains { $0.status.contains(422) && $0.url.hasSuffix("/999999") }, "no 422 for an unknown id\n\(labels)")
            XCTAssertEqual(c.count, 15, labels)
        }
    }

    // MARK: a WTForms page with number fields

    static let fuel = ["fuel_form", "fuel_form_plain", "fuel_form_casual"]

    func testNumberFormFieldsTakeDecimalsAndShowThePinnedMessage() throws {
        let message = "Enter a value above zero."
        for name in Self.fuel {
            let s = try spec(name)
            var plan = PlanBuilder.ruleBased(s)
            let c = BehaviourRules.checks(for: s, plan: plan)
            let labels = "\(name):\n" + c.map(\.expectation).joined(separator: "\n")
            // "number fields": decimals are valid input
            let valid = try XCTUnwrap(c.first { $0.form == ["distance": "70.5", "fuel": "70.5"] && $0.formats.isEmpty }, labels)
            XCTAssertTrue(valid.forbidden.contains("Not a valid integer"), labels)
            XCTAssertEqual(valid.status, [200], labels)
            XCTAssertEqual(valid.file, "forms.py", labels)
            // "written as "Consumption: 6.4 L/100 km"": valid input shows a result written that way
            let format = try XCTUnwrap(c.first { !$0.formats.isEmpty }, labels)
            XCTAssertEqual(format.formats, ["Consumption: 6.4 L/100 km"], labels)
            XCTAssertEqual(format.status, [200], labels)
            XCTAssertEqual(format.file, "templates/index.html", labels)
            XCTAssertTrue(format.expectation.hasSuffix(#"the page shows text like "Consumption: 6.4 L/100 km" (its number for this input, written the same way)"#), format.expectation)
            // … and the result depends on the input: each field scaled differently
            let other = try XCTUnwrap(c.first { $0.differsFromPrevious }, labels)
            XCTAssertEqual(other.form, ["distance": "141.0", "fuel": "211.5"], labels)
            XCTAssertEqual(other.formats, ["Consumption: 6.4 L/100 km"], labels)
            // a text field in the form: no numeric rules, only the filled-in form answered without a server error
            plan.forms[0].fields.append(PlannedField(name: "note", type: "StringField", label: "Note"))
            let mixed = BehaviourRules.checks(for: s, plan: plan)
            XCTAssertEqual(mixed.count, 1, name)
            XCTAssertEqual(mixed.first?.formats, [], name)
            XCTAssertEqual(mixed.first?.form?["note"], "sampletext", name)
        }
        // the message: `is exactly "…"`, `the error reads "…"`, `with the error "…"`
        for name in Self.fuel {
            let c = try checks(name)
            let labels = "\(name):\n" + c.map(\.expectation).joined(separator: "\n")
            let valid = try XCTUnwrap(c.first { $0.form == ["distance": "70.5", "fuel": "70.5"] && $0.formats.isEmpty }, labels)
            XCTAssertTrue(valid.forbidden.contains(message), labels)
            // zero and a negative value, for each field, with the other field valid
            let refused = c.filter { $0.texts == [message] }
            XCTAssertEqual(Set(refused.compactMap(\.form)), [["distance": "0", "fuel": "70.5"], ["distance": "-5", "fuel": "70.5"],
                                                               ["distance": "70.5", "fuel": "0"], ["distance": "70.5", "fuel": "-5"]], labels)
            XCTAssertTrue(refused.allSatisfy { $0.file == "forms.py" && $0.source.contains(message) }, labels)
            // "Such a page may answer 200 or 422", "its status may be 200 or 422", "(200 or 422 is fine for that page)"
            XCTAssertTrue(refused.allSatisfy { $0.status == [200, 422] }, labels)
            let rule = try XCTUnwrap(BehaviourRules.nonPositiveMessage(try spec(name).description), name)
            XCTAssertEqual(rule.message, message)
            XCTAssertTrue(rule.rejectsZero, name)
        }
    }

    /// A form of text fields (a sign-up, a message) is sent filled in with a value of each field's type,
    /// the same one in its password fields, and must be answered without a server error.
    func testAFormOfTextFieldsIsSentFilledIn() throws {
        for d in ["A Flask-WTF sign-up page: GET /join shows a form (method POST, action /join) with fields named handle, mail (an email address), secret and secret_again (password inputs); a valid sign-up redirects to /hello.",
                  "flask wtforms page where people leave a note: fields called author and note, posted to /notes, then the page thanks them"] {
            let s = ProjectSpec(description: d)
            let plan = PlanBuilder.ruleBased(s)
            XCTAssertEqual(plan.kind, .wtforms, d)
            let checks = BehaviourRules.checks(for: s, plan: plan)
            let c = try XCTUnwrap(checks.first { $0.method == "POST" && $0.form != nil }, "\(d)\n\(checks.map(\.label))")
            XCTAssertEqual(Set(c.form?.keys.map { $0 } ?? []), Set(plan.forms.flatMap(\.fields).map(\.name).filter { $0 != "submit" }), d)
            XCTAssertFalse(c.status.contains(500), d)
            XCTAssertTrue(c.forbidden.contains("Internal Server Error"), d)
            let passwords = plan.forms.flatMap(\.fields).filter { $0.type == "PasswordField" }.compactMap { c.form?[$0.name] }
            XCTAssertEqual(Set(passwords).count, passwords.isEmpty ? 0 : 1, "one value in every password field: \(d)")
        }
    }

    func testOtherWordingAndNothingForPagesOrVagueText() throws {
        let s = ProjectSpec(description: """
        Build a JSON API that converts lengths.
        - GET /convert?inches=<number> returns the JSON object {"inches": <number>, "cm": <number>}. Example: GET /convert?inches=10 returns {"inches": 10, "cm": 25.4}.
        - When inches is missing or not a number, respond with status 400 and {"error": "..."}.
        """)
        let checks = BehaviourRules.checks(for: s, plan: PlanBuilder.ruleBased(s))
        XCTAssertEqual(find(checks, "GET", "/convert?inches=10")?.jsonSubset?["cm"], .number(25.4))
        XCTAssertEqual(find(checks, "GET", "/convert")?.status, [400])
        XCTAssertEqual(find(checks, "GET", "/convert?inches=abc")?.jsonKeys, ["error"])
        XCTAssertNil(find(checks, "GET", "/convert?inches=-1"), "negative values are not said to be errors")

        let vague = ProjectSpec(description: "Create a flask API that returns the current time as JSON at /time.")
        XCTAssertTrue(BehaviourRules.checks(for: vague, plan: PlanBuilder.ruleBased(vague)).isEmpty)
        for name in PageBehaviourTests.miles + PageBehaviourTests.discount {
            let page = try spec(name)
            XCTAssertTrue(BehaviourRules.checks(for: page, plan: PlanBuilder.ruleBased(page)).isEmpty, name)
        }
    }

    func testModelPlannedIntegerFieldBecomesFloatUnlessWholeNumbersAreAsked() throws {
        for name in Self.fuel {
            let s = try spec(name)
            let answer = #"{"kind": "wtforms", "files": ["app.py", "forms.py", "templates/index.html"], "forms": [{"class": "FuelForm", "fields": [{"name": "distance", "type": "IntegerField"}, {"name": "fuel", "type": "DecimalField"}]}]}"#
            let plan = try PlanBuilder.fromModelAnswer(answer, spec: s)
            XCTAssertEqual(plan.forms[0].fields.map(\.type), ["FloatField", "FloatField"], name)
        }
        for text in ["A WTForms page with two number fields named fare and guests (the number of guests, a whole number).",
                     "wtforms page, number inputs called fare and guests; guests is a whole number"] {
            let whole = ProjectSpec(description: text)
            let plan = try PlanBuilder.fromModelAnswer(#"{"kind": "wtforms", "files": ["app.py", "forms.py", "templates/index.html"], "forms": [{"class": "SplitForm", "fields": [{"name": "fare", "type": "IntegerField"}, {"name": "guests", "type": "FloatField"}]}]}"#, spec: whole)
            XCTAssertEqual(plan.forms[0].fields.map(\.type), ["FloatField", "IntegerField"], text)
        }
    }

    // MARK: status codes read next to their condition

    /// A status is any 1xx–5xx number, "X or Y" and "X (Y is also fine)" are alternatives, and a number
    /// that is a value ("above 100", "port 5000", "between 200 and 300") is none.
    func testStatusGroupsReadAlternativesAndSkipValues() {
        func codes(_ text: String) -> [[Int]] { StatementReader.statusGroups(StatementReader.masked(text)).map(\.codes) }
        XCTAssertEqual(codes("DELETE /pets/<id> returns 204 (200 is also fine)."), [[204, 200]])
        XCTAssertEqual(codes("removing a pet answers 204, or 200 if you like"), [[204, 200]])
        XCTAssertEqual(codes("it answers 200, 404 if the pet is unknown"), [[200], [404]], "a comma alone lists statuses, not alternatives")
        XCTAssertEqual(codes("a bad name gets 400 or 422"), [[400, 422]])
        XCTAssertEqual(codes("it replies 200, 201 or 204"), [[200, 201, 204]])
        XCTAssertEqual(codes("a count above 100 answers 400"), [[400]])
        XCTAssertEqual(codes("serve it on port 5000 with at most 250 pets, between 200 and 300 grams each"), [])
        XCTAssertEqual(codes(#"answers 422 with {"error": "must be 1.5 or 404 or less"}"#), [[422]], "values inside a JSON literal are not statuses")
    }

    func testTheStatusOfAConditionIsTheOneWrittenNearestInItsClause() {
        func status(_ text: String, _ condition: String) -> [Int]? {
            let r = (text as NSString).range(of: condition)
            return StatementReader.status(for: r, in: text)
        }
        // status before or after the condition, clauses cut at commas, semicolons and parentheses with a code
        let commas = #"answers 200 with the pet, 404 with {"error": "..."} if it is not found, 400 with {"error": "..."} if "name" is blank"#
        XCTAssertEqual(status(commas, "not found"), [404])
        XCTAssertEqual(status(commas, "blank"), [400])
        let parens = #"returns 200 with the pet (404 with {"error": "..."} if not found, 400 with {"error": "..."} if "name" is blank)"#
        XCTAssertEqual(status(parens, "not found"), [404])
        XCTAssertEqual(status(parens, "blank"), [400])
        let fronted = "if the name is missing, answer 400, and if the pet is unknown, answer 404"
        XCTAssertEqual(status(fronted, "missing"), [400])
        XCTAssertEqual(status(fronted, "unknown"), [404])
        XCTAssertEqual(status("a missing name gets 400 and an unknown pet gets 404", "unknown"), [404])
        XCTAssertEqual(status("404 (JSON with an error key) if there is no such pet; 400 if blank", "no such"), [404], "an aside in parentheses is no clause")
        XCTAssertNil(status("If the name is missing, say so. Answer 400.", "missing"), "another sentence's status is not this condition's")
    }

    /// An update's errors written with commas instead of semicolons: each gets its own status (the
    /// old reading took the first 4xx of the line and expected 404 for a blank text).
    static let notes = [
        """
        A small notes service in Flask, JSON only, port 5301.
        A note is the JSON object {"id": <integer>, "text": <string>, "pinned": <boolean>}.
        - POST /notes with a JSON body {"text": "..."} saves a note and answers 201 with the new note; "pinned" is false by default. A blank or missing text answers 400 or 422 with {"error": "..."}.
        - GET /notes/<id> answers 200 with that note, 404 with {"error": "..."} when no note has that id.
        - PATCH /notes/<id> with a JSON body containing "text" changes it and answers 200 with the updated note, 404 with {"error": "..."} when the note doesn't exist, 400 with {"error": "..."} if "text" is given but blank.
        - DELETE /notes/<id> removes it and returns 204 (200 is also fine), 404 with {"error": "..."} for an unknown id.
        - A deleted note's id is never handed out again.
        """,
        """
        notes api with flask on port 5301, everything in memory. a note looks like {"id": <integer>, "text": <string>, "pinned": <boolean>}
        - POST /notes with {"text": "..."} (pinned is optional and defaults to false) makes a note and returns 201 with the new note. if text is missing or blank just answer 400 or 422 with {"error": "..."}
        - GET /notes/<id> returns 200 with that note. If there's no such note, send 404 with {"error": "..."}.
        - PATCH /notes/<id> with a JSON body containing "text" returns 200 with the updated note. If no note has that id, send 404. If "text" is present but empty, answer 400 (a JSON {"error": "..."}).
        - DELETE /notes/<id> returns 204 or 200; unknown ids get 404 with {"error": "..."}
        - ids keep increasing even after deletes.
        """,
    ]

    func testEachErrorGetsTheStatusWrittenNextToIt() throws {
        for (i, text) in Self.notes.enumerated() {
            let s = ProjectSpec(description: text)
            let c = BehaviourRules.checks(for: s, plan: PlanBuilder.ruleBased(s))
            let labels = "notes \(i):\n" + c.map(\.expectation).joined(separator: "\n")
            XCTAssertEqual(find(c, "PATCH", "/notes/<id>", json: ["text": .string("changed text")])?.status, [200], labels)
            XCTAssertEqual(find(c, "PATCH", "/notes/<id>", json: ["text": .string("")])?.status, [400], labels)
            XCTAssertEqual(find(c, "PATCH", "/notes/999999")?.status, [404], labels)
            XCTAssertEqual(find(c, "GET", "/notes/999999")?.status, [404], labels)
            XCTAssertEqual(find(c, "GET", "/notes/999999")?.jsonKeys, ["error"], labels)
            XCTAssertEqual(find(c, "DELETE", "/notes/<id>")?.status, i == 0 ? [204, 200] : [204, 200], labels)
            XCTAssertEqual(find(c, "DELETE", "/notes/999999")?.status, [404], labels)
            for body: [String: JSONScalar] in [[:], ["text": .string("")]] {
                let bad = try XCTUnwrap(find(c, "POST", "/notes", json: body), "\(body)\n\(labels)")
                XCTAssertEqual(bad.status, [400, 422], labels)
                XCTAssertEqual(bad.jsonKeys, ["error"], labels)
            }
            // every error check expects only statuses the description gives that error
            XCTAssertTrue(c.filter { $0.url.hasSuffix("999999") }.allSatisfy { $0.status == [404] }, labels)
            XCTAssertFalse(c.contains { $0.json == ["text": .string("")] && $0.status.contains(404) }, labels)
        }
        // "If no note has that id, send 404." says nothing of an "error" key: none is expected
        let plain = ProjectSpec(description: Self.notes[1])
        let c = BehaviourRules.checks(for: plain, plan: PlanBuilder.ruleBased(plain))
        XCTAssertEqual(find(c, "PATCH", "/notes/999999")?.jsonKeys, [], c.map(\.expectation).joined(separator: "\n"))
    }

    // MARK: defaults and ids

    func testADefaultIsTheWordDefaultAndAValueInOneClause() throws {
        for text in Self.notes + [Self.notes[0].replacingOccurrences(of: #""pinned" is false by default"#, with: #"a note is not pinned unless asked: pinned defaults to false"#)] {
            let s = ProjectSpec(description: text)
            let c = BehaviourRules.checks(for: s, plan: PlanBuilder.ruleBased(s))
            let labels = c.map(\.expectation).joined(separator: "\n")
            let create = try XCTUnwrap(find(c, "POST", "/notes", json: ["text": .string("sample text")]), labels)
            XCTAssertEqual(create.status, [201], labels)
            XCTAssertEqual(create.jsonSubset, ["pinned": .bool(false)], labels)
            XCTAssertEqual(Set(create.jsonKeys), ["id", "text", "pinned"], labels)
            XCTAssertEqual(find(c, "POST", "/notes", json: ["text": .string("sample text"), "pinned": .bool(true)])?.jsonSubset, ["pinned": .bool(true)], labels)
        }
        // no default written: the create's answer is not pinned to one
        let none = ProjectSpec(description: Self.notes[0].replacingOccurrences(of: #"; "pinned" is false by default"#, with: ""))
        let c = BehaviourRules.checks(for: none, plan: PlanBuilder.ruleBased(none))
        XCTAssertNil(find(c, "POST", "/notes", json: ["text": .string("sample text")])?.jsonSubset, c.map(\.expectation).joined(separator: "\n"))
        XCTAssertNil(find(c, "POST", "/notes", json: ["text": .string("sample text"), "pinned": .bool(true)]))
        XCTAssertEqual(BehaviourRules.defaults([#"Each pet has "age" (a number, 1 unless given) and "name"."#, #""age" defaults to 1."#], keys: ["id", "name", "age"]), ["age": .number(1)])
        XCTAssertEqual(BehaviourRules.defaults(["The list shows 10 pets by default."], keys: ["id", "name", "age"]), [:], "no key in the clause")
    }

    func testIdsNotGivenAgainAfterADelete() throws {
        for text in Self.notes + [Self.notes[0].replacingOccurrences(of: "A deleted note's id is never handed out again.", with: "Ids are not recycled once a note is removed.")] {
            let s = ProjectSpec(description: text)
            let c = BehaviourRules.checks(for: s, plan: PlanBuilder.ruleBased(s))
            let labels = c.map(\.expectation).joined(separator: "\n")
            let last = try XCTUnwrap(c.last, labels)
            XCTAssertTrue(last.newID, labels)
            XCTAssertEqual(last.method, "POST", labels)
            XCTAssertEqual(c.filter(\.newID).count, 1, labels)
            XCTAssertEqual(c.dropLast().last?.method, "DELETE", labels)
        }
        for sentence in ["Ids start at 1 and a deleted note is gone.", "A note can be deleted; its id is an integer.", "Ids are unique."] {
            XCTAssertFalse(BehaviourRules.idsNotReused(sentence), sentence)
        }
        let none = ProjectSpec(description: Self.notes[0].replacingOccurrences(of: "A deleted note's id is never handed out again.", with: "Ids start at 1."))
        XCTAssertFalse(BehaviourRules.checks(for: none, plan: PlanBuilder.ruleBased(none)).contains(where: \.newID))
    }

    // MARK: query parameters

    static let tank = [
        """
        Flask JSON API on port 5302 for the water in a tank.
        - GET /tank?depth=<number> answers 200 with {"depth": <number>, "litres": <number>}. For example GET /tank?depth=2 should give back {"depth": 2, "litres": 2000}.
        - A depth of 0 works too, and fractions like 0.5 are accepted.
        - If depth is missing, not a number or negative, answer 400 with {"error": "..."}.
        """,
        """
        json api, port 5302: GET /tank?depth=<number> returns {"depth": <number>, "litres": <number>}, e.g. GET /tank?depth=2 returns {"depth": 2, "litres": 2000}.
        zero is fine for depth and fractions such as 0.5 are ok.
        a missing depth, a depth that isn't a number and a negative depth all get status 400 with {"error": "..."}
        """,
    ]

    func testQueryErrorsAndAcceptedValuesInOtherWords() throws {
        for text in Self.tank {
            let s = ProjectSpec(description: text)
            let c = BehaviourRules.checks(for: s, plan: PlanBuilder.ruleBased(s))
            let labels = c.map(\.expectation).joined(separator: "\n")
            XCTAssertEqual(find(c, "GET", "/tank?depth=2")?.jsonSubset, ["depth": .number(2), "litres": .number(2000)], labels)
            for bad in ["/tank", "/tank?depth=abc", "/tank?depth=-1"] {
                let b = try XCTUnwrap(find(c, "GET", bad), "\(bad)\n\(labels)")
                XCTAssertEqual(b.status, [400], labels)
                XCTAssertEqual(b.jsonKeys, ["error"], labels)
            }
            XCTAssertEqual(find(c, "GET", "/tank?depth=0")?.status, [200], labels)
            XCTAssertEqual(find(c, "GET", "/tank?depth=0.5")?.status, [200], labels)
            XCTAssertEqual(Set(c.map(\.url)), ["/tank?depth=2", "/tank", "/tank?depth=abc", "/tank?depth=-1", "/tank?depth=0", "/tank?depth=0.5"], labels)
        }
        // different statuses for different conditions, a bound with its number, and an accepted value denied
        let s = ProjectSpec(description: """
        JSON API: GET /tank?depth=<number> answers 200 with {"litres": <number>}.
        - If depth is missing, answer 400; if it isn't a number or is negative, answer 422. A depth above 100 gets 400 or 422.
        - A depth of 0 is not allowed either (422).
        """)
        let c = BehaviourRules.checks(for: s, plan: PlanBuilder.ruleBased(s))
        let labels = c.map(\.expectation).joined(separator: "\n")
        XCTAssertEqual(find(c, "GET", "/tank")?.status, [400], labels)
        XCTAssertEqual(find(c, "GET", "/tank?depth=abc")?.status, [422], labels)
        XCTAssertEqual(find(c, "GET", "/tank?depth=-1")?.status, [422], labels)
        XCTAssertEqual(find(c, "GET", "/tank?depth=101")?.status, [400, 422], labels)
        XCTAssertNil(find(c, "GET", "/tank?depth=0"), "0 is not said to be accepted\n\(labels)")
        XCTAssertTrue(StatementReader.acceptedValues("DELETE /tank/<id> returns 204 (200 is also fine)").isEmpty, "a status, not a value")
        XCTAssertTrue(c.allSatisfy { $0.jsonKeys.isEmpty }, "no \"error\" key is written\n\(labels)")
        // a condition stated with a success status is no error
        let ok = ProjectSpec(description: "JSON API: GET /tank?depth=<number> answers 200 with {\"litres\": <number>}. When depth is zero it answers 200 with litres 0; when it is negative, 400.")
        let oc = BehaviourRules.checks(for: ok, plan: PlanBuilder.ruleBased(ok))
        XCTAssertEqual(find(oc, "GET", "/tank?depth=-1")?.status, [400], oc.map(\.expectation).joined(separator: "\n"))
        XCTAssertFalse(oc.contains { $0.url == "/tank?depth=0" && $0.status != [200] }, oc.map(\.expectation).joined(separator: "\n"))
    }

    // MARK: WTForms pages

    static let pace = [
        """
        A Flask-WTF page that works out running pace, port 5303.
        The form posts to / with two number fields called km and minutes.
        After a valid submit the page should look like "Pace: 5.3 min/km".
        Both fields must be more than zero; for zero or a negative number show the error "Please give a positive amount." next to the field.
        """,
        """
        Running pace calculator with Flask-WTF on port 5303: a form (method POST, action /) with the number fields named km and minutes. A valid POST shows the pace displayed as "Pace: 5.3 min/km".
        Each field has to be greater than 0. Otherwise the field's error should read "Please give a positive amount." and the page answers 200 or 400.
        """,
    ]

    func testFormMessageFormatAndStatusInOtherWords() throws {
        let message = "Please give a positive amount."
        for (i, text) in Self.pace.enumerated() {
            let s = ProjectSpec(description: text)
            let c = BehaviourRules.checks(for: s, plan: PlanBuilder.ruleBased(s))
            let labels = c.map(\.expectation).joined(separator: "\n")
            XCTAssertEqual(c.filter { !$0.formats.isEmpty }.map(\.formats), [["Pace: 5.3 min/km"], ["Pace: 5.3 min/km"]], labels)
            XCTAssertTrue(c.filter { !$0.formats.isEmpty }.allSatisfy { $0.forbidden == [message] && $0.status == [200] }, labels)
            let refused = c.filter { $0.texts == [message] }
            XCTAssertEqual(Set(refused.compactMap(\.form)), [["km": "0", "minutes": "70.5"], ["km": "-5", "minutes": "70.5"],
                                                               ["km": "70.5", "minutes": "0"], ["km": "70.5", "minutes": "-5"]], labels)
            // the status the description gives such a page; when it gives none, any a form page answers with
            XCTAssertTrue(refused.allSatisfy { $0.status == (i == 0 ? [200, 400, 422] : [200, 400]) }, labels)
            let rule = try XCTUnwrap(BehaviourRules.nonPositiveMessage(text))
            XCTAssertEqual(rule.message, message)
            XCTAssertTrue(rule.rejectsZero)
            XCTAssertTrue(s.pinned.exactTexts.contains(message), "\(s.pinned.exactTexts)")
        }
        // only negatives refused: zero is not tried, the validator lets 0 through
        let negatives = ProjectSpec(description: "A Flask-WTF page with number fields named km and minutes. A negative value shows the message \"No negative numbers\" (zero is fine).")
        let n = BehaviourRules.checks(for: negatives, plan: PlanBuilder.ruleBased(negatives))
        XCTAssertEqual(Set(n.filter { $0.texts == ["No negative numbers"] }.compactMap(\.form)), [["km": "-5", "minutes": "70.5"], ["km": "70.5", "minutes": "-5"]],
                       n.map(\.expectation).joined(separator: "\n"))
        XCTAssertEqual(BehaviourRules.nonPositiveMessage(negatives.description)?.rejectsZero, false)
        // a quoted text with a number in a sentence about errors is a message, not the result's format
        let errors = ProjectSpec(description: "A Flask-WTF page with number fields named first and second. It shows their sum. If a field is empty, the page shows \"Field 1 is empty\"; a value above 1000 shows the error \"Max 1000\".")
        let e = BehaviourRules.checks(for: errors, plan: PlanBuilder.ruleBased(errors))
        XCTAssertTrue(e.allSatisfy { $0.formats.isEmpty }, e.map(\.expectation).joined(separator: "\n"))
        XCTAssertTrue(e.contains { $0.forbidden.contains("Field 1 is empty") && $0.forbidden.contains("Max 1000") }, e.map(\.expectation).joined(separator: "\n"))
        XCTAssertNil(BehaviourRules.nonPositiveMessage(errors.description), "the message is not for zero or negative values")
        // two messages in the sentence: which one zero gets is not clear, so no check
        let two = "A Flask-WTF page with number fields named km and minutes. For zero show the error \"Too small\", for a negative value the error \"Negative\"."
        XCTAssertNil(BehaviourRules.nonPositiveMessage(two))
    }
}
