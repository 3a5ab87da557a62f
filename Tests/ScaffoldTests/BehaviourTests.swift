import Foundation
import XCTest
@testable import Scaffold

/// The description's stated outcomes become requests with expected answers.
final class BehaviourTests: XCTestCase {
    func spec(_ name: String) throws -> ProjectSpec {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("specs/\(name).txt")
        return ProjectSpec(description: try String(contentsOf: url, encoding: .utf8))
    }

    func find(_ checks: [BehaviourCheck], _ method: String, _ url: String, json: [String: JSONScalar]? = nil) -> BehaviourCheck? {
        checks.first { $0.method == method && $0.url == url && (json == nil || $0.json == json) }
    }

    func testQueryAPIExampleErrorsAndAllowedValues() throws {
        let s = try spec("circle_api")
        let checks = BehaviourRules.checks(for: s, plan: PlanBuilder.ruleBased(s))
        let example = try XCTUnwrap(find(checks, "GET", "/area?radius=2"))
        XCTAssertEqual(example.status, [200])
        XCTAssertEqual(example.jsonSubset?["area"], .number(12.566370614359172))
        XCTAssertEqual(example.jsonSubset?["radius"], .number(2))
        for bad in ["/area", "/area?radius=abc", "/area?radius=-1"] {
            let c = try XCTUnwrap(find(checks, "GET", bad), bad)
            XCTAssertEqual(c.status, [400], bad)
            XCTAssertEqual(c.jsonKeys, ["error"], bad)
            XCTAssertTrue(c.source.contains("missing"), c.source)
        }
        XCTAssertEqual(find(checks, "GET", "/area?radius=0")?.status, [200])
        XCTAssertEqual(find(checks, "GET", "/area?radius=0.5")?.status, [200])
        XCTAssertEqual(checks.count, 6, checks.map(\.label).joined(separator: "\n"))
    }

    func testRESTResourceCreatesFirstAndChecksStatusesAndBodies() throws {
        let s = try spec("todo_api")
        let checks = BehaviourRules.checks(for: s, plan: PlanBuilder.ruleBased(s))
        let labels = checks.map { "\($0.label) -> \($0.status)" }.joined(separator: "\n")
        XCTAssertEqual(checks.first?.method, "POST", labels)
        let create = try XCTUnwrap(find(checks, "POST", "/todos", json: ["title": .string("sample text")]), labels)
        XCTAssertEqual(create.status, [201])
        XCTAssertEqual(Set(create.jsonKeys), ["id", "title", "done"])
        // "(optionally "done", default false)"
        XCTAssertEqual(create.jsonSubset, ["done": .bool(false)], labels)
        let withDone = try XCTUnwrap(find(checks, "POST", "/todos", json: ["title": .string("sample text"), "done": .bool(true)]), labels)
        XCTAssertEqual(withDone.jsonSubset, ["done": .bool(true)])
        XCTAssertEqual(withDone.status, [201])
        XCTAssertEqual(find(checks, "POST", "/todos", json: [:])?.status, [400], labels)
        XCTAssertEqual(find(checks, "POST", "/todos", json: ["title": .string("")])?.status, [400], labels)
        XCTAssertEqual(find(checks, "POST", "/todos", json: ["title": .number(123)])?.status, [400], labels)
        XCTAssertEqual(find(checks, "GET", "/todos")?.jsonType, "list", labels)
        XCTAssertEqual(find(checks, "GET", "/todos/<id>")?.status, [200], labels)
        XCTAssertEqual(find(checks, "GET", "/todos/999999")?.status, [404], labels)
        XCTAssertEqual(find(checks, "GET", "/todos/999999")?.jsonKeys, ["error"], labels)
        XCTAssertEqual(find(checks, "PUT", "/todos/<id>", json: ["done": .string("yes")])?.status, [400], labels)
        XCTAssertEqual(find(checks, "PUT", "/todos/<id>", json: ["title": .string("")])?.status, [400], labels)
        XCTAssertEqual(find(checks, "PUT", "/todos/999999")?.status, [404], labels)
        XCTAssertEqual(find(checks, "DELETE", "/todos/<id>")?.status, [200, 204], labels)
        // "never reused, even after a delete": a create after the deletes must get a new id
        let reuse = try XCTUnwrap(checks.last, labels)
        XCTAssertEqual(reuse.method, "POST", labels)
        XCTAssertTrue(reuse.newID)
        XCTAssertTrue(reuse.source.contains("never reused"), reuse.source)
        XCTAssertEqual(checks.dropLast().last?.method, "DELETE", labels)
    }

    func testNumberFormFieldsTakeDecimalsAndShowThePinnedMessage() throws {
        let s = try spec("bmi_form")
        var plan = PlanBuilder.ruleBased(s)
        let checks = BehaviourRules.checks(for: s, plan: plan)
        let valid = try XCTUnwrap(checks.first { $0.form?["weight"] == "70.5" && $0.form?["height"] == "70.5" })
        XCTAssertTrue(valid.forbidden.contains("Not a valid integer"))
        XCTAssertTrue(valid.forbidden.contains("Must be a positive number."))
        let zero = checks.filter { $0.texts == ["Must be a positive number."] }
        XCTAssertEqual(zero.count, 4) // weight and height, 0 and -5
        XCTAssertTrue(zero.contains { $0.form?["height"] == "-5" && $0.form?["weight"] == "70.5" })
        // "written as "BMI: 22.9"": valid input shows a BMI written that way
        let format = try XCTUnwrap(checks.first { !$0.formats.isEmpty })
        XCTAssertEqual(format.formats, ["BMI: 22.9"])
        XCTAssertEqual(format.status, [200])
        XCTAssertEqual(format.file, "templates/index.html")
        XCTAssertTrue(format.expectation.hasSuffix(#"the page shows text like "BMI: 22.9" (its number for this input, written the same way)"#), format.expectation)
        let other = try XCTUnwrap(checks.first { $0.differsFromPrevious })
        XCTAssertEqual(other.form, ["weight": "141.0", "height": "211.5"])
        XCTAssertEqual(other.formats, ["BMI: 22.9"])
        // a text field in the form: no numeric rules
        plan.forms[0].fields.append(PlannedField(name: "note", type: "StringField", label: "Note"))
        XCTAssertTrue(BehaviourRules.checks(for: s, plan: plan).isEmpty)
    }

    func testOtherWordingAndNothingForPagesOrVagueText() throws {
        let s = ProjectSpec(description: """
        Build a JSON API that converts temperatures.
        - GET /convert?celsius=<number> returns the JSON object {"celsius": <number>, "fahrenheit": <number>}. Example: GET /convert?celsius=100 returns {"celsius": 100, "fahrenheit": 212.0}.
        - When celsius is missing or not a number, respond with status 422 and {"error": "..."}.
        """)
        let checks = BehaviourRules.checks(for: s, plan: PlanBuilder.ruleBased(s))
        XCTAssertEqual(find(checks, "GET", "/convert?celsius=100")?.jsonSubset?["fahrenheit"], .number(212))
        XCTAssertEqual(find(checks, "GET", "/convert")?.status, [422])
        XCTAssertEqual(find(checks, "GET", "/convert?celsius=abc")?.jsonKeys, ["error"])
        XCTAssertNil(find(checks, "GET", "/convert?celsius=-1"), "negative values are not said to be errors")

        let vague = ProjectSpec(description: "Create a flask API that returns the current time as JSON at /time.")
        XCTAssertTrue(BehaviourRules.checks(for: vague, plan: PlanBuilder.ruleBased(vague)).isEmpty)
        let page = try spec("circle_page_js")
        XCTAssertTrue(BehaviourRules.checks(for: page, plan: PlanBuilder.ruleBased(page)).isEmpty)
    }

    func testModelPlannedIntegerFieldBecomesFloatUnlessWholeNumbersAreAsked() throws {
        let s = try spec("bmi_form")
        let answer = #"{"kind": "wtforms", "files": ["app.py", "forms.py", "templates/index.html"], "forms": [{"class": "BMIForm", "fields": [{"name": "weight", "type": "IntegerField"}, {"name": "height", "type": "DecimalField"}]}]}"#
        let plan = try PlanBuilder.fromModelAnswer(answer, spec: s)
        XCTAssertEqual(plan.forms[0].fields.map(\.type), ["FloatField", "FloatField"])
        let whole = ProjectSpec(description: "A WTForms page with two number fields named price and people (the number of people, a whole number).")
        let plan2 = try PlanBuilder.fromModelAnswer(#"{"kind": "wtforms", "files": ["app.py", "forms.py", "templates/index.html"], "forms": [{"class": "SplitForm", "fields": [{"name": "price", "type": "IntegerField"}, {"name": "people", "type": "FloatField"}]}]}"#, spec: whole)
        XCTAssertEqual(plan2.forms[0].fields.map(\.type), ["FloatField", "IntegerField"])
    }
}
