import CLibgit2
import Foundation
import InputSafety

/// A tree `export` refuses, naming the entry (escaped) and why. Nothing was written.
public struct UnsafeTreeError: Error, CustomStringConvertible {
    public var revision: String
    public var path: String
    public var reason: String
    public var description: String {
        "the tree of \(revision) holds the entry \"\(TerminalText.escaped(path))\", which deepcoder refuses: \(reason); nothing was written"
    }
}

extension GitStore {
    /// One entry of a tree, with its full path as the tree spells it.
    struct TreeEntry {
        enum Kind { case file, symlink, directory, submodule }
        var path: String
        var kind: Kind
        var id: git_oid
    }

    /// Writes every file of `rev` into `destination` (which must exist): an export, no .git.
    /// Every entry name goes through `PathSafety` first, and a tree with a file beneath one of its own
    /// symbolic links is refused: then nothing is written. Symbolic links and submodules are not
    /// exported (only regular files are written), and no write follows a link out of `destination`.
    public static func export(_ rev: String, from directory: URL, to destination: URL) throws {
        try withRepository(directory) { repo in
            let commit = try lookupCommit(repo, rev)
            defer { git_commit_free(commit) }
            let tree = try commitTree(commit)
            defer { git_tree_free(tree) }
            let entries = try treeEntries(tree)
            try checkExportable(entries, revision: rev)
            for entry in entries where entry.kind == .file {
                var id = entry.id
                var blob: OpaquePointer?
                try check(git_blob_lookup(&blob, repo, &id), "read \(TerminalText.escaped(entry.path))")
                defer { git_blob_free(blob) }
                let size = Int(git_blob_rawsize(blob))
                let data = size > 0 ? Data(bytes: git_blob_rawcontent(blob)!, count: size) : Data()
                let url = try PathSafety.resolve(entry.path, in: destination)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try data.write(to: url, options: .atomic)
            }
        }
    }

    /// Every entry of `tree`, directories before what they hold, as the tree spells the names.
    static func treeEntries(_ tree: OpaquePointer) throws -> [TreeEntry] {
        final class Box { var entries: [TreeEntry] = [] }
        let box = Box()
        let cb: git_treewalk_cb = { root, entry, payload in
            guard let entry, let payload else { return 0 }
            let kind: TreeEntry.Kind
            switch git_tree_entry_filemode(entry) {
            case GIT_FILEMODE_TREE: kind = .directory
            case GIT_FILEMODE_LINK: kind = .symlink
            case GIT_FILEMODE_COMMIT: kind = .submodule
            default: kind = .file
            }
            let path = String(cString: root!) + String(cString: git_tree_entry_name(entry))
            Unmanaged<Box>.fromOpaque(payload).takeUnretainedValue().entries.append(TreeEntry(path: path, kind: kind, id: git_tree_entry_id(entry)!.pointee))
            return 0
        }
        try check(git_tree_walk(tree, GIT_TREEWALK_PRE, cb, Unmanaged.passUnretained(box).toOpaque()), "walk tree")
        return box.entries
    }

    /// Throws for the first entry that must not be exported: a name `PathSafety` refuses, an entry
    /// beneath a symbolic link of the same tree, or a path the tree holds twice.
    static func checkExportable(_ entries: [TreeEntry], revision: String) throws {
        // files first: the error names what would have been written
        for e in entries.filter({ $0.kind != .directory }) + entries.filter({ $0.kind == .directory }) {
            if let reason = PathSafety.problem(with: e.path) { throw UnsafeTreeError(revision: revision, path: e.path, reason: reason) }
        }
        let links = Set(entries.filter { $0.kind == .symlink }.map(\.path))
        for e in entries {
            let parts = e.path.split(separator: "/")
            for n in parts.indices.dropLast() where links.contains(parts[...n].joined(separator: "/")) {
                let link = parts[...n].joined(separator: "/")
                throw UnsafeTreeError(revision: revision, path: e.path, reason: "it lies beneath the symbolic link \(TerminalText.escaped(link)) of the same tree")
            }
        }
        var seen = Set<String>()
        for e in entries where !seen.insert(e.path).inserted {
            throw UnsafeTreeError(revision: revision, path: e.path, reason: "the tree holds this path twice")
        }
    }
}
