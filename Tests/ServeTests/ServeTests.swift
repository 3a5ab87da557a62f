import Engine
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// `deepcoder serve` as a client sees it: a real server process on loopback with the test model,
/// real HTTP. One server (context 1024, two requests decoded together) is shared by the tests of this class.
final class ServeTests: XCTestCase {
    nonisolated(unsafe) static var server: ServeProcess?
    nonisolated(unsafe) static var modelPath = ""

    override class func setUp() {
        super.setUp()
        guard let path = try? testModelPath() else { return }
        modelPath = path
        server = try? ServeProcess(arguments: ["--model", path, "--ctx-size", "1024", "--parallel", "4", "--threads", "2"])
    }

    override class func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }

    func running() throws -> ServeProcess {
        _ = try testModelPath()
        guard let s = Self.server else { throw ServeError("deepcoder serve did not start") }
        XCTAssertTrue(s.process.isRunning, "the server went down: \(s.stderr)")
        return s
    }

    static let question: [String: Any] = [
        "model": "smollm2-135m-instruct", "messages": [["role": "user", "content": "What is the capital of France?"]],
        "temperature": 0, "max_tokens": 24,
    ]

    /// What the in-process engine answers to `question`, greedily.
    func inProcessAnswer(maxTokens: Int = 24) throws -> String {
        let lm = try LanguageModel(path: Self.modelPath, threads: 1, contextLength: 1024)
        let prompt = try lm.chatPrompt([ChatMessage(role: .user, content: "What is the capital of France?")])
        let options = GenerationOptions(maxTokens: maxTokens, sampling: .greedy, stopStrings: try lm.chatTemplate().stopStrings)
        return try lm.generate(prompt: prompt, options: options).text
    }

    func content(_ reply: HTTP.Reply) -> String? {
        ((reply.json?["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
    }

    func testHealthAndModels() throws {
        let s = try running()
        let health = try HTTP.send("GET", "http://127.0.0.1:\(s.port)/health")
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(health.json?["status"] as? String, "ok")
        let models = try HTTP.send("GET", s.baseURL + "/models")
        XCTAssertEqual(models.status, 200)
        let ids = (models.json?["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
        XCTAssertEqual(ids, ["smollm2-135m-instruct"], models.text)
    }

    func testGreedyChatCompletionIsTheInProcessAnswer() throws {
        let s = try running()
        let reply = try HTTP.post(s.baseURL + "/chat/completions", json: Self.question)
        XCTAssertEqual(reply.status, 200, reply.text)
        let expected = try inProcessAnswer()
        XCTAssertFalse(expected.isEmpty)
        XCTAssertEqual(content(reply), expected)
        let usage = reply.json?["usage"] as? [String: Any]
        XCTAssertGreaterThan(usage?["prompt_tokens"] as? Int ?? 0, 5, reply.text)
        XCTAssertEqual(reply.json?["object"] as? String, "chat.completion")
    }

    func testStreamedChunksMakeTheSameAnswerAndEndWithDone() throws {
        let s = try running()
        var q = Self.question
        q["stream"] = true
        q["stream_options"] = ["include_usage": true]
        let reply = try HTTP.post(s.baseURL + "/chat/completions", json: q)
        XCTAssertEqual(reply.status, 200, reply.text)
        let events = HTTP.events(reply.body)
        XCTAssertEqual(events.last, "[DONE]", reply.text)
        let chunks = events.dropLast().compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        XCTAssertEqual(chunks.count, events.count - 1, "every event but [DONE] is a JSON chunk")
        let choices = chunks.compactMap { ($0["choices"] as? [[String: Any]])?.first }
        let text = choices.compactMap { ($0["delta"] as? [String: Any])?["content"] as? String }.joined()
        XCTAssertEqual(text, try inProcessAnswer())
        XCTAssertGreaterThan(choices.count, 3, "the answer came in pieces")
        let reasons = choices.compactMap { $0["finish_reason"] as? String }
        XCTAssertEqual(reasons.count, 1, "one chunk carries the finish reason")
        XCTAssertNotNil(chunks.last?["usage"], "include_usage adds a last chunk with the usage")
    }

    func testCompletionsEndpointContinuesThePrompt() throws {
        let s = try running()
        let body: [String: Any] = ["prompt": "def add(a, b):\n    return", "max_tokens": 8, "temperature": 0]
        let reply = try HTTP.post(s.baseURL + "/completions", json: body)
        XCTAssertEqual(reply.status, 200, reply.text)
        let choice = (reply.json?["choices"] as? [[String: Any]])?.first
        let text = choice?["text"] as? String ?? ""
        let lm = try LanguageModel(path: Self.modelPath, threads: 1, contextLength: 1024)
        let expected = try lm.generate(prompt: lm.tokenizer.encode("def add(a, b):\n    return", addSpecial: true, parseSpecial: false),
                                       options: GenerationOptions(maxTokens: 8, sampling: .greedy)).text
        XCTAssertEqual(text, expected)
        XCTAssertEqual(choice?["finish_reason"] as? String, "length")
    }

    func testJSONSchemaResponseFormatIsFollowed() throws {
        let s = try running()
        let schema: [String: Any] = ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]]
        var q = Self.question
        q["max_tokens"] = 60
        q["response_format"] = ["type": "json_schema", "json_schema": ["name": "answer", "schema": schema]]
        let reply = try HTTP.post(s.baseURL + "/chat/completions", json: q)
        XCTAssertEqual(reply.status, 200, reply.text)
        let text = content(reply) ?? ""
        let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        XCTAssertNotNil(parsed?["city"] as? String, "the answer follows the schema: \(text)")
    }

    /// Each hostile request gets an OpenAI-style error naming the problem (or a correct answer), and the
    /// server stays up for the next.
    func testHostileRequestsGetClearErrorsAndTheServerStaysUp() throws {
        let s = try running()
        let url = s.baseURL + "/chat/completions"
        func expect(_ reply: HTTP.Reply, _ status: Int, mentions words: [String], line: UInt = #line) {
            XCTAssertEqual(reply.status, status, reply.text, line: line)
            let message = reply.errorMessage ?? ""
            XCTAssertFalse(message.isEmpty, "an OpenAI error body: \(reply.text)", line: line)
            for w in words { XCTAssertTrue(message.contains(w), "'\(w)' in: \(message)", line: line) }
        }
        expect(try HTTP.send("POST", url, body: Data("{\"messages\": [".utf8)), 400, mentions: ["not valid JSON"])
        expect(try HTTP.send("POST", url, body: Data()), 400, mentions: ["not valid JSON"])
        expect(try HTTP.send("POST", url, body: Data("[1, 2]".utf8)), 400, mentions: ["JSON object"])
        expect(try HTTP.post(url, json: ["messages": "hello"]), 400, mentions: ["messages", "an array"])
        expect(try HTTP.post(url, json: ["messages": [["role": "user", "content": 42]]]), 400, mentions: ["messages[0].content"])
        expect(try HTTP.post(url, json: ["messages": [["role": "wizard", "content": "hi"]]]), 400, mentions: ["wizard"])
        var q = Self.question
        q["max_tokens"] = "ten"
        expect(try HTTP.post(url, json: q), 400, mentions: ["max_tokens", "a number"])
        q["max_tokens"] = -5
        expect(try HTTP.post(url, json: q), 400, mentions: ["max_tokens", "at least 1"])
        q["max_tokens"] = 1e300
        expect(try HTTP.post(url, json: q), 400, mentions: ["max_tokens"])
        q["max_tokens"] = 4
        q["temperature"] = -1
        expect(try HTTP.post(url, json: q), 400, mentions: ["temperature"])
        q["temperature"] = "hot"
        expect(try HTTP.post(url, json: q), 400, mentions: ["temperature", "a number"])
        q["temperature"] = 0
        q["n"] = 3
        expect(try HTTP.post(url, json: q), 400, mentions: ["'n'"])
        q["n"] = nil
        q["model"] = "gpt-4o"
        expect(try HTTP.send("POST", url, body: try JSONSerialization.data(withJSONObject: q)), 404, mentions: ["gpt-4o", "smollm2-135m-instruct"])
        // a prompt longer than the context (1024 tokens)
        let long = String(repeating: "lorem ipsum dolor sit amet ", count: 600)
        expect(try HTTP.post(url, json: ["messages": [["role": "user", "content": long]]]), 400, mentions: ["context", "tokens"])
        // a body over the size limit
        let huge = String(repeating: "x", count: 5 << 20)
        expect(try HTTP.post(url, json: ["messages": [["role": "user", "content": huge]]]), 413, mentions: ["larger than"])
        expect(try HTTP.send("GET", s.baseURL + "/nothing-here"), 404, mentions: ["no such endpoint"])
        // unknown fields are ignored; a huge max_tokens is cut to the context's room
        var fine = Self.question
        fine["max_tokens"] = 2_000_000_000
        fine["some_future_field"] = ["a": 1]
        let ok = try HTTP.post(url, json: fine)
        XCTAssertEqual(ok.status, 200, ok.text)
        XCTAssertFalse((content(ok) ?? "").isEmpty, ok.text)
        XCTAssertEqual(try HTTP.send("GET", "http://127.0.0.1:\(s.port)/health").status, 200)
        XCTAssertTrue(s.process.isRunning)
    }

    /// The server's /health counters: requests waiting or running, and requests cancelled since it started.
    func health(_ s: ServeProcess) throws -> (requests: Int, cancelled: Int) {
        let json = try HTTP.send("GET", "http://127.0.0.1:\(s.port)/health").json
        return ((json?["requests"] as? Int) ?? -1, (json?["cancelled"] as? Int) ?? -1)
    }

    /// Waits (at most `seconds`) until the server has no request waiting or running.
    func waitIdle(_ s: ServeProcess, seconds: TimeInterval = 120) throws -> (requests: Int, cancelled: Int) {
        let t0 = Date()
        var h = try health(s)
        while h.requests != 0, Date().timeIntervalSince(t0) < seconds {
            Thread.sleep(forTimeInterval: 0.1)
            h = try health(s)
        }
        return h
    }

    /// A long generation (900 tokens of counting) from a client that leaves before it ends, streamed or not.
    func dropMidAnswer(_ s: ServeProcess, stream: Bool) throws {
        let before = try waitIdle(s)
        XCTAssertEqual(before.requests, 0)
        let body: [String: Any] = ["prompt": "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,", "max_tokens": 900, "temperature": 0, "stream": stream]
        var r = URLRequest(url: URL(string: s.baseURL + "/completions")!)
        r.httpMethod = "POST"
        r.httpBody = try JSONSerialization.data(withJSONObject: body)
        let gotBytes = DispatchSemaphore(value: 0)
        let delegate = FirstBytes(gotBytes)
        let session = URLSession(configuration: .ephemeral, delegate: delegate, delegateQueue: nil)
        let task = session.dataTask(with: r)
        task.resume()
        if stream {
            XCTAssertEqual(gotBytes.wait(timeout: .now() + 60), .success, "the stream started")
        } else {
            // running: the server counts it
            let t0 = Date()
            while try health(s).requests == 0, Date().timeIntervalSince(t0) < 60 { Thread.sleep(forTimeInterval: 0.05) }
        }
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertFalse(delegate.finished, "the answer was still coming when the client left")
        task.cancel()
        session.invalidateAndCancel()
        // the generation ends either way; it was cancelled only if the server saw the client go
        let after = try waitIdle(s)
        XCTAssertEqual(after.requests, 0)
        XCTAssertEqual(after.cancelled, before.cancelled + 1, "the dropped request's generation was cut short, not run to its end")
        XCTAssertEqual(try HTTP.post(s.baseURL + "/chat/completions", json: Self.question).status, 200)
    }

    /// A client that drops a streamed answer cancels its generation (the next write fails).
    func testClientDisconnectMidStreamStopsTheGeneration() throws {
        try dropMidAnswer(try running(), stream: true)
    }

    /// A client that drops a request for a whole answer cancels its generation too (the connection's end is seen).
    func testClientDisconnectBeforeAWholeAnswerStopsTheGeneration() throws {
        try dropMidAnswer(try running(), stream: false)
    }

    /// 100 requests at once: every one is answered, greedy ones with exactly the answer alone.
    func testHundredConcurrentRequestsAllGetTheRightAnswer() throws {
        let s = try running()
        var q = Self.question
        q["max_tokens"] = 6
        let alone = content(try HTTP.post(s.baseURL + "/chat/completions", json: q))
        XCTAssertNotNil(alone)
        let results = ResultsBox(count: 100)
        DispatchQueue.concurrentPerform(iterations: 100) { i in
            let reply = try? HTTP.post(s.baseURL + "/chat/completions", json: q)
            results.set(i, reply.map { ($0.status, self.content($0)) })
        }
        let all = results.values
        XCTAssertEqual(all.filter { $0?.0 == 200 }.count, 100, "\(all.map { $0?.0 ?? -1 })")
        XCTAssertEqual(all.filter { $0?.1 == alone }.count, 100)
        XCTAssertTrue(s.process.isRunning)
    }
}

extension ServeTests {
    /// Sampled requests at once, with four seeds: each gets exactly the answer its seed gives alone
    /// (they may be decoded together, each with its own settings).
    func testConcurrentSampledRequestsGetTheirSeedsAnswer() throws {
        let s = try running()
        // seeds that are not base + i, and temperatures of their own: a batch that sampled with the first
        // request's settings and seed + i would give other answers
        let seeds = [100, 7, 42, 3], temperatures = [0.9, 1.1, 0.7, 1.0]
        func request(_ k: Int) -> [String: Any] {
            var q = Self.question
            q["temperature"] = temperatures[k]
            q["seed"] = seeds[k]
            q["max_tokens"] = 12
            return q
        }
        let alone = try (0..<4).map { content(try HTTP.post(s.baseURL + "/chat/completions", json: request($0))) }
        XCTAssertTrue(alone.allSatisfy { $0 != nil })
        XCTAssertGreaterThan(Set(alone.compactMap { $0 }).count, 1, "four seeds at temperature 0.9 gave one answer: \(alone)")
        let results = ResultsBox(count: 16)
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            let reply = try? HTTP.post(s.baseURL + "/chat/completions", json: request(i % 4))
            results.set(i, reply.map { ($0.status, self.content($0)) })
        }
        for (i, r) in results.values.enumerated() {
            XCTAssertEqual(r?.0, 200, "request \(i)")
            XCTAssertEqual(r?.1, alone[i % 4], "request \(i) (seed \(seeds[i % 4]))")
        }
        XCTAssertTrue(s.process.isRunning)
    }
}

extension ServeTests {
    /// Continuous batching: a short request sent while a long one decodes joins the running batch and
    /// is answered before the long one ends (a batch that took no newcomers made it wait for the whole
    /// long answer), and both answers are exactly the in-process engine's alone.
    func testRequestArrivingDuringALongAnswerJoinsTheRunningBatch() throws {
        let s = try running()
        XCTAssertEqual(try waitIdle(s).requests, 0, "requests of earlier tests still running")
        let longPrompt = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10,"
        let longBody: [String: Any] = ["prompt": longPrompt, "max_tokens": 300, "temperature": 0]
        var short = Self.question
        short["max_tokens"] = 8
        let lm = try LanguageModel(path: Self.modelPath, threads: 1, contextLength: 1024)
        let expectedLong = try lm.generate(prompt: lm.tokenizer.encode(longPrompt, addSpecial: true, parseSpecial: false),
                                           options: GenerationOptions(maxTokens: 300, sampling: .greedy))
        XCTAssertEqual(expectedLong.tokens.count, 300, "the long answer should run to its limit: \(expectedLong.text)")
        let expectedShort = try inProcessAnswer(maxTokens: 8)

        let longDone = DispatchSemaphore(value: 0)
        let box = ResultsBox(count: 1)
        let longEnd = DateBox()
        let longURL = s.baseURL + "/completions", longData = try JSONSerialization.data(withJSONObject: longBody)
        DispatchQueue.global().async {
            let reply = try? HTTP.send("POST", longURL, body: longData, headers: ["Content-Type": "application/json"])
            longEnd.set(Date())
            let text = ((reply?.json?["choices"] as? [[String: Any]])?.first?["text"] as? String)
            box.set(0, reply.map { ($0.status, text) })
            longDone.signal()
        }
        // wait until the long request is in the server's hands
        let deadline = Date().addingTimeInterval(30)
        var seen = false
        while !seen, Date() < deadline {
            seen = try health(s).requests >= 1
            if !seen { Thread.sleep(forTimeInterval: 0.02) }
        }
        XCTAssertTrue(seen, "the long request never reached the server")
        Thread.sleep(forTimeInterval: 0.2)
        let shortReply = try HTTP.post(s.baseURL + "/chat/completions", json: short)
        let shortEnd = Date()
        XCTAssertEqual(longDone.wait(timeout: .now() + 120), .success, "the long request never ended")
        XCTAssertEqual(shortReply.status, 200, shortReply.text)
        XCTAssertEqual(content(shortReply), expectedShort)
        XCTAssertEqual(box.values[0]?.0, 200)
        XCTAssertEqual(box.values[0]?.1, expectedLong.text)
        XCTAssertLessThan(shortEnd, longEnd.value, "the short request waited for the long answer to end instead of joining its batch")
    }
}

final class DateBox: @unchecked Sendable {
    private let lock = NSLock()
    private var _value = Date.distantFuture
    func set(_ d: Date) { lock.withLock { _value = d } }
    var value: Date { lock.withLock { _value } }
}

final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    private var _values: [(Int, String?)?]
    init(count: Int) { _values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ v: (Int, String?)?) { lock.withLock { _values[i] = v } }
    var values: [(Int, String?)?] { lock.withLock { _values } }
}

final class FirstBytes: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let signal: DispatchSemaphore
    private let lock = NSLock()
    private var signalled = false
    private var _finished = false
    var finished: Bool { lock.withLock { _finished } }
    init(_ s: DispatchSemaphore) { signal = s }
    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let text = String(decoding: data, as: UTF8.self)
        lock.withLock {
            if text.contains("[DONE]") || text.contains("\"finish_reason\"") && !text.hasPrefix("data:") { _finished = true }
            if !signalled { signalled = true; signal.signal() }
        }
    }
}
