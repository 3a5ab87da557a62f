import Foundation
import GitStore
import InputSafety
#if canImport(Glibc)
import Glibc
#endif

/// Errors of `deepcoder new`, each with its exit code.
public enum ScaffoldError: Error, CustomStringConvertible {
    /// bad input: empty description, non-empty target directory, unusable templates (exit 2)
    case usage(String)
    /// the model could not produce a usable answer, or the generator failed (exit 3)
    case generation(String)

    public var exitCode: Int32 {
        switch self { case .usage: return 2; case .generation: return 3 }
    }
    public var description: String {
        switch self { case .usage(let m), .generation(let m): return m }
    }
}

public struct NewOptions: Sendable {
    public var description: String
    public var outputDirectory: URL?
    public var sampling: SamplingOptions
    public var maxRepairs: Int
    public var verify: Bool
    public var templatesDirectory: URL?
    public var workingDirectory: URL
    /// attempts per file when the answer has no usable code (first ask included)
    public var maxAsks: Int
    public var pythonEnvironment: PythonEnvironment
    /// answers asked per file, repair and view (best-of-N, `Candidates.swift`); 1 asks one
    public var candidates: Int

    public init(description: String, outputDirectory: URL? = nil, sampling: SamplingOptions = SamplingOptions(),
                maxRepairs: Int = 2, verify: Bool = true, templatesDirectory: URL? = nil,
                workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                maxAsks: Int = 3, pythonEnvironment: PythonEnvironment = PythonEnvironment(), candidates: Int = 1) {
        self.description = description; self.outputDirectory = outputDirectory; self.sampling = sampling
        self.maxRepairs = maxRepairs; self.verify = verify; self.templatesDirectory = templatesDirectory
        self.workingDirectory = workingDirectory; self.maxAsks = maxAsks; self.pythonEnvironment = pythonEnvironment
        self.candidates = candidates
    }
}

public struct FileGenerationRecord: Sendable, Codable {
    public var path: String
    public var template: String
    public var promptTokens: Int
    public var generatedTokens: Int
    public var seconds: Double
    public var asks: Int
    public var repairs: Int
}

public struct NewReport: Sendable, Codable {
    public var directory: String
    public var projectName: String
    public var kind: String
    public var planSource: String
    public var files: [String]
    public var verification: String
    public var checks: [CheckResult]
    public var repairRounds: Int
    public var commit: String
    public var model: String
    public var seconds: Double
    public var exitCode: Int32
    public var howToRun: [String]
    /// what deepcoder decided where the description is silent (also in the project's README)
    public var decisions: [String] = []
    /// statements of the contract no check covered
    public var notChecked: [String] = []
    /// where verification ran: "bwrap" or "none" (nil with --no-verify)
    public var sandbox: String? = nil
}

/// `deepcoder new`: description → plan and contract (`Planner`) → files (`ProjectBuild`, `FileGenerator`)
/// → verification and repairs (Repair.swift) → records and commit (`ProjectWriter`) → the project moved
/// into place, atomically.
public final class Pipeline {
    public let generator: any TextGenerator
    public let options: NewOptions
    public let renderer: TemplateRenderer
    let start = Date()
    /// a progress line: "[stage] message (elapsed 1.2s)"
    let say: (String, String) -> Void
    var spec: ProjectSpec
    let asker: ModelAsker

    public init(generator: any TextGenerator, options: NewOptions, progress: @escaping (String) -> Void = { _ in }) {
        self.generator = generator
        self.options = options
        self.renderer = TemplateRenderer(overrideDirectory: options.templatesDirectory)
        self.spec = ProjectSpec(description: options.description)
        self.say = Self.stages(progress, from: start)
        self.asker = ModelAsker(generator: generator, say: say)
    }

    /// Progress lines of one run: "[stage] message (elapsed 1.2s)", the time counted from `start`.
    static func stages(_ progress: @escaping (String) -> Void, from start: Date) -> (String, String) -> Void {
        { stage, message in progress("[\(stage)] \(message) (elapsed \(String(format: "%.1fs", Date().timeIntervalSince(start))))") }
    }

    var planner: Planner { Planner(generator: generator, renderer: renderer, sampling: options.sampling, asker: asker, say: say) }

    /// The directory the project goes to.
    public var targetDirectory: URL {
        (options.outputDirectory ?? options.workingDirectory.appendingPathComponent(spec.slug)).standardizedFileURL
    }

    // MARK: - run

    /// What `new --plan-only` prints: the plan and the contract `new` would build the project from.
    public struct PlanPreview: Sendable, Codable {
        public var projectName: String
        public var plan: ProjectPlan
        public var contract: Contract
        /// true when the model's plan answer was constrained to `prompts/plan.schema.json`
        public var constrained: Bool
        /// false when the answer stopped before it was complete (max tokens), nil when not constrained
        public var answerComplete: Bool?
        public var model: String
        public var seconds: Double
    }

    /// The plan and contract step alone: no target directory, no files, no verification.
    public func planOnly() throws -> PlanPreview {
        guard !spec.description.isEmpty else { throw ScaffoldError.usage("the description is empty") }
        let project = try planner.plan(spec)
        spec = project.spec
        return PlanPreview(projectName: spec.projectName, plan: project.plan, contract: project.contract, constrained: planner.constrainsPlan,
                           answerComplete: project.planComplete, model: generator.identity.modelName, seconds: Date().timeIntervalSince(start))
    }

    public func run() throws -> NewReport {
        guard !spec.description.isEmpty else { throw ScaffoldError.usage("the description is empty") }
        let target = targetDirectory
        try Self.checkTarget(target)
        say("spec", "\"\(spec.projectName)\" → \(target.path)")
        if !spec.pinned.isEmpty { say("spec", "pinned: " + spec.pinned.bulletList.replacingOccurrences(of: "\n", with: " ")) }
        for name in ["prompts/system.mustache", "prompts/plan.mustache", "prompts/file.mustache", "prompts/repair.mustache",
                     "skeleton/requirements.txt.mustache", "skeleton/README.md.mustache", "skeleton/gitignore.mustache",
                     "skeleton/tests/test_app.py.mustache"] where !renderer.exists(name) {
            throw ScaffoldError.usage("template \(name) not found")
        }

        let parent = target.deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true) } catch {
            throw ScaffoldError.usage("cannot create \(parent.path): \(error.localizedDescription)")
        }
        let temp = parent.appendingPathComponent(".\(target.lastPathComponent).deepcoder-\(UUID().uuidString.prefix(8))")
        let tempToken = Interrupts.shared.track(temp)
        try FileManager.default.createDirectory(at: temp, withIntermediateDirectories: false)
        var done = false
        defer { if !done { try? FileManager.default.removeItem(at: temp) }; Interrupts.shared.release(tempToken) }

        // plan and contract
        let planned = try planner.plan(spec)
        spec = planned.spec
        for d in planned.contract.decisions { say("contract", "decided: \(d)") }
        for d in planned.contract.dropped { say("contract", "not kept: \(d)") }
        say("plan", "\(planned.plan.kind.rawValue) from \(planned.plan.source): files \(planned.plan.files.map(\.path).joined(separator: ", ")); routes \(planned.plan.routes.map { "\($0.method) \($0.path)" }.joined(separator: ", "))")
        let build = ProjectBuild(planned, generator: generator, options: options, renderer: renderer, asker: asker, say: say)
        try build.writer.writeMeta(build.project, in: temp, verification: nil)

        // files (app.py from a template when the plan fixes it: the model writes the page)
        build.chooseSkeleton()
        try build.generateFiles(in: temp)

        // verify + repair
        var report: VerificationReport? = nil
        var rounds = 0
        if options.verify {
            let files = build.project.skeleton.modelFiles(build.project.plan)
            let (r, n) = try build.verifyAndRepair(temp, verifier: build.verifier(), targets: build.repairTargets,
                                                   file: { path in files.first { $0.path == path } ?? PlannedFile(path: path, purpose: "") })
            report = r; rounds = n
        } else {
            say("verify", "skipped (--no-verify)")
        }
        let checks = build.derivedChecks()
        let project = build.project
        let checkedSomething = Project.checkedSomething(checks)
        let verifyLine: String
        if let r = report {
            verifyLine = (r.passed ? "\(checkedSomething ? "passed" : "unchecked: runs, but nothing the description states could be checked") (\(r.checks.filter { $0.status == .passed }.map(\.name.rawValue).joined(separator: ", ")))"
                : "failed (\(r.failedNames.joined(separator: ", ")))") + "; " + Project.coverageText(checks, contract: project.contract)
        } else { verifyLine = "skipped (--no-verify)" }
        try build.writer.writeMeta(project, in: temp, verification: report, rounds: rounds)

        // commit, then move into place
        let message = build.writer.commitMessage(spec, verifyLine: verifyLine)
        let commitID: String
        do { commitID = try GitStore.commitAll(in: temp, message: message) } catch {
            throw ScaffoldError.generation("git commit failed: \(error)")
        }
        say("git", "committed \(commitID.prefix(12))")
        // the move and the release happen together: an interrupt removes the temp directory or none of the project
        try Interrupts.shared.held {
            try ProjectWriter.moveIntoPlace(temp, target)
            done = true
            Interrupts.shared.release(tempToken)
        }
        say("finished", "\(target.path): verification \(verifyLine)")

        let files = ProjectWriter.listFiles(target)
        // exit 0 claims that the app does what the description says: only with evidence of it
        let exit: Int32 = !(report?.passed ?? true) ? 1 : (report != nil && !checkedSomething ? 4 : 0)
        let venvHint = options.pythonEnvironment.isReady ? options.pythonEnvironment.python : "python3"
        return NewReport(directory: target.path, projectName: spec.projectName, kind: project.plan.kind.rawValue, planSource: project.plan.source,
                         files: files, verification: verifyLine, checks: report?.checks ?? [], repairRounds: rounds,
                         commit: commitID, model: generator.identity.modelName, seconds: Date().timeIntervalSince(start),
                         exitCode: exit,
                         howToRun: ["cd \(target.path)", "\(venvHint) app.py    # then open http://127.0.0.1:\(project.plan.port)/",
                                    "\(venvHint) -m pytest -q tests"],
                         decisions: project.contract.decisions, notChecked: project.contract.unchecked, sandbox: report?.sandbox?.rawValue)
    }
}
