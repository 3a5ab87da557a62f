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
}

/// The one owner of the model: a thread that runs the jobs (the engine is not thread-safe), first come
/// first served.
/// - `parallel` 1: one job at a time (`LanguageModel.generate(prompt:)`).
/// - `parallel` N > 1: continuous batching. Up to N jobs decode together in one `BatchDecoder`, one
///   forward pass per step for all of them; a job that arrives while others decode joins the batch at
///   the next step when a slot is free, and a job that finishes or whose request went away leaves it at
///   once (its cache freed). Each sequence samples with its own request's settings and seed, and its
///   logits in a batch are those it gets alone, so every request gets exactly its answer alone, whatever
///   the load.
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
        let thread = Thread { [unowned self] in
            if self.parallel > 1 { self.batchedLoop() } else { self.loop() }
        }
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

    /// One job at a time.
    private func loop() {
        while true {
            let job: GenerationJob = condition.withLock {
                while waiting.isEmpty { condition.wait() }
                running = 1
                return waiting.removeFirst()
            }
            run(job)
            condition.withLock { running = 0 }
        }
    }

    /// A request that went away while it waited is not run at all: it fails as cancelled and is counted.
    private func dropCancelled(_ jobs: [GenerationJob]) {
        for job in jobs { job.send(.failed("cancelled")) }
        countCancelled(jobs.count)
    }

    private func run(_ job: GenerationJob) {
        guard !job.isCancelled else { return dropCancelled([job]) }
        do {
            let result = try model.generate(prompt: job.prompt, options: job.options) { text in
                job.send(.text(text))
                return !job.isCancelled
            }
            if result.stopReason == .cancelled { countCancelled(1) }
            job.send(.finished(result))
        } catch {
            job.send(.failed("\(error)"))
        }
    }

    /// Continuous batching: between two steps of the batch, jobs that went away leave it and waiting jobs
    /// join it, oldest first, up to `parallel`.
    private func batchedLoop() {
        let batch = BatchDecoder(model)
        var jobs: [Int: GenerationJob] = [:]
        while true {
            let (joining, gone): ([GenerationJob], [GenerationJob]) = condition.withLock {
                while waiting.isEmpty && jobs.isEmpty { condition.wait() }
                // a request that went away while it waited is not run at all, and takes no slot
                let gone = waiting.filter(\.isCancelled)
                if !gone.isEmpty { waiting.removeAll(where: \.isCancelled) }
                let n = min(waiting.count, parallel - jobs.count)
                let taken = Array(waiting.prefix(n))
                waiting.removeFirst(n)
                running = jobs.count + n
                return (taken, gone)
            }
            dropCancelled(gone)
            for job in joining {
                guard !job.isCancelled else { dropCancelled([job]); continue }
                do {
                    let id = try batch.add(prompt: job.prompt, options: job.options) { text in
                        job.send(.text(text))
                        return !job.isCancelled
                    }
                    jobs[id] = job
                } catch {
                    job.send(.failed("\(error)"))
                }
            }
            for (id, job) in jobs where job.isCancelled { batch.cancel(id) }
            if !batch.isEmpty {
                let finished: [(id: Int, result: GenerationResult)]
                var failure: Error?
                do {
                    finished = try batch.step()
                } catch let e as BatchDecoder.StepError {
                    finished = e.finished
                    failure = e.underlying
                } catch {
                    finished = []
                    failure = error
                }
                for (id, result) in finished {
                    if result.stopReason == .cancelled { countCancelled(1) }
                    jobs.removeValue(forKey: id)?.send(.finished(result))
                }
                if let failure {
                    for job in jobs.values { job.send(.failed("\(failure)")) }
                    jobs = [:]
                }
            }
            condition.withLock { running = jobs.count }
        }
    }
}
