import Foundation
import XCTest
@testable import Scaffold

/// Templates/tools/fix_imports.py through `ImportFixer`: imports are added only for names a file reads,
/// binds nowhere and that come from a known library; every other line stays as it was. Run with
/// python3 (the script's own lists when flask/wtforms are not installed for it).
final class ImportFixerTests: XCTestCase {
    var script: URL { get throws { try TemplateRenderer().url(for: "tools/fix_imports.py") } }

    func fix(_ source: String, python: String = "python3") throws -> ImportFixer.Output {
        try ImportFixer.run(source, python: python, script: script)
    }

    func testValidatorsAreAddedToTheExistingImportLine() throws {
        let src = """
        from flask_wtf import FlaskForm
        from wtforms import StringField, SubmitField
        from wtforms.validators import DataRequired


        class ContactForm(FlaskForm):
            name = StringField("Name", validators=[DataRequired(), Length(min=2, max=50)])
            email = StringField("Email", validators=[DataRequired(), Email()])
            submit = SubmitField("Send")

        """
        let out = try fix(src)
        XCTAssertEqual(out.added, ["from wtforms.validators import Length", "from wtforms.validators import Email"])
        XCTAssertEqual(out.source, src.replacingOccurrences(of: "from wtforms.validators import DataRequired\n",
                                                            with: "from wtforms.validators import DataRequired, Length, Email\n"))
        XCTAssertEqual(out.unknown, [])
        // through the public API too
        let fixed = try ImportFixer.fix(src, script: script)
        XCTAssertEqual(fixed.source.components(separatedBy: "\n")[2], "from wtforms.validators import DataRequired, Length, Email")
    }

    func testFlaskNameAndWholeModulesGetImports() throws {
        let src = """
        from flask import Flask, request

        app = Flask(__name__)


        @app.route("/area")
        def area():
            r = float(request.args.get("radius", 0))
            return jsonify({"area": math.pi * r * r, "day": datetime.date.today().isoformat()})
        """
        let out = try fix(src)
        XCTAssertEqual(out.added, ["from flask import jsonify", "import math", "import datetime"])
        XCTAssertEqual(Array(out.source.components(separatedBy: "\n").prefix(5)),
                       ["from flask import Flask, request, jsonify", "import math", "import datetime", "", "app = Flask(__name__)"])
        XCTAssertEqual(Array(out.source.components(separatedBy: "\n").dropFirst(3)), Array(src.components(separatedBy: "\n").dropFirst(1)),
                       "no other line changes")
    }

    func testNewImportGoesAfterTheDocstringWhenThereIsNoImport() throws {
        let out = try fix("\"\"\"Numbers.\"\"\"\nx = json.dumps([1])\n")
        XCTAssertEqual(out.source, "\"\"\"Numbers.\"\"\"\nimport json\nx = json.dumps([1])\n")
        XCTAssertEqual(out.added, ["import json"])
    }

    func testParenthesisedImportGetsOneNameALine() throws {
        let src = """
        from wtforms.validators import (
            DataRequired,
            Email
        )
        from wtforms import (StringField,
                             SubmitField)

        fields = [StringField(validators=[DataRequired(), Email(), NumberRange(min=0)]), IntegerField(), SubmitField()]
        """
        let out = try fix(src)
        XCTAssertEqual(out.added, ["from wtforms.validators import NumberRange", "from wtforms import IntegerField"])
        XCTAssertEqual(out.source.components(separatedBy: "\n"), [
            "from wtforms.validators import (",
            "    DataRequired,",
            "    Email,",
            "    NumberRange,",
            ")",
            "from wtforms import (StringField,",
            "                     SubmitField, IntegerField)",
            "",
            "fields = [StringField(validators=[DataRequired(), Email(), NumberRange(min=0)]), IntegerField(), SubmitField()]",
        ])
    }

    func testBoundNamesAreNotImported() throws {
        let src = """
        from flask import Flask

        app = Flask(__name__)


        def total(values, *request, session=None, **g):
            for time in values:
                print(time, request, session, g)
            json = {}
            json["n"] = len(values)
            random: int = 4
            with open("x") as csv:
                pass
            try:
                pass
            except ValueError as string:
                print(string)
            squares = [math for math in values]
            if (uuid := 3):
                pass
            return json, random, csv, squares, uuid, lambda abort: abort
        """
        let out = try fix(src)
        XCTAssertEqual(out.added, [])
        XCTAssertEqual(out.unknown, [])
        XCTAssertEqual(out.source, src)
    }

    func testUnknownNameIsReportedNotImported() throws {
        let src = "import math\n\nprint(math.tau, compute_area(2), jsonify)\n"
        let out = try fix(src)
        XCTAssertEqual(out.unknown, ["compute_area"])
        XCTAssertEqual(out.added, ["from flask import jsonify"])
        XCTAssertEqual(out.source, "import math\nfrom flask import jsonify\n\nprint(math.tau, compute_area(2), jsonify)\n")
    }

    func testOptionalAsATypeIsNotTakenFromWTForms() throws {
        let out = try fix("def f(x: Optional[int] = None):\n    return x\n")
        XCTAssertEqual(out.added, [])
        XCTAssertEqual(out.unknown, ["Optional"])
    }

    /// `total = sum(values)` is fine; `sum = sum(values)` makes `sum` local to the whole function and raises
    /// UnboundLocalError. Such a local is renamed in its function; calls keep the builtin, other functions
    /// and strings are untouched, and the fixed function runs.
    func testALocalHidingABuiltinItsFunctionCallsIsRenamed() throws {
        let src = """
        def describe(values):
            max = max(values)
            min = min(values)
            spread = max - min
            above = [v for v in values if v > min]
            return {"max": max, "min": min, "spread": spread, "above": len(above), "biggest": max([1, 2])}


        def untouched(rows):
            list = [r for r in rows]
            return list

        """
        let out = try ImportFixer.run(src, python: "python3", script: script, renameOnly: true)
        XCTAssertEqual(out.source, """
        def describe(values):
            max_value = max(values)
            min_value = min(values)
            spread = max_value - min_value
            above = [v for v in values if v > min_value]
            return {"max": max_value, "min": min_value, "spread": spread, "above": len(above), "biggest": max([1, 2])}


        def untouched(rows):
            list = [r for r in rows]
            return list

        """)
        XCTAssertEqual(out.added.count, 2, "\(out.added)")
        XCTAssertTrue(out.added.allSatisfy { $0.contains("in describe()") }, "\(out.added)")
        // the fixed function runs, the original does not
        for (source, expected) in [(src, "UnboundLocalError"), (out.source, "{'max': 9, 'min': 2, 'spread': 7, 'above': 2, 'biggest': 2}")] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", "-c", source + "\ntry:\n    print(describe([2, 9, 4]))\nexcept UnboundLocalError:\n    print('UnboundLocalError')\n"]
            let pipe = Pipe(); p.standardOutput = pipe
            try p.run(); p.waitUntilExit()
            XCTAssertEqual(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), expected)
        }
        // a local assigned first and then called is the one meant; an annotation or a default is outside the body
        let meant = "def pick(xs: list, n=max(1, 2)):\n    sorted = make_sorter()\n    return sorted(xs)\n"
        XCTAssertEqual(try ImportFixer.run(meant, python: "python3", script: script, renameOnly: true).source, meant)
        XCTAssertEqual(try ImportFixer.run("def f(xs: list):\n    list = list(xs)\n    return list\n", python: "python3", script: script, renameOnly: true).source,
                       "def f(xs: list):\n    list_value = list(xs)\n    return list_value\n")
        // the whole-file fix renames too, before the imports
        XCTAssertEqual(try fix("def f(xs):\n    sum = sum(xs)\n    return jsonify(sum)\n").source,
                       "from flask import jsonify\ndef f(xs):\n    sum_value = sum(xs)\n    return jsonify(sum_value)\n")
    }

    func testFileWithASyntaxErrorComesBackUnchanged() throws {
        let src = "from flask import Flask\n\ndef index(:\n    return jsonify({})\n"
        let out = try fix(src)
        XCTAssertEqual(out.source, src)
        XCTAssertEqual(out.added, [])
    }

    /// The venv's python reads the names from the installed flask and wtforms; same answer.
    func testVenvPythonGivesTheSameImports() throws {
        let env = PythonEnvironment()
        guard env.isReady else { throw XCTSkip("no ready venv at \(env.venv.path)") }
        let src = "from wtforms.validators import DataRequired\n\nv = [DataRequired(), Length(max=3), EqualTo('a')]\nf = TextAreaField()\n"
        let out = try fix(src, python: env.python)
        XCTAssertEqual(out.added, ["from wtforms.validators import Length", "from wtforms.validators import EqualTo", "from wtforms import TextAreaField"])
        XCTAssertEqual(out.source, "from wtforms.validators import DataRequired, Length, EqualTo\nfrom wtforms import TextAreaField\n\nv = [DataRequired(), Length(max=3), EqualTo('a')]\nf = TextAreaField()\n")
    }
}
