import Foundation
import GitStore
import InputSafety
#if canImport(Glibc)
import Glibc
#endif

/// What `deepcoder regen` asks the pipeline for: these files, with this instruction.
struct RegenRequest {
    var files: Set<String>
    var instruction: String?
    /// the content of each named file before the regeneration (absent for a file new to the project)
    var current: [String: String]
}

extension SamplingOptions {
    /// The value of the `Deepcoder-Sampling` trailer (as `deepcoder new` writes it).
    public var trailerValue: String {
        "temperature=\(temperature) top_k=\(topK) top_p=\(topP) min_p=\(minP) repeat_penalty=\(repeatPenalty) max_tokens=\(maxTokens)"
    }

    /// Parses a `Deepcoder-Sampling` trailer back; `seed` comes from `Deepcoder-Seed`.
    public init?(trailer: String, seed: UInt64) {
        var d: [String: String] = [:]
        for part in trailer.split(separator: " ") {
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            if kv.count == 2 { d[kv[0]] = kv[1] }
        }
        guard let t = d["temperature"].flatMap(Double.init), let k = d["top_k"].flatMap(Int.init),
              let p = d["top_p"].flatMap(Double.init), let m = d["min_p"].flatMap(Double.init),
              let r = d["repeat_penalty"].flatMap(Double.init), let n = d["max_tokens"].flatMap(Int.init) else { return nil }
        self.init(temperature: t, topK: k, topP: p, minP: m, repeatPenalty: r, seed: seed, maxTokens: n)
    }
}

public struct RegenOptions: Sendable {
    /// project-relative paths of the files to regenerate
    public var files: [String]
    public var instruction: String?
    /// a new description replacing the stored spec
    public var description: String?
    /// rebuild the plan from the files present instead of reading .deepcoder/plan.json
    public var replan: Bool
    public var sampling: SamplingOptions
    public var maxRepairs: Int
    public var verify: Bool
    public var templatesDirectory: URL?
    public var maxAsks: Int
    public var pythonEnvironment: PythonEnvironment
    /// answers asked per file and repair (best-of-N)
    public var candidates: Int

    public init(files: [String], instruction: String? = nil, description: String? = nil, replan: Bool = false,
                sampling: SamplingOptions = SamplingOptions(), maxRepairs: Int = 2, verify: Bool = true,
                templatesDirectory: URL? = nil, maxAsks: Int = 3, pythonEnvironment: PythonEnvironment = PythonEnvironment(),
                candidates: Int = 1) {
        self.candidates = candidates
        self.files = files; self.instruction = instruction.map(Regenerator.oneLine).flatMap { $0.isEmpty ? nil : $0 }
        self.description = description; self.replan = replan; self.sampling = sampling; self.maxRepairs = maxRepairs
        self.verify = verify; self.templatesDirectory = templatesDirectory; self.maxAsks = maxAsks
        self.pythonEnvironment = pythonEnvironment
    }
}

/// What a regeneration produced in its working copy.
public struct RegenOutcome: Sendable {
    /// the regenerated files, in generation order
    public var files: [String]
    /// every path the commit must carry (regenerated files + .deepcoder/ records) with its new bytes
    public var changed: [String: Data]
    public var verification: String
    public var checks: [CheckResult]
    public var repairRounds: Int
    public var passed: Bool
    /// where verification ran (nil with --no-verify)
    public var sandbox: SandboxKind? = nil
}

/// Regenerates named files of a project that sits in a scratch directory (never the user's tree):
/// the stored spec, plan and the other files are the context; only the named files are written
/// (plus the `.deepcoder/` records); the whole project is verified and only named files repaired.
public enum Regenerator {
    public static let metaFiles = [".deepcoder/spec.md", ".deepcoder/plan.json", ".deepcoder/contract.json", ".deepcoder/generation.json"]

    static func oneLine(_ s: String) -> String {
        s.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\t" }).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// The description stored in `.deepcoder/spec.md` ("# Name\n\nDESCRIPTION\n").
    public static func storedDescription(in dir: URL) -> String? {
        storedDescription(FileManager.default.contents(atPath: dir.appendingPathComponent(".deepcoder/spec.md").path))
    }

    /// The description in the bytes of a `.deepcoder/spec.md`.
    static func storedDescription(_ data: Data?) -> String? {
        guard let data, let text = String(validating: data, as: UTF8.self),
              text.hasPrefix("# "), let r = text.range(of: "\n\n") else { return nil }
        let d = String(text[r.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
        return d.isEmpty ? nil : d
    }

    /// What regen works from besides the files: the description (--spec, or `.deepcoder/spec.md`) and the
    /// plan (`.deepcoder/plan.json`; nil with --replan, which rebuilds it). A usage error saying the fix
    /// when one is missing or damaged. Checked on HEAD before a model is loaded, then on the scratch copy.
    static func records(options: RegenOptions, spec: Data?, plan: Data?) throws -> (description: String, plan: ProjectPlan?) {
        let description: String
        if let d = options.description?.trimmingCharacters(in: .whitespacesAndNewlines), !d.isEmpty {
            description = d
        } else if let d = storedDescription(spec) {
            description = d
        } else {
            throw ScaffoldError.usage("the project's description (.deepcoder/spec.md) is missing or damaged; give it again with --spec \"DESCRIPTION\" (add --replan if .deepcoder/plan.json is gone too)")
        }
        if options.replan { return (description, nil) }
        guard let stored = try ProjectRecords.plan(from: plan) else {
            throw ScaffoldError.usage("the project has no .deepcoder/plan.json; run again with --replan to rebuild the plan from the files present")
        }
        return (description, stored)
    }

    /// The plan rebuilt from the files present: the rule-based plan for the spec, with the files the model
    /// writes that exist in the project.
    static func replan(_ spec: ProjectSpec, files present: [String]) -> ProjectPlan {
        var plan = PlanBuilder.ruleBased(spec)
        let allowed = present.filter { PlanBuilder.isAllowedPlannedPath($0) }
        var files = plan.files.filter { allowed.contains($0.path) }
        for p in allowed where !files.contains(where: { $0.path == p }) { files.append(PlannedFile(path: p, purpose: "present in the project")) }
        plan.files = files
        plan.source = "replan"
        plan.notes.append("rebuilt by deepcoder regen --replan from the files present")
        return plan
    }

    public static func regenerate(in dir: URL, generator: any TextGenerator, options: RegenOptions,
                                  progress: @escaping (String) -> Void = { _ in }) throws -> RegenOutcome {
        let say = Pipeline.stages(progress, from: Date())
        guard !options.files.isEmpty else { throw ScaffoldError.usage("name at least one file to regenerate, e.g. `deepcoder regen app.py`") }
        let fm = FileManager.default
        // spec and plan
        let (description, recorded) = try records(options: options, spec: fm.contents(atPath: dir.appendingPathComponent(".deepcoder/spec.md").path),
                                                  plan: fm.contents(atPath: dir.appendingPathComponent(".deepcoder/plan.json").path))
        let spec = ProjectSpec(description: description)
        var plan = recorded ?? replan(spec, files: ProjectWriter.listFiles(dir))
        // the named files
        var named: [String] = []
        for path in options.files {
            do { _ = try PathSafety.resolve(path, in: dir) } catch { throw ScaffoldError.usage("\(error)") }
            guard PlanBuilder.isAllowedPlannedPath(path) else {
                throw ScaffoldError.usage("\(path) is not a file deepcoder generates (app.py, forms.py, templates/NAME.html, static/NAME.js or static/NAME.css); the skeleton files (README.md, requirements.txt, tests/) are not regenerated")
            }
            if !plan.files.contains(where: { $0.path == path }) {
                guard let instruction = options.instruction else {
                    throw ScaffoldError.usage("\(path) is not in the project's plan; to add it, say what it should contain with --instruction \"…\"")
                }
                plan.files.append(PlannedFile(path: path, purpose: instruction))
                plan.notes.append("\(path) added by deepcoder regen")
            }
            if !named.contains(path) { named.append(path) }
        }
        let newOptions = NewOptions(description: description, outputDirectory: dir, sampling: options.sampling,
                                    maxRepairs: options.maxRepairs, verify: options.verify, templatesDirectory: options.templatesDirectory,
                                    workingDirectory: dir, maxAsks: options.maxAsks, pythonEnvironment: options.pythonEnvironment,
                                    candidates: options.candidates)
        let renderer = TemplateRenderer(overrideDirectory: options.templatesDirectory)
        for name in ["prompts/system.mustache", "prompts/regen.mustache", "prompts/repair.mustache"] where !renderer.exists(name) {
            throw ScaffoldError.usage("template \(name) not found")
        }
        // the contract new wrote (its checks are the project's); rebuilt from the description's
        // explicit syntax when it is missing or damaged
        let contract: Contract
        if var stored = try ProjectRecords.contract(in: dir) {
            for i in stored.examples.indices { stored.examples[i].checked = false }
            for i in stored.errors.indices { stored.errors[i].checked = false }
            contract = stored
        } else {
            contract = ContractReader.explicit(spec, plan: plan)
        }
        // the project as its records and files have it, with the files asked for
        var project = Project(spec: spec, plan: plan, contract: contract)
        for f in plan.generatedFiles {
            if let c = try? String(contentsOf: PathSafety.resolve(f.path, in: dir), encoding: .utf8) { project.contents[f.path] = c }
        }
        var current: [String: String] = [:]
        for p in named { current[p] = project.contents[p] }
        project.regenRequest = RegenRequest(files: Set(named), instruction: options.instruction, current: current)
        let build = ProjectBuild(project, generator: generator, options: newOptions, renderer: renderer,
                                 asker: ModelAsker(generator: generator, say: say), say: say)
        let order = plan.generatedFiles.map(\.path).filter { named.contains($0) }
        say("regen", "\(order.joined(separator: ", "))\(options.instruction.map { ": \"\($0)\"" } ?? "")")

        for path in order {
            let file = plan.files.first { $0.path == path }!
            let content = try build.generateFile(file, repairError: nil)
            build.project.contents[path] = content
            try build.write(content, path: path, in: dir)
        }
        build.project.regenRequest = nil

        // verify the whole project; repair only the regenerated files
        var report: VerificationReport? = nil
        var rounds = 0
        if options.verify {
            let (r, n) = try build.verifyAndRepair(dir, verifier: build.verifier(),
                                                   targets: { Self.repairTargets(build.repairTargets($0), named: order) },
                                                   file: { path in plan.files.first { $0.path == path } ?? PlannedFile(path: path, purpose: "") })
            report = r; rounds = n
        } else {
            say("verify", "skipped (--no-verify)")
        }
        let verifyLine: String
        if let r = report {
            verifyLine = r.passed ? "passed (\(r.checks.filter { $0.status == .passed }.map(\.name.rawValue).joined(separator: ", ")))"
                : "failed (\(r.failedNames.joined(separator: ", ")))"
        } else { verifyLine = "skipped (--no-verify)" }
        try build.writer.writeMeta(build.project, in: dir, verification: report, rounds: rounds)

        var changed: [String: Data] = [:]
        for p in order + metaFiles {
            guard let d = fm.contents(atPath: dir.appendingPathComponent(p).path) else { continue }
            changed[p] = d
        }
        return RegenOutcome(files: order, changed: changed, verification: verifyLine, checks: report?.checks ?? [],
                            repairRounds: rounds, passed: report?.passed ?? true, sandbox: report?.sandbox)
    }

    /// Repair targets restricted to the regenerated files: errors blamed on another file go to the first
    /// regenerated .py file (or the first regenerated file), since only those may change.
    static func repairTargets(_ targets: [(String, String)], named: [String]) -> [(String, String)] {
        var order: [String] = []
        var errors: [String: [String]] = [:]
        let fallback = named.first { $0.hasSuffix(".py") } ?? named.first
        for (path, e) in targets {
            guard let to = named.contains(path) ? path : fallback else { continue }
            if errors[to] == nil { order.append(to) }
            errors[to, default: []].append(named.contains(path) ? e : "(in \(path))\n" + e)
        }
        return order.map { ($0, errors[$0]!.joined(separator: "\n\n")) }
    }

    /// The commit message of a regeneration: subject, instruction, and the trailers that reproduce it.
    public static func commitMessage(outcome: RegenOutcome, options: RegenOptions, identity: GeneratorIdentity) -> String {
        var lines = ["Regenerate \(outcome.files.joined(separator: ", ")) (deepcoder)", ""]
        lines.append(options.instruction.map { "Instruction: \($0)" } ?? "Regenerated without an instruction.")
        if let d = options.description { lines.append(""); lines.append("New description:"); lines.append(d.replacingOccurrences(of: "\r\n", with: "\n")) }
        lines.append("")
        lines.append("Deepcoder-Model: \(identity.modelName)")
        lines.append("Deepcoder-Model-SHA256: \(identity.modelSHA256)")
        lines.append("Deepcoder-Seed: \(options.sampling.seed)")
        lines.append("Deepcoder-Sampling: \(options.sampling.trailerValue)")
        lines.append("Deepcoder-Engine: \(identity.engine)")
        if let backend = identity.backend { lines.append("Deepcoder-Backend: \(backend)") }
        if let draft = identity.draft { lines.append("Deepcoder-Draft: \(draft)") }
        lines.append("Deepcoder-Kind: regen")
        lines.append("Deepcoder-Max-Repairs: \(options.maxRepairs)")
        if options.candidates > 1 { lines.append("Deepcoder-Candidates: \(options.candidates)") }
        lines.append("Deepcoder-Regenerated: \(outcome.files.joined(separator: " "))")
        if let i = options.instruction { lines.append("Deepcoder-Instruction: \(i)") }
        if options.replan { lines.append("Deepcoder-Replan: yes") }
        lines.append("Deepcoder-Verify: \(outcome.verification)")
        return lines.joined(separator: "\n") + "\n"
    }
}
