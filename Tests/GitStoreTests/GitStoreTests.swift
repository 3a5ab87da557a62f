import Foundation
import XCTest
@testable import GitStore

final class GitStoreTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("dc-git-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("templates"), withIntermediateDirectories: true)
        try "print('hi')\n".write(to: dir.appendingPathComponent("app.py"), atomically: true, encoding: .utf8)
        try "<p>{{ x }}</p>\n".write(to: dir.appendingPathComponent("templates/index.html"), atomically: true, encoding: .utf8)
        try "__pycache__/\n".write(to: dir.appendingPathComponent(".gitignore"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("__pycache__"), withIntermediateDirectories: true)
        try "junk".write(to: dir.appendingPathComponent("__pycache__/app.cpython-311.pyc"), atomically: true, encoding: .utf8)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    let message = """
    Create Circle Area (deepcoder)

    Create a page.
    It has: two lines.

    Deepcoder-Model: qwen2.5-coder-1.5b-instruct
    Deepcoder-Model-SHA256: abc123
    Deepcoder-Seed: 7
    Deepcoder-Sampling: temperature=0.2 top_k=40
    Deepcoder-Engine: deepcoder-engine 0.1
    Deepcoder-Verify: failed (serve, tests)

    """

    func git(_ args: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-C", dir.path] + args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testCommitIsReadableByGitAndTrailersParseBack() throws {
        let id = try GitStore.commitAll(in: dir, message: message, identity: .init(name: "Ada Lovelace", email: "ada@example.com"))
        XCTAssertEqual(id.count, 40)

        let info = try GitStore.headCommit(in: dir)
        XCTAssertEqual(info.id, id)
        XCTAssertEqual(info.authorName, "Ada Lovelace")
        XCTAssertEqual(info.files, [".gitignore", "app.py", "templates/index.html"], "ignored files must not be committed")
        let trailers = Dictionary(info.trailers.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(trailers["Deepcoder-Model"], "qwen2.5-coder-1.5b-instruct")
        XCTAssertEqual(trailers["Deepcoder-Seed"], "7")
        XCTAssertEqual(trailers["Deepcoder-Verify"], "failed (serve, tests)")
        XCTAssertNil(trailers["It has"], "a body line is not a trailer")

        // the git CLI reads the same commit
        let (rc, log) = try git(["log", "--format=%H%n%an <%ae>%n%s%n%(trailers:key=Deepcoder-Seed,valueonly)"])
        guard rc == 0 else { throw XCTSkip("git CLI not usable here: \(log)") }
        let lines = log.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], id)
        XCTAssertEqual(lines[1], "Ada Lovelace <ada@example.com>")
        XCTAssertEqual(lines[2], "Create Circle Area (deepcoder)")
        XCTAssertEqual(lines[3], "7")
        let (_, status) = try git(["status", "--porcelain"])
        XCTAssertEqual(status.trimmingCharacters(in: .whitespacesAndNewlines), "", "the work tree must be clean after the commit")
        let (_, fsck) = try git(["fsck", "--strict"])
        XCTAssertFalse(fsck.contains("error"), fsck)
    }

    func testDefaultIdentityOrFallback() throws {
        try GitStore.commitAll(in: dir, message: "subject\n")
        let info = try GitStore.headCommit(in: dir)
        XCTAssertFalse(info.authorName.isEmpty)
        XCTAssertTrue(info.authorEmail.contains("@"))
    }

    func testCommittingANonDirectoryFails() {
        XCTAssertThrowsError(try GitStore.commitAll(in: URL(fileURLWithPath: "/proc/version"), message: "x\n"))
    }
}
