import ArgumentParser
import Engine
import Foundation
import GitStore
import InputSafety
import Scaffold

// `deepcoder regen / log / diff / undo / restore / reproduce`: iterate on a generated project while
// every generation stays a commit. Exit codes as `new`: 0 ok, 1 verification failed (regen) or output
// differs (reproduce), 2 usage or input errors (also refusals), 3 model or generation errors.

/// `-C DIR`, as git has it.
struct ProjectOption: ParsableArguments {
    @Option(name: .customShort("C"), help: "Run in this project directory instead of the current one.")
    var directory: String?

    var base: URL {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        return directory.map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL } ?? cwd
    }

    func root() throws -> URL { try ProjectHistory.findRoot(from: base) }

    /// A path the user typed (relative to -C DIR or the current directory) as a project-relative path.
    func projectPath(_ path: String, root: URL) throws -> String {
        let abs = URL(fileURLWithPath: path, relativeTo: base).standardizedFileURL.path
        let r = root.standardizedFileURL.path
        guard abs.hasPrefix(r + "/") else { throw ScaffoldError.usage("\(path) is not inside the project \(r)") }
        return String(abs.dropFirst(r.count + 1))
    }
}

func note(_ line: String) { writeSafeLine(toStandardError: "deepcoder: " + line) }

/// Runs a history command: a ScaffoldError becomes `deepcoder: error: …` and its exit code.
func runHistoryCommand(_ body: () throws -> Void) throws {
    do { try body() } catch let e as ScaffoldError {
        Interrupts.shared.parkIfExiting() // an interrupt's clean-up removed what the run used: no error, the handler exits
        note("error: \(e.description)")
        throw ExitCode(e.exitCode)
    } catch {
        Interrupts.shared.parkIfExiting()
        throw error
    }
}

/// The engine (or the scripted test generator) for a recorded or chosen model.
func loadGenerator(model: String?, threads: Int?, backend: String? = nil, draft: DraftMethod = .none) throws -> any TextGenerator {
    if let backend { return try makeRemoteGenerator(url: backend, model: model, progress: { note("[backend] " + $0) }) }
    note("[model] loading \(model ?? "default model")")
    do { return try makeTextGenerator(model: model, threads: threads, draft: draft, progress: { note("[model] " + $0) }) } catch {
        throw ScaffoldError.generation("cannot load the model \(model ?? "(default)"): \(error)\nPass --model NAME|PATH to choose another.")
    }
}

/// A generator that reports another model name (the one recorded in a commit) for the same weights.
final class RenamedGenerator: TextGenerator {
    let base: any TextGenerator
    let identity: GeneratorIdentity
    init(_ base: any TextGenerator, name: String) {
        self.base = base
        identity = GeneratorIdentity(modelName: name, modelSHA256: base.identity.modelSHA256, engine: base.identity.engine,
                                     backend: base.identity.backend)
    }
    var followsJSONSchema: Bool { base.followsJSONSchema }
    func generate(_ request: GenerationRequest, onToken: (String) -> Void) throws -> GenerationOutput {
        try base.generate(request, onToken: onToken)
    }
}

func shortDate(_ d: Date) -> String {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = "yyyy-MM-dd HH:mm"
    return f.string(from: d) + "Z"
}

struct Regen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regen",
        abstract: "Regenerate some files of a generated project, verify it, and commit the result.",
        discussion: """
        Only the named files change (plus the records in .deepcoder/); the stored description, the plan and the \
        other files are the model's context, and --instruction says what to change. The whole project is verified as \
        `deepcoder new` does, and only the named files are repaired. The result is one commit with the trailers of \
        `new` plus Deepcoder-Regenerated and Deepcoder-Instruction; a failed verification is still committed, marked \
        as failed (`deepcoder undo` takes it back).

        The work happens in a scratch copy: an error or an interrupt leaves your files and history as they were. \
        Uncommitted changes are never discarded: regen refuses and lists them, unless --commit-first (commit them as \
        a manual commit first) or --force (leave them uncommitted and untouched; the regeneration then sees the \
        committed version of those files).

        A file the plan does not know (e.g. templates/about.html) is added to the plan when --instruction says what \
        it is for. If .deepcoder/plan.json is missing or damaged, --replan rebuilds the plan from the files present.

        Examples:
          deepcoder regen app.py --instruction "show the area with two decimals"
          deepcoder regen templates/index.html -C myproject --no-verify

        Exit codes: 0 verified (or --no-verify), 1 verification failed (committed anyway), 2 usage errors and \
        refusals (nothing changed), 3 model or generation errors (nothing changed).
        """)

    @Argument(help: "The files to regenerate, e.g. app.py templates/index.html.")
    var files: [String] = []
    @Option(help: "What to change, in plain language.")
    var instruction: String?
    @Option(help: "A new description of the whole project, replacing the stored one.")
    var spec: String?
    @Option(help: "Model name or path to a GGUF file (default: the model of the last generation; with --backend: its name on the server).")
    var model: String?
    @Option(help: "Threads for the inference engine, 1 to 256 (default: all cores).")
    var threads: Int?
    @OptionGroup var backend: BackendOption
    @OptionGroup var generation: GenerationFlags
    @Flag(name: .customLong("no-verify"), help: "Skip verification.")
    var noVerify = false
    @Flag(name: .customLong("commit-first"), help: "Commit uncommitted changes as a manual commit, then regenerate.")
    var commitFirst = false
    @Flag(help: "Leave uncommitted changes in other files uncommitted and untouched.")
    var force = false
    @Flag(help: "Rebuild the plan from the files present (when .deepcoder/plan.json is missing or damaged).")
    var replan = false
    @Option(help: "Directory whose templates override the built-in ones (same relative names).")
    var templates: String?
    @OptionGroup var project: ProjectOption

    func validate() throws {
        try OptionLimits.checkThreads(threads)
    }

    func run() throws {
        InterruptHandler.install()
        try runHistoryCommand {
            guard !files.isEmpty else { throw ScaffoldError.usage("name the files to regenerate, e.g. `deepcoder regen app.py --instruction \"…\"`") }
            guard !(commitFirst && force) else { throw ScaffoldError.usage("--commit-first and --force exclude each other") }
            if let spec { _ = try DescriptionInput.checkSize(spec, what: "--spec") }
            if let instruction { _ = try DescriptionInput.checkSize(instruction, what: "--instruction") }
            let root = try project.root()
            let paths = try files.map { try project.projectPath($0, root: root) }
            let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            let options = RegenOptions(
                files: paths, instruction: instruction, description: spec, replan: replan,
                sampling: generation.sampling,
                maxRepairs: generation.maxRepairs, verify: !noVerify,
                templatesDirectory: templates.map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL },
                candidates: generation.candidates)
            // refuse a repository deepcoder did not make, missing records or a dirty tree before loading a model
            let policy: DirtyPolicy = commitFirst ? .commitFirst : force ? .force : .refuse
            try ProjectHistory.preflight(root, options: options, dirty: policy)
            // the last generation's model, unless it ran elsewhere than this regen does (in-process or remote)
            let last = try ProjectHistory.lastGeneration(root)
            let lastWasRemote = last?.entry.trailer("Deepcoder-Backend") != nil
            let modelName = model ?? ((backend.url != nil) == lastWasRemote ? last?.model : nil)
            let generator = try loadGenerator(model: modelName, threads: threads, backend: backend.url, draft: generation.draft)
            let report = try ProjectHistory.regen(root, generator: generator, options: options,
                                                  dirty: policy, progress: note)
            let o = report.outcome
            printSafe("Regenerated \(o.files.map(shown).joined(separator: ", ")) in \(root.path) (commit \(report.commit.prefix(12)))")
            if let m = report.manualCommit { printSafe("Your uncommitted changes were committed first as \(m.prefix(12)) (manual).") }
            printSafe("Verification: \(shown(o.verification))\(o.repairRounds > 0 ? " after \(o.repairRounds) repair round(s)" : "")")
            if let s = o.sandbox { printSafe("  " + sandboxLine(s.rawValue)) }
            for c in o.checks where c.status == .failed {
                printSafe("  FAIL \(c.name): \(shown(String(c.summary.prefix(200))))")
                for f in c.failures.prefix(3) {
                    printSafe("       \(shown(f.file ?? "-")): " + shown(String((f.message.split(separator: "\n").last.map(String.init) ?? "").prefix(200))))
                }
            }
            printSafe("See the change with `deepcoder diff`; take it back with `deepcoder undo`.")
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        }
    }
}

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "List the generations of a project, newest first.",
        discussion: """
        One line per commit: id, date (UTC), kind (new, regen, undo, restore, or manual for commits made by people), \
        files, model, seed and verification; the instruction of a regen on the next line.
        """)
    @Option(name: .short, help: "Show at most this many commits.")
    var n: Int?
    @Flag(name: [.short, .long], help: "Also show the score of every best-of-N candidate a generation tried (new/regen --candidates).")
    var verbose = false
    @OptionGroup var project: ProjectOption

    func run() throws {
        try runHistoryCommand {
            if let n, n < 1 { throw ScaffoldError.usage("-n must be at least 1") }
            let root = try project.root()
            for h in try ProjectHistory.history(root, limit: n) {
                var line = "\(h.entry.id.prefix(12))  \(shortDate(h.entry.date))  \(shown(h.kind).padding(toLength: 7, withPad: " ", startingAt: 0))  \(h.files.map(shown).joined(separator: " "))"
                if h.kind == "manual" || h.kind == "undo" || h.kind == "restore" { line += "  \"\(shown(h.entry.subject))\"" }
                if let m = h.model { line += "  model \(shown(m))" }
                if let s = h.seed { line += "  seed \(shown(s))" }
                if let v = h.verify { line += "  verify \(shown(v))" }
                printSafe(line)
                if let i = h.instruction { printSafe("              instruction: \(shown(i))") }
                if verbose, h.isGeneration {
                    for c in try ProjectHistory.candidateScores(root, commit: h.entry.id) {
                        printSafe("              candidate \(c.candidate)/\(c.of) \(shown(c.slot)): \(c.checksPassed)/\(c.checks) checks, \(c.failures) failures\(c.kept ? " (kept)" : "")")
                    }
                }
            }
        }
    }
}

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what a generation changed, as a unified diff.",
        discussion: """
        Compares a commit with the one before it (default: the last generation, new or regen). \
        REV is anything git understands (a commit id or prefix, HEAD~1, …); FILEs limit the diff to those paths.

        Examples:
          deepcoder diff                  # the last generation
          deepcoder diff HEAD~2 app.py    # what the commit HEAD~2 did to app.py
        """)
    @Argument(help: "[REV] [FILE...]")
    var arguments: [String] = []
    @OptionGroup var project: ProjectOption

    func run() throws {
        try runHistoryCommand {
            let root = try project.root()
            var args = arguments
            var rev: String?
            if let first = args.first, !FileManager.default.fileExists(atPath: URL(fileURLWithPath: first, relativeTo: project.base).path),
               (try? GitStore.resolve(first, in: root)) != nil {
                rev = first
                args.removeFirst()
            }
            let files = try args.map { try project.projectPath($0, root: root) }
            let (text, h) = try ProjectHistory.diff(root, rev: rev, files: files)
            note("\(h.entry.id.prefix(12)) (\(shown(h.kind))\(h.files.isEmpty ? "" : " " + h.files.map(shown).joined(separator: " "))): \(shown(h.entry.subject))")
            // a patch piped on (to git apply) keeps its bytes; on a terminal its control characters are escaped
            FileHandle.standardOutput.write(Data((isatty(STDOUT_FILENO) != 0 ? TerminalText.escapedLines(text) : text).utf8))
        }
    }
}

struct Undo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "undo",
        abstract: "Take back the last generation with a new commit (history is never rewritten).",
        discussion: """
        Makes a new commit whose files are those before the last commit, which must be one of deepcoder's \
        (new, regen, undo or restore; undoing an undo redoes). Refuses when there are uncommitted changes, and for \
        the project's first commit (there is nothing before it).
        """)
    @OptionGroup var project: ProjectOption

    func run() throws {
        try runHistoryCommand {
            let root = try project.root()
            let (id, undone) = try ProjectHistory.undo(root)
            printSafe("Undid \(undone.entry.id.prefix(12)) (\(shown(undone.kind)): \(shown(undone.entry.subject))) with commit \(id.prefix(12)).")
            printSafe("Files back as before: \(undone.entry.changedFiles.map(shown).joined(separator: ", "))")
        }
    }
}

struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Bring one file back as it was in an earlier commit, as a new commit.",
        discussion: """
        Example: deepcoder restore templates/index.html --to HEAD~2
        Refuses when there are uncommitted changes (nothing is ever discarded).
        """)
    @Argument(help: "The file to bring back.")
    var file: String
    @Option(help: "The commit to take it from (an id from `deepcoder log`, HEAD~1, …).")
    var to: String
    @OptionGroup var project: ProjectOption

    func run() throws {
        try runHistoryCommand {
            let root = try project.root()
            let path = try project.projectPath(file, root: root)
            let id = try ProjectHistory.restore(root, file: path, to: to)
            printSafe("Restored \(shown(path)) from \(shown(to)) with commit \(id.prefix(12)).")
        }
    }
}

struct Reproduce: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Re-run a recorded generation and check that the output is byte identical.",
        discussion: """
        Reads the model, its SHA-256, the seed, the sampling and the options from the commit's trailers (default: the \
        last generation), runs the same generation in a scratch directory and compares every file with the commit. \
        Only timings in .deepcoder/generation.json are ignored. The model must have the recorded SHA-256.
        Exit codes: 0 identical, 1 differs (the files are listed), 2 usage errors, 3 model missing or different.
        """)
    @Argument(help: "The commit (default: the last generation).")
    var rev: String?
    @Option(help: "The model file or name to use (must have the recorded SHA-256; default: the recorded model).")
    var model: String?
    @Option(help: "Threads for the inference engine, 1 to 256 (default: all cores).")
    var threads: Int?
    @OptionGroup var backend: BackendOption
    @Option(help: "Directory whose templates override the built-in ones (use the same as the original run).")
    var templates: String?
    @OptionGroup var project: ProjectOption

    func validate() throws {
        try OptionLimits.checkThreads(threads)
    }

    func run() throws {
        InterruptHandler.install()
        try runHistoryCommand {
            let root = try project.root()
            let entry: HistoryEntry
            if let rev {
                do { entry = HistoryEntry(try GitStore.commit(rev, in: root)) } catch {
                    throw ScaffoldError.usage("no commit '\(rev)' in \(root.path): \(error)")
                }
            } else {
                guard let g = try ProjectHistory.lastGeneration(root) else { throw ScaffoldError.usage("the project has no deepcoder generation yet") }
                entry = g
            }
            let recorded = try RecordedGeneration(entry)
            let url = backend.url ?? recorded.backend
            if let url {
                note("note: \(entry.entry.id.prefix(12)) was generated on a remote server (\(recorded.backend ?? "?")); remote generations "
                    + "are reproducible only where the server gives the same tokens for the same seed (greedy, one request at a time, "
                    + "the same server build and hardware)")
                if recorded.backend == nil { note("warning: \(entry.entry.id.prefix(12)) was generated in-process; --backend \(url) may differ") }
            }
            var generator = try loadGenerator(model: model ?? recorded.model, threads: threads, backend: url)
            guard url != nil || generator.identity.modelSHA256 == recorded.modelSHA256 else {
                throw ScaffoldError.generation("the model \(model ?? recorded.model) has SHA-256 \(generator.identity.modelSHA256), but \(entry.entry.id.prefix(12)) was generated with \(recorded.modelSHA256); pass --model with the recorded model file")
            }
            if generator.identity.modelName != recorded.model { generator = RenamedGenerator(generator, name: recorded.model) }
            if let e = recorded.engine, e != generator.identity.engine {
                note("warning: recorded engine \(e), this is \(generator.identity.engine); the output may differ")
            }
            note("reproducing \(entry.entry.id.prefix(12)) (\(shown(entry.kind))): seed \(recorded.sampling.seed), \(recorded.sampling.trailerValue)\(recorded.verify ? "" : ", --no-verify")")
            let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            let report = try Reproducer.run(root, recorded: recorded, generator: generator,
                                            templatesDirectory: templates.map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL },
                                            progress: note)
            if report.identical {
                printSafe("identical: \(report.compared) files of \(report.commit.prefix(12)) (\(shown(report.kind))) reproduced byte for byte")
            } else {
                printSafe("differs: \(report.commit.prefix(12)) (\(shown(report.kind))) was not reproduced")
                for f in report.differing { printSafe("  differs  \(shown(f))") }
                for f in report.missing { printSafe("  missing  \(shown(f))") }
                for f in report.extra { printSafe("  extra    \(shown(f))") }
                throw ExitCode(1)
            }
        }
    }
}
