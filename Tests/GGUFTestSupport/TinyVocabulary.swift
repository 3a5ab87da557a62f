/// The byte-level BPE vocabulary of `TinyModel`: three ChatML/end special tokens, the 256 GPT-2 byte
/// symbols, and a few merges of common English pairs (with their results as tokens), so any text
/// tokenizes and short words merge.
public struct TinyVocabulary: Sendable {
    public static let endOfText = 0
    public static let imStart = 1
    public static let imEnd = 2

    public let tokens: [String]
    public let tokenTypes: [Int32]
    public let merges: [String]

    /// Left and right halves of each merge, lowest rank first (byte symbols: "Ġ" is a space, "Ċ" a newline).
    static let pairs: [(String, String)] = [
        ("Ġ", "t"), ("h", "e"), ("i", "n"), ("e", "r"), ("a", "n"), ("o", "n"), ("r", "e"), ("H", "i"),
        ("Ġt", "he"), ("l", "l"), ("Ġ", "a"), ("Ġ", "w"), ("o", "r"), ("d", "e"), ("e", "s"), ("Ġ", "s"),
        ("i", "s"), ("e", "n"), ("a", "t"), ("o", "u"), ("Ġ", "c"), ("i", "t"), ("Ġ", "f"), ("e", "f"),
        ("d", "ef"), ("Ċ", "Ċ"), ("Ġ", "Ġ"),
    ]

    public init() {
        var tokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
        var types: [Int32] = [3, 3, 3]
        for b in 0..<256 {
            tokens.append(String(Unicode.Scalar(Self.byteSymbol(UInt8(b)))!))
            types.append(1)
        }
        var merges: [String] = []
        for (l, r) in Self.pairs {
            merges.append(l + " " + r)
            tokens.append(l + r)
            types.append(1)
        }
        self.tokens = tokens
        self.tokenTypes = types
        self.merges = merges
    }

    /// GPT-2's printable stand-in for a byte: printable Latin-1 bytes stand for themselves, the others
    /// take codepoints from 256 up, in byte order.
    static func byteSymbol(_ byte: UInt8) -> UInt32 {
        func printable(_ b: Int) -> Bool { (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b) }
        if printable(Int(byte)) { return UInt32(byte) }
        var next: UInt32 = 256
        for b in 0..<Int(byte) where !printable(b) { next += 1 }
        return next
    }
}
