import Foundation
import GitStore

/// What `deepcoder reproduce` needs from a generation commit's trailers.
public struct RecordedGeneration: Sendable {
    public var entry: HistoryEntry
    public var model: String
    public var modelSHA256: String
    public var engine: String?
    /// The remote server's base URL (`Deepcoder-Backend`), nil for the in-process engine.
    public var backend: String?
    public var sampling: SamplingOptions
    public var maxRepairs: Int
    /// best-of-N answers per file (1 for commits without the trailer)
    public var candidates: Int
    public var verify: Bool
    public var files: [String]
    public var instruction: String?
    public var replan: Bool

    public init(_ e: HistoryEntry) throws {
        let id = e.entry.id.prefix(12)
        guard e.isGeneration else {
            throw ScaffoldError.usage("\(id) is a \(e.kind) commit; reproduce needs a generation (new or regen); see `deepcoder log`")
        }
        func need(_ key: String) throws -> String {
            guard let v = e.entry.trailer(key) else {
                throw ScaffoldError.usage("\(id) has no \(key) trailer; it cannot be reproduced (made by an older deepcoder?)")
            }
            return v
        }
        entry = e
        model = try need("Deepcoder-Model")
        modelSHA256 = try need("Deepcoder-Model-SHA256")
        engine = e.entry.trailer("Deepcoder-Engine")
        backend = e.entry.trailer("Deepcoder-Backend")
        guard let seed = UInt64(try need("Deepcoder-Seed")),
              let s = SamplingOptions(trailer: try need("Deepcoder-Sampling"), seed: seed) else {
            throw ScaffoldError.usage("\(id) has an unreadable Deepcoder-Seed or Deepcoder-Sampling trailer")
        }
        sampling = s
        maxRepairs = Int(e.entry.trailer("Deepcoder-Max-Repairs") ?? "2") ?? 2
        candidates = Int(e.entry.trailer("Deepcoder-Candidates") ?? "1") ?? 1
        verify = !(e.entry.trailer("Deepcoder-Verify") ?? "").hasPrefix("skipped")
        files = e.kind == "regen" ? (try need("Deepcoder-Regenerated")).split(separator: " ").map(String.init) : []
        instruction = e.entry.trailer("Deepcoder-Instruction")
        replan = e.entry.trailer("Deepcoder-Replan") == "yes"
    }
}

public struct ReproduceReport: Sendable {
    public var commit: String
    public var kind: String
    /// files whose bytes differ (for .deepcoder/generation.json: apart from timings)
    public var differing: [String]
    /// files the commit has and the re-run did not produce
    public var missing: [String]
    /// files the re-run produced and the commit does not have
    public var extra: [String]
    public var compared: Int
    public var identical: Bool { differing.isEmpty && missing.isEmpty && extra.isEmpty }
}

/// Re-runs a recorded generation in a scratch directory and compares the result with the commit, byte for byte.
public enum Reproducer {
    /// `.deepcoder/generation.json` without the fields that differ from run to run (timings).
    static func normalizedGeneration(_ data: Data) -> Data {
        guard let obj = try? JSONSerialization.jsonObject(with: data) else { return data }
        func strip(_ v: Any) -> Any {
            if let d = v as? [String: Any] {
                var out: [String: Any] = [:]
                for (k, x) in d where k != "seconds" { out[k] = strip(x) }
                return out
            }
            if let a = v as? [Any] { return a.map(strip) }
            return v
        }
        return (try? JSONSerialization.data(withJSONObject: strip(obj), options: [.sortedKeys])) ?? data
    }

    public static func run(_ root: URL, recorded r: RecordedGeneration, generator: any TextGenerator,
                           templatesDirectory: URL? = nil, pythonEnvironment: PythonEnvironment = PythonEnvironment(),
                           progress: @escaping (String) -> Void = { _ in }) throws -> ReproduceReport {
        let fm = FileManager.default
        let scratch = fm.temporaryDirectory.appendingPathComponent("deepcoder-reproduce-\(UUID().uuidString.prefix(8))")
        let scratchToken = Interrupts.shared.track(scratch)
        defer { Interrupts.shared.release(scratchToken) }
        let expected = scratch.appendingPathComponent("expected")
        let out = scratch.appendingPathComponent("out")
        try fm.createDirectory(at: expected, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: scratch) }
        let id = r.entry.entry.id
        try ProjectHistory.git("read \(id.prefix(12))") { try GitStore.export(id, from: root, to: expected) }

        if r.entry.kind == "new" {
            guard let description = Regenerator.storedDescription(in: expected) else {
                throw ScaffoldError.usage("\(id.prefix(12)) has no readable .deepcoder/spec.md; its description is unknown")
            }
            let options = NewOptions(description: description, outputDirectory: out, sampling: r.sampling, maxRepairs: r.maxRepairs,
                                     verify: r.verify, templatesDirectory: templatesDirectory, workingDirectory: scratch,
                                     pythonEnvironment: pythonEnvironment, candidates: r.candidates)
            _ = try Pipeline(generator: generator, options: options, progress: progress).run()
        } else {
            guard let parent = r.entry.entry.parents.first else {
                throw ScaffoldError.usage("\(id.prefix(12)) is a regen without a parent commit; nothing to regenerate from")
            }
            try fm.createDirectory(at: out, withIntermediateDirectories: true)
            try ProjectHistory.git("read \(parent.prefix(12))") { try GitStore.export(parent, from: root, to: out) }
            let before = Regenerator.storedDescription(in: out)
            let after = Regenerator.storedDescription(in: expected)
            let options = RegenOptions(files: r.files, instruction: r.instruction, description: after != before ? after : nil,
                                       replan: r.replan, sampling: r.sampling, maxRepairs: r.maxRepairs, verify: r.verify,
                                       templatesDirectory: templatesDirectory, pythonEnvironment: pythonEnvironment,
                                       candidates: r.candidates)
            _ = try Regenerator.regenerate(in: out, generator: generator, options: options, progress: progress)
        }

        // what verification may leave behind in the scratch copy is not part of a project
        func project(_ files: [String]) -> Set<String> {
            Set(files.filter { f in !f.split(separator: "/").contains { $0 == "__pycache__" || $0 == ".pytest_cache" } })
        }
        let want = project(ProjectWriter.listFiles(expected)), got = project(ProjectWriter.listFiles(out))
        var differing: [String] = []
        for path in want.intersection(got).sorted() {
            var a = fm.contents(atPath: expected.appendingPathComponent(path).path) ?? Data()
            var b = fm.contents(atPath: out.appendingPathComponent(path).path) ?? Data()
            if path == ".deepcoder/generation.json" { a = normalizedGeneration(a); b = normalizedGeneration(b) }
            if a != b { differing.append(path) }
        }
        return ReproduceReport(commit: id, kind: r.entry.kind, differing: differing, missing: want.subtracting(got).sorted(),
                               extra: got.subtracting(want).sorted(), compared: want.intersection(got).count)
    }
}
