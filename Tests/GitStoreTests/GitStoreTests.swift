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

    // MARK: history, status, partial commits, diffs

    func write(_ text: String, _ path: String) throws {
        let url = dir.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    func testCommitAllGoesOnTopOfHEADAndStagesDeletions() throws {
        let first = try GitStore.commitAll(in: dir, message: message)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("templates/index.html"))
        try write("print('bye')\n", "app.py")
        let second = try GitStore.commitAll(in: dir, message: "manual edit\n")
        let log = try GitStore.log(in: dir)
        XCTAssertEqual(log.map(\.id), [second, first])
        XCTAssertEqual(log[0].parents, [first])
        XCTAssertEqual(log[0].changedFiles, ["app.py", "templates/index.html"])
        XCTAssertEqual(log[1].changedFiles, [".gitignore", "app.py", "templates/index.html"])
        XCTAssertEqual(log[1].trailer("Deepcoder-Seed"), "7")
        XCTAssertEqual(try GitStore.files(at: "HEAD", in: dir), [".gitignore", "app.py"])
        XCTAssertEqual(try GitStore.status(in: dir), [])
        XCTAssertEqual(try GitStore.resolve("HEAD~1", in: dir), first)
        XCTAssertEqual(try GitStore.resolve(String(first.prefix(7)), in: dir), first)
        XCTAssertThrowsError(try GitStore.resolve("nope", in: dir))
        XCTAssertEqual(try GitStore.log(in: dir, limit: 1).count, 1)
        if let (rc, out) = try? git(["log", "--format=%H %P"]), rc == 0 {
            XCTAssertEqual(out, "\(second) \(first)\n\(first) \n")
        }
    }

    func testStatusSeesModifiedDeletedStagedAndUntrackedButNotIgnored() throws {
        try GitStore.commitAll(in: dir, message: message)
        try write("print('changed')\n", "app.py")
        try FileManager.default.removeItem(at: dir.appendingPathComponent("templates/index.html"))
        try write("new\n", "static/app.js")
        try write("more junk", "__pycache__/x.pyc")
        let st = try GitStore.status(in: dir)
        XCTAssertEqual(st, [.init(path: "app.py", state: "modified"), .init(path: "static/app.js", state: "untracked"),
                            .init(path: "templates/index.html", state: "deleted")])
        if let (rc, out) = try? git(["status", "--porcelain", "-uall"]), rc == 0 {
            XCTAssertEqual(out.split(separator: "\n").sorted { $0.dropFirst(3) < $1.dropFirst(3) },
                           [" M app.py", "?? static/app.js", " D templates/index.html"])
        }
    }

    func testCommitOfChosenFilesLeavesOtherChangesUncommitted() throws {
        let first = try GitStore.commitAll(in: dir, message: message)
        try write("print('hand edit')\n", "app.py")                 // a person's uncommitted edit
        try write("<p>new</p>\n", "templates/index.html")          // what we commit
        let id = try GitStore.commit(files: ["templates/index.html": Data("<p>new</p>\n".utf8), "static/x.js": Data("1;\n".utf8)],
                                     in: dir, message: "regen\n\nDeepcoder-Kind: regen\n")
        try write("1;\n", "static/x.js")
        let c = try GitStore.commit("HEAD", in: dir)
        XCTAssertEqual(c.id, id)
        XCTAssertEqual(c.parents, [first])
        XCTAssertEqual(c.changedFiles, ["static/x.js", "templates/index.html"])
        XCTAssertEqual(try GitStore.blob("app.py", at: "HEAD", in: dir), Data("print('hi')\n".utf8), "the hand edit is not committed")
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("app.py"), encoding: .utf8), "print('hand edit')\n")
        XCTAssertEqual(try GitStore.status(in: dir), [.init(path: "app.py", state: "modified")])
        if let (rc, out) = try? git(["status", "--porcelain"]), rc == 0 {
            XCTAssertEqual(out, " M app.py\n", "git agrees: index updated for the committed files only")
        }
        // removing a file
        try FileManager.default.removeItem(at: dir.appendingPathComponent("static/x.js"))
        try GitStore.commit(files: ["static/x.js": nil], in: dir, message: "rm\n")
        XCTAssertEqual(try GitStore.files(at: "HEAD", in: dir), [".gitignore", "app.py", "templates/index.html"])
    }

    func testDiffIsAUnifiedPatchLikeGitDiff() throws {
        let first = try GitStore.commitAll(in: dir, message: message)
        try write("print('hi')\nprint('there')\n", "app.py")
        try GitStore.commitAll(in: dir, message: "more\n")
        let patch = try GitStore.diff(in: dir, from: first, to: "HEAD")
        XCTAssertTrue(patch.contains("diff --git a/app.py b/app.py"), patch)
        XCTAssertTrue(patch.contains("@@ -1 +1,2 @@\n print('hi')\n+print('there')\n"), patch)
        XCTAssertEqual(try GitStore.diff(in: dir, from: first, to: "HEAD", paths: ["templates/index.html"]), "")
        XCTAssertTrue(try GitStore.diff(in: dir, from: nil, to: first).contains("new file mode 100644"))
        try write("x\n", "app.py")
        let wt = try GitStore.diff(in: dir, from: "HEAD", to: nil)
        XCTAssertTrue(wt.contains("+x\n"), wt)
        if let (rc, out) = try? git(["diff", first, "HEAD"]), rc == 0 { XCTAssertEqual(patch, out) }
    }

    func testCommitTreeOfAnEarlierRevisionAndRefusalOverLocalEdits() throws {
        let first = try GitStore.commitAll(in: dir, message: message)
        try write("print('v2')\n", "app.py")
        try write("<p>v2</p>\n", "templates/index.html")
        try write("added\n", "static/a.js")
        try GitStore.commitAll(in: dir, message: "v2\n")
        // one path back
        try GitStore.commitTree(of: first, paths: ["app.py"], in: dir, message: "restore app.py\n")
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("app.py"), encoding: .utf8), "print('hi')\n")
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("templates/index.html"), encoding: .utf8), "<p>v2</p>\n")
        XCTAssertEqual(try GitStore.status(in: dir), [])
        // a local edit is never overwritten
        try write("<p>mine</p>\n", "templates/index.html")
        XCTAssertThrowsError(try GitStore.commitTree(of: first, in: dir, message: "undo\n"))
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("templates/index.html"), encoding: .utf8), "<p>mine</p>\n")
        try write("<p>v2</p>\n", "templates/index.html")
        // the whole tree back: the added file goes away
        try GitStore.commitTree(of: first, in: dir, message: "undo\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("static/a.js").path))
        XCTAssertEqual(try GitStore.files(at: "HEAD", in: dir), try GitStore.files(at: first, in: dir))
        XCTAssertEqual(try GitStore.status(in: dir), [])
        XCTAssertEqual(try GitStore.log(in: dir).count, 4)
    }
}
