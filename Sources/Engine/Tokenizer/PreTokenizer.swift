// Pre-tokenization for byte-level BPE: splits a text fragment into "words" the way llama.cpp does
// for the supported `tokenizer.ggml.pre` values. Each regex of a pre-tokenizer is implemented as a
// hand-written scanner over Unicode scalars. As in llama.cpp, a pre-tokenizer may be a sequence of
// regexes: each one only splits further inside the pieces produced by the previous one, and the
// text between matches is kept as pieces of its own.
//
// Character classes follow llama.cpp's codepoint flags: \p{L} and \p{N} are the Unicode general
// categories L* and N*, \s is llama.cpp's fixed whitespace set (below), not Swift's notion.

/// Per-codepoint class bits used by the scanners.
struct ScalarClass {
    static let letter: UInt8 = 1 << 0
    static let number: UInt8 = 1 << 1
    static let whitespace: UInt8 = 1 << 2
    static let punctuation: UInt8 = 1 << 3
    /// Set for every codepoint inside the fragment; 0 means "past the end of the fragment".
    static let inRange: UInt8 = 1 << 7

    /// Whitespace as llama.cpp defines it (\s): the Unicode White_Space codepoints.
    static func isWhitespace(_ c: UInt32) -> Bool {
        switch c {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// The Unicode version of llama.cpp's codepoint table (src/unicode-data.cpp).
    static let llamaUnicodeVersion = (major: 15, minor: 1)

    private static let asciiTable: [UInt8] = (0..<128).map { classifySlow(UInt32($0)) }

    static func classify(_ c: UInt32) -> UInt8 {
        if c < 128 { return asciiTable[Int(c)] }
        return classifySlow(c)
    }

    private static func classifySlow(_ c: UInt32) -> UInt8 {
        var bits = inRange
        if isWhitespace(c) { bits |= whitespace }
        guard let scalar = Unicode.Scalar(c) else { return bits }
        // llama.cpp's table is generated from Unicode 15.1; codepoints assigned later are
        // unassigned (no letter/number class) there, so they must be here too.
        guard let age = scalar.properties.age,
              age.major < llamaUnicodeVersion.major
                || (age.major == llamaUnicodeVersion.major && age.minor <= llamaUnicodeVersion.minor)
        else { return bits }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            bits |= letter
        case .decimalNumber, .letterNumber, .otherNumber:
            bits |= number
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            bits |= punctuation
        default:
            break
        }
        return bits
    }
}

/// The pre-tokenizers deepcoder supports, keyed by `tokenizer.ggml.pre`.
enum PreTokenizer: Sendable {
    /// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
    case qwen2
    /// \p{N} (isolated), then 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)
    case smollm
    /// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)
    case gpt2
    /// llama.cpp's fallback: [\p{P}\$\+<=>\^~\|]+, then the gpt2 regex, then \p{N}+, then [0-9][0-9][0-9]
    case llamaDefault
    /// DeepSeek LLM / DeepSeek-Coder-V2 ("deepseek-llm"): [\r\n], then \s?[Latin, Greek, Cyrillic, …
    /// letters]+, then \s?[ASCII punctuation and letters, fullwidth forms, quotes]+, then \s+$, then
    /// [CJK and other scripts]+, then \p{N}+ (`PreTokenizerScanner.deepseekLetters` and below)
    case deepseekLLM

    /// Accepted `tokenizer.ggml.pre` values (llama.cpp's names; a missing value means "default").
    static let supportedNames = ["qwen2", "deepseek-r1-qwen", "smollm", "gpt-2", "deepseek-llm", "default"]

    init?(name: String?) {
        switch name {
        case nil, "default": self = .llamaDefault
        case "qwen2", "deepseek-r1-qwen": self = .qwen2
        case "smollm": self = .smollm
        case "gpt-2": self = .gpt2
        case "deepseek-llm": self = .deepseekLLM
        default: return nil
        }
    }

    /// Splits `cps` (with class bits `cls`, same length) into word lengths, in codepoints.
    func split(_ cps: [UInt32], _ cls: [UInt8]) -> [Int] {
        var pieces = cps.isEmpty ? [] : [cps.count]
        switch self {
        case .qwen2:
            pieces = PreTokenizerScanner.qwen2(cps, cls, pieces)
        case .smollm:
            pieces = PreTokenizerScanner.isolated(cps, cls, pieces, PreTokenizerScanner.singleNumber)
            pieces = PreTokenizerScanner.gpt2(cps, cls, pieces)
        case .gpt2:
            pieces = PreTokenizerScanner.gpt2(cps, cls, pieces)
        case .llamaDefault:
            pieces = PreTokenizerScanner.isolated(cps, cls, pieces, PreTokenizerScanner.punctuationRun)
            pieces = PreTokenizerScanner.gpt2(cps, cls, pieces)
            pieces = PreTokenizerScanner.isolated(cps, cls, pieces, PreTokenizerScanner.numberRun)
            pieces = PreTokenizerScanner.isolated(cps, cls, pieces, PreTokenizerScanner.asciiDigitTriple)
        case .deepseekLLM:
            pieces = PreTokenizerScanner.isolated(cps, cls, pieces, PreTokenizerScanner.newline)
            pieces = PreTokenizerScanner.isolated(cps, cls, pieces, PreTokenizerScanner.deepseekLetters)
            pieces = PreTokenizerScanner.isolated(cps, cls, pieces, PreTokenizerScanner.deepseekPunctuation)
            pieces = PreTokenizerScanner.isolated(cps, cls, pieces, PreTokenizerScanner.trailingWhitespace)
            pieces = PreTokenizerScanner.isolated(cps, cls, pieces, PreTokenizerScanner.deepseekCJK)
            pieces = PreTokenizerScanner.isolated(cps, cls, pieces, PreTokenizerScanner.numberRun)
        }
        return pieces
    }
}

/// The scanners. Every function walks the existing pieces of the text and returns the finer pieces.
enum PreTokenizerScanner {
    private static let apostrophe: UInt32 = 0x27
    private static let space: UInt32 = 0x20
    private static let cr: UInt32 = 0x0D
    private static let lf: UInt32 = 0x0A
    private static let past: UInt32 = .max

    /// A matcher for a regex used "isolated": returns the match length at `pos` (0 = no match).
    typealias Matcher = (_ cps: [UInt32], _ cls: [UInt8], _ pos: Int, _ end: Int) -> Int

    /// Splits every piece into matches of `matcher` and the (non-empty) text between them,
    /// scanning leftmost-first like std::regex_iterator.
    static func isolated(_ cps: [UInt32], _ cls: [UInt8], _ pieces: [Int], _ matcher: Matcher) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(pieces.count * 2)
        var start = 0
        for length in pieces {
            let end = start + length
            var gapStart = start
            var pos = start
            while pos < end {
                let m = matcher(cps, cls, pos, end)
                if m > 0 {
                    if pos > gapStart { out.append(pos - gapStart) }
                    out.append(m)
                    pos += m
                    gapStart = pos
                } else {
                    pos += 1
                }
            }
            if end > gapStart { out.append(end - gapStart) }
            start = end
        }
        return out
    }

    /// \p{N}
    static func singleNumber(_ cps: [UInt32], _ cls: [UInt8], _ pos: Int, _ end: Int) -> Int {
        cls[pos] & ScalarClass.number != 0 ? 1 : 0
    }

    /// \p{N}+
    static func numberRun(_ cps: [UInt32], _ cls: [UInt8], _ pos: Int, _ end: Int) -> Int {
        var p = pos
        while p < end && cls[p] & ScalarClass.number != 0 { p += 1 }
        return p - pos
    }

    /// [\p{P}\$\+<=>\^~\|]+ — in llama.cpp's collapsed-regex form this is all ASCII punctuation and
    /// symbols except the backtick, plus non-ASCII, non-whitespace codepoints in P*.
    static func punctuationRun(_ cps: [UInt32], _ cls: [UInt8], _ pos: Int, _ end: Int) -> Int {
        var p = pos
        while p < end {
            let c = cps[p]
            let hit: Bool
            if c < 128 {
                hit = (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x5F) || (c >= 0x7B && c <= 0x7E)
            } else {
                hit = cls[p] & (ScalarClass.punctuation | ScalarClass.whitespace) == ScalarClass.punctuation
            }
            if !hit { break }
            p += 1
        }
        return p - pos
    }

    // deepseek-llm. llama.cpp runs these regexes with std::wregex on the text with every non-ASCII
    // whitespace codepoint replaced by U+000B, so \s is llama.cpp's whitespace set and no whitespace
    // codepoint matches a bracket class (U+3000 in the punctuation and CJK ranges never does).

    /// [\r\n]
    static func newline(_ cps: [UInt32], _ cls: [UInt8], _ pos: Int, _ end: Int) -> Int {
        cps[pos] == cr || cps[pos] == lf ? 1 : 0
    }

    /// The letters of deepseek-llm's second regex (Latin, Greek, Coptic, Cyrillic, Armenian, Georgian,
    /// Cherokee, Glagolitic, Deseret, Osage, …), as closed ranges of codepoints in ascending order.
    static let deepseekLetterRanges: [ClosedRange<UInt32>] = [
        0x41...0x5A, 0x61...0x7A, 0xB5...0xB5, 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x1BA, 0x1BC...0x1BF, 0x1C4...0x293,
        0x295...0x2AF, 0x370...0x373, 0x376...0x377, 0x37B...0x37D, 0x37F...0x37F, 0x386...0x386, 0x388...0x38A,
        0x38C...0x38C, 0x38E...0x3A1, 0x3A3...0x3F5, 0x3F7...0x481, 0x48A...0x52F, 0x531...0x556, 0x10A0...0x10C5,
        0x13A0...0x13F5, 0x13F8...0x13FD, 0x1C90...0x1CBA, 0x1CBD...0x1CBF, 0x1D00...0x1D2B, 0x1D6B...0x1D77,
        0x1D79...0x1D9A, 0x1E00...0x1F15, 0x1F18...0x1F1D, 0x1F20...0x1F45, 0x1F48...0x1F4D, 0x1F50...0x1F57,
        0x1F59...0x1F59, 0x1F5B...0x1F5B, 0x1F5D...0x1F5D, 0x1F5F...0x1F7D, 0x1F80...0x1FB4, 0x1FB6...0x1FBC,
        0x1FBE...0x1FBE, 0x1FC2...0x1FC4, 0x1FC6...0x1FCC, 0x1FD0...0x1FD3, 0x1FD6...0x1FDB, 0x1FE0...0x1FEC,
        0x1FF2...0x1FF4, 0x1FF6...0x1FFC, 0x2102...0x2102, 0x2107...0x2107, 0x210A...0x2113, 0x2115...0x2115,
        0x2119...0x211D, 0x2124...0x2124, 0x2126...0x2126, 0x2128...0x2128, 0x212A...0x212D, 0x212F...0x2134,
        0x2139...0x2139, 0x213C...0x213F, 0x2145...0x2149, 0x214E...0x214E, 0x2183...0x2184, 0x2C00...0x2C7B,
        0x2C7E...0x2CE4, 0x2CEB...0x2CEE, 0x2CF2...0x2CF3, 0xA640...0xA66D, 0xA680...0xA69B, 0xA722...0xA76F,
        0xA771...0xA787, 0xA78B...0xA78E, 0xAB70...0xABBF, 0xFB00...0xFB06, 0xFB13...0xFB17, 0xFF21...0xFF3A,
        0xFF41...0xFF5A, 0x10400...0x1044F, 0x104B0...0x104D3, 0x104D8...0x104FB, 0x10C80...0x10CB2,
        0x10CC0...0x10CF2, 0x118A0...0x118DF, 0x1E900...0x1E943,
    ]

    private static func deepseekLetter(_ c: UInt32) -> Bool {
        if c < 0x80 { return (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
        var lo = 0, hi = deepseekLetterRanges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if deepseekLetterRanges[mid].upperBound < c { lo = mid + 1 } else { hi = mid }
        }
        return lo < deepseekLetterRanges.count && deepseekLetterRanges[lo].contains(c)
    }

    /// [!-/:-~！-／：-～‘-‟　-。] (U+3000 is whitespace, so never matched)
    private static func deepseekPunct(_ c: UInt32) -> Bool {
        (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x7E) || (c >= 0xFF01 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF5E)
            || (c >= 0x2018 && c <= 0x201F) || c == 0x3001 || c == 0x3002
    }

    /// \s?[class]+ at `pos`: the length, or 0.
    @inline(__always)
    private static func optionalSpaceThenRun(_ cps: [UInt32], _ cls: [UInt8], _ pos: Int, _ end: Int, _ inClass: (UInt32) -> Bool) -> Int {
        var p = pos
        if cls[p] & ScalarClass.whitespace != 0 {
            guard p + 1 < end, cls[p + 1] & ScalarClass.whitespace == 0, inClass(cps[p + 1]) else { return 0 }
            p += 1
        } else if !inClass(cps[p]) {
            return 0
        }
        while p < end && cls[p] & ScalarClass.whitespace == 0 && inClass(cps[p]) { p += 1 }
        return p - pos
    }

    /// \s?[A-Za-zµÀ-ÖØ-ö…]+ (deepseekLetterRanges)
    static func deepseekLetters(_ cps: [UInt32], _ cls: [UInt8], _ pos: Int, _ end: Int) -> Int {
        optionalSpaceThenRun(cps, cls, pos, end, deepseekLetter)
    }

    /// \s?[!-/:-~！-／：-～‘-‟　-。]+
    static func deepseekPunctuation(_ cps: [UInt32], _ cls: [UInt8], _ pos: Int, _ end: Int) -> Int {
        optionalSpaceThenRun(cps, cls, pos, end, deepseekPunct)
    }

    /// \s+$ (whitespace running to the end of the piece)
    static func trailingWhitespace(_ cps: [UInt32], _ cls: [UInt8], _ pos: Int, _ end: Int) -> Int {
        var p = pos
        while p < end && cls[p] & ScalarClass.whitespace != 0 { p += 1 }
        return p == end ? end - pos : 0
    }

    /// [一-龥ࠀ-一가-퟿]+ (U+0800…U+9FA5 and U+AC00…U+D7FF, whitespace excepted)
    static func deepseekCJK(_ cps: [UInt32], _ cls: [UInt8], _ pos: Int, _ end: Int) -> Int {
        var p = pos
        while p < end {
            let c = cps[p]
            guard ((c >= 0x800 && c <= 0x9FA5) || (c >= 0xAC00 && c <= 0xD7FF)) && cls[p] & ScalarClass.whitespace == 0 else { break }
            p += 1
        }
        return p - pos
    }

    /// [0-9][0-9][0-9]
    static func asciiDigitTriple(_ cps: [UInt32], _ cls: [UInt8], _ pos: Int, _ end: Int) -> Int {
        guard pos + 3 <= end else { return 0 }
        for p in pos..<(pos + 3) where !(cps[p] >= 0x30 && cps[p] <= 0x39) { return 0 }
        return 3
    }

    /// 's|'t|'re|'ve|'m|'ll|'d (optionally case-insensitive): the match length at `pos`, or 0.
    @inline(__always)
    private static func contraction(_ cps: [UInt32], _ pos: Int, _ end: Int, caseInsensitive: Bool) -> Int {
        guard cps[pos] == apostrophe, pos + 1 < end else { return 0 }
        func fold(_ c: UInt32) -> UInt32 {
            caseInsensitive && c >= 0x41 && c <= 0x5A ? c + 0x20 : c
        }
        let a = fold(cps[pos + 1])
        if a == 0x73 || a == 0x74 || a == 0x6D || a == 0x64 { return 2 }  // s t m d
        guard pos + 2 < end else { return 0 }
        let b = fold(cps[pos + 2])
        if (a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C) { return 3 }  // re ve ll
        return 0
    }

    /// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)   (and a final \s+)
    static func gpt2(_ cps: [UInt32], _ cls: [UInt8], _ pieces: [Int]) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(cps.count / 3 + pieces.count)
        let L = ScalarClass.letter, N = ScalarClass.number, W = ScalarClass.whitespace
        var start = 0
        for length in pieces {
            let end = start + length
            @inline(__always) func cl(_ i: Int) -> UInt8 { i < end ? cls[i] : 0 }
            var pos = start
            while pos < end {
                let from = pos
                let c = cps[pos]
                let k = contraction(cps, pos, end, caseInsensitive: false)
                if k > 0 {
                    pos += k
                } else {
                    let lead = c == space ? cl(pos + 1) : cls[pos]
                    if lead & L != 0 {
                        if c == space { pos += 1 }
                        while cl(pos) & L != 0 { pos += 1 }
                    } else if lead & N != 0 {
                        if c == space { pos += 1 }
                        while cl(pos) & N != 0 { pos += 1 }
                    } else if lead & (W | L | N) == 0 && lead != 0 {
                        if c == space { pos += 1 }
                        while cl(pos) & (W | L | N) == 0 && cl(pos) != 0 { pos += 1 }
                    } else {
                        var n = 0
                        while cl(pos + n) & W != 0 { n += 1 }
                        if n > 1 && pos + n < end {
                            pos += n - 1          // \s+(?!\S): leave the last space for the next word
                        } else if n > 0 {
                            pos += n
                        } else {
                            pos += 1
                        }
                    }
                }
                out.append(pos - from)
            }
            start = end
        }
        return out
    }

    /// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
    static func qwen2(_ cps: [UInt32], _ cls: [UInt8], _ pieces: [Int]) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(cps.count / 3 + pieces.count)
        let L = ScalarClass.letter, N = ScalarClass.number, W = ScalarClass.whitespace
        var start = 0
        for length in pieces {
            let end = start + length
            @inline(__always) func cl(_ i: Int) -> UInt8 { i < end ? cls[i] : 0 }
            @inline(__always) func cp(_ i: Int) -> UInt32 { i < end ? cps[i] : past }
            var pos = start
            while pos < end {
                let from = pos
                let c = cps[pos]
                let f = cls[pos]
                let k = contraction(cps, pos, end, caseInsensitive: true)
                if k > 0 {
                    pos += k
                } else if c != cr && c != lf && f & N == 0 && (f & L != 0 || cl(pos + 1) & L != 0) {
                    // [^\r\n\p{L}\p{N}]?\p{L}+
                    pos += 1
                    while cl(pos) & L != 0 { pos += 1 }
                } else if f & N != 0 {
                    pos += 1                       // \p{N}: one digit at a time
                } else if (c == space ? cl(pos + 1) : f) & (W | L | N) == 0 {
                    // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
                    if c == space { pos += 1 }
                    while cl(pos) & (W | L | N) == 0 && cl(pos) != 0 { pos += 1 }
                    while cp(pos) == cr || cp(pos) == lf { pos += 1 }
                } else {
                    var n = 0
                    var afterLastNewline = -1
                    while cl(pos + n) & W != 0 {
                        let w = cps[pos + n]
                        if w == cr || w == lf { afterLastNewline = pos + n + 1 }
                        n += 1
                    }
                    if afterLastNewline >= 0 {
                        pos = afterLastNewline     // \s*[\r\n]+
                    } else if n > 1 && pos + n < end {
                        pos += n - 1               // \s+(?!\S)
                    } else if n > 0 {
                        pos += n                   // \s+
                    } else {
                        pos += 1
                    }
                }
                out.append(pos - from)
            }
            start = end
        }
        return out
    }
}
