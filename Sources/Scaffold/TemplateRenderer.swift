import Foundation
import Mustache
import ScaffoldTemplates

public struct TemplateError: Error, CustomStringConvertible {
    public var description: String
}

/// Renders the Mustache templates of Templates/ (built-in resource, overridable with `--templates DIR`).
/// Templates set their delimiters to `<% %>` so that Jinja's `{{ }}` and `{% %}` pass through untouched.
public struct TemplateRenderer: Sendable {
    public let overrideDirectory: URL?
    public let builtinDirectory: URL?

    public init(overrideDirectory: URL? = nil) {
        self.overrideDirectory = overrideDirectory
        self.builtinDirectory = ScaffoldTemplates.resourceDirectory
    }

    /// The file behind a template name such as "prompts/file.mustache": the override when it exists.
    public func url(for name: String) throws -> URL {
        if let o = overrideDirectory {
            let u = o.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: u.path) { return u }
        }
        if let b = builtinDirectory {
            let u = b.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: u.path) { return u }
        }
        throw TemplateError(description: "template \(name) not found (override: \(overrideDirectory?.path ?? "none"), built-in: \(builtinDirectory?.path ?? "none"))")
    }

    public func exists(_ name: String) -> Bool { (try? url(for: name)) != nil }

    public func source(_ name: String) throws -> String {
        try String(contentsOf: url(for: name), encoding: .utf8)
    }

    public func render(_ name: String, _ context: [String: Any]) throws -> String {
        try Self.render(string: source(name), context, name: name)
    }

    public static func render(string: String, _ context: [String: Any], name: String = "template") throws -> String {
        let template: MustacheTemplate
        do { template = try MustacheTemplate(string: string) } catch {
            throw TemplateError(description: "template \(name) does not parse: \(error)")
        }
        return template.render(context)
    }
}
