import Foundation
import XCTest
import GitStore
@testable import Scaffold

/// regen / log / diff / undo / restore / reproduce on projects made by `deepcoder new` with scripted
/// generators, in temp directories (no verification: these test the history, not the checks).
final class RegenerateTests: XCTestCase {
    var work: URL!
    var project: URL { work.appendingPathComponent("project") }
    var fixtures: URL { Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("apps") }
    var cube: URL { fixtures.appendingPathComponent("cube_api") }

    static let twoDecimals = """
    ```python
    import math

    from flask import Flask, jsonify, request

    app = Flask(__name__)


    @app.route("/cube")
    def cube():
        raw = request.args.get("edge")
        try:
            edge = float(raw)
        except (TypeError, ValueError):
            return jsonify({"error": "edge is not a number"}), 422
        if not math.isfinite(edge) or edge < 0:
            return jsonify({"error": "edge cannot be below zero"}), 422
        return jsonify({"edge": edge, "volume": round(edge ** 3, 2)})


    if __name__ == "__main__":
        app.run(host="127.0.0.1", port=5057)
    ```
    """

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("dc-regen-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let spec = try String(contentsOf: cube.appendingPathComponent("spec.txt"), encoding: .utf8)
        let gen = ScriptedGenerator.fromDirectory(cube, strict: true)
        let opts = NewOptions(description: spec.trimmingCharacters(in: .whitespacesAndNewlines), outputDirectory: project,
                              verify: false, workingDirectory: work)
        _ = try Pipeline(generator: gen, options: opts).run()
    }

    override func tearDown() { try? FileManager.default.removeItem(at: work) }

    /// Answers app.py requests of regen with `regenAnswer`, everything else from the fixture.
    func regenGenerator(_ regenAnswer: String = RegenerateTests.twoDecimals) -> ScriptedGenerator {
        let base = ScriptedGenerator.fromDirectory(cube, strict: true)
        return ScriptedGenerator { req, _ in
            if req.messages.contains(where: { $0.content.contains("We are changing the Flask project") }) { return regenAnswer }
            return try base.generate(req, onToken: { _ in }).text
        }
    }

    func regenOptions(_ files: [String] = ["app.py"], instruction: String? = "Show the volume rounded to two decimals.") -> RegenOptions {
        RegenOptions(files: files, instruction: instruction, verify: false)
    }

    /// Every file of the project (without .git) with its bytes.
    func snapshot() throws -> [String: Data] {
        var out: [String: Data] = [:]
        for f in ProjectWriter.listFiles(project) { out[f] = FileManager.default.contents(atPath: project.appendingPathComponent(f).path) }
        return out
    }

    func read(_ path: String) throws -> String { try String(contentsOf: project.appendingPathComponent(path), encoding: .utf8) }
    func write(_ text: String, _ path: String) throws { try text.write(to: project.appendingPathComponent(path), atomically: true, encoding: .utf8) }

    func git(_ args: [String]) throws -> (Int32, String)? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/git") else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        p.arguments = ["-C", project.path] + args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    // MARK: regen

    func testRegenChangesOnlyTheNamedFileAndCommitsWithTrailers() throws {
        let before = try snapshot()
        let first = try GitStore.resolve("HEAD", in: project)
        let gen = regenGenerator()
        let report = try ProjectHistory.regen(project, generator: gen, options: regenOptions())
        XCTAssertEqual(report.outcome.files, ["app.py"])
        let after = try snapshot()
        XCTAssertEqual(Set(before.keys), Set(after.keys))
        let changed = after.keys.filter { before[$0] != after[$0] }.sorted()
        XCTAssertEqual(changed, [".deepcoder/generation.json", "app.py"], "only the named file and the generation record may change")
        XCTAssertTrue(try read("app.py").contains("round(edge ** 3, 2)"))

        // the prompt carried the current file, the instruction and the stored spec
        let prompt = try XCTUnwrap(gen.requests.first?.messages.last?.content)
        XCTAssertTrue(prompt.contains("Show the volume rounded to two decimals."), prompt)
        XCTAssertTrue(prompt.contains("The current `app.py`"), prompt)
        XCTAssertTrue(prompt.contains("port 5057"), prompt)

        // one commit on top of the first, trailers parse back
        let head = try GitStore.commit("HEAD", in: project)
        XCTAssertEqual(head.id, report.commit)
        XCTAssertEqual(head.parents, [first])
        XCTAssertEqual(head.trailer("Deepcoder-Kind"), "regen")
        XCTAssertEqual(head.trailer("Deepcoder-Regenerated"), "app.py")
        XCTAssertEqual(head.trailer("Deepcoder-Instruction"), "Show the volume rounded to two decimals.")
        XCTAssertEqual(head.trailer("Deepcoder-Model"), "scripted")
        XCTAssertEqual(head.trailer("Deepcoder-Seed"), "42")
        XCTAssertEqual(head.trailer("Deepcoder-Verify"), "skipped (--no-verify)")
        XCTAssertEqual(head.changedFiles, [".deepcoder/generation.json", "app.py"])
        XCTAssertEqual(try GitStore.status(in: project), [], "the tree is clean after regen")
        XCTAssertNotNil(SamplingOptions(trailer: try XCTUnwrap(head.trailer("Deepcoder-Sampling")), seed: 42))

        // new's commit records its kind too; log shows both, newest first
        let log = try ProjectHistory.history(project)
        XCTAssertEqual(log.map(\.kind), ["regen", "new"])
        XCTAssertEqual(log[0].instruction, "Show the volume rounded to two decimals.")
        XCTAssertEqual(log[1].entry.trailer("Deepcoder-Max-Repairs"), "2")

        // the git CLI reads the same history and sees a clean tree
        if let (rc, out) = try git(["log", "--format=%H %(trailers:key=Deepcoder-Kind,valueonly,separator=)"]), rc == 0 {
            XCTAssertEqual(out.split(separator: "\n").map(String.init), log.map { "\($0.entry.id) \($0.kind)" })
            XCTAssertEqual(try git(["status", "--porcelain"])?.1, "")
            XCTAssertEqual(try git(["fsck", "--strict"])?.0, 0)
        }
    }

    func testMultilineInstructionIsOneTrailerLine() throws {
        let r = try ProjectHistory.regen(project, generator: regenGenerator(), options: regenOptions(instruction: "round it\n\nto two decimals"))
        XCTAssertEqual(try GitStore.commit(r.commit, in: project).trailer("Deepcoder-Instruction"), "round it to two decimals")
    }

    func testFailedRegenLeavesTreeAndHistoryUnchanged() throws {
        let before = try snapshot()
        let head = try GitStore.resolve("HEAD", in: project)
        let failing = ScriptedGenerator { _, _ in throw ScriptedGeneratorError("interrupted") }
        XCTAssertThrowsError(try ProjectHistory.regen(project, generator: failing, options: regenOptions())) { e in
            XCTAssertEqual((e as? ScaffoldError)?.exitCode, 3, "\(e)")
        }
        // an answer without code is re-asked, then fails: also nothing changes
        let prose = ScriptedGenerator { _, _ in "Sorry, I cannot do that." }
        XCTAssertThrowsError(try ProjectHistory.regen(project, generator: prose, options: regenOptions()))
        XCTAssertEqual(try snapshot(), before)
        XCTAssertEqual(try GitStore.resolve("HEAD", in: project), head)
        XCTAssertEqual(try GitStore.status(in: project), [])
        XCTAssertEqual(try GitStore.log(in: project).count, 1)
    }

    func testDirtyTreeIsRefusedThenForceAndCommitFirst() throws {
        try write("# my notes\n", "README.md")
        try write("scratch\n", "notes.txt")  // untracked counts too
        let head = try GitStore.resolve("HEAD", in: project)
        let dirty = try GitStore.status(in: project)
        XCTAssertEqual(dirty, [.init(path: "README.md", state: "modified"), .init(path: "notes.txt", state: "untracked")])
        if let (rc, out) = try git(["status", "--porcelain"]), rc == 0 {
            XCTAssertEqual(out, " M README.md\n?? notes.txt\n")
        }

        let gen = regenGenerator()
        XCTAssertThrowsError(try ProjectHistory.regen(project, generator: gen, options: regenOptions())) { e in
            let m = "\(e)"
            XCTAssertTrue(m.contains("README.md") && m.contains("notes.txt") && m.contains("--commit-first") && m.contains("--force"), m)
            XCTAssertEqual((e as? ScaffoldError)?.exitCode, 2)
        }
        XCTAssertTrue(gen.requests.isEmpty, "refused before asking the model")
        XCTAssertEqual(try GitStore.resolve("HEAD", in: project), head)

        // --force with the named file dirty: refused
        let app = try read("app.py")
        try write(app + "# my edit\n", "app.py")
        XCTAssertThrowsError(try ProjectHistory.regen(project, generator: gen, options: regenOptions(), dirty: .force)) { e in
            XCTAssertTrue("\(e)".contains("app.py"), "\(e)")
        }
        XCTAssertEqual(try read("app.py"), app + "# my edit\n")
        try write(app, "app.py")

        // --force: the edits in other files stay uncommitted and untouched
        let r = try ProjectHistory.regen(project, generator: gen, options: regenOptions(), dirty: .force)
        XCTAssertEqual(try read("README.md"), "# my notes\n")
        XCTAssertEqual(try read("notes.txt"), "scratch\n")
        XCTAssertEqual(try GitStore.status(in: project), dirty)
        XCTAssertNotEqual(try GitStore.blob("README.md", at: r.commit, in: project), Data("# my notes\n".utf8), "the hand edit was not committed")
        XCTAssertNil(try GitStore.blob("notes.txt", at: r.commit, in: project))
        XCTAssertEqual(try GitStore.commit(r.commit, in: project).changedFiles, [".deepcoder/generation.json", "app.py"])
        if let (rc, out) = try git(["status", "--porcelain"]), rc == 0 {
            XCTAssertEqual(out, " M README.md\n?? notes.txt\n", "git agrees: only the hand edits are uncommitted")
        }

        // --commit-first: a manual commit, then the regen
        let r2 = try ProjectHistory.regen(project, generator: regenGenerator("```python\nfrom flask import Flask\napp = Flask(__name__)\n```"),
                                          options: regenOptions(), dirty: .commitFirst)
        XCTAssertNotNil(r2.manualCommit)
        XCTAssertEqual(try GitStore.status(in: project), [])
        XCTAssertEqual(try ProjectHistory.history(project).map(\.kind), ["regen", "manual", "regen", "new"])
        XCTAssertEqual(try GitStore.blob("README.md", at: "HEAD", in: project), Data("# my notes\n".utf8))
    }

    // MARK: verification

    func testRegenVerifiesTheProjectRepairsOnlyTheNamedFileAndCommitsAFailure() throws {
        do { try PythonEnvironment().ensure() } catch { throw XCTSkip("no verification venv (pip unreachable?): \(error)") }
        // a good answer passes
        var o = regenOptions()
        o.verify = true
        let good = try ProjectHistory.regen(project, generator: regenGenerator(), options: o)
        XCTAssertTrue(good.outcome.passed, good.outcome.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
        XCTAssertEqual(good.exitCode, 0)
        XCTAssertTrue(try GitStore.commit("HEAD", in: project).trailer("Deepcoder-Verify")?.hasPrefix("passed") == true)

        // a broken answer is repaired (only app.py is asked again), still broken: committed, marked failed
        let broken = "```python\nfrom flask import Flask\nimport no_such_module_here\n\napp = Flask(__name__)\n```"
        let gen = ScriptedGenerator { req, _ in ScriptedGenerator.requestedFile(in: req) == "app.py" ? broken : "" }  // repairs too
        let readme = try read("README.md")
        o.maxRepairs = 1
        let bad = try ProjectHistory.regen(project, generator: gen, options: o)
        XCTAssertFalse(bad.outcome.passed)
        XCTAssertEqual(bad.exitCode, 1)
        XCTAssertEqual(bad.outcome.repairRounds, 1)
        let asked = gen.requests.compactMap { ScriptedGenerator.requestedFile(in: $0) }
        XCTAssertEqual(Set(asked), ["app.py"], "only the regenerated file is repaired")
        // one repair round; its answer repeats the failing file, so it is asked afresh until the asks run out (3)
        XCTAssertEqual(gen.requests.filter(ScriptedGenerator.isRepairRequest).count, 3)
        let head = try GitStore.commit("HEAD", in: project)
        XCTAssertEqual(head.id, bad.commit)
        XCTAssertTrue(head.trailer("Deepcoder-Verify")?.hasPrefix("failed (") == true, head.message)
        XCTAssertTrue(try read("app.py").contains("no_such_module_here"))
        XCTAssertEqual(try read("README.md"), readme)
        XCTAssertEqual(try GitStore.status(in: project), [], "verification leaves nothing behind in the project")
    }

    // MARK: undo / restore / diff

    func testUndoRestoresThePreviousTreeAndRefusesWhenItCannot() throws {
        // the first commit cannot be undone
        XCTAssertThrowsError(try ProjectHistory.undo(project)) { e in XCTAssertTrue("\(e)".contains("first commit"), "\(e)") }
        let original = try snapshot()
        let firstTree = try GitStore.files(at: "HEAD", in: project)
        _ = try ProjectHistory.regen(project, generator: regenGenerator(), options: regenOptions())
        XCTAssertNotEqual(try snapshot(), original)

        // dirty: refused, nothing touched
        try write("x = 1\n", "extra.py")
        XCTAssertThrowsError(try ProjectHistory.undo(project)) { e in XCTAssertTrue("\(e)".contains("extra.py"), "\(e)") }
        try FileManager.default.removeItem(at: project.appendingPathComponent("extra.py"))

        let (id, undone) = try ProjectHistory.undo(project)
        XCTAssertEqual(undone.kind, "regen")
        XCTAssertEqual(try snapshot(), original, "undo brings back every byte")
        XCTAssertEqual(try GitStore.files(at: id, in: project), firstTree)
        XCTAssertEqual(try GitStore.status(in: project), [])
        let log = try ProjectHistory.history(project)
        XCTAssertEqual(log.map(\.kind), ["undo", "regen", "new"], "history is never rewritten")
        XCTAssertEqual(log[0].entry.trailer("Deepcoder-Undoes"), undone.entry.id)

        // undo of the undo is a redo
        _ = try ProjectHistory.undo(project)
        XCTAssertTrue(try read("app.py").contains("round("))
    }

    func testUndoRemovesAFileTheGenerationAdded() throws {
        let page = "```html\n<!doctype html><title>About</title><p>About cubes</p>\n```"
        let gen = ScriptedGenerator { req, _ in ScriptedGenerator.requestedFile(in: req) == "templates/about.html" ? page : "" }
        XCTAssertThrowsError(try ProjectHistory.regen(project, generator: gen, options: regenOptions(["templates/about.html"], instruction: nil))) { e in
            XCTAssertTrue("\(e)".contains("--instruction"), "\(e)")
        }
        _ = try ProjectHistory.regen(project, generator: gen, options: regenOptions(["templates/about.html"], instruction: "An about page."))
        XCTAssertTrue(try read("templates/about.html").contains("About cubes"))
        func planned() throws -> [String] { try JSONDecoder().decode(ProjectPlan.self, from: Data(read(".deepcoder/plan.json").utf8)).files.map(\.path) }
        XCTAssertEqual(try planned(), ["app.py", "templates/about.html"], "the new file joins the plan")
        _ = try ProjectHistory.undo(project)
        XCTAssertFalse(FileManager.default.fileExists(atPath: project.appendingPathComponent("templates/about.html").path))
        XCTAssertEqual(try planned(), ["app.py"])
        XCTAssertEqual(try GitStore.status(in: project), [])
    }

    func testRestoreBringsOneFileBackAsACommit() throws {
        let first = try GitStore.resolve("HEAD", in: project)
        let app = try read("app.py")
        _ = try ProjectHistory.regen(project, generator: regenGenerator(), options: regenOptions())
        let generation = try read(".deepcoder/generation.json")
        XCTAssertThrowsError(try ProjectHistory.restore(project, file: "nope.py", to: first))
        let id = try ProjectHistory.restore(project, file: "app.py", to: String(first.prefix(8)))
        XCTAssertEqual(try read("app.py"), app)
        XCTAssertEqual(try read(".deepcoder/generation.json"), generation, "only the named file comes back")
        let c = try GitStore.commit(id, in: project)
        XCTAssertEqual(c.changedFiles, ["app.py"])
        XCTAssertEqual(c.trailer("Deepcoder-Kind"), "restore")
        XCTAssertEqual(try ProjectHistory.history(project, limit: 1).first?.files, ["app.py"])
        XCTAssertThrowsError(try ProjectHistory.restore(project, file: "app.py", to: first)) { e in XCTAssertTrue("\(e)".contains("already"), "\(e)") }
    }

    func testDiffShowsWhatTheLastGenerationChanged() throws {
        _ = try ProjectHistory.regen(project, generator: regenGenerator(), options: regenOptions())
        let (all, h) = try ProjectHistory.diff(project, rev: nil, files: [])
        XCTAssertEqual(h.kind, "regen")
        XCTAssertTrue(all.contains("diff --git a/app.py b/app.py"), all)
        XCTAssertTrue(all.contains("+    return jsonify({\"edge\": edge, \"volume\": round(edge ** 3, 2)})"), all)
        XCTAssertTrue(all.contains("-@app.errorhandler(404)"), all)
        XCTAssertTrue(all.contains(".deepcoder/generation.json"), all)
        let (onlyApp, _) = try ProjectHistory.diff(project, rev: "HEAD", files: ["app.py"])
        XCTAssertFalse(onlyApp.contains("generation.json"), onlyApp)
        if let (rc, out) = try git(["diff", "HEAD~1", "HEAD", "--", "app.py"]), rc == 0 {
            XCTAssertEqual(onlyApp, out, "the same patch as git diff")
        }
        // the first commit diffs against the empty tree
        let (root, _) = try ProjectHistory.diff(project, rev: "HEAD~1", files: ["requirements.txt"])
        XCTAssertTrue(root.contains("new file mode 100644"), root)
    }

    // MARK: damaged records

    func testMissingPlanNamesReplanAndReplanWorks() throws {
        try FileManager.default.removeItem(at: project.appendingPathComponent(".deepcoder/plan.json"))
        try GitStore.commitAll(in: project, message: "lose the plan\n")
        XCTAssertThrowsError(try ProjectHistory.regen(project, generator: regenGenerator(), options: regenOptions())) { e in
            XCTAssertTrue("\(e)".contains("--replan"), "\(e)")
        }
        try write("{ not json", ".deepcoder/plan.json")
        try GitStore.commitAll(in: project, message: "damage the plan\n")
        XCTAssertThrowsError(try ProjectHistory.regen(project, generator: regenGenerator(), options: regenOptions())) { e in
            XCTAssertTrue("\(e)".contains("damaged") && "\(e)".contains("--replan"), "\(e)")
        }
        var o = regenOptions()
        o.replan = true
        let r = try ProjectHistory.regen(project, generator: regenGenerator(), options: o)
        let plan = try JSONDecoder().decode(ProjectPlan.self, from: Data(try read(".deepcoder/plan.json").utf8))
        XCTAssertEqual(plan.files.map(\.path), ["app.py"])
        XCTAssertEqual(plan.source, "replan")
        XCTAssertEqual(try GitStore.commit(r.commit, in: project).trailer("Deepcoder-Replan"), "yes")

        try FileManager.default.removeItem(at: project.appendingPathComponent(".deepcoder/spec.md"))
        try GitStore.commitAll(in: project, message: "lose the spec\n")
        XCTAssertThrowsError(try ProjectHistory.regen(project, generator: regenGenerator(), options: regenOptions())) { e in
            XCTAssertTrue("\(e)".contains("--spec"), "\(e)")
        }
    }

    func testSkeletonAndUnsafeFilesAreRefused() throws {
        for f in ["README.md", "tests/test_app.py", "../x.py", "/etc/passwd", ".git/config"] {
            XCTAssertThrowsError(try ProjectHistory.regen(project, generator: regenGenerator(), options: regenOptions([f])), f) { e in
                XCTAssertEqual((e as? ScaffoldError)?.exitCode, 2, "\(f): \(e)")
            }
        }
        XCTAssertEqual(try GitStore.log(in: project).count, 1)
    }

    // MARK: reproduce

    func testReproduceNewAndRegenAndNoticeADifference() throws {
        let newCommit = try XCTUnwrap(ProjectHistory.lastGeneration(project))
        let r1 = try Reproducer.run(project, recorded: try RecordedGeneration(newCommit), generator: ScriptedGenerator.fromDirectory(cube, strict: true))
        XCTAssertTrue(r1.identical, "differs: \(r1.differing) missing: \(r1.missing) extra: \(r1.extra)")
        XCTAssertGreaterThan(r1.compared, 5)

        _ = try ProjectHistory.regen(project, generator: regenGenerator(), options: regenOptions())
        let regenCommit = try XCTUnwrap(ProjectHistory.lastGeneration(project))
        let recorded = try RecordedGeneration(regenCommit)
        XCTAssertEqual(recorded.files, ["app.py"])
        XCTAssertEqual(recorded.instruction, "Show the volume rounded to two decimals.")
        let r2 = try Reproducer.run(project, recorded: recorded, generator: regenGenerator())
        XCTAssertTrue(r2.identical, "differs: \(r2.differing) missing: \(r2.missing) extra: \(r2.extra)")

        // another answer is noticed, file by file
        let r3 = try Reproducer.run(project, recorded: recorded, generator: regenGenerator("```python\nfrom flask import Flask\n\napp = Flask(__name__)\n```"))
        XCTAssertFalse(r3.identical)
        XCTAssertEqual(r3.differing, [".deepcoder/generation.json", "app.py"], "the file and its token counts differ")

        // undo/restore/manual commits are not generations
        _ = try ProjectHistory.undo(project)
        XCTAssertThrowsError(try RecordedGeneration(HistoryEntry(try GitStore.commit("HEAD", in: project))))
    }

    func testGenerationJSONTimingsAreIgnoredButNothingElse() throws {
        let a = Data(#"{"files":[{"path":"app.py","seconds":1.5,"asks":1}],"plan":{"seconds":0.2}}"#.utf8)
        let b = Data(#"{"plan":{"seconds":9},"files":[{"asks":1,"path":"app.py","seconds":3}]}"#.utf8)
        let c = Data(#"{"plan":{"seconds":9},"files":[{"asks":2,"path":"app.py","seconds":3}]}"#.utf8)
        XCTAssertEqual(Reproducer.normalizedGeneration(a), Reproducer.normalizedGeneration(b))
        XCTAssertNotEqual(Reproducer.normalizedGeneration(a), Reproducer.normalizedGeneration(c))
    }
}
