import Foundation
import GitStore
import InputSafety
#if canImport(Glibc)
import Glibc
#endif

/// What to do with uncommitted changes when regenerating.
public enum DirtyPolicy: Sendable {
    /// refuse and list the files (default)
    case refuse
    /// commit them first as a manual commit
    case commitFirst
    /// leave them uncommitted and untouched; allowed only when none is a named file or in .deepcoder/
    case force
}

public struct RegenReport: Sendable {
    public var commit: String
    public var manualCommit: String?
    public var outcome: RegenOutcome
    public var exitCode: Int32 { outcome.passed ? 0 : 1 }
}

/// One generation (or manual commit) as `deepcoder log` shows it.
public struct HistoryEntry: Sendable {
    public var entry: GitStore.LogEntry
    /// new, regen, undo, restore or manual
    public var kind: String
    /// the regenerated/restored files, else the changed files without the `.deepcoder/` records
    public var files: [String]
    public var model: String?
    public var seed: String?
    public var verify: String?
    public var instruction: String?

    public init(_ e: GitStore.LogEntry) {
        entry = e
        kind = e.trailer("Deepcoder-Kind") ?? (e.trailer("Deepcoder-Model") != nil ? "new" : "manual")
        if let r = e.trailer("Deepcoder-Regenerated") { files = r.split(separator: " ").map(String.init) }
        else if let r = e.trailer("Deepcoder-Restored") { files = [r] }
        else { files = e.changedFiles.filter { !$0.hasPrefix(".deepcoder/") } }
        model = e.trailer("Deepcoder-Model"); seed = e.trailer("Deepcoder-Seed")
        verify = e.trailer("Deepcoder-Verify"); instruction = e.trailer("Deepcoder-Instruction")
    }

    public var isGeneration: Bool { kind == "new" || kind == "regen" }
}

/// regen / log / diff / undo / restore on a generated project, with libgit2. Nothing here discards
/// uncommitted changes: every command that would touch a changed file refuses instead.
public enum ProjectHistory {
    /// The project root for `start` (the directory itself or the nearest parent with `.git`).
    public static func findRoot(from start: URL) throws -> URL {
        var dir = start.standardizedFileURL
        while true {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent(".git").path) { return dir }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { break }
            dir = parent
        }
        throw ScaffoldError.usage("\(start.path) is not inside a deepcoder project (no .git found); run the command in a project made by `deepcoder new`, or pass -C DIR")
    }

    static func requireHistory(_ root: URL) throws {
        guard GitStore.hasCommits(in: root) else {
            throw ScaffoldError.usage("\(root.path) has no commits; it is not a project made by `deepcoder new`")
        }
    }

    static func git<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as ScaffoldError { throw e } catch {
            throw ScaffoldError.usage("\(what): \(error)")
        }
    }

    public static func history(_ root: URL, limit: Int? = nil) throws -> [HistoryEntry] {
        try requireHistory(root)
        return try git("read the history") { try GitStore.log(in: root, limit: limit).map(HistoryEntry.init) }
    }

    /// The newest generation (new or regen) reachable from HEAD.
    public static func lastGeneration(_ root: URL) throws -> HistoryEntry? {
        try history(root).first { $0.isGeneration }
    }

    static func dirtyList(_ entries: [GitStore.StatusEntry]) -> String {
        entries.map { "  \(TerminalText.escaped($0.path)) (\($0.state))" }.joined(separator: "\n")
    }

    /// Refuses when the working tree has uncommitted changes.
    static func requireClean(_ root: URL, command: String) throws {
        let dirty = try git("read the status") { try GitStore.status(in: root) }
        if !dirty.isEmpty {
            throw ScaffoldError.usage("""
            uncommitted changes in \(root.path):
            \(dirtyList(dirty))
            `deepcoder \(command)` never discards changes; commit them (git commit -am "…") or move them away, then run it again.
            """)
        }
    }

    /// The best-of-N scores a generation commit recorded (`.deepcoder/generation.json`), in the order
    /// they were tried; empty for commits made with one candidate or without the record.
    public static func candidateScores(_ root: URL, commit: String) throws -> [CandidateScore] {
        struct Record: Decodable { var candidates: [CandidateScore]? }
        guard let data = try git("read .deepcoder/generation.json at \(commit.prefix(12))", { try GitStore.blob(".deepcoder/generation.json", at: commit, in: root) }),
              let record = try? JSONDecoder().decode(Record.self, from: data) else { return [] }
        return record.candidates ?? []
    }

    // MARK: - regen

    /// Refuses a repository deepcoder did not make (no `.deepcoder/` in HEAD and no deepcoder commit), and a
    /// project whose description or plan regen cannot read (regen works on a copy of HEAD).
    static func requireRecords(_ root: URL, options: RegenOptions) throws {
        let records = try git("read .deepcoder/ at HEAD") {
            try Dictionary(uniqueKeysWithValues: Regenerator.metaFiles.map { ($0, try GitStore.blob($0, at: "HEAD", in: root)) })
        }
        if records.values.allSatisfy({ $0 == nil }), try lastGeneration(root) == nil {
            throw ScaffoldError.usage("\(root.path) is a git repository but not a deepcoder project: its last commit has no .deepcoder/ records "
                + "and none of its commits was made by deepcoder. regen changes projects made by `deepcoder new`; "
                + "create one with `deepcoder new \"DESCRIPTION\" -o DIR`. Nothing was changed.")
        }
        _ = try Regenerator.records(options: options, spec: records[".deepcoder/spec.md"] ?? nil, plan: records[".deepcoder/plan.json"] ?? nil)
    }

    /// The checks regen makes before it loads a model: a history, a deepcoder project with the records regen
    /// needs, and uncommitted changes that the policy allows (refusing with the list of files otherwise).
    /// Returns the uncommitted changes.
    @discardableResult
    public static func preflight(_ root: URL, options: RegenOptions, dirty policy: DirtyPolicy) throws -> [GitStore.StatusEntry] {
        try requireHistory(root)
        try requireRecords(root, options: options)
        let dirty = try git("read the status") { try GitStore.status(in: root) }
        guard !dirty.isEmpty else { return [] }
        switch policy {
        case .refuse:
            throw ScaffoldError.usage("""
            uncommitted changes in \(root.path):
            \(dirtyList(dirty))
            Nothing was changed. Run again with --commit-first to commit them as a manual commit and then regenerate, \
            or with --force to leave them uncommitted and untouched (only when none of them is a file you regenerate or in .deepcoder/).
            """)
        case .force:
            let clash = dirty.filter { d in options.files.contains(d.path) || d.path.hasPrefix(".deepcoder/") }
            if !clash.isEmpty {
                throw ScaffoldError.usage("""
                --force cannot be used: these files have uncommitted changes and regen would replace them:
                \(dirtyList(clash))
                Nothing was changed. Commit them first (or use --commit-first).
                """)
            }
        case .commitFirst:
            break
        }
        return dirty
    }

    /// Regenerates `options.files` of the project at `root` in a scratch copy, then writes them back and
    /// commits them (with the `.deepcoder/` records) in one commit. An error or interrupt before the commit
    /// leaves the working tree and the history as they were.
    public static func regen(_ root: URL, generator: any TextGenerator, options: RegenOptions, dirty policy: DirtyPolicy = .refuse,
                             progress: @escaping (String) -> Void = { _ in }) throws -> RegenReport {
        let dirty = try preflight(root, options: options, dirty: policy)
        var manual: String?
        if !dirty.isEmpty {
            switch policy {
            case .refuse:
                break  // preflight threw
            case .force:
                progress("[git] leaving \(dirty.count) uncommitted change(s) untouched: \(dirty.map { TerminalText.escaped($0.path) }.joined(separator: ", "))")
            case .commitFirst:
                manual = try git("commit the uncommitted changes") {
                    try GitStore.commitAll(in: root, message: "Manual changes before regenerating \(options.files.joined(separator: ", "))\n\nCommitted by deepcoder regen --commit-first.\n")
                }
                progress("[git] committed your uncommitted changes as \(manual!.prefix(12)) (manual)")
            }
        }

        // work in a scratch copy of HEAD
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("deepcoder-regen-\(UUID().uuidString.prefix(8))")
        let scratchToken = Interrupts.shared.track(scratch)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch); Interrupts.shared.release(scratchToken) }
        try git("copy the project") { try GitStore.export("HEAD", from: root, to: scratch) }
        let outcome = try Regenerator.regenerate(in: scratch, generator: generator, options: options, progress: progress)

        // write back and commit, with interrupts held off; undo the writes if the commit fails
        let message = Regenerator.commitMessage(outcome: outcome, options: options, identity: generator.identity)
        let commit = try Interrupts.shared.held {
            var originals: [String: Data?] = [:]
            for p in outcome.changed.keys { originals[p] = FileManager.default.contents(atPath: root.appendingPathComponent(p).path) }
            do {
                for (p, data) in outcome.changed.sorted(by: { $0.key < $1.key }) {
                    let url = try PathSafety.resolve(p, in: root)
                    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try data.write(to: url, options: .atomic)
                }
                return try GitStore.commit(files: outcome.changed.mapValues { Optional($0) }, in: root, message: message)
            } catch {
                for (p, data) in originals {
                    let url = root.appendingPathComponent(p)
                    if let data { try? data.write(to: url, options: .atomic) } else { try? FileManager.default.removeItem(at: url) }
                }
                throw ScaffoldError.generation("could not write and commit the regenerated files (the project is unchanged): \(error)")
            }
        }
        progress("[git] committed \(commit.prefix(12))")
        return RegenReport(commit: commit, manualCommit: manual, outcome: outcome)
    }

    // MARK: - undo / restore

    /// A new commit whose tree is the one before the last commit (which must be deepcoder's and not the first).
    public static func undo(_ root: URL) throws -> (commit: String, undone: HistoryEntry) {
        try requireHistory(root)
        try requireClean(root, command: "undo")
        let head = HistoryEntry(try git("read HEAD") { try GitStore.commit("HEAD", in: root) })
        guard head.kind != "manual" else {
            throw ScaffoldError.usage("the last commit \(head.entry.id.prefix(12)) (\"\(TerminalText.escaped(head.entry.subject))\") was not made by deepcoder; undo only takes back deepcoder's own commits. Bring files back with `deepcoder restore FILE --to REV`.")
        }
        guard let parent = head.entry.parents.first else {
            throw ScaffoldError.usage("the last generation \(head.entry.id.prefix(12)) is the project's first commit (deepcoder new); there is nothing before it to go back to. Nothing was changed.")
        }
        let message = """
        Undo: \(head.entry.subject)

        Restores the project to \(parent.prefix(12)), the state before \(head.entry.id.prefix(12)).

        Deepcoder-Kind: undo
        Deepcoder-Undoes: \(head.entry.id)

        """
        let id = try git("undo") { try GitStore.commitTree(of: parent, in: root, message: message) }
        return (id, head)
    }

    /// Brings `file` back as it was at `rev`, as a new commit.
    public static func restore(_ root: URL, file: String, to rev: String) throws -> String {
        try requireHistory(root)
        try requireClean(root, command: "restore")
        let full = try git("find \(rev)") { try GitStore.resolve(rev, in: root) }
        guard let old = try git("read \(file) at \(rev)", { try GitStore.blob(file, at: full, in: root) }) else {
            throw ScaffoldError.usage("\(file) does not exist at \(rev) (\(full.prefix(12))); see `deepcoder log` for the generations and their files")
        }
        if let now = try git("read \(file)", { try GitStore.blob(file, at: "HEAD", in: root) }), now == old {
            throw ScaffoldError.usage("\(file) is already as it was at \(rev); nothing to restore")
        }
        let message = """
        Restore \(file) from \(full.prefix(12))

        Deepcoder-Kind: restore
        Deepcoder-Restored: \(file)
        Deepcoder-From: \(full)

        """
        return try git("restore") { try GitStore.commitTree(of: full, paths: [file], in: root, message: message) }
    }

    // MARK: - diff

    /// The unified diff of a commit against its first parent (the last generation by default).
    public static func diff(_ root: URL, rev: String?, files: [String]) throws -> (String, HistoryEntry) {
        try requireHistory(root)
        let target: HistoryEntry
        if let rev {
            target = HistoryEntry(try git("find \(rev)") { try GitStore.commit(rev, in: root) })
        } else {
            guard let g = try lastGeneration(root) else { throw ScaffoldError.usage("the project has no deepcoder generation yet") }
            target = g
        }
        let text = try git("diff") { try GitStore.diff(in: root, from: target.entry.parents.first, to: target.entry.id, paths: files) }
        return (text, target)
    }
}
