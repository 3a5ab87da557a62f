import CLibgit2
import Foundation

public struct GitError: Error, CustomStringConvertible {
    public var description: String
}

/// Minimal libgit2 wrapper: init a repository, add everything, make one commit; read a commit back.
public enum GitStore {
    public struct Identity: Sendable, Equatable {
        public var name: String
        public var email: String
        public init(name: String, email: String) { self.name = name; self.email = email }
    }

    public static let fallbackIdentity = Identity(name: "deepcoder", email: "deepcoder@localhost")

    public struct CommitInfo: Sendable {
        public var id: String
        public var message: String
        public var authorName: String
        public var authorEmail: String
        public var trailers: [(key: String, value: String)]
        public var files: [String]
    }

    static func check(_ code: Int32, _ what: String) throws {
        guard code >= 0 else {
            var msg = "libgit2 error \(code)"
            if let e = git_error_last(), let m = e.pointee.message { msg = String(cString: m) }
            throw GitError(description: "\(what): \(msg)")
        }
    }

    static func withLibgit2<T>(_ body: () throws -> T) rethrows -> T {
        git_libgit2_init()
        defer { git_libgit2_shutdown() }
        return try body()
    }

    /// `git init` + `git add -A` + one commit on HEAD (on top of the current HEAD when there is one). The author is the user's git identity
    /// (user.name/user.email from git config) when there is one, else `fallback`.
    /// Returns the commit id (hex).
    @discardableResult
    public static func commitAll(in directory: URL, message: String, fallback: Identity = fallbackIdentity,
                                 identity: Identity? = nil) throws -> String {
        try withLibgit2 {
            var repo: OpaquePointer?
            try check(git_repository_init(&repo, directory.path, 0), "init \(directory.path)")
            defer { git_repository_free(repo) }

            var index: OpaquePointer?
            try check(git_repository_index(&index, repo), "open index")
            defer { git_index_free(index) }
            var paths = git_strarray(strings: nil, count: 0)
            try check(git_index_add_all(index, &paths, GIT_INDEX_ADD_DEFAULT.rawValue, nil, nil), "add all")
            try check(git_index_update_all(index, &paths, nil, nil), "stage deletions")
            try check(git_index_write(index), "write index")
            var treeID = git_oid()
            try check(git_index_write_tree(&treeID, index), "write tree")
            var tree: OpaquePointer?
            try check(git_tree_lookup(&tree, repo, &treeID), "lookup tree")
            defer { git_tree_free(tree) }

            var sig: UnsafeMutablePointer<git_signature>?
            if let identity {
                try check(git_signature_now(&sig, identity.name, identity.email), "signature")
            } else if git_signature_default(&sig, repo) < 0 || sig == nil {
                try check(git_signature_now(&sig, fallback.name, fallback.email), "signature")
            }
            defer { git_signature_free(sig) }

            // on an existing history the commit goes on top of HEAD
            var parent: OpaquePointer?
            var headID = git_oid()
            if git_reference_name_to_id(&headID, repo, "HEAD") == 0 {
                try check(git_commit_lookup(&parent, repo, &headID), "lookup HEAD")
            }
            defer { git_commit_free(parent) }
            var parents: [OpaquePointer?] = [parent]
            var commitID = git_oid()
            try check(git_commit_create(&commitID, repo, "HEAD", sig, sig, "UTF-8", message, tree, parent == nil ? 0 : 1, &parents), "commit")
            return oidString(commitID)
        }
    }

    static func oidString(_ oid: git_oid) -> String {
        var o = oid
        var buf = [CChar](repeating: 0, count: 41)
        git_oid_tostr(&buf, 41, &o)
        return String(cString: buf)
    }

    /// The HEAD commit of the repository at `directory`: message, author, trailers, files.
    public static func headCommit(in directory: URL) throws -> CommitInfo {
        try withLibgit2 {
            var repo: OpaquePointer?
            try check(git_repository_open(&repo, directory.path), "open \(directory.path)")
            defer { git_repository_free(repo) }
            var oid = git_oid()
            try check(git_reference_name_to_id(&oid, repo, "HEAD"), "resolve HEAD")
            var commit: OpaquePointer?
            try check(git_commit_lookup(&commit, repo, &oid), "lookup commit")
            defer { git_commit_free(commit) }
            let message = git_commit_message(commit).map { String(cString: $0) } ?? ""
            let author = git_commit_author(commit)!.pointee
            var tree: OpaquePointer?
            try check(git_commit_tree(&tree, commit), "commit tree")
            defer { git_tree_free(tree) }
            let files = try blobFiles(of: tree!)
            return CommitInfo(id: oidString(oid), message: message,
                              authorName: String(cString: author.name), authorEmail: String(cString: author.email),
                              trailers: try trailers(of: message), files: files)
        }
    }

    /// Trailers (`Key: value` lines in the last paragraph) as libgit2 parses them.
    public static func trailers(of message: String) throws -> [(key: String, value: String)] {
        try withLibgit2 {
            var arr = git_message_trailer_array()
            try check(git_message_trailers(&arr, message), "parse trailers")
            defer { git_message_trailer_array_free(&arr) }
            var out: [(key: String, value: String)] = []
            for i in 0..<arr.count {
                let t = arr.trailers[i]
                out.append((String(cString: t.key), String(cString: t.value)))
            }
            return out
        }
    }
}
