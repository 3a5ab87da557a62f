import Foundation

// The start of an answer that the tool writes itself because the plan or the description fixes it;
// the model continues from there (`GenerationRequest.prefill`, templates in Templates/skeleton/prefill/).
extension FilePrompts {
    /// The start of an answer that the tool can write itself because the plan fixes it; the model
    /// continues from there. Small models otherwise drop or rename what the description pins: the
    /// 0.5B wrote the tutorial's second page as a form posting to a route that did not exist, and
    /// a form's template with `{{ form.FIELD.data }}` where the input should be.
    /// Not used for regen, whose instruction may change exactly these parts.
    func prefill(for file: PlannedFile) throws -> String {
        guard project.regenRequest == nil else { return "" }
        if spec.pinned.wantsJavaScript || contract.pages.contains(where: { $0.calls != nil }) == true,
           (project.skeleton == .embedPage && file.path == AppSkeleton.pagePath) || (project.skeleton == .renderIndex && file.path == "templates/index.html") {
            return try pagePrefill()
        }
        if let page = sitePageContext(for: file) {
            return try render("skeleton/prefill/site_page.html.mustache", page)
        }
        if plan.kind == .jsonAPI, file.path == "app.py" {
            // the 1.5B imported WTForms into a JSON API and validated request.form against the guide
            return try render("skeleton/prefill/json_api.py.mustache", [:])
        }
        if plan.kind == .wtforms, let ctx = formPageContext(), file.path == "app.py" {
            return try render("skeleton/prefill/wtforms_app.py.mustache", ctx)
        }
        return ""
    }

    /// A file the tool writes whole from the plan, with no model call: forms.py of a one-form
    /// project (`formsContext`). Only for generators that continue a prefix, like the other
    /// tool-written parts; never for regen, whose instruction may change the file.
    func toolWrittenFile(_ file: PlannedFile) throws -> String? {
        guard project.regenRequest == nil, continuesPrefill, plan.kind == .wtforms else { return nil }
        if file.path == "forms.py", plan.forms.count == 1, let form = plan.forms.first {
            let text = try render("skeleton/prefill/wtforms_forms.py.mustache", formsContext(form))
            return try ResponseParser.extractFile(text, path: file.path)
        }
        // the page of a one-form app: the form, its errors and the result the view passes (a value,
        // or labelled values)
        if let ctx = formPageContext(), file.path == ctx["page"] as? String {
            let text = try render("skeleton/prefill/wtforms_page.html.mustache", ctx)
            return try ResponseParser.extractFile(text, path: file.path)
        }
        return nil
    }

    func render(_ template: String, _ ctx: [String: Any]) throws -> String {
        renderer.exists(template) ? try renderer.render(template, ctx) : ""
    }

    static func label(_ id: String) -> String { let n = PageRules.names(id)[0]; return n.prefix(1).uppercased() + n.dropFirst() }

    /// A JavaScript page: the elements with the description's exact ids, then the script up to the
    /// first button's click handler (the 0.5B once wrote a calculation that nothing called).
    func pagePrefill() throws -> String {
        // the page's elements as the contract has them: the description's ids, else the model's
        // reading of the page with the tool's decisions
        guard PageRules.elements(spec.description).allSatisfy({ $0.tag == "input" || $0.tag == "button" }),
              let page = contract.pages.first(where: { !$0.inputs.isEmpty && !$0.buttons.isEmpty }) else { return "" }
        let inputs = page.inputs, buttons = page.buttons
        let outputs = page.outputs.map(\.id)
        let tags = PageRules.outputTags(spec.description)
        /// where an output's shown content lives: a table's rows are in its body
        func content(_ id: String) -> String { tags[id] == "table" ? "document.querySelector(\"#\(id) tbody\")" : "document.getElementById(\"\(id)\")" }
        func html(_ t: String) -> String {
            t.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        var ctx: [String: Any] = [
            "title": html(spec.projectName), "heading": html(page.heading ?? spec.projectName),
            "inputs": inputs.map { ["id": $0.id, "label": html($0.origin == .description ? Self.label($0.id) : $0.label)] },
            "buttons": buttons.map { ["id": $0.id, "label": html($0.origin == .description ? Self.label($0.id) : $0.label)] },
            // each output as the description writes it: a table keeps its body, which the script fills
            "outputs": outputs.map { id -> [String: Any] in
                let tag = tags[id] ?? "div"
                return ["id": id, "tag": tag, "inner": tag == "table" ? "<tbody></tbody>" : ""]
            },
            "click": ["id": buttons[0].id],
        ]
        // the checks the description states for invalid input, as code: the model writes the calculation
        if let v = PageRules.validation(for: spec) {
            let names = Dictionary(uniqueKeysWithValues: v.conditions.map { ($0.id, Self.jsName($0.id)) })
            ctx["validation"] = [
                "inputs": v.conditions.map { ["name": names[$0.id]!, "id": $0.id] },
                "condition": v.conditions.map { c in
                    "(" + c.condition.replacingOccurrences(of: #"\bx\b"#, with: names[c.id]!, options: .regularExpression) + ")"
                }.joined(separator: " || "),
                "target": v.target,
                "message": Self.literal(v.message),
                "clear": outputs.filter { $0 != v.target }.map { ["element": content($0)] },
            ] as [String: Any]
        }
        // the route the page asks, with the query built from the inputs; the model shows the answer
        if let path = page.calls, let mapping = page.callParams, !mapping.isEmpty {
            let pairs = mapping.sorted { $0.value < $1.value }
            var fetch: [String: Any] = ["path": path, "params": pairs.enumerated().map { i, p in
                ["param": p.value, "id": p.key, "last": i == pairs.count - 1] as [String: Any]
            }]
            if let key = contract.endpoints.first(where: { $0.path == path && $0.method == "GET" })?.returns.first,
               key.range(of: #"^[A-Za-z_][A-Za-z0-9_]*$"#, options: .regularExpression) != nil {
                fetch["answer"] = ["key": key, "name": Self.jsName(key)]
            }
            // a refused request and a server that cannot be reached show their message where errors go,
            // and no earlier results (the description's word for an unreachable server, when it has one)
            let outcomes = PageRules.requestOutcomes(spec.description, ids: outputs)
            fetch["errorOut"] = PageRules.messageElement(page, outcomes) ?? ""
            fetch["clear"] = outputs.map { ["element": content($0)] }
            fetch["unreachable"] = Self.literal(PageRules.unreachableMessage(outcomes.unreachable?.text))
            fetch["refused"] = "The request was refused."
            // (a page with nowhere to show an answer is left to the model)
            if !outputs.isEmpty { ctx["fetch"] = fetch }
        }
        return try render("skeleton/prefill/js_page.html.mustache", ctx)
    }

    /// A page of a site of several pages (the contract's pages): its menu of links to every page and
    /// its heading, written by the tool; the model writes the content. The template of each page is
    /// the one app.py renders for its route.
    func sitePageContext(for file: PlannedFile) -> [String: Any]? {
        guard plan.kind == .jinjaPages, file.path.hasPrefix("templates/"),
              contract.pages.count > 1, let app = project.contents["app.py"] else { return nil }
        let rendered = RouteCompletion.renderedTemplates(in: app)
        let name = String(file.path.dropFirst("templates/".count))
        guard let route = rendered.first(where: { $0.template == name })?.path,
              let page = contract.pages.first(where: { RouteCompletion.normalized($0.path) == route }) else { return nil }
        func text(_ p: Contract.Page) -> String {
            if let h = p.heading, h.count <= 30 { return h }
            return p.path == "/" ? "Home" : Self.label(String(p.path.split(separator: "/").last ?? "page"))
        }
        func html(_ t: String) -> String { t.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;") }
        let menu = page.links.compactMap { link in contract.pages.first { $0.path == link } }
        guard menu.count > 1 else { return nil }
        return ["title": html(spec.projectName), "heading": html(page.heading ?? text(page)),
                "links": menu.map { ["path": $0.path, "text": html(text($0))] }]
    }

    /// `text` inside a double-quoted JavaScript or Python string literal (backslashes and quotes escaped).
    static func literal(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    /// A JavaScript variable name for an element id: "unit-price" → "unitPrice".
    static func jsName(_ id: String) -> String {
        let parts = id.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        var name = (parts.first ?? "value").lowercased() + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        if name.first?.isNumber ?? true { name = "v" + name }
        let reserved: Set<String> = ["delete", "new", "default", "function", "class", "var", "let", "const", "return", "in", "do", "if", "for", "switch", "case", "this", "void", "with", "typeof", "instanceof", "document", "window", "data", "answer", "url", "event", "name", "status", "top", "parent", "self", "length"]
        return reserved.contains(name) ? name + "Value" : name
    }

    /// forms.py, written by the tool from the plan: every planned field with its type, required
    /// (`InputRequired`), the validators the description writes as WTForms calls next to the field
    /// (`Length(min=3)`, `EqualTo("password", message="…")`, "the Email validator"), and, when it
    /// pins a message for zero or negative numbers, the validator that raises it (NumberRange(min=0)
    /// accepts zero). The model wrote other apps' fields and validators that do
    /// not exist (`EmailValidator`) into this file; nothing in it needs a model.
    func formsContext(_ form: PlannedForm) -> [String: Any] {
        func py(_ s: String) -> String { Self.literal(s) }
        let fields = form.fields.filter { $0.type != "SubmitField" && $0.name != "csrf_token" && $0.name != "submit" }
        let numericTypes: Set<String> = ["FloatField", "IntegerField", "DecimalField"]
        var written = FormValidators.written(in: spec.description, fields: fields.map(\.name))
        var custom: [String: Any]? = nil
        if fields.contains(where: { numericTypes.contains($0.type) }), let rule = BehaviourRules.nonPositiveMessage(spec.description) {
            let name = rule.rejectsZero ? "positive" : "not_negative"
            custom = ["name": name, "test": rule.rejectsZero ? "<= 0" : "< 0", "message": py(rule.message)]
            // the fields the rule names ("Both fields … must be greater than zero"), else every number field
            let lower = rule.line.lowercased()
            let numeric = fields.filter { numericTypes.contains($0.type) }
            let named = numeric.filter { lower.range(of: #"\b"# + NSRegularExpression.escapedPattern(for: $0.name.lowercased()) + #"\b"#, options: .regularExpression) != nil }
            for f in named.isEmpty ? numeric : named { written[f.name, default: []].append(name) }
        }
        var validatorNames: Set<String> = []
        let lines = fields.map { f -> [String: String] in
            var checks = written[f.name] ?? []
            if !checks.contains(where: { $0.hasPrefix("Optional(") || $0.hasPrefix("InputRequired(") || $0.hasPrefix("DataRequired(") }) {
                checks.insert("InputRequired()", at: 0)
            }
            for c in checks { if let r = c.range(of: "(") { validatorNames.insert(String(c[..<r.lowerBound])) } }
            let label = f.label.isEmpty ? Self.label(f.name) : f.label
            return ["name": f.name, "type": f.type, "label": py(label), "validators": checks.joined(separator: ", ")]
        }
        let types = Set(fields.map(\.type)).sorted() + ["SubmitField"]
        let button = contract.pages.flatMap(\.buttons).first?.label ?? "Submit"
        var ctx: [String: Any] = ["form": form.className, "fieldTypes": types.joined(separator: ", "),
                                  "validatorNames": (validatorNames.sorted() + (custom == nil ? [] : ["ValidationError"])).joined(separator: ", "),
                                  "fields": lines, "submitLabel": py(button)]
        if let custom { ctx["validator"] = custom }
        return ctx
    }

    /// A one-page WTForms app (one form, one template, GET and POST on one path): what app.py's view
    /// and the template's form must say.
    func formPageContext() -> [String: Any]? {
        guard plan.forms.count == 1, plan.pages.count == 1, let form = plan.forms.first,
              let post = plan.routes.first(where: { $0.method == "POST" && !$0.path.contains("<") }),
              plan.routes.contains(where: { $0.method == "GET" && $0.path == post.path }),
              plan.routes.allSatisfy({ $0.path == post.path }) else { return nil }
        let fields = form.fields.filter { $0.name != "csrf_token" }
        let page = plan.pages[0]
        var ctx: [String: Any] = [
            "title": spec.projectName, "form": form.className, "path": post.path, "page": page,
            "template": String(page.dropFirst("templates/".count)),
            "function": post.path == "/" ? "index" : post.path.replacingOccurrences(of: #"[^A-Za-z0-9]+"#, with: "_", options: .regularExpression).trimmingCharacters(in: CharacterSet(charactersIn: "_")),
            // each field's value read into a variable of its name, unless that would hide a name app.py uses
            "fields": fields.filter { $0.type != "SubmitField" && $0.name != "submit" }.map { f -> [String: String] in
                let taken: Set<String> = ["app", "form", "result", "Flask", "render_template", "request", "redirect", "url_for", "session", "index", form.className]
                return ["name": f.name, "variable": taken.contains(f.name) ? f.name + "_value" : f.name]
            },
        ]
        if let submit = fields.first(where: { $0.type == "SubmitField" }) { ctx["submit"] = ["name": submit.name] }
        return ctx
    }
}
