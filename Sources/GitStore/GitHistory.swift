import CLibgit2
import Foundation
import InputSafety

/// History, status, diffs and partial commits for `deepcoder regen/log/diff/undo/restore/reproduce`.
/// Everything goes through libgit2; nothing shells out to git.
extension GitStore {
    public struct LogEntry: Sendable {
        public var id: String
        public var date: Date
        public var message: String
        public var authorName: String
        public var authorEmail: String
        public var parents: [String]
        public var trailers: [(key: String, value: String)]
        /// Paths that differ from the first parent (all paths for a root commit).
        public var changedFiles: [String]
        public var subject: String { String(message.split(separator: "\n", omittingEmptySubsequences: false).first ?? "") }
        public func trailer(_ key: String) -> String? { trailers.last { $0.key == key }?.value }
    }

    /// One path whose working-tree or index state differs from HEAD, or that is untracked (ignored files excluded).
    public struct StatusEntry: Sendable, Equatable {
        public var path: String
        /// "modified", "added", "deleted", "renamed", "typechange" or "untracked"
        public var state: String
        public init(path: String, state: String) { self.path = path; self.state = state }
    }

    // MARK: - helpers

    static func openRepository(_ directory: URL) throws -> OpaquePointer {
        var repo: OpaquePointer?
        try check(git_repository_open_ext(&repo, directory.path, GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue, nil),
                  "open the git repository at \(directory.path)")
        return repo!
    }

    static func withRepository<T>(_ directory: URL, _ body: (OpaquePointer) throws -> T) throws -> T {
        try withLibgit2 {
            let repo = try openRepository(directory)
            defer { git_repository_free(repo) }
            return try body(repo)
        }
    }

    static func lookupCommit(_ repo: OpaquePointer, _ rev: String) throws -> OpaquePointer {
        var obj: OpaquePointer?
        try check(git_revparse_single(&obj, repo, rev), "no revision '\(rev)'")
        defer { git_object_free(obj) }
        var peeled: OpaquePointer?
        try check(git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT), "'\(rev)' is not a commit")
        return peeled!  // a git_commit (object pointers are interchangeable)
    }

    static func commitTree(_ commit: OpaquePointer) throws -> OpaquePointer {
        var tree: OpaquePointer?
        try check(git_commit_tree(&tree, commit), "commit tree")
        return tree!
    }

    static func signature(_ repo: OpaquePointer, identity: Identity?, fallback: Identity) throws -> UnsafeMutablePointer<git_signature> {
        var sig: UnsafeMutablePointer<git_signature>?
        if let identity {
            try check(git_signature_now(&sig, identity.name, identity.email), "signature")
        } else if git_signature_default(&sig, repo) < 0 || sig == nil {
            try check(git_signature_now(&sig, fallback.name, fallback.email), "signature")
        }
        return sig!
    }

    /// Runs `body` with a git_strarray over `strings` (valid only inside body).
    static func withStrArray<T>(_ strings: [String], _ body: (inout git_strarray) throws -> T) rethrows -> T {
        var cstrings: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        defer { cstrings.forEach { free($0) } }
        return try cstrings.withUnsafeMutableBufferPointer { buf in
            var arr = git_strarray(strings: buf.baseAddress, count: strings.count)
            return try body(&arr)
        }
    }

    static func blobFiles(of tree: OpaquePointer) throws -> [String] {
        final class Box { var files: [String] = [] }
        let box = Box()
        let cb: git_treewalk_cb = { root, entry, payload in
            guard let entry, let payload else { return 0 }
            if git_tree_entry_type(entry) == GIT_OBJECT_BLOB {
                let b = Unmanaged<Box>.fromOpaque(payload).takeUnretainedValue()
                b.files.append(String(cString: root!) + String(cString: git_tree_entry_name(entry)))
            }
            return 0
        }
        try check(git_tree_walk(tree, GIT_TREEWALK_PRE, cb, Unmanaged.passUnretained(box).toOpaque()), "walk tree")
        return box.files.sorted()
    }

    static func changedPaths(_ repo: OpaquePointer, old: OpaquePointer?, new: OpaquePointer?) throws -> [String] {
        var diff: OpaquePointer?
        try check(git_diff_tree_to_tree(&diff, repo, old, new, nil), "diff")
        defer { git_diff_free(diff) }
        var out: [String] = []
        for i in 0..<git_diff_num_deltas(diff) {
            guard let d = git_diff_get_delta(diff, i)?.pointee else { continue }
            let p = d.new_file.path.map { String(cString: $0) } ?? d.old_file.path.map { String(cString: $0) } ?? ""
            out.append(p)
        }
        return out.sorted()
    }

    // MARK: - reading

    /// Whether `directory` is the top of a git repository with at least one commit.
    public static func hasCommits(in directory: URL) -> Bool {
        (try? withRepository(directory) { repo -> Bool in
            var oid = git_oid()
            return git_reference_name_to_id(&oid, repo, "HEAD") == 0
        }) ?? false
    }

    /// The full commit id a revision (`HEAD`, `HEAD~1`, a short id, a branch) names.
    public static func resolve(_ rev: String, in directory: URL) throws -> String {
        try withRepository(directory) { repo in
            let c = try lookupCommit(repo, rev)
            defer { git_commit_free(c) }
            return oidString(git_commit_id(c).pointee)
        }
    }

    /// The commits reachable from HEAD, newest first (at most `limit` when given).
    public static func log(in directory: URL, limit: Int? = nil) throws -> [LogEntry] {
        try withRepository(directory) { repo in
            var walk: OpaquePointer?
            try check(git_revwalk_new(&walk, repo), "revwalk")
            defer { git_revwalk_free(walk) }
            try check(git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_TIME.rawValue), "revwalk sorting")
            try check(git_revwalk_push_head(walk), "the repository has no commits")
            var out: [LogEntry] = []
            var oid = git_oid()
            while git_revwalk_next(&oid, walk) == 0 {
                if let limit, out.count >= limit { break }
                var commit: OpaquePointer?
                try check(git_commit_lookup(&commit, repo, &oid), "lookup commit")
                defer { git_commit_free(commit) }
                out.append(try entry(repo, commit!))
            }
            return out
        }
    }

    /// One commit as a log entry.
    public static func commit(_ rev: String, in directory: URL) throws -> LogEntry {
        try withRepository(directory) { repo in
            let c = try lookupCommit(repo, rev)
            defer { git_commit_free(c) }
            return try entry(repo, c)
        }
    }

    static func entry(_ repo: OpaquePointer, _ commit: OpaquePointer) throws -> LogEntry {
        let message = git_commit_message(commit).map { String(cString: $0) } ?? ""
        let author = git_commit_author(commit)!.pointee
        var parents: [String] = []
        for i in 0..<git_commit_parentcount(commit) { parents.append(oidString(git_commit_parent_id(commit, i)!.pointee)) }
        let tree = try commitTree(commit)
        defer { git_tree_free(tree) }
        var parentTree: OpaquePointer?
        if git_commit_parentcount(commit) > 0 {
            var parent: OpaquePointer?
            try check(git_commit_parent(&parent, commit, 0), "parent commit")
            defer { git_commit_free(parent) }
            try check(git_commit_tree(&parentTree, parent), "parent tree")
        }
        defer { git_tree_free(parentTree) }
        return LogEntry(id: oidString(git_commit_id(commit).pointee),
                        date: Date(timeIntervalSince1970: TimeInterval(git_commit_time(commit))),
                        message: message, authorName: String(cString: author.name), authorEmail: String(cString: author.email),
                        parents: parents, trailers: try trailers(of: message),
                        changedFiles: try changedPaths(repo, old: parentTree, new: tree))
    }

    /// The files (blobs) of a revision's tree, sorted.
    public static func files(at rev: String, in directory: URL) throws -> [String] {
        try withRepository(directory) { repo in
            let c = try lookupCommit(repo, rev)
            defer { git_commit_free(c) }
            let tree = try commitTree(c)
            defer { git_tree_free(tree) }
            return try blobFiles(of: tree)
        }
    }

    /// The bytes of `path` at `rev`, or nil when the revision has no such file.
    public static func blob(_ path: String, at rev: String, in directory: URL) throws -> Data? {
        try withRepository(directory) { repo in
            let c = try lookupCommit(repo, rev)
            defer { git_commit_free(c) }
            let tree = try commitTree(c)
            defer { git_tree_free(tree) }
            var entry: OpaquePointer?
            guard git_tree_entry_bypath(&entry, tree, path) == 0 else { return nil }
            defer { git_tree_entry_free(entry) }
            guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB else { return nil }
            var blob: OpaquePointer?
            try check(git_blob_lookup(&blob, repo, git_tree_entry_id(entry)), "lookup blob \(path)")
            defer { git_blob_free(blob) }
            let size = Int(git_blob_rawsize(blob))
            guard size > 0, let raw = git_blob_rawcontent(blob) else { return Data() }
            return Data(bytes: raw, count: size)
        }
    }

    /// Uncommitted changes: staged, unstaged and untracked paths (ignored files excluded), sorted.
    public static func status(in directory: URL) throws -> [StatusEntry] {
        try withRepository(directory) { repo in
            var opts = git_status_options()
            try check(git_status_options_init(&opts, UInt32(GIT_STATUS_OPTIONS_VERSION)), "status options")
            opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
            opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS.rawValue
                | GIT_STATUS_OPT_EXCLUDE_SUBMODULES.rawValue
            var list: OpaquePointer?
            try check(git_status_list_new(&list, repo, &opts), "status")
            defer { git_status_list_free(list) }
            var out: [StatusEntry] = []
            for i in 0..<git_status_list_entrycount(list) {
                guard let e = git_status_byindex(list, i)?.pointee else { continue }
                let s = e.status.rawValue
                let delta = e.index_to_workdir ?? e.head_to_index
                guard let d = delta?.pointee else { continue }
                let path = d.new_file.path.map { String(cString: $0) } ?? d.old_file.path.map { String(cString: $0) } ?? "?"
                let state: String
                if s & GIT_STATUS_WT_NEW.rawValue != 0 { state = "untracked" }
                else if s & (GIT_STATUS_WT_DELETED.rawValue | GIT_STATUS_INDEX_DELETED.rawValue) != 0 { state = "deleted" }
                else if s & GIT_STATUS_INDEX_NEW.rawValue != 0 { state = "added" }
                else if s & (GIT_STATUS_WT_RENAMED.rawValue | GIT_STATUS_INDEX_RENAMED.rawValue) != 0 { state = "renamed" }
                else if s & (GIT_STATUS_WT_TYPECHANGE.rawValue | GIT_STATUS_INDEX_TYPECHANGE.rawValue) != 0 { state = "typechange" }
                else if s == GIT_STATUS_IGNORED.rawValue || s == GIT_STATUS_CURRENT.rawValue { continue }
                else { state = "modified" }
                out.append(StatusEntry(path: path, state: state))
            }
            return out.sorted { $0.path < $1.path }
        }
    }

    /// A unified patch (as `git diff` prints it) between two revisions, or from `old` to the working
    /// tree when `new` is nil; `old` nil means the empty tree. Limited to `paths` when given.
    public static func diff(in directory: URL, from old: String?, to new: String?, paths: [String] = []) throws -> String {
        try withRepository(directory) { repo in
            var opts = git_diff_options()
            try check(git_diff_options_init(&opts, UInt32(GIT_DIFF_OPTIONS_VERSION)), "diff options")
            if new == nil { opts.flags |= GIT_DIFF_INCLUDE_UNTRACKED.rawValue | GIT_DIFF_SHOW_UNTRACKED_CONTENT.rawValue | GIT_DIFF_RECURSE_UNTRACKED_DIRS.rawValue }
            func tree(_ rev: String?) throws -> OpaquePointer? {
                guard let rev else { return nil }
                let c = try lookupCommit(repo, rev)
                defer { git_commit_free(c) }
                return try commitTree(c)
            }
            let oldTree = try tree(old)
            defer { git_tree_free(oldTree) }
            let newTree = try tree(new)
            defer { git_tree_free(newTree) }
            return try withStrArray(paths) { spec -> String in
                opts.pathspec = spec
                if !paths.isEmpty { opts.flags |= GIT_DIFF_DISABLE_PATHSPEC_MATCH.rawValue }
                var diff: OpaquePointer?
                if new == nil {
                    try check(git_diff_tree_to_workdir_with_index(&diff, repo, oldTree, &opts), "diff to the working tree")
                } else {
                    try check(git_diff_tree_to_tree(&diff, repo, oldTree, newTree, &opts), "diff")
                }
                defer { git_diff_free(diff) }
                var buf = git_buf()
                try check(git_diff_to_buf(&buf, diff, GIT_DIFF_FORMAT_PATCH), "format patch")
                defer { git_buf_dispose(&buf) }
                guard let ptr = buf.ptr, buf.size > 0 else { return "" }
                return String(decoding: UnsafeRawBufferPointer(start: ptr, count: buf.size), as: UTF8.self)
            }
        }
    }

    // MARK: - writing

    /// One commit on top of HEAD whose tree is HEAD's with `files` replaced (content) or removed (nil);
    /// every path must pass `PathSafety`.
    /// Nothing else is staged: other uncommitted changes in the working tree and the index stay as they
    /// are. The repository's index is updated for exactly these paths. Returns the commit id.
    @discardableResult
    public static func commit(files: [String: Data?], in directory: URL, message: String,
                              fallback: Identity = fallbackIdentity, identity: Identity? = nil) throws -> String {
        try withRepository(directory) { repo in
            let head = try lookupCommit(repo, "HEAD")
            defer { git_commit_free(head) }
            let headTree = try commitTree(head)
            defer { git_tree_free(headTree) }
            var mem: OpaquePointer?
            try check(git_index_new(&mem), "new index")
            defer { git_index_free(mem) }
            try check(git_index_read_tree(mem, headTree), "read HEAD's tree")
            var repoIndex: OpaquePointer?
            try check(git_repository_index(&repoIndex, repo), "open index")
            defer { git_index_free(repoIndex) }
            for (path, data) in files.sorted(by: { $0.key < $1.key }) {
                if let reason = PathSafety.problem(with: path) { throw UnsafePathError(path: path, reason: reason) }
                if let data {
                    var blobID = git_oid()
                    try data.withUnsafeBytes { raw in
                        try check(git_blob_create_from_buffer(&blobID, repo, raw.baseAddress, raw.count), "write blob \(path)")
                    }
                    try path.withCString { cpath in
                        var entry = git_index_entry()
                        entry.mode = UInt32(GIT_FILEMODE_BLOB.rawValue)
                        entry.id = blobID
                        entry.path = cpath
                        entry.file_size = UInt32(truncatingIfNeeded: data.count)
                        try check(git_index_add(mem, &entry), "stage \(path)")
                        try data.withUnsafeBytes { raw in
                            try check(git_index_add_from_buffer(repoIndex, &entry, raw.baseAddress, raw.count), "stage \(path)")
                        }
                    }
                } else {
                    _ = git_index_remove(mem, path, 0)
                    _ = git_index_remove(repoIndex, path, 0)
                }
            }
            var treeID = git_oid()
            try check(git_index_write_tree_to(&treeID, mem, repo), "write tree")
            var tree: OpaquePointer?
            try check(git_tree_lookup(&tree, repo, &treeID), "lookup tree")
            defer { git_tree_free(tree) }
            let sig = try signature(repo, identity: identity, fallback: fallback)
            defer { git_signature_free(sig) }
            var parents: [OpaquePointer?] = [head]
            var commitID = git_oid()
            try check(git_commit_create(&commitID, repo, "HEAD", sig, sig, "UTF-8", message, tree, 1, &parents), "commit")
            try check(git_index_write(repoIndex), "write index")
            return oidString(commitID)
        }
    }

    /// Makes the working tree and index match `rev` (only `paths` when given) and commits that on top of
    /// HEAD. Refuses (throws) when a file it would touch has uncommitted changes: nothing is discarded.
    @discardableResult
    public static func commitTree(of rev: String, paths: [String] = [], in directory: URL, message: String,
                                  fallback: Identity = fallbackIdentity, identity: Identity? = nil) throws -> String {
        try withRepository(directory) { repo in
            let target = try lookupCommit(repo, rev)
            defer { git_commit_free(target) }
            let targetTree = try commitTree(target)
            defer { git_tree_free(targetTree) }
            var opts = git_checkout_options()
            try check(git_checkout_options_init(&opts, UInt32(GIT_CHECKOUT_OPTIONS_VERSION)), "checkout options")
            opts.checkout_strategy = GIT_CHECKOUT_SAFE.rawValue
            try withStrArray(paths) { spec in
                if !paths.isEmpty {
                    opts.paths = spec
                    opts.checkout_strategy |= GIT_CHECKOUT_DISABLE_PATHSPEC_MATCH.rawValue
                }
                try check(git_checkout_tree(repo, targetTree, &opts), "check out \(rev)")
            }
            var index: OpaquePointer?
            try check(git_repository_index(&index, repo), "open index")
            defer { git_index_free(index) }
            var treeID = git_oid()
            try check(git_index_write_tree(&treeID, index), "write tree")
            var tree: OpaquePointer?
            try check(git_tree_lookup(&tree, repo, &treeID), "lookup tree")
            defer { git_tree_free(tree) }
            let head = try lookupCommit(repo, "HEAD")
            defer { git_commit_free(head) }
            let sig = try signature(repo, identity: identity, fallback: fallback)
            defer { git_signature_free(sig) }
            var parents: [OpaquePointer?] = [head]
            var commitID = git_oid()
            try check(git_commit_create(&commitID, repo, "HEAD", sig, sig, "UTF-8", message, tree, 1, &parents), "commit")
            return oidString(commitID)
        }
    }
}
