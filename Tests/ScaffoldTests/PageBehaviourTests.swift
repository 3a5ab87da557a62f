import Foundation
import XCTest
@testable import Scaffold

/// A JavaScript page's stated uses (worked example, invalid inputs) become type-click-read checks.
final class PageBehaviourTests: XCTestCase {
    func spec(_ name: String) throws -> ProjectSpec {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("specs/\(name).txt")
        return ProjectSpec(description: try String(contentsOf: url, encoding: .utf8))
    }

    func checks(_ s: ProjectSpec) -> [PageCheck] { PageRules.checks(for: s, plan: PlanBuilder.ruleBased(s)) }

    func testOneInputExampleInvalidValuesAndZero() throws {
        let c = checks(try spec("circle_page_js"))
        let example = try XCTUnwrap(c.first { $0.inputs == ["radius": "2"] })
        XCTAssertEqual(example.click, "calculate")
        XCTAssertEqual(example.shows["*"], ["12.57"])
        XCTAssertEqual(example.hides["result"], ["invalid"], "a valid radius must not show the message")
        XCTAssertEqual(example.file, AppSkeleton.pagePath)
        for bad in ["", "abc", "-5"] {
            let b = try XCTUnwrap(c.first { $0.inputs == ["radius": bad] }, bad)
            XCTAssertEqual(b.shows["result"], ["invalid"], bad)
            XCTAssertTrue(b.source.hasPrefix("If the radius is empty"), b.source)
        }
        let zero = try XCTUnwrap(c.first { $0.inputs == ["radius": "0"] })
        XCTAssertEqual(zero.hides["result"], ["invalid"], "only negatives are called invalid")
        XCTAssertEqual(c.count, 5, c.map(\.label).joined(separator: "\n"))
    }

    func testSeveralInputsTakeTheExampleAsTheirValidValues() throws {
        let c = checks(try spec("tip_calculator_js"))
        let valid = ["bill": "100", "tip-percent": "15", "people": "4"]
        let example = try XCTUnwrap(c.first { $0.inputs == valid })
        XCTAssertEqual(example.shows["*"], ["15.00", "115.00", "28.75"])
        XCTAssertEqual(example.hides["error"], ["invalid"])
        func with(_ id: String, _ v: String) -> PageCheck? { var i = valid; i[id] = v; return c.first { $0.inputs == i } }
        XCTAssertEqual(with("people", "0")?.shows["error"], ["invalid"], "less than 1")
        XCTAssertEqual(with("people", "2.5")?.shows["error"], ["invalid"], "not a whole number")
        XCTAssertEqual(with("bill", "-5")?.shows["error"], ["invalid"])
        XCTAssertEqual(with("tip-percent", "")?.shows["error"], ["invalid"])
        XCTAssertEqual(with("bill", "0")?.hides["error"], ["invalid"], "a bill of 0 is not called invalid")
        XCTAssertEqual(with("tip-percent", "0")?.hides["error"], ["invalid"])
        XCTAssertNil(with("people", "-5"), "people: negatives are not named, less than 1 covers them")
        XCTAssertTrue(c.allSatisfy { $0.hides["*"]?.contains("NaN") == true })
    }

    func testOtherWordingAndNothingWithoutPinnedElements() throws {
        let s = ProjectSpec(description: """
        Make a page with JavaScript that converts Celsius to Fahrenheit, served by Flask.
        - The page has <input id="celsius"> and <button id="convert">, and shows the answer in <div id="answer">.
        - For example celsius 100 gives 212.0 in #answer.
        - If celsius is empty or not a number, #answer shows the text "Please enter a number".
        """)
        let c = checks(s)
        XCTAssertEqual(c.first { $0.inputs == ["celsius": "100"] }?.shows["*"], ["212.0"])
        XCTAssertEqual(c.first { $0.inputs == ["celsius": "abc"] }?.shows["answer"], ["Please enter a number"])
        XCTAssertNil(c.first { $0.inputs == ["celsius": "0"] }, "negatives are not called invalid: no zero check")
        XCTAssertEqual(c.count, 3, c.map(\.label).joined(separator: "\n"))

        let vague = ProjectSpec(description: "Make a web page with JavaScript that shows a random quote when you click a button.")
        XCTAssertTrue(checks(vague).isEmpty)
        XCTAssertTrue(checks(try spec("circle_api")).isEmpty)
    }

    func testInvalidInputsBecomeConditionsPerInput() throws {
        let v = try XCTUnwrap(PageRules.validation(for: try spec("tip_calculator_js")))
        XCTAssertEqual(v.conditions.map(\.id), ["bill", "tip-percent", "people"])
        XCTAssertEqual(v.conditions.map(\.condition), ["!Number.isFinite(x) || x < 0", "!Number.isFinite(x) || x < 0",
                                                        "!Number.isFinite(x) || x < 1 || !Number.isInteger(x)"])
        XCTAssertEqual(v.target, "error")
        XCTAssertEqual(v.message, "invalid")
        let circle = try XCTUnwrap(PageRules.validation(for: try spec("circle_page_js")))
        XCTAssertEqual(circle.conditions.map(\.condition), ["!Number.isFinite(x) || x < 0"])
        XCTAssertEqual(circle.target, "result")
        // no element named for the message: the tool does not guess where it goes
        let vague = ProjectSpec(description: #"A page with <input id="a"> and <button id="go">. If a is empty, show a message with the word "invalid"."#)
        XCTAssertNil(PageRules.validation(for: vague))
    }
}
