import Foundation
import GitTestSupport
import XCTest

/// The CLI on projects whose history or records were tampered with: refusals are exit 2 with the path
/// named (escaped), nothing is written outside the project, and names or messages from a repository
/// reach the terminal with their control characters escaped.
extension CLITests {
    func scriptedProject() throws -> (dir: URL, target: URL) {
        let dir = try tempDir()
        let target = dir.appendingPathComponent("cube")
        let r = try run(["new", "--spec-file", scriptedApp.appendingPathComponent("spec.txt").path, "-o", target.path, "--no-verify"],
                        env: ["DEEPCODER_SCRIPTED_DIR": scriptedApp.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        return (dir, target)
    }

    func assertNoRawControlCharacters(_ text: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let raw = text.unicodeScalars.filter { ($0.value < 0x20 && $0 != "\n") || (0x7f...0x9f).contains($0.value) }
        XCTAssertTrue(raw.isEmpty, "\(what) prints raw control characters: \(text.debugDescription)", file: file, line: line)
    }

    func testRegenAndReproduceRefuseATreeLeavingTheScratchCopy() throws {
        let (_, target) = try scriptedProject()
        let name = "dc-escaped-\(UUID().uuidString).txt"
        let escaped = FileManager.default.temporaryDirectory.appendingPathComponent(name)
        addTeardownBlock { try? FileManager.default.removeItem(at: escaped) }
        try HostileTrees.commit(adding: [("..", .directory([(name, .file("written outside\n"))]))], in: target)
        let env = ["DEEPCODER_SCRIPTED_DIR": scriptedApp.path]

        let regen = try run(["regen", "app.py", "--force", "--no-verify", "--instruction", "round it"], env: env, cwd: target)
        XCTAssertEqual(regen.status, 2, regen.stdout + regen.stderr)
        XCTAssertTrue(regen.stderr.contains("../\(name)"), regen.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: escaped.path), "regen wrote outside its scratch copy")

        let reproduce = try run(["reproduce"], env: env, cwd: target)
        XCTAssertEqual(reproduce.status, 2, reproduce.stdout + reproduce.stderr)
        XCTAssertTrue(reproduce.stderr.contains("../\(name)"), reproduce.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: escaped.path), "reproduce wrote outside its scratch copy")
    }

    func testRegenRefusesAPlanNamingAFileOutsideTheProject() throws {
        let (_, target) = try scriptedProject()
        let planURL = target.appendingPathComponent(".deepcoder/plan.json")
        var plan = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: planURL)) as? [String: Any])
        plan["files"] = (plan["files"] as? [[String: Any]] ?? []) + [["path": "../../../../etc/os-release", "purpose": "read it"]]
        try JSONSerialization.data(withJSONObject: plan, options: [.prettyPrinted, .sortedKeys]).write(to: planURL)
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        git.arguments = ["git", "-C", target.path, "-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-qam", "edit the plan"]
        try git.run()
        git.waitUntilExit()
        guard git.terminationStatus == 0 else { throw XCTSkip("git CLI not usable here") }

        let r = try run(["regen", "app.py", "--no-verify", "--instruction", "round it"], env: ["DEEPCODER_SCRIPTED_DIR": scriptedApp.path], cwd: target)
        XCTAssertEqual(r.status, 2, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains(".deepcoder/plan.json") && r.stderr.contains("../../../../etc/os-release"), r.stderr)
        XCTAssertFalse(try String(contentsOf: planURL, encoding: .utf8).contains("PRETTY_NAME"))
        let log = try run(["log"], cwd: target)
        XCTAssertEqual(log.stdout.split(separator: "\n").count, 2, "no regen commit: \(log.stdout)")
    }

    func testNamesAndMessagesFromTheRepositoryArePrintedEscaped() throws {
        let (_, target) = try scriptedProject()
        try HostileTrees.commit(adding: [("evil\u{1B}[2J.py", .file("x = 1\n"))], in: target,
                                message: "Tidy \u{1B}]0;owned\u{7}up\n\nDeepcoder-Kind: manual\n")
        let log = try run(["log"], cwd: target)
        XCTAssertEqual(log.status, 0, log.stderr)
        assertNoRawControlCharacters(log.stdout, "log")
        XCTAssertTrue(log.stdout.contains(#"evil\u{1B}[2J.py"#), log.stdout)
        XCTAssertTrue(log.stdout.contains(#"Tidy \u{1B}]0;owned\u{7}up"#), log.stdout)

        let diff = try run(["diff", "HEAD"], cwd: target)
        XCTAssertEqual(diff.status, 0, diff.stderr)
        assertNoRawControlCharacters(diff.stderr, "diff's note")
        XCTAssertTrue(diff.stderr.contains(#"Tidy \u{1B}]0;owned\u{7}up"#), diff.stderr)

        let undo = try run(["undo"], cwd: target)
        assertNoRawControlCharacters(undo.stdout + undo.stderr, "undo")
    }
}
