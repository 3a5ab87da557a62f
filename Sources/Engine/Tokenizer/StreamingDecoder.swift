// Incremental detokenization: token pieces are raw bytes, and a character may be split across
// tokens (emoji, CJK, accented letters). The decoder returns only complete text and holds back an
// unfinished UTF-8 sequence at the end until the next token completes it.

public struct StreamingDecoder: Sendable {
    private let tokenizer: BPETokenizer
    /// Render control tokens as their text (llama.cpp's token_to_piece `special`).
    public let special: Bool
    private var pending: [UInt8] = []

    public init(tokenizer: BPETokenizer, special: Bool = false) {
        self.tokenizer = tokenizer
        self.special = special
    }

    /// Bytes received but not yet returned (an incomplete UTF-8 sequence).
    public var pendingByteCount: Int { pending.count }

    /// Adds one token and returns the text that is now complete (possibly empty).
    public mutating func append(_ id: Int32) -> String {
        append(bytes: tokenizer.piece(id, special: special))
    }

    /// Adds raw bytes and returns the text that is now complete (possibly empty).
    public mutating func append(bytes: [UInt8]) -> String {
        pending += bytes
        let cut = Self.completePrefixLength(pending)
        guard cut > 0 else { return "" }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Returns whatever is left; bytes that never formed a valid character become U+FFFD.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self)
    }

    /// Length of the prefix of `bytes` that does not end inside an unfinished UTF-8 sequence.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        var i = n - 1
        // walk back over at most 3 continuation bytes to the sequence's lead byte
        while i >= 0 && i >= n - 4 {
            let b = bytes[i]
            if b & 0xC0 != 0x80 {
                let needed: Int
                switch b {
                case 0xC2...0xDF: needed = 2
                case 0xE0...0xEF: needed = 3
                case 0xF0...0xF4: needed = 4
                default: return n          // ASCII or a byte that can never start a sequence
                }
                return n - i < needed ? i : n
            }
            i -= 1
        }
        return n                           // only stray continuation bytes: nothing to wait for
    }
}
