import Foundation

public struct UnsafePathError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var description: String { "refusing file name \"\(path)\": it is absolute, contains '..' or leaves the project" }
}

public enum PathSafety {
    /// A relative path with plain components: not absolute, no `..`/`.` components, no empty components,
    /// no backslashes, no NUL, no `~` prefix, not inside `.git`.
    public static func isSafeRelativePath(_ path: String) -> Bool {
        guard !path.isEmpty, path.count < 256, !path.hasPrefix("/"), !path.hasPrefix("~"),
              !path.contains("\\"), !path.contains("\0"), !path.contains(":") else { return false }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        for p in parts {
            if p.isEmpty || p == "." || p == ".." { return false }
            if p.contains("..") { return false }
        }
        if parts.first == ".git" { return false }
        return true
    }

    /// The absolute URL of `path` inside `root`, or an error when it would leave `root`
    /// (also through a symbolic link already in the tree).
    public static func resolve(_ path: String, in root: URL) throws -> URL {
        guard isSafeRelativePath(path) else { throw UnsafePathError(path: path) }
        let rootResolved = root.standardizedFileURL.resolvingSymlinksInPath().path
        let url = root.appendingPathComponent(path).standardizedFileURL
        // resolve symlinks of the existing parent directory
        let parent = url.deletingLastPathComponent().resolvingSymlinksInPath().path
        guard parent == rootResolved || parent.hasPrefix(rootResolved + "/") else { throw UnsafePathError(path: path) }
        return url
    }
}
