import Foundation
import XCTest
@testable import Scaffold

/// A JavaScript page's stated uses (worked example, invalid inputs) become type-click-read checks.
///
/// As in `BehaviourTests`, each page is described several ways and every paraphrase must give the
/// same checks; a paraphrase a rule does not read yet is left out of that rule's loop only.
final class PageBehaviourTests: XCTestCase {
    func spec(_ name: String) throws -> ProjectSpec { try BehaviourTests.spec(name) }

    func checks(_ s: ProjectSpec) -> [PageCheck] { PageRules.checks(for: s, plan: PlanBuilder.ruleBased(s)) }

    static let miles = ["miles_page_js", "miles_page_js_plain", "miles_page_js_casual"]
    static let discount = ["discount_page_js", "discount_page_js_plain", "discount_page_js_casual"]

    func testOneInputExampleInvalidValuesAndZero() throws {
        let message = "Enter a distance"
        for name in Self.miles {
            let c = checks(try spec(name))
            let labels = "\(name):\n" + c.map(\.expectation).joined(separator: "\n")
            for bad in ["", "-5"] {
                let b = try XCTUnwrap(c.first { $0.inputs == ["miles": bad] }, "\(bad)\n\(labels)")
                XCTAssertEqual(b.shows["km"], [message], labels)
                XCTAssertEqual(b.click, "convert", labels)
                XCTAssertTrue(b.source.contains(message) && b.source.contains("negative"), b.source)
            }
            // only negatives are called invalid: 0 is a valid distance
            let zero = try XCTUnwrap(c.first { $0.inputs == ["miles": "0"] }, labels)
            XCTAssertEqual(zero.hides["km"], [message], labels)
            XCTAssertTrue(c.allSatisfy { $0.file == AppSkeleton.pagePath && $0.hides["*"]?.contains("NaN") == true }, labels)
        }
        // "not a number": not read from the casual "has something in it that isn't a number"
        for name in ["miles_page_js", "miles_page_js_plain"] {
            let c = checks(try spec(name))
            XCTAssertEqual(c.first { $0.inputs == ["miles": "abc"] }?.shows["km"], [message], name)
        }
        // the worked example: not read from the casual "e.g. 3 miles gives 4.83" (the rule wants the
        // input's name before its value: "miles 3", "miles = 3")
        for name in ["miles_page_js", "miles_page_js_plain"] {
            let c = checks(try spec(name))
            let labels = "\(name):\n" + c.map(\.expectation).joined(separator: "\n")
            let example = try XCTUnwrap(c.first { $0.inputs == ["miles": "3"] }, labels)
            XCTAssertEqual(example.click, "convert")
            XCTAssertEqual(example.shows["*"], ["4.83"])
            XCTAssertEqual(example.hides["km"], [message], "a valid distance must not show the message")
            XCTAssertEqual(Set(c.map { $0.inputs["miles"] ?? "?" }), ["3", "", "abc", "-5", "0"], labels)
        }
    }

    func testSeveralInputsTakeTheExampleAsTheirValidValues() throws {
        // the worked example gives the other inputs' values; without it there are no invalid-input
        // checks. Not read from the casual "for example price 40, discount 10, quantity 3 should give
        // 12.00, …" (the rule knows "gives", "returns", "shows", … but not "should give").
        for name in ["discount_page_js", "discount_page_js_plain"] {
            let c = checks(try spec(name))
            let labels = "\(name):\n" + c.map(\.expectation).joined(separator: "\n")
            let valid = ["price": "40", "discount-rate": "10", "quantity": "3"]
            let example = try XCTUnwrap(c.first { $0.inputs == valid }, labels)
            XCTAssertEqual(example.click, "apply")
            XCTAssertEqual(example.shows["*"], ["12.00", "108.00", "36.00"], labels)
            XCTAssertEqual(example.hides["problem"], ["check your input"], labels)
            func with(_ id: String, _ v: String) -> PageCheck? { var i = valid; i[id] = v; return c.first { $0.inputs == i } }
            XCTAssertEqual(with("quantity", "0")?.shows["problem"], ["check your input"], "less than 1\n\(labels)")
            XCTAssertEqual(with("quantity", "2.5")?.shows["problem"], ["check your input"], "not a whole number\n\(labels)")
            XCTAssertEqual(with("quantity", "")?.shows["problem"], ["check your input"], labels)
            XCTAssertEqual(with("price", "-5")?.shows["problem"], ["check your input"], labels)
            XCTAssertEqual(with("price", "abc")?.shows["problem"], ["check your input"], labels)
            XCTAssertEqual(with("discount-rate", "")?.shows["problem"], ["check your input"], labels)
            XCTAssertEqual(with("discount-rate", "-5")?.shows["problem"], ["check your input"], labels)
            XCTAssertEqual(with("price", "0")?.hides["problem"], ["check your input"], "a price of 0 is not called invalid\n\(labels)")
            XCTAssertEqual(with("discount-rate", "0")?.hides["problem"], ["check your input"], labels)
            XCTAssertNil(with("quantity", "-5"), "quantity: negatives are not named, less than 1 covers them\n\(labels)")
            XCTAssertTrue(c.allSatisfy { $0.hides["*"]?.contains("NaN") == true && $0.file == "templates/index.html" }, labels)
        }
    }

    func testOtherWordingAndNothingWithoutPinnedElements() throws {
        let s = ProjectSpec(description: """
        Make a page with JavaScript that converts kilograms to pounds, served by Flask.
        - The page has <input id="kilos"> and <button id="to-pounds">, and shows the answer in <div id="pounds">.
        - For example kilos 10 gives 22.05 in #pounds.
        - If kilos is empty or not a number, #pounds shows the text "Please type a weight".
        """)
        let c = checks(s)
        XCTAssertEqual(c.first { $0.inputs == ["kilos": "10"] }?.shows["*"], ["22.05"])
        XCTAssertEqual(c.first { $0.inputs == ["kilos": "abc"] }?.shows["pounds"], ["Please type a weight"])
        XCTAssertEqual(c.first { $0.inputs == ["kilos": ""] }?.shows["pounds"], ["Please type a weight"])
        XCTAssertNil(c.first { $0.inputs == ["kilos": "0"] }, "negatives are not called invalid: no zero check")
        XCTAssertEqual(Set(c.map { $0.inputs["kilos"] ?? "?" }), ["10", "abc", ""], c.map(\.label).joined(separator: "\n"))

        let vague = ProjectSpec(description: "Make a web page with JavaScript that shows a random quote when you click a button.")
        XCTAssertTrue(checks(vague).isEmpty)
        for name in BehaviourTests.cube { XCTAssertTrue(checks(try spec(name)).isEmpty, name) }
    }

    func testInvalidInputsBecomeConditionsPerInput() throws {
        // the tool writes this validation into the page: it needs no worked example, so all paraphrases
        for name in Self.discount {
            let v = try XCTUnwrap(PageRules.validation(for: try spec(name)), name)
            XCTAssertEqual(v.conditions.map(\.id), ["price", "discount-rate", "quantity"], name)
            XCTAssertEqual(v.conditions.map(\.condition), ["!Number.isFinite(x) || x < 0", "!Number.isFinite(x) || x < 0",
                                                            "!Number.isFinite(x) || x < 1 || !Number.isInteger(x)"], name)
            XCTAssertEqual(v.target, "problem", name)
            XCTAssertEqual(v.message, "check your input", name)
        }
        for name in Self.miles {
            let v = try XCTUnwrap(PageRules.validation(for: try spec(name)), name)
            XCTAssertEqual(v.conditions.map(\.id), ["miles"], name)
            // "isn't a number" is not read as such by the casual, but empty and non-numbers are NaN either way
            XCTAssertEqual(v.conditions.map(\.condition), ["!Number.isFinite(x) || x < 0"], name)
            XCTAssertEqual(v.target, "km", name)
            XCTAssertEqual(v.message, "Enter a distance", name)
        }
        // no element named for the message: the tool does not guess where it goes
        let vague = ProjectSpec(description: #"A page with <input id="a"> and <button id="go">. If a is empty, show a message with the word "invalid"."#)
        XCTAssertNil(PageRules.validation(for: vague))
    }
}
