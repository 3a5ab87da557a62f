import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP exchange with URLSession whose body is read as it arrives, by the calling thread:
/// `next()` blocks until bytes, the end, or an error come. The scaffolder's `TextGenerator` is
/// synchronous, so this is the bridge from URLSession's delegate callbacks to it.
final class HTTPStream: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    enum Part {
        case response(HTTPURLResponse)
        case bytes(Data)
        case end
        case failure(Error)
    }

    private let condition = NSCondition()
    private var parts: [Part] = []
    private var session: URLSession!
    private var task: URLSessionDataTask?

    /// Starts the request. `idleTimeout`: the longest wait for the next bytes.
    init(_ request: URLRequest, idleTimeout: TimeInterval) {
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = idleTimeout
        configuration.timeoutIntervalForResource = 24 * 3600
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        let delegateQueue = OperationQueue()
        delegateQueue.maxConcurrentOperationCount = 1
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: delegateQueue)
        let task = session.dataTask(with: request)
        self.task = task
        task.resume()
    }

    /// The next part; blocks. After `.end` or `.failure` it returns `.end`.
    func next() -> Part {
        condition.lock()
        defer { condition.unlock() }
        while parts.isEmpty { condition.wait() }
        let part = parts.removeFirst()
        if case .end = part { parts.insert(.end, at: 0) }
        if case .failure = part { parts.insert(.end, at: 0) }
        return part
    }

    /// Stops the exchange (a stop string came, or the caller is done).
    func cancel() {
        task?.cancel()
        session.invalidateAndCancel()
    }

    private func push(_ part: Part) {
        condition.lock()
        parts.append(part)
        condition.signal()
        condition.unlock()
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        if let http = response as? HTTPURLResponse { push(.response(http)) }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        push(.bytes(data))
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        push(error.map { .failure($0) } ?? .end)
        session.finishTasksAndInvalidate()
    }
}
