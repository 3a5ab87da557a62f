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

    let joinPlan = #"{"name": "Club", "kind": "wtforms", "port": 5000, "files": [{"path": "app.py", "purpose": "the app"}, {"path": "forms.py", "purpose": "the form"}, {"path": "templates/join.html", "purpose": "the form page"}, {"path": "templates/thanks.html", "purpose": "after joining"}], "routes": [{"method": "GET", "path": "/join", "purpose": "the form", "query": []}, {"method": "POST", "path": "/join", "purpose": "joins", "query": []}, {"method": "GET", "path": "/thanks", "purpose": "thanks", "query": []}], "forms": [{"class": "JoinForm", "fields": [{"name": "nickname", "type": "StringField", "label": "Nickname"}, {"name": "mail", "type": "EmailField", "label": "Mail"}]}], "params": [], "pages": [], "examples": [], "errors": [], "storage": "session"}"#

    /// A form app of several pages: the form posts to its own route, a stated redirect is asked for with
    /// its status, members kept in memory stay out of the session, which only remembers the value it is told to.
    func testAFormAppOfSeveralPagesIsGuidedByWhatItsDescriptionSays() throws {
        for description in [
            "A Flask-WTF club sign-up on port 5000: GET /join shows a form with nickname and mail. Members are kept in memory. A valid sign-up is saved and redirects (303) to /thanks, which shows \"Welcome, <nickname>\" (keep the nickname in the session).",
            "flask-wtf join form at /join (nickname, mail), port 5000, in-memory list of members; when it's submitted ok redirect to /thanks with code 303; remember the nickname in the session so /thanks can greet them",
        ] {
            let asked = try prompts(description, plan: joinPlan)
            let app = try XCTUnwrap(asked["app.py"], description)
            XCTAssertTrue(app.contains(#"return redirect("/thanks", code=303)"#), description)
            XCTAssertTrue(app.contains("Keep the records in memory"), description)
            XCTAssertTrue(app.contains("Only what the description says to remember in the session"), description)
            XCTAssertFalse(app.contains(#"items = session.get("items", [])"#), "the records are not the session's: \(description)")
            let page = try XCTUnwrap(asked["templates/join.html"])
            XCTAssertTrue(page.contains(#"<form method="post" action="/join">"#), description + "\n" + page.suffix(1500))
        }
    }

    /// Records a list route shows with the keys the description writes are stored with all those keys
    /// (a model stored only the name and answered a made-up address for the other key).
    func testStoredRecordsKeepTheKeysTheirListShows() throws {
        let plan = joinPlan.replacingOccurrences(of: #"{"method": "GET", "path": "/thanks", "purpose": "thanks", "query": []}"#,
                                                 with: #"{"method": "GET", "path": "/thanks", "purpose": "thanks", "query": []}, {"method": "GET", "path": "/api/members", "purpose": "the list", "query": []}"#)
        for description in [
            "A Flask-WTF club sign-up on port 5000: GET /join shows a form with nickname and mail. Members are kept in memory. A valid sign-up redirects to /thanks. GET /api/members returns a JSON list of the members, each {\"nickname\": ..., \"mail\": ...}.",
            "flask-wtf join form at /join (nickname, mail), port 5000, in-memory list of members, redirect to /thanks after. also GET /api/members -> json list like [{\"nickname\": \"x\", \"mail\": \"y\"}]",
        ] {
            let app = try XCTUnwrap(try prompts(description, plan: plan)["app.py"], description)
            XCTAssertTrue(app.contains(#"Store each record with all the keys GET /api/members shows ("nickname", "mail")"#), description + "\n" + app.suffix(2500))
        }
        // no list route, no such line
        let app = try XCTUnwrap(try prompts("A Flask-WTF club sign-up on port 5000: GET /join shows a form with nickname and mail. Members are kept in memory.", plan: joinPlan)["app.py"])
        XCTAssertFalse(app.contains("Store each record with all the keys"))
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
