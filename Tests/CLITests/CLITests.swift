import Foundation
import XCTest

/// Holds what a background reader collected.
final class DataBox: @unchecked Sendable { var data = Data() }

/// Runs the built `deepcoder` binary as a user would and checks stdout, stderr and exit codes.
final class CLITests: XCTestCase {
    struct Result { let status: Int32; let stdout: String; let stderr: String }

    /// The build products directory (where `deepcoder` sits beside the test bundle).
    static var binary: URL { Bundle.main.bundleURL.appendingPathComponent("deepcoder") }
    static let sourceRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @discardableResult
    func run(_ args: [String], stdin: String? = nil, stdinData: Data? = nil, env: [String: String] = [:], cwd: URL? = nil) throws -> Result {
        let p = Process()
        p.executableURL = Self.binary
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        if let cwd { p.currentDirectoryURL = cwd }
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let bytes = stdinData ?? stdin.map({ Data($0.utf8) }) { inp.fileHandleForWriting.write(bytes) }
        try inp.fileHandleForWriting.close()
        // Read both pipes before waiting so a chatty child cannot block on a full pipe.
        let errBox = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errBox.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let errData = errBox.data
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    func testModelPath() throws -> String {
        let r = try run(["models", "path", "smollm2-135m-instruct"])
        guard r.status == 0 else { throw XCTSkip("test model not installed: \(r.stderr)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func tempDir() throws -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("dc-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: u) }
        return u
    }

    func testHelpListsTheCommands() throws {
        let r = try run(["--help"])
        XCTAssertEqual(r.status, 0)
        for c in ["new", "regen", "log", "diff", "undo", "restore", "reproduce", "generate", "tokenize", "bench", "models"] {
            XCTAssertTrue(r.stdout.contains(c), "help lacks \(c): \(r.stdout)")
        }
        for (c, flag) in [("regen", "--commit-first"), ("log", "-n"), ("diff", "FILE"), ("undo", "uncommitted"), ("restore", "--to"), ("reproduce", "SHA-256")] {
            let h = try run([c, "--help"])
            XCTAssertEqual(h.status, 0, c)
            XCTAssertTrue(h.stdout.contains(flag) && h.stdout.contains("-C"), "\(c) --help lacks \(flag): \(h.stdout)")
        }
    }

    func testMissingModelIsExit3WithTheFix() throws {
        let r = try run(["generate", "--model", "no-such-model", "-p", "hi"])
        XCTAssertEqual(r.status, 3)
        XCTAssertTrue(r.stderr.contains("no-such-model"), r.stderr)
        let home = try tempDir()
        let r2 = try run(["generate", "--model", "smollm2-135m-instruct", "-p", "hi"], env: ["DEEPCODER_HOME": home.path])
        XCTAssertEqual(r2.status, 3)
        XCTAssertTrue(r2.stderr.contains("deepcoder models pull smollm2-135m-instruct"), r2.stderr)
    }

    func testCorruptModelFileIsExit3NamingTheFile() throws {
        let dir = try tempDir()
        let bad = dir.appendingPathComponent("broken.gguf")
        try Data("GGUF\u{3}\0\0\0garbage".utf8).write(to: bad)
        let r = try run(["generate", "--model", bad.path, "-p", "hi"])
        XCTAssertEqual(r.status, 3)
        XCTAssertTrue(r.stderr.contains(bad.path), r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("error: ") && r.stderr.filter { $0 == "\n" }.count == 1, "not one line: \(r.stderr)")
    }

    func testTokenizeIdsExactBytes() throws {
        _ = try testModelPath()
        let r = try run(["tokenize", "--model", "smollm2-135m-instruct", "--ids", "Hello world"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "19556 905\n")
        // stdin, nothing trimmed: the trailing newline is a token; chat markup is special.
        let r2 = try run(["tokenize", "--model", "smollm2-135m-instruct"], stdin: "<|im_start|>user\n")
        XCTAssertEqual(r2.status, 0, r2.stderr)
        XCTAssertEqual(r2.stdout, "1\t<|im_start|>\n4093\tuser\n198\t\n\n")
    }

    func testGenerateStreamsGreedilyAndReportsSpeed() throws {
        _ = try testModelPath()
        let args = ["generate", "--model", "smollm2-135m-instruct", "--temperature", "0", "-n", "12", "--raw", "-p", "def fibonacci(n):"]
        let a = try run(args)
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertFalse(a.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        XCTAssertTrue(a.stderr.contains("tokens/s"), a.stderr)
        let b = try run(args)
        XCTAssertEqual(a.stdout, b.stdout, "greedy generation must be deterministic")
        let empty = try run(["generate", "--model", "smollm2-135m-instruct"], stdin: "")
        XCTAssertEqual(empty.status, 2, empty.stderr)
    }

    func testBenchJSON() throws {
        _ = try testModelPath()
        let r = try run(["bench", "--model", "smollm2-135m-instruct", "-p", "8", "-n", "4", "-r", "1", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertGreaterThan(obj["pp_tokens_per_s"] as? Double ?? 0, 0)
        XCTAssertGreaterThan(obj["tg_tokens_per_s"] as? Double ?? 0, 0)
    }

    /// `bench --batch`: one JSON line per batch size with the keys the issue names; a bad list is a usage error.
    func testBenchBatchJSON() throws {
        _ = try testModelPath()
        let r = try run(["bench", "--model", "smollm2-135m-instruct", "-p", "8", "-n", "4", "-r", "1", "--batch", "1,2", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, r.stdout)
        for (line, batch) in zip(lines, [1, 2]) {
            let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(obj["batch"] as? Int, batch)
            XCTAssertGreaterThan(obj["pp_tokens_per_s"] as? Double ?? 0, 0)
            XCTAssertGreaterThan(obj["tg_tokens_per_s"] as? Double ?? 0, 0)
        }
        for bad in ["0", "1,x", "", "65"] {
            let e = try run(["bench", "--model", Self.missingModel, "--batch", bad])
            XCTAssertEqual(e.status, 2, "--batch \(bad): \(e.stderr)")
            XCTAssertTrue(e.stderr.contains("--batch"), e.stderr)
        }
    }

    // MARK: deepcoder new on scripted answers (no model: what the CLI does around the generator)

    var scriptedApp: URL { Self.sourceRoot.appendingPathComponent("Tests/ScaffoldTests/Fixtures/apps/cube_api") }

    func testNewRefusesANonEmptyDirectoryAndTouchesNothing() throws {
        let dir = try tempDir()
        let target = dir.appendingPathComponent("proj")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let mine = target.appendingPathComponent("notes.txt")
        try Data("my notes".utf8).write(to: mine)
        let spec = try String(contentsOf: scriptedApp.appendingPathComponent("spec.txt"), encoding: .utf8)
        let r = try run(["new", spec, "-o", target.path, "--no-verify"], env: ["DEEPCODER_SCRIPTED_DIR": scriptedApp.path])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("regen"), r.stderr)
        XCTAssertEqual(try String(contentsOf: mine, encoding: .utf8), "my notes")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: target.path), ["notes.txt"])
    }

    func testNewWritesAndCommitsAProject() throws {
        let dir = try tempDir()
        let target = dir.appendingPathComponent("cube")
        let r = try run(["new", "--spec-file", scriptedApp.appendingPathComponent("spec.txt").path, "-o", target.path, "--no-verify", "--json"],
                        env: ["DEEPCODER_SCRIPTED_DIR": scriptedApp.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: target.appendingPathComponent("app.py").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: target.appendingPathComponent(".git").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: target.appendingPathComponent(".deepcoder/plan.json").path))
        XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)), "--json must print JSON: \(r.stdout)")
        // The same directory again is now non-empty: refused.
        let again = try run(["new", "--spec-file", scriptedApp.appendingPathComponent("spec.txt").path, "-o", target.path, "--no-verify"],
                            env: ["DEEPCODER_SCRIPTED_DIR": scriptedApp.path])
        XCTAssertEqual(again.status, 2)
    }

    func testPlanOnlyPrintsThePlanAndContractAndWritesNothing() throws {
        let dir = try tempDir()
        let target = dir.appendingPathComponent("cube")
        let r = try run(["new", "--spec-file", scriptedApp.appendingPathComponent("spec.txt").path, "-o", target.path, "--plan-only"],
                        env: ["DEEPCODER_SCRIPTED_DIR": scriptedApp.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.path), "--plan-only wrote the target")
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
        let plan = try XCTUnwrap(obj["plan"] as? [String: Any])
        let routes = try XCTUnwrap(plan["routes"] as? [[String: Any]])
        XCTAssertTrue(routes.contains { $0["path"] as? String == "/cube" && $0["method"] as? String == "GET" }, r.stdout)
        XCTAssertEqual(plan["port"] as? Int, 5057)
        XCTAssertNotNil(obj["contract"] as? [String: Any], r.stdout)
        XCTAssertEqual(obj["constrained"] as? Bool, false, "the scripted generator does not constrain")
        XCTAssertFalse(r.stderr.contains("[generate] app.py"), "--plan-only went on to the files: \(r.stderr)")
    }

    func testNewFailingGenerationLeavesNothingBehind() throws {
        let dir = try tempDir()
        let empty = try tempDir()  // no scripted answers at all: every file answer is empty → generation fails
        let target = dir.appendingPathComponent("nothing")
        let r = try run(["new", "a JSON API that returns the volume of a cube", "-o", target.path, "--no-verify", "--max-repairs", "0"],
                        env: ["DEEPCODER_SCRIPTED_DIR": empty.path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.path), "a failed run must leave no directory")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [], "no temp directories left beside the target")
    }

    // MARK: regen / log / diff / undo / restore / reproduce

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

    func testRegenLogDiffUndoRestoreReproduceOnScriptedAnswers() throws {
        let dir = try tempDir()
        let target = dir.appendingPathComponent("cube")
        let spec = scriptedApp.appendingPathComponent("spec.txt").path
        let first = try run(["new", "--spec-file", spec, "-o", target.path, "--no-verify"], env: ["DEEPCODER_SCRIPTED_DIR": scriptedApp.path])
        XCTAssertEqual(first.status, 0, first.stderr)
        let app = try Data(contentsOf: target.appendingPathComponent("app.py"))
        let readme = try Data(contentsOf: target.appendingPathComponent("README.md"))

        let u0 = try run(["undo", "-C", target.path])
        XCTAssertEqual(u0.status, 2, u0.stderr)
        XCTAssertTrue(u0.stderr.contains("first commit"), u0.stderr)

        // the regen answers: the fixture with another app.py
        let answers = try tempDir()
        try FileManager.default.copyItem(at: scriptedApp.appendingPathComponent("plan.txt"), to: answers.appendingPathComponent("plan.txt"))
        try Self.twoDecimals.write(to: answers.appendingPathComponent("app.py.txt"), atomically: true, encoding: .utf8)
        let env = ["DEEPCODER_SCRIPTED_DIR": answers.path]
        let regenArgs = ["regen", "app.py", "--instruction", "show the volume with two decimals", "--no-verify"]

        // a hand edit: refused, listed, untouched
        try Data("# mine\n".utf8).write(to: target.appendingPathComponent("README.md"))
        let refused = try run(regenArgs, env: env, cwd: target)
        XCTAssertEqual(refused.status, 2, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("README.md") && refused.stderr.contains("--commit-first") && refused.stderr.contains("--force"), refused.stderr)
        XCTAssertEqual(try Data(contentsOf: target.appendingPathComponent("app.py")), app)
        XCTAssertEqual(try Data(contentsOf: target.appendingPathComponent("README.md")), Data("# mine\n".utf8))
        try readme.write(to: target.appendingPathComponent("README.md"))

        let r = try run(regenArgs, env: env, cwd: target)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Regenerated app.py"), r.stdout)
        let regenerated = try String(contentsOf: target.appendingPathComponent("app.py"), encoding: .utf8)
        XCTAssertTrue(regenerated.contains("round(edge ** 3"), regenerated)
        XCTAssertEqual(try Data(contentsOf: target.appendingPathComponent("README.md")), readme)

        let log = try run(["log", "-C", target.path])
        XCTAssertEqual(log.status, 0, log.stderr)
        let lines = log.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, log.stdout)
        XCTAssertTrue(lines[0].contains("regen") && lines[0].contains("app.py") && lines[0].contains("seed 42"), lines[0])
        XCTAssertTrue(lines[1].contains("instruction: show the volume with two decimals"), lines[1])
        XCTAssertTrue(lines[2].contains(" new ") && lines[2].contains("verify skipped"), lines[2])
        XCTAssertEqual(try run(["log", "-n", "1"], cwd: target).stdout.split(separator: "\n").count, 2)

        let diff = try run(["diff"], cwd: target)
        XCTAssertEqual(diff.status, 0, diff.stderr)
        XCTAssertTrue(diff.stdout.contains("+    return jsonify({\"edge\": edge, \"volume\": round(edge ** 3, 2)})"), diff.stdout)
        let diffFirst = try run(["diff", "HEAD~1", "README.md"], cwd: target)
        XCTAssertTrue(diffFirst.stdout.contains("diff --git a/README.md b/README.md\nnew file mode") && !diffFirst.stdout.contains("diff --git a/app.py"), diffFirst.stdout)

        // reproduce both generations on the same scripted answers
        let rep = try run(["reproduce"], env: env, cwd: target)
        XCTAssertEqual(rep.status, 0, rep.stdout + rep.stderr)
        XCTAssertTrue(rep.stdout.contains("identical"), rep.stdout)
        let repNew = try run(["reproduce", "HEAD~1"], env: ["DEEPCODER_SCRIPTED_DIR": scriptedApp.path], cwd: target)
        XCTAssertEqual(repNew.status, 0, repNew.stdout + repNew.stderr)
        // other answers: differs, exit 1, the file named
        let repOther = try run(["reproduce"], env: ["DEEPCODER_SCRIPTED_DIR": scriptedApp.path], cwd: target)
        XCTAssertEqual(repOther.status, 1, repOther.stdout + repOther.stderr)
        XCTAssertTrue(repOther.stdout.contains("differs  app.py"), repOther.stdout)

        let undo = try run(["undo"], cwd: target)
        XCTAssertEqual(undo.status, 0, undo.stderr)
        XCTAssertEqual(try Data(contentsOf: target.appendingPathComponent("app.py")), app)

        let restore = try run(["restore", "app.py", "--to", "HEAD~1"], cwd: target)
        XCTAssertEqual(restore.status, 0, restore.stderr)
        XCTAssertTrue(try String(contentsOf: target.appendingPathComponent("app.py"), encoding: .utf8).contains("round(edge ** 3"))
        let kinds = try run(["log"], cwd: target).stdout.split(separator: "\n").filter { !$0.contains("instruction:") }.map { $0.split(separator: " ", omittingEmptySubsequences: true)[3] }
        XCTAssertEqual(kinds, ["restore", "undo", "regen", "new"])
        let missing = try run(["restore", "nope.py", "--to", "HEAD~1"], cwd: target)
        XCTAssertEqual(missing.status, 2)

        // not a project
        let outside = try run(["log", "-C", dir.path])
        XCTAssertEqual(outside.status, 2, outside.stderr)
        XCTAssertTrue(outside.stderr.contains("deepcoder new"), outside.stderr)
    }

    /// `deepcoder reproduce` on the test model (greedy is not needed: the seed is recorded) for a `new` and a
    /// `regen` commit, without verification (this is about the generated bytes; a verifying run takes minutes
    /// more on the test model and fails anyway since a 135M model's apps do not work).
    func testReproduceOnTheTestModelForNewAndRegen() throws {
        _ = try testModelPath()
        let dir = try tempDir()
        let target = dir.appendingPathComponent("cube")
        let new = try run(["new", "A JSON API with GET /cube?edge=E that returns the volume of a cube as JSON", "-o", target.path,
                           "--model", "smollm2-135m-instruct", "--no-verify", "--max-tokens", "400"])
        XCTAssertEqual(new.status, 0, new.stderr)
        // The test is about reproducing a regen, not about what the 135M model can write: some
        // instructions leave it without usable Python (exit 3, nothing committed), so the first
        // instruction that gives a commit is the one reproduced.
        var regen = try run(["regen", "app.py", "--instruction", "round the volume to two decimals", "--no-verify", "--max-tokens", "400"], cwd: target)
        for instruction in ["return the volume rounded to two decimals", "answer 400 when edge is missing"] where regen.status == 3 {
            regen = try run(["regen", "app.py", "--instruction", instruction, "--no-verify", "--max-tokens", "400"], cwd: target)
        }
        XCTAssertEqual(regen.status, 0, regen.stderr)
        let log = try run(["log"], cwd: target)
        XCTAssertTrue(log.stdout.contains("model smollm2-135m-instruct"), log.stdout)

        let a = try run(["reproduce", "HEAD~1"], cwd: target)
        XCTAssertEqual(a.status, 0, a.stdout + a.stderr)
        XCTAssertTrue(a.stdout.contains("identical") && a.stdout.contains("(new)"), a.stdout)
        let b = try run(["reproduce"], cwd: target)
        XCTAssertEqual(b.status, 0, b.stdout + b.stderr)
        XCTAssertTrue(b.stdout.contains("identical") && b.stdout.contains("(regen)"), b.stdout)

        // a commit made with other weights (here: scripted, SHA-256 all zeros) is not reproduced on this model
        let scripted = dir.appendingPathComponent("scripted")
        XCTAssertEqual(try run(["new", "--spec-file", scriptedApp.appendingPathComponent("spec.txt").path, "-o", scripted.path, "--no-verify"],
                               env: ["DEEPCODER_SCRIPTED_DIR": scriptedApp.path]).status, 0)
        let wrong = try run(["reproduce", "--model", "smollm2-135m-instruct"], cwd: scripted)
        XCTAssertEqual(wrong.status, 3, wrong.stderr)
        XCTAssertTrue(wrong.stderr.contains("SHA-256"), wrong.stderr)
    }

    // MARK: bad options and odd targets: refused with exit 2 before any model is read

    /// A model path that does not exist: a command that gets as far as loading it fails with exit 3,
    /// so exit 2 with the right message shows the refusal came first.
    static let missingModel = "/nonexistent/deepcoder-test-model.gguf"
    static let cubeDescription = "a JSON API that returns the volume of a cube"

    /// Asserts an argument or input refusal: exit 2, the words that name the problem, no model loaded.
    func assertRefused(_ r: Result, mentioning words: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 2, r.stderr, file: file, line: line)
        for w in words { XCTAssertTrue(r.stderr.contains(w), "stderr lacks \"\(w)\": \(r.stderr)", file: file, line: line) }
        XCTAssertFalse(r.stderr.contains("[model] loading"), "refused only after starting to load a model: \(r.stderr)", file: file, line: line)
    }

    func testThreadsOutsideTheRangeAreRefusedByEveryCommand() throws {
        let dir = try tempDir()
        for t in ["10000", "0", "-1"] {
            let target = dir.appendingPathComponent("proj").path
            assertRefused(try run(["new", Self.cubeDescription, "-o", target, "--model", Self.missingModel, "--threads=\(t)"]),
                          mentioning: ["--threads", "1", "256", t])
            XCTAssertFalse(FileManager.default.fileExists(atPath: target))
            assertRefused(try run(["generate", "--model", Self.missingModel, "-p", "hi", "--threads=\(t)"]), mentioning: ["--threads", "256"])
            assertRefused(try run(["bench", "--model", Self.missingModel, "--threads=\(t)"]), mentioning: ["--threads", "256"])
            assertRefused(try run(["regen", "app.py", "--model", Self.missingModel, "--threads=\(t)"], cwd: dir), mentioning: ["--threads", "256"])
            assertRefused(try run(["reproduce", "--model", Self.missingModel, "--threads=\(t)"], cwd: dir), mentioning: ["--threads", "256"])
        }
    }

    func testSamplingValuesAreCheckedInOnePlaceForEveryCommand() throws {
        let dir = try tempDir()
        let cases: [([String], String)] = [
            (["--temperature", "nan"], "--temperature"), (["--temperature", "inf"], "--temperature"), (["--temperature=-1"], "--temperature"),
            (["--top-p", "nan"], "--top-p"), (["--top-p", "0"], "--top-p"), (["--top-p", "1.5"], "--top-p"),
            (["--top-k=-1"], "--top-k"),
            (["--min-p", "5"], "--min-p"), (["--min-p", "nan"], "--min-p"),
            (["--repeat-penalty", "nan"], "--repeat-penalty"), (["--repeat-penalty", "0"], "--repeat-penalty"), (["--repeat-penalty", "inf"], "--repeat-penalty"),
        ]
        for (flag, name) in cases {
            assertRefused(try run(["generate", "--model", Self.missingModel, "-p", "hi"] + flag), mentioning: [name])
            let target = dir.appendingPathComponent("proj").path
            assertRefused(try run(["new", Self.cubeDescription, "-o", target, "--model", Self.missingModel] + flag), mentioning: [name])
            XCTAssertFalse(FileManager.default.fileExists(atPath: target))
            assertRefused(try run(["regen", "app.py", "--model", Self.missingModel] + flag, cwd: dir), mentioning: [name])
        }
        // the message gives the range
        let r = try run(["generate", "--model", Self.missingModel, "-p", "hi", "--min-p", "5"])
        XCTAssertTrue(r.stderr.contains("[0, 1]") && r.stderr.contains("5"), r.stderr)
        // edges that are allowed still get as far as the model (exit 3: it does not exist)
        for ok in [["--temperature", "0"], ["--top-p", "1"], ["--min-p", "0"], ["--min-p", "1"], ["--top-k", "0"], ["--repeat-penalty", "1.1"]] {
            XCTAssertEqual(try run(["generate", "--model", Self.missingModel, "-p", "hi"] + ok).status, 3, ok.joined(separator: " "))
        }
    }

    /// `--candidates` (best-of-N) takes 1 to 8 in `new` and `regen`, checked before any model is loaded.
    func testCandidatesOutOfRangeIsAUsageError() throws {
        let dir = try tempDir()
        for n in ["0", "9", "-1"] {
            let target = dir.appendingPathComponent("proj").path
            assertRefused(try run(["new", Self.cubeDescription, "-o", target, "--model", Self.missingModel, "--candidates=\(n)"]), mentioning: ["--candidates", "1 to 8"])
            XCTAssertFalse(FileManager.default.fileExists(atPath: target))
            assertRefused(try run(["regen", "app.py", "--model", Self.missingModel, "--candidates=\(n)"], cwd: dir), mentioning: ["--candidates", "1 to 8"])
        }
        // 8 gets as far as the model (exit 3: it does not exist)
        XCTAssertEqual(try run(["new", Self.cubeDescription, "-o", dir.appendingPathComponent("p8").path, "--model", Self.missingModel, "--candidates", "8"]).status, 3)
    }

    func testArgumentErrorsExitWith2AndHelpWith0() throws {
        for args in [["generate", "--no-such-flag"], ["new", "--threads", "many"], ["bench", "-r", "0"], ["generate", "-n", "0", "-p", "hi"],
                     ["no-such-command"], ["new", "--max-tokens", "0", "x"]] {
            let r = try run(args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("Error:") || r.stderr.contains("error:"), r.stderr)
            XCTAssertTrue(r.stdout.isEmpty, r.stdout)
        }
        for args in [["--help"], ["new", "--help"], ["help", "regen"], ["--version"]] {
            let r = try run(args)
            XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
            XCTAssertFalse(r.stdout.isEmpty)
        }
    }

    func testNewRefusesAnUnwritableTargetBeforeLoadingAModel() throws {
        let target = "/proc/deepcoder-test-\(UUID().uuidString.prefix(8))"
        guard mkdir(target, 0o700) != 0 else { rmdir(target); throw XCTSkip("/proc is writable here") }
        let r = try run(["new", Self.cubeDescription, "-o", target, "--model", Self.missingModel])
        assertRefused(r, mentioning: ["/proc", "-o"])
        XCTAssertFalse(r.stderr.contains("NSCocoaErrorDomain"), r.stderr)
        // a parent that is a file
        let dir = try tempDir()
        let file = dir.appendingPathComponent("notes.txt")
        try Data("mine".utf8).write(to: file)
        let r2 = try run(["new", Self.cubeDescription, "-o", file.appendingPathComponent("app").path, "--model", Self.missingModel])
        assertRefused(r2, mentioning: [file.path, "not a directory"])
        XCTAssertEqual(try String(contentsOf: file, encoding: .utf8), "mine")
    }

    func testNewRefusesALongDescriptionUpFrontWithItsSizeAndTheLimit() throws {
        let dir = try tempDir()
        let target = dir.appendingPathComponent("proj").path
        let big = dir.appendingPathComponent("big.txt")
        let megabyte = String(repeating: "A page that shows a greeting. ", count: 35_000)  // 1,050,000 bytes
        try megabyte.write(to: big, atomically: true, encoding: .utf8)
        let r = try run(["new", "--spec-file", big.path, "-o", target, "--model", Self.missingModel])
        func size(_ s: String) -> String { "\(s.trimmingCharacters(in: .whitespacesAndNewlines).utf8.count) bytes" }
        assertRefused(r, mentioning: [size(megabyte), "8192 bytes", "Shorten"])
        XCTAssertFalse(r.stderr.contains("--ctx-size"), r.stderr)
        let arg = String(megabyte.prefix(20_000))
        assertRefused(try run(["new", arg, "-o", target, "--model", Self.missingModel]), mentioning: [size(arg), "8192 bytes"])
        let piped = String(megabyte.prefix(100_000))
        assertRefused(try run(["new", "-o", target, "--model", Self.missingModel], stdin: piped), mentioning: [size(piped), "8192 bytes"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: target))
    }

    func testNonUTF8DescriptionIsRefusedOnStandardInputAsFromASpecFile() throws {
        let dir = try tempDir()
        let target = dir.appendingPathComponent("proj").path
        var bytes = Data(Self.cubeDescription.utf8)
        bytes.insert(contentsOf: [0xFF, 0xFE], at: 7)
        let file = dir.appendingPathComponent("spec.txt")
        try bytes.write(to: file)
        let fromFile = try run(["new", "--spec-file", file.path, "-o", target, "--model", Self.missingModel])
        assertRefused(fromFile, mentioning: ["UTF-8", "byte 7"])
        let fromStdin = try run(["new", "-o", target, "--model", Self.missingModel], stdinData: bytes)
        assertRefused(fromStdin, mentioning: ["UTF-8", "byte 7", "standard input"])
        let dash = try run(["new", "--spec-file", "-", "-o", target, "--model", Self.missingModel], stdinData: bytes)
        assertRefused(dash, mentioning: ["UTF-8", "byte 7"])
    }

    /// `-o .`, `-o ""` and `-o ..` would have the project renamed over the directory the user is in
    /// (or one containing it): refused, the directory untouched (same inode, still empty).
    func testNewRefusesTheCurrentDirectoryAsTarget() throws {
        let parent = try tempDir()
        let here = parent.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: here, withIntermediateDirectories: false)
        let inode = try FileManager.default.attributesOfItem(atPath: here.path)[.systemFileNumber] as? UInt64
        let env = ["DEEPCODER_SCRIPTED_DIR": scriptedApp.path]
        let spec = scriptedApp.appendingPathComponent("spec.txt").path
        for o in [".", "", "./", here.path, ".."] {
            let r = try run(["new", "--spec-file", spec, "-o", o, "--no-verify"], env: env, cwd: here)
            assertRefused(r, mentioning: ["current directory"])
            XCTAssertFalse(r.stderr.contains("[spec]"), "refused only after starting: \(r.stderr)")
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: here.path), [], "-o \(o)")
            XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: here.path)[.systemFileNumber] as? UInt64, inode, "-o \(o) replaced the directory")
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parent.path), ["empty"], "-o \(o)")
        }
    }

    func testNewRefusesASymbolicLinkTargetUpFront() throws {
        let dir = try tempDir()
        let real = dir.appendingPathComponent("real")
        try FileManager.default.createDirectory(at: real, withIntermediateDirectories: false)
        let link = dir.appendingPathComponent("link")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: real.path)
        let dangling = dir.appendingPathComponent("dangling")
        try FileManager.default.createSymbolicLink(atPath: dangling.path, withDestinationPath: dir.appendingPathComponent("nowhere").path)
        let env = ["DEEPCODER_SCRIPTED_DIR": scriptedApp.path]
        let spec = scriptedApp.appendingPathComponent("spec.txt").path
        for (target, fix) in [(link, real.path), (dangling, "nowhere")] {
            let r = try run(["new", "--spec-file", spec, "-o", target.path, "--no-verify"], env: env)
            assertRefused(r, mentioning: ["symbolic link", fix])
            XCTAssertFalse(r.stderr.contains("[spec]"), "refused only after starting: \(r.stderr)")
        }
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link.path), real.path)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: real.path), [])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["dangling", "link", "real"])
    }

    /// git as people use it, for repositories deepcoder did not make.
    func git(_ args: [String], in dir: URL) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/git") else { throw XCTSkip("no /usr/bin/git") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        p.arguments = ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main"] + args
        p.currentDirectoryURL = dir
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "git \(args)")
    }

    func testRegenChecksTheProjectBeforeLoadingAModel() throws {
        // a repository deepcoder did not make
        let repo = try tempDir()
        try Data("print('hi')\n".utf8).write(to: repo.appendingPathComponent("app.py"))
        try git(["init", "-q"], in: repo)
        try git(["add", "app.py"], in: repo)
        try git(["commit", "-q", "-m", "mine"], in: repo)
        let r = try run(["regen", "app.py", "--instruction", "say hello", "--model", Self.missingModel], cwd: repo)
        assertRefused(r, mentioning: [".deepcoder", "deepcoder new"])
        // without --model (the default model; scripted answers here, so that a regression cannot start a download)
        let empty = try tempDir()
        assertRefused(try run(["regen", "app.py", "--instruction", "say hello"], env: ["DEEPCODER_SCRIPTED_DIR": empty.path], cwd: repo),
                      mentioning: [".deepcoder"])

        // a deepcoder project whose recorded description was deleted: refused (with the fix) before loading
        let dir = try tempDir()
        let target = dir.appendingPathComponent("cube")
        let spec = scriptedApp.appendingPathComponent("spec.txt").path
        XCTAssertEqual(try run(["new", "--spec-file", spec, "-o", target.path, "--no-verify"], env: ["DEEPCODER_SCRIPTED_DIR": scriptedApp.path]).status, 0)
        try git(["rm", "-q", ".deepcoder/spec.md"], in: target)
        try git(["commit", "-q", "-m", "drop the description"], in: target)
        let r2 = try run(["regen", "app.py", "--model", Self.missingModel], cwd: target)
        assertRefused(r2, mentioning: [".deepcoder/spec.md", "--spec"])
        try git(["rm", "-q", ".deepcoder/plan.json"], in: target)
        try git(["commit", "-q", "-m", "drop the plan"], in: target)
        let r3 = try run(["regen", "app.py", "--spec", Self.cubeDescription, "--model", Self.missingModel], cwd: target)
        assertRefused(r3, mentioning: [".deepcoder/plan.json", "--replan"])
        // with both given again, regen gets as far as the model
        let r4 = try run(["regen", "app.py", "--spec", Self.cubeDescription, "--replan", "--model", Self.missingModel], cwd: target)
        XCTAssertEqual(r4.status, 3, r4.stderr)
    }
}
