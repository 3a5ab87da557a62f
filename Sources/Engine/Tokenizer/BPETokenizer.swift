// Byte-level BPE tokenizer (tokenizer.ggml.model = "gpt2"), producing the same token ids as
// llama.cpp's llama_tokenize(text, add_special, parse_special) for the supported pre-tokenizers.
//
// Pipeline (as in llama.cpp):
//   1. parse_special: cut the text at special tokens (control / user-defined / unknown tokens,
//      longest first, each one over all remaining raw fragments); with parse_special = false only
//      user-defined tokens are cut out.
//   2. every raw fragment is pre-tokenized into words (PreTokenizer.swift),
//   3. every word becomes bytes → GPT-2 byte-to-unicode symbols, merged by lowest merge rank
//      (ties: leftmost first) until no ranked pair is left,
//   4. each final symbol is looked up in the vocabulary (falling back to single-byte tokens).
//
// Strings are never iterated as Characters: everything works on UTF-8 bytes and Unicode scalars.

public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    case unsupportedModel(String)
    case unsupportedPreTokenizer(String, supported: [String])
    case invalidVocabulary(String)

    public var description: String {
        switch self {
        case .unsupportedModel(let model):
            return "tokenizer model '\(GGUFError.quoted(model))' is not supported (deepcoder supports only 'gpt2', byte-level BPE)"
        case .unsupportedPreTokenizer(let pre, let supported):
            return "pre-tokenizer '\(GGUFError.quoted(pre))' is not supported (supported: \(supported.joined(separator: ", ")))"
        case .invalidVocabulary(let why):
            return "invalid tokenizer vocabulary: \(why)"
        }
    }
}

/// llama.cpp token attributes (llama_token_attr), derived from GGUF token types plus llama.cpp's
/// text-based fix-ups.
struct TokenAttributes: OptionSet, Sendable {
    let rawValue: UInt16
    static let unknown = TokenAttributes(rawValue: 1 << 0)
    static let unused = TokenAttributes(rawValue: 1 << 1)
    static let normal = TokenAttributes(rawValue: 1 << 2)
    static let control = TokenAttributes(rawValue: 1 << 3)
    static let userDefined = TokenAttributes(rawValue: 1 << 4)
    static let byte = TokenAttributes(rawValue: 1 << 5)

    init(rawValue: UInt16) { self.rawValue = rawValue }

    init(tokenType: Int32) {
        switch tokenType {
        case Vocabulary.TokenType.normal: self = .normal
        case Vocabulary.TokenType.unknown: self = .unknown
        case Vocabulary.TokenType.control: self = .control
        case Vocabulary.TokenType.userDefined: self = .userDefined
        case Vocabulary.TokenType.unused: self = .unused
        case Vocabulary.TokenType.byte: self = .byte
        default: self = []
        }
    }
}

/// GPT-2's reversible byte ↔ printable-codepoint mapping.
enum ByteLevel {
    /// The codepoint standing for each byte.
    static let byteToScalar: [UInt32] = {
        var map = [UInt32](repeating: 0, count: 256)
        var printable = [Bool](repeating: false, count: 256)
        for b in 0x21...0x7E { printable[b] = true }
        for b in 0xA1...0xAC { printable[b] = true }
        for b in 0xAE...0xFF { printable[b] = true }
        var next: UInt32 = 256
        for b in 0..<256 {
            if printable[b] {
                map[b] = UInt32(b)
            } else {
                map[b] = next
                next += 1
            }
        }
        return map
    }()

    /// Inverse of `byteToScalar`, indexed by codepoint (all codepoints are < 0x144); -1 = none.
    static let scalarToByte: [Int16] = {
        var inverse = [Int16](repeating: -1, count: 0x144)
        for (b, s) in byteToScalar.enumerated() { inverse[Int(s)] = Int16(b) }
        return inverse
    }()

    /// UTF-8 bytes of the symbol that stands for byte `b`.
    static let byteToSymbolUTF8: [[UInt8]] = byteToScalar.map { Array(String(Unicode.Scalar($0)!).utf8) }
}

public final class BPETokenizer: Sendable {
    private struct Merge {
        let rank: Int32
        let result: Int32
    }

    /// Token texts as UTF-8 (empty texts replaced by "[EMPTY_i]" like llama.cpp).
    private let tokenBytes: [[UInt8]]
    private let attributes: [TokenAttributes]
    /// UTF-8 text → token id (the last id wins for duplicate texts, as in llama.cpp).
    private let textToID: [[UInt8]: Int32]
    /// (left symbol, right symbol) → (rank, merged symbol). Symbol ids below `tokenBytes.count`
    /// are vocabulary ids; larger ones are interned strings that are not in the vocabulary.
    private let mergeTable: [UInt64: Merge]
    /// Symbol id of the one-character byte-level string for each byte.
    private let byteSymbols: [Int32]
    /// Tokens to emit for a byte whose merged symbol is not in the vocabulary (llama.cpp's fallback).
    private let byteFallback: [[Int32]]
    /// Special tokens to cut out before BPE: (id, text, cut even without parse_special), longest first.
    private let specialTokens: [(id: Int32, text: [UInt8], userDefined: Bool)]
    private let endOfGeneration: Set<Int32>
    private let preTokenizer: PreTokenizer

    public let bosID: Int32?
    public let eosID: Int32?
    public let eotID: Int32?
    public let eomID: Int32?
    public let padID: Int32?
    public let unknownID: Int32?
    public let addBOS: Bool
    public let addEOS: Bool

    public var vocabularySize: Int { tokenBytes.count }

    public init(_ vocab: Vocabulary) throws {
        guard vocab.model == "gpt2" else { throw TokenizerError.unsupportedModel(vocab.model) }
        guard let pre = PreTokenizer(name: vocab.pre) else {
            throw TokenizerError.unsupportedPreTokenizer(vocab.pre ?? "", supported: PreTokenizer.supportedNames)
        }
        let n = vocab.tokens.count
        guard n > 0 else { throw TokenizerError.invalidVocabulary("no tokens") }
        guard vocab.tokenTypes.isEmpty || vocab.tokenTypes.count >= n else {
            throw TokenizerError.invalidVocabulary("\(vocab.tokenTypes.count) token types for \(n) tokens")
        }
        preTokenizer = pre

        // Token texts, attributes and the text → id map.
        var texts = [[UInt8]]()
        texts.reserveCapacity(n)
        var attrs = [TokenAttributes]()
        attrs.reserveCapacity(n)
        var ids = [[UInt8]: Int32](minimumCapacity: n)
        for (i, token) in vocab.tokens.enumerated() {
            let bytes = token.isEmpty ? Array("[EMPTY_\(i)]".utf8) : Array(token.utf8)
            texts.append(bytes)
            ids[bytes] = Int32(i)
            attrs.append(vocab.tokenTypes.isEmpty ? .normal : TokenAttributes(tokenType: vocab.tokenTypes[i]))
        }

        // Special ids: gpt2 defaults (11) unless given; out-of-range ids are disabled.
        func valid(_ id: Int32?) -> Int32? {
            guard let id, id >= 0, Int(id) < n else { return nil }
            return id
        }
        bosID = valid(vocab.bosID ?? 11)
        eosID = valid(vocab.eosID ?? 11)
        padID = valid(vocab.padID)
        unknownID = valid(vocab.unknownID)
        addBOS = vocab.addBOS
        addEOS = vocab.addEOS

        // llama.cpp's text-based detection of EOT / EOM / FIM tokens; found tokens become control.
        func find(_ candidates: [String]) -> Int32? {
            for c in candidates { if let id = ids[Array(c.utf8)] { return id } }
            return nil
        }
        func markControl(_ id: Int32?) {
            if let id { attrs[Int(id)].insert(.control) }
        }
        var eot = valid(vocab.eotID)
        if eot == nil {
            eot = find(["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
                        "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>"])
            markControl(eot)
        }
        var eom = valid(vocab.eomID)
        if eom == nil {
            eom = find(["<|eom_id|>"])
            markControl(eom)
        }
        eotID = eot
        eomID = eom
        for candidates in [
            ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>"],
            ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>"],
            ["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>"],
        ] {
            markControl(find(candidates))
        }
        let fimPad = find(["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"])
        let fimRep = find(["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"])
        let fimSep = find(["<|file_sep|>"])
        markControl(fimPad)
        markControl(fimRep)
        markControl(fimSep)

        // Control tokens whose text contains "unused" are unused.
        let unusedMarker = Array("unused".utf8)
        for i in 0..<n where attrs[i].contains(.control) && texts[i].contains(subsequence: unusedMarker) {
            attrs[i].insert(.unused)
        }

        // End-of-generation set: FIM pad/repo/sep, well-known end texts (made control), eos/eot/eom.
        var eog = Set<Int32>()
        for id in [fimPad, fimRep, fimSep] { if let id { eog.insert(id) } }
        for text in ["<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
                     "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
                     "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
                     "<｜end▁of▁sentence｜>", "[e~["] {
            if let id = ids[Array(text.utf8)] {
                eog.insert(id)
                attrs[Int(id)].insert(.control)
            }
        }
        for text in ["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"] {
            if let id = ids[Array(text.utf8)] { attrs[Int(id)] = .userDefined }
        }
        for id in [eosID, eot, eom] { if let id { eog.insert(id) } }
        func eogID(_ text: String) -> Int32? { eog.first { texts[Int($0)] == Array(text.utf8) } }
        if let end = eogID("<|end|>"),
           (eogID("<|return|>") != nil && eogID("<|call|>") != nil)
            || ((eogID("<|call|>") != nil || eogID("<|calls|>") != nil) && eogID("<|flush|>") != nil) {
            eog.remove(end)
            attrs[Int(end)] = .userDefined
        }
        if let s = eogID("</s>"), eogID("<|tool_response>") != nil || eogID("<|plamo:eos|>") != nil {
            eog.remove(s)
            attrs[Int(s)] = .normal
        }
        endOfGeneration = eog

        // Special tokens cache: control, user-defined and unknown tokens, longest text first.
        var specials: [(id: Int32, text: [UInt8], userDefined: Bool)] = []
        for i in 0..<n where !attrs[i].isDisjoint(with: [.control, .userDefined, .unknown]) {
            specials.append((Int32(i), texts[i], attrs[i].isDisjoint(with: [.control, .unknown])))
        }
        specials.sort { $0.text.count != $1.text.count ? $0.text.count > $1.text.count : $0.id < $1.id }
        specialTokens = specials

        // Symbol interning and the merge table. Merge parts/results absent from the vocabulary get
        // ids past the vocabulary so that merging works on strings exactly like llama.cpp's.
        var symbolIDs = ids
        var nextSymbol = Int32(n)
        func intern<C: Collection>(_ bytes: C) -> Int32 where C.Element == UInt8 {
            let key = Array(bytes)
            if let id = symbolIDs[key] { return id }
            let id = nextSymbol
            nextSymbol += 1
            symbolIDs[key] = id
            return id
        }
        var table = [UInt64: Merge](minimumCapacity: vocab.merges.count)
        for (rank, line) in vocab.merges.enumerated() {
            var merge = line
            let split: (Int32, Int32, Int32)? = merge.withUTF8 { buf in
                // split at the first space that is not the first byte
                guard buf.count > 1, let space = buf[1...].firstIndex(of: 0x20) else { return nil }
                let left = buf[..<space]
                let right = buf[(space + 1)...]
                return (intern(left), intern(right), intern(Array(left) + Array(right)))
            }
            guard let (l, r, result) = split else { continue }
            let key = UInt64(UInt32(bitPattern: l)) << 32 | UInt64(UInt32(bitPattern: r))
            if table[key] == nil { table[key] = Merge(rank: Int32(rank), result: result) }
        }
        byteSymbols = ByteLevel.byteToSymbolUTF8.map { intern($0) }
        mergeTable = table
        byteFallback = ByteLevel.byteToSymbolUTF8.map { utf8 in
            utf8.compactMap { ids[[$0]] }
        }
        tokenBytes = texts
        attributes = attrs
        textToID = ids
    }

    // MARK: - Queries

    /// The id of the token whose text is exactly `text`.
    public func tokenID(for text: String) -> Int32? {
        textToID[Array(text.utf8)]
    }

    /// The token's text as stored in the vocabulary (byte-level encoded for normal tokens).
    public func tokenText(_ id: Int32) -> String? {
        guard id >= 0, Int(id) < tokenBytes.count else { return nil }
        return String(decoding: tokenBytes[Int(id)], as: UTF8.self)
    }

    /// True for tokens that end generation: eos, eot, eom and llama.cpp's end-like control tokens.
    public func isEndOfGeneration(_ id: Int32) -> Bool {
        endOfGeneration.contains(id)
    }

    /// The end-of-generation ids, sorted.
    public var endOfGenerationIDs: [Int32] { endOfGeneration.sorted() }

    /// True for control tokens (rendered as empty text unless `special` is asked for).
    public func isControl(_ id: Int32) -> Bool {
        guard id >= 0, Int(id) < attributes.count else { return false }
        return attributes[Int(id)].contains(.control)
    }

    // MARK: - Decoding

    /// The raw bytes of a token, like llama.cpp's token_to_piece: control and unknown tokens are
    /// empty unless `special`; user-defined tokens are their text; normal tokens are byte-level decoded.
    public func piece(_ id: Int32, special: Bool = false) -> [UInt8] {
        guard id >= 0, Int(id) < tokenBytes.count else { return [] }
        let attr = attributes[Int(id)]
        let text = tokenBytes[Int(id)]
        if !special && !attr.isDisjoint(with: [.unknown, .control]) { return [] }
        if !attr.isDisjoint(with: [.unknown, .control, .userDefined]) { return text }
        if attr.contains(.normal) { return Self.byteLevelDecode(text) }
        if attr.contains(.byte) {
            // "<0xXX>" byte tokens
            if text.count >= 5, let b = UInt8(String(decoding: text[3..<5], as: UTF8.self), radix: 16) { return [b] }
            return []
        }
        return []
    }

    /// Concatenated pieces (no space clean-up: both supported models have clean_spaces = false).
    public func decode(_ ids: [Int32], special: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        for id in ids { out += piece(id, special: special) }
        return out
    }

    private static func byteLevelDecode(_ text: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        for scalar in String(decoding: text, as: UTF8.self).unicodeScalars {
            let v = Int(scalar.value)
            if v < ByteLevel.scalarToByte.count, ByteLevel.scalarToByte[v] >= 0 {
                out.append(UInt8(ByteLevel.scalarToByte[v]))
            } else {
                // llama.cpp's marker for a codepoint outside the byte alphabet
                out += Array("[UNK_BYTE_0x".utf8)
                for b in String(scalar).utf8 { out += Array(String(b, radix: 16).leftPadded(to: 2).utf8) }
                out += text
                out += Array("]".utf8)
            }
        }
        return out
    }

    // MARK: - Encoding

    private enum Fragment {
        case text(Range<Int>)
        case token(Int32)
    }

    /// Tokenizes `text` exactly like llama.cpp's llama_tokenize(text, addSpecial, parseSpecial).
    public func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int32] {
        var output: [Int32] = []
        if addSpecial && addBOS, let bos = bosID { output.append(bos) }
        let bytes = Array(text.utf8)
        if !bytes.isEmpty {
            var scratch = BPEScratch()
            for fragment in partition(bytes, parseSpecial: parseSpecial) {
                switch fragment {
                case .token(let id):
                    output.append(id)
                case .text(let range):
                    encodeFragment(bytes, range, into: &output, scratch: &scratch)
                }
            }
        }
        if addSpecial && addEOS, let eos = eosID { output.append(eos) }
        return output
    }

    /// llama.cpp's tokenizer_st_partition: for each special token (longest first) cut every raw
    /// fragment at all of its occurrences.
    private func partition(_ bytes: [UInt8], parseSpecial: Bool) -> [Fragment] {
        var fragments: [Fragment] = [.text(0..<bytes.count)]
        bytes.withUnsafeBufferPointer { hay in
            for special in specialTokens where parseSpecial || special.userDefined {
                let needle = special.text
                guard !needle.isEmpty else { continue }
                var result: [Fragment] = []
                var changed = false
                for fragment in fragments {
                    guard case .text(let range) = fragment else {
                        result.append(fragment)
                        continue
                    }
                    var start = range.lowerBound
                    while let match = Self.find(needle, in: hay, from: start, to: range.upperBound) {
                        changed = true
                        if match > start { result.append(.text(start..<match)) }
                        result.append(.token(special.id))
                        start = match + needle.count
                    }
                    if start < range.upperBound { result.append(.text(start..<range.upperBound)) }
                }
                if changed { fragments = result }
            }
        }
        return fragments
    }

    private static func find(_ needle: [UInt8], in hay: UnsafeBufferPointer<UInt8>, from: Int, to end: Int) -> Int? {
        let m = needle.count
        guard end - from >= m else { return nil }
        let first = needle[0]
        var i = from
        let last = end - m
        while i <= last {
            if hay[i] == first {
                var j = 1
                while j < m && hay[i + j] == needle[j] { j += 1 }
                if j == m { return i }
            }
            i += 1
        }
        return nil
    }

    /// Reusable buffers for one encode call.
    private struct BPEScratch {
        var cps: [UInt32] = []
        var cls: [UInt8] = []
        var offsets: [Int] = []
        var ids: [Int32] = []
        var prev: [Int32] = []
        var next: [Int32] = []
        var heap = BigramHeap()
    }

    private func encodeFragment(_ bytes: [UInt8], _ range: Range<Int>, into output: inout [Int32], scratch s: inout BPEScratch) {
        // UTF-8 → codepoints (input comes from a Swift String, so it is valid UTF-8), with byte offsets.
        s.cps.removeAll(keepingCapacity: true)
        s.cls.removeAll(keepingCapacity: true)
        s.offsets.removeAll(keepingCapacity: true)
        var i = range.lowerBound
        while i < range.upperBound {
            let b0 = UInt32(bytes[i])
            var c: UInt32
            var len: Int
            if b0 < 0x80 { c = b0; len = 1 }
            else if b0 < 0xE0 { c = b0 & 0x1F; len = 2 }
            else if b0 < 0xF0 { c = b0 & 0x0F; len = 3 }
            else { c = b0 & 0x07; len = 4 }
            len = min(len, range.upperBound - i)
            for k in 1..<max(len, 1) { c = (c << 6) | (UInt32(bytes[i + k]) & 0x3F) }
            s.offsets.append(i)
            s.cps.append(c)
            s.cls.append(ScalarClass.classify(c))
            i += len
        }
        s.offsets.append(range.upperBound)

        let words = preTokenizer.split(s.cps, s.cls)
        var cp = 0
        for count in words {
            let lo = s.offsets[cp], hi = s.offsets[cp + count]
            cp += count
            bpe(bytes, lo..<hi, into: &output, scratch: &s)
        }
    }

    /// Byte-level BPE of one word: symbols start as one per byte and the lowest-ranked adjacent pair
    /// (leftmost on ties) is merged until none is left.
    private func bpe(_ bytes: [UInt8], _ word: Range<Int>, into output: inout [Int32], scratch s: inout BPEScratch) {
        let n = word.count
        if n == 1 {
            emit(symbol: byteSymbols[Int(bytes[word.lowerBound])], bytes: bytes[word], into: &output)
            return
        }
        s.ids.removeAll(keepingCapacity: true)
        s.prev.removeAll(keepingCapacity: true)
        s.next.removeAll(keepingCapacity: true)
        for (k, b) in bytes[word].enumerated() {
            s.ids.append(byteSymbols[Int(b)])
            s.prev.append(Int32(k - 1))
            s.next.append(k + 1 == n ? -1 : Int32(k + 1))
        }
        s.heap.removeAll()
        for k in 0..<(n - 1) { pushBigram(Int32(k), Int32(k + 1), &s) }

        while let top = s.heap.pop() {
            let l = Int(top.left), r = Int(top.right)
            // stale entries: one side has been merged away or has grown since the push
            guard s.ids[l] == top.leftSymbol, s.ids[r] == top.rightSymbol else { continue }
            s.ids[l] = top.result
            s.ids[r] = -1
            let after = s.next[r]
            s.next[l] = after
            if after >= 0 { s.prev[Int(after)] = top.left }
            if s.prev[l] >= 0 { pushBigram(s.prev[l], top.left, &s) }
            if after >= 0 { pushBigram(top.left, after, &s) }
        }

        var k: Int32 = 0
        while k >= 0 {
            let end = s.next[Int(k)] >= 0 ? Int(s.next[Int(k)]) : n
            emit(symbol: s.ids[Int(k)], bytes: bytes[(word.lowerBound + Int(k))..<(word.lowerBound + end)], into: &output)
            k = s.next[Int(k)]
        }
    }

    @inline(__always)
    private func pushBigram(_ left: Int32, _ right: Int32, _ s: inout BPEScratch) {
        let l = s.ids[Int(left)], r = s.ids[Int(right)]
        let key = UInt64(UInt32(bitPattern: l)) << 32 | UInt64(UInt32(bitPattern: r))
        guard let merge = mergeTable[key] else { return }
        s.heap.push(Bigram(rank: merge.rank, left: left, right: right, leftSymbol: l, rightSymbol: r, result: merge.result))
    }

    @inline(__always)
    private func emit(symbol: Int32, bytes: ArraySlice<UInt8>, into output: inout [Int32]) {
        if symbol < Int32(tokenBytes.count) {
            output.append(symbol)
        } else {
            // not a vocabulary token: llama.cpp emits the single-byte tokens it can find
            for b in bytes { output += byteFallback[Int(b)] }
        }
    }
}

fileprivate struct Bigram {
    var rank: Int32
    var left: Int32
    var right: Int32
    var leftSymbol: Int32
    var rightSymbol: Int32
    var result: Int32

    @inline(__always)
    func precedes(_ other: Bigram) -> Bool {
        rank != other.rank ? rank < other.rank : left < other.left
    }
}

/// Binary min-heap of bigrams ordered by (rank, left position).
fileprivate struct BigramHeap {
    private var items: [Bigram] = []

    mutating func removeAll() { items.removeAll(keepingCapacity: true) }

    mutating func push(_ item: Bigram) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].precedes(items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Bigram? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            let count = items.count
            while true {
                let left = 2 * parent + 1
                guard left < count else { break }
                var best = left
                if left + 1 < count && items[left + 1].precedes(items[left]) { best = left + 1 }
                guard items[best].precedes(items[parent]) else { break }
                items.swapAt(best, parent)
                parent = best
            }
        }
        return top
    }
}

extension Array where Element == UInt8 {
    fileprivate func contains(subsequence: [UInt8]) -> Bool {
        guard !subsequence.isEmpty, subsequence.count <= count else { return subsequence.isEmpty }
        for start in 0...(count - subsequence.count) where self[start] == subsequence[0] {
            if self[start..<(start + subsequence.count)].elementsEqual(subsequence) { return true }
        }
        return false
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
