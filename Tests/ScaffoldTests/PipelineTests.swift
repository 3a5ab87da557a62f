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

    func testGoodJSONAPIPassesVerificationAndIsCommitted() throws {
        try requireVenv()
        let gen = ScriptedGenerator.fromDirectory(fixtures.appendingPathComponent("circle_api"), strict: true)
        let report = try run(gen, options(try spec("circle_api")))
        XCTAssertEqual(report.exitCode, 0, report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
        XCTAssertEqual(report.kind, "json-api")
        XCTAssertEqual(report.planSource, "model")
        for name in ["compile", "import", "routes", "serve", "tests"] {
            XCTAssertEqual(report.checks.first { $0.name == name }?.status, "passed", name)
        }
        let dir = work.appendingPathComponent("project")
        let app = try String(contentsOf: dir.appendingPathComponent("app.py"), encoding: .utf8)
        XCTAssertTrue(app.hasPrefix("import math"), "prose before the code must be gone")
        XCTAssertFalse(app.contains("This app exposes"), "prose after the code must be gone")
        for f in ["requirements.txt", "README.md", ".gitignore", "tests/test_app.py", ".deepcoder/spec.md", ".deepcoder/plan.json", ".deepcoder/generation.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path), f)
        }
        let req = try String(contentsOf: dir.appendingPathComponent("requirements.txt"), encoding: .utf8)
        XCTAssertTrue(req.contains("Flask==3.1.3") && req.contains("Flask-WTF==1.3.0") && req.contains("WTForms==3.3.2") && req.contains("email-validator==2.4.0"))
        let tests = try String(contentsOf: dir.appendingPathComponent("tests/test_app.py"), encoding: .utf8)
        XCTAssertTrue(tests.contains("def test_get_area(client)") && tests.contains("/area?radius=2"), tests)
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
        XCTAssertTrue(commit.message.contains("calculate the area of a circle"), "the description is the body")
        XCTAssertTrue(commit.files.contains("app.py") && commit.files.contains(".deepcoder/plan.json"))
        XCTAssertEqual(try leftovers(), [], "no temp dir may be left beside the project")

        // every file prompt carried the pinned facts
        for req in gen.requests.dropFirst() {
            let prompt = req.messages.last { $0.role == .user }!.content
            XCTAssertTrue(prompt.contains("port=5057") && prompt.contains("Route: GET /area (query parameter: radius)") && prompt.contains("\"area\""), prompt)
        }
    }

    func testGoodWTFormsAppPassesVerification() throws {
        try requireVenv()
        let gen = ScriptedGenerator.fromDirectory(fixtures.appendingPathComponent("bmi_form"), strict: true)
        let report = try run(gen, options(try spec("bmi_form")))
        XCTAssertEqual(report.exitCode, 0, report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
        XCTAssertEqual(report.kind, "wtforms")
        XCTAssertEqual(report.checks.first { $0.name == "pins" }?.status, "passed")
        XCTAssertTrue(report.checks.first { $0.name == "routes" }?.summary.contains("POST / -> 200") ?? false)
        let dir = work.appendingPathComponent("project")
        let forms = try String(contentsOf: dir.appendingPathComponent("forms.py"), encoding: .utf8)
        XCTAssertTrue(forms.hasPrefix("from flask_wtf"), "the `# forms.py` header line is dropped")
        let html = try String(contentsOf: dir.appendingPathComponent("templates/index.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("{{ form.hidden_tag() }}"))
        // files were generated in dependency order: forms.py before app.py before the template
        XCTAssertEqual(gen.requests.dropFirst().compactMap { ScriptedGenerator.requestedFile(in: $0) }, ["forms.py", "app.py", "templates/index.html"])
        // the template prompt saw forms.py and app.py
        let last = gen.requests.last!.messages.last!.content
        XCTAssertTrue(last.contains("class BMIForm(FlaskForm)") && last.contains("render_template(\"index.html\""))
    }

    // MARK: repair

    func testBrokenAppIsRepaired() throws {
        try requireVenv()
        let gen = ScriptedGenerator.fromDirectory(fixtures.appendingPathComponent("area_repair"), strict: true)
        let report = try run(gen, options(try spec("area_repair")))
        XCTAssertEqual(report.exitCode, 0, report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
        XCTAssertEqual(report.planSource, "rules", "the malformed plan answer falls back to the rule-based plan")
        XCTAssertEqual(report.kind, "json-api")
        XCTAssertEqual(report.repairRounds, 1)
        let repairRequests = gen.requests.filter(ScriptedGenerator.isRepairRequest)
        XCTAssertEqual(repairRequests.count, 1)
        let repairPrompt = repairRequests[0].messages.last!.content
        XCTAssertTrue(repairPrompt.contains("NameError") && repairPrompt.contains("math"), "the error is in the repair prompt:\n\(repairPrompt)")
        XCTAssertTrue(repairPrompt.contains("The description says:"), "a broken promise quotes the description:\n\(repairPrompt)")
        XCTAssertTrue(repairPrompt.contains("return jsonify({\"radius\": radius"), "the current file is in the repair prompt")
        let dir = work.appendingPathComponent("project")
        XCTAssertTrue(try String(contentsOf: dir.appendingPathComponent("app.py"), encoding: .utf8).contains("import math"))
        let plan = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(".deepcoder/plan.json"))) as! [String: Any]
        XCTAssertEqual(plan["source"] as? String, "rules")
        let generation = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(".deepcoder/generation.json"))) as! [String: Any]
        let app = (generation["files"] as! [[String: Any]]).first { $0["path"] as? String == "app.py" }!
        XCTAssertEqual(app["repairs"] as? Int, 1)
        XCTAssertTrue((app["template"] as? String ?? "").contains("prompts/repair.mustache"))
        XCTAssertEqual(report.checks.first { $0.name == "behaviour" }?.status, "passed")
    }

    func testUnrepairableAppIsStillWrittenAndCommittedWithExitCode1() throws {
        try requireVenv()
        // the same broken app, and a model that repeats its mistake
        let src = fixtures.appendingPathComponent("area_repair")
        let gen = ScriptedGenerator { req, _ in
            let file = ScriptedGenerator.requestedFile(in: req)
            let name = file.map { $0.replacingOccurrences(of: "/", with: "__") + ".txt" } ?? "plan.txt"
            return try String(contentsOf: src.appendingPathComponent(name), encoding: .utf8)
        }
        let report = try run(gen, options(try spec("area_repair"), maxRepairs: 1))
        XCTAssertEqual(report.exitCode, 1)
        XCTAssertEqual(report.repairRounds, 1)
        XCTAssertTrue(report.verification.hasPrefix("failed ("), report.verification)
        XCTAssertTrue(report.checks.contains { $0.name == "routes" && $0.status == "failed" })
        XCTAssertTrue(report.checks.contains { $0.name == "behaviour" && $0.status == "failed" })
        let dir = work.appendingPathComponent("project")
        let commit = try GitStore.headCommit(in: dir)
        let verify = commit.trailers.first { $0.key == "Deepcoder-Verify" }?.value ?? ""
        XCTAssertTrue(verify.hasPrefix("failed (") && verify.contains("routes"), verify)
    }

    /// A repair answer that repeats the current file is asked again, hotter, instead of being verified again.
    func testRepairThatRepeatsTheFileIsAskedAgainHotter() throws {
        try requireVenv()
        let src = fixtures.appendingPathComponent("area_repair")
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
        let report = try run(gen, options(try spec("area_repair")))
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
        let gen = ScriptedGenerator.fromDirectory(fixtures.appendingPathComponent("tip_repair"), strict: true)
        let report = try run(gen, options(try spec("tip_repair")))
        XCTAssertEqual(report.kind, "jinja-pages")
        XCTAssertEqual(report.exitCode, 0, report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
        XCTAssertEqual(gen.requests.compactMap(ScriptedGenerator.requestedFile), ["templates/index.html"])
        let app = try String(contentsOf: work.appendingPathComponent("project/app.py"), encoding: .utf8)
        XCTAssertTrue(app.contains("render_template(\"index.html\")") && app.contains("port=5059"), app)
        // the page prompt shows the tool's app.py as a file already written
        XCTAssertTrue(gen.requests[1].messages.last!.content.contains("render_template(\"index.html\")"))
    }

    func testEmbeddedPageIsWrappedIntoAppPyAsARawString() throws {
        try requireVenv()
        let page = #"""
        <!DOCTYPE html>
        <html><body>
          <input id="radius"> <button id="calculate" type="button">Go</button> <p id="result"></p>
          <script>
            document.getElementById("calculate").onclick = () => {
              const r = parseFloat(document.getElementById("radius").value);
              document.getElementById("result").textContent = isNaN(r) || r < 0 ? "invalid\n" : (Math.PI * r * r).toFixed(2);
            };
          </script>
        </body></html>
        """#
        let gen = ScriptedGenerator { req, _ in
            guard let file = ScriptedGenerator.requestedFile(in: req) else { return #"{"kind": "single-file", "files": ["app.py"]}"# }
            XCTAssertEqual(file, "page.html")
            return "Here is the page:\n```html\n\(page)\n```\n"
        }
        let description = #"Create a web page with HTML and JavaScript to calculate the area of a circle (<input id="radius">, <button id="calculate">, id="result"). Publish it with flask on port 5066. Embed the HTML and JavaScript into the python code of the flask server."#
        let report = try run(gen, options(description))
        XCTAssertEqual(report.kind, "single-file")
        XCTAssertEqual(report.exitCode, 0, report.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
        let dir = work.appendingPathComponent("project")
        XCTAssertEqual(Pipeline.listFiles(dir).filter { !$0.hasPrefix(".deepcoder/") }, [".gitignore", "README.md", "app.py", "requirements.txt", "tests/test_app.py"])
        let app = try String(contentsOf: dir.appendingPathComponent("app.py"), encoding: .utf8)
        XCTAssertTrue(app.contains(#"PAGE = r"""<!DOCTYPE html>"#), app)
        XCTAssertTrue(app.contains(#""invalid\n""#), "the JavaScript keeps its backslash escape:\n\(app)")
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
            if n == 1 { return "I would write a Flask app with a route that returns the area. Hope this helps." }
            if n == 2 { return "```python\ndef broken(:\n    pass\n```" }
            return "```python\nfrom flask import Flask\napp = Flask(__name__)\n```\n"
        }
        let report = try run(gen, options("A JSON API with GET /area on port 5061", verify: false))
        XCTAssertEqual(report.exitCode, 0)
        XCTAssertEqual(report.verification, "skipped (--no-verify)")
        XCTAssertEqual(asked.count, 3)
        XCTAssertTrue(asked[1].contains("could not be used as app.py"), asked[1])
        XCTAssertTrue(asked[2].contains("not valid Python"), asked[2])
        let app = try String(contentsOf: work.appendingPathComponent("project/app.py"), encoding: .utf8)
        XCTAssertEqual(app, "from flask import Flask\napp = Flask(__name__)\n")
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

        var o = options("Create a todo list REST API with Flask.", verify: false)
        o.outputDirectory = nil
        let r2 = try run(ScriptedGenerator(answer: answers), o)
        XCTAssertEqual(URL(fileURLWithPath: r2.directory).lastPathComponent, "todo-list-api")
        XCTAssertEqual(try leftovers(), [])
    }

    func testGeneratorFailureLeavesNoDirectoryBehind() throws {
        let gen = ScriptedGenerator(answers: ["{\"kind\": \"wtforms\"}", "```python\nfrom flask_wtf import FlaskForm\n```"]) // runs out at app.py
        XCTAssertThrowsError(try run(gen, options(try spec("bmi_form")))) { error in
            XCTAssertEqual((error as? ScaffoldError)?.exitCode, 3, "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("project").path))
        XCTAssertEqual(try leftovers(), [], "the temp dir must be removed")
    }
}
