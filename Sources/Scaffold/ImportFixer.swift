import Foundation

/// Renames a local that hides a builtin its function calls (`sum = sum(values)`: UnboundLocalError),
/// then adds the imports a generated Python file uses but lacks (`Length(min=10)` in forms.py with no
/// `Length` imported, `jsonify` or `math.pi` with no import): Templates/tools/fix_imports.py reads the
/// file with `ast` and adds an import only for a name that is read, bound nowhere in the module, not a
/// builtin, and known to come from flask, markupsafe, flask_wtf, wtforms or a standard module. No
/// other line changes; a file that does not parse comes back unchanged.
public enum ImportFixer {
    static let timeout: Double = 30

    /// What the script prints: the fixed source, the imports added, the unbound names it does not know.
    struct Output: Decodable { var source: String; var added: [String]; var unknown: [String] }

    /// The fixed source and the imports added ("from wtforms.validators import Length", "import math").
    public static func fix(_ source: String, python: String = "python3", script: URL) throws -> (source: String, added: [String]) {
        let out = try run(source, python: python, script: script)
        return (out.source, out.added)
    }

    static func run(_ source: String, python: String, script: URL, renameOnly: Bool = false) throws -> Output {
        try Interrupts.withTemporaryDirectory("dc-imports") { work in try run(source, python: python, script: script, renameOnly: renameOnly, in: work) }
    }

    /// Only the first fix: a local that hides a builtin its function calls (`sum = sum(values)`) is
    /// renamed in that function. For a view on its own, whose imports are its module's.
    public static func renameShadowedBuiltins(_ source: String, environment: PythonEnvironment, renderer: TemplateRenderer) throws -> (source: String, renamed: [String]) {
        let out = try run(source, python: environment.isReady ? environment.python : "python3", script: renderer.url(for: "tools/fix_imports.py"), renameOnly: true)
        return (out.source, out.added)
    }

    private static func run(_ source: String, python: String, script: URL, renameOnly: Bool, in work: URL) throws -> Output {
        let file = work.appendingPathComponent("source.py")
        try Data(source.utf8).write(to: file)
        var env = ProcessInfo.processInfo.environment
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.removeValue(forKey: "PYTHONPATH")
        let r = try ProcessRunner.run(python, [script.path, file.path] + (renameOnly ? ["--rename-only"] : []), cwd: work, environment: env, timeout: timeout)
        guard r.succeeded else {
            throw ProcessError(description: "fix_imports.py \(r.timedOut ? "timed out" : "failed (exit \(r.exitCode))"): \(r.stderr.suffix(1000))")
        }
        let lastLine = r.stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard let out = try? JSONDecoder().decode(Output.self, from: Data(lastLine.utf8)) else {
            throw ProcessError(description: "fix_imports.py gave no result: \(r.stdout.suffix(500))")
        }
        return out
    }

    /// `fix` with the script of `renderer` and the venv's python when the venv is ready (its
    /// flask/wtforms give the names), else python3 (the script's own lists).
    public static func fix(_ source: String, environment: PythonEnvironment, renderer: TemplateRenderer) throws -> (source: String, added: [String]) {
        try fix(source, python: environment.isReady ? environment.python : "python3", script: renderer.url(for: "tools/fix_imports.py"))
    }
}
