import Foundation
import XCTest
@testable import Scaffold

/// The description's stated outcomes become requests with expected answers.
///
/// Each description is written several ways (`Fixtures/specs/NAME.txt`, `NAME_plain.txt`,
/// `NAME_casual.txt`); every paraphrase must give the same checks. A paraphrase that a rule does not
/// read yet is left out of that rule's loop only, with the wording it fails on named beside the loop.
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
        // "An edge of 0 is valid": not read from the casual "an edge of 0 is fine" (only allowed/valid/accepted are)
        for name in ["cube_volume_api", "cube_volume_api_plain"] {
            let c = try checks(name)
            let zero = try XCTUnwrap(find(c, "GET", "/cube?edge=0"), name)
            XCTAssertEqual(zero.status, [200], name)
            XCTAssertTrue(zero.source.contains("edge of 0"), zero.source)
        }
    }

    // MARK: a REST resource

    static let bookmarks = ["bookmarks_api", "bookmarks_api_plain", "bookmarks_api_casual"]

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
            // "… never reused, even after a delete": a create after the deletes must get a new id
            let reuse = try XCTUnwrap(c.last, labels)
            XCTAssertEqual(reuse.method, "POST", labels)
            XCTAssertTrue(reuse.newID, labels)
            XCTAssertEqual(reuse.source, line(s, containing: "reused"), labels)
            XCTAssertEqual(c.dropLast().last?.method, "DELETE", labels)
            XCTAssertEqual(c.filter(\.newID).count, 1, labels)
        }
        // The error cases a route's own statement names. Not read from the casual wording
        // `404 with {"error": "..."} if not found` / `422 with {"error": "..."} if "url" is given but empty`:
        // the dots of the "..." placeholder end the statement for these rules, so no check is made.
        for name in ["bookmarks_api", "bookmarks_api_plain"] {
            let c = try checks(name)
            let labels = "\(name):\n" + c.map { "\($0.label) -> \($0.status)" }.joined(separator: "\n")
            for method in ["GET", "PUT", "DELETE"] {
                let missing = try XCTUnwrap(find(c, method, "/bookmarks/999999"), "\(method)\n\(labels)")
                XCTAssertEqual(missing.status, [404], labels)
                XCTAssertEqual(missing.jsonKeys, ["error"], labels)
            }
            XCTAssertEqual(find(c, "PUT", "/bookmarks/<id>", json: ["starred": .string("yes")])?.status, [422], labels)
            XCTAssertEqual(find(c, "PUT", "/bookmarks/<id>", json: ["url": .string("")])?.status, [422], labels)
        }
    }

    // MARK: a WTForms page with number fields

    static let fuel = ["fuel_form", "fuel_form_plain", "fuel_form_casual"]
    /// The paraphrases whose message for zero and negative values the rules read. Not the casual
    /// `show the form again with the error "Enter a value above zero."`: the message rule wants a verb
    /// (is/exactly/reads/says) between "error"/"message" and the quoted text.
    static let fuelWithMessage = ["fuel_form", "fuel_form_plain"]

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
            // a text field in the form: no numeric rules
            plan.forms[0].fields.append(PlannedField(name: "note", type: "StringField", label: "Note"))
            XCTAssertTrue(BehaviourRules.checks(for: s, plan: plan).isEmpty, name)
        }
        for name in Self.fuelWithMessage {
            let c = try checks(name)
            let labels = "\(name):\n" + c.map(\.expectation).joined(separator: "\n")
            let valid = try XCTUnwrap(c.first { $0.form == ["distance": "70.5", "fuel": "70.5"] && $0.formats.isEmpty }, labels)
            XCTAssertTrue(valid.forbidden.contains(message), labels)
            // zero and a negative value, for each field, with the other field valid
            let refused = c.filter { $0.texts == [message] }
            XCTAssertEqual(Set(refused.compactMap(\.form)), [["distance": "0", "fuel": "70.5"], ["distance": "-5", "fuel": "70.5"],
                                                               ["distance": "70.5", "fuel": "0"], ["distance": "70.5", "fuel": "-5"]], labels)
            XCTAssertTrue(refused.allSatisfy { $0.file == "forms.py" && $0.source.contains(message) }, labels)
            let rule = try XCTUnwrap(BehaviourRules.nonPositiveMessage(try spec(name).description), name)
            XCTAssertEqual(rule.message, message)
            XCTAssertTrue(rule.rejectsZero, name)
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
}
