import Foundation

/// What the model is asked for one file of a project: the prompt's context (the plan, the files
/// written so far, the guide, the checks the file answers for) and the start of the answer the tool
/// writes itself (Prefill.swift). A reading of the project; it changes nothing.
struct FilePrompts {
    let project: Project
    /// the checks verification runs, derived at first use (only prompts of .py and .html files list them)
    let checks: () -> DerivedChecks
    let renderer: TemplateRenderer
    /// whether the generator continues a prefilled answer (the tool-written parts need it)
    let continuesPrefill: Bool

    var spec: ProjectSpec { project.spec }
    var plan: ProjectPlan { project.plan }
    var contract: Contract { project.contract }

    static func systemPrompt(_ renderer: TemplateRenderer) throws -> String {
        try renderer.render("prompts/system.mustache", [:]).trimmingCharacters(in: .whitespacesAndNewlines)
    }
    func systemPrompt() throws -> String { try Self.systemPrompt(renderer) }

    /// The facts the description pins and the contract's lines, as the prompts list them.
    static func pinnedText(_ spec: ProjectSpec, contract: Contract?, port: Int) -> String {
        var pins = spec.pinned
        if pins.port == nil { pins.port = port }
        let text = ([pins.bulletList] + (contract?.promptLines ?? [])).filter { !$0.isEmpty }.joined(separator: "\n")
        return text.isEmpty ? "- (none beyond the description)" : text
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
        let storage = contract.storage
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
        context["action"] = FilePrompts.formAction(template: path, routes: plan.routes)
        // the page whose request and error display the tool writes (`pagePrefill`)
        context["asks"] = continuesPrefill && (try? prefill(for: PlannedFile(path: path, purpose: "")))?.contains("function showAnswer(") == true
        for name in ["prompts/guides/\(plan.kind.rawValue)/\(type).mustache", "prompts/guides/any/\(type).mustache"] where renderer.exists(name) {
            lines = [try renderer.render(name, context).trimmingCharacters(in: .whitespacesAndNewlines)]
            break
        }
        // the storage the description names, for the file that keeps the data
        // (records in memory only when the description says so: the model's plan says "memory" for calculators too)
        let storage = contract.storage
        if path == "app.py", storage != "memory" || ContractReader.explicitStorage(spec.description) == "memory",
           renderer.exists("prompts/guides/storage/\(storage).mustache") {
            lines.append(try renderer.render("prompts/guides/storage/\(storage).mustache", guideContext).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        // the data kept elsewhere, and one value the description remembers in the session
        if path == "app.py", contract.storage != "session", ContractReader.mentionsSession(spec.description),
           renderer.exists("prompts/guides/storage/session_values.mustache") {
            lines.append(try renderer.render("prompts/guides/storage/session_values.mustache", guideContext).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return lines.joined(separator: "\n")
    }

    func promptContext(target: PlannedFile) throws -> [String: Any] {
        let written: [[String: Any]] = plan.generatedFiles.compactMap { f in
            guard f.path != target.path, let c = project.contents[f.path] else { return nil }
            if target.path == AppSkeleton.pagePath && f.path == "app.py" { return nil } // app.py is the page
            let text = c.count > 8000 ? String(c.prefix(8000)) + "\n… (truncated)" : c
            return ["path": f.path, "lang": FilePrompts.fenceLanguage(f.path), "content": text.trimmingCharacters(in: .newlines)]
        }
        let acceptance = acceptance(for: target.path)
        return [
            "projectName": spec.projectName,
            "description": spec.description,
            "pinned": Self.pinnedText(spec, contract: contract, port: plan.port),
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
            "targetLang": FilePrompts.fenceLanguage(target.path),
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
        let checks = self.checks()
        var lines = checks.page.filter { $0.file == path }.map(\.expectation)
        if path.hasSuffix(".py") || plan.kind == .wtforms {
            lines += checks.behaviour.map(\.expectation)
        } else if path.hasPrefix("templates/") {
            lines += checks.behaviour.filter { $0.file == path }.map(\.expectation)
        }
        return Array(lines.prefix(16))
    }

    /// The extra prompt context of prompts/regen.mustache when `file` is being regenerated, else nil.
    func regenPromptContext(for file: PlannedFile) -> [String: Any]? {
        guard let r = project.regenRequest, r.files.contains(file.path) else { return nil }
        let current = (r.current[file.path] ?? "").trimmingCharacters(in: .newlines)
        return ["hasCurrent": !current.isEmpty, "current": current,
                "hasInstruction": r.instruction != nil, "instruction": r.instruction ?? ""]
    }
}
