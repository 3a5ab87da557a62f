import Engine
import Foundation

/// What a job streams back to its request.
enum GenerationEvent: Sendable {
    case text(String)
    case finished(GenerationResult)
    case failed(String)
}

/// One request's generation: its prompt and options, its stream of events, and its cancel flag.
final class GenerationJob: @unchecked Sendable {
    let prompt: [Int32]
    let options: GenerationOptions
    let events: AsyncStream<GenerationEvent>
    private let continuation: AsyncStream<GenerationEvent>.Continuation
    private let lock = NSLock()
    private var cancelled = false

    init(prompt: [Int32], options: GenerationOptions) {
        self.prompt = prompt
        self.options = options
        (events, continuation) = AsyncStream.makeStream(of: GenerationEvent.self, bufferingPolicy: .unbounded)
        // the request went away (client disconnected, task cancelled): stop generating for it
        continuation.onTermination = { [weak self] _ in self?.cancel() }
    }

    var isCancelled: Bool { lock.withLock { cancelled } }
    func cancel() { lock.withLock { cancelled = true } }

    func send(_ event: GenerationEvent) {
        continuation.yield(event)
        switch event {
        case .finished, .failed: continuation.finish()
        case .text: break
        }
    }

    /// Jobs with equal keys can be decoded together by `LanguageModel.generate(prompts:samplings:)`: each
    /// sequence samples with its own request's settings and seed, and a sequence's logits in a batch are
    /// those it gets alone, so every request gets exactly its answer alone, whatever the load. The
    /// batch shares one length and one set of stops; constrained requests run alone.
    var batchKey: String? {
        guard options.grammar == nil else { return nil }
        return "\(options.maxTokens)|\(options.stopStrings)"
    }
}

/// The one owner of the model: a thread that runs jobs in the order they came (the engine is not
/// thread-safe). With `parallel` > 1 it takes up to `parallel` waiting jobs that can share a batch
/// (`GenerationJob.batchKey`) and decodes them together; other jobs run one at a time, first come first served.
final class GenerationQueue: @unchecked Sendable {
    let model: LanguageModel
    let parallel: Int
    private let condition = NSCondition()
    private var waiting: [GenerationJob] = []
    private var running = 0
    private var _cancelled = 0

    init(model: LanguageModel, parallel: Int) {
        self.model = model
        self.parallel = max(1, parallel)
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "deepcoder.generation"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Jobs waiting or running.
    var load: Int { condition.withLock { waiting.count + running } }

    /// Jobs stopped because their request went away (never run, or cut short), since the start.
    var cancelled: Int { condition.withLock { _cancelled } }

    private func countCancelled(_ n: Int) {
        if n > 0 { condition.withLock { _cancelled += n } }
    }

    func submit(_ job: GenerationJob) {
        condition.withLock {
            waiting.append(job)
            condition.signal()
        }
    }

    private func loop() {
        while true {
            let batch: [GenerationJob] = condition.withLock {
                while waiting.isEmpty { condition.wait() }
                let first = waiting.removeFirst()
                var batch = [first]
                if parallel > 1, let key = first.batchKey {
                    var i = 0
                    while i < waiting.count, batch.count < parallel {
                        if waiting[i].batchKey == key { batch.append(waiting.remove(at: i)) } else { i += 1 }
                    }
                }
                running = batch.count
                return batch
            }
            run(batch)
            condition.withLock { running = 0 }
        }
    }

    private func run(_ jobs: [GenerationJob]) {
        // a request that went away while it waited is not run at all
        for job in jobs where job.isCancelled { job.send(.failed("cancelled")) }
        countCancelled(jobs.filter(\.isCancelled).count)
        let live = jobs.filter { !$0.isCancelled }
        guard !live.isEmpty else { return }
        do {
            if live.count == 1 {
                let job = live[0]
                let result = try model.generate(prompt: job.prompt, options: job.options) { text in
                    job.send(.text(text))
                    return !job.isCancelled
                }
                if result.stopReason == .cancelled { countCancelled(1) }
                job.send(.finished(result))
            } else {
                let results = try model.generate(prompts: live.map(\.prompt), options: live[0].options,
                                                 samplings: live.map(\.options.sampling)) { i, text in
                    live[i].send(.text(text))
                    return !live[i].isCancelled
                }
                countCancelled(results.filter { $0.stopReason == .cancelled }.count)
                for (job, result) in zip(live, results) { job.send(.finished(result)) }
            }
        } catch {
            for job in live { job.send(.failed("\(error)")) }
        }
    }
}
