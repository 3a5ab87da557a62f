import Foundation
import XCTest
import GitStore
@testable import Scaffold

/// Best-of-N (`NewOptions.candidates`): the other answers to a file's request are tried in its place
/// while the project fails, and kept only when verification scores the project better.
final class CandidateTests: XCTestCase {
    var work: URL!
    var lines: [String] = []
    var fixtures: URL { Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("apps") }

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("dc-candidates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: work) }

    func requireVenv() throws {
        do { try PythonEnvironment().ensure(progress: { _ in }) } catch {
            let p = "\(error)"
            if p.contains("pip install failed") || p.contains("venv failed") { throw XCTSkip("cannot create the verification venv: \(p.prefix(300))") }
            XCTFail("venv: \(p)")
        }
    }

    /// A generator whose answer to a file request depends on the seed, as a sampling model's does:
    /// `answers[seed - 42]` for app.py (candidate i has seed 42 + i), the fixture's plan for the plan.
    func generator(_ app: String, answers: [String]) -> ScriptedGenerator {
        let src = fixtures.appendingPathComponent(app)
        return ScriptedGenerator { req, _ in
            guard ScriptedGenerator.requestedFile(in: req) == "app.py" else {
                return try String(contentsOf: src.appendingPathComponent("plan.txt"), encoding: .utf8)
            }
            let i = Int(req.sampling.seed) - 42
            guard answers.indices.contains(i) else { throw ScriptedGeneratorError("no answer for seed \(req.sampling.seed)") }
            return answers[i]
        }
    }

    func run(_ gen: ScriptedGenerator, description: String, candidates: Int, maxRepairs: Int = 0) throws -> NewReport {
        let opts = NewOptions(description: description, outputDirectory: work.appendingPathComponent("project"),
                              maxRepairs: maxRepairs, workingDirectory: work, candidates: candidates)
        return try Pipeline(generator: gen, options: opts, progress: { [unowned self] in self.lines.append($0) }).run()
    }

    func fixture(_ app: String, _ name: String) throws -> String {
        try String(contentsOf: fixtures.appendingPathComponent("\(app)/\(name)"), encoding: .utf8)
    }

    func scores(_ dir: URL) throws -> [[String: Any]] {
        let g = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(".deepcoder/generation.json"))) as! [String: Any]
        return g["candidates"] as? [[String: Any]] ?? []
    }

    /// The first answer fails a stated behaviour (a NameError inside the view); the second works; the
    /// third is prose. With no repair rounds at all, the second answer is what makes the project pass.
    func testAnotherCandidateThatPassesReplacesTheFirst() throws {
        try requireVenv()
        let broken = try fixture("volume_repair", "app.py.txt"), good = try fixture("volume_repair", "repair__app.py.txt")
        let gen = generator("volume_repair", answers: [broken, good, "I cannot help with that."])
        let report = try run(gen, description: try fixture("volume_repair", "spec.txt"), candidates: 3)
        XCTAssertEqual(report.exitCode, 0, lines.joined(separator: "\n"))
        XCTAssertEqual(report.repairRounds, 0)
        XCTAssertEqual(gen.requests.filter { ScriptedGenerator.requestedFile(in: $0) == "app.py" }.map(\.sampling.seed), [42, 43, 44],
                       "three candidates, seeds from the run's seed")
        XCTAssertEqual(gen.requests.filter { ScriptedGenerator.requestedFile(in: $0) == "app.py" }.map(\.sampling.temperature), [0.2, 0.7, 0.7],
                       "the first candidate is the plain ask; the others sample hotter")
        let dir = work.appendingPathComponent("project")
        let app = try String(contentsOf: dir.appendingPathComponent("app.py"), encoding: .utf8)
        XCTAssertTrue(app.contains("import math") && !app.contains("maths."), app)
        XCTAssertTrue(lines.contains { $0.contains("app.py candidate 1/3 (written)") }, lines.joined(separator: "\n"))
        XCTAssertTrue(lines.contains { $0.contains("app.py candidate 2/3") && $0.contains("better: kept") }, lines.joined(separator: "\n"))
        XCTAssertFalse(lines.contains { $0.contains("candidate 3/3") }, "prose is not a candidate")
        let s = try scores(dir)
        XCTAssertEqual(s.map { $0["candidate"] as? Int }, [1, 2])
        XCTAssertEqual(s.map { $0["kept"] as? Bool }, [false, true])
        let first = s[0], second = s[1]
        XCTAssertLessThan(first["checksPassed"] as! Int, second["checksPassed"] as! Int)
        XCTAssertEqual(second["checksPassed"] as? Int, second["checks"] as? Int)
        let head = try GitStore.headCommit(in: dir)
        XCTAssertEqual(head.trailers.first { $0.key == "Deepcoder-Candidates" }?.value, "3")
        // what `deepcoder log -v` shows
        let logged = try ProjectHistory.candidateScores(dir, commit: head.id)
        XCTAssertEqual(logged.map { "\($0.slot) \($0.candidate)/\($0.of) \($0.kept)" }, ["app.py 1/3 false", "app.py 2/3 true"])
    }

    /// A second answer that does worse (the app no longer imports) is tried and put back: the project
    /// keeps the first answer, byte for byte.
    func testCandidateThatDoesWorseIsPutBack() throws {
        try requireVenv()
        let broken = try fixture("volume_repair", "app.py.txt")
        let worse = "```python\nfrom flask import Flask\nimport no_such_module\napp = Flask(__name__)\n\nif __name__ == \"__main__\":\n    app.run(port=5057)\n```\n"
        let gen = generator("volume_repair", answers: [broken, worse])
        let report = try run(gen, description: try fixture("volume_repair", "spec.txt"), candidates: 2)
        XCTAssertEqual(report.exitCode, 1)
        XCTAssertEqual(report.checks.first { $0.name == .import }?.status, .passed, "the kept version imports")
        let dir = work.appendingPathComponent("project")
        let app = try String(contentsOf: dir.appendingPathComponent("app.py"), encoding: .utf8)
        XCTAssertTrue(app.contains("maths.isfinite") && !app.contains("no_such_module"), app)
        XCTAssertTrue(lines.contains { $0.contains("app.py candidate 2/2") && $0.contains("not better") }, lines.joined(separator: "\n"))
        XCTAssertEqual(try scores(dir).map { $0["kept"] as? Bool }, [true, false])
    }

    /// Answers that are the same file (apart from trailing spaces) are one candidate; the waiting
    /// answers of a slot are replaced when the slot is asked again (a repair).
    func testPoolDropsDuplicatesAndReplacesASlotsWaitingAnswers() {
        var pool = CandidatePool()
        pool.offer(.file("main.py"), chosen: (0, "print(1)\n"), others: [(1, "print(1)   \n\n"), (2, "print(2)"), (3, "print(2)\n")], count: 4)
        XCTAssertEqual(pool.waiting.map(\.index), [2])
        pool.offer(.view("GET /sum"), chosen: (0, "def a(): pass"), others: [(1, "def b(): pass")], count: 2)
        pool.offer(.file("main.py"), chosen: (1, "print(3)"), others: [(0, "print(4)"), (2, "print(5)")], count: 3)
        XCTAssertEqual(pool.waiting.map { "\($0.slot) \($0.index)" }, ["app.py view GET /sum 1", "main.py 0", "main.py 2"])
        XCTAssertEqual(pool.current[.file("main.py")]?.text, "print(3)")
        XCTAssertEqual(pool.unscored().count, 2, "each slot's written answer is scored once")
        XCTAssertEqual(pool.unscored().count, 0)
        XCTAssertEqual(pool.next()?.text, "def b(): pass")
    }

    /// A view the model writes into the tool's app.py (its declaration and parameter reading are the
    /// tool's): the first answer uses a name it never set (a NameError on every valid request), the
    /// second works, and the second is kept.
    func testViewCandidateInTheToolsAppIsTriedAndKept() throws {
        try requireVenv()
        let src = fixtures.appendingPathComponent("volume_repair")
        let body = { (value: String) in "    return jsonify({\"edge\": edge, \"volume\": \(value)})\n```\n" }
        let gen = ScriptedGenerator { req, _ in
            guard req.prefill.contains("def ") else { return try String(contentsOf: src.appendingPathComponent("plan.txt"), encoding: .utf8) }
            return req.sampling.seed == 42 ? body("edge_cubed") : body("edge ** 3")
        }
        gen.continuesPrefill = true
        let report = try run(gen, description: try fixture("volume_repair", "spec.txt"), candidates: 2)
        XCTAssertEqual(report.exitCode, 0, lines.joined(separator: "\n"))
        let app = try String(contentsOf: work.appendingPathComponent("project/app.py"), encoding: .utf8)
        XCTAssertTrue(app.contains("\"volume\": edge ** 3") && !app.contains("edge_cubed"), app)
        XCTAssertTrue(lines.contains { $0.contains("app.py view GET /cube candidate 2/2") && $0.contains("kept") }, lines.joined(separator: "\n"))
        XCTAssertEqual(try scores(work.appendingPathComponent("project")).map { $0["slot"] as? String }, ["app.py view GET /cube", "app.py view GET /cube"])
    }

    /// With one candidate (the default) a run asks each file once, as before.
    func testOneCandidateAsksOnce() throws {
        try requireVenv()
        let good = try fixture("volume_repair", "repair__app.py.txt")
        let gen = generator("volume_repair", answers: [good])
        let report = try run(gen, description: try fixture("volume_repair", "spec.txt"), candidates: 1)
        XCTAssertEqual(report.exitCode, 0, lines.joined(separator: "\n"))
        XCTAssertEqual(gen.requests.filter { ScriptedGenerator.requestedFile(in: $0) == "app.py" }.count, 1)
        XCTAssertFalse(lines.contains { $0.contains("[candidates]") })
        XCTAssertEqual(try scores(work.appendingPathComponent("project")).count, 0, "no candidates record")
        let trailers = try GitStore.headCommit(in: work.appendingPathComponent("project")).trailers
        XCTAssertNil(trailers.first { $0.key == "Deepcoder-Candidates" }, "commits without best-of-N look as before")
    }
}
