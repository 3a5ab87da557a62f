import Foundation
import GitStore
import InputSafety
#if canImport(Glibc)
import Glibc
#endif

/// Writes a project: its files (inside its directory only), the tool's skeleton files, the records in
/// `.deepcoder/`, the commit with the trailers that reproduce it, and the move into place.
struct ProjectWriter {
    let identity: GeneratorIdentity
    let sampling: SamplingOptions
    let maxRepairs: Int
    let candidates: Int
    let renderer: TemplateRenderer
    let say: (String, String) -> Void

    static func moveIntoPlace(_ temp: URL, _ target: URL) throws {
        try Pipeline.checkTarget(target) // it may have been filled meanwhile
        if rename(temp.path, target.path) != 0 {
            let err = String(cString: strerror(errno))
            throw ScaffoldError.usage("cannot move the project into \(target.path): \(err)")
        }
    }

    static func listFiles(_ dir: URL) -> [String] {
        guard let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var out: [String] = []
        let base = dir.resolvingSymlinksInPath().path
        for case let u as URL in e {
            let p = u.resolvingSymlinksInPath().path
            let rel = p.hasPrefix(base + "/") ? String(p.dropFirst(base.count + 1)) : u.lastPathComponent
            if rel == ".git" || rel.hasPrefix(".git/") { e.skipDescendants(); continue }
            if (try? u.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { out.append(rel) }
        }
        return out.sorted()
    }

    /// Writes `content` as `path` inside `root` (a path that leaves `root` is refused).
    static func write(_ content: String, path: String, in root: URL) throws {
        let url: URL
        do { url = try PathSafety.resolve(path, in: root) } catch { throw ScaffoldError.generation("\(error)") }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        // not atomic: the directory is the run's own (temp or scratch) and Foundation's atomic write
        // stages in TMPDIR, where an interrupt would strand the staged copy
        try content.write(to: url, atomically: false, encoding: .utf8)
    }

    func write(_ content: String, path: String, in root: URL) throws { try Self.write(content, path: path, in: root) }

    /// The tool's files: requirements.txt, README.md, .gitignore and tests/test_app.py (the routes'
    /// probes and the stated behaviour).
    func writeSkeleton(_ project: Project, checks: DerivedChecks, in dir: URL) throws {
        let (spec, plan, contract) = (project.spec, project.plan, project.contract)
        let probes = Probes.make(for: plan, types: project.parameterTypes)
        var used = Set<String>()
        let probeCtx: [[String: Any]] = probes.map { p in
            var base = (p.method.lowercased() + "_" + p.routePath).lowercased()
                .replacingOccurrences(of: #"[^a-z0-9]+"#, with: "_", options: .regularExpression)
                .trimmingCharacters(in: CharacterSet(charactersIn: "_"))
            if base.hasSuffix(p.method.lowercased()) { base += "_root" }
            var name = base
            var n = 2
            while !used.insert(name).inserted { name = "\(base)_\(n)"; n += 1 }
            let form = p.form.map { "{" + $0.sorted { $0.key < $1.key }.map { "\(PythonLiteral.string($0.key)): \(PythonLiteral.string($0.value))" }.joined(separator: ", ") + "}" }
            let json = p.json.map { "{" + $0.sorted { $0.key < $1.key }.map { "\(PythonLiteral.string($0.key)): \($0.value.pythonLiteral)" }.joined(separator: ", ") + "}" }
            return ["testName": name, "method": p.method, "routePath": p.routePath, "urlLiteral": PythonLiteral.string(p.url),
                    "hasForm": form != nil, "formLiteral": form ?? "", "hasJSON": json != nil, "jsonLiteral": json ?? "",
                    "mustExist": p.mustExist]
        }
        // the stated behaviour, for the project's own tests (as JSON, read by the test file)
        let stated = checks.behaviour
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]  // the same bytes every run: `reproduce` compares commits
        let statedJSON = (try? encoder.encode(stated)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        let ctx: [String: Any] = [
            "statedLiteral": PythonLiteral.string(statedJSON),
            "projectName": spec.projectName, "description": spec.description, "port": plan.port,
            "modelName": identity.modelName, "seed": sampling.seed,
            "routes": plan.routes.map { ["method": $0.method, "path": $0.path, "purpose": $0.purpose] },
            "probes": probeCtx,
            "hasDecisions": !contract.decisions.isEmpty, "decisions": contract.decisions,
        ]
        for (template, path) in [("skeleton/requirements.txt.mustache", "requirements.txt"), ("skeleton/README.md.mustache", "README.md"),
                                 ("skeleton/gitignore.mustache", ".gitignore"), ("skeleton/tests/test_app.py.mustache", "tests/test_app.py")] {
            let text = try renderer.render(template, ctx)
            try write(text.trimmingCharacters(in: .newlines) + "\n", path: path, in: dir)
        }
        say("skeleton", "requirements.txt, README.md, .gitignore, tests/test_app.py (\(probes.count) route test(s), \(stated.count) stated behaviour test(s))")
    }

    /// `.deepcoder/`: the description, the plan, the contract and how each file was generated.
    func writeMeta(_ project: Project, in dir: URL, verification: VerificationReport?, rounds: Int = 0) throws {
        let (spec, plan, contract) = (project.spec, project.plan, project.contract)
        try write("# \(spec.projectName)\n\n\(spec.description)\n", path: ".deepcoder/spec.md", in: dir)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try write(String(decoding: try enc.encode(plan), as: UTF8.self) + "\n", path: ".deepcoder/plan.json", in: dir)
        try write(String(decoding: try enc.encode(contract), as: UTF8.self) + "\n", path: ".deepcoder/contract.json", in: dir)
        guard !project.records.isEmpty || project.planRecord != nil else { return }
        struct Generation: Encodable {
            var model: String; var modelSHA256: String; var engine: String; var backend: String?
            /// tokens drafted ahead ("ngram"): the same tokens as plain decoding, only faster; nil when off
            var draft: String?
            var sampling: SamplingOptions
            var plan: FileGenerationRecord?; var files: [FileGenerationRecord]; var repairRounds: Int
            var verification: [CheckResult]?
            var sandbox: SandboxKind?
            var candidates: [CandidateScore]?
        }
        let id = identity
        let g = Generation(model: id.modelName, modelSHA256: id.modelSHA256, engine: id.engine, backend: id.backend, draft: id.draft, sampling: sampling,
                           plan: project.planRecord, files: project.skeleton.modelFiles(plan).compactMap { project.records[$0.path] }, repairRounds: rounds,
                           verification: verification?.checks, sandbox: verification?.sandbox,
                           candidates: project.candidateScores.isEmpty ? nil : project.candidateScores)
        try write(String(decoding: try enc.encode(g), as: UTF8.self) + "\n", path: ".deepcoder/generation.json", in: dir)
    }

    /// The commit message of `new`: subject, description, and the trailers that reproduce the run.
    func commitMessage(_ spec: ProjectSpec, verifyLine: String) -> String {
        let id = identity
        let s = sampling
        let sampling = "temperature=\(s.temperature) top_k=\(s.topK) top_p=\(s.topP) min_p=\(s.minP) repeat_penalty=\(s.repeatPenalty) max_tokens=\(s.maxTokens)"
        let body = spec.description.replacingOccurrences(of: "\r\n", with: "\n")
        return """
        Create \(spec.projectName) (deepcoder)

        \(body)

        Deepcoder-Model: \(id.modelName)
        Deepcoder-Model-SHA256: \(id.modelSHA256)
        Deepcoder-Seed: \(s.seed)
        Deepcoder-Sampling: \(sampling)
        Deepcoder-Engine: \(id.engine)
        Deepcoder-Kind: new
        Deepcoder-Max-Repairs: \(maxRepairs)\(candidates > 1 ? "\nDeepcoder-Candidates: \(candidates)" : "")
        Deepcoder-Verify: \(verifyLine)\(id.backend.map { "\nDeepcoder-Backend: \($0)" } ?? "")\(id.draft.map { "\nDeepcoder-Draft: \($0)" } ?? "")

        """
    }
}
