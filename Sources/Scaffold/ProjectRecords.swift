import Foundation
import InputSafety

/// The records `deepcoder new` keeps in `.deepcoder/`, read back from a project (by regen and
/// reproduce) and checked on the way in: they come from a repository, so a path in them is as
/// untrusted as a tree entry. A plan naming a file outside the project, or a contract naming a route
/// that is not one, is refused with the record and the value named (exit 2).
enum ProjectRecords {
    static let planPath = ".deepcoder/plan.json"
    static let contractPath = ".deepcoder/contract.json"

    /// The stored plan, nil when there is none; throws when it is damaged or a file path in it is refused.
    static func plan(in dir: URL) throws -> ProjectPlan? {
        try plan(from: FileManager.default.contents(atPath: dir.appendingPathComponent(planPath).path))
    }

    /// The plan in `data` (the bytes of a stored plan.json), checked as `plan(in:)` checks it.
    static func plan(from data: Data?) throws -> ProjectPlan? {
        guard let data else { return nil }
        let plan: ProjectPlan
        do { plan = try JSONDecoder().decode(ProjectPlan.self, from: data) } catch {
            throw ScaffoldError.usage("the project's \(planPath) is damaged (\(error)); run again with --replan to rebuild the plan from the files present")
        }
        for file in plan.files {
            if let reason = PathSafety.problem(with: file.path) {
                throw refused(planPath, "the file", file.path, reason, fix: "correct or remove that entry, or run again with --replan to rebuild the plan from the files present")
            }
        }
        return plan
    }

    /// The stored contract, nil when there is none or it does not decode (it is rebuilt from the
    /// description then); throws when a route in it is refused. The contract names no files: its
    /// routes are URLs of the app (a template name is made from a page's route only by
    /// `Contract.refine`, through `PathSafety`), so they are checked as routes.
    static func contract(in dir: URL) throws -> Contract? {
        guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(contractPath).path),
              let contract = try? JSONDecoder().decode(Contract.self, from: data) else { return nil }
        let routes = contract.pages.flatMap { [$0.path] + $0.links + ($0.calls.map { [$0] } ?? []) } + contract.endpoints.map(\.path)
        let mentioned = contract.examples.compactMap(\.route) + contract.errors.compactMap(\.route)
        for route in routes + mentioned {
            if let reason = routeProblem(route, mentionedOnly: !routes.contains(route)) {
                throw refused(contractPath, "the route", route, reason, fix: "correct or remove that entry, or delete the file to rebuild it from the description")
            }
        }
        return contract
    }

    /// Why `route` is refused, or nil: a route of the app starts with / (an example's route is only
    /// compared with them, so only its characters are checked); none has control characters.
    static func routeProblem(_ route: String, mentionedOnly: Bool) -> String? {
        if route.unicodeScalars.contains(where: TerminalText.isControl) { return "it contains a control character" }
        if !mentionedOnly && !route.hasPrefix("/") { return "it does not start with /" }
        return nil
    }

    static func refused(_ record: String, _ what: String, _ value: String, _ reason: String, fix: String) -> ScaffoldError {
        .usage("the project's \(record) names \(what) \"\(TerminalText.escaped(value))\", which deepcoder refuses: \(reason); nothing was changed. To go on, \(fix).")
    }
}
