import Foundation
import XCTest
@testable import Scaffold

final class TemplateTests: XCTestCase {
    func testBuiltinTemplatesExist() {
        let r = TemplateRenderer()
        for name in ["prompts/system.mustache", "prompts/plan.mustache", "prompts/file.mustache", "prompts/repair.mustache",
                     "skeleton/requirements.txt.mustache", "skeleton/tests/test_app.py.mustache", "tools/verify_app.py",
                     "prompts/guides/wtforms/html.mustache"] {
            XCTAssertTrue(r.exists(name), name)
        }
    }

    func testJinjaSurvivesRendering() throws {
        let r = TemplateRenderer()
        let guide = try r.render("prompts/guides/wtforms/html.mustache", ["port": 5000])
        XCTAssertTrue(guide.contains("{{ form.hidden_tag() }}"), guide)
        XCTAssertTrue(guide.contains("{% for error in form.FIELD.errors %}"), guide)
        XCTAssertTrue(guide.contains("{% if result %}"), guide)
        // and Jinja inside values is neither interpreted nor HTML-escaped
        let file = try r.render("prompts/file.mustache", [
            "projectName": "X", "description": "Show <b>{{ name }}</b> & more", "pinned": "- none", "kind": "wtforms",
            "files": [["path": "templates/index.html", "purpose": "page"]], "routes": [] as [Any], "hasForms": false,
            "hasWritten": true, "written": [["path": "templates/base.html", "lang": "html", "content": "<p>{{ title }}</p>{% block body %}{% endblock %}"]],
            "target": "templates/index.html", "targetPurpose": "page", "targetLang": "html", "guide": "- rules",
        ])
        XCTAssertTrue(file.contains("Show <b>{{ name }}</b> & more"), file)
        XCTAssertTrue(file.contains("<p>{{ title }}</p>{% block body %}{% endblock %}"), file)
        XCTAssertTrue(file.contains("Now write the complete file `templates/index.html`"))
        XCTAssertFalse(file.contains("&lt;"))
    }

    func testPortIsRenderedIntoGuides() throws {
        let g = try TemplateRenderer().render("prompts/guides/json-api/app.py.mustache", ["port": 5003])
        XCTAssertTrue(g.contains("port=5003"), g)
    }

    func testOverrideDirectoryWinsFileByFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dc-tpl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("prompts"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "{{=<% %>=}}<%% CONTENT_TYPE: TEXT %>custom system {{ keep }} <% x %>".write(to: dir.appendingPathComponent("prompts/system.mustache"), atomically: true, encoding: .utf8)
        let r = TemplateRenderer(overrideDirectory: dir)
        XCTAssertEqual(try r.render("prompts/system.mustache", ["x": "<y>"]), "custom system {{ keep }} <y>")
        XCTAssertTrue(try r.render("prompts/plan.mustache", ["description": "d", "pinned": "p"]).contains("\"kind\""), "falls back to the built-in")
    }

    func testBrokenTemplateIsAnError() {
        XCTAssertThrowsError(try TemplateRenderer.render(string: "{{#open}} never closed", [:]))
    }
}
