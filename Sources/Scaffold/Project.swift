import Foundation
import InputSafety

/// The checks verification runs for a project: requests (`BehaviourCheck`) and page uses (`PageCheck`).
typealias DerivedChecks = (behaviour: [BehaviourCheck], page: [PageCheck])

/// The project being built by `new` or changed by `regen`: what was asked, what was decided, and what
/// has been written so far. A value: the steps read it (`FilePrompts`, `ProjectWriter`) and the build
/// (`ProjectBuild`) stores what they return.
struct Project {
    var spec: ProjectSpec
    var plan: ProjectPlan
    /// What the app must do (`.deepcoder/contract.json`): read with the plan, checked by verification.
    var contract: Contract
    /// how the plan was asked: its record, and whether a constrained answer was complete (nil: not constrained)
    var planRecord: FileGenerationRecord?
    var planComplete: Bool?
    /// which app.py the tool writes (`AppSkeleton`)
    var skeleton: AppSkeleton = .none
    /// the records the API keeps, when it has a collection route with items (`Resource`): its views are the tool's
    var resource: Resource?
    /// views and imports the tool's app.py carries besides the page (`completeRoutes`, `fixImports`)
    var extraViews: [String] = []
    var extraImports: [String] = []
    /// generated files by path, and how each was asked
    var contents: [String: String] = [:]
    var records: [String: FileGenerationRecord] = [:]
    /// set by `deepcoder regen`: files asked with prompts/regen.mustache
    var regenRequest: RegenRequest?
    /// best-of-N: the score of every candidate verification tried, in order (`.deepcoder/generation.json`)
    var candidateScores: [CandidateScore] = []
    /// the checks verification runs, derived at first use (`ProjectBuild.derivedChecks`); templates
    /// planned after that (`planRenderedTemplates`) do not change them
    var checks: DerivedChecks?

    init(spec: ProjectSpec, plan: ProjectPlan, contract: Contract) {
        self.spec = spec; self.plan = plan; self.contract = contract
    }
}

extension Project {
    /// Templates app.py renders that the plan has no file for (a plan listed only the results page of a
    /// search, and app.py rendered a home page too): planned as well, so that the model writes them.
    mutating func planRenderedTemplates(_ app: String) -> [(file: PlannedFile, route: String)] {
        guard plan.kind == .jinjaPages || plan.kind == .wtforms else { return [] }
        var added: [(file: PlannedFile, route: String)] = []
        for r in RouteCompletion.renderedTemplates(in: app) {
            let path = "templates/" + r.template
            guard PathSafety.isSafeRelativePath(path), !plan.files.contains(where: { $0.path == path }) else { continue }
            let file = PlannedFile(path: path, purpose: "the page at \(r.path)")
            plan.files.append(file)
            added.append((file, r.path))
        }
        return added
    }

    /// The checks verification runs for the description: its statements as the rules read them, then
    /// the contract's examples, errors and pages those do not cover (marked checked in the contract).
    /// Marks the contract's statements they cover checked; `ProjectBuild.derivedChecks` derives them once per run.
    mutating func deriveChecks() -> DerivedChecks {
        var behaviour = BehaviourRules.checks(for: spec, plan: plan)
        var page = PageRules.checks(for: spec, plan: plan)
        if (plan.kind == .singleFile || plan.kind == .jinjaPages) && (spec.pinned.wantsJavaScript || contract.pages.contains { $0.calls != nil }) {
            let file = plan.kind == .singleFile ? AppSkeleton.pagePath : (plan.pages.first ?? "templates/index.html")
            page += contract.pageChecks(existing: page, file: file)
            page += Project.pageErrorChecks(behaviour, contract: contract, file: file, description: spec.description)
        }
        page += PageRules.acceptedValueChecks(description: spec.description, checks: page)
        behaviour += contract.behaviourChecks(existing: behaviour)
        behaviour += contract.siteChecks(plan: plan, description: spec.description)
        behaviour += contract.noMatchChecks(description: spec.description, plan: plan)
        behaviour += contract.reversedOrderChecks(description: spec.description)
        behaviour = Project.withOrderedKeys(behaviour, contract: contract, description: spec.description)
        behaviour = Project.withCountedLists(behaviour, description: spec.description)
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
    static func coverageText(_ c: DerivedChecks, contract: Contract) -> String {
        var parts: [String] = []
        if !c.behaviour.isEmpty { parts.append("\(c.behaviour.count) stated behaviour\(c.behaviour.count == 1 ? "" : "s")") }
        if !c.page.isEmpty { parts.append("\(c.page.count) page use\(c.page.count == 1 ? "" : "s")") }
        var text = parts.isEmpty ? "no stated behaviour checked (only that the app runs and answers its routes)" : parts.joined(separator: " and ") + " checked"
        let open = contract.unchecked.count
        if open > 0 { text += "; \(open) contract statement\(open == 1 ? "" : "s") not checked" }
        return text
    }

    /// Whether verification checked at least one thing the description states (a request, a page use).
    static func checkedSomething(_ c: DerivedChecks) -> Bool { return !c.behaviour.isEmpty || !c.page.isEmpty }

    /// Parameter types for the probes: the contract's, then the description's own syntax.
    var parameterTypes: [String: Contract.ValueType] {
        var types = ContractReader.explicitTypes(spec.description)
        for e in contract.endpoints { for p in e.params { if let t = p.type { types[p.name] = t } } }
        return types
    }
}
