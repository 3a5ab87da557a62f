// A JSON-schema `pattern` (a simple regular expression) as a GBNF expression for the characters of a
// JSON string. Supported: literals and escapes (\. \\ \d \w \s \D \W \S \n \t), `.`, classes [...] and
// [^...], groups ( ) and (?: ), `|`, quantifiers * + ? {m} {m,} {m,n}, and ^ / $ anchors. A pattern
// without ^ (or $) may have any characters before (or after) its match, as in JSON schema. Characters
// that JSON must escape are only produced in their escaped form; classes leave out `"`, `\` and controls.

enum RegexToGBNF {
    static func translate(_ pattern: String, path: String) throws -> String {
        var p = RegexTranslation(Array(pattern.unicodeScalars), path: path)
        return try p.whole()
    }
}

private struct RegexTranslation {
    let s: [Unicode.Scalar]
    let path: String
    var i = 0
    static let anyChar = #"[^"\\\x00-\x1F]"#

    init(_ s: [Unicode.Scalar], path: String) { self.s = s; self.path = path }

    func error(_ m: String) -> GrammarError { GrammarError("pattern at \(path): \(m) (only simple regular expressions are supported)") }

    mutating func whole() throws -> String {
        var anchoredStart = false, anchoredEnd = false
        var t = s
        if t.first == "^" { anchoredStart = true; t.removeFirst() }
        if t.last == "$", !(t.count >= 2 && t[t.count - 2] == "\\") { anchoredEnd = true; t.removeLast() }
        var inner = RegexTranslation(t, path: path)
        let body = try inner.alternation()
        guard inner.i == t.count else { throw error("unexpected `\(t[inner.i])`") }
        let prefix = anchoredStart ? "" : "\(Self.anyChar)* "
        let suffix = anchoredEnd ? "" : " \(Self.anyChar)*"
        return "\(prefix)( \(body) )\(suffix)"
    }

    mutating func alternation() throws -> String {
        var alts = [try sequence()]
        while i < s.count, s[i] == "|" { i += 1; alts.append(try sequence()) }
        return alts.count == 1 ? alts[0] : alts.map { "( \($0) )" }.joined(separator: " | ")
    }

    mutating func sequence() throws -> String {
        var items: [String] = []
        while i < s.count, s[i] != "|", s[i] != ")" {
            var atom = try self.atom()
            atom = try quantifier(atom)
            items.append(atom)
        }
        return items.isEmpty ? "\"\"" : items.joined(separator: " ")
    }

    mutating func quantifier(_ atom: String) throws -> String {
        guard i < s.count else { return atom }
        var q: String
        switch s[i] {
        case "*": q = "*"; i += 1
        case "+": q = "+"; i += 1
        case "?": q = "?"; i += 1
        case "{":
            var j = i + 1
            var body = ""
            while j < s.count, s[j] != "}" { body.unicodeScalars.append(s[j]); j += 1 }
            guard j < s.count, body.allSatisfy({ $0.isNumber || $0 == "," }), !body.isEmpty else { throw error("bad `{` quantifier") }
            q = "{\(body)}"
            i = j + 1
        default: return atom
        }
        if i < s.count, s[i] == "?" { i += 1 } // lazy: same language
        if i < s.count, "*+?{".unicodeScalars.contains(s[i]) { throw error("stacked quantifiers") }
        return "( \(atom) )\(q)"
    }

    mutating func atom() throws -> String {
        let c = s[i]
        i += 1
        switch c {
        case "(":
            if i + 1 < s.count, s[i] == "?" {
                guard s[i + 1] == ":" else { throw error("group syntax `(?\(s[i + 1])`") }
                i += 2
            }
            let inner = try alternation()
            guard i < s.count, s[i] == ")" else { throw error("missing `)`") }
            i += 1
            return "( \(inner) )"
        case ".": return Self.anyChar
        case "[": return try characterClass()
        case "\\": return try escape(inClass: false).expression
        case "^", "$": throw error("anchors inside the pattern")
        case "*", "+", "?", "{": throw error("quantifier without an atom")
        default: return literal(c)
        }
    }

    /// A literal character as it appears inside a JSON string.
    func literal(_ c: Unicode.Scalar) -> String {
        switch c {
        case "\"": return gbnfLiteral("\\\"")
        case "\\": return gbnfLiteral("\\\\")
        default: return c.value < 0x20 ? gbnfLiteral(JSONValue.quote(String(c)).dropFirst().dropLast().description) : gbnfLiteral(String(c))
        }
    }

    /// An escape: its expression, and its class ranges (for use inside [...]).
    mutating func escape(inClass: Bool) throws -> (expression: String, ranges: [ClosedRange<UInt32>], negated: Bool) {
        guard i < s.count else { throw error("pattern ends with `\\`") }
        let e = s[i]
        i += 1
        let digit: [ClosedRange<UInt32>] = [48...57]
        let word: [ClosedRange<UInt32>] = [48...57, 65...90, 95...95, 97...122]
        let space: [ClosedRange<UInt32>] = [32...32, 9...10, 13...13]
        switch e {
        case "d": return (classText(digit, negated: false), digit, false)
        case "D": return (classText(digit, negated: true), digit, true)
        case "w": return (classText(word, negated: false), word, false)
        case "W": return (classText(word, negated: true), word, true)
        case "s": return (#"( " " | "\\t" | "\\n" | "\\r" )"#, space, false)
        case "S": return (classText(space, negated: true), space, true)
        case "n": return (gbnfLiteral("\\n"), [10...10], false)
        case "t": return (gbnfLiteral("\\t"), [9...9], false)
        case "r": return (gbnfLiteral("\\r"), [13...13], false)
        default:
            if e.properties.isAlphabetic || e.properties.numericType != nil { throw error("escape `\\\(e)`") }
            return (literal(e), [e.value...e.value], false)
        }
    }

    /// A GBNF class for the ranges, without the characters JSON escapes.
    func classText(_ ranges: [ClosedRange<UInt32>], negated: Bool) -> String {
        func char(_ v: UInt32) -> String {
            switch v {
            case 0x5C: return "\\\\"
            case 0x5D: return "\\]"
            case 0x5E: return "\\^"
            case 0x2D: return "\\-"
            case 0..<0x20, 0x7F: return "\\x" + (v < 16 ? "0" : "") + String(v, radix: 16)
            default: return String(Character(Unicode.Scalar(v)!))
            }
        }
        if negated {
            let all = ranges + [0...0x1F, 0x22...0x22, 0x5C...0x5C]
            return "[^" + all.map { $0.lowerBound == $0.upperBound ? char($0.lowerBound) : char($0.lowerBound) + "-" + char($0.upperBound) }.joined() + "]"
        }
        // positive: cut out controls, `"` and `\`
        var kept: [ClosedRange<UInt32>] = []
        for r in UTF8Ranges.normalize(ranges, negated: false) {
            var pieces = [r]
            for hole: ClosedRange<UInt32> in [0...0x1F, 0x22...0x22, 0x5C...0x5C] {
                pieces = pieces.flatMap { p -> [ClosedRange<UInt32>] in
                    guard p.overlaps(hole) else { return [p] }
                    var out: [ClosedRange<UInt32>] = []
                    if p.lowerBound < hole.lowerBound { out.append(p.lowerBound...(hole.lowerBound - 1)) }
                    if p.upperBound > hole.upperBound { out.append((hole.upperBound + 1)...p.upperBound) }
                    return out
                }
            }
            kept += pieces
        }
        if kept.isEmpty { return "[^\\x00-\\U0010FFFF]" }
        return "[" + kept.map { $0.lowerBound == $0.upperBound ? char($0.lowerBound) : char($0.lowerBound) + "-" + char($0.upperBound) }.joined() + "]"
    }

    mutating func characterClass() throws -> String {
        var negated = false
        if i < s.count, s[i] == "^" { negated = true; i += 1 }
        var ranges: [ClosedRange<UInt32>] = []
        var first = true
        while true {
            guard i < s.count else { throw error("missing `]`") }
            var c = s[i]
            if c == "]" && !first { i += 1; break }
            first = false
            i += 1
            var lo: UInt32
            if c == "\\" {
                let e = try escape(inClass: true)
                if e.negated { throw error("negated escapes inside a class") }
                if e.ranges.count != 1 || e.ranges[0].count != 1 { ranges += e.ranges; continue }
                lo = e.ranges[0].lowerBound
            } else {
                lo = c.value
            }
            if i + 1 < s.count, s[i] == "-", s[i + 1] != "]" {
                i += 1
                c = s[i]
                i += 1
                var hi = c.value
                if c == "\\" {
                    let e = try escape(inClass: true)
                    guard e.ranges.count == 1, e.ranges[0].count == 1 else { throw error("class range ending in a class") }
                    hi = e.ranges[0].lowerBound
                }
                guard lo <= hi else { throw error("class range out of order") }
                ranges.append(lo...hi)
            } else {
                ranges.append(lo...lo)
            }
        }
        return classText(ranges, negated: negated)
    }
}
