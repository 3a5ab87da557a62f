import Foundation
import XCTest
@testable import Scaffold

/// The Swift side's check names are the harness's: every name verification asks verify_app.py to run
/// is a key of its CHECKS registry, and the registry has no check verification never runs.
final class CheckNameTests: XCTestCase {
    func testCheckNamesAreTheHarnessRegistrysKeys() throws {
        let harness = try String(contentsOf: TemplateRenderer().url(for: "tools/verify_app.py"), encoding: .utf8)
        let start = try XCTUnwrap(harness.range(of: "CHECKS = {"), "verify_app.py has no CHECKS registry")
        let end = try XCTUnwrap(harness.range(of: "}", range: start.upperBound..<harness.endIndex))
        let registry = String(harness[start.upperBound..<end.lowerBound])
        let keys = registry.matches(of: #/"(\w+)"\s*:/#).map { String($0.output.1) }
        XCTAssertEqual(keys, CheckName.harness.map(\.rawValue), "CheckName.harness and verify_app.py's CHECKS must list the same checks in the same order")
        XCTAssertEqual(CheckName.run.last, .tests)
        XCTAssertFalse(CheckName.run.contains(.environment))
    }

    func testEveryCheckRunsAfterTheChecksThatBlockIt() {
        for (i, name) in CheckName.run.enumerated() {
            for b in name.blockedBy {
                let j = CheckName.run.firstIndex(of: b)
                XCTAssertNotNil(j, "\(name) is blocked by \(b), which never runs")
                XCTAssertLessThan(j ?? .max, i, "\(name) runs before \(b), which blocks it")
            }
        }
    }

    func testStatusesAndNamesKeepTheirRecordedSpelling() throws {
        let r = CheckResult(name: .import, status: .skipped, summary: "", failures: [], seconds: 0)
        let json = String(decoding: try JSONEncoder().encode(r), as: UTF8.self)
        XCTAssertTrue(json.contains(#""name":"import""#), json)
        XCTAssertTrue(json.contains(#""status":"skipped""#), json)
        let back = try JSONDecoder().decode(CheckResult.self, from: Data(#"{"name":"tests","status":"failed","summary":"","failures":[],"seconds":1}"#.utf8))
        XCTAssertEqual(back.name, .tests)
        XCTAssertEqual(back.status, .failed)
    }
}
