import Foundation
import GitTestSupport
import XCTest
@testable import GitStore

/// `GitStore.export` on trees a hostile repository could hold: every entry name goes through the path
/// check before anything is written, and nothing is ever written outside the destination.
final class ExportSafetyTests: XCTestCase {
    var outer: URL!
    var repo: URL { outer.appendingPathComponent("repo") }
    var destination: URL { outer.appendingPathComponent("dest") }
    var outside: URL { outer.appendingPathComponent("outside") }

    override func setUpWithError() throws {
        outer = FileManager.default.temporaryDirectory.appendingPathComponent("dc-export-\(UUID().uuidString)")
        for d in [repo, destination, outside] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        try "print('hi')\n".write(to: repo.appendingPathComponent("app.py"), atomically: true, encoding: .utf8)
        try GitStore.commitAll(in: repo, message: "first\n")
    }

    override func tearDown() { try? FileManager.default.removeItem(at: outer) }

    /// Everything below `outer` except the repository, sorted.
    func writtenOutsideTheRepository() -> [String] {
        let e = FileManager.default.enumerator(atPath: outer.path)
        var out: [String] = []
        while let p = e?.nextObject() as? String {
            if !(p == "repo" || p.hasPrefix("repo/")) { out.append(p) }
        }
        return out.sorted()
    }

    func assertRefused(_ entries: [(String, HostileTrees.Node)], naming name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try HostileTrees.commit(adding: entries, in: repo, message: "hostile\n")
        XCTAssertThrowsError(try GitStore.export("HEAD", from: repo, to: destination), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(name), "the error names the entry \(name): \(text)", file: file, line: line)
            XCTAssertFalse(text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || $0.value == 0x7f },
                           "no raw control characters in the error: \(text.debugDescription)", file: file, line: line)
        }
        XCTAssertEqual(writtenOutsideTheRepository(), ["dest", "outside"], "nothing is written, inside or outside", file: file, line: line)
    }

    func testDotDotDirectoryIsRefused() throws {
        try assertRefused([("..", .directory([("escaped.txt", .file("written outside\n"))]))], naming: "../escaped.txt")
    }

    func testNameWithASlashAndDotDotIsRefused() throws {
        try assertRefused([("../escaped.txt", .file("written outside\n"))], naming: "../escaped.txt")
    }

    func testDotGitIsRefused() throws {
        try assertRefused([(".git", .directory([("config", .file("[core]\n\tbare = true\n"))]))], naming: ".git/config")
    }

    func testDotGitInCapitalsIsRefused() throws {
        try assertRefused([(".GIT", .directory([("hooks", .directory([("pre-commit", .file("#!/bin/sh\n"))]))]))], naming: ".GIT/hooks/pre-commit")
    }

    func testDotGitBelowTheTopIsRefused() throws {
        try assertRefused([("sub", .directory([(".Git", .directory([("config", .file("x\n"))]))]))], naming: "sub/.Git/config")
    }

    func testEscapeSequenceInANameIsRefusedAndShownEscaped() throws {
        try assertRefused([("evil\u{1B}[2J.py", .file("x = 1\n"))], naming: #"evil\u{1B}[2J.py"#)
    }

    func testNewlineInANameIsRefusedAndShownEscaped() throws {
        try assertRefused([("two\nlines.py", .file("x = 1\n"))], naming: #"two\nlines.py"#)
    }

    func testDeleteCharacterInANameIsRefused() throws {
        try assertRefused([("rub\u{7F}out.py", .file("x = 1\n"))], naming: #"rub\u{7F}out.py"#)
    }

    func testAFileBeneathASymlinkOfTheTreeIsRefused() throws {
        try assertRefused([("a", .symlink(outside.path)), ("a", .directory([("x", .file("through the link\n"))]))], naming: "a/x")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside.path), [])
    }

    func testAnOrdinaryTreeIsStillExported() throws {
        try HostileTrees.commit(adding: [("templates", .directory([("index.html", .file("<p>hi</p>\n"))]))], in: repo, message: "more\n")
        try GitStore.export("HEAD", from: repo, to: destination)
        XCTAssertEqual(try String(contentsOf: destination.appendingPathComponent("templates/index.html"), encoding: .utf8), "<p>hi</p>\n")
        XCTAssertEqual(try String(contentsOf: destination.appendingPathComponent("app.py"), encoding: .utf8), "print('hi')\n")
    }
}
