// GBNF, llama.cpp's grammar text format:
//   name ::= alternatives        one rule; it ends where the next `name ::=` starts
//   "lit" [a-z] [^"\\] . name ( … ) with postfix * + ? {m} {m,} {m,n}; `|` between alternatives;
//   escapes \n \r \t \\ \" \] \- \xHH \uHHHH \UHHHHHHHH; `#` starts a comment.

struct GBNFParser {
    private let s: [Unicode.Scalar]
    private var i = 0
    private var line = 1

    init(_ text: String) { s = Array(text.unicodeScalars) }

    mutating func parse(root: String) throws -> Grammar {
        var rules: [String: GrammarExpression] = [:]
        var order: [String] = []
        skipSpace(newlines: true)
        while i < s.count {
            let name = try identifier()
            skipSpace(newlines: false)
            guard consume("::=") else { throw error("expected `::=` after rule name `\(name)`") }
            let body = try alternatives(nested: false)
            if rules[name] != nil { throw error("rule `\(name)` is defined twice") }
            rules[name] = body
            order.append(name)
            skipSpace(newlines: true)
        }
        guard rules[root] != nil else { throw GrammarError("the grammar has no `\(root)` rule") }
        for name in order { try checkReferences(rules[name]!, in: name, rules: rules) }
        return Grammar(rules: rules, ruleOrder: order, root: root)
    }

    private func checkReferences(_ e: GrammarExpression, in rule: String, rules: [String: GrammarExpression]) throws {
        switch e {
        case .rule(let name):
            if rules[name] == nil { throw GrammarError("rule `\(rule)` refers to `\(name)`, which is not defined") }
        case .sequence(let items), .alternatives(let items):
            for item in items { try checkReferences(item, in: rule, rules: rules) }
        case .repetition(let inner, _, _):
            try checkReferences(inner, in: rule, rules: rules)
        case .literal, .characterClass, .anyCharacter: break
        }
    }

    // MARK: Structure

    private mutating func alternatives(nested: Bool) throws -> GrammarExpression {
        var alts = [try sequence(nested: nested)]
        while peek() == "|" {
            i += 1
            alts.append(try sequence(nested: nested))
        }
        return alts.count == 1 ? alts[0] : .alternatives(alts)
    }

    private mutating func sequence(nested: Bool) throws -> GrammarExpression {
        var items: [GrammarExpression] = []
        while true {
            skipSpace(newlines: true)
            guard let c = peek() else { break }
            if c == "|" || c == ")" { break }
            if !nested && atRuleStart() { break }
            var item = try primary()
            item = try postfix(item)
            items.append(item)
        }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    private mutating func primary() throws -> GrammarExpression {
        guard let c = peek() else { throw error("unexpected end of grammar") }
        switch c {
        case "\"":
            i += 1
            var text = String.UnicodeScalarView()
            while true {
                guard let d = peek() else { throw error("unterminated string literal") }
                if d == "\"" { i += 1; break }
                if d == "\n" { throw error("newline inside a string literal") }
                text.append(try character())
            }
            return .literal(String(text))
        case "[":
            i += 1
            var negated = false
            if peek() == "^" { negated = true; i += 1 }
            var ranges: [ClosedRange<UInt32>] = []
            while true {
                guard let d = peek() else { throw error("unterminated character class") }
                if d == "]" { i += 1; break }
                let lo = try character().value
                if peek() == "-", i + 1 < s.count, s[i + 1] != "]" {
                    i += 1
                    let hi = try character().value
                    guard lo <= hi else { throw error("character range out of order") }
                    ranges.append(lo...hi)
                } else {
                    ranges.append(lo...lo)
                }
            }
            return .characterClass(ranges, negated: negated)
        case ".":
            i += 1
            return .anyCharacter
        case "(":
            i += 1
            let inner = try alternatives(nested: true)
            skipSpace(newlines: true)
            guard consume(")") else { throw error("expected `)`") }
            return inner
        default:
            if isWordCharacter(c) { return .rule(try identifier()) }
            throw error("unexpected character `\(c)`")
        }
    }

    private mutating func postfix(_ item: GrammarExpression) throws -> GrammarExpression {
        var item = item
        while let c = peek() {
            switch c {
            case "*": i += 1; item = .repetition(item, min: 0, max: nil)
            case "+": i += 1; item = .repetition(item, min: 1, max: nil)
            case "?": i += 1; item = .repetition(item, min: 0, max: 1)
            case "{":
                i += 1
                skipSpace(newlines: false)
                let lo = try number()
                skipSpace(newlines: false)
                var hi: Int? = lo
                if consume(",") {
                    skipSpace(newlines: false)
                    hi = peek().map(isDigit) == true ? try number() : nil
                    skipSpace(newlines: false)
                }
                guard consume("}") else { throw error("expected `}` in a repetition") }
                if let hi, hi < lo { throw error("repetition {\(lo),\(hi)} has max below min") }
                if lo > 1000 || (hi ?? 0) > 1000 { throw error("repetition counts above 1000 are not supported") }
                item = .repetition(item, min: lo, max: hi)
            default: return item
            }
        }
        return item
    }

    // MARK: Lexing

    private func peek() -> Unicode.Scalar? { i < s.count ? s[i] : nil }

    private mutating func consume(_ text: String) -> Bool {
        let t = Array(text.unicodeScalars)
        guard i + t.count <= s.count, Array(s[i..<(i + t.count)]) == t else { return false }
        i += t.count
        return true
    }

    private func isWordCharacter(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "-" || c == "_"
    }

    private mutating func identifier() throws -> String {
        var name = String.UnicodeScalarView()
        while let c = peek(), isWordCharacter(c) { name.append(c); i += 1 }
        guard !name.isEmpty else { throw error("expected a rule name") }
        return String(name)
    }

    private mutating func number() throws -> Int {
        var v = 0, digits = 0
        while let c = peek(), c >= "0" && c <= "9", digits < 7 { v = v * 10 + Int(c.value - 48); i += 1; digits += 1 }
        guard digits > 0 else { throw error("expected a number") }
        return v
    }

    /// True when the text at `i` is `name ::=` (the next rule starts).
    private func atRuleStart() -> Bool {
        var j = i
        while j < s.count, isWordCharacter(s[j]) { j += 1 }
        guard j > i else { return false }
        while j < s.count, s[j] == " " || s[j] == "\t" { j += 1 }
        return j + 2 < s.count && s[j] == ":" && s[j + 1] == ":" && s[j + 2] == "="
    }

    private mutating func skipSpace(newlines: Bool) {
        while let c = peek() {
            if c == " " || c == "\t" || c == "\r" { i += 1 }
            else if c == "\n" && newlines { i += 1; line += 1 }
            else if c == "#" { while let d = peek(), d != "\n" { i += 1; _ = d } }
            else { break }
        }
    }

    /// One character of a literal or class, with escapes.
    private mutating func character() throws -> Unicode.Scalar {
        guard let c = peek() else { throw error("unexpected end of grammar") }
        i += 1
        guard c == "\\" else { return c }
        guard let e = peek() else { throw error("unfinished escape") }
        i += 1
        switch e {
        case "n": return "\n"
        case "r": return "\r"
        case "t": return "\t"
        case "x": return try hexScalar(digits: 2)
        case "u": return try hexScalar(digits: 4)
        case "U": return try hexScalar(digits: 8)
        case "\\", "\"", "[", "]", "-", "^", "/": return e
        default: throw error("unknown escape `\\\(e)`")
        }
    }

    private mutating func hexScalar(digits: Int) throws -> Unicode.Scalar {
        var v: UInt32 = 0
        for _ in 0..<digits {
            guard let c = peek(), let d = isDigit(c) ? c.value - 48 : hexLetter(c) else {
                throw error("expected \(digits) hex digits in an escape")
            }
            v = v * 16 + d
            i += 1
        }
        guard let scalar = Unicode.Scalar(v) else { throw error("escape \\u\(String(v, radix: 16)) is not a Unicode scalar") }
        return scalar
    }

    private func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

    private func hexLetter(_ c: Unicode.Scalar) -> UInt32? {
        switch c {
        case "a"..."f": return c.value - 97 + 10
        case "A"..."F": return c.value - 65 + 10
        default: return nil
        }
    }

    private func error(_ message: String) -> GrammarError {
        GrammarError("grammar line \(line): \(message)")
    }
}
