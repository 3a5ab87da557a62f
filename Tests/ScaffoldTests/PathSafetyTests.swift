import Foundation
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
