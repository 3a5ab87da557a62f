import CLibgit2
import Foundation

/// Commits trees a hostile repository could hold (`..`, `.git/config`, names with control characters,
/// a symbolic link with a file beneath it). libgit2's index and tree builder refuse such names, so the
/// objects are written byte for byte into the object database.
public enum HostileTrees {
    /// A tree entry to write.
    public indirect enum Node {
        case file(String)
        /// a symbolic link (mode 120000) to this target
        case symlink(String)
        case directory([(String, Node)])
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    static func check(_ code: Int32, _ what: String) throws {
        guard code >= 0 else {
            let message = git_error_last().flatMap { $0.pointee.message.map { String(cString: $0) } } ?? "error \(code)"
            throw Failure(description: "\(what): \(message)")
        }
    }

    /// A commit on top of HEAD of the repository at `directory` whose tree is HEAD's with `entries` added
    /// at the top (names are written as given, duplicates included); HEAD's branch moves to it.
    /// The message is HEAD's unless given. Returns the commit id.
    @discardableResult
    public static func commit(adding entries: [(String, Node)], in directory: URL, message: String? = nil) throws -> String {
        git_libgit2_init()
        defer { git_libgit2_shutdown() }
        var repo: OpaquePointer?
        try check(git_repository_open(&repo, directory.path), "open \(directory.path)")
        defer { git_repository_free(repo) }
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, repo), "object database")
        defer { git_odb_free(odb) }

        var head: OpaquePointer?
        try check(git_repository_head(&head, repo), "HEAD")
        defer { git_reference_free(head) }
        var headID = git_reference_target(head)!.pointee
        var parent: OpaquePointer?
        try check(git_commit_lookup(&parent, repo, &headID), "HEAD commit")
        defer { git_commit_free(parent) }
        var baseTree = git_commit_tree_id(parent)!.pointee

        var rows = try readTree(odb, &baseTree)
        for (name, node) in entries { rows.append(try entry(odb, name: Array(name.utf8), node: node)) }
        let tree = try writeTree(odb, rows)

        let text = message ?? String(cString: git_commit_message(parent))
        var raw = "tree \(hex(tree))\nparent \(hex(headID))\n"
        raw += "author Test <test@example.com> 1700000000 +0000\ncommitter Test <test@example.com> 1700000000 +0000\n\n" + text
        var commitID = git_oid()
        try check(git_odb_write(&commitID, odb, raw, raw.utf8.count, GIT_OBJECT_COMMIT), "write commit")
        var moved: OpaquePointer?
        try check(git_reference_set_target(&moved, head, &commitID, "hostile tree"), "move HEAD")
        git_reference_free(moved)
        return hex(commitID)
    }

    typealias Row = (mode: String, name: [UInt8], id: git_oid)

    static func entry(_ odb: OpaquePointer?, name: [UInt8], node: Node) throws -> Row {
        switch node {
        case .file(let text): return ("100644", name, try write(odb, Array(text.utf8), GIT_OBJECT_BLOB))
        case .symlink(let target): return ("120000", name, try write(odb, Array(target.utf8), GIT_OBJECT_BLOB))
        case .directory(let children):
            return ("40000", name, try writeTree(odb, try children.map { try entry(odb, name: Array($0.0.utf8), node: $0.1) }))
        }
    }

    static func write(_ odb: OpaquePointer?, _ bytes: [UInt8], _ type: git_object_t) throws -> git_oid {
        var id = git_oid()
        try check(git_odb_write(&id, odb, bytes, bytes.count, type), "write object")
        return id
    }

    /// Entries in git's order (a directory's name compares as if it ended in "/"), written as one tree.
    static func writeTree(_ odb: OpaquePointer?, _ rows: [Row]) throws -> git_oid {
        func key(_ r: Row) -> [UInt8] { r.mode == "40000" ? r.name + [0x2f] : r.name }
        var bytes: [UInt8] = []
        for r in rows.sorted(by: { key($0).lexicographicallyPrecedes(key($1)) }) {
            var id = r.id
            bytes += Array(r.mode.utf8) + [0x20] + r.name + [0]
            bytes += withUnsafeBytes(of: &id.id) { Array($0) }
        }
        return try write(odb, bytes, GIT_OBJECT_TREE)
    }

    /// The entries of a tree object, parsed from its raw bytes.
    static func readTree(_ odb: OpaquePointer?, _ id: inout git_oid) throws -> [Row] {
        var object: OpaquePointer?
        try check(git_odb_read(&object, odb, &id), "read tree")
        defer { git_odb_object_free(object) }
        let bytes = Array(UnsafeRawBufferPointer(start: git_odb_object_data(object), count: git_odb_object_size(object)))
        var rows: [Row] = []
        var i = 0
        while i < bytes.count {
            let space = bytes[i...].firstIndex(of: 0x20)!
            let nul = bytes[space...].firstIndex(of: 0)!
            var oid = git_oid()
            withUnsafeMutableBytes(of: &oid.id) { $0.copyBytes(from: bytes[(nul + 1)..<(nul + 21)]) }
            rows.append((String(decoding: bytes[i..<space], as: UTF8.self), Array(bytes[(space + 1)..<nul]), oid))
            i = nul + 21
        }
        return rows
    }

    static func hex(_ id: git_oid) -> String {
        var id = id
        return withUnsafeBytes(of: &id.id) { $0.map { String(format: "%02x", $0) }.joined() }
    }
}
