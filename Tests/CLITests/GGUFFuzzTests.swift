import Foundation
import GGUFTestSupport
import XCTest

/// Corrupted model files must never crash `deepcoder`: each one either works or is refused with exit 3
/// and a one-line `error:` message. The default run is 500 cases (well under a minute on 2 cores); set
/// DEEPCODER_FUZZ_CASES for a longer one (scripts/fuzz_gguf.sh runs 10,000). See GGUFFuzzHarness for the
/// other settings (seed, jobs, timeout, rerunning single cases, keeping failing files).
final class GGUFFuzzTests: XCTestCase {
    var binary: URL { CLITests.binary }

    func writeTemporary(_ bytes: [UInt8], _ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dc-\(UUID().uuidString)-\(name).gguf")
        try Data(bytes).write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// The intact files the fuzz cases start from load, tokenize and generate: otherwise every case would
    /// be refused and the fuzz run would prove nothing.
    func testIntactTinyModelsTokenizeAndGenerate() throws {
        for (i, bytes) in GGUFCorruptor(seed: 0).intactFiles.enumerated() {
            let url = try writeTemporary(bytes, "intact-\(i)")
            for command in GGUFFuzzHarness.commands {
                let r = try ChildProcess.run(binary, command.arguments(url.path), environment: ProcessInfo.processInfo.environment,
                                             timeout: 60)
                XCTAssertEqual(r.ending, .exited(0), "intact model \(i), \(command.name): \(r.stderr)")
            }
        }
    }

    /// The harness tells a crash from a refusal: a file the loader rejects is refused, and a child
    /// killed by a signal is a crash.
    func testHarnessVerdicts() throws {
        let url = try writeTemporary(Array("GGUF\u{3}\0\0\0garbage".utf8), "garbage")
        let refused = try ChildProcess.run(binary, GGUFFuzzHarness.commands[1].arguments(url.path),
                                           environment: ProcessInfo.processInfo.environment, timeout: 60)
        XCTAssertEqual(GGUFFuzzHarness.verdict(refused), .refused, refused.stderr)
        let crashed = try ChildProcess.run(URL(fileURLWithPath: "/bin/sh"), ["-c", "kill -ILL $$"], environment: [:], timeout: 60)
        XCTAssertEqual(GGUFFuzzHarness.verdict(crashed), .crashed(signal: SIGILL))
        let hung = try ChildProcess.run(URL(fileURLWithPath: "/bin/sh"), ["-c", "exec sleep 30"], environment: [:], timeout: 0.5)
        XCTAssertEqual(GGUFFuzzHarness.verdict(hung), .hung)
        let twoLines = ChildProcessResult(ending: .exited(3), stderr: "error: something\nmore\n")
        XCTAssertNotEqual(GGUFFuzzHarness.verdict(twoLines), .refused)
        XCTAssertNotEqual(GGUFFuzzHarness.verdict(ChildProcessResult(ending: .exited(2), stderr: "error: x\n")), .refused)
    }

    func testCorruptedModelFilesNeverCrash() throws {
        let settings = GGUFFuzzHarness.Settings.fromEnvironment()
        let report = try GGUFFuzzHarness(binary: binary, settings: settings).run()
        print(report.summary)
        XCTAssertEqual(report.failures.count, 0, report.summary)
        // Not vacuous: some damaged files still run and some are refused, for both commands.
        if settings.only == nil {
            for command in GGUFFuzzHarness.commands.map(\.name) {
                XCTAssertGreaterThan(report.endings["\(command) exit 0"] ?? 0, 0, report.summary)
                XCTAssertGreaterThan(report.endings["\(command) exit 3"] ?? 0, 0, report.summary)
            }
        }
    }
}

extension GGUFFuzzTests {
    /// A vocabulary with no token for any byte of the prompt (and no BOS to add) gives no prompt tokens:
    /// the model file's fault, so exit 3, not the empty-prompt usage error.
    func testPromptTheVocabularyCannotEncodeIsExit3() throws {
        var doc = TinyModel().document()
        let vocab = TinyVocabulary()
        // every normal token renamed to text no prompt contains, merges gone, no BOS
        let renamed = vocab.tokens.enumerated().map { i, t in vocab.tokenTypes[i] == 1 ? "<unused\(i)>" : t }
        doc["tokenizer.ggml.tokens"] = .strings(renamed)
        doc["tokenizer.ggml.merges"] = .strings([])
        doc["tokenizer.ggml.add_bos_token"] = .bool(false)
        let url = try writeTemporary(GGUFEncoder.encode(doc), "no-byte-tokens")
        let r = try ChildProcess.run(binary, GGUFFuzzHarness.commands[1].arguments(url.path),
                                     environment: ProcessInfo.processInfo.environment, timeout: 60)
        XCTAssertEqual(r.ending, .exited(3), r.stderr)
        XCTAssertEqual(GGUFFuzzHarness.verdict(r), .refused, r.stderr)
        XCTAssertTrue(r.stderr.contains("vocabulary"), r.stderr)
    }
}
