import Foundation
import XCTest
@testable import Scaffold

/// The guides in the file prompts follow the contract: pages computed in the browser only when the
/// description asks for JavaScript, server-rendered pages otherwise, and the storage the description
/// names (SQLite, the session) instead of module-level lists.
final class GuideTests: XCTestCase {
    var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("dc-guides-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: work) }

    /// The prompt each file was asked with, by path, for `description` and a plan answer.
    private func prompts(_ description: String, plan: String) throws -> [String: String] {
        let gen = ScriptedGenerator { req, _ in
            switch ScriptedGenerator.requestedFile(in: req) {
            case nil: return plan
            case let path? where path.hasSuffix(".html"): return "```html\n<!DOCTYPE html>\n<html><body><h1>Hi</h1></body></html>\n```"
            default: return "```python\nfrom flask import Flask\napp = Flask(__name__)\n```"
            }
        }
        let options = NewOptions(description: description, outputDirectory: work.appendingPathComponent(UUID().uuidString),
                                 maxRepairs: 0, verify: false, workingDirectory: work)
        _ = try Pipeline(generator: gen, options: options, progress: { _ in }).run()
        var out: [String: String] = [:]
        for r in gen.requests {
            if let path = ScriptedGenerator.requestedFile(in: r) { out[path] = r.messages.map(\.content).joined(separator: "\n") }
        }
        return out
    }

    let apiPlan = #"{"name": "Bookmarks", "kind": "json-api", "port": 5000, "files": [{"path": "app.py", "purpose": "the API"}], "routes": [{"method": "GET", "path": "/marks", "purpose": "lists them", "query": []}], "forms": [], "params": [], "pages": [], "examples": [], "errors": [], "storage": "sqlite"}"#

    func testSQLiteNamedByTheDescriptionGuidesAppPy() throws {
        for (description, file) in [("A JSON API keeping my bookmarks in SQLite; GET /marks lists them.", "app.db"),
                                    ("json api: GET /marks gives back every bookmark, saved in marks.db", "marks.db")] {
            let app = try XCTUnwrap(try prompts(description, plan: apiPlan)["app.py"], description)
            XCTAssertTrue(app.contains("sqlite3.connect(DB_PATH)") && app.contains("\"\(file)\""), description)
            XCTAssertTrue(app.contains("CREATE TABLE IF NOT EXISTS"), description)
            XCTAssertFalse(app.contains("Keep in-memory data"), description)
        }
    }

    func testNoStorageNamedMeansMemoryEvenWhenTheModelSaysSQLite() throws {
        let app = try XCTUnwrap(try prompts("A JSON API where GET /marks lists my bookmarks.", plan: apiPlan)["app.py"])
        XCTAssertFalse(app.contains("sqlite3"))
        XCTAssertTrue(app.contains("Keep in-memory data"))
    }

    func testSessionNamedByTheDescriptionGuidesAppPy() throws {
        let app = try XCTUnwrap(try prompts("an api where GET /marks lists the bookmarks of this visitor's session", plan: apiPlan)["app.py"])
        XCTAssertTrue(app.contains("Flask's `session`") && app.contains("app.secret_key"))
        XCTAssertFalse(app.contains("sqlite3"))
    }

    let pagesPlan = #"{"name": "Word finder", "kind": "jinja-pages", "port": 5000, "files": [{"path": "app.py", "purpose": "the app"}, {"path": "templates/index.html", "purpose": "the page"}], "routes": [{"method": "GET", "path": "/", "purpose": "the page", "query": []}], "forms": [], "params": [], "pages": [], "examples": [], "errors": [], "storage": "none"}"#

    func testPagesWithoutJavaScriptAreRenderedOnTheServer() throws {
        for description in ["A Flask site with one page (templates) where a list of words can be filtered by typing part of a word.",
                            "flask app w/ jinja templates: a page showing my words, filter box at the top"] {
            let page = try XCTUnwrap(try prompts(description, plan: pagesPlan)["templates/index.html"], description)
            XCTAssertTrue(page.contains("<form method=\"get\""), description)
            XCTAssertFalse(page.contains("calculates in the browser"), description)
        }
    }

    func testPagesWithJavaScriptComputeInTheBrowser() throws {
        let page = try XCTUnwrap(try prompts("A Flask site with one page (templates) where JavaScript filters a list of words as you type.",
                                             plan: pagesPlan)["templates/index.html"])
        XCTAssertTrue(page.contains("calculates in the browser"))
        XCTAssertFalse(page.contains("<form method=\"get\""))
    }
}
