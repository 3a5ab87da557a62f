import Foundation
import GitStore
import GitTestSupport
import XCTest
@testable import Scaffold

/// regen and reproduce on a project whose history or records were tampered with: trees with entries that
/// leave the scratch copy, a file beneath a symbolic link of the tree, a plan or contract naming paths
/// outside the project. Each is refused with exit 2 before the model is asked, and nothing is written.
final class HostileProjectTests: XCTestCase {
    var work: URL!
    var project: URL { work.appendingPathComponent("project") }
    var cube: URL { Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("apps/cube_api") }
    /// A file name no other test uses, for a file a hostile tree would put into the temp directory.
    var escapeName: String!
    var escaped: URL { FileManager.default.temporaryDirectory.appendingPathComponent(escapeName) }

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("dc-hostile-\(UUID().uuidString)")
        escapeName = "dc-escaped-\(UUID().uuidString).txt"
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let spec = try String(contentsOf: cube.appendingPathComponent("spec.txt"), encoding: .utf8)
        let opts = NewOptions(description: spec.trimmingCharacters(in: .whitespacesAndNewlines), outputDirectory: project,
                              verify: false, workingDirectory: work)
        _ = try Pipeline(generator: ScriptedGenerator.fromDirectory(cube, strict: true), options: opts).run()
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: work)
        try? FileManager.default.removeItem(at: escaped)
    }

    func generator() -> ScriptedGenerator {
        let base = ScriptedGenerator.fromDirectory(cube, strict: true)
        return ScriptedGenerator { req, _ in try base.generate(req, onToken: { _ in }).text }
    }

    var options: RegenOptions { RegenOptions(files: ["app.py"], instruction: "Round the volume.", verify: false) }

    func assertRefused(_ body: () throws -> Void, naming names: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertEqual((error as? ScaffoldError)?.exitCode, 2, "\(error)", file: file, line: line)
            for name in names { XCTAssertTrue("\(error)".contains(name), "the error names \(name): \(error)", file: file, line: line) }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: escaped.path), "a file was written outside the scratch directory", file: file, line: line)
    }

    // MARK: trees

    func testRegenForceRefusesATreeThatLeavesTheScratchCopy() throws {
        let hostile = try HostileTrees.commit(adding: [("..", .directory([(escapeName, .file("written outside\n"))]))], in: project)
        let gen = generator()
        assertRefused({ _ = try ProjectHistory.regen(project, generator: gen, options: options, dirty: .force) }, naming: ["../\(escapeName!)"])
        XCTAssertTrue(gen.requests.isEmpty, "refused before the model is asked")
        XCTAssertEqual(try GitStore.resolve("HEAD", in: project), hostile, "no commit was made")
    }

    func testRegenRefusesAFileBeneathASymlinkOfTheTree() throws {
        let outside = work.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try HostileTrees.commit(adding: [("static", .symlink(outside.path)), ("static", .directory([("app.js", .file("// through the link\n"))]))],
                                in: project)
        assertRefused({ _ = try ProjectHistory.regen(project, generator: generator(), options: options, dirty: .force) },
                      naming: ["static/app.js", "symbolic link"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside.path), [])
    }

    func testReproduceRefusesATreeThatLeavesTheScratchCopy() throws {
        try HostileTrees.commit(adding: [("..", .directory([("..", .directory([(escapeName, .file("written outside\n"))]))]))], in: project)
        let recorded = try RecordedGeneration(try XCTUnwrap(ProjectHistory.lastGeneration(project)))
        XCTAssertEqual(recorded.entry.kind, "new")
        let gen = generator()
        assertRefused({ _ = try Reproducer.run(project, recorded: recorded, generator: gen) }, naming: ["../../\(escapeName!)"])
        XCTAssertTrue(gen.requests.isEmpty)
    }

    // MARK: records

    func commitRecord(_ path: String, _ edit: (inout [String: Any]) -> Void) throws {
        let url = project.appendingPathComponent(path)
        var obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&obj)
        try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys]).write(to: url)
        try GitStore.commitAll(in: project, message: "edit \(path)\n")
    }

    func testPlanNamingAFileOutsideTheProjectIsRefused() throws {
        for bad in ["../../../../etc/os-release", "/etc/os-release", ".git/config", "templates/\u{1B}]0;x\u{7}.html"] {
            try commitRecord(".deepcoder/plan.json") { plan in
                var files = plan["files"] as? [[String: Any]] ?? []
                files.removeAll { ($0["path"] as? String)?.hasPrefix("app.py") == false }
                files.append(["path": bad, "purpose": "read this"])
                plan["files"] = files
            }
            let head = try GitStore.resolve("HEAD", in: project)
            let gen = generator()
            assertRefused({ _ = try ProjectHistory.regen(project, generator: gen, options: options) },
                          naming: [".deepcoder/plan.json", TestEscape.shown(bad)])
            XCTAssertTrue(gen.requests.isEmpty, "\(bad): nothing of it went into a prompt")
            XCTAssertEqual(try GitStore.resolve("HEAD", in: project), head, "\(bad): nothing was committed")
        }
    }

    func testContractWithARouteOutsideTheAppIsRefused() throws {
        try commitRecord(".deepcoder/contract.json") { contract in
            contract["pages"] = [["path": "/../../x\u{1B}[2J", "elements": [], "links": [], "origin": "model"]]
        }
        assertRefused({ _ = try ProjectHistory.regen(project, generator: generator(), options: options) },
                      naming: [".deepcoder/contract.json", #"/../../x\u{1B}[2J"#])
    }
}

/// How a refused name appears in an error: control characters as `\u{..}` escapes, `\n` and `\t` as such.
enum TestEscape {
    static func shown(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 || (0x7f...0x9f).contains(u.value) { out += "\\u{" + String(u.value, radix: 16, uppercase: true) + "}" }
                else { out.unicodeScalars.append(u) }
            }
        }
        return out
    }
}
