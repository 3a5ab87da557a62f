import Foundation
import XCTest
@testable import Scaffold

/// A JavaScript page's stated uses (worked example, invalid inputs) become type-click-read checks.
///
/// As in `BehaviourTests`, each page is described several ways and every paraphrase must give the
/// same checks; each rule is also tested on descriptions written here in at least two wordings.
final class PageBehaviourTests: XCTestCase {
    func spec(_ name: String) throws -> ProjectSpec { try BehaviourTests.spec(name) }

    func checks(_ s: ProjectSpec) -> [PageCheck] { PageRules.checks(for: s, plan: PlanBuilder.ruleBased(s)) }

    static let miles = ["miles_page_js", "miles_page_js_plain", "miles_page_js_casual"]
    static let discount = ["discount_page_js", "discount_page_js_plain", "discount_page_js_casual"]

    /// A one-input page whose description calls only empty input and non-numbers invalid must give 0
    /// and a negative number a result; a description that also rejects a sign or a size gets no such
    /// check. Descriptions written here, three wordings each.
    func testValuesTheDescriptionNeverCallsInvalidGetAResult() {
        let example = PageCheck(inputs: ["kilometres": "10"], click: "go", shows: ["*": ["6.21"]], source: "example", file: "templates/index.html",
                                filled: ["out"])
        let onlyNonNumbers = [
            "A page that turns kilometres into miles when I press the button, e.g. 10 gives 6.21. If the field is blank or not a number, show a message instead.",
            "Convert km to miles in the browser. Leave the box empty or type letters and it should say that's not a number.",
            "kilometres to miles page with a button; an empty box or something that isn't numeric shows a short warning, never NaN",
        ]
        for d in onlyNonNumbers {
            let extra = PageRules.acceptedValueChecks(description: d, checks: [example])
            XCTAssertEqual(extra.map { $0.inputs["kilometres"] }, ["0", "-10"], d)
            XCTAssertTrue(extra.allSatisfy { $0.unlike == ["kilometres": "abc"] && $0.filled == ["out"] && $0.click == "go" }, d)
            XCTAssertTrue(extra.allSatisfy { StatementReader.conditions($0.source).contains { $0.kind == .notANumber || $0.kind == .empty } }, d)
        }
        let signOrSize = [
            "A page that turns kilometres into miles. If the field is empty, not a number or negative, show a message.",
            "Convert km to miles; the distance must be greater than 0, otherwise say it's invalid. Blank input shows a message too.",
            "kilometres to miles; an empty box, letters or anything above 40000 shows a warning",
        ]
        for d in signOrSize { XCTAssertEqual(PageRules.acceptedValueChecks(description: d, checks: [example]).count, 0, d) }
        // nothing said about invalid input, several inputs, or an example that is not a number: no check
        XCTAssertEqual(PageRules.acceptedValueChecks(description: "A page that turns kilometres into miles.", checks: [example]).count, 0)
        var two = example; two.inputs["metres"] = "5"
        XCTAssertEqual(PageRules.acceptedValueChecks(description: onlyNonNumbers[0], checks: [two]).count, 0)
        var word = example; word.shows = ["*": ["far"]]
        XCTAssertEqual(PageRules.acceptedValueChecks(description: onlyNonNumbers[0], checks: [word]).count, 0)
    }

    /// A script's comparisons with 0 leave its `||` chains, and `!x` on a parsed number becomes
    /// `Number.isNaN(x)`; other conditions and other uses of `!` stay.
    func testSignRefusalsLeaveTheScriptsConditions() {
        let page = """
        const raw = box.value; const celsius = parseFloat(raw); const ok = true;
        if (raw.trim() === "" || isNaN(celsius) || celsius <= 0) { out.textContent = "Not a number"; }
        if (degrees.value < 0 || !celsius) { out.textContent = "Not a number"; }
        if (!ok || !raw) { return; }
        if (celsius > 100) { hot(); }
        """
        let fixed = PageFixes.signRefusals(page)
        XCTAssertEqual(fixed.source, """
        const raw = box.value; const celsius = parseFloat(raw); const ok = true;
        if (raw.trim() === "" || isNaN(celsius)) { out.textContent = "Not a number"; }
        if (Number.isNaN(celsius)) { out.textContent = "Not a number"; }
        if (!ok || !raw) { return; }
        if (celsius > 100) { hot(); }
        """)
        XCTAssertEqual(fixed.changed.count, 3, "\(fixed.changed)")
        XCTAssertTrue(PageFixes.signRefusals("if (isNaN(x) || x < 10) { bad(); }").changed.isEmpty)
        XCTAssertTrue(PageFixes.signRefusals("if (a - b < 0 || c) { bad(); }").changed.isEmpty, "b < 0 is not a whole term")
    }

    /// A form posting where the app has no POST route sends with GET; forms to other URLs, GET forms
    /// and the rest of the page stay as they were.
    func testAFormPostingWithoutARouteSendsWithGet() {
        let page = """
        <nav><a href="/">Start</a></nav>
        <FORM class="join" METHOD='POST' action="/members"><input name="nick"></FORM>
        <form method="post" action="/elsewhere"><input name="x"></form>
        <form action="/members" method="get"><input name="q"></form>
        """
        let fixed = PageFixes.postFormsWithoutRoute(page, url: "/members", pagePath: "/members")
        XCTAssertEqual(fixed.source, page.replacingOccurrences(of: "METHOD='POST'", with: #"method="get""#))
        XCTAssertEqual(fixed.changed.count, 1, "\(fixed.changed)")
        // a form with no action sends to its own page
        let bare = #"<h1>Club</h1><form method=post><button>Send</button></form>"#
        XCTAssertEqual(PageFixes.postFormsWithoutRoute(bare, url: "/club", pagePath: "/club").source,
                       #"<h1>Club</h1><form method="get"><button>Send</button></form>"#)
        XCTAssertTrue(PageFixes.postFormsWithoutRoute(bare, url: "/club", pagePath: "/other").changed.isEmpty)
    }

    /// `getElementById` with a selector is always null: a `#id` loses its `#`, a descendant selector
    /// becomes `querySelector`; ids, other calls and text are untouched.
    func testSelectorsPassedAsIDsAreFixed() {
        let page = """
        <table id="rows"><tbody></tbody></table><table><tbody></tbody></table>
        <script>
        document.getElementById("#sum").textContent = total;
        document.getElementById('rows tbody').innerHTML = "";
        document.getElementById("table tbody").innerHTML = "";
        const box = document.getElementById("#list li");
        document.getElementById("price").value = "";
        console.log("getElementById is not for selectors");
        </script>
        """
        let fixed = PageFixes.selectorsPassedAsIDs(page)
        XCTAssertEqual(fixed.source, """
        <table id="rows"><tbody></tbody></table><table><tbody></tbody></table>
        <script>
        document.getElementById("sum").textContent = total;
        document.querySelector('#rows tbody').innerHTML = "";
        document.querySelector("table tbody").innerHTML = "";
        const box = document.querySelector("#list li");
        document.getElementById("price").value = "";
        console.log("getElementById is not for selectors");
        </script>
        """)
        XCTAssertEqual(fixed.changed.count, 4)
        XCTAssertTrue(fixed.changed[0].hasPrefix("getElementById(\"#sum\")"), "\(fixed.changed)")
        XCTAssertEqual(PageFixes.selectorsPassedAsIDs("document.getElementById(\"a-b\")").changed, [])
    }

    /// One button, one function the script never calls, no handler anywhere: the button runs the
    /// function. Anything else (a handler, two functions, a call, two buttons) is left alone.
    func testAnUnwiredButtonRunsTheScriptsOneFunction() {
        let page = """
        <input id="miles"><button id="go" class="primary">Convert</button><p id="km"></p>
        <script>
        function toKm() { document.getElementById("km").textContent = (Number(document.getElementById("miles").value) * 1.609).toFixed(1); }
        </script>
        """
        let fixed = PageFixes.unwiredButton(page)
        XCTAssertTrue(fixed.source.contains(#"<button id="go" class="primary" onclick="toKm()">Convert</button>"#), fixed.source)
        XCTAssertEqual(fixed.changed.count, 1)
        // the function in a static file the page loads
        let external = PageFixes.unwiredButton(#"<input id="c"><button id="f">F</button><script src="/static/app.js"></script>"#,
                                               scripts: ["function convert() {\n  return 1;\n}\n"])
        XCTAssertTrue(external.source.contains(#"<button id="f" onclick="convert()">"#), external.source)
        for (other, scripts) in [(page.replacingOccurrences(of: "</script>", with: "document.getElementById('go').addEventListener('click', toKm);</script>"), [String]()),
                                 (page.replacingOccurrences(of: "</script>", with: "toKm();</script>"), []),
                                 (page.replacingOccurrences(of: "<p id", with: "<button id=\"reset\">Reset</button><p id"), []),
                                 (page, ["function other() {}"]),
                                 (page.replacingOccurrences(of: "<button id", with: "<button onclick=\"toKm()\" id"), [])] {
            XCTAssertEqual(PageFixes.unwiredButton(other, scripts: scripts).changed, [], other)
        }
    }

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
        // "not a number", "has something in it that isn't a number"
        for name in Self.miles {
            let c = checks(try spec(name))
            XCTAssertEqual(c.first { $0.inputs == ["miles": "abc"] }?.shows["km"], [message], name)
        }
        // the worked example: "miles 3 gives 4.83", "miles = 3 gives 4.83", "e.g. 3 miles gives 4.83"
        for name in Self.miles {
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
        // the worked example gives the other inputs' values ("… gives 12.00, …", "… results in …",
        // "… should give …"); without it there are no invalid-input checks
        for name in Self.discount {
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
            XCTAssertEqual(c.count, 12, labels)
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
            XCTAssertEqual(v.conditions.map(\.condition), ["!Number.isFinite(x) || x < 0"], name)
            XCTAssertEqual(v.target, "km", name)
            XCTAssertEqual(v.message, "Enter a distance", name)
        }
        // no element named for the message: the tool does not guess where it goes
        let vague = ProjectSpec(description: #"A page with <input id="a"> and <button id="go">. If a is empty, show a message with the word "invalid"."#)
        XCTAssertNil(PageRules.validation(for: vague))
    }

    // MARK: other wordings

    static let pay = [
        """
        A Flask page (port 5304) with JavaScript that works out pay.
        It has <input id="hours">, <input id="hourly-rate"> and <button id="pay">, and writes into <div id="wage">.
        For example 8 hours at hourly rate 12.5 should give 100.00.
        If the hours are empty, aren't numbers, less than 1 or more than 80, or the hourly rate is empty or negative, put the text "Check the numbers" in #wage.
        """,
        """
        pay calculator page in flask + javascript, port 5304: <input id="hours">, <input id="hourly-rate">, <button id="pay">, output in <div id="wage">.
        e.g. hours 8, hourly rate 12.5 -> 100.00.
        hours must be a whole number from 1 to 80 and the hourly rate must not be empty or negative; otherwise #wage should say "Check the numbers".
        """,
    ]

    /// A worked example's values next to the inputs' names (before or after them), bounds with their
    /// numbers, and the message after "put the text" / "should say".
    func testExampleBoundsAndMessageInOtherWords() throws {
        let message = "Check the numbers"
        for (i, text) in Self.pay.enumerated() {
            let c = checks(ProjectSpec(description: text))
            let labels = "pay \(i):\n" + c.map(\.expectation).joined(separator: "\n")
            let valid = ["hours": "8", "hourly-rate": "12.5"]
            let example = try XCTUnwrap(c.first { $0.inputs == valid }, labels)
            XCTAssertEqual(example.click, "pay", labels)
            XCTAssertEqual(example.shows["*"], ["100.00"], labels)
            XCTAssertEqual(example.hides["wage"], [message], labels)
            func with(_ id: String, _ v: String) -> PageCheck? { var t = valid; t[id] = v; return c.first { $0.inputs == t } }
            // "less than 1" / "from 1 to 80": 0 is refused; "more than 80" / "to 80": 81 is
            XCTAssertEqual(with("hours", "0")?.shows["wage"], [message], labels)
            XCTAssertEqual(with("hours", "81")?.shows["wage"], [message], labels)
            XCTAssertNil(with("hours", "80"), labels)
            XCTAssertEqual(with("hourly-rate", "")?.shows["wage"], [message], labels)
            XCTAssertEqual(with("hourly-rate", "-5")?.shows["wage"], [message], labels)
            // only negatives are refused for the rate: 0 is valid
            XCTAssertEqual(with("hourly-rate", "0")?.hides["wage"], [message], labels)
            XCTAssertNil(with("hourly-rate", "0")?.shows["wage"], labels)
        }
        let precise = checks(ProjectSpec(description: Self.pay[0]))
        XCTAssertEqual(precise.first { $0.inputs == ["hours": "abc", "hourly-rate": "12.5"] }?.shows["wage"], [message], "aren't numbers")
        let casual = checks(ProjectSpec(description: Self.pay[1]))
        XCTAssertEqual(casual.first { $0.inputs == ["hours": "2.5", "hourly-rate": "12.5"] }?.shows["wage"], [message], "a whole number")
        // the tool-written validation: the same conditions as JavaScript
        XCTAssertEqual(PageRules.validation(for: ProjectSpec(description: Self.pay[0]))?.conditions.map(\.condition),
                       ["!Number.isFinite(x) || x < 1 || x > 80", "!Number.isFinite(x) || x < 0"])
        XCTAssertEqual(PageRules.validation(for: ProjectSpec(description: Self.pay[1]))?.conditions.map(\.condition),
                       ["!Number.isFinite(x) || x < 1 || x > 80 || !Number.isInteger(x)", "!Number.isFinite(x) || x < 0"])
    }

    /// What a segment calls invalid, read from its syntax: the same bound in several wordings, and
    /// the words that turn it around ("must be", "must not be") or accept a value ("zero is fine").
    func testInvalidConditionsFromTheirSyntax() {
        func rejects(_ text: String) -> [Double] {
            let kinds = StatementReader.conditions(text).map(\.kind)
            return [-5, 0, 0.5, 1, 2.5, 50, 51].filter { x in kinds.contains { $0.rejects(x) } }
        }
        for text in ["a count that is empty or less than 1", "the count must be at least 1", "a count of 1 or more",
                     "the count must not be less than 1", "the count has to be greater than 0.5 and must be 1 or more"] {
            XCTAssertEqual(rejects(text), [-5, 0, 0.5], text)
        }
        for text in ["if the count is more than 50", "the count must be at most 50", "a count of no more than 50"] {
            XCTAssertEqual(rejects(text), [51], text)
        }
        for text in ["the count must be greater than 0", "the count has to be more than zero", "a count that is not positive",
                     "a count that is zero or negative"] {
            XCTAssertEqual(rejects(text), [-5, 0], text)
        }
        for text in ["a count that is not a whole number", "the count must be a whole number", "a count that isn't an integer"] {
            XCTAssertEqual(rejects(text), [0.5, 2.5], text)
        }
        XCTAssertEqual(rejects("a count from 1 to 50"), [-5, 0, 0.5, 51])
        XCTAssertEqual(rejects("a count outside 1..50"), [-5, 0, 0.5, 51])
        XCTAssertEqual(rejects("a negative count (zero is fine)"), [-5])
        XCTAssertEqual(rejects("a count that needn't be a whole number"), [])
        XCTAssertEqual(rejects("round it to no fewer than 4 decimals"), [], "a count of decimals is no bound on the value")
        XCTAssertEqual(StatementReader.conditions("a count that isn't a number").map(\.kind), [.notANumber])
        XCTAssertEqual(StatementReader.conditions("counts that aren't numbers").map(\.kind), [.notANumber])
        XCTAssertEqual(StatementReader.conditions("a missing or blank count").map(\.kind), [.missing, .empty])
    }

    /// A page that asks the app: what the endpoint answers for bad input is the server's statement,
    /// not a check of the page's own validation (its requests would fail such a check).
    func testServerStatementsAreNotPageChecks() {
        for text in [
            """
            A Flask app with a JSON API and a page whose JavaScript loads from it with fetch. The page has <input id="city"> and <button id="look">, and shows the answer in <div id="answer">.
            - GET /api/weather?city=<text> answers 200 with {"city": <text>, "temp": <number>}; if city is missing or empty the endpoint answers 400 with {"error": "..."} whose text contains the word "city".
            - If the request fails, #answer shows the text "unavailable"; when the server answers with an error status, #answer shows the "error" message.
            """,
            """
            flask app + js page that fetches /api/weather?city=... and shows the result. elements: <input id="city">, <button id="look">, <div id="answer">.
            when city is empty the server returns a 400 with {"error": "..."}, and if the server is down #answer should say "unavailable".
            """,
        ] {
            let s = ProjectSpec(description: text)
            XCTAssertTrue(s.pinned.wantsJavaScript && PlanBuilder.ruleBased(s).kind == .jinjaPages, text)
            XCTAssertTrue(checks(s).isEmpty, checks(s).map(\.expectation).joined(separator: "\n"))
            XCTAssertNil(PageRules.validation(for: s))
        }
    }

    /// The tool-written page keeps the tag the description writes for each output: a table gets its
    /// body (the script fills rows there, and invalid input empties it), a list stays a list.
    func testThePageSkeletonKeepsTheDescriptionsOutputTags() throws {
        let phrasings = [
            #"A Flask page (port 5601) whose JavaScript lists square numbers: <input id="n">, a <button id="show">, a <table id="squares"> with a <tbody> that gets one row per number from 1 to n, a <ul id="notes"> and an element with id="problem". If n is empty or not a whole number, #problem shows "invalid"."#,
            #"flask port 5601, js in the page. <input id="n"> + <button id="show"> fill <table id="squares"> (tbody rows: k and k*k for k = 1..n) and <ul id="notes">; id="problem" says "invalid" when n is empty or not a whole number"#,
        ]
        let plan = #"{"kind": "single-file", "files": ["app.py"], "routes": [{"method": "GET", "path": "/"}]}"#
        for text in phrasings {
            let pipeline = Pipeline(generator: ScriptedGenerator(answers: [plan]), options: NewOptions(description: text, workingDirectory: FileManager.default.temporaryDirectory))
            var project = try pipeline.planner.plan(pipeline.spec)
            let derived = project.deriveChecks()
            let html = try FilePrompts(project: project, checks: { derived }, renderer: pipeline.renderer, continuesPrefill: true).pagePrefill()
            XCTAssertTrue(html.contains(#"<table id="squares" class="output"><tbody></tbody></table>"#), "\(text)\n\(html)")
            XCTAssertTrue(html.contains(#"<ul id="notes" class="output"></ul>"#), "\(text)\n\(html)")
            XCTAssertTrue(html.contains(#"<div id="problem" class="output"></div>"#), "\(text)\n\(html)")
            XCTAssertTrue(html.contains(##"document.querySelector("#squares tbody").textContent = "";"##), "\(text)\n\(html)")
            XCTAssertTrue(html.contains(#"document.getElementById("notes").textContent = "";"#), "\(text)\n\(html)")
            XCTAssertTrue(html.contains(#"document.getElementById("problem").textContent = "invalid";"#), "the message goes where its sentence says: \(html)")
        }
    }

}
