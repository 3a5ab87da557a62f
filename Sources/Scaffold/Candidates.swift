import Foundation

/// Best-of-N (`new --candidates N`): every file the model writes, every repair of one and every view it
/// writes into the tool's app.py is asked N times in one batch (`TextGenerator.generateCandidates`).
/// The first usable answer is written; the others wait here until verification has scored the project,
/// then each is tried in its place and kept when the project scores better (`VerificationReport.isBetter`:
/// more checks passed, then fewer failures; a tie keeps the lower candidate index).
struct CandidatePool {
    /// What an answer fills: a whole file, or one view function the model wrote into app.py
    /// (named by its route, e.g. "GET /area").
    enum Slot: Hashable, CustomStringConvertible {
        case file(String)
        case view(String)
        var description: String {
            switch self {
            case .file(let path): return path
            case .view(let route): return "app.py view \(route)"
            }
        }
    }

    struct Entry {
        var slot: Slot
        /// 0-based candidate index; its seed is the run's + index
        var index: Int
        var count: Int
        var text: String
    }

    private(set) var waiting: [Entry] = []
    /// the text each slot holds in the project now (a view: the function as inserted)
    private(set) var current: [Slot: (index: Int, count: Int, text: String)] = [:]
    /// slots whose written answer has been scored since it was offered
    private var scored: Set<Slot> = []

    /// Records the answers to one request: `chosen` (written) and the others, which replace any
    /// earlier ones waiting for the same slot.
    mutating func offer(_ slot: Slot, chosen: (index: Int, text: String), others: [(index: Int, text: String)], count: Int) {
        waiting.removeAll { $0.slot == slot }
        current[slot] = (chosen.index, count, chosen.text)
        scored.remove(slot)
        var seen: Set<String> = [Self.normalized(chosen.text)]
        for o in others where seen.insert(Self.normalized(o.text)).inserted {
            waiting.append(Entry(slot: slot, index: o.index, count: count, text: o.text))
        }
    }

    var isEmpty: Bool { waiting.isEmpty }

    /// The slots with answers waiting whose written answer has not been scored yet (for the progress line).
    mutating func unscored() -> [(slot: Slot, index: Int, count: Int)] {
        var out: [(Slot, Int, Int)] = []
        for e in waiting where !scored.contains(e.slot) {
            if let c = current[e.slot] { out.append((e.slot, c.index, c.count)) }
            scored.insert(e.slot)
        }
        return out
    }

    mutating func next() -> Entry? { waiting.isEmpty ? nil : waiting.removeFirst() }

    /// The answer `entry` is now the one in the project.
    mutating func kept(_ entry: Entry) { current[entry.slot] = (entry.index, entry.count, entry.text) }

    /// Answers that differ only in trailing spaces or blank lines are the same candidate.
    static func normalized(_ text: String) -> String {
        text.components(separatedBy: "\n").map { $0.replacingOccurrences(of: #"\s+$"#, with: "", options: .regularExpression) }
            .joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// One candidate's score, kept in `.deepcoder/generation.json` (`candidates`).
public struct CandidateScore: Sendable, Codable, Equatable {
    /// what the answer filled: the file, or "app.py view GET /x"
    public var slot: String
    /// 1-based, as the progress shows it ("candidate 2/4")
    public var candidate: Int
    public var of: Int
    public var checksPassed: Int
    public var checks: Int
    public var failures: Int
    /// true when this answer is the one the project kept at that point
    public var kept: Bool
}

extension ProjectBuild {
    /// The project's files as the build holds them, to put back after a candidate that did worse.
    struct ProjectState {
        var contents: [String: String]
        var views: [String]
        var imports: [String]
    }

    var projectState: ProjectState { ProjectState(contents: project.contents, views: project.extraViews, imports: project.extraImports) }

    /// Writes `state` back into `dir`: the files that differ, and the tool's app.py with its views.
    func restore(_ state: ProjectState, in dir: URL) throws {
        project.extraViews = state.views
        project.extraImports = state.imports
        for (path, content) in state.contents where project.contents[path] != content {
            if path == "app.py" && project.skeleton != .none { continue }  // the tool's, rewritten below
            try store(content, path: path, in: dir)
        }
        if project.skeleton != .none { try writeSkeletonApp(dir) }
    }

    /// The other answers of a best-of-N request: how many to ask for (1 when the run asks one).
    var candidateCount: Int { max(1, options.candidates) }

    /// Tries the waiting candidates one by one in place of the written answers, while the project fails:
    /// each is written, its imports completed (`fixImports`) and the project verified; it stays when the
    /// project scores better, else the project is put back. Returns the report of the project as left.
    func tryCandidates(_ dir: URL, verifier: Verifier, report: VerificationReport) throws -> VerificationReport {
        var report = report
        for u in candidatePool.unscored() {
            say("candidates", "\(u.slot) candidate \(u.index + 1)/\(u.count) (written): \(report.passedCount)/\(report.checks.count) checks")
            recordScore(u.slot, index: u.index, count: u.count, report: report, kept: true)
        }
        while !report.passed, let entry = candidatePool.next() {
            let before = projectState
            guard try apply(entry, in: dir) else { continue }
            try fixImports(in: dir)
            let r = try runVerification(verifier, dir)
            let better = r.isBetter(than: report)
            say("candidates", "\(entry.slot) candidate \(entry.index + 1)/\(entry.count): \(r.passedCount)/\(r.checks.count) checks"
                + (better ? ", better: kept" : ", not better (\(report.passedCount)/\(report.checks.count) now)"))
            recordScore(entry.slot, index: entry.index, count: entry.count, report: r, kept: better)
            if better {
                candidatePool.kept(entry)
                report = r
            } else {
                try restore(before, in: dir)
            }
        }
        return report
    }

    /// Puts `entry`'s answer in place of its slot's current one; false when the slot's text is no
    /// longer in the project (a later step rewrote it).
    func apply(_ entry: CandidatePool.Entry, in dir: URL) throws -> Bool {
        switch entry.slot {
        case .file(let path):
            try store(entry.text, path: path, in: dir)
            return true
        case .view:
            guard let old = candidatePool.current[entry.slot]?.text else { return false }
            if project.skeleton != .none {
                guard let i = project.extraViews.firstIndex(of: old) else { return false }
                project.extraViews[i] = entry.text
                try writeSkeletonApp(dir)
            } else {
                guard let source = project.contents["app.py"], let r = source.range(of: old) else { return false }
                try store(source.replacingCharacters(in: r, with: entry.text), path: "app.py", in: dir)
            }
            return true
        }
    }

    func recordScore(_ slot: CandidatePool.Slot, index: Int, count: Int, report: VerificationReport, kept: Bool) {
        if kept {  // the answer it replaces is no longer the kept one
            for i in project.candidateScores.indices where project.candidateScores[i].slot == slot.description { project.candidateScores[i].kept = false }
        }
        project.candidateScores.append(CandidateScore(slot: slot.description, candidate: index + 1, of: count, checksPassed: report.passedCount,
                                              checks: report.checks.count, failures: report.failureCount, kept: kept))
    }
}
