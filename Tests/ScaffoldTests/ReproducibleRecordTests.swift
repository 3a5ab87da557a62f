import Foundation
import GitStore
import XCTest
@testable import Scaffold

/// `.deepcoder/generation.json` is a function of the inputs alone: a failed check is recorded with paths
/// relative to the project and the harness by name, never the run's temp directories, and without the
/// timings pytest prints; so `deepcoder reproduce` reproduces a generation whose verification failed.
final class ReproducibleRecordTests: XCTestCase {
    var work: URL!
    var cube: URL { Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("apps/cube_api") }
    var description: String { (try? String(contentsOf: cube.appendingPathComponent("spec.txt"), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }

    static let brokenApp = "```python\nfrom flask import Flask\nimport no_such_module_here\n\napp = Flask(__name__)\n```"

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("dc-record-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: work) }

    func requireVenv() throws {
        do { try PythonEnvironment().ensure() } catch { throw XCTSkip("no verification venv (pip unreachable?): \(error)") }
    }

    /// The cube fixture, with `app` as the answer for app.py (first asks and repairs alike).
    func generator(app: String) -> ScriptedGenerator {
        let base = ScriptedGenerator.fromDirectory(cube, strict: true)
        return ScriptedGenerator { req, _ in
            ScriptedGenerator.requestedFile(in: req) == "app.py" ? app : try base.generate(req, onToken: { _ in }).text
        }
    }

    func recorded(_ project: URL) throws -> [CheckResult] {
        struct Record: Decodable { var verification: [CheckResult]? }
        let data = try Data(contentsOf: project.appendingPathComponent(".deepcoder/generation.json"))
        return try XCTUnwrap(JSONDecoder().decode(Record.self, from: data).verification)
    }

    /// The run's own directories must not appear in what is recorded.
    func assertNoRunPaths(_ checks: [CheckResult], file: StaticString = #filePath, line: UInt = #line) {
        let tmp = FileManager.default.temporaryDirectory.standardizedFileURL.path
        for c in checks {
            for text in [c.summary] + c.failures.map(\.message) {
                for leak in [work.path, tmp + "/", "dc-verify-", "deepcoder-regen-", "deepcoder-reproduce-", ".deepcoder-"] {
                    XCTAssertFalse(text.contains(leak), "\(c.name) records \(leak): \(text)", file: file, line: line)
                }
            }
        }
    }

    /// Drafting is recorded in generation.json (and the commit's trailer) when the generator drafts, and
    /// absent when it does not.
    func testDraftingIsRecordedWhenTheGeneratorDrafts() throws {
        struct Record: Decodable { var draft: String?; var model: String }
        for draft in ["ngram", nil] {
            let base = ScriptedGenerator.fromDirectory(cube, strict: true)
            let id = GeneratorIdentity(modelName: "scripted", modelSHA256: String(repeating: "0", count: 64), engine: "scripted-generator", draft: draft)
            let gen = ScriptedGenerator(identity: id) { req, _ in try base.generate(req, onToken: { _ in }).text }
            let out = work.appendingPathComponent("draft-\(draft ?? "none")")
            _ = try Pipeline(generator: gen, options: NewOptions(description: description, outputDirectory: out, verify: false, workingDirectory: work)).run()
            let data = try Data(contentsOf: out.appendingPathComponent(".deepcoder/generation.json"))
            XCTAssertEqual(try JSONDecoder().decode(Record.self, from: data).draft, draft)
            let message = try GitStore.headCommit(in: out).message
            XCTAssertEqual(message.contains("Deepcoder-Draft: ngram"), draft != nil, message)
        }
    }

    /// Without Python: every form of the run's directories (as given, through a symbolic link resolved,
    /// another run's scratch copy) and pytest's timing are gone from what is recorded.
    func testRunPathsAreReplacedInEveryForm() throws {
        let real = work.appendingPathComponent("real/.cube.deepcoder-1a2b3c4d")
        try FileManager.default.createDirectory(at: real, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: work.appendingPathComponent("link"), withDestinationURL: work.appendingPathComponent("real"))
        let project = work.appendingPathComponent("link/.cube.deepcoder-1a2b3c4d")
        let harness = URL(fileURLWithPath: "/tmp/dc-verify-0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0")
        let venv = URL(fileURLWithPath: "/home/someone/.cache/deepcoder/venv")
        let paths = RunPaths(project: project, harness: harness, venv: venv)
        let message = """
        ImportError while importing test module '\(real.path)/tests/test_app.py'.
          File "\(harness.path)/verify_app.py", line 174, in check_import
          File "\(venv.path)/lib/python3.11/site-packages/flask/app.py", line 9, in wsgi_app
          File "\(project.path)/app.py", line 2, in <module>
          File "/tmp/deepcoder-regen-89ABCDEF/app.py", line 3, in <module>
        rootdir: \(real.path)
        127.0.0.1 - - [15/Mar/2024 10:00:00] "GET / HTTP/1.1" 500 -
        Debugger PIN: 123-456-789
        FAILED tests/test_app.py::test_get_cube - assert 500 == 200
        1 failed, 2 passed in 0.53s
        """
        let report = paths.relative(VerificationReport(checks: [
            CheckResult(name: .tests, status: .failed, summary: "1 failed, 2 passed in 75.20s (0:01:15)",
                        failures: [CheckFailure(file: "app.py", message: message)], seconds: 1.5)]))
        XCTAssertEqual(report.checks[0].summary, "1 failed, 2 passed")
        XCTAssertEqual(report.checks[0].failures[0].message, """
        ImportError while importing test module 'tests/test_app.py'.
          File "<verify>/verify_app.py", line 174, in check_import
          File "<venv>/lib/python3.11/site-packages/flask/app.py", line 9, in wsgi_app
          File "app.py", line 2, in <module>
          File "<tmp>/app.py", line 3, in <module>
        rootdir: .
        127.0.0.1 - - [<time>] "GET / HTTP/1.1" 500 -
        Debugger PIN: <pin>
        FAILED tests/test_app.py::test_get_cube - assert 500 == 200
        1 failed, 2 passed
        """)
    }

    func testAFailedImportIsRecordedTheSameInAnyDirectory() throws {
        try requireVenv()
        var records: [Data] = []
        for name in ["first", "second/deeper"] {
            let opts = NewOptions(description: description, outputDirectory: work.appendingPathComponent(name), maxRepairs: 0,
                                  verify: true, workingDirectory: work)
            let report = try Pipeline(generator: generator(app: Self.brokenApp), options: opts).run()
            XCTAssertEqual(report.exitCode, 1, report.verification)
            let checks = try recorded(work.appendingPathComponent(name))
            let importCheck = try XCTUnwrap(checks.first { $0.name == .import })
            XCTAssertEqual(importCheck.status, .failed)
            let message = try XCTUnwrap(importCheck.failures.first?.message)
            XCTAssertTrue(message.contains(#"File "app.py", line 2"#), message)
            XCTAssertTrue(message.contains("<verify>/verify_app.py"), message)
            XCTAssertTrue(message.contains("No module named 'no_such_module_here'"), message)
            assertNoRunPaths(checks)
            records.append(try Data(contentsOf: work.appendingPathComponent("\(name)/.deepcoder/generation.json")))
        }
        XCTAssertEqual(String(decoding: Reproducer.normalizedGeneration(records[0]), as: UTF8.self),
                       String(decoding: Reproducer.normalizedGeneration(records[1]), as: UTF8.self))
    }

    func testReproduceARegenWhoseChecksRanAndOneWhoseImportFailed() throws {
        try requireVenv()
        let project = work.appendingPathComponent("project")
        let opts = NewOptions(description: description, outputDirectory: project, verify: false, workingDirectory: work)
        _ = try Pipeline(generator: ScriptedGenerator.fromDirectory(cube, strict: true), options: opts).run()

        // every check runs (pytest too, which prints its timing) and passes
        let good = try String(contentsOf: cube.appendingPathComponent("app.py.txt"), encoding: .utf8)
        let options = RegenOptions(files: ["app.py"], instruction: "Keep it as it is.", maxRepairs: 0, verify: true)
        let passed = try ProjectHistory.regen(project, generator: generator(app: good), options: options)
        XCTAssertTrue(passed.outcome.passed, passed.outcome.checks.map { "\($0.name): \($0.status) \($0.failures)" }.joined(separator: "\n"))
        XCTAssertEqual(passed.outcome.checks.first { $0.name == .tests }?.status, .passed)
        assertNoRunPaths(try recorded(project))
        let r1 = try Reproducer.run(project, recorded: try RecordedGeneration(try XCTUnwrap(ProjectHistory.lastGeneration(project))),
                                    generator: generator(app: good))
        XCTAssertTrue(r1.identical, "differs: \(r1.differing) missing: \(r1.missing) extra: \(r1.extra)")

        // the import check fails; the record still reproduces
        let failed = try ProjectHistory.regen(project, generator: generator(app: Self.brokenApp), options: options)
        XCTAssertFalse(failed.outcome.passed)
        XCTAssertEqual(failed.outcome.checks.first { $0.name == .import }?.status, .failed)
        assertNoRunPaths(try recorded(project))
        let r2 = try Reproducer.run(project, recorded: try RecordedGeneration(try XCTUnwrap(ProjectHistory.lastGeneration(project))),
                                    generator: generator(app: Self.brokenApp))
        XCTAssertTrue(r2.identical, "differs: \(r2.differing) missing: \(r2.missing) extra: \(r2.extra)")
    }
}
