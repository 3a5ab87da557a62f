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

/// `deepcoder new`: spec → plan → prompts → generate file by file → parse → skeleton → verify →
/// repair → write (atomically) → commit.
public final class Pipeline {
    public let generator: any TextGenerator
    public let options: NewOptions
    public let renderer: TemplateRenderer
    let progress: (String) -> Void
    let start = Date()

    var spec: ProjectSpec
    var plan: ProjectPlan!
    /// What the app must do (`.deepcoder/contract.json`): read with the plan, checked by verification.
    var contract: Contract!
    /// the model's plan answer, read again for the contract
    var planAnswer = ""
    /// whether the constrained plan answer was complete (nil: not constrained)
    var planComplete: Bool?
    var derived: (behaviour: [BehaviourCheck], page: [PageCheck])?
    /// views and imports the tool's app.py carries besides the page (`completeRoutes`, `fixImports`)
    var extraViews: [String] = []
    /// the records the API keeps, when it has a collection route with items (`Resource`): its views are the tool's
    var resource: Resource?
    var extraImports: [String] = []
    var records: [String: FileGenerationRecord] = [:]
    var planRecord: FileGenerationRecord?
    var contents: [String: String] = [:]   // generated files by path
    var skeleton: AppSkeleton = .none
    var dumpCount = 0
    /// set by `deepcoder regen` (Regenerate.swift): files asked with prompts/regen.mustache
    var regenRequest: RegenRequest?
    /// best-of-N answers waiting to be tried in place of the written ones (`tryCandidates`)
    var candidatePool = CandidatePool()
    /// best-of-N: the score of every candidate verification tried, in order (`.deepcoder/generation.json`)
    var candidateScores: [CandidateScore] = []

    public init(generator: any TextGenerator, options: NewOptions, progress: @escaping (String) -> Void = { _ in }) {
        self.generator = generator
        self.options = options
        self.renderer = TemplateRenderer(overrideDirectory: options.templatesDirectory)
        self.progress = progress
        self.spec = ProjectSpec(description: options.description)
    }

    var elapsed: String { String(format: "%.1fs", Date().timeIntervalSince(start)) }

    func say(_ stage: String, _ message: String) { progress("[\(stage)] \(message) (elapsed \(elapsed))") }

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
        plan = try makePlan()
        contract = ContractReader.merge(ContractReader.explicit(spec, plan: plan), answer: planAnswer, spec: spec, plan: plan)
        plan = contract.refine(plan, javaScript: spec.pinned.wantsJavaScript)
        if let name = contract.name { spec.projectName = name }
        return PlanPreview(projectName: spec.projectName, plan: plan, contract: contract, constrained: constrainsPlan,
                           answerComplete: planComplete, model: generator.identity.modelName, seconds: Date().timeIntervalSince(start))
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
        plan = try makePlan()
        contract = ContractReader.merge(ContractReader.explicit(spec, plan: plan), answer: planAnswer, spec: spec, plan: plan)
        plan = contract.refine(plan, javaScript: spec.pinned.wantsJavaScript)
        if let name = contract.name { spec.projectName = name }
        for d in contract.decisions { say("contract", "decided: \(d)") }
        for d in contract.dropped { say("contract", "not kept: \(d)") }
        say("plan", "\(plan.kind.rawValue) from \(plan.source): files \(plan.files.map(\.path).joined(separator: ", ")); routes \(plan.routes.map { "\($0.method) \($0.path)" }.joined(separator: ", "))")
        try writeMeta(temp, verification: nil)

        // files (app.py from a template when the plan fixes it: the model writes the page)
        skeleton = AppSkeleton.choose(for: plan)
        // the tool-written app.py leaves routes to `completeRoutes`, which needs a generator that continues
        // a prefix; other generators write app.py themselves
        if !generator.continuesPrefill, skeleton == .jsonRoutes || plan.routes.contains(where: { $0.path != "/" }) { skeleton = .none }
        // records listed, created, read, changed and deleted: the tool writes those routes whole
        if skeleton == .none, generator.continuesPrefill, regenRequest == nil,
           let found = Resource.find(plan: plan, contract: contract, description: spec.description) {
            resource = found
            skeleton = .jsonRoutes
            contract.decisions += found.decisions
            for d in found.decisions { say("contract", "decided: \(d)") }
        }
        // a JSON API whose routes read query parameters or a typed JSON body: the tool writes each
        // route's declaration and reading, the model each body
        if skeleton == .none, generator.continuesPrefill, regenRequest == nil, plan.kind == .jsonAPI, !plan.routes.isEmpty,
           plan.routes.allSatisfy({ r in !r.path.contains("<") && (r.method == "GET" ? !r.query.isEmpty : !RouteCompletion.jsonBody(r, contract: contract).isEmpty) }) {
            skeleton = .jsonRoutes
        }
        if skeleton == .renderIndex || skeleton == .jsonRoutes { try writeSkeletonApp(temp) }
        var generated = Set<String>()
        while let file = skeleton.modelFiles(plan).first(where: { !generated.contains($0.path) }) {
            generated.insert(file.path)
            let content: String
            if let own = try toolWrittenFile(file) {
                content = own
                say("generate", "\(file.path): written by the tool from the plan")
            } else {
                content = try generateFile(file, repairError: nil)
            }
            contents[file.path] = content
            if file.path == AppSkeleton.pagePath { try writeSkeletonApp(temp) } else { try write(content, path: file.path, in: temp) }
            if file.path == "app.py" { planRenderedTemplates(content) }
        }
        try completeRoutes(in: temp)
        try fixImports(in: temp)
        try writeSkeleton(temp)

        // verify + repair
        var report: VerificationReport? = nil
        var rounds = 0
        if options.verify {
            let verifier = Verifier(environment: options.pythonEnvironment, renderer: renderer, progress: { [weak self] in self?.say("verify", $0) })
            let files = skeleton.modelFiles(plan)
            let (r, n) = try verifyAndRepair(temp, verifier: verifier, targets: repairTargets,
                                             file: { path in files.first { $0.path == path } ?? PlannedFile(path: path, purpose: "") })
            report = r; rounds = n
        } else {
            say("verify", "skipped (--no-verify)")
        }
        let verifyLine: String
        if let r = report {
            verifyLine = (r.passed ? "\(checkedSomething ? "passed" : "unchecked: runs, but nothing the description states could be checked") (\(r.checks.filter { $0.status == .passed }.map(\.name.rawValue).joined(separator: ", ")))"
                : "failed (\(r.failedNames.joined(separator: ", ")))") + "; " + coverageText
        } else { verifyLine = "skipped (--no-verify)" }
        try writeMeta(temp, verification: report, rounds: rounds)

        // commit, then move into place
        let message = commitMessage(verifyLine: verifyLine)
        let commitID: String
        do { commitID = try GitStore.commitAll(in: temp, message: message) } catch {
            throw ScaffoldError.generation("git commit failed: \(error)")
        }
        say("git", "committed \(commitID.prefix(12))")
        // the move and the release happen together: an interrupt removes the temp directory or none of the project
        try Interrupts.shared.held {
            try moveIntoPlace(temp, target)
            done = true
            Interrupts.shared.release(tempToken)
        }
        say("finished", "\(target.path): verification \(verifyLine)")

        let files = Self.listFiles(target)
        // exit 0 claims that the app does what the description says: only with evidence of it
        let exit: Int32 = !(report?.passed ?? true) ? 1 : (report != nil && !checkedSomething ? 4 : 0)
        let venvHint = options.pythonEnvironment.isReady ? options.pythonEnvironment.python : "python3"
        return NewReport(directory: target.path, projectName: spec.projectName, kind: plan.kind.rawValue, planSource: plan.source,
                         files: files, verification: verifyLine, checks: report?.checks ?? [], repairRounds: rounds,
                         commit: commitID, model: generator.identity.modelName, seconds: Date().timeIntervalSince(start),
                         exitCode: exit,
                         howToRun: ["cd \(target.path)", "\(venvHint) app.py    # then open http://127.0.0.1:\(plan.port)/",
                                    "\(venvHint) -m pytest -q tests"],
                         decisions: contract.decisions, notChecked: contract.unchecked, sandbox: report?.sandbox?.rawValue)
    }

    /// Templates app.py renders that the plan has no file for (a plan listed only the results page of a
    /// search, and app.py rendered a home page too): planned as well, so that the model writes them.
    @discardableResult
    func planRenderedTemplates(_ app: String) -> [PlannedFile] {
        guard plan.kind == .jinjaPages || plan.kind == .wtforms else { return [] }
        var added: [PlannedFile] = []
        for r in RouteCompletion.renderedTemplates(in: app) {
            let path = "templates/" + r.template
            guard PathSafety.isSafeRelativePath(path), !plan.files.contains(where: { $0.path == path }) else { continue }
            added.append(PlannedFile(path: path, purpose: "the page at \(r.path)"))
            plan.files.append(added[added.count - 1])
            say("plan", "\(path): app.py renders it for GET \(r.path); added to the plan")
        }
        return added
    }

    /// The checks verification runs for the description: its statements as the rules read them, then
    /// the contract's examples, errors and pages those do not cover (marked checked in the contract).
    /// Computed once per run.
    func derivedChecks() -> (behaviour: [BehaviourCheck], page: [PageCheck]) {
        if let derived { return derived }
        var behaviour = BehaviourRules.checks(for: spec, plan: plan)
        var page = PageRules.checks(for: spec, plan: plan)
        if (plan.kind == .singleFile || plan.kind == .jinjaPages) && (spec.pinned.wantsJavaScript || contract.pages.contains { $0.calls != nil }) {
            let file = plan.kind == .singleFile ? AppSkeleton.pagePath : (plan.pages.first ?? "templates/index.html")
            page += contract.pageChecks(existing: page, file: file)
            page += Self.pageErrorChecks(behaviour, contract: contract, file: file, description: spec.description)
        }
        page += PageRules.acceptedValueChecks(description: spec.description, checks: page)
        behaviour += contract.behaviourChecks(existing: behaviour)
        behaviour += contract.siteChecks(plan: plan, description: spec.description)
        behaviour += contract.noMatchChecks(description: spec.description, plan: plan)
        behaviour += contract.reversedOrderChecks(description: spec.description)
        behaviour = Self.withOrderedKeys(behaviour, contract: contract, description: spec.description)
        behaviour = Self.withCountedLists(behaviour, description: spec.description)
        derived = (behaviour, page)
        return (behaviour, page)
    }

    /// A page whose button asks a route: each refused request of that route whose message must hold a
    /// word ("MESSAGE contains the word …") is also typed into the page, which must then show the word
    /// (the server's message reaches the user). A missing parameter is an empty input. What the
    /// description says the page empties on an error or after a success, and shows when the server
    /// cannot be reached (`PageRules.requestOutcomes`), is checked after a use that filled the page.
    static func pageErrorChecks(_ behaviour: [BehaviourCheck], contract: Contract, file: String, description: String = "") -> [PageCheck] {
        var out: [PageCheck] = []
        for page in contract.pages {
            guard let route = page.calls, let params = page.callParams, !params.isEmpty, let button = page.buttons.first else { continue }
            let outcomes = PageRules.requestOutcomes(description, ids: page.outputs.map(\.id))
            let message = PageRules.messageElement(page, outcomes)
            // what an error empties, except where its message goes (nothing when that leaves no element)
            let emptiedOnError = outcomes.emptiedOnError.filter { $0 != message }
            /// the page's inputs for a request of the route (nil: it sends a parameter the page has no input for)
            func inputs(_ c: BehaviourCheck) -> [String: String]? {
                let (path, query) = BehaviourRules.splitURL(c.url)
                guard c.method == "GET", path == route else { return nil }
                let values = Dictionary(query, uniquingKeysWith: { a, _ in a })
                guard Set(values.keys).isSubset(of: Set(params.values)) else { return nil }
                return Dictionary(uniqueKeysWithValues: params.map { ($0.key, values[$0.value] ?? "") })
            }
            let valid = behaviour.first { c in c.status.contains { (200..<300).contains($0) } && inputs(c).map { $0.values.allSatisfy { !$0.isEmpty } } == true }.flatMap(inputs)
            var refused: [String: String]? = nil
            for c in behaviour where c.status.allSatisfy({ (400..<500).contains($0) }) {
                guard let typed = inputs(c) else { continue }
                refused = refused ?? typed
                guard !c.texts.isEmpty, !out.contains(where: { $0.inputs == typed }) else { continue }
                let emptied = valid == nil ? [] : emptiedOnError
                out.append(PageCheck(inputs: typed, click: button.id, shows: ["*": c.texts], source: c.source + (emptied.isEmpty ? "" : " " + (outcomes.errorSentence ?? "")),
                                     file: file, allowsRequests: true, before: emptied.isEmpty ? nil : valid, empty: emptied.isEmpty ? nil : emptied))
            }
            if let valid, let refused, !outcomes.emptiedOnSuccess.isEmpty {
                out.append(PageCheck(inputs: valid, click: button.id, source: outcomes.successSentence ?? "", file: file,
                                     allowsRequests: true, before: refused, empty: outcomes.emptiedOnSuccess))
            }
            // (with the server down any value will do)
            if let (sentence, text) = outcomes.unreachable, let shown = message {
                let typed = valid ?? refused ?? params.mapValues { _ in "1" }
                let emptied = valid == nil ? [] : emptiedOnError
                out.append(PageCheck(inputs: typed, click: button.id, shows: text.isEmpty ? [:] : ["*": [text]], source: sentence, file: file,
                                     filled: text.isEmpty ? [shown] : [], allowsRequests: true, before: emptied.isEmpty ? nil : valid,
                                     offline: true, empty: emptied.isEmpty ? nil : emptied))
            }
        }
        return out
    }

    /// A successful GET whose route's list the description counts with a parameter ("the first N") and
    /// whose request sends a whole number for it must answer that many items.
    static func withCountedLists(_ checks: [BehaviourCheck], description: String) -> [BehaviourCheck] {
        let counted = ContractReader.countedLists(description)
        guard !counted.isEmpty else { return checks }
        return checks.map { c in
            let (path, query) = BehaviourRules.splitURL(c.url)
            guard c.method == "GET", let (key, param) = counted[path], !c.status.isEmpty, c.status.allSatisfy({ (200..<300).contains($0) }),
                  let value = query.first(where: { $0.0 == param })?.1, Int(value).map({ $0 >= 0 }) == true else { return c }
            var c = c
            c.counted = [key: param]
            return c
        }
    }

    /// Every check carries the keys the description says hold an ordered list (verification applies
    /// them to answers that have the key); where a route takes one numeric list in its JSON body,
    /// one more request sends a list of the same length as a checked one, out of order and with ties
    /// (5, 1, 3, 5, 1, …), so an answer that keeps the input's order is seen.
    static func withOrderedKeys(_ checks: [BehaviourCheck], contract: Contract?, description: String) -> [BehaviourCheck] {
        let ordered = ContractReader.orderedKeys(description)
        guard !ordered.isEmpty else { return checks }
        var out = checks.map { c in var c = c; c.ordered = ordered; return c }
        for e in contract?.endpoints ?? [] where e.method == "POST" || e.method == "PUT" {
            // one numeric list in the body (two lists may have to agree in length), sent with the length
            // of a request the checks already make
            let lists = e.params.filter { $0.location == "json" && $0.type == .list }
            func length(_ c: BehaviourCheck) -> Int { if case .list(let items)? = c.json?[lists.first?.name ?? ""] { return items.count }; return 0 }
            guard lists.count == 1, let list = lists.first, list.items == .number || list.items == .integer,
                  let template = out.filter({ $0.method == e.method && $0.url == e.path && $0.status.contains(where: { $0 < 300 }) }).max(by: { length($0) < length($1) }),
                  var json = template.json, case .list(let given)? = json[list.name], given.count >= 4 else { continue }
            json[list.name] = .list((0..<given.count).map { .number([5, 1, 3][$0 % 3]) })
            var c = BehaviourCheck(method: e.method, url: e.path, json: json, status: template.status.filter { $0 < 300 },
                                   source: "a list out of order, with ties, gets an answer whose " + ordered.keys.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
                                       + " list" + (ordered.count == 1 ? " is" : "s are") + " in the order the description states")
            c.ordered = ordered
            out.append(c)
        }
        return out
    }

    /// How much of what the description states verification checked, e.g. "6 stated behaviours and
    /// 3 page uses checked; 1 contract statement not checked".
    var coverageText: String {
        let c = derivedChecks()
        var parts: [String] = []
        if !c.behaviour.isEmpty { parts.append("\(c.behaviour.count) stated behaviour\(c.behaviour.count == 1 ? "" : "s")") }
        if !c.page.isEmpty { parts.append("\(c.page.count) page use\(c.page.count == 1 ? "" : "s")") }
        var text = parts.isEmpty ? "no stated behaviour checked (only that the app runs and answers its routes)" : parts.joined(separator: " and ") + " checked"
        let open = contract?.unchecked.count ?? 0
        if open > 0 { text += "; \(open) contract statement\(open == 1 ? "" : "s") not checked" }
        return text
    }

    /// Whether verification checked at least one thing the description states (a request, a page use).
    var checkedSomething: Bool { let c = derivedChecks(); return !c.behaviour.isEmpty || !c.page.isEmpty }

    /// Parameter types for the probes: the contract's, then the description's own syntax.
    var parameterTypes: [String: Contract.ValueType] {
        var types = ContractReader.explicitTypes(spec.description)
        for e in contract?.endpoints ?? [] { for p in e.params { if let t = p.type { types[p.name] = t } } }
        return types
    }

    func runVerification(_ verifier: Verifier, _ dir: URL) throws -> VerificationReport {
        let checks = derivedChecks()
        do { return try verifier.verify(project: dir, plan: plan, behaviour: checks.behaviour, page: checks.page,
                                         wantsJavaScript: spec.pinned.wantsJavaScript, types: parameterTypes,
                                         answerKeys: ContractReader.answerKeys(spec.description, routes: plan.routes),
                                         submissions: contract?.submissions(kind: plan.kind, wantsJavaScript: spec.pinned.wantsJavaScript) ?? []) } catch {
            say("verify", "could not run verification: \(error)")
            return VerificationReport(checks: [CheckResult(name: .environment, status: .failed, summary: "\(error)", failures: [], seconds: 0)])
        }
    }

    // MARK: - target directory

    func moveIntoPlace(_ temp: URL, _ target: URL) throws {
        try Self.checkTarget(target) // it may have been filled meanwhile
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

    func write(_ content: String, path: String, in root: URL) throws {
        let url: URL
        do { url = try PathSafety.resolve(path, in: root) } catch { throw ScaffoldError.generation("\(error)") }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        // not atomic: the directory is the run's own (temp or scratch) and Foundation's atomic write
        // stages in TMPDIR, where an interrupt would strand the staged copy
        try content.write(to: url, atomically: false, encoding: .utf8)
    }

    // MARK: - plan

    /// Whether the plan is asked under its JSON schema: with generators that constrain sampling, unless
    /// `DEEPCODER_PLAN_SCHEMA=off` (for measuring plans with and without it; docs/QUALITY.md).
    var constrainsPlan: Bool {
        generator.followsJSONSchema && ProcessInfo.processInfo.environment["DEEPCODER_PLAN_SCHEMA"] != "off"
    }

    func makePlan() throws -> ProjectPlan {
        let rules = PlanBuilder.ruleBased(spec)
        let prompt = try renderer.render("prompts/plan.mustache", ["description": spec.description, "pinned": pinnedText(port: rules.port),
                                                                  "exampleKind": PlanBuilder.pinnedKind(spec.pinned)?.rawValue ?? "json-api",
                                                                  "pinnedKind": PlanBuilder.pinnedKind(spec.pinned)?.rawValue ?? false])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        say("plan", "asking the model for a plan")
        var sampling = options.sampling
        sampling.maxTokens = min(sampling.maxTokens, 1200)
        // a generator that constrains its sampling gets the plan's schema: its answer then always parses
        let schema = constrainsPlan ? PlanBuilder.schema(try renderer.source("prompts/plan.schema.json"),
                                                         kind: PlanBuilder.pinnedKind(spec.pinned)) : nil
        let (out, rec) = try ask([ChatTurn(role: .system, content: try systemPrompt()), ChatTurn(role: .user, content: prompt)],
                                 sampling: sampling, label: "plan", template: "prompts/plan.mustache", jsonSchema: schema)
        planRecord = rec
        planAnswer = out.text
        planComplete = out.schemaComplete
        if out.schemaComplete == false {
            say("plan", "the plan answer was cut short (\(out.stopReason)) before it was complete; reading what it has")
        }
        do {
            return try PlanBuilder.fromModelAnswer(out.text, spec: spec)
        } catch {
            say("plan", "model plan not usable (\(error)); using the rule-based plan")
            var p = rules
            p.notes.append("model plan rejected: \(error)")
            return p
        }
    }

    func systemPrompt() throws -> String { try renderer.render("prompts/system.mustache", [:]).trimmingCharacters(in: .whitespacesAndNewlines) }

    func pinnedText(port: Int) -> String {
        var pins = spec.pinned
        if pins.port == nil { pins.port = port }
        let text = ([pins.bulletList] + (contract?.promptLines ?? [])).filter { !$0.isEmpty }.joined(separator: "\n")
        return text.isEmpty ? "- (none beyond the description)" : text
    }

    // MARK: - generation

    func ask(_ messages: [ChatTurn], sampling: SamplingOptions, label: String, template: String, prefill: String = "",
             jsonSchema: String? = nil) throws -> (GenerationOutput, FileGenerationRecord) {
        let (outs, record) = try ask(messages, sampling: sampling, label: label, template: template, prefill: prefill, jsonSchema: jsonSchema, count: 1)
        return (outs[0], record)
    }

    /// Asks `count` answers to one request (best-of-N: one batch); each answer's text starts with the
    /// prefill. The record counts the tokens of all of them.
    func ask(_ messages: [ChatTurn], sampling: SamplingOptions, label: String, template: String, prefill: String = "",
             jsonSchema: String? = nil, count: Int) throws -> ([GenerationOutput], FileGenerationRecord) {
        let prefill = generator.continuesPrefill ? prefill : ""
        let request = GenerationRequest(messages: messages, sampling: sampling, stop: [], prefill: prefill, jsonSchema: jsonSchema)
        // debugging aid: DEEPCODER_DUMP_PROMPTS=DIR writes every request's messages there
        let dump = ProcessInfo.processInfo.environment["DEEPCODER_DUMP_PROMPTS"].flatMap { $0.isEmpty ? nil : $0 }
        if let dump {
            dumpCount += 1
            let name = String(format: "%02d-", dumpCount) + label.replacingOccurrences(of: #"[^A-Za-z0-9.]+"#, with: "_", options: .regularExpression) + ".txt"
            let text = messages.map { "=== \($0.role.rawValue)\n\($0.content)" }.joined(separator: "\n") + (prefill.isEmpty ? "" : "\n=== prefill\n" + prefill)
            try? FileManager.default.createDirectory(atPath: dump, withIntermediateDirectories: true)
            try? text.write(toFile: (dump as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let count = max(1, count)
        var tokens = 0
        var lastReport = Date()
        let t0 = Date()
        var outs: [GenerationOutput]
        do {
            outs = try generator.generateCandidates(Self.candidateRequests(request, count: count)) { [self] _, _ in
                tokens += 1
                if Date().timeIntervalSince(lastReport) >= 5 {
                    lastReport = Date()
                    let s = Date().timeIntervalSince(t0)
                    say("generate", "\(label): \(tokens) tok\(count > 1 ? " (\(count) candidates)" : ""), \(String(format: "%.1f", Double(tokens) / max(s, 0.001))) tok/s")
                }
            }
        } catch {
            throw ScaffoldError.generation("generation failed for \(label): \(error)")
        }
        for i in outs.indices { outs[i].text = prefill + outs[i].text }
        if let dump {
            for (i, out) in outs.enumerated() {
                let name = String(format: "%02d-", dumpCount) + "answer" + (i == 0 ? "" : "-candidate\(i + 1)") + ".txt"
                try? out.text.write(toFile: (dump as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
        }
        let generated = outs.reduce(0) { $0 + $1.generatedTokens }
        let seconds = outs.map(\.seconds).max() ?? 0
        let tps = Double(generated) / max(seconds, 0.001)
        let out = outs[0]
        say("generate", "\(label): \(generated) tok\(count > 1 ? " in \(count) candidates" : "") in \(String(format: "%.1f", seconds))s, \(String(format: "%.1f", tps)) tok/s, prompt \(out.promptTokens) tok\(out.reusedPromptTokens > 0 ? " (\(out.reusedPromptTokens) reused)" : ""), stop: \(outs.map(\.stopReason).joined(separator: "/"))")
        return (outs, FileGenerationRecord(path: label, template: template, promptTokens: out.promptTokens,
                                           generatedTokens: generated, seconds: seconds, asks: 1, repairs: 0))
    }

    /// The temperature best-of-N's other candidates sample at, at least: at the run's own low
    /// temperature (0.2) the 0.5B gave the same repair four times over in four seeds.
    static let candidateTemperature = 0.7

    /// `count` requests for best-of-N: the first is `request` itself (so one candidate is a plain ask),
    /// candidate i has seed + i and samples at `candidateTemperature` or the run's, if higher.
    static func candidateRequests(_ request: GenerationRequest, count: Int) -> [GenerationRequest] {
        (0..<max(1, count)).map { i in
            var r = request
            if i > 0 {
                r.sampling.seed &+= UInt64(i)
                r.sampling.temperature = max(r.sampling.temperature, candidateTemperature)
            }
            return r
        }
    }

    static func fenceLanguage(_ path: String) -> String {
        switch ResponseParser.language(forPath: path) {
        case .python: return "python"
        case .html: return "html"
        case .javascript: return "javascript"
        case .css: return "css"
        case .json: return "json"
        case .text: return ""
        }
    }

    /// What the guides depend on: the port, whether the pages compute in the browser (the description
    /// asks for JavaScript) or on the server, and the storage the description names.
    var guideContext: [String: Any] {
        let storage = contract?.storage ?? "none"
        let fields = plan.forms.flatMap(\.fields).map(\.name)
        let redirect = plan.kind == .wtforms ? BehaviourRules.redirectStatement(BehaviourRules.units(spec.description), fields: fields) : nil
        // the keys of the records a list route shows, as the description writes them (stored records keep them all)
        let listKeys = plan.routes.contains { $0.method == "POST" } ? plan.routes.filter { $0.method == "GET" && $0.query.isEmpty }.compactMap { r -> [String: String]? in
            guard let keys = ContractReader.answerKeys(spec.description, routes: plan.routes)["GET \(r.path)"], keys.count > 1 else { return nil }
            return ["route": r.path, "keys": keys.map { "\"\($0)\"" }.joined(separator: ", ")]
        }.first : nil
        var context: [String: Any] = ["port": plan.port, "javascript": spec.pinned.wantsJavaScript,
                "redirects": redirect != nil, "redirectCall": redirect.map { BehaviourRules.redirectCall($0.path, codes: $0.codes) } ?? "",
                "sqlite": storage == "sqlite", "session": storage == "session",
                "database": ContractReader.databaseFileName(spec.description) ?? "app.db"]
        if let listKeys { context["records"] = listKeys }
        return context
    }

    /// Where the form of `template` posts: the POST route named like the template (`templates/join.html`
    /// and `POST /join`), else the plan's only POST route, else "/". A form posting to a route that
    /// does not take posts is answered 405 (the guide's fixed "/" sent a sign-up form there).
    static func formAction(template: String, routes: [PlannedRoute]) -> String {
        let posts = routes.filter { $0.method == "POST" && !$0.path.contains("<") }
        let base = ((template as NSString).lastPathComponent as NSString).deletingPathExtension.lowercased()
        if let named = posts.first(where: { ($0.path.split(separator: "/").last.map(String.init) ?? "").lowercased() == base }) { return named.path }
        return posts.count == 1 ? posts[0].path : "/"
    }

    func guide(for path: String) throws -> String {
        let type: String
        if path == "app.py" || path == "forms.py" { type = path } else if path.hasSuffix(".py") { type = "py" } else { type = String(path.split(separator: ".").last ?? "") }
        var lines = ["- Write a complete, working file."]
        var context = guideContext
        context["action"] = Self.formAction(template: path, routes: plan.routes)
        // the page whose request and error display the tool writes (`pagePrefill`)
        context["asks"] = generator.continuesPrefill && (try? prefill(for: PlannedFile(path: path, purpose: "")))?.contains("function showAnswer(") == true
        for name in ["prompts/guides/\(plan.kind.rawValue)/\(type).mustache", "prompts/guides/any/\(type).mustache"] where renderer.exists(name) {
            lines = [try renderer.render(name, context).trimmingCharacters(in: .whitespacesAndNewlines)]
            break
        }
        // the storage the description names, for the file that keeps the data
        // (records in memory only when the description says so: the model's plan says "memory" for calculators too)
        if path == "app.py", let storage = contract?.storage, storage != "memory" || ContractReader.explicitStorage(spec.description) == "memory",
           renderer.exists("prompts/guides/storage/\(storage).mustache") {
            lines.append(try renderer.render("prompts/guides/storage/\(storage).mustache", guideContext).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        // the data kept elsewhere, and one value the description remembers in the session
        if path == "app.py", contract?.storage != "session", ContractReader.mentionsSession(spec.description),
           renderer.exists("prompts/guides/storage/session_values.mustache") {
            lines.append(try renderer.render("prompts/guides/storage/session_values.mustache", guideContext).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return lines.joined(separator: "\n")
    }

    func promptContext(target: PlannedFile) throws -> [String: Any] {
        let written: [[String: Any]] = plan.generatedFiles.compactMap { f in
            guard f.path != target.path, let c = contents[f.path] else { return nil }
            if target.path == AppSkeleton.pagePath && f.path == "app.py" { return nil } // app.py is the page
            let text = c.count > 8000 ? String(c.prefix(8000)) + "\n… (truncated)" : c
            return ["path": f.path, "lang": Self.fenceLanguage(f.path), "content": text.trimmingCharacters(in: .newlines)]
        }
        let acceptance = acceptance(for: target.path)
        return [
            "projectName": spec.projectName,
            "description": spec.description,
            "pinned": pinnedText(port: plan.port),
            "kind": plan.kind.rawValue,
            "files": plan.files.map { ["path": $0.path, "purpose": $0.purpose] },
            "routes": plan.routes.map { ["method": $0.method, "path": $0.path, "purpose": $0.purpose,
                                         "hasQuery": !$0.query.isEmpty, "queryList": $0.query.joined(separator: ", ")] as [String: Any] },
            "hasForms": !plan.forms.isEmpty,
            "forms": plan.forms.map { ["className": $0.className, "fields": $0.fields.map { ["name": $0.name, "type": $0.type] }] as [String: Any] },
            "hasWritten": !written.isEmpty,
            "written": written,
            "target": target.path,
            "targetPurpose": target.purpose,
            "targetLang": Self.fenceLanguage(target.path),
            "guide": try guide(for: target.path),
            "acceptance": acceptance,
            "hasAcceptance": !acceptance.isEmpty,
        ]
    }

    /// The checks verification will run that `path` answers for, as prompt lines: the description's
    /// statements turned into requests and page uses with their expected outcomes. A small model
    /// follows "GET /speed?km=0 → status 200" where it misses "A distance of 0 is allowed".
    func acceptance(for path: String) -> [String] {
        guard path.hasSuffix(".py") || path.hasSuffix(".html") else { return [] }
        let checks = derivedChecks()
        var lines = checks.page.filter { $0.file == path }.map(\.expectation)
        if path.hasSuffix(".py") || plan.kind == .wtforms {
            lines += checks.behaviour.map(\.expectation)
        } else if path.hasPrefix("templates/") {
            lines += checks.behaviour.filter { $0.file == path }.map(\.expectation)
        }
        return Array(lines.prefix(16))
    }

    /// Generates one file; re-asks when the answer has no usable code (or a .py answer does not parse).
    /// Generates one file; `round` (repair rounds) varies the seed so a second repair of the same error
    /// does not replay the first answer token for token.
    func generateFile(_ file: PlannedFile, repairError: String?, round: Int = 0, faultLine: Int? = nil) throws -> String {
        var ctx = try promptContext(target: file)
        let template: String
        if let repairError {
            template = "prompts/repair.mustache"
            ctx["current"] = (contents[file.path] ?? "").trimmingCharacters(in: .newlines)
            ctx["error"] = String(repairError.suffix(3000)) + Self.repairHints(repairError)
        } else if let extra = regenPromptContext(for: file) {
            template = "prompts/regen.mustache"
            ctx.merge(extra) { $1 }
        } else {
            template = "prompts/file.mustache"
        }
        let prompt = try renderer.render(template, ctx).trimmingCharacters(in: .whitespacesAndNewlines)
        var messages = [ChatTurn(role: .system, content: try systemPrompt()), ChatTurn(role: .user, content: prompt)]
        var record: FileGenerationRecord? = records[file.path]
        var lastProblem = ""
        var resume: String?  // the failing file up to the fault, for the model to continue
        var avoid: [String] = []  // the failing file's conditions that refused allowed requests
        var unparsable: String?   // the last first-time answer that was code but not valid Python
        var offered: (usable: [(index: Int, text: String)], count: Int)?  // best-of-N answers of the first ask
        for attempt in 1...max(1, options.maxAsks) {
            let label = repairError == nil ? file.path : "\(file.path) (repair)"
            say("generate", "\(label)\(attempt > 1 ? " — ask \(attempt)" : "")")
            var sampling = options.sampling
            if attempt > 1 {
                sampling.seed &+= UInt64(attempt)
                // a re-ask at the same low temperature tends to return the same answer
                sampling.temperature = max(sampling.temperature, attempt == 2 ? 0.6 : 0.9)
            }
            if round > 0 { sampling.seed &+= UInt64(round) &* 7919 }
            // best-of-N on the first ask: the first usable answer is the one this ask goes on with; the
            // other usable ones wait for verification (`tryCandidates`)
            let asked = attempt == 1 ? candidateCount : 1
            let (outs, rec) = try ask(messages, sampling: sampling, label: label, template: template,
                                      prefill: try resume ?? prefill(for: file), count: asked)
            var out = outs[0]
            if asked > 1 {
                let usable = outs.enumerated().compactMap { i, o in usableAnswer(o.text, path: file.path).map { (index: i, text: $0) } }
                    .filter { CandidatePool.normalized($0.text) != CandidatePool.normalized(contents[file.path] ?? "") }
                if let first = usable.first { out = outs[first.index] }
                offered = (usable, asked)
            }
            if var r = record {
                r.promptTokens += rec.promptTokens; r.generatedTokens += rec.generatedTokens; r.seconds += rec.seconds; r.asks += 1
                if repairError != nil && r.template != template { r.template += "," + template }
                record = r
            } else {
                var r = rec; r.path = file.path; record = r
            }
            records[file.path] = record
            do {
                let content = try ResponseParser.extractFile(out.text, path: file.path)
                if file.path.hasSuffix(".py"), let err = Self.pythonSyntaxError(content) {
                    if repairError == nil { unparsable = content }
                    throw ResponseParser.Failure.noCode("it is not valid Python: \(err)")
                }
                if attempt < max(1, options.maxAsks),
                   let kept = content.components(separatedBy: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }).first(where: avoid.contains) {
                    // The rewrite kept a line that gave the wrong answer: once more, hotter.
                    say("repair", "\(file.path): the answer keeps `\(kept)`; asking again")
                    lastProblem = "the answer kept the failing line"
                    continue
                }
                if let repairError, attempt < max(1, options.maxAsks),
                   content.trimmingCharacters(in: .whitespacesAndNewlines) == (contents[file.path] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) {
                    // Small models copy the current file out of the repair prompt. Ask for the file
                    // from scratch instead, with the error as a warning.
                    say("repair", "\(file.path): the answer repeats the failing file; asking for a new one without it")
                    var fresh = try promptContext(target: file)
                    fresh["current"] = nil
                    let base = try renderer.render("prompts/file.mustache", fresh).trimmingCharacters(in: .whitespacesAndNewlines)
                    var note = "\n\nChecking the project failed with an earlier version of this file, so write it differently:\n```\n\(String(repairError.suffix(1500)))\(Self.repairHints(repairError))\n```"
                    // With a line to blame, the answer starts as the failing file up to the function
                    // holding that line: the model rewrites from there instead of copying the mistake,
                    // and is told which line decided the wrong answer.
                    if let faultLine, file.path.hasSuffix(".py") {
                        let current = contents[file.path] ?? ""
                        let traced = Self.tracedLines(repairError, file: file.path)
                        // only when an allowed request was refused: the branches that refused it are wrong
                        if repairError.range(of: #"answered 4\d\d [^\n]*expected status 2\d\d"#, options: .regularExpression) != nil {
                            avoid = Self.refusingConditions(traced)
                            if avoid.isEmpty, let line = Self.decidingLine(current, faultLine: faultLine) { avoid = [line] }
                            for line in avoid {
                                note += "\nThe line `\(line)` of the earlier version is what gave the wrong answer: do not write it again."
                            }
                        }
                        // from the first function the failing request ran (a helper defined above the route counts)
                        let first = min(faultLine, traced.map(\.line).min() ?? faultLine)
                        if generator.continuesPrefill, let head = Self.resumePrefix(current, faultLine: first) {
                            resume = "```python\n" + head
                            say("repair", "\(file.path): the model continues the file from before line \(first)")
                        }
                    }
                    messages = [ChatTurn(role: .system, content: try systemPrompt()), ChatTurn(role: .user, content: base + note)]
                    lastProblem = "the answer repeated the failing file"
                    continue
                }
                if let offered {
                    let chosen = offered.usable.first { $0.text == content } ?? (index: 0, text: content)
                    candidatePool.offer(.file(file.path), chosen: chosen, others: offered.usable.filter { $0.index != chosen.index }, count: offered.count)
                }
                return content
            } catch {
                lastProblem = "\(error)"
                say("parse", "\(file.path): \(lastProblem); asking again")
                messages.append(ChatTurn(role: .assistant, content: out.text))
                messages.append(ChatTurn(role: .user, content: "Your answer could not be used as \(file.path): \(lastProblem). Answer again with only the complete content of \(file.path) in one ```\(Self.fenceLanguage(file.path)) code block, with no explanation."))
            }
        }
        // Python code with a syntax error is still code: write it, and let verification report the error
        // and the repairs fix it, rather than end the run without a project (prose is never written).
        if let unparsable {
            say("generate", "\(file.path): writing the last answer, which is not valid Python; verification will say where")
            return unparsable
        }
        throw ScaffoldError.generation("the model gave no usable \(file.path) after \(options.maxAsks) asks: \(lastProblem)")
    }

    /// The file in `answer` when it has one (Python that parses), for best-of-N's other answers.
    func usableAnswer(_ answer: String, path: String) -> String? {
        guard let content = try? ResponseParser.extractFile(answer, path: path) else { return nil }
        if path.hasSuffix(".py"), Self.pythonSyntaxError(content) != nil { return nil }
        return content
    }

    /// nil when `source` parses as Python 3 (checked with python3's ast), else the error.
    static func pythonSyntaxError(_ source: String) -> String? {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dc-syntax-\(UUID().uuidString).py")
        let token = Interrupts.shared.track(url)
        defer { try? FileManager.default.removeItem(at: url); Interrupts.shared.release(token) }
        guard (try? source.write(to: url, atomically: false, encoding: .utf8)) != nil else { return nil }
        let code = "import ast,sys\ntry:\n ast.parse(open(sys.argv[1],encoding='utf-8').read())\nexcept SyntaxError as e:\n print(f'line {e.lineno}: {e.msg}'); sys.exit(1)"
        guard let r = try? ProcessRunner.run("python3", ["-c", code, url.path], timeout: 30) else { return nil }
        if r.timedOut { return nil }
        return r.exitCode == 0 ? nil : r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: - skeleton + metadata

    /// Writes the tool's app.py for `skeleton` (with the model's page embedded for `.embedPage`).
    func writeSkeletonApp(_ dir: URL) throws {
        guard let source = try skeleton.appSource(plan: plan, projectName: spec.projectName, page: contents[AppSkeleton.pagePath], renderer: renderer,
                                                  views: (resource.map { [$0.source] } ?? []) + extraViews, imports: (resource?.imports ?? []) + extraImports) else { return }
        let text = source.trimmingCharacters(in: .newlines) + "\n"
        contents["app.py"] = text
        try write(text, path: "app.py", in: dir)
        let what: String
        switch skeleton {
        case .embedPage: what = "the page embedded as a string"
        case .jsonRoutes: what = "the model writes each route's body"
        default: what = "renders templates/index.html"
        }
        say("skeleton", "app.py from the template (\(what))")
    }

    func writeSkeleton(_ dir: URL) throws {
        let probes = Probes.make(for: plan, types: parameterTypes)
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
        let stated = derivedChecks().behaviour
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]  // the same bytes every run: `reproduce` compares commits
        let statedJSON = (try? encoder.encode(stated)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        let ctx: [String: Any] = [
            "statedLiteral": PythonLiteral.string(statedJSON),
            "projectName": spec.projectName, "description": spec.description, "port": plan.port,
            "modelName": generator.identity.modelName, "seed": options.sampling.seed,
            "routes": plan.routes.map { ["method": $0.method, "path": $0.path, "purpose": $0.purpose] },
            "probes": probeCtx,
            "hasDecisions": !(contract?.decisions.isEmpty ?? true), "decisions": contract?.decisions ?? [],
        ]
        for (template, path) in [("skeleton/requirements.txt.mustache", "requirements.txt"), ("skeleton/README.md.mustache", "README.md"),
                                 ("skeleton/gitignore.mustache", ".gitignore"), ("skeleton/tests/test_app.py.mustache", "tests/test_app.py")] {
            let text = try renderer.render(template, ctx)
            try write(text.trimmingCharacters(in: .newlines) + "\n", path: path, in: dir)
        }
        say("skeleton", "requirements.txt, README.md, .gitignore, tests/test_app.py (\(probes.count) route test(s), \(stated.count) stated behaviour test(s))")
    }

    func writeMeta(_ dir: URL, verification: VerificationReport?, rounds: Int = 0) throws {
        try write("# \(spec.projectName)\n\n\(spec.description)\n", path: ".deepcoder/spec.md", in: dir)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try write(String(decoding: try enc.encode(plan), as: UTF8.self) + "\n", path: ".deepcoder/plan.json", in: dir)
        if let contract { try write(String(decoding: try enc.encode(contract), as: UTF8.self) + "\n", path: ".deepcoder/contract.json", in: dir) }
        guard !records.isEmpty || planRecord != nil else { return }
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
        let id = generator.identity
        let g = Generation(model: id.modelName, modelSHA256: id.modelSHA256, engine: id.engine, backend: id.backend, draft: id.draft, sampling: options.sampling,
                           plan: planRecord, files: skeleton.modelFiles(plan).compactMap { records[$0.path] }, repairRounds: rounds,
                           verification: verification?.checks, sandbox: verification?.sandbox,
                           candidates: candidateScores.isEmpty ? nil : candidateScores)
        try write(String(decoding: try enc.encode(g), as: UTF8.self) + "\n", path: ".deepcoder/generation.json", in: dir)
    }

    func commitMessage(verifyLine: String) -> String {
        let id = generator.identity
        let s = options.sampling
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
        Deepcoder-Max-Repairs: \(options.maxRepairs)\(options.candidates > 1 ? "\nDeepcoder-Candidates: \(options.candidates)" : "")
        Deepcoder-Verify: \(verifyLine)\(id.backend.map { "\nDeepcoder-Backend: \($0)" } ?? "")\(id.draft.map { "\nDeepcoder-Draft: \($0)" } ?? "")

        """
    }
}
