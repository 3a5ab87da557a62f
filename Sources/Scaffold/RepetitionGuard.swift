import Foundation

/// Notices an answer caught in a loop: its text ends with one block repeated `times` times in a
/// row. Small models fall into such loops (the 0.5B repeated one 200-character example of its plan
/// until the token limit, 100 s of a 2-minute run); the rest of such an answer is only more copies.
/// Blocks shorter than `minPeriod` bytes are not loops (rows of a table, `====` rulers).
public struct RepetitionGuard: Sendable {
    public let minPeriod: Int
    public let maxPeriod: Int
    public let times: Int
    private var bytes: [UInt8] = []
    private var sinceCheck = 0

    public init(minPeriod: Int = 80, maxPeriod: Int = 1500, times: Int = 3) {
        self.minPeriod = minPeriod; self.maxPeriod = maxPeriod; self.times = times
    }

    /// Adds a piece of the answer; true when the answer now ends in a loop.
    public mutating func append(_ piece: String) -> Bool {
        bytes.append(contentsOf: Array(piece.utf8))
        sinceCheck += 1
        guard sinceCheck >= 4 else { return false }
        sinceCheck = 0
        return endsInLoop()
    }

    /// The period of the loop the text ends in, once `append` found one.
    public private(set) var period: Int? = nil

    /// True once `append` found a loop.
    public var looped: Bool { period != nil }

    /// The text with the loop's repeats removed: up to the last line end before the second copy
    /// (so code is not cut inside a string); the whole text when there is no loop.
    public var textWithoutRepeats: String {
        guard let period else { return String(decoding: bytes, as: UTF8.self) }
        var end = max(0, bytes.count - period * (times - 1))
        while end > 0 && bytes[end - 1] != UInt8(ascii: "\n") { end -= 1 }
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// Whether the text so far ends with a block repeated `times` times.
    public mutating func endsInLoop() -> Bool {
        if let p = loopPeriod() { period = p; return true }
        return false
    }

    func loopPeriod() -> Int? {
        let n = bytes.count
        guard n >= minPeriod * times else { return nil }
        return bytes.withUnsafeBufferPointer { b -> Int? in
            for period in minPeriod...min(maxPeriod, n / times) {
                // cheap test first: the last bytes repeat at this period
                guard b[n - 1] == b[n - 1 - period], b[n - 2] == b[n - 2 - period] else { continue }
                var same = true
                var i = n - period * (times - 1)
                while i < n { if b[i] != b[i - period] { same = false; break }; i += 1 }
                if same { return period }
            }
            return nil
        }
    }
}
