import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// A real `deepcoder serve` child on a free loopback port, for the tests: started, waited for until it
/// prints the port it listens on, and stopped with SIGINT (its exit status is kept).
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    private let stderrBox = LockedText()
    var baseURL: String { "http://127.0.0.1:\(port)/v1" }
    var stderr: String { stderrBox.text }

    static var binary: URL { Bundle.main.bundleURL.appendingPathComponent("deepcoder") }

    /// `environment`: added to this process's own, from which $DEEPCODER_API_KEY is removed (serve reads its key there).
    init(arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 120) throws {
        process.executableURL = Self.binary
        process.arguments = ["serve", "--port", "0"] + arguments
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "DEEPCODER_API_KEY" }
            .merging(environment) { _, new in new }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let box = stderrBox
        err.fileHandleForReading.readabilityHandler = { h in
            let d = h.availableData
            if d.isEmpty { h.readabilityHandler = nil } else { box.append(String(decoding: d, as: UTF8.self)) }
        }
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        var found: Int?
        while found == nil, Date() < deadline, process.isRunning {
            if let r = box.text.range(of: #"listening on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                found = Int(box.text[r].split(separator: ":").last ?? "")
            } else {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        guard let found else {
            if process.isRunning { process.terminate() }
            throw ServeError("deepcoder serve did not start listening: \(box.text)")
        }
        port = found
    }

    /// Ctrl-C; waits for the exit and returns its status (nil: still running after `timeout`, then killed).
    @discardableResult
    func stop(timeout: TimeInterval = 30) -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

struct ServeError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

final class LockedText: @unchecked Sendable {
    private let lock = NSLock()
    private var _text = ""
    var text: String { lock.withLock { _text } }
    func append(_ s: String) { lock.withLock { _text += s } }
}

/// Plain HTTP for the tests (URLSession, synchronous).
enum HTTP {
    struct Reply {
        let status: Int
        let body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: body) as? [String: Any] }
        /// `error.message` of an OpenAI-style error body.
        var errorMessage: String? { (json?["error"] as? [String: Any])?["message"] as? String }
        var errorParam: String? { (json?["error"] as? [String: Any])?["param"] as? String }
    }

    static let session: URLSession = {
        let c = URLSessionConfiguration.ephemeral
        c.httpMaximumConnectionsPerHost = 128
        c.timeoutIntervalForRequest = 300
        return URLSession(configuration: c)
    }()

    static func send(_ method: String, _ url: String, body: Data? = nil, headers: [String: String] = [:]) throws -> Reply {
        var r = URLRequest(url: URL(string: url)!)
        r.httpMethod = method
        r.httpBody = body
        if body != nil { r.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        for (k, v) in headers { r.setValue(v, forHTTPHeaderField: k) }
        let done = DispatchSemaphore(value: 0)
        let box = ReplyBox()
        session.dataTask(with: r) { data, response, error in
            box.set(data: data, status: (response as? HTTPURLResponse)?.statusCode, error: error)
            done.signal()
        }.resume()
        done.wait()
        if let e = box.error { throw e }
        return Reply(status: box.status ?? 0, body: box.data ?? Data())
    }

    static func post(_ url: String, json: Any, headers: [String: String] = [:]) throws -> Reply {
        try send("POST", url, body: try JSONSerialization.data(withJSONObject: json), headers: headers)
    }

    /// The `data:` payloads of a server-sent-events body.
    static func events(_ body: Data) -> [String] {
        String(decoding: body, as: UTF8.self).components(separatedBy: "\n\n").compactMap { block in
            let lines = block.split(separator: "\n").filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
            return lines.isEmpty ? nil : lines.joined(separator: "\n")
        }
    }
}

final class ReplyBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var data: Data?
    private(set) var status: Int?
    private(set) var error: Error?
    func set(data: Data?, status: Int?, error: Error?) { lock.withLock { self.data = data; self.status = status; self.error = error } }
}

/// The test model's path, or a skip when it is not installed.
func testModelPath() throws -> String {
    let p = Process()
    p.executableURL = ServeProcess.binary
    p.arguments = ["models", "path", "smollm2-135m-instruct"]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw XCTSkip("test model not installed: deepcoder models pull smollm2-135m-instruct") }
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}
