import Foundation
import InputSafety
import XCTest
@testable import Scaffold

final class PathSafetyTests: XCTestCase {
    func testRejectsEscapingNames() {
        for bad in ["/etc/passwd", "../app.py", "templates/../../x.html", "a/../b", "", "templates//index.html", "~/x.py",
                    "./app.py", ".git/config", "C:\\app.py", "templates\\index.html", "x\0y"] {
            XCTAssertFalse(PathSafety.isSafeRelativePath(bad), "\(bad) must be refused")
        }
        for good in ["app.py", "templates/index.html", "static/app.js", "tests/test_app.py", ".deepcoder/plan.json"] {
            XCTAssertTrue(PathSafety.isSafeRelativePath(good), "\(good) must be allowed")
        }
    }

    func testRejectsDotGitAnywhereAndControlCharacters() {
        for bad in [".GIT/config", "sub/.git/config", "sub/.Git", ".git", ".git./config", ".git /hooks/x", "GIT~1/config",
                    ".g\u{200C}it/config", "a\u{1B}[2J.py", "two\nlines.py", "tab\there.py", "bell\u{7}.py", "rub\u{7F}out.py",
                    "c1\u{9B}31m.py", "a..b.py"] {
            XCTAssertFalse(PathSafety.isSafeRelativePath(bad), "\(bad.debugDescription) must be refused")
            XCTAssertThrowsError(try PathSafety.resolve(bad, in: URL(fileURLWithPath: "/tmp"))) { e in
                XCTAssertFalse("\(e)".unicodeScalars.contains(where: TerminalText.isControl), "the error shows the name escaped: \("\(e)".debugDescription)")
            }
        }
        for good in [".gitignore", "static/.github.css", "templates/git.html", "über/café.html"] {
            XCTAssertTrue(PathSafety.isSafeRelativePath(good), "\(good) must be allowed")
        }
    }

    func testEscapedShowsControlCharactersAsEscapes() {
        XCTAssertEqual(TerminalText.escaped("a\u{1B}[2Jb\nc\td\r\u{7F}\u{9B}\u{202E}é"), #"a\u{1B}[2Jb\nc\td\r\u{7F}\u{9B}\u{202E}é"#)
        XCTAssertEqual(TerminalText.escapedLines("one\u{7}\ntwo\tthree"), "one\\u{7}\ntwo\tthree")
        XCTAssertEqual(TerminalText.escapedJSON("{\"a\": \"x\u{9B}y\"}"), #"{"a": "x\u009by"}"#)
    }

    func testResolveRefusesALinkOutOfTheRootAtAnyDepth() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dc-paths-\(UUID().uuidString)")
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("dc-outside-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("static/inner"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root); try? FileManager.default.removeItem(at: outside) }
        // a link at the last component (a write would follow it), deeper down, and a dangling one
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("app.py"), withDestinationURL: outside.appendingPathComponent("app.py"))
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("static/inner/out"), withDestinationURL: outside)
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("nowhere"), withDestinationURL: outside.appendingPathComponent("missing/dir"))
        try Data().write(to: outside.appendingPathComponent("app.py"))
        for bad in ["app.py", "static/inner/out/x.js", "nowhere/x.html"] {
            XCTAssertThrowsError(try PathSafety.resolve(bad, in: root), bad)
        }
        // a link that stays inside is followed
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("templates"), withDestinationURL: root.appendingPathComponent("static"))
        XCTAssertNoThrow(try PathSafety.resolve("templates/inner/index.html", in: root))
        XCTAssertNoThrow(try PathSafety.resolve("new/dir/file.py", in: root))
    }

    func testResolveStaysInsideRootAlsoThroughSymlinks() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dc-paths-\(UUID().uuidString)")
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("dc-outside-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root); try? FileManager.default.removeItem(at: outside) }
        XCTAssertEqual(try PathSafety.resolve("templates/index.html", in: root).path, root.appendingPathComponent("templates/index.html").standardizedFileURL.path)
        XCTAssertThrowsError(try PathSafety.resolve("../x", in: root))
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("static"), withDestinationURL: outside)
        XCTAssertThrowsError(try PathSafety.resolve("static/app.js", in: root), "a symlink leading out of the project must be refused")
    }

    func testPlannedNamesAreRestricted() {
        for ok in ["app.py", "forms.py", "templates/index.html", "static/app.js", "static/style.css"] {
            XCTAssertTrue(PlanBuilder.isAllowedPlannedPath(ok), ok)
        }
        for bad in ["main.py", "templates/index.py", "static/x.html", "templates/sub/x.html", "../app.py", "/app.py",
                    "static/../app.py", "requirements.txt", ".deepcoder/plan.json", "templates/.html"] {
            XCTAssertFalse(PlanBuilder.isAllowedPlannedPath(bad), bad)
        }
    }
}
