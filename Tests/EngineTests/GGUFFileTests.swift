import Foundation
import XCTest
@testable import Engine

final class GGUFFileTests: XCTestCase {
    func testRealFileParses() throws {
        let path = try TestModels.require(TestModels.testModel)
        let f = try GGUFFile(path: path)
        XCTAssertEqual(f.version, 3)
        XCTAssertEqual(f.architecture, "llama")
        XCTAssertEqual(f.int("llama.block_count"), 30)
        XCTAssertEqual(f.int("llama.embedding_length"), 576)
        XCTAssertEqual(f.tensors.count, 272)
        XCTAssertEqual(f.metadata["tokenizer.ggml.tokens"]?.stringArray?.count, 49152)
        let emb = try XCTUnwrap(f.tensorInfo("token_embd.weight"))
        XCTAssertEqual(emb.type, .q8_0)
        XCTAssertEqual(emb.dimensions, [576, 49152])
        XCTAssertEqual(f.tensorInfo("blk.0.attn_q.weight")?.type, .q4_1)
        // Data sections are aligned and inside the file.
        for t in f.tensors {
            XCTAssertEqual((f.dataOffset + t.relativeOffset) % f.alignment, 0, t.name)
            XCTAssertLessThanOrEqual(f.dataOffset + t.relativeOffset + t.byteCount, f.fileSize, t.name)
        }
    }

    /// Writes a header-only slice (metadata and tensor infos) of the test model with some change applied.
    private func corruptedCopy(_ transform: (inout [UInt8]) -> Void) throws -> URL {
        let path = try TestModels.require(TestModels.testModel)
        let f = try GGUFFile(path: path)
        let h = FileHandle(forReadingAtPath: path)!
        var bytes = [UInt8](h.readData(ofLength: f.dataOffset + 4096))
        try h.close()
        transform(&bytes)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dc-corrupt-\(UUID().uuidString).gguf")
        try Data(bytes).write(to: url)
        return url
    }

    /// loadTensorData copies every tensor byte for byte into its own memory, except the ones asked to stay
    /// in the file mapping (whose pointers do not move).
    func testLoadTensorDataCopiesEveryTensorExceptTheExcluded() throws {
        let path = try TestModels.require(TestModels.testModel)
        let file = try GGUFFile(path: path)
        let keep = file.tensors[1].name
        let before = Dictionary(uniqueKeysWithValues: file.tensors.map { ($0.name, file.data(of: $0)) })
        let bytes = Dictionary(uniqueKeysWithValues: file.tensors.map {
            ($0.name, Data(bytes: file.data(of: $0), count: $0.byteCount)) })
        XCTAssertTrue(file.loadTensorData(except: [keep]))
        XCTAssertTrue(file.loadTensorData())  // a second call keeps the first copy
        for t in file.tensors {
            let p = file.data(of: t)
            if t.name == keep {
                XCTAssertEqual(p, before[t.name], "\(t.name) was asked to stay mapped")
            } else {
                XCTAssertNotEqual(p, before[t.name], "\(t.name) was not copied")
            }
            XCTAssertEqual(Data(bytes: p, count: t.byteCount), bytes[t.name], "\(t.name) differs after the copy")
        }
    }

    func testTruncatedFilesAreRejectedWithTheFileName() throws {
        for keep in [0, 3, 10, 23, 24, 100, 5000, 1_000_000] {
            let url = try corruptedCopy { b in b = Array(b.prefix(keep)) }
            defer { try? FileManager.default.removeItem(at: url) }
            XCTAssertThrowsError(try GGUFFile(url: url), "kept \(keep) bytes") { e in
                let err = e as? GGUFError
                XCTAssertNotNil(err, "\(e)")
                XCTAssertEqual(err?.file, url.path)
            }
        }
    }

    func testHeaderOnlyCopyFailsOnTensorData() throws {
        // The whole header is intact but tensor data is missing: must say which tensor runs past the end.
        let url = try corruptedCopy { _ in }
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try GGUFFile(url: url)) { e in
            XCTAssertTrue("\(e)".contains("runs past the end"), "\(e)")
        }
    }

    func testBadMagicAndVersion() throws {
        let u1 = try corruptedCopy { b in b[0] = 0x00; b[1] = 0x47 }
        defer { try? FileManager.default.removeItem(at: u1) }
        XCTAssertThrowsError(try GGUFFile(url: u1)) { e in XCTAssertTrue("\(e)".contains("not a GGUF file"), "\(e)") }
        let u2 = try corruptedCopy { b in b[4] = 7 }
        defer { try? FileManager.default.removeItem(at: u2) }
        XCTAssertThrowsError(try GGUFFile(url: u2)) { e in XCTAssertTrue("\(e)".contains("version 7"), "\(e)") }
    }

    func testInflatedLengthsAreRejected() throws {
        // Tensor count and metadata count set to huge values.
        let u1 = try corruptedCopy { b in for i in 8..<16 { b[i] = 0xFF } }
        defer { try? FileManager.default.removeItem(at: u1) }
        XCTAssertThrowsError(try GGUFFile(url: u1)) { e in XCTAssertTrue("\(e)".contains("tensor count"), "\(e)") }
        // The first key's string length inflated.
        let u2 = try corruptedCopy { b in b[24 + 6] = 0x7F }
        defer { try? FileManager.default.removeItem(at: u2) }
        XCTAssertThrowsError(try GGUFFile(url: u2)) { e in XCTAssertTrue(e is GGUFError, "\(e)") }
    }

    func testUnknownTensorTypeIsNamed() throws {
        let path = try TestModels.require(TestModels.testModel)
        let f = try GGUFFile(path: path)
        // Find the first tensor info's type field: after its name (u64 len + bytes), n_dims, dims.
        let first = f.tensors[0]
        let url = try corruptedCopy { b in
            let needle = Array(first.name.utf8)
            // locate "<len><name>" followed by n_dims
            var i = 24
            while i + needle.count < b.count {
                if Array(b[i..<i + needle.count]) == needle, b[i - 8] == UInt8(needle.count) { break }
                i += 1
            }
            let typeOffset = i + needle.count + 4 + 8 * first.dimensions.count
            b[typeOffset] = 16  // IQ2_XXS
        }
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try GGUFFile(url: url)) { e in
            XCTAssertTrue("\(e)".contains("IQ2_XXS"), "\(e)")
            XCTAssertTrue("\(e)".contains(first.name), "\(e)")
        }
    }

    /// Random corruptions of a real header: each must give an error or a valid file, never a crash.
    func testFuzzRandomCorruptions() throws {
        let path = try TestModels.require(TestModels.testModel)
        let headerEnd = try GGUFFile(path: path).dataOffset
        var rng = SplitMix64(seed: 1234)
        var rejected = 0
        for round in 0..<300 {
            let url = try corruptedCopy { b in
                let flips = 1 + Int(rng.next() % 8)
                for _ in 0..<flips {
                    let pos = Int(rng.next() % UInt64(headerEnd))
                    switch rng.next() % 3 {
                    case 0: b[pos] ^= UInt8(1 << (rng.next() % 8))
                    case 1: b[pos] = 0xFF
                    default: b[pos] = UInt8(truncatingIfNeeded: rng.next())
                    }
                }
                if round % 5 == 0 { b = Array(b.prefix(Int(rng.next() % UInt64(b.count)))) }
            }
            defer { try? FileManager.default.removeItem(at: url) }
            do {
                _ = try GGUFFile(url: url)
            } catch is GGUFError {
                rejected += 1
            }
        }
        // The copies lack tensor data, so every parse that gets through the header must still fail.
        XCTAssertEqual(rejected, 300)
    }
}
