import Foundation

/// The directory holding deepcoder's built-in templates (prompts/, skeleton/, tools/), shipped as a
/// package resource. `--templates DIR` overrides it file by file.
public enum ScaffoldTemplates {
    public static var resourceDirectory: URL? { Bundle.module.resourceURL }
}
