/// The checks verification runs, in the order it runs them. All but `tests` (pytest on the generated
/// tests) and `environment` (the venv could not be made) are functions of the harness's `CHECKS`
/// registry in Templates/tools/verify_app.py, under the same names (a test keeps the two in step).
public enum CheckName: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case compile, templates, `import`, routes, behaviour, pins, javascript, serve, tests
    /// not a check: verification could not run (the report's only entry then)
    case environment

    /// The checks verification runs, in order.
    public static let run: [CheckName] = [.compile, .templates, .import, .routes, .behaviour, .pins, .javascript, .serve, .tests]
    /// The checks verify_app.py implements.
    public static let harness: [CheckName] = run.filter { $0 != .tests }

    public var description: String { rawValue }

    /// The earlier checks whose failure makes this one meaningless (it is skipped).
    public var blockedBy: [CheckName] {
        switch self {
        case .compile, .templates, .environment: return []
        case .import: return [.compile]
        case .pins, .javascript: return [.compile, .templates, .import, .routes] // they read the served pages
        default: return [.compile, .templates, .import]
        }
    }

    /// Its time limit in seconds.
    public var timeout: Double {
        switch self {
        case .compile, .templates, .import: return 30
        case .pins: return 40
        case .serve: return 70
        case .tests: return 180
        default: return 60
        }
    }
}

/// What became of a check.
public enum CheckStatus: String, Sendable, Codable {
    case passed, failed, skipped
}
