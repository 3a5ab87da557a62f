import Foundation
import XCTest
import GitStore
@testable import Scaffold

/// End-to-end runs of `deepcoder new` on scripted generators, in temp dirs. The verifying tests need
/// the tool-managed venv; it is created here with pip (skipped, with a message, only when pip is unreachable).
final class PipelineTests: XCTestCase {
    var work: URL!
    nonisolated(unsafe) static var venvProblem: String?
    nonisolated(unsafe) static var venvChecked = false

    var fixtures: URL { Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("apps") }

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("dc-pipeline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: work) }

    func requireVenv() throws {
        if !Self.venvChecked {
            Self.venvChecked = true
            do { try PythonEnvironment().ensure(progress: { print("venv: \($0)") }) } catch { Self.venvProblem = "\(error)" }
        }
        if let p = Self.venvProblem {
            if p.contains("pip install failed") || p.contains("venv failed") {
                throw XCTSkip("cannot create the verification venv (pip unreachable?): \(p.prefix(300))")
            }
            XCTFail("venv: \(p)")
        }
    }

    func spec(_ app: String) throws -> String {
        try String(contentsOf: fixtures.appendingPathComponent("\(app)/spec.txt"), encoding: .utf8)
    }

    func options(_ description: String, out: String = "project", verify: Bool = true, maxRepairs: Int = 2) -> NewOptions {
        NewOptions(description: description, outputDirectory: work.appendingPathComponent(out), maxRepairs: maxRepairs, verify: verify,
                   workingDirectory: work)
    }

    func leftovers() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0.contains("deepcoder-") }
    }

    var lines: [String] = []
    func run(_ generator: any TextGenerator, _ opts: NewOptions) throws -> NewReport {
        try Pipeline(generator: generator, options: opts, progress: { [unowned self] in self.lines.append($0) }).run()
    }

    // MARK: good apps pass verification

    /// A JSON API of records: the model is asked for the plan only; the tool writes every route, and
    /// the description's statements hold on the running app (and in the project's own tests).
    func testRecordsAPIIsWrittenByTheToolAndDoesWhatTheDescriptionStates() throws {
        try requireVenv()
        let specs = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("specs")
        for (i, name) in ["bookmarks_api", "bookmarks_api_casual"].enumerated() {
            let description = try String(contentsOf: specs.appendingPathComponent("\(name).txt"), encoding: .utf8)
            var asked: [String] = []
            let gen = ScriptedGenerator { req, _ in
                if let file = ScriptedGenerator.requestedFile(in: req) { asked.append(file); throw ScriptedGeneratorError("asked for \(file)") }
                return #"{"name": "Bookmarks", "kind": "json-api", "files": ["app.py"], "storage": "memory"}"#
            }
            gen.continuesPrefill = true
            let report = try run(gen, options(description, out: "project\(i)"))
            XCTAssertEqual(asked, [], name)
            XCTAssertEqual(report.exitCode, 0, name + ": " + report.checks.map { "\($0.name): \($0.status) \($0.summary)" }.joined(separator: "\n"))
            XCTAssertEqual(report.checks.first { $0.name == .behaviour }?.status, .passed, name)
            XCTAssertTrue(report.decisions.contains { $0.contains("never given out twice") }, name)
            let tests = try String(contentsOf: work.appendingPathComponent("project\(i)/tests/test_app.py"), encoding: .utf8)
            XCTAssertTrue(tests.contains("def test_stated(") && tests.contains("/bookmarks"), name)
        }
    }

    func testGoodJSONAPIPassesVerificationAndIsCommitted() throws {
        try requireVenv()
        let gen = ScriptedGenerator.fromDirectory(fixtures.appendingPathComponent("cube_api"), strict: true)
        let report = try run(gen, options(try spec("cube_api")))
        XCTAssertEqual(report.exitCode, 0, report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
        XCTAssertEqual(report.kind, "json-api")
        XCTAssertEqual(report.planSource, "model")
        for name: CheckName in [.compile, .import, .routes, .serve, .tests] {
            XCTAssertEqual(report.checks.first { $0.name == name }?.status, .passed, name.rawValue)
        }
        let dir = work.appendingPathComponent("project")
        let app = try String(contentsOf: dir.appendingPathComponent("app.py"), encoding: .utf8)
        XCTAssertTrue(app.hasPrefix("import math"), "prose before the code must be gone")
        XCTAssertFalse(app.contains("The endpoint `/cube`"), "prose after the code must be gone")
        for f in ["requirements.txt", "README.md", ".gitignore", "tests/test_app.py", ".deepcoder/spec.md", ".deepcoder/plan.json", ".deepcoder/generation.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path), f)
        }
        let req = try String(contentsOf: dir.appendingPathComponent("requirements.txt"), encoding: .utf8)
        XCTAssertTrue(req.contains("Flask==3.1.3") && req.contains("Flask-WTF==1.3.0") && req.contains("WTForms==3.3.2") && req.contains("email-validator==2.4.0"))
        let tests = try String(contentsOf: dir.appendingPathComponent("tests/test_app.py"), encoding: .utf8)
        XCTAssertTrue(tests.contains("def test_get_cube(client)") && tests.contains("/cube?edge=3"), tests)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("__pycache__").path))

        let generation = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(".deepcoder/generation.json"))) as! [String: Any]
        let files = generation["files"] as! [[String: Any]]
        XCTAssertEqual(files.map { $0["path"] as! String }, ["app.py"])
        XCTAssertEqual(files[0]["template"] as? String, "prompts/file.mustache")
        XCTAssertNotNil(files[0]["generatedTokens"] as? Int)

        let commit = try GitStore.headCommit(in: dir)
        let trailers = Dictionary(commit.trailers.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(trailers["Deepcoder-Model"], "scripted")
        XCTAssertEqual(trailers["Deepcoder-Seed"], "42")
        XCTAssertEqual(trailers["Deepcoder-Engine"], "scripted-generator")
        XCTAssertTrue(trailers["Deepcoder-Verify"]?.hasPrefix("passed") ?? false, trailers.description)
        XCTAssertTrue(trailers["Deepcoder-Sampling"]?.contains("temperature=0.2") ?? false)
        XCTAssertEqual(trailers["Deepcoder-Model-SHA256"]?.count, 64)
        XCTAssertTrue(commit.message.contains("reports the volume of a cube as JSON"), "the description is the body")
        XCTAssertTrue(commit.files.contains("app.py") && commit.files.contains(".deepcoder/plan.json"))
        XCTAssertEqual(try leftovers(), [], "no temp dir may be left beside the project")

        // every file prompt carried the pinned facts
        for req in gen.requests.dropFirst() {
            let prompt = req.messages.last { $0.role == .user }!.content
            XCTAssertTrue(prompt.contains("port=5057") && prompt.contains("Route: GET /cube (query parameter: edge)") && prompt.contains("\"volume\""), prompt)
        }
    }

    /// A one-page WTForms app: the tool writes forms.py (fields, required, the validator for the
    /// pinned message) and the page (form, errors, labelled results) from the plan, and starts
    /// app.py's view up to the result; the model writes only the computation.
    func testOnePageFormAppIsWrittenByTheToolAroundTheModelsComputation() throws {
        try requireVenv()
        let src = fixtures.appendingPathComponent("fuel_form")
        let appRest = """
                    "Consumption": f"{fuel / distance * 100:.1f} L/100 km",
                }
            return render_template("index.html", form=form, result=result)


        if __name__ == "__main__":
            app.run(host="127.0.0.1", port=5058)
        ```
        """
        var prefills: [String: String] = [:]
        let gen = ScriptedGenerator { req, _ in
            guard let file = ScriptedGenerator.requestedFile(in: req) else {
                return try String(contentsOf: src.appendingPathComponent("plan.txt"), encoding: .utf8)
            }
            prefills[file] = req.prefill
            guard file == "app.py" else { throw ScriptedGeneratorError("the model was asked for \(file)") }
            return appRest
        }
        gen.continuesPrefill = true
        let report = try run(gen, options(try spec("fuel_form")))
        XCTAssertEqual(report.exitCode, 0, report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
        XCTAssertEqual(Set(prefills.keys), ["app.py"], "only app.py is asked of the model")
        let forms = try String(contentsOf: work.appendingPathComponent("project/forms.py"), encoding: .utf8)
        XCTAssertEqual(forms.trimmingCharacters(in: .whitespacesAndNewlines), """
            from flask_wtf import FlaskForm
            from wtforms import FloatField, SubmitField
            from wtforms.validators import InputRequired, ValidationError


            def positive(form, field):
                if field.data is not None and field.data <= 0:
                    raise ValidationError("Enter a value above zero.")


            class FuelForm(FlaskForm):
                distance = FloatField("Distance (km)", validators=[InputRequired(), positive])
                fuel = FloatField("Fuel (litres)", validators=[InputRequired(), positive])
                submit = SubmitField("Submit")
            """)
        let app = try XCTUnwrap(prefills["app.py"])
        XCTAssertTrue(app.hasPrefix("```python\nfrom flask import Flask, render_template\nfrom forms import FuelForm\n"), app)
        XCTAssertTrue(app.hasSuffix("    if form.validate_on_submit():\n        distance = form.distance.data\n        fuel = form.fuel.data\n        result = {\n"), app)
        let html = try String(contentsOf: work.appendingPathComponent("project/templates/index.html"), encoding: .utf8)
        for part in [#"<form method="post" action="/">"#, "{{ form.hidden_tag() }}", "{{ form.distance() }}", "{% for error in form.fuel.errors %}",
                     "{{ form.submit() }}", "{% if result is not none %}", "{% for label, value in result.items() %}", ": {{ value }}</p>"] {
            XCTAssertTrue(html.contains(part), "\(part) in\n\(html)")
        }
        // the description's stated outcomes were checked on the running app
        XCTAssertEqual(report.checks.first { $0.name == .behaviour }?.status, .passed)
    }

    func testGoodWTFormsAppPassesVerification() throws {
        try requireVenv()
        let gen = ScriptedGenerator.fromDirectory(fixtures.appendingPathComponent("fuel_form"), strict: true)
        let report = try run(gen, options(try spec("fuel_form")))
        XCTAssertEqual(report.exitCode, 0, report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
        XCTAssertEqual(report.kind, "wtforms")
        XCTAssertEqual(report.checks.first { $0.name == .pins }?.status, .passed)
        XCTAssertTrue(report.checks.first { $0.name == .routes }?.summary.contains("POST / -> 200") ?? false)
        let dir = work.appendingPathComponent("project")
        let forms = try String(contentsOf: dir.appendingPathComponent("forms.py"), encoding: .utf8)
        XCTAssertTrue(forms.hasPrefix("from flask_wtf"), "the `# forms.py` header line is dropped")
        let html = try String(contentsOf: dir.appendingPathComponent("templates/index.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("{{ form.hidden_tag() }}"))
        // files were generated in dependency order: forms.py before app.py before the template
        XCTAssertEqual(gen.requests.dropFirst().compactMap { ScriptedGenerator.requestedFile(in: $0) }, ["forms.py", "app.py", "templates/index.html"])
        // the template prompt saw forms.py and app.py
        let last = gen.requests.last!.messages.last!.content
        XCTAssertTrue(last.contains("class FuelForm(FlaskForm)") && last.contains("render_template(\"index.html\""))
        // the form's stated outcomes hold: decimals accepted, the pinned message, the pinned result format
        let behaviour = try XCTUnwrap(report.checks.first { $0.name == .behaviour })
        XCTAssertEqual(behaviour.status, .passed, behaviour.failures.map(\.message).joined(separator: "\n"))
    }

    // MARK: repair

    func testBrokenAppIsRepaired() throws {
        try requireVenv()
        let gen = ScriptedGenerator.fromDirectory(fixtures.appendingPathComponent("volume_repair"), strict: true)
        let report = try run(gen, options(try spec("volume_repair")))
        XCTAssertEqual(report.exitCode, 0, report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
        XCTAssertEqual(report.planSource, "rules", "the malformed plan answer falls back to the rule-based plan")
        XCTAssertEqual(report.kind, "json-api")
        XCTAssertEqual(report.repairRounds, 1)
        let repairRequests = gen.requests.filter(ScriptedGenerator.isRepairRequest)
        XCTAssertEqual(repairRequests.count, 1)
        let repairPrompt = repairRequests[0].messages.last!.content
        XCTAssertTrue(repairPrompt.contains("NameError") && repairPrompt.contains("math"), "the error is in the repair prompt:\n\(repairPrompt)")
        XCTAssertTrue(repairPrompt.contains("The description says:"), "a broken promise quotes the description:\n\(repairPrompt)")
        XCTAssertTrue(repairPrompt.contains("return jsonify({\"edge\": edge"), "the current file is in the repair prompt")
        let dir = work.appendingPathComponent("project")
        XCTAssertTrue(try String(contentsOf: dir.appendingPathComponent("app.py"), encoding: .utf8).contains("import math"))
        let plan = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(".deepcoder/plan.json"))) as! [String: Any]
        XCTAssertEqual(plan["source"] as? String, "rules")
        let generation = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(".deepcoder/generation.json"))) as! [String: Any]
        let app = (generation["files"] as! [[String: Any]]).first { $0["path"] as? String == "app.py" }!
        XCTAssertEqual(app["repairs"] as? Int, 1)
        XCTAssertTrue((app["template"] as? String ?? "").contains("prompts/repair.mustache"))
        XCTAssertEqual(report.checks.first { $0.name == .behaviour }?.status, .passed)
    }

    func testUnrepairableAppIsStillWrittenAndCommittedWithExitCode1() throws {
        try requireVenv()
        // the same broken app, and a model that repeats its mistake
        let src = fixtures.appendingPathComponent("volume_repair")
        let gen = ScriptedGenerator { req, _ in
            let file = ScriptedGenerator.requestedFile(in: req)
            let name = file.map { $0.replacingOccurrences(of: "/", with: "__") + ".txt" } ?? "plan.txt"
            return try String(contentsOf: src.appendingPathComponent(name), encoding: .utf8)
        }
        let report = try run(gen, options(try spec("volume_repair"), maxRepairs: 1))
        XCTAssertEqual(report.exitCode, 1)
        XCTAssertEqual(report.repairRounds, 1)
        XCTAssertTrue(report.verification.hasPrefix("failed ("), report.verification)
        XCTAssertTrue(report.checks.contains { $0.name == .routes && $0.status == .failed })
        XCTAssertTrue(report.checks.contains { $0.name == .behaviour && $0.status == .failed })
        let dir = work.appendingPathComponent("project")
        let commit = try GitStore.headCommit(in: dir)
        let verify = commit.trailers.first { $0.key == "Deepcoder-Verify" }?.value ?? ""
        XCTAssertTrue(verify.hasPrefix("failed (") && verify.contains("routes"), verify)
    }

    /// A repair that makes the project worse (here: the app no longer imports) is undone: the best
    /// version seen is written, committed and reported.
    func testRepairThatMakesItWorseIsNotKept() throws {
        try requireVenv()
        let src = fixtures.appendingPathComponent("volume_repair")
        let worse = "```python\nfrom flask import Flask\nimport no_such_module\napp = Flask(__name__)\n```\n"
        let gen = ScriptedGenerator { req, _ in
            if ScriptedGenerator.isRepairRequest(req) { return worse }
            let file = ScriptedGenerator.requestedFile(in: req)
            let name = file.map { $0.replacingOccurrences(of: "/", with: "__") + ".txt" } ?? "plan.txt"
            return try String(contentsOf: src.appendingPathComponent(name), encoding: .utf8)
        }
        let report = try run(gen, options(try spec("volume_repair"), maxRepairs: 1))
        XCTAssertEqual(report.exitCode, 1)
        XCTAssertEqual(report.repairRounds, 1)
        XCTAssertEqual(report.checks.first { $0.name == .import }?.status, .passed, "the kept version imports")
        XCTAssertEqual(report.checks.first { $0.name == .routes }?.status, .failed)
        let dir = work.appendingPathComponent("project")
        let app = try String(contentsOf: dir.appendingPathComponent("app.py"), encoding: .utf8)
        XCTAssertTrue(app.contains("def cube()") && !app.contains("no_such_module"), app)
        XCTAssertTrue(lines.contains { $0.contains("the repairs made it worse") }, lines.joined(separator: "\n"))
        let verify = try GitStore.headCommit(in: dir).trailers.first { $0.key == "Deepcoder-Verify" }?.value ?? ""
        XCTAssertTrue(verify.contains("routes") && !verify.contains("import"), verify)
    }

    /// A read-only view that assigns the module's list it filters keeps a local of its own; the first
    /// assignment on each branch reads the module's list, later reads the local; a view that changes
    /// stored data gets no rename (it needs `global`).
    func testAReadOnlyViewThatShadowsAModuleListGetsALocal() {
        let src = """
        birds = ["Wren", "Robin", "Heron"]


        @app.route("/birds", methods=["GET", "POST"])
        def list_birds():
            term = request.args.get("term", "").lower()
            if not term:
                birds = birds
            else:
                birds = [b for b in birds if term in b.lower()]
            birds = birds[:2]
            return render_template("birds.html", birds=birds, count=len(birds))
        """
        let fixed = PythonFixes.renamedShadowingLocal("birds", source: src, faultLine: 10)
        XCTAssertEqual(fixed?.local, "view_birds")
        XCTAssertEqual(fixed?.source, """
        birds = ["Wren", "Robin", "Heron"]


        @app.route("/birds", methods=["GET", "POST"])
        def list_birds():
            term = request.args.get("term", "").lower()
            if not term:
                view_birds = birds
            else:
                view_birds = [b for b in birds if term in b.lower()]
            view_birds = view_birds[:2]
            return render_template("birds.html", birds=view_birds, count=len(view_birds))
        """)
        let storing = src.replacingOccurrences(of: "term = request.args.get(\"term\", \"\").lower()", with: "term = request.form.get(\"term\", \"\")")
        XCTAssertNil(PythonFixes.renamedShadowingLocal("birds", source: storing, faultLine: 10), "a view that reads a posted form may store")
        XCTAssertNil(PythonFixes.renamedShadowingLocal("birds", source: src.replacingOccurrences(of: "methods=[\"GET\", \"POST\"]", with: "methods=[\"DELETE\"]"), faultLine: 10))
    }

    /// A JavaScript method on a Python value becomes the Python spelling, only for the method the
    /// AttributeError names; other calls stay.
    func testJavaScriptMethodsInPythonGetTheirPythonSpelling() {
        let src = """
        for title in shelf:
            if title.lower().contains(term.strip().lower()) and tags[0].includes(kind(x)):
                found.push(title.trim())
        other.contains_all(term)
        """
        let contains = PythonFixes.javaScriptMethod(src, type: "str", method: "contains")
        XCTAssertEqual(contains?.source.components(separatedBy: "\n")[1], "    if (term.strip().lower() in title.lower()) and tags[0].includes(kind(x)):")
        XCTAssertTrue(contains?.source.contains("other.contains_all(term)") ?? false)
        XCTAssertEqual(PythonFixes.javaScriptMethod(src, type: "str", method: "includes")?.source.components(separatedBy: "\n")[1],
                       "    if title.lower().contains(term.strip().lower()) and (kind(x) in tags[0]):")
        XCTAssertEqual(PythonFixes.javaScriptMethod(src, type: "list", method: "push")?.source.components(separatedBy: "\n")[2], "        found.append(title.trim())")
        XCTAssertEqual(PythonFixes.javaScriptMethod(src, type: "str", method: "trim")?.source.components(separatedBy: "\n")[2], "        found.push(title.strip())")
        XCTAssertNil(PythonFixes.javaScriptMethod(src, type: "dict", method: "contains"))
        XCTAssertNil(PythonFixes.javaScriptMethod("x = 1", type: "list", method: "push"))
    }

    /// A function called but never defined and a None in a comparison get a hint in plain words; a
    /// name that is not called, and other errors, get none.
    func testRepairHintsNameTheUndefinedFunctionAndTheNone() {
        let undefined = """
        app.py:14: in shelf_report
            spread = widest_gap(values)
        E   NameError: name 'widest_gap' is not defined
        """
        let hint = FailureTrace.repairHints(undefined)
        XCTAssertTrue(hint.contains("`widest_gap` is called but never defined") && hint.contains("write `def widest_gap(...):`"), hint)
        XCTAssertEqual(FailureTrace.repairHints("E   TypeError: float() argument must be a string or a real number, not 'NoneType'"), "",
                       "a conversion of a missing input is not a value to compute")
        XCTAssertEqual(FailureTrace.repairHints("E   NameError: name 'limit' is not defined\n    if total > limit:"), "")
        let none = "app.py:9: in grade\n    label = \"high\" if score > 80 else \"low\"\nE   TypeError: '>' not supported between instances of 'NoneType' and 'int'"
        XCTAssertTrue(FailureTrace.repairHints(none).contains("holds None"), FailureTrace.repairHints(none))
        XCTAssertEqual(FailureTrace.repairHints("E   KeyError: 'x'"), "")
    }

    /// A refusal decided in a helper: both conditions that answered are named, and the rewrite
    /// starts before the helper (the shape of a 1.5B answer: `value <= 0` inside a validating helper).
    func testTracedConditionsInAHelperAreAllNamed() {
        let error = """
        [behaviour] GET /cube?edge=0 answered 422 '{"error":"Invalid edge parameter"}': expected status 200. The description says: "An edge of 0 is valid (volume 0)."
        The last lines of the project this request ran (the answer comes from the last of them):
          app.py:23: raw = request.args.get("edge")
          app.py:24: if not raw:
          app.py:27: if not validate_edge(raw):
          app.py:13: try:
          app.py:14: value = float(edge)
          app.py:15: if not math.isfinite(value) or value <= 0:
          app.py:16: return False
          app.py:28: return jsonify({"error": "Invalid edge parameter"}), 422
        """
        let traced = FailureTrace.tracedLines(error, file: "app.py")
        XCTAssertEqual(traced.map(\.line), [23, 24, 27, 13, 14, 15, 16, 28])
        XCTAssertEqual(FailureTrace.refusingConditions(traced), ["if not math.isfinite(value) or value <= 0:"],
                       "a condition is blamed only when its own return follows it")
        XCTAssertTrue(FailureTrace.tracedLines(error, file: "forms.py").isEmpty)
    }

    /// The `if` that refused a request the description says is valid is removed when it is the trace's
    /// last condition and guards one `return`; not when an `else` follows, nor when the trace ends elsewhere.
    func testTheIfThatRefusedAValidRequestIsRemoved() {
        let src = """
        @app.route("/gap")
        def gap():
            try:
                first = date.fromisoformat(request.args["first"])
                second = date.fromisoformat(request.args["second"])
            except (KeyError, ValueError):
                return jsonify({"error": "bad date"}), 400
            if second < first:
                return jsonify({"error": "second is before first"}), 400

            return jsonify({"gap": (second - first).days})
        """
        let traced: [(line: Int, text: String)] = [(3, "try:"), (4, "first = date.fromisoformat(request.args[\"first\"])"),
                                                   (8, "if second < first:"), (9, "return jsonify({\"error\": \"second is before first\"}), 400")]
        let fixed = PythonFixes.withoutRefusal(src, traced: traced)
        XCTAssertEqual(fixed?.condition, "if second < first:")
        XCTAssertEqual(fixed?.line, 8)
        XCTAssertEqual(fixed?.source, src.replacingOccurrences(of: "    if second < first:\n        return jsonify({\"error\": \"second is before first\"}), 400\n", with: ""))
        // an `else` after it: the branch is not a lone refusal
        let withElse = src.replacingOccurrences(of: "\n    return jsonify({\"gap\"", with: "    else:\n        return jsonify({\"gap\"")
        XCTAssertNil(PythonFixes.withoutRefusal(withElse, traced: traced))
        // the trace ends in the `except`, or at a line that is not the `if`'s body
        XCTAssertNil(PythonFixes.withoutRefusal(src, traced: [(3, "try:"), (6, "except (KeyError, ValueError):"), (7, "return jsonify({\"error\": \"bad date\"}), 400")]))
        XCTAssertNil(PythonFixes.withoutRefusal(src, traced: [(8, "if second < first:"), (11, "return jsonify({\"gap\": (second - first).days})")]))
        // a source that changed since the trace: nothing removed
        XCTAssertNil(PythonFixes.withoutRefusal(src.replacingOccurrences(of: "second < first", with: "second <= first"), traced: traced))
    }

    /// A view that refuses a request the description says is valid loses that `if` without asking the
    /// model again: the worked example swapped must answer its number negated, as stated.
    func testAnIfRefusingAValidRequestIsRemovedBeforeAskingTheModel() throws {
        try requireVenv()
        let app = """
        from datetime import date

        from flask import Flask, jsonify, request

        app = Flask(__name__)


        @app.route("/gap", methods=["GET"])
        def gap():
            try:
                first = date.fromisoformat(request.args["first"])
                second = date.fromisoformat(request.args["second"])
            except (KeyError, ValueError):
                return jsonify({"error": "bad date"}), 400
            if second < first:
                return jsonify({"error": "second is before first"}), 400
            return jsonify({"gap": (second - first).days}), 200


        if __name__ == "__main__":
            app.run(host="127.0.0.1", port=5073)
        """
        let gen = ScriptedGenerator { req, _ in
            guard ScriptedGenerator.requestedFile(in: req) != nil else {
                return #"{"kind": "json-api", "port": 5073, "files": ["app.py"], "routes": [{"method": "GET", "path": "/gap", "query": ["first", "second"]}], "#
                    + #""examples": [{"route": "/gap", "given": {"first": "2023-01-01", "second": "2023-01-11"}, "expect": ["10"]}]}"#
            }
            XCTAssertFalse(ScriptedGenerator.isRepairRequest(req), "fixed before any repair request")
            return "```python\n\(app)\n```\n"
        }
        let report = try run(gen, options("""
            A JSON API with Flask; `python app.py` serves it on port 5073.
            GET /gap?first=2023-01-01&second=2023-01-11 answers {"gap": <integer>}, the days from first to second (here 10). If second is before first, the gap is negative.
            """, maxRepairs: 1))
        XCTAssertEqual(report.exitCode, 0, report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
        let written = try String(contentsOf: work.appendingPathComponent("project/app.py"), encoding: .utf8)
        XCTAssertFalse(written.contains("if second < first"), written)
        XCTAssertTrue(lines.contains { $0.contains("app.py: removed `if second < first:` (line 15), which refused a request the description says is valid") }, lines.joined(separator: "\n"))
    }

    /// A home view that renders a template the plan does not list: the template is planned and the model
    /// writes it, before any repair (the known fix that swaps in the only template is left for a repair's
    /// app.py), and the project serves its home page.
    func testAViewRenderingAnUnplannedTemplateGetsThatTemplate() throws {
        try requireVenv()
        let app = """
        from flask import Flask, render_template, request

        app = Flask(__name__)
        BOOKS = ["Dune", "Emma", "Ulysses"]


        @app.route("/")
        def home():
            return render_template("home.html")


        @app.route("/find")
        def find():
            q = request.args.get("q", "").lower()
            return render_template("find.html", books=[b for b in BOOKS if q in b.lower()], q=q)


        if __name__ == "__main__":
            app.run(host="127.0.0.1", port=5077)
        """
        let page = """
        <!DOCTYPE html>
        <html><body><h1>Books</h1>
        <form method="get" action="/find"><input name="q" value="{{ q }}"><button>Find</button></form>
        <ul>{% for b in books %}<li>{{ b }}</li>{% endfor %}</ul>
        </body></html>
        """
        let gen = ScriptedGenerator { req, _ in
            switch ScriptedGenerator.requestedFile(in: req) {
            case nil:
                return #"{"kind": "jinja-pages", "port": 5077, "files": ["app.py", "templates/find.html"], "routes": [{"method": "GET", "path": "/"}, {"method": "GET", "path": "/find", "query": ["q"]}]}"#
            case "app.py": return "```python\n\(app)\n```\n"
            default: return "```html\n\(page)\n```\n"
            }
        }
        let report = try run(gen, options("A Flask book finder on port 5077 with Jinja templates: the home page / has a search box named q, and GET /find?q=... lists the books whose title contains it.", maxRepairs: 1))
        XCTAssertFalse(gen.requests.contains(where: ScriptedGenerator.isRepairRequest), "fixed before any repair request")
        let written = try String(contentsOf: work.appendingPathComponent("project/app.py"), encoding: .utf8)
        XCTAssertTrue(written.contains(#"return render_template("home.html")"#), written)
        XCTAssertTrue(FileManager.default.fileExists(atPath: work.appendingPathComponent("project/templates/home.html").path))
        XCTAssertTrue(lines.contains { $0.contains("templates/home.html: app.py renders it for GET /; added to the plan") }, lines.joined(separator: "\n"))
        XCTAssertFalse(report.checks.contains { $0.name == .serve && $0.status == .failed }, report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
    }

    /// A repaired app.py that renders a page the project does not have: the model writes that page in
    /// the same round, and the home page serves.
    func testARepairedAppPyGetsThePageItRenders() throws {
        try requireVenv()
        let good = """
        from flask import Flask, render_template, request
        app = Flask(__name__)

        @app.route("/")
        def home():
            return render_template("front.html")

        @app.route("/find")
        def find():
            return render_template("find.html", q=request.args.get("q", ""))

        if __name__ == "__main__":
            app.run(host="127.0.0.1", port=5078)
        """
        var asked: [String] = []
        let gen = ScriptedGenerator { req, _ in
            guard let file = ScriptedGenerator.requestedFile(in: req) else {
                return #"{"kind": "jinja-pages", "port": 5078, "files": ["app.py", "templates/find.html"], "routes": [{"method": "GET", "path": "/"}, {"method": "GET", "path": "/find", "query": ["q"]}]}"#
            }
            asked.append(file + (ScriptedGenerator.isRepairRequest(req) ? " (repair)" : ""))
            if file == "app.py" {
                // the first answer does not compile; the repair renders a page the plan never had
                return ScriptedGenerator.isRepairRequest(req) ? "```python\n\(good)\n```\n" : "```python\nfrom flask import Flask\napp = Flask(__name__)\ndef broken(:\n    pass\n```\n"
            }
            return "```html\n<!DOCTYPE html>\n<html><body><form action=\"/find\"><input name=\"q\"></form></body></html>\n```\n"
        }
        let report = try run(gen, options("A Flask site on port 5078 to find words: the home page has a box named q, and GET /find?q=... shows what was typed.", maxRepairs: 1))
        XCTAssertTrue(asked.contains("templates/front.html"), asked.joined(separator: ", "))
        XCTAssertTrue(FileManager.default.fileExists(atPath: work.appendingPathComponent("project/templates/front.html").path))
        XCTAssertFalse(report.checks.contains { $0.name == .serve && $0.status == .failed }, report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
    }

    /// The same for a view the model wrote into the tool's app.py: the view loses the `if`, and app.py
    /// is rendered again with it.
    func testAnIfRefusingAValidRequestIsRemovedFromTheModelsView() throws {
        try requireVenv()
        var viewAsks = 0
        let gen = ScriptedGenerator { req, _ in
            let prompt = req.messages.last?.content ?? ""
            if prompt.contains("has no view for GET /gap") {
                viewAsks += 1
                XCTAssertTrue(req.prefill.contains("first = date.fromisoformat(request.args[\"first\"])"), req.prefill)
                return "    if second < first:\n        return jsonify({\"error\": \"second is before first\"}), 400\n    return jsonify({\"gap\": (second - first).days}), 200\n```"
            }
            guard ScriptedGenerator.requestedFile(in: req) != nil else {
                return #"{"kind": "json-api", "port": 5075, "files": ["app.py"], "routes": [{"method": "GET", "path": "/gap", "query": ["first", "second"]}], "#
                    + #""examples": [{"route": "/gap", "given": {"first": "2023-01-01", "second": "2023-01-11"}, "expect": ["10"]}]}"#
            }
            throw ScriptedGeneratorError("the model was asked for a whole file")
        }
        gen.continuesPrefill = true
        let report = try run(gen, options("""
            A JSON API with Flask; `python app.py` serves it on port 5075.
            GET /gap?first=2023-01-01&second=2023-01-11 answers {"gap": <integer>}, the days from first to second (here 10). If second is before first, the gap is negative.
            """, maxRepairs: 1))
        XCTAssertEqual(report.exitCode, 0, report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n") + lines.joined(separator: "\n"))
        XCTAssertEqual(viewAsks, 1, "fixed before any repair request: " + lines.joined(separator: "\n"))
        let written = try String(contentsOf: work.appendingPathComponent("project/app.py"), encoding: .utf8)
        XCTAssertFalse(written.contains("if second < first"), written)
        XCTAssertTrue(written.contains("return jsonify({\"gap\": (second - first).days}), 200"), written)
        XCTAssertTrue(lines.contains { $0.contains("app.py: removed `if second < first:`") }, lines.joined(separator: "\n"))
    }

    /// A page that answers 0 like a non-number, where the description calls only empty input and
    /// non-numbers invalid, loses its comparison with 0 without asking the model again.
    func testAPageRefusingZeroLosesTheComparisonBeforeAskingTheModel() throws {
        try requireVenv()
        let page = """
        <!DOCTYPE html>
        <html><body>
        <h1>Km to miles</h1>
        <input id="km"><button id="go" type="button">Go</button><p id="out"></p>
        <script>
        document.getElementById("go").addEventListener("click", function () {
          const km = parseFloat(document.getElementById("km").value);
          if (isNaN(km) || km <= 0) { document.getElementById("out").textContent = "Type a number"; return; }
          document.getElementById("out").textContent = (km * 0.621371).toFixed(2);
        });
        </script>
        </body></html>
        """
        let gen = ScriptedGenerator { req, _ in
            guard ScriptedGenerator.requestedFile(in: req) != nil else {
                return #"{"kind": "jinja-pages", "port": 5074, "files": ["app.py", "templates/index.html"], "routes": [{"method": "GET", "path": "/"}], "#
                    + #""pages": [{"path": "/", "inputs": [{"id": "km", "type": "number"}], "button": "go", "outputs": ["out"]}], "#
                    + #""examples": [{"route": "/", "given": {"km": "10"}, "expect": ["6.21"]}]}"#
            }
            XCTAssertFalse(ScriptedGenerator.isRepairRequest(req), "fixed before any repair request")
            return "```html\n\(page)\n```\n"
        }
        let report = try run(gen, options("""
            A Flask app on port 5074 with one page: type kilometres, press the button, and the page shows miles, computed in JavaScript (e.g. 10 gives 6.21).
            If the box is empty or not a number, show a short message instead.
            """, maxRepairs: 1))
        if report.checks.contains(where: { $0.name == .javascript && $0.status == .skipped }) { throw XCTSkip("node is not installed") }
        XCTAssertEqual(report.exitCode, 0, report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
        let written = try String(contentsOf: work.appendingPathComponent("project/templates/index.html"), encoding: .utf8)
        XCTAssertTrue(written.contains("if (isNaN(km)) {"), written)
        XCTAssertTrue(lines.contains { $0.contains("templates/index.html: removed `|| km <= 0`") }, lines.joined(separator: "\n"))
    }

    /// A site page whose form posts to a URL the app serves only with GET is fixed without asking the
    /// model again: the form sends with GET.
    func testAFormPostingToAGetOnlyPageSendsWithGetBeforeAskingTheModel() throws {
        try requireVenv()
        let app = """
        from flask import Flask, render_template

        app = Flask(__name__)


        @app.route("/")
        def start():
            return render_template("start.html")


        @app.route("/visit")
        def visit():
            return render_template("visit.html")


        if __name__ == "__main__":
            app.run(host="127.0.0.1", port=5076)
        """
        let menu = #"<nav><a href="/">Start</a> <a href="/visit">Visit</a></nav>"#
        let pages = [
            "templates/start.html": "<!DOCTYPE html>\n<html><body>\(menu)<h1>Start</h1></body></html>",
            "templates/visit.html": "<!DOCTYPE html>\n<html><body>\(menu)<h1>Visit</h1>\n"
                + #"<form method="post" action="/visit"><input name="when"><button type="submit">Book</button></form>"#
                + "\n</body></html>",
        ]
        let gen = ScriptedGenerator { req, _ in
            guard let file = ScriptedGenerator.requestedFile(in: req) else {
                return #"{"kind": "jinja-pages", "port": 5076, "files": ["app.py", "templates/start.html", "templates/visit.html"], "#
                    + #""routes": [{"method": "GET", "path": "/"}, {"method": "GET", "path": "/visit"}]}"#
            }
            XCTAssertFalse(ScriptedGenerator.isRepairRequest(req), "fixed before any repair request")
            if file == "app.py" { return "```python\n\(app)\n```\n" }
            return "```html\n\(pages[file] ?? "")\n```\n"
        }
        let report = try run(gen, options("""
            Make me a little Flask site for a pottery studio on port 5076: a start page and a visit page, each with a heading \
            naming it and links to both pages.
            """, maxRepairs: 1))
        XCTAssertEqual(report.checks.first { $0.name == .pins }?.status, .passed, report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
        let written = try String(contentsOf: work.appendingPathComponent("project/templates/visit.html"), encoding: .utf8)
        XCTAssertTrue(written.contains(#"<form method="get" action="/visit">"#), written)
        XCTAssertTrue(lines.contains { $0.contains("templates/visit.html: <form method=\"post\" action=\"/visit\">") }, lines.joined(separator: "\n"))
    }

    /// A module-level counter updated without `global` is fixed before verification, without asking the
    /// model again.
    func testMissingGlobalIsFixedBeforeAskingTheModel() throws {
        try requireVenv()
        let app = """
        from flask import Flask, jsonify, request

        app = Flask(__name__)
        items = []
        next_id = 1


        @app.route("/items", methods=["POST"])
        def create():
            data = request.get_json(silent=True) or {}
            item = {"id": next_id, "name": data.get("name", "")}
            items.append(item)
            next_id += 1
            return jsonify(item), 201


        if __name__ == "__main__":
            app.run(host="127.0.0.1", port=5072)
        """
        let gen = ScriptedGenerator { req, _ in
            guard ScriptedGenerator.requestedFile(in: req) != nil else { return #"{"kind": "json-api", "port": 5072, "files": ["app.py"], "routes": [{"method": "POST", "path": "/items"}]}"# }
            XCTAssertFalse(ScriptedGenerator.isRepairRequest(req), "fixed before any repair request")
            return "```python\n\(app)\n```\n"
        }
        let report = try run(gen, options("""
            Create an in-memory item API with Flask.
            - `python app.py` serves it on port 5072.
            - POST /items with a JSON body {"name": "..."} creates an item and responds 201 with the created item {"id": <integer>, "name": <string>}.
            """, maxRepairs: 1))
        XCTAssertEqual(report.exitCode, 0, report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
        let written = try String(contentsOf: work.appendingPathComponent("project/app.py"), encoding: .utf8)
        XCTAssertTrue(written.contains("def create():\n    global next_id\n    data = "), written)
        XCTAssertTrue(lines.contains { $0.contains("app.py: `global next_id` in create() (the function updates the module's value)") }, lines.joined(separator: "\n"))
    }

    /// `if not math.isfinite(d):` on a date raises a TypeError every time: the known fix removes that
    /// guard and its return, before any repair request.
    func testAGuardThatCanOnlyCrashIsRemovedBeforeAskingTheModel() throws {
        try requireVenv()
        let app = """
        import math
        from datetime import date

        from flask import Flask, jsonify, request

        app = Flask(__name__)


        @app.route("/api/month", methods=["GET"])
        def month():
            try:
                day = date.fromisoformat(request.args["day"])
            except (KeyError, ValueError):
                return jsonify({"error": "day must be YYYY-MM-DD"}), 400
            if not math.isfinite(day):
                return jsonify({"error": "bad day"}), 400
            return jsonify({"month": day.strftime("%B")})


        if __name__ == "__main__":
            app.run(host="127.0.0.1", port=5077)
        """
        let gen = ScriptedGenerator { req, _ in
            guard ScriptedGenerator.requestedFile(in: req) != nil else {
                return #"{"kind": "json-api", "port": 5077, "files": ["app.py"], "routes": [{"method": "GET", "path": "/api/month", "query": ["day"]}]}"#
            }
            XCTAssertFalse(ScriptedGenerator.isRepairRequest(req), "fixed before any repair request")
            return "```python\n\(app)\n```\n"
        }
        let report = try run(gen, options("""
            A JSON API on port 5077: GET /api/month?day=2024-02-10 returns {"month": "February"}. A missing day answers 400.
            """, maxRepairs: 1))
        XCTAssertEqual(report.exitCode, 0, report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
        let written = try String(contentsOf: work.appendingPathComponent("project/app.py"), encoding: .utf8)
        XCTAssertFalse(written.contains("isfinite"), written)
        XCTAssertTrue(written.contains("return jsonify({\"month\": day.strftime(\"%B\")})"), written)
        XCTAssertTrue(lines.contains { $0.contains("removed `if not math.isfinite(day):`") }, lines.joined(separator: "\n"))
    }

    /// A model that calls `jsonify` without importing it gets the import added by the known fixes;
    /// it is not asked to repair the file.
    func testMissingImportIsAddedBeforeAskingTheModel() throws {
        try requireVenv()
        let app = """
        from flask import Flask, request

        app = Flask(__name__)


        @app.route("/double")
        def double():
            n = request.args.get("n", type=int)
            if n is None:
                return jsonify({"error": "n must be an integer"}), 400
            return jsonify({"n": n, "double": n * 2})


        if __name__ == "__main__":
            app.run(host="127.0.0.1", port=5074)
        """
        let gen = ScriptedGenerator { req, _ in
            guard ScriptedGenerator.requestedFile(in: req) != nil else { return #"{"kind": "json-api", "port": 5074, "files": ["app.py"], "routes": [{"method": "GET", "path": "/double", "query": ["n"]}]}"# }
            XCTAssertFalse(ScriptedGenerator.isRepairRequest(req), "the import is added before any repair request")
            return "```python\n\(app)\n```\n"
        }
        let report = try run(gen, options("""
            Build a small Flask service that doubles a number.
            - `python app.py` serves it on port 5074.
            - GET /double?n=<integer> responds with status 200 and {"n": <n>, "double": <2 * n>}.
            - When n is missing or not an integer, return status 400 with an "error" key in the JSON.
            """, maxRepairs: 1))
        XCTAssertEqual(report.exitCode, 0, report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
        let written = try String(contentsOf: work.appendingPathComponent("project/app.py"), encoding: .utf8)
        XCTAssertTrue(written.hasPrefix("from flask import Flask, request, jsonify\n\napp = Flask(__name__)\n"), written)
        // imports follow use as soon as the file is written, before verification
        XCTAssertTrue(lines.contains { $0.contains("[imports] app.py: from flask import jsonify") }, lines.joined(separator: "\n"))
    }

    /// A repair answer that drops a planned route: the tool writes the route's declaration again and
    /// the model its body (as for a first version that lacks a route), and a local hiding a builtin the
    /// repaired view calls is renamed; the project then passes.
    func testARepairThatDropsAPlannedRouteGetsItBack() throws {
        try requireVenv()
        let first = """
        from flask import Flask, jsonify

        app = Flask(__name__)


        @app.route("/double/<int:n>")
        def double(n):
            return jsonify({"result": n * 2})


        @app.route("/halve/<int:n>")
        def halve(n):
            return jsonify({"result": n / divisor})


        if __name__ == "__main__":
            app.run(host="127.0.0.1", port=5091)
        """
        let repaired = """
        from flask import Flask, jsonify

        app = Flask(__name__)


        @app.route("/double/<int:n>")
        def double(n):
            return jsonify({"result": n * 2})


        if __name__ == "__main__":
            app.run(host="127.0.0.1", port=5091)
        """
        var viewAsks = 0
        let gen = ScriptedGenerator { req, _ in
            let prompt = req.messages.last?.content ?? ""
            if prompt.contains("has no view for GET /halve/<n>") || prompt.contains("has no view for GET /halve/<int:n>") {
                viewAsks += 1
                return "    abs = abs(float(n))\n    return jsonify({\"result\": abs / 2})\n```"
            }
            guard ScriptedGenerator.requestedFile(in: req) != nil else {
                return #"{"kind": "json-api", "port": 5091, "files": ["app.py"], "routes": [{"method": "GET", "path": "/double/<int:n>"}, {"method": "GET", "path": "/halve/<int:n>"}]}"#
            }
            let file = ScriptedGenerator.isRepairRequest(req) ? repaired : first
            // a JSON API's app.py starts with the tool's imports: the answer continues after them
            if req.prefill.hasPrefix("```python\n"), req.prefill.contains("app = Flask(__name__)\n") { return file.components(separatedBy: "app = Flask(__name__)\n")[1] + "\n```\n" }
            XCTAssertEqual(req.prefill, "", "an unexpected prefill")
            return "```python\n" + file + "\n```\n"
        }
        gen.continuesPrefill = true
        let report = try run(gen, options("""
            A Flask JSON API on port 5091.
            - GET /double/<int:n> responds with status 200 and {"result": <twice n>}.
            - GET /halve/<int:n> responds with status 200 and {"result": <half of n>}.
            """, maxRepairs: 1))
        XCTAssertEqual(report.exitCode, 0, report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n") + lines.joined(separator: "\n"))
        XCTAssertEqual(viewAsks, 1, lines.joined(separator: "\n"))
        let written = try String(contentsOf: work.appendingPathComponent("project/app.py"), encoding: .utf8)
        XCTAssertTrue(written.contains("@app.route(\"/halve/<int:n>\", methods=[\"GET\"])") && written.contains("abs_value = abs(float(n))"), written)
    }

    /// An app.py that never calls app.run() exits at once under `python app.py`: the start is added
    /// by the known fixes, without asking the model to repair.
    func testMissingServerStartIsAddedBeforeAskingTheModel() throws {
        try requireVenv()
        let app = """
        from flask import Flask, jsonify, request

        app = Flask(__name__)


        @app.route("/half")
        def half():
            n = request.args.get("n", type=float)
            if n is None:
                return jsonify({"error": "n must be a number"}), 400
            return jsonify({"half": n / 2})
        """
        let gen = ScriptedGenerator { req, _ in
            guard ScriptedGenerator.requestedFile(in: req) != nil else { return #"{"kind": "json-api", "port": 5076, "files": ["app.py"], "routes": [{"method": "GET", "path": "/half", "query": ["n"]}]}"# }
            XCTAssertFalse(ScriptedGenerator.isRepairRequest(req), "the start is added before any repair request")
            return "```python\n\(app)\n```\n"
        }
        let report = try run(gen, options("""
            flask json api on port 5076: GET /half?n=<number> gives {"half": <n / 2>}, and a 400 error when n is not a number.
            """, maxRepairs: 1))
        XCTAssertEqual(report.exitCode, 0, report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
        let written = try String(contentsOf: work.appendingPathComponent("project/app.py"), encoding: .utf8)
        XCTAssertTrue(written.hasSuffix("\n\n\nif __name__ == \"__main__\":\n    app.run(host=\"127.0.0.1\", port=5076)\n"), written)
        XCTAssertNil(PythonFixes.addServerStart(written, port: 5076), "added once")
        XCTAssertNil(PythonFixes.addServerStart("print('no app')\n", port: 5076), "no Flask app: nothing to start")
    }

    func testMissingGlobalIsAddedToTheFunction() {
        let src = "notes = []\nnext_id = 1\n\n@app.route('/notes', methods=['POST'])\ndef create():\n    data = 1\n    note = {\"id\": next_id}\n    next_id += 1\n    return note\n"
        XCTAssertEqual(PythonFixes.addGlobal("next_id", source: src, faultLine: 7),
                       "notes = []\nnext_id = 1\n\n@app.route('/notes', methods=['POST'])\ndef create():\n    global next_id\n    data = 1\n    note = {\"id\": next_id}\n    next_id += 1\n    return note\n")
        XCTAssertNil(PythonFixes.addGlobal("counter", source: src, faultLine: 7), "not a module-level name")
        let fixed = PythonFixes.addGlobal("next_id", source: src, faultLine: 7)!
        XCTAssertNil(PythonFixes.addGlobal("next_id", source: fixed, faultLine: 8), "already global")
    }

    /// A function that updates a module-level name in place and never binds it otherwise gets `global`;
    /// one that binds the name itself (a plain assignment, a parameter, a loop, `global`) is left alone.
    func testMissingGlobalsAreFoundWithoutAFailure() throws {
        let src = """
        stock = {}
        total = 0
        visits: int = 0

        def restock(n):
            stock["x"] = n
            total += n
            return total

        def count():
            visits += 1

        def local_sum(values):
            total = 0
            for v in values:
                total += v
            return total

        def shadowed(total):
            total += 1
            return total

        def declared():
            global total
            total -= 1
        """
        let fixed = try XCTUnwrap(PythonFixes.missingGlobals(src))
        XCTAssertEqual(fixed.added, ["`global total` in restock()", "`global visits` in count()"])
        XCTAssertTrue(fixed.source.contains("def restock(n):\n    global total\n    stock[\"x\"] = n"), fixed.source)
        XCTAssertTrue(fixed.source.contains("def count():\n    global visits\n    visits += 1"), fixed.source)
        XCTAssertTrue(fixed.source.contains("def local_sum(values):\n    total = 0"), fixed.source)
        XCTAssertTrue(fixed.source.contains("def shadowed(total):\n    total += 1"), fixed.source)
        XCTAssertNil(PythonFixes.missingGlobals(fixed.source), "nothing left to add")
        XCTAssertNil(PythonFixes.missingGlobals("def f():\n    n = 0\n    n += 1\n"), "no module-level name")
    }

    func testResumePrefixStopsAtTheFunctionHoldingTheFault() {
        let src = "import math\nfrom flask import Flask\n\napp = Flask(__name__)\n\n@app.route(\"/cube\")\ndef cube():\n    r = 1\n    if r <= 0:\n        return 'no', 400\n    return 'ok'\n"
        XCTAssertEqual(FailureTrace.resumePrefix(src, faultLine: 10), "import math\nfrom flask import Flask\n\napp = Flask(__name__)\n\n@app.route(\"/cube\")\ndef cube():\n")
        XCTAssertEqual(FailureTrace.resumePrefix(src, faultLine: 4), "import math\nfrom flask import Flask\n\n", "module level: cut before the line")
        XCTAssertNil(FailureTrace.resumePrefix(src, faultLine: 1), "nothing would be kept")
        XCTAssertNil(FailureTrace.resumePrefix(src, faultLine: 99))
    }

    /// A repair that repeats the failing file is asked afresh, and the answer starts as the file up
    /// to the function the failure points at (the line a behaviour check traced), for the model to continue.
    func testRepeatedRepairResumesBeforeTheFaultyFunction() throws {
        try requireVenv()
        let app = """
        import math
        from flask import Flask, jsonify, request

        app = Flask(__name__)


        @app.route("/shipping")
        def shipping():
            try:
                w = float(request.args["weight"])
            except (KeyError, ValueError):
                return jsonify({"error": "bad weight"}), 400
            if w <= 0:
                return jsonify({"error": "weight must be above zero"}), 400
            return jsonify({"weight": w, "cost": 4.5 + 1.2 * w})


        @app.route("/health")
        def health():
            return jsonify({"ok": True})


        if __name__ == "__main__":
            app.run(host="127.0.0.1", port=5068)
        """
        var prefills: [String] = []
        var resumed = 0
        // a route without query parameters: the model writes the whole app.py (not the tool's, route by route)
        let gen = ScriptedGenerator { req, _ in
            guard ScriptedGenerator.requestedFile(in: req) != nil else { return #"{"kind": "json-api", "port": 5068, "files": ["app.py"], "routes": [{"method": "GET", "path": "/shipping", "query": ["weight"]}, {"method": "GET", "path": "/health"}]}"# }
            prefills.append(req.prefill)
            if req.prefill.hasPrefix("```python\nimport math\n\nfrom flask import Flask, jsonify, request\n\napp = Flask(__name__)\n"), !req.prefill.contains("def shipping():") {
                return app.components(separatedBy: "app = Flask(__name__)\n")[1] + "\n```\n"  // a JSON API starts with its imports
            }
            if !req.prefill.isEmpty {
                // continue after `def shipping():`; the first continuation keeps the refusing line
                let body = app.components(separatedBy: "def shipping():\n")[1]
                resumed += 1
                return (resumed == 1 ? body : body.replacingOccurrences(of: "if w <= 0:", with: "if w < 0:")) + "\n```\n"
            }
            return "```python\n\(app)\n```\n"
        }
        gen.continuesPrefill = true
        var opts0 = options("""
            Create a flask endpoint that prices a parcel by its weight.
            - `python app.py` serves it on port 5068.
            - GET /shipping?weight=<number> responds with status 200 and {"weight": <the weight in kg>, "cost": <4.5 + 1.2 * weight>}.
            - A weight of 0 is allowed (cost 4.5).
            - When the weight parameter is missing, not a number, or negative, the answer is status 400 with {"error": <why>}.
            - GET /health answers {"ok": true}.
            """, maxRepairs: 1)
        opts0.maxAsks = 3
        let report = try run(gen, opts0)
        XCTAssertEqual(report.exitCode, 0, report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
        XCTAssertEqual(prefills.count, 4, "the file, its repair (a copy), the fresh ask (keeps `if w <= 0:`), once more")
        XCTAssertTrue(prefills[2].hasPrefix("```python\nimport math\n\nfrom flask import Flask, jsonify, request\n\napp = Flask(__name__)\n"), prefills[2])
        XCTAssertTrue(prefills[2].hasSuffix("\n@app.route(\"/shipping\")\ndef shipping():\n") && !prefills[2].contains("weight"), prefills[2])
        XCTAssertEqual(prefills[3], prefills[2])
        let fresh = gen.requests[3].messages.last!.content
        XCTAssertTrue(fresh.contains("The line `if w <= 0:` of the earlier version is what gave the wrong answer: do not write it again."), fresh)
        XCTAssertTrue(lines.contains { $0.contains("app.py: the answer keeps `if w <= 0:`; asking again") }, lines.joined(separator: "\n"))
        let written = try String(contentsOf: work.appendingPathComponent("project/app.py"), encoding: .utf8)
        XCTAssertTrue(written.contains("if w < 0:") && written.hasPrefix("import math\n\nfrom flask import Flask, jsonify, request\n"), written)
        XCTAssertTrue(lines.contains { $0.contains("app.py: the model continues the file from before line 1") }, lines.joined(separator: "\n"))
        // the file prompt lists what verification will check
        let prompt = try XCTUnwrap(gen.requests.first { ScriptedGenerator.requestedFile(in: $0) == "app.py" }).messages.last!.content
        XCTAssertTrue(prompt.contains("Verification will check these (from the description); the project must pass every one:\n"), prompt)
        XCTAssertTrue(prompt.contains("\n- GET /shipping?weight=0 → status 200\n"), prompt)
        XCTAssertTrue(prompt.contains(#"\#n- GET /shipping?weight=abc → status 400, a JSON object with the key "error"\#n"#), prompt)
    }

    /// A repair the model never answers usably (here: prose, every time) keeps the project as it was:
    /// written, committed, exit 1, never a run that loses it.
    func testUnusableRepairAnswersKeepTheProject() throws {
        try requireVenv()
        let src = fixtures.appendingPathComponent("volume_repair")
        let gen = ScriptedGenerator { req, _ in
            if ScriptedGenerator.isRepairRequest(req) || req.messages.last!.content.contains("Checking the project failed") {
                return "I am sorry, I cannot fix this."
            }
            let file = ScriptedGenerator.requestedFile(in: req)
            let name = file.map { $0.replacingOccurrences(of: "/", with: "__") + ".txt" } ?? "plan.txt"
            if req.messages.count > 2 { return "Still no code." }  // the parse re-asks
            return try String(contentsOf: src.appendingPathComponent(name), encoding: .utf8)
        }
        let report = try run(gen, options(try spec("volume_repair"), maxRepairs: 1))
        XCTAssertEqual(report.exitCode, 1)
        XCTAssertTrue(lines.contains { $0.contains("app.py: no usable repair (") && $0.contains("keeping the current version") }, lines.joined(separator: "\n"))
        let app = try String(contentsOf: work.appendingPathComponent("project/app.py"), encoding: .utf8)
        XCTAssertTrue(app.contains("def cube()"), app)
        XCTAssertTrue(try GitStore.headCommit(in: work.appendingPathComponent("project")).trailers.contains { $0.key == "Deepcoder-Verify" && $0.value.hasPrefix("failed") })
    }

    /// A first answer that is code but never valid Python is written and handed to the repairs
    /// (the 0.5B's loan form: three answers cut off mid-statement), not a run that ends with no project.
    func testCodeWithASyntaxErrorIsWrittenAndRepaired() throws {
        try requireVenv()
        let src = fixtures.appendingPathComponent("volume_repair")
        let gen = ScriptedGenerator { req, _ in
            guard let file = ScriptedGenerator.requestedFile(in: req) else {
                return try String(contentsOf: src.appendingPathComponent("plan.txt"), encoding: .utf8)
            }
            if ScriptedGenerator.isRepairRequest(req) {
                return try String(contentsOf: src.appendingPathComponent("repair__app.py.txt"), encoding: .utf8)
            }
            XCTAssertEqual(file, "app.py")
            return "```python\nfrom flask import Flask\napp = Flask(__name__)\n\n@app.route('/cube')\ndef cube(:\n    return 'x'\n```\n"
        }
        let report = try run(gen, options(try spec("volume_repair")))
        XCTAssertTrue(lines.contains { $0.contains("app.py: writing the last answer, which is not valid Python") }, lines.joined(separator: "\n"))
        XCTAssertEqual(report.exitCode, 0, report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
        XCTAssertGreaterThanOrEqual(report.repairRounds, 1)
    }

    /// A repair answer that repeats the current file is asked again, hotter, instead of being verified again.
    func testRepairThatRepeatsTheFileIsAskedAgainHotter() throws {
        try requireVenv()
        let src = fixtures.appendingPathComponent("volume_repair")
        var repairAsks: [GenerationRequest] = []
        let gen = ScriptedGenerator { req, _ in
            guard let file = ScriptedGenerator.requestedFile(in: req) else { return "no plan" }
            if ScriptedGenerator.isRepairRequest(req) {
                repairAsks.append(req)
                let name = repairAsks.count == 1 ? "app.py.txt" : "repair__app.py.txt"
                return try String(contentsOf: src.appendingPathComponent(name), encoding: .utf8)
            }
            return try String(contentsOf: src.appendingPathComponent(file.replacingOccurrences(of: "/", with: "__") + ".txt"), encoding: .utf8)
        }
        let report = try run(gen, options(try spec("volume_repair")))
        XCTAssertEqual(report.exitCode, 0, report.verification)
        XCTAssertEqual(report.repairRounds, 1)
        XCTAssertEqual(repairAsks.count, 2)
        let second = repairAsks[1].messages.last!.content
        XCTAssertTrue(second.contains("Checking the project failed with an earlier version of this file") && second.contains("NameError"), second)
        XCTAssertFalse(second.contains("The current `app.py`"), "the failing file is not shown again:\n\(second)")
        XCTAssertEqual(repairAsks[1].messages.count, 2)
        XCTAssertGreaterThanOrEqual(repairAsks[1].sampling.temperature, 0.6)
        XCTAssertNotEqual(repairAsks[1].sampling.seed, repairAsks[0].sampling.seed)
    }

    // MARK: app.py from a template when the plan fixes it

    func testOnePageAppIsWrittenByTheToolAndTheModelWritesThePage() throws {
        try requireVenv()
        // the scripted app.py renders a template that does not exist: it must not be used
        let gen = ScriptedGenerator.fromDirectory(fixtures.appendingPathComponent("price_change_repair"), strict: true)
        let report = try run(gen, options(try spec("price_change_repair")))
        XCTAssertEqual(report.kind, "jinja-pages")
        XCTAssertEqual(report.exitCode, 0, report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
        XCTAssertEqual(gen.requests.compactMap(ScriptedGenerator.requestedFile), ["templates/index.html"])
        let app = try String(contentsOf: work.appendingPathComponent("project/app.py"), encoding: .utf8)
        XCTAssertTrue(app.contains("render_template(\"index.html\")") && app.contains("port=5059"), app)
        // the page prompt shows the tool's app.py as a file already written
        XCTAssertTrue(gen.requests[1].messages.last!.content.contains("render_template(\"index.html\")"))
    }

    /// A page whose elements the description pins starts with them, written by the tool; the model
    /// continues with the script, and the stated uses of the page are checked by running it.
    func testPinnedPageElementsArePrefilledAndTheModelWritesTheScript() throws {
        try requireVenv()
        let script = """
                    const out = document.getElementById("km");
                    out.textContent = (miles * 1.609344).toFixed(WRONG) + " km";
                });
            </script>
        </body>
        </html>
        ```
        """
        var decimals = "3"
        let gen = ScriptedGenerator { req, _ in
            guard let file = ScriptedGenerator.requestedFile(in: req) else { return #"{"kind": "single-file", "files": ["app.py"]}"# }
            XCTAssertEqual(file, "page.html")
            XCTAssertTrue(req.prefill.hasPrefix("```html\n<!DOCTYPE html>"), req.prefill)
            for element in [#"<input id="miles""#, #"<button id="convert" type="button">"#, #"<div id="km""#] {
                XCTAssertTrue(req.prefill.contains(element), "\(element) in\n\(req.prefill)")
            }
            XCTAssertTrue(req.prefill.contains("<script>\n        document.getElementById(\"convert\").addEventListener(\"click\", function () {\n"), req.prefill)
            // the invalid inputs the description names, as code
            XCTAssertTrue(req.prefill.hasSuffix("""
                            const miles = Number(document.getElementById("miles").value.trim() || NaN);
                            if ((!Number.isFinite(miles) || miles < 0)) {
                                document.getElementById("km").textContent = "Enter a distance";
                                return;
                            }
                            document.getElementById("km").textContent = "";
                            // valid numbers: miles 

                """), req.prefill)
            defer { decimals = "2" }  // the repair gets it right
            return script.replacingOccurrences(of: "WRONG", with: decimals)
        }
        gen.continuesPrefill = true
        let description = """
        A Flask app on port 5067 with one page, embedded in app.py as a string, that converts miles to kilometres in JavaScript.
        - On the page: an <input id="miles">, a <button id="convert"> and an element with id="km".
        - Clicking the button shows the distance in kilometres in #km with exactly 2 decimals, e.g. miles 3 gives 4.83.
        - If miles is empty, not a number, or negative, #km shows the text "Enter a distance".
        """
        let spec = ProjectSpec(description: description)
        let stated = PageRules.checks(for: spec, plan: PlanBuilder.ruleBased(spec))
        XCTAssertEqual(Set(stated.compactMap { $0.inputs["miles"] }), ["3", "", "abc", "-5", "0"])
        let report = try run(gen, options(description))
        XCTAssertEqual(report.exitCode, 0, report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
        XCTAssertEqual(report.repairRounds, 1, "3 decimals show 4.828, not 4.83")
        let repair = try XCTUnwrap(gen.requests.first(where: ScriptedGenerator.isRepairRequest))
        XCTAssertTrue(repair.messages.last!.content.contains(#"expected it to show "4.83""#), repair.messages.last!.content)
        let prompt = try XCTUnwrap(gen.requests.first { ScriptedGenerator.requestedFile(in: $0) == "page.html" }).messages.last!.content
        XCTAssertTrue(prompt.contains(#"\#n- typing miles="3", then clicking #convert → the page shows "4.83", #km does not show "Enter a distance"\#n"#), prompt)
        XCTAssertTrue(prompt.contains(#"\#n- typing miles="0", then clicking #convert → #km does not show "Enter a distance"\#n"#), prompt)
        let js = try XCTUnwrap(report.checks.first { $0.name == .javascript })
        XCTAssertEqual(js.status, .passed, js.failures.map(\.message).joined(separator: "\n"))
        XCTAssertTrue(js.summary.contains("\(stated.count) of \(stated.count) stated uses of the page work"), js.summary)
        let app = try String(contentsOf: work.appendingPathComponent("project/app.py"), encoding: .utf8)
        XCTAssertTrue(app.contains(#"<input id="miles" name="miles">"#) && app.contains("toFixed(2)"), app)
    }

    /// The validation the tool writes from the description and the checks verification derives from it
    /// agree: with a right calculation after it, the discount page passes all of its page checks.
    func testToolWrittenValidationPassesTheDescriptionsPageChecks() throws {
        try requireVenv()
        for name in PageBehaviourTests.discount {
            let description = try String(contentsOf: fixtures.deletingLastPathComponent().appendingPathComponent("specs/\(name).txt"), encoding: .utf8)
                .replacingOccurrences(of: "port 5089", with: "port 5069")
            XCTAssertTrue(description.contains("port 5069"), name)
            let spec = ProjectSpec(description: description)
            let stated = PageRules.checks(for: spec, plan: PlanBuilder.ruleBased(spec))
            XCTAssertTrue(stated.contains { $0.inputs["quantity"] == "2.5" } && stated.contains { $0.inputs["price"] == "0" }, name)
            let gen = ScriptedGenerator { req, _ in
                guard ScriptedGenerator.requestedFile(in: req) != nil else { return "no plan" }
                XCTAssertTrue(req.prefill.contains("const discountRate = Number(document.getElementById(\"discount-rate\").value.trim() || NaN);"), req.prefill)
                return """
                            const saving = price * quantity * discountRate / 100;
                            document.getElementById("saving").textContent = saving.toFixed(2);
                            document.getElementById("to-pay").textContent = (price * quantity - saving).toFixed(2);
                            document.getElementById("per-item").textContent = ((price * quantity - saving) / quantity).toFixed(2);
                        });
                    </script>
                </body>
                </html>
                ```
                """
            }
            gen.continuesPrefill = true
            let report = try run(gen, options(description, out: "project-\(name)"))
            let js = try XCTUnwrap(report.checks.first { $0.name == .javascript }, name)
            XCTAssertEqual(js.status, .passed, "\(name): " + js.failures.map(\.message).joined(separator: "\n"))
            XCTAssertTrue(js.summary.hasSuffix("\(stated.count) of \(stated.count) stated uses of the page work"), "\(name): \(js.summary)")
            XCTAssertEqual(report.exitCode, 0, "\(name): " + report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
        }
    }

    func testEmbeddedPageIsWrappedIntoAppPyAsARawString() throws {
        try requireVenv()
        let page = #"""
        <!DOCTYPE html>
        <html><body>
          <input id="miles"> <button id="convert" type="button">Go</button> <p id="km"></p>
          <script>
            document.getElementById("convert").onclick = () => {
              const m = parseFloat(document.getElementById("miles").value);
              document.getElementById("km").textContent = isNaN(m) || m < 0 ? "no distance\n" : (m * 1.609344).toFixed(2);
            };
          </script>
        </body></html>
        """#
        let gen = ScriptedGenerator { req, _ in
            guard let file = ScriptedGenerator.requestedFile(in: req) else { return #"{"kind": "single-file", "files": ["app.py"]}"# }
            XCTAssertEqual(file, "page.html")
            return "Here is the page:\n```html\n\(page)\n```\n"
        }
        let description = #"A Flask app on port 5066 serving one HTML page with JavaScript that converts miles to kilometres (<input id="miles">, <button id="convert">, id="km"); keep the page as a string inside app.py."#
        let report = try run(gen, options(description))
        XCTAssertEqual(report.kind, "single-file")
        XCTAssertEqual(report.exitCode, 0, report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
        let dir = work.appendingPathComponent("project")
        XCTAssertEqual(ProjectWriter.listFiles(dir).filter { !$0.hasPrefix(".deepcoder/") }, [".gitignore", "README.md", "app.py", "requirements.txt", "tests/test_app.py"])
        let app = try String(contentsOf: dir.appendingPathComponent("app.py"), encoding: .utf8)
        XCTAssertTrue(app.contains(#"PAGE = r"""<!DOCTYPE html>"#), app)
        XCTAssertTrue(app.contains(#""no distance\n""#), "the JavaScript keeps its backslash escape:\n\(app)")
        XCTAssertTrue(app.contains("port=5066"))
    }

    func testPythonRawStringPicksASafeQuote() {
        XCTAssertEqual(AppSkeleton.pythonRawString(#"<p>a\b</p>"#), "r\"\"\"<p>a\\b</p>\n\"\"\"")
        XCTAssertEqual(AppSkeleton.pythonRawString(#"x = """doc""" "#), "r'''x = \"\"\"doc\"\"\"\n'''")
        // both triple quotes: an escaped plain string
        XCTAssertEqual(AppSkeleton.pythonRawString(#"""" ''' \ end"#), #""""\"\"\" ''' \\ end"# + "\n\"\"\"")
    }

    // MARK: re-asking on unusable answers

    func testProseAnswerIsReaskedAndNeverWritten() throws {
        var asked: [String] = []
        let gen = ScriptedGenerator { req, n in
            if ScriptedGenerator.requestedFile(in: req) == nil { return "{\"kind\": \"json-api\", \"files\": [\"app.py\"]}" }
            asked.append(req.messages.last!.content)
            if n == 1 { return "I would write a Flask app with a route that returns the volume. Hope this helps." }
            if n == 2 { return "```python\ndef broken(:\n    pass\n```" }
            return "```python\nfrom flask import Flask\napp = Flask(__name__)\n```\n"
        }
        let report = try run(gen, options("A JSON API with GET /volume on port 5061", verify: false))
        XCTAssertEqual(report.exitCode, 0)
        XCTAssertEqual(report.verification, "skipped (--no-verify)")
        XCTAssertEqual(asked.count, 3)
        XCTAssertTrue(asked[1].contains("could not be used as app.py"), asked[1])
        XCTAssertTrue(asked[2].contains("not valid Python"), asked[2])
        let app = try String(contentsOf: work.appendingPathComponent("project/app.py"), encoding: .utf8)
        XCTAssertEqual(app, "from flask import Flask\napp = Flask(__name__)\n")
    }

    /// A template app.py renders that the plan did not list (the plan named only the results page; the
    /// view of "/" renders a home page too) is planned and written, instead of a page that answers 500.
    func testATemplateAppPyRendersIsPlannedAndWritten() throws {
        for (text, home) in [("A Flask site on port 5072 that looks up words: GET /lookup?word=... shows its meaning, and the home page has the box to type the word.", "start.html"),
                             ("flask word lookup, port 5072. a home page with a search box, results at /lookup?word=", "home.html")] {
            var asked: [String] = []
            let gen = ScriptedGenerator { req, _ in
                guard let file = ScriptedGenerator.requestedFile(in: req) else {
                    return #"{"kind": "jinja-pages", "files": ["app.py", "templates/lookup.html"], "routes": [{"method": "GET", "path": "/"}, {"method": "GET", "path": "/lookup", "query": ["word"]}]}"#
                }
                asked.append(file)
                if file == "app.py" {
                    return "```python\nfrom flask import Flask, render_template, request\napp = Flask(__name__)\n\n@app.route(\"/\")\ndef index():\n    return render_template(\"\(home)\")\n\n@app.route(\"/lookup\")\ndef lookup():\n    return render_template(\"lookup.html\", word=request.args.get(\"word\", \"\"))\n\nif __name__ == \"__main__\":\n    app.run(host=\"127.0.0.1\", port=5072)\n```\n"
                }
                return "```html\n<!DOCTYPE html>\n<html><body><h1>\(file)</h1></body></html>\n```\n"
            }
            let report = try run(gen, options(text, out: home, verify: false))
            XCTAssertEqual(report.exitCode, 0)
            XCTAssertEqual(asked, ["app.py", "templates/lookup.html", "templates/\(home)"], text)
            XCTAssertTrue(FileManager.default.fileExists(atPath: work.appendingPathComponent("\(home)/templates/\(home)").path), text)
            XCTAssertTrue(lines.contains { $0.contains("templates/\(home): app.py renders it for GET /; added to the plan") }, lines.joined(separator: "\n"))
        }
    }

    func testNoUsableAnswerIsAGenerationErrorAndLeavesNothing() throws {
        let gen = ScriptedGenerator { req, _ in
            ScriptedGenerator.requestedFile(in: req) == nil ? "no plan" : "Sorry, I cannot help with that request today."
        }
        XCTAssertThrowsError(try run(gen, options("A JSON API with GET /x", verify: false))) { error in
            XCTAssertEqual((error as? ScaffoldError)?.exitCode, 3, "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("project").path))
        XCTAssertEqual(try leftovers(), [])
    }

    // MARK: target directory

    func testNonEmptyTargetIsRefusedAndUntouched() throws {
        let target = work.appendingPathComponent("project")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        try "mine".write(to: target.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let gen = ScriptedGenerator(answers: [])
        XCTAssertThrowsError(try run(gen, options("A JSON API with GET /x"))) { error in
            guard let e = error as? ScaffoldError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.exitCode, 2)
            XCTAssertTrue(e.description.contains("deepcoder regen"), e.description)
        }
        XCTAssertEqual(gen.requests.count, 0, "the model is not asked when the target is refused")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: target.path), ["notes.txt"])
        XCTAssertEqual(try String(contentsOf: target.appendingPathComponent("notes.txt"), encoding: .utf8), "mine")
    }

    func testEmptyExistingTargetAndDefaultSlugDirectory() throws {
        let answers = { (req: GenerationRequest, _: Int) -> String in
            ScriptedGenerator.requestedFile(in: req) == nil ? "none" : "```python\nfrom flask import Flask\napp = Flask(__name__)\n```"
        }
        let target = work.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let r1 = try run(ScriptedGenerator(answer: answers), options("A JSON API with GET /x", out: "empty", verify: false))
        XCTAssertEqual(r1.directory, target.standardizedFileURL.path)
        XCTAssertTrue(FileManager.default.fileExists(atPath: target.appendingPathComponent(".git/HEAD").path))

        var o = options("Create a reading list REST API with Flask.", verify: false)
        o.outputDirectory = nil
        let r2 = try run(ScriptedGenerator(answer: answers), o)
        XCTAssertEqual(URL(fileURLWithPath: r2.directory).lastPathComponent, "reading-list-api")
        XCTAssertEqual(try leftovers(), [])
    }

    func testGeneratorFailureLeavesNoDirectoryBehind() throws {
        let gen = ScriptedGenerator(answers: ["{\"kind\": \"wtforms\"}", "```python\nfrom flask_wtf import FlaskForm\n```"]) // runs out at app.py
        XCTAssertThrowsError(try run(gen, options(try spec("fuel_form")))) { error in
            XCTAssertEqual((error as? ScaffoldError)?.exitCode, 3, "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("project").path))
        XCTAssertEqual(try leftovers(), [], "the temp dir must be removed")
    }
}
