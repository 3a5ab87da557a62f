import Foundation

/// Readings shared by the rules that turn a description's statements into checks
/// (`BehaviourRules`, `PageRules`, `PinnedFacts`). They read the description's syntax, not one
/// description's phrasing:
/// - a status code is a 3-digit 1xx–5xx number, and "X or Y" (or "X (Y is also fine)") states
///   alternatives; a condition gets the code written next to it in its clause ("404 … if not found",
///   "a blank name gets 400"), else the nearest clause's of its sentence;
/// - a message is a quoted text shortly after a word of showing or saying ("the error "…"",
///   "should read "…"", "just say "…"", `message="…"`);
/// - an invalid value is a condition word (missing, empty, not a number, negative, zero, an integer
///   asked for) or a bound with its number ("below 2", "at least 2", "from 2 to 40", "more than 0"):
///   the comparison words are read in general alternations (less/lower/smaller/fewer than, below,
///   under, at least, at most, N or more, …), each with the number written after it.
///
/// All ranges are UTF-16 ranges (`NSRange`) of the text given; `masked` keeps them.
enum StatementReader {
    static func regex(_ pattern: String, _ options: NSRegularExpression.Options = [.caseInsensitive]) -> NSRegularExpression {
        // the patterns are literals of this file: a bad one is a programming error
        try! NSRegularExpression(pattern: pattern, options: options)
    }

    static func all(_ pattern: String, _ text: String, _ options: NSRegularExpression.Options = [.caseInsensitive]) -> [NSTextCheckingResult] {
        regex(pattern, options).matches(in: text, range: NSRange(location: 0, length: (text as NSString).length))
    }

    // MARK: masking

    /// `text`, the same length in UTF-16, with the insides of JSON literals (`{…}`), of placeholders and
    /// tags (`<number>`, `<input id="x">`) and of quoted texts replaced by `_` (a quoted bare name such
    /// as `"url"` is kept), and the dots of "e.g.", "i.e.", "etc." too: the punctuation and words inside
    /// them then neither end a clause nor read as conditions.
    static func masked(_ text: String) -> String {
        var units = Array(text.utf16)
        func blank(_ r: NSRange) { for i in r.location..<(r.location + r.length) { units[i] = 0x5F } }
        for m in all(#"\{[^{}\n]*\}|<[A-Za-z/!][^<>\n]*>"#, text) where m.range.length > 2 {
            blank(NSRange(location: m.range.location + 1, length: m.range.length - 2))
        }
        var braceless = String(utf16CodeUnits: units, count: units.count)
        for m in all(#""([^"\n]*)"|“([^”\n]*)”"#, braceless) {
            let inner = m.range(at: 1).location != NSNotFound ? m.range(at: 1) : m.range(at: 2)
            let content = (braceless as NSString).substring(with: inner)
            if content.range(of: #"^[A-Za-z_][\w-]*$"#, options: .regularExpression) == nil, inner.length > 0 { blank(inner) }
        }
        braceless = String(utf16CodeUnits: units, count: units.count)
        for m in all(#"\b(?:e\.g|i\.e|etc|vs|approx)\."#, braceless) {
            let s = (braceless as NSString).substring(with: m.range)
            for (i, u) in s.utf16.enumerated() where u == 0x2E { units[m.range.location + i] = 0x5F }
        }
        return String(utf16CodeUnits: units, count: units.count)
    }

    // MARK: status codes

    struct StatusGroup: Equatable {
        var range: NSRange
        var codes: [Int]
    }

    /// Words after which a 3-digit number is a value, not a status: "above 100", "between 200 and 300", "port 500".
    static let valueWords: Set<String> = ["above", "below", "over", "under", "than", "of", "from", "to", "between", "and", "max",
                                          "min", "maximum", "minimum", "least", "most", "by", "value", "values", "equals", "exceeds",
                                          "exceed", "port", "limit", "length", "size", "first", "last", "top", "count", "is"]

    /// The status codes written in `masked` (see `masked`), with "X or Y", "X, Y or Z", "X/Y" and
    /// "X (Y is also fine)" read as one group of alternatives.
    static func statusGroups(_ masked: String) -> [StatusGroup] {
        let ns = masked as NSString
        var singles: [(NSRange, Int)] = []
        for m in all(#"(?<![\w./=<>$+*#&?^-])([1-5]\d\d)(?![\w%]|[.,]\d|\s*(?:decimal|digit|character|char|letter|place|word|item|km|kg|cm|ms|px)s?\b)"#, masked) {
            let before = ns.substring(to: m.range.location)
            if let w = before.range(of: #"([A-Za-z]+)\s*$"#, options: .regularExpression) {
                let word = before[w].trimmingCharacters(in: .whitespaces).lowercased()
                // "is 404" is a status when a status is what "is" speaks of ("the answer is 404"), else a value
                if word == "is" {
                    if before.range(of: #"\b(?:status|code|answer|response|reply)\s+is\s*$"#, options: [.regularExpression, .caseInsensitive]) == nil { continue }
                } else if valueWords.contains(word) { continue }
            }
            singles.append((m.range, Int(ns.substring(with: m.range))!))
        }
        // chains of codes joined by ",", "or", "/"; a chain joined by commas only is a list of separate statuses
        // ("200, 404 if unknown"), one with an "or" a list of alternatives ("200, 201 or 204")
        var chains: [(group: StatusGroup, singles: [StatusGroup], alternative: Bool)] = []
        for (r, code) in singles {
            if var last = chains.last {
                let gapStart = last.group.range.location + last.group.range.length
                let gap = ns.substring(with: NSRange(location: gapStart, length: r.location - gapStart))
                if gap.range(of: #"^\s*(?:,|/|\bor\b|,\s*or\b)\s*(?:(?:status|code|http)\s+)?$"#, options: [.regularExpression, .caseInsensitive]) != nil {
                    last.group.codes.append(code)
                    last.group.range = NSRange(location: last.group.range.location, length: r.location + r.length - last.group.range.location)
                    last.singles.append(StatusGroup(range: r, codes: [code]))
                    last.alternative = last.alternative || !gap.trimmingCharacters(in: .whitespaces).hasPrefix(",") || gap.contains("or")
                    chains[chains.count - 1] = last
                    continue
                }
            }
            chains.append((StatusGroup(range: r, codes: [code]), [StatusGroup(range: r, codes: [code])], false))
        }
        var groups = chains.flatMap { $0.alternative || $0.singles.count == 1 ? [$0.group] : $0.singles }
        // "204 (200 is also fine)": the parenthesis adds alternatives
        for i in groups.indices {
            let end = groups[i].range.location + groups[i].range.length
            let rest = ns.substring(from: end)
            guard let m = regex(#"^\s*\(\s*(?:or\s+)?(?:(?:status|http)\s+)?([1-5]\d\d(?:\s*(?:,|/|or)\s*[1-5]\d\d)*)\s*(?:(?:is|are|also|fine|ok|okay|too|accepted|acceptable|allowed|works|work|as|well|alright|good|valid)\b[\s,]*)*\)"#)
                    .firstMatch(in: rest, range: NSRange(location: 0, length: (rest as NSString).length)) else { continue }
            let inner = (rest as NSString).substring(with: m.range(at: 1))
            let extra = all(#"[1-5]\d\d"#, inner).map { Int((inner as NSString).substring(with: $0.range))! }
            groups[i].codes += extra.filter { !groups[i].codes.contains($0) }
            groups[i].range.length += m.range.length
        }
        // a group inside an earlier group's parenthesis is part of it
        var out: [StatusGroup] = []
        for g in groups {
            if let last = out.last, g.range.location < last.range.location + last.range.length { continue }
            out.append(g)
        }
        return out
    }

    // MARK: clauses

    struct Piece { var range: NSRange; var groups: [StatusGroup] }
    struct Sentence { var range: NSRange; var pieces: [Piece] }

    /// The sentences of `text` (ended by ".", "!", "?" before a space, or ";"), each cut into clauses at
    /// commas and at parentheses that state a status code. A parenthesis without one is an aside and
    /// stays whole inside its clause.
    static func sentences(_ text: String) -> [Sentence] {
        let m = masked(text)
        let ns = m as NSString
        let groups = statusGroups(m)
        func inGroup(_ i: Int) -> Bool { groups.contains { NSLocationInRange(i, $0.range) } }
        // sentence ends
        var bounds: [Int] = []
        for r in all(#"[.!?](?=\s|$)|;"#, m) where !inGroup(r.range.location) { bounds.append(r.range.location + 1) }
        if bounds.last != ns.length { bounds.append(ns.length) }
        var out: [Sentence] = []
        var start = 0
        for end in bounds where end > start {
            let range = NSRange(location: start, length: end - start)
            out.append(Sentence(range: range, pieces: pieces(in: range, ns, groups)))
            start = end
        }
        return out
    }

    static func pieces(in range: NSRange, _ ns: NSString, _ groups: [StatusGroup]) -> [Piece] {
        func inGroup(_ i: Int) -> Bool { groups.contains { NSLocationInRange(i, $0.range) } }
        // top-level parentheses, and whether they hold a status code of their own
        var cuts: [Int] = []
        var depth = 0, open = -1
        var parens: [NSRange] = []
        for i in range.location..<(range.location + range.length) {
            let c = ns.character(at: i)
            if c == 0x28 { if depth == 0 { open = i }; depth += 1 }
            if c == 0x29, depth > 0 { depth -= 1; if depth == 0 { parens.append(NSRange(location: open, length: i - open + 1)) } }
        }
        let stating = parens.filter { p in groups.contains { NSLocationInRange($0.range.location, p) && $0.range.location > p.location } }
        func insideAside(_ i: Int) -> Bool { parens.contains { NSLocationInRange(i, $0) } && !stating.contains { NSLocationInRange(i, $0) } }
        for p in stating { cuts.append(p.location); cuts.append(p.location + p.length - 1) }
        for i in range.location..<(range.location + range.length) where ns.character(at: i) == 0x2C && !inGroup(i) && !insideAside(i) {
            cuts.append(i)
        }
        cuts = Array(Set(cuts)).sorted()
        var out: [Piece] = []
        var start = range.location
        let end = range.location + range.length
        for cut in cuts + [end] {
            if cut > start {
                let r = NSRange(location: start, length: cut - start)
                if !ns.substring(with: r).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    out.append(Piece(range: r, groups: groups.filter { NSLocationInRange($0.range.location, r) }))
                }
            }
            start = max(start, cut + 1)
        }
        return out
    }

    static func distance(_ a: NSRange, _ b: NSRange) -> Int {
        if a.location + a.length <= b.location { return b.location - (a.location + a.length) }
        if b.location + b.length <= a.location { return a.location - (b.location + b.length) }
        return 0
    }

    /// The status codes `text` states for the condition written at `at`: in its own clause, the group
    /// before it when an "if"/"when"/"for" joins them ("404 … if it is not found"), else the group after
    /// it ("a blank name gets 400"); else the nearest clause of its sentence that has one (the later
    /// clause when two are equally near: "if … is missing, answer 400"). nil when its sentence states none.
    static func status(for at: NSRange, in text: String) -> [Int]? {
        for s in sentences(text) where NSLocationInRange(at.location, s.range) {
            guard let i = s.pieces.firstIndex(where: { NSLocationInRange(at.location, $0.range) })
                    ?? s.pieces.indices.min(by: { distance(s.pieces[$0].range, at) < distance(s.pieces[$1].range, at) }) else { return nil }
            let own = s.pieces[i].groups
            if let g = own.first(where: { distance($0.range, at) == 0 }) { return g.codes }
            // in one clause: "404 with … if it is not found" (the status before, an "if" between) or
            // "a missing name gets 400" (the status after)
            let before = own.last { $0.range.location + $0.range.length <= at.location }
            let after = own.first { $0.range.location >= at.location + at.length }
            if let before {
                let m = masked(text) as NSString
                let between = m.substring(with: NSRange(location: before.range.location + before.range.length, length: at.location - before.range.location - before.range.length))
                if between.range(of: #"\b(?:if|when|whenever|unless|for|in case|where|because)\b"#, options: [.regularExpression, .caseInsensitive]) != nil || after == nil {
                    return before.codes
                }
            }
            if let after { return after.codes }
            let stated = s.pieces.indices.filter { !s.pieces[$0].groups.isEmpty }
            guard let j = stated.min(by: { (abs($0 - i), $0 < i ? 1 : 0) < (abs($1 - i), $1 < i ? 1 : 0) }) else { return nil }
            let piece = s.pieces[j]
            // the group of that clause nearest to the condition
            return (j > i ? piece.groups.first : piece.groups.last)?.codes
        }
        return nil
    }

    /// The sentence of `text` that holds `at`, as a range.
    static func sentence(at: NSRange, in text: String) -> NSRange? {
        sentences(text).first { NSLocationInRange(at.location, $0.range) }?.range
    }

    // MARK: messages

    struct Message: Equatable {
        var text: String
        var range: NSRange
        /// The word of showing or saying before it ("error", "say", "written", …), lower-case.
        var trigger: String
        /// "never show "NaN"": the description says it must not be shown.
        var negated: Bool
    }

    static let showWords = "messages?|errors?|warnings?|notices?|alerts?|texts?|words?|says?|saying|said|reads?|reading|shows?|showing|shown|displays?|displaying|displayed|prints?|printing|printed|writes?|writing|written|outputs?|exactly|labels?|labell?ed|headings?|appears?|renders?|rendered|formatted|formats?|looks?"

    /// Quoted texts shortly after (at most six words after, in the same clause) a word of showing or
    /// saying: `the error "…"`, `should read "…"`, `just say "…"`, `message="…"`, `displayed as "…"`,
    /// `a message containing the word "…"`. Not a JSON key (`"error" key`, `the "error" message`),
    /// not inside a JSON literal, not a placeholder (`"..."`, `"<text>"`).
    static func messages(_ text: String) -> [Message] {
        let ns = text as NSString
        // JSON literals blanked, quotes kept
        var units = Array(text.utf16)
        for m in all(#"\{[^{}\n]*\}"#, text) where m.range.length > 2 {
            for i in (m.range.location + 1)..<(m.range.location + m.range.length - 1) { units[i] = 0x5F }
        }
        let scan = String(utf16CodeUnits: units, count: units.count)
        var out: [Message] = []
        let pattern = #"(?<!["“\w-])("# + showWords + #")(?!["”\w])((?:\s+[\w'-]+){0,6}?)\s*[:=]?\s*(?:["“]([^"”\n]{1,120})["”])"#
        for m in all(pattern, scan) {
            let inner = m.range(at: 3)
            guard inner.location != NSNotFound else { continue }
            let quoted = ns.substring(with: inner)
            let body = quoted.trimmingCharacters(in: .whitespaces)
            // a placeholder: "...", "<text>", MESSAGE
            if body.isEmpty || body.range(of: #"^(?:\.+|…|<[^<>]*>|[A-Z][A-Z_]{2,})$"#, options: .regularExpression) != nil { continue }
            // a key or name: `"error" key`, `the "error" message`, `"name":`
            let after = ns.substring(from: inner.location + inner.length + 1)
            if body.range(of: #"^[A-Za-z_][\w-]*$"#, options: .regularExpression) != nil,
               after.range(of: #"^\s*(?::|(?:key|field|property|attribute|parameter|param|message|value|entry|object|element|column)s?\b)"#, options: [.regularExpression, .caseInsensitive]) != nil { continue }
            // `message="…"` is a message; `show the saving in id="saving"` is an attribute, not one
            let tail = ns.substring(with: NSRange(location: m.range(at: 2).location, length: inner.location - m.range(at: 2).location))
            if m.range(at: 2).length > 0, tail.contains("=") || tail.contains(":") { continue }
            // the showing word nearest the quote: "shows the error "…"" is an error
            let words = ([ns.substring(with: m.range(at: 1))] + ns.substring(with: m.range(at: 2)).split(whereSeparator: \.isWhitespace).map(String.init))
            let trigger = words.last { $0.range(of: "^(?:" + showWords + ")$", options: [.regularExpression, .caseInsensitive]) != nil }?.lowercased()
                ?? ns.substring(with: m.range(at: 1)).lowercased()
            let before = ns.substring(to: m.range(at: 1).location)
            let between = ns.substring(with: m.range(at: 2)).lowercased()
            let negated = before.range(of: #"\b(?:never|not|no|don't|doesn't|mustn't|shouldn't|without|n't)\s+(?:\w+\s+)?$"#, options: [.regularExpression, .caseInsensitive]) != nil
                || between.range(of: #"\b(?:never|not)\b"#, options: .regularExpression) != nil
            out.append(Message(text: quoted, range: inner, trigger: trigger, negated: negated))
        }
        // each quote read once
        var seen = Set<Int>()
        return out.filter { seen.insert($0.range.location).inserted }
    }

    // MARK: invalid values

    enum Invalid: Equatable {
        case missing, empty, notANumber, negative, zero, notWhole
        /// invalid below `n` (`orEqual`: `n` too)
        case below(Double, orEqual: Bool)
        /// invalid above `n` (`orEqual`: `n` too)
        case above(Double, orEqual: Bool)

        func rejects(_ x: Double) -> Bool {
            switch self {
            case .missing, .empty, .notANumber: return false
            case .negative: return x < 0
            case .zero: return x == 0
            case .notWhole: return x != x.rounded()
            case .below(let n, let eq): return eq ? x <= n : x < n
            case .above(let n, let eq): return eq ? x >= n : x > n
            }
        }

        /// A JavaScript condition on the number `x` that is true for the invalid values; nil for what
        /// `!Number.isFinite(x)` already covers (missing, empty, not a number).
        var javaScript: String? {
            func num(_ d: Double) -> String { d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d) }
            switch self {
            case .missing, .empty, .notANumber: return nil
            case .negative: return "x < 0"
            case .zero: return "x === 0"
            case .notWhole: return "!Number.isInteger(x)"
            case .below(let n, let eq): return "x \(eq ? "<=" : "<") \(num(n))"
            case .above(let n, let eq): return "x \(eq ? ">=" : ">") \(num(n))"
            }
        }

        /// A value that is invalid this way, as typed text; `negative` is the caller's negative sample.
        func sample(negative: String) -> String? {
            func num(_ d: Double) -> String { d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d) }
            switch self {
            case .missing: return nil
            case .empty: return ""
            case .notANumber: return "abc"
            case .negative: return negative
            case .zero: return "0"
            case .notWhole: return "2.5"
            case .below(let n, let eq): return num(eq ? n : n - 1)
            case .above(let n, let eq): return num(eq ? n : n + 1)
            }
        }
    }

    struct Condition: Equatable {
        var kind: Invalid
        var range: NSRange
    }

    static let number = #"(-?\d+(?:\.\d+)?|zero)"#
    static func value(_ s: String) -> Double? { s.lowercased() == "zero" ? 0 : Double(s) }

    /// Whether the words before `at` (back to the start of its statement: "if", "when", ":" or ";")
    /// state what is valid ("must be", "has to be", "valid values are") rather than what is not.
    static func validityContext(_ masked: NSString, before at: Int) -> Bool {
        let prefix = masked.substring(to: at).lowercased()
        let tail: String
        if let r = prefix.range(of: #"(?:\bif\b|\bwhen\b|\bwhenever\b|\botherwise\b|\belse\b|\binvalid\b|\bbad\b|:|;)(?!.*(?:\bif\b|\bwhen\b|\bwhenever\b|\botherwise\b|\belse\b|\binvalid\b|\bbad\b|:|;))"#, options: .regularExpression) {
            tail = String(prefix[r.upperBound...])
        } else { tail = prefix }
        let negated = tail.range(of: #"\b(?:must|should|has to|have to|needs? to|may|can|is|are)\s+not\b|\b(?:mustn't|shouldn't|cannot|can't|isn't|aren't|never)\b"#, options: .regularExpression) != nil
        let positive = tail.range(of: #"\b(?:must|should|has to|have to|needs? to|ought to|required to|valid(?: values?)? (?:is|are)|allowed (?:values? )?(?:is|are))\b"#, options: .regularExpression) != nil
        return positive && !negated
    }

    /// What `text` calls invalid, read from its syntax. `validityContext` statements ("must be greater
    /// than 0") are turned around; a value the text accepts ("zero is fine") is not invalid.
    static func conditions(_ text: String) -> [Condition] {
        let m = masked(text)
        let ns = m as NSString
        var out: [Condition] = []
        var taken: [NSRange] = []
        func free(_ r: NSRange) -> Bool { !taken.contains { NSIntersectionRange($0, r).length > 0 } }
        func add(_ k: Invalid, _ r: NSRange) { if !out.contains(where: { $0.kind == k }) { out.append(Condition(kind: k, range: r)) }; taken.append(r) }
        func accepted(_ r: NSRange) -> Bool {
            let after = ns.substring(from: r.location + r.length)
            if after.range(of: #"^\s*(?:\(\w[^)]*\)\s*)?(?:values?\s+|numbers?\s+|amounts?\s+)?(?:is|are)\s+(?:also\s+|still\s+|perfectly\s+)?(?:fine|ok|okay|allowed|valid|accepted|acceptable|permitted|supported)\b"#, options: [.regularExpression, .caseInsensitive]) != nil { return true }
            let before = ns.substring(to: r.location)
            return before.range(of: #"\b(?:allow|allows|allowed|accept|accepts|accepted|including|incl|even)\s+(?:\w+\s+){0,1}$"#, options: [.regularExpression, .caseInsensitive]) != nil
        }
        let unit = #"(?!\s*(?:decimal|digit|character|char|letter|place|word|item)s?\b)"#
        // ranges: "between 1 and 50", "from 1 to 50", "1..10", "outside 1..10"
        for r in all(#"\b(?:(not\s+|outside\s+(?:of\s+)?(?:the\s+range\s+)?)?(?:between|from)\s+"# + number + #"\s*(?:and|to|-|–)\s*"# + number + #"|(outside\s+(?:of\s+)?(?:the\s+range\s+)?)"# + number + #"\s*(?:\.\.|to|-|–)\s*"# + number + #"|"# + number + #"\s*\.\.\s*"# + number + #")\b"# + unit, m) {
            let pairs = [(2, 3), (5, 6), (7, 8)]
            for (a, b) in pairs where r.range(at: a).location != NSNotFound {
                guard let lo = value(ns.substring(with: r.range(at: a))), let hi = value(ns.substring(with: r.range(at: b))) else { continue }
                add(.below(lo, orEqual: false), r.range); add(.above(hi, orEqual: false), r.range)
            }
        }
        // bounds that state the valid side by themselves: "at least 2", "no fewer than 2", "at most 40", "up to 40"
        // (the usual words for a minimum and a maximum, each with its number)
        for r in all(#"\b(?:at least|no (?:less|fewer) than|not (?:less|fewer) than|minimum(?: of)?|min\.?)\s+"# + number + unit, m) where free(r.range) {
            if let n = value(ns.substring(with: r.range(at: 1))) { add(.below(n, orEqual: false), r.range) }
        }
        for r in all(#"\b(?:at most|no more than|not more than|up to|maximum(?: of)?|max\.?)\s+"# + number + unit, m) where free(r.range) {
            if let n = value(ns.substring(with: r.range(at: 1))) { add(.above(n, orEqual: false), r.range) }
        }
        // relations: "below 2", "smaller than 2", "more than 40", "greater than zero", "2 or more" (the usual
        // comparison words, each with its number)
        func relation(_ n: Double, greater: Bool, inclusive: Bool, valid: Bool) -> Invalid {
            // the phrase names the invalid values, or the valid ones (then the others are invalid)
            if !valid { return greater ? .above(n, orEqual: inclusive) : .below(n, orEqual: inclusive) }
            return greater ? .below(n, orEqual: !inclusive) : .above(n, orEqual: !inclusive)
        }
        for (greater, pattern) in [(false, #"\b(?:(?:less|lower|smaller|fewer)\s+than|below|under)\s+"# + number + unit + #"|\b"# + number + #"\s+or\s+(?:less|lower|fewer|below|smaller)\b(?!\s+than)"#),
                                   (true, #"\b(?:(?:more|greater|larger|bigger|higher)\s+than|above|over|exceeds?|exceeding)\s+"# + number + unit + #"|\b"# + number + #"\s+or\s+(?:more|greater|higher|above|larger|bigger)\b(?!\s+than)"#)] {
            for r in all(pattern, m) where free(r.range) {
                let inclusive = r.range(at: 2).location != NSNotFound  // "1 or more"
                guard let n = value(ns.substring(with: inclusive ? r.range(at: 2) : r.range(at: 1))) else { continue }
                // "below 2" names invalid values unless a "must be" comes before it; "2 or more" names
                // valid ones unless an "if"/"invalid" does
                let valid = inclusive ? !invalidContext(ns, before: r.range.location) || validityContext(ns, before: r.range.location)
                                      : validityContext(ns, before: r.range.location)
                add(relation(n, greater: greater, inclusive: inclusive, valid: valid), r.range)
            }
        }
        // words
        for r in all(#"\bmissing\b|\bleft out\b|\bomitted\b|\bnot (?:given|provided|sent)\b"#, m) where free(r.range) && !accepted(r.range) { add(.missing, r.range) }
        for r in all(#"\bempty\b|\bblank\b|\bleft empty\b|\bnothing (?:is )?(?:typed|entered)\b"#, m) where free(r.range) && !accepted(r.range) { add(.empty, r.range) }
        for r in all(#"\b(?:not|isn't|isnt|aren't|arent|is not|are not)\s+(?:an?\s+)?(?:valid\s+|real\s+|proper\s+)?(?:number|numeric|numerical)s?\b|\bnon-?numeric(?:al)?\b|\bnon-?numbers?\b"#, m) where free(r.range) {
            add(.notANumber, r.range)
        }
        for r in all(#"\bnegative\b"#, m) where free(r.range) && !accepted(r.range) { add(.negative, r.range) }
        for r in all(#"(?<!non-)(?<!non)\bpositive\b"#, m) where free(r.range) && !accepted(r.range) { add(.below(0, orEqual: true), r.range) }
        for r in all(#"\bzero\b|(?:\b(?:is|equals?|or|be)\s+|,\s*)0\b(?![.\d])"#, m) where free(r.range) && !accepted(r.range) { add(.zero, r.range) }
        // an integer asked for, in any of the usual words for one (whole, integer) or by denying decimals
        for r in all(#"\b(?:whole numbers?|integers?|whole)\b|\bno (?:decimals|fractions)\b|\b(?:decimals?|fractions?|fractional (?:numbers|values))\s+(?:are|is)\s+(?:not (?:allowed|accepted|valid)|invalid|rejected)"#, m) where free(r.range) {
            let before = ns.substring(to: r.range.location)
            if before.range(of: #"\b(?:need not|needn't|doesn't have to|does not have to|don't have to|do not have to|not necessarily|no need to)\s+(?:\w+\s+){0,2}$"#, options: [.regularExpression, .caseInsensitive]) != nil { continue }
            let after = ns.substring(from: r.range.location + r.range.length)
            if after.range(of: #"^\s*or\s+(?:a\s+)?decimal"#, options: [.regularExpression, .caseInsensitive]) != nil { continue }
            add(.notWhole, r.range)
        }
        let rank: (Invalid) -> Int = { k in
            switch k {
            case .missing: return 0
            case .empty: return 1
            case .notANumber: return 2
            case .negative: return 3
            case .zero: return 4
            case .below: return 5
            case .above: return 6
            case .notWhole: return 7
            }
        }
        return out.enumerated().sorted { (rank($0.element.kind), $0.offset) < (rank($1.element.kind), $1.offset) }.map(\.element)
    }

    /// Whether the words before `at` (in its statement) say what is invalid: "if", "invalid", "must not".
    static func invalidContext(_ masked: NSString, before at: Int) -> Bool {
        let prefix = masked.substring(to: at).lowercased()
        return prefix.range(of: #"\b(?:if|when|whenever|invalid|bad|wrong|error|rejected|not allowed|must not|mustn't|cannot|can't|may not|should not|shouldn't|never)\b"#, options: .regularExpression) != nil
    }

    // MARK: accepted values

    /// Values `text` says are accepted, with the name written before them when there is one:
    /// "a width of 0 is allowed", "a depth of 0 works too", "fractions such as 0.5 are accepted",
    /// "zero is fine too". Not when the clause denies it ("0 is not allowed", "0 isn't valid").
    static func acceptedValues(_ text: String) -> [(name: String?, value: String, range: NSRange)] {
        let m = masked(text)
        let ns = m as NSString
        let value = #"(-?\d+(?:\.\d+)?|zero)\b(?!\.\d)"#
        let accept = #"(?:also\s+|still\s+|perfectly\s+|just\s+)?(?:allowed|valid|accepted|acceptable|fine|ok|okay|permitted|supported|works?|handled)\b"#
        let words = #"(?:\s*\([^)]*\))?(?:\s+[\w']+){0,3}?\s+"#
        let patterns = [
            #"\b([A-Za-z_]\w*)\s+(?:of|=|:)\s*"# + value + words + accept,                       // "a width of 0 is allowed"
            #"\b(?:such as|like|e_g_|for example|including)()\s+"# + value + words + accept,       // "such as 0.5 are allowed"
            #"(?:^|[\s(,;:])()"# + value + #"(?:\s*\([^)]*\))?\s+(?:is|are)\s+"# + accept,           // "zero is fine"
        ]
        var out: [(String?, String, NSRange)] = []
        // "204 (200 is also fine)" accepts a status, not a value
        let statuses = statusGroups(m)
        for p in patterns {
            for r in all(p, m) {
                if statuses.contains(where: { NSIntersectionRange($0.range, r.range(at: 2)).length > 0 }) { continue }
                let clause = ns.substring(with: r.range).lowercased()
                if clause.range(of: #"\b(?:not|never|no longer)\b|n't\b"#, options: .regularExpression) != nil { continue }
                if out.contains(where: { NSLocationInRange(r.range(at: 2).location, $0.2) }) { continue }
                var v = ns.substring(with: r.range(at: 2))
                if v.lowercased() == "zero" { v = "0" }
                let name = r.range(at: 1).length > 0 ? ns.substring(with: r.range(at: 1)) : nil
                out.append((name, v, r.range))
            }
        }
        return out.sorted { $0.2.location < $1.2.location }
    }

    /// Kinds of number `text` says are accepted, each as a value to send: "decimals and negatives
    /// allowed", "negative numbers are fine", "it accepts fractions" give "2.5" and "-3". Not in a
    /// sentence that denies or refuses anything ("negatives are not allowed", "reject negatives,
    /// decimals are fine", "negative input gets an error"), nor for a count of decimals ("rounded to
    /// one decimal is fine", "the decimals").
    static func acceptedKinds(_ text: String) -> [(value: String, range: NSRange)] {
        let m = masked(text)
        let ns = m as NSString
        let kind = #"(?<!\bto )(?<!\bthe )(?<!\bof )(?<!\bone )(?<!\btwo )(?<!\bthree )(?<!\bfour )(?<![\d] )(?:decimals?|decimal (?:numbers?|values?)|fractions?|fractional (?:numbers?|values?)|negatives?|negative (?:numbers?|values?))"#
        let kinds = kind + #"(?:\s*(?:and|or|&|/)\s*"# + kind + #")*"#
        let accept = #"(?:allowed|accepted|acceptable|fine|ok|okay|valid|welcome|supported|permitted)\b"#
        let patterns = [
            #"\b"# + kinds + #"(?:\s+(?:are|is))?(?:\s+(?:also|too|both))?\s+"# + accept,   // "decimals and negatives (are) allowed"
            #"\b(?:allows?|accepts?|supports?)\s+(?:both\s+)?"# + kinds,                        // "it accepts fractions"
        ]
        let denial = #"\b(?:not|no|nor|neither|never|only|except|reject\w*|refus\w*|invalid|errors?|[45]\d\d)\b|n't\b"#
        var out: [(String, NSRange)] = []
        for p in patterns {
            for r in all(p, m) {
                let clause = ns.substring(with: r.range).lowercased()
                guard let sentence = sentence(at: r.range, in: m),
                      ns.substring(with: sentence).range(of: denial, options: [.regularExpression, .caseInsensitive]) == nil else { continue }
                if clause.range(of: #"\b(?:decimal|fraction)"#, options: .regularExpression) != nil, !out.contains(where: { $0.0 == "2.5" }) { out.append(("2.5", r.range)) }
                if clause.range(of: #"\bnegative"#, options: .regularExpression) != nil, !out.contains(where: { $0.0 == "-3" }) { out.append(("-3", r.range)) }
            }
        }
        return out.map { (value: $0.0, range: $0.1) }
    }
}
