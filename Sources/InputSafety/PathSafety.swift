import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A path refused by `PathSafety`, with the reason. The path is shown escaped (`TerminalText`).
public struct UnsafePathError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) { self.path = path; self.reason = reason }
    public var description: String { "refusing the path \"\(TerminalText.escaped(path))\": \(reason)" }
}

/// The one check for every path that comes from a git tree, a plan, a contract or a model answer:
/// relative, plain components, no `..`, nothing inside `.git`, no control characters, and (when it is
/// resolved against a directory) inside that directory after following symbolic links.
public enum PathSafety {
    /// Whether `path` is a relative path deepcoder may read or write inside a project.
    public static func isSafeRelativePath(_ path: String) -> Bool { problem(with: path) == nil }

    /// Why `path` is refused, or nil when it is a safe relative path.
    public static func problem(with path: String) -> String? {
        if path.isEmpty { return "it is empty" }
        if path.utf8.count > 4096 { return "it is longer than 4096 bytes" }
        if path.unicodeScalars.contains(where: TerminalText.isControl) { return "it contains a control character" }
        if path.hasPrefix("/") { return "it is absolute" }
        if path.hasPrefix("~") { return "it starts with ~" }
        if path.contains("\\") || path.contains(":") { return "it contains a backslash or a colon" }
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            if part.isEmpty || part == "." { return "it has an empty or '.' component" }
            if part.contains("..") { return "it has a '..' component" }
            if part.utf8.count > 255 { return "a component is longer than 255 bytes" }
            if isGitDirectoryName(String(part)) { return "it is inside .git" }
        }
        return nil
    }

    /// `.git` as file systems may read it: in any case, with trailing dots or spaces (Windows), with
    /// characters HFS+ ignores, or as its 8.3 short name.
    static func isGitDirectoryName(_ name: String) -> Bool {
        let ignorable: [ClosedRange<UInt32>] = [0x200C...0x200F, 0x202A...0x202E, 0x206A...0x206F, 0xFEFF...0xFEFF]
        var scalars = String.UnicodeScalarView()
        for u in name.unicodeScalars where !ignorable.contains(where: { $0.contains(u.value) }) { scalars.append(u) }
        var folded = String(scalars).lowercased()
        while let last = folded.last, last == "." || last == " " { folded.removeLast() }
        return folded == ".git" || folded == "git~1"
    }

    /// The absolute URL of `path` inside `root`; throws when the path is refused or when an existing
    /// component of it is a symbolic link that leads out of `root` (or nowhere).
    public static func resolve(_ path: String, in root: URL) throws -> URL {
        if let reason = problem(with: path) { throw UnsafePathError(path: path, reason: reason) }
        guard let rootReal = realPath(root.path) else {
            throw UnsafePathError(path: path, reason: "the directory \(root.path) does not exist")
        }
        var current = rootReal
        let parts = path.split(separator: "/").map(String.init)
        for (i, part) in parts.enumerated() {
            let next = current == "/" ? "/" + part : current + "/" + part
            var st = stat()
            guard lstat(next, &st) == 0 else { break }  // not there yet: what is created below it stays inside
            guard st.st_mode & S_IFMT == S_IFLNK else { current = next; continue }
            let link = parts[...i].joined(separator: "/")
            guard let target = realPath(next), target == rootReal || rootReal == "/" || target.hasPrefix(rootReal + "/") else {
                throw UnsafePathError(path: path, reason: "the symbolic link \(TerminalText.escaped(link)) leads out of the directory")
            }
            current = target
        }
        return root.appendingPathComponent(path).standardizedFileURL
    }

    /// realpath(3): the absolute path with every symbolic link followed; nil when it does not exist.
    public static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
