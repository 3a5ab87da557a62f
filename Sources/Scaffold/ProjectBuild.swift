import Foundation

/// A project being built: the `Project` value and the parts that change it (the file generator, the
/// repairs, best-of-N, the writer). `new` makes one after planning; `regen` makes one from the
/// project's records.
final class ProjectBuild {
    var project: Project
    let generator: any TextGenerator
    let options: NewOptions
    let renderer: TemplateRenderer
    let say: (String, String) -> Void
    let asker: ModelAsker
    let writer: ProjectWriter
    /// best-of-N answers waiting to be tried in place of the written ones (`tryCandidates`)
    var candidatePool = CandidatePool()

    init(_ project: Project, generator: any TextGenerator, options: NewOptions, renderer: TemplateRenderer,
         asker: ModelAsker, say: @escaping (String, String) -> Void) {
        self.project = project; self.generator = generator; self.options = options; self.renderer = renderer
        self.asker = asker; self.say = say
        self.writer = ProjectWriter(identity: generator.identity, sampling: options.sampling, maxRepairs: options.maxRepairs,
                                    candidates: options.candidates, renderer: renderer, say: say)
    }

    /// The checks verification runs, derived at first use and kept.
    func derivedChecks() -> DerivedChecks {
        if let c = project.checks { return c }
        let c = project.deriveChecks()
        project.checks = c
        return c
    }

    /// The prompts for the project as it is now. Their checks are derived when a prompt first lists
    /// them (`derivedChecks`, which marks what they cover in the contract).
    var prompts: FilePrompts {
        FilePrompts(project: project, checks: { [unowned self] in self.derivedChecks() }, renderer: renderer,
                    continuesPrefill: generator.continuesPrefill)
    }

    var fileGenerator: FileGenerator {
        FileGenerator(asker: asker, renderer: renderer, sampling: options.sampling, maxAsks: options.maxAsks,
                      candidateCount: candidateCount, say: say)
    }

    /// Generates `file` (a first version, a repair, or a regen) and keeps its record; the other usable
    /// answers of a best-of-N ask wait in the candidate pool.
    func generateFile(_ file: PlannedFile, repairError: String?, round: Int = 0, faultLine: Int? = nil) throws -> String {
        var record = project.records[file.path]
        defer { if let record { project.records[file.path] = record } }
        let out = try fileGenerator.generate(file, prompts: prompts, record: &record, repairError: repairError, round: round, faultLine: faultLine)
        if let o = out.offered { candidatePool.offer(.file(file.path), chosen: o.chosen, others: o.others, count: o.count) }
        return out.content
    }

    /// Which app.py the tool writes (`AppSkeleton`), and for a records API the tool's whole routes
    /// (`Resource`). Only for `new`: regen changes the files it is asked to.
    func chooseSkeleton() {
        let plan = project.plan
        var skeleton = AppSkeleton.choose(for: plan)
        // the tool-written app.py leaves routes to `completeRoutes`, which needs a generator that continues
        // a prefix; other generators write app.py themselves
        if !generator.continuesPrefill, skeleton == .jsonRoutes || plan.routes.contains(where: { $0.path != "/" }) { skeleton = .none }
        // records listed, created, read, changed and deleted: the tool writes those routes whole
        if skeleton == .none, generator.continuesPrefill, project.regenRequest == nil,
           let found = Resource.find(plan: plan, contract: project.contract, description: project.spec.description) {
            project.resource = found
            skeleton = .jsonRoutes
            project.contract.decisions += found.decisions
            for d in found.decisions { say("contract", "decided: \(d)") }
        }
        // a JSON API whose routes read query parameters or a typed JSON body: the tool writes each
        // route's declaration and reading, the model each body
        if skeleton == .none, generator.continuesPrefill, project.regenRequest == nil, plan.kind == .jsonAPI, !plan.routes.isEmpty,
           plan.routes.allSatisfy({ r in !r.path.contains("<") && (r.method == "GET" ? !r.query.isEmpty : !RouteCompletion.jsonBody(r, contract: project.contract).isEmpty) }) {
            skeleton = .jsonRoutes
        }
        project.skeleton = skeleton
    }

    /// Every file of the plan the model writes (or the tool, where the plan fixes it), then the routes
    /// app.py lacks, the imports, and the tool's skeleton files.
    func generateFiles(in dir: URL) throws {
        if project.skeleton == .renderIndex || project.skeleton == .jsonRoutes { try writeSkeletonApp(dir) }
        var generated = Set<String>()
        while let file = project.skeleton.modelFiles(project.plan).first(where: { !generated.contains($0.path) }) {
            generated.insert(file.path)
            let content: String
            if let own = try prompts.toolWrittenFile(file) {
                content = own
                say("generate", "\(file.path): written by the tool from the plan")
            } else {
                content = try generateFile(file, repairError: nil)
            }
            project.contents[file.path] = content
            if file.path == AppSkeleton.pagePath { try writeSkeletonApp(dir) } else { try write(content, path: file.path, in: dir) }
            if file.path == "app.py" { planRenderedTemplates(content) }
        }
        try completeRoutes(in: dir)
        try fixImports(in: dir)
        try writer.writeSkeleton(project, checks: derivedChecks(), in: dir)
    }

    /// Templates `app` renders that the plan lacks, planned (the model writes them).
    @discardableResult
    func planRenderedTemplates(_ app: String) -> [PlannedFile] {
        let added = project.planRenderedTemplates(app)
        for a in added { say("plan", "\(a.file.path): app.py renders it for GET \(a.route); added to the plan") }
        return added.map(\.file)
    }

    func verifier() -> Verifier {
        Verifier(environment: options.pythonEnvironment, renderer: renderer, progress: { [say] in say("verify", $0) })
    }

    func write(_ content: String, path: String, in dir: URL) throws { try ProjectWriter.write(content, path: path, in: dir) }

    /// Writes the tool's app.py for `project.skeleton` (with the model's page embedded for `.embedPage`).
    func writeSkeletonApp(_ dir: URL) throws {
        guard let source = try project.skeleton.appSource(plan: project.plan, projectName: project.spec.projectName, page: project.contents[AppSkeleton.pagePath], renderer: renderer,
                                                  views: (project.resource.map { [$0.source] } ?? []) + project.extraViews, imports: (project.resource?.imports ?? []) + project.extraImports) else { return }
        let text = source.trimmingCharacters(in: .newlines) + "\n"
        project.contents["app.py"] = text
        try write(text, path: "app.py", in: dir)
        let what: String
        switch project.skeleton {
        case .embedPage: what = "the page embedded as a string"
        case .jsonRoutes: what = "the model writes each route's body"
        default: what = "renders templates/index.html"
        }
        say("skeleton", "app.py from the template (\(what))")
    }

    func runVerification(_ verifier: Verifier, _ dir: URL) throws -> VerificationReport {
        let checks = derivedChecks()
        do { return try verifier.verify(project: dir, plan: project.plan, behaviour: checks.behaviour, page: checks.page,
                                         wantsJavaScript: project.spec.pinned.wantsJavaScript, types: project.parameterTypes,
                                         answerKeys: ContractReader.answerKeys(project.spec.description, routes: project.plan.routes),
                                         submissions: project.contract.submissions(kind: project.plan.kind, wantsJavaScript: project.spec.pinned.wantsJavaScript)) } catch {
            say("verify", "could not run verification: \(error)")
            return VerificationReport(checks: [CheckResult(name: .environment, status: .failed, summary: "\(error)", failures: [], seconds: 0)])
        }
    }

}
