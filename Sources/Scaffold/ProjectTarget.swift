import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Pipeline {
    /// Refuses a target `deepcoder new` cannot create its project in, before anything is generated: the
    /// project is written beside it and renamed into place at the end, so the target must be missing or an
    /// empty directory, not a symbolic link, not the current directory (nor one holding it), and its parent
    /// must be writable. Each refusal is a usage error that says the fix; nothing is created or changed.
    public static func checkTarget(_ target: URL) throws {
        let path = target.standardizedFileURL.path
        var info = stat()
        let exists = lstat(path, &info) == 0
        if exists, info.st_mode & S_IFMT == S_IFLNK {
            let destination = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
            let real = realPath(path)
            throw ScaffoldError.usage("\(path) is a symbolic link to \(destination)\(real == nil ? ", which does not exist" : ""); "
                + "deepcoder does not create a project through a link. "
                + (real.map { "Pass the directory itself: -o \($0)" } ?? "Choose another directory with -o"))
        }
        if exists, let real = realPath(path), let cwd = realPath(FileManager.default.currentDirectoryPath),
           cwd == real || cwd.hasPrefix(real.hasSuffix("/") ? real : real + "/") {
            throw ScaffoldError.usage("\(path) is the current directory\(cwd == real ? "" : " or holds it"); deepcoder creates the project "
                + "as a new directory and does not replace the one you are in. Name a new directory, e.g. -o my-app")
        }
        if exists {
            guard info.st_mode & S_IFMT == S_IFDIR else { throw ScaffoldError.usage("\(path) exists and is not a directory; choose another directory with -o") }
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? ["?"]
            if !entries.isEmpty {
                throw ScaffoldError.usage("\(path) is not empty; refusing to overwrite it. Choose another directory with -o, or use `deepcoder regen` to regenerate files of an existing project.")
            }
        }
        try checkWritableParent(of: URL(fileURLWithPath: path))
    }

    /// The nearest existing directory above `target` must take a new directory (the project is written
    /// there first): tried with a probe directory, removed at once, as only a real mkdir tells for sure.
    static func checkWritableParent(of target: URL) throws {
        var dir = target.deletingLastPathComponent()
        var info = stat()
        while stat(dir.path, &info) != 0 {
            guard errno == ENOENT, dir.path != "/" else {
                throw ScaffoldError.usage("cannot create \(target.path): \(dir.path): \(String(cString: strerror(errno))). Choose another directory with -o")
            }
            dir = dir.deletingLastPathComponent()
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw ScaffoldError.usage("cannot create \(target.path): \(dir.path) is not a directory. Choose another directory with -o")
        }
        let probe = dir.appendingPathComponent(".deepcoder-write-check-\(UUID().uuidString.prefix(8))").path
        guard mkdir(probe, 0o700) == 0 else {
            throw ScaffoldError.usage("cannot create \(target.path): making a directory in \(dir.path) fails (\(String(cString: strerror(errno)))). "
                + "Choose a directory you can write to with -o")
        }
        rmdir(probe)
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
