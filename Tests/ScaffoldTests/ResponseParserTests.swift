import Foundation
import XCTest
@testable import Scaffold

final class ResponseParserTests: XCTestCase {
    var answersDir: URL { Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("answers") }

    /// Every `NAME__path__parts.txt` answer must parse to `NAME__path__parts.expected` (or fail when that says `!error`).
    func testAnswerCorpus() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: answersDir.path).filter { $0.hasSuffix(".txt") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 12, "the answer corpus is missing")
        for name in names {
            let stem = String(name.dropLast(4))
            let parts = stem.components(separatedBy: "__")
            let path = parts.dropFirst().joined(separator: "/")
            let answer = try String(contentsOf: answersDir.appendingPathComponent(name), encoding: .utf8)
            let expected = try String(contentsOf: answersDir.appendingPathComponent(stem + ".expected"), encoding: .utf8)
            if expected.trimmingCharacters(in: .whitespacesAndNewlines) == "!error" {
                XCTAssertThrowsError(try ResponseParser.extractFile(answer, path: path), "\(name) should be rejected")
                continue
            }
            do {
                let got = try ResponseParser.extractFile(answer, path: path)
                XCTAssertEqual(got, expected, "\(name) parsed wrongly")
            } catch {
                XCTFail("\(name): \(error)")
            }
        }
    }

    func testProseNeverLandsInPython() throws {
        let answer = try String(contentsOf: answersDir.appendingPathComponent("prose_wrapped__app.py.txt"), encoding: .utf8)
        let got = try ResponseParser.extractFile(answer, path: "app.py")
        XCTAssertFalse(got.contains("Sure!"))
        XCTAssertFalse(got.contains("Let me know"))
        XCTAssertTrue(got.hasPrefix("from flask import Flask"))
    }

    func testFencedBlocksCountsUnclosedBlock() {
        let blocks = ResponseParser.fencedBlocks("a\n```python\nx = 1\n```\ntext\n```js\nlet y = 2;\n")
        XCTAssertEqual(blocks.count, 2)
        XCTAssertEqual(blocks[0].info, "python")
        XCTAssertTrue(blocks[0].closed)
        XCTAssertFalse(blocks[1].closed)
        XCTAssertEqual(blocks[1].body, "let y = 2;\n")
    }

    func testPythonSyntaxCheckRejectsBrokenCode() {
        XCTAssertNil(FileGenerator.pythonSyntaxError("x = 1\n"))
        XCTAssertNotNil(FileGenerator.pythonSyntaxError("def f(:\n    pass\n"))
    }

    func testPlanJSONExtraction() {
        let answer = "Plan:\n```json\n{\"kind\": \"json-api\", \"files\": [{\"path\": \"app.py\", \"purpose\": \"a {brace} in a string\"}]}\n```\nDone."
        let json = PlanBuilder.extractJSONObject(answer)
        XCTAssertNotNil(json)
        XCTAssertTrue(json!.hasSuffix("]}"))
    }
}
