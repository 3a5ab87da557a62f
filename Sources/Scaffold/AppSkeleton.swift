import Foundation

/// When a project's app.py follows from the plan alone, the tool writes it from a template and the
/// model writes only the page: a page served at GET / needs no Python the model could get wrong
/// (small models forget the route, call render_template on a string, or run the server on import).
public enum AppSkeleton: Equatable, Sendable {
    /// app.py is the model's (JSON APIs, forms, several routes).
    case none
    /// jinja-pages with one page: app.py renders templates/index.html at GET /.
    case renderIndex
    /// single-file: the model writes `page.html`; app.py embeds it as a string and serves it at GET /.
    case embedPage
    /// a JSON API whose routes all answer GET with query parameters: the tool writes app.py and each
    /// route's declaration and parameter parsing, the model each route's body (`completeRoutes`).
    case jsonRoutes

    /// The file the model writes in place of app.py for `.embedPage`; never written to the project.
    public static let pagePath = "page.html"

    /// One page served at GET /: the tool writes app.py. Other routes the plan has (the JSON routes
    /// the page asks) are added to it by `completeRoutes`: the tool writes their declarations, the
    /// model their bodies.
    public static func choose(for plan: ProjectPlan) -> AppSkeleton {
        if plan.kind == .jsonAPI, !plan.routes.isEmpty,
           plan.routes.allSatisfy({ $0.method == "GET" && !$0.path.contains("<") && !$0.query.isEmpty }) {
            return .jsonRoutes
        }
        let root = plan.routes.filter { $0.path == "/" }
        guard root.count == 1, root[0].method == "GET", root[0].query.isEmpty else { return .none }
        switch plan.kind {
        case .singleFile: return .embedPage
        case .jinjaPages where plan.pages == ["templates/index.html"]: return .renderIndex
        default: return .none
        }
    }

    /// The files the model writes, in order.
    public func modelFiles(_ plan: ProjectPlan) -> [PlannedFile] {
        switch self {
        case .none: return plan.generatedFiles
        case .renderIndex, .jsonRoutes: return plan.generatedFiles.filter { $0.path != "app.py" }
        case .embedPage:
            return [PlannedFile(path: Self.pagePath, purpose: "the complete HTML page with its CSS and JavaScript; app.py serves it as a string at GET /")]
                + plan.generatedFiles.filter { $0.path != "app.py" }
        }
    }

    /// app.py for this skeleton (nil for `.none`); `page` is the model's page for `.embedPage`.
    /// `views` are the model's views of the other routes, `imports` the import lines they need.
    public func appSource(plan: ProjectPlan, projectName: String, page: String?, renderer: TemplateRenderer,
                          views: [String] = [], imports: [String] = []) throws -> String? {
        let ctx: [String: Any] = ["port": plan.port, "projectName": projectName, "views": views, "imports": imports,
                                  "hasImports": !imports.isEmpty]
        switch self {
        case .none: return nil
        case .renderIndex:
            return try renderer.render("skeleton/app/render_index.py.mustache", ctx)
        case .jsonRoutes:
            return try renderer.render("skeleton/app/json_routes.py.mustache", ctx)
        case .embedPage:
            return try renderer.render("skeleton/app/embed_page.py.mustache",
                                       ctx.merging(["page": Self.pythonRawString(page ?? "")]) { $1 })
        }
    }

    /// `text` as a Python raw triple-quoted string literal (the page's JavaScript keeps its backslashes).
    static func pythonRawString(_ text: String) -> String {
        var body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if !body.contains("\"\"\"") && !body.hasSuffix("\"") && !body.hasSuffix("\\") { return "r\"\"\"" + body + "\n\"\"\"" }
        if !body.contains("'''") && !body.hasSuffix("'") && !body.hasSuffix("\\") { return "r'''" + body + "\n'''" }
        // both kinds of triple quotes: a plain string with escapes
        body = body.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"\"\"", with: "\\\"\\\"\\\"")
        return "\"\"\"" + body + "\n\"\"\""
    }
}
