import Foundation

/// One use of a JavaScript page the description states an outcome for: type `inputs` into the
/// elements with those ids, click `click`, then the elements must show `shows` and must not show
/// `hides` (texts compared case-insensitively; the id "*" means any element with an id). Checked by
/// verification's `javascript` check, which runs the page's scripts in node against a small DOM
/// (`Templates/tools/page_sim.js`).
public struct PageCheck: Sendable, Codable, Equatable {
    public var inputs: [String: String]
    public var click: String
    public var shows: [String: [String]]
    public var hides: [String: [String]]
    /// The description's sentence this check comes from.
    public var source: String
    /// The project file to blame when the check fails.
    public var file: String
    /// Elements of which at least one must show some text after the click.
    public var filled: [String] = []
    /// The page may (and should) ask the app: its GET requests are answered by the app itself.
    public var allowsRequests = false
    /// Inputs the page treats as invalid: after the click, the page must not show the same text as
    /// it shows for these (a valid value answered with the invalid-input message).
    public var unlike: [String: String]? = nil
    /// Inputs typed and clicked first (with the server up), so that the page shows an answer before the use.
    public var before: [String: String]? = nil
    /// The use is made with the server down: every request the page sends fails.
    public var offline: Bool? = nil
    /// Elements that must show nothing (or be hidden) after the use.
    public var empty: [String]? = nil

    public init(inputs: [String: String], click: String, shows: [String: [String]] = [:], hides: [String: [String]] = [:],
                source: String, file: String, filled: [String] = [], allowsRequests: Bool = false, unlike: [String: String]? = nil,
                before: [String: String]? = nil, offline: Bool? = nil, empty: [String]? = nil) {
        self.inputs = inputs; self.click = click; self.shows = shows; self.hides = hides; self.source = source; self.file = file
        self.filled = filled; self.allowsRequests = allowsRequests; self.unlike = unlike
        self.before = before; self.offline = offline; self.empty = empty
    }

    /// "typing hours="8", then clicking #pay → the page shows "100.00", #wage does not show "Check the numbers"", for prompts.
    public var expectation: String {
        var parts: [String] = []
        for (id, texts) in shows.sorted(by: { $0.key < $1.key }) {
            parts += texts.map { (id == "*" ? "the page shows" : "#\(id) shows") + " \"\($0)\"" }
        }
        for (id, texts) in hides.sorted(by: { $0.key < $1.key }) where id != "*" {
            parts += texts.map { "#\(id) does not show \"\($0)\"" }
        }
        if !filled.isEmpty { parts.append(filled.map { "#\($0)" }.joined(separator: " or ") + " shows the result") }
        if let empty, !empty.isEmpty { parts.append(empty.map { "#\($0)" }.joined(separator: " and ") + " show nothing") }
        if let unlike { parts.append("the page does not show what it shows for " + unlike.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ", ")) }
        return "\(label) → " + parts.joined(separator: ", ")
    }

    /// `hours="8", hourly-rate="12.5", then click #pay`
    public var label: String {
        func typing(_ values: [String: String]) -> String {
            let typed = values.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ", ")
            return (typed.isEmpty ? "" : "typing \(typed), then ") + "clicking #\(click)"
        }
        return (before.map { "after " + typing($0) + ", " } ?? "") + typing(inputs) + (offline == true ? " with the server down" : "")
    }
}

/// Reads page checks from a description that pins a page's elements (`<input id="hours">`,
/// `<button id="pay">`) and states what clicking does: a worked example ("for example 8 hours at
/// hourly rate 12.5 should give 100.00", "e.g. hours 8, hourly rate 12.5 -> 100.00") and the inputs it
/// calls invalid ("if the hours are empty or more than 80, put the text "Check the numbers" in
/// #wage"). As with `BehaviourRules`, only what the rules read with confidence becomes a check; a
/// page description they cannot read gives none.
public enum PageRules {
    struct PinnedElement { var tag: String; var id: String }

    static func matches(_ pattern: String, _ text: String, _ options: NSRegularExpression.Options = [.caseInsensitive]) -> [[String?]] {
        PinnedFacts.matches(pattern, in: text, options: options)
    }

    static func elements(_ description: String) -> [PinnedElement] {
        var seen = Set<String>()
        return matches(#"<(input|button|select|textarea)\b[^>]*?\bid\s*=\s*["']([A-Za-z][\w-]*)["']"#, description).compactMap { m in
            guard let tag = m[1]?.lowercased(), let id = m[2], seen.insert(id).inserted else { return nil }
            return PinnedElement(tag: tag, id: id)
        }
    }

    /// The tag the description writes for each element it shows results in (`<table id="rows">`,
    /// `<ul id="items">`), by id; elements it names without a tag ("an element with id=…") are absent.
    static func outputTags(_ description: String) -> [String: String] {
        let containers: Set<String> = ["table", "ul", "ol", "p", "span", "div", "pre", "output", "section", "strong", "h2", "h3"]
        var out: [String: String] = [:]
        for m in matches(#"<([A-Za-z][A-Za-z0-9]*)\b[^>]*?\bid\s*=\s*["']([A-Za-z][\w-]*)["']"#, description) {
            guard let tag = m[1]?.lowercased(), let id = m[2], containers.contains(tag), out[id] == nil else { continue }
            out[id] = tag
        }
        return out
    }

    /// The words a description uses for an input: "hourly-rate" → ["hourly rate", "hourly"].
    static func names(_ id: String) -> [String] {
        var spaced = id.replacingOccurrences(of: #"([a-z])([A-Z])"#, with: "$1 $2", options: .regularExpression)
        spaced = spaced.replacingOccurrences(of: #"[-_]+"#, with: " ", options: .regularExpression).lowercased()
        let first = spaced.split(separator: " ").first.map(String.init) ?? spaced
        return first == spaced ? [spaced] : [spaced, first]
    }

    /// Where an input is first named in `text` (its full name preferred), as a character offset.
    static func position(of id: String, in text: String) -> Int? {
        let lower = text.lowercased() as NSString
        for name in names(id) {
            let r = lower.range(of: #"\b"# + NSRegularExpression.escapedPattern(for: name) + #"\b"#, options: .regularExpression)
            if r.location != NSNotFound { return r.location }
        }
        return nil
    }

    /// What the words of `segment` call invalid (see `StatementReader.conditions`), each with a value
    /// that is invalid that way, as typed text ("" for missing and empty alike).
    static func invalidValues(_ segment: String) -> [(kind: StatementReader.Invalid, value: String)] {
        var seen = Set<String>()
        return StatementReader.conditions(segment).compactMap { c in
            let value = c.kind.sample(negative: "-5") ?? ""
            return seen.insert(value).inserted ? (c.kind, value) : nil
        }
    }

    /// Negative values are invalid, zero is not said to be: 0 is a valid value.
    static func zeroIsValid(_ segment: String) -> Bool {
        let conditions = StatementReader.conditions(segment).map(\.kind)
        let drawsLineAtZero = conditions.contains { k in
            if case .negative = k { return true }
            if case .below(0, false) = k { return true }
            return false
        }
        return drawsLineAtZero && !conditions.contains { $0.rejects(0) }
    }

    struct InvalidStatement {
        var line: String
        /// The message the page must show, and the element it shows it in ("*": anywhere).
        var word: String
        var target: String
        /// Each input's own part of the line (from where it is named to where the next input is).
        var segments: [(id: String, text: String)]
    }

    /// Lines that state what the page shows for invalid input: a message (see
    /// `StatementReader.messages`; the first one the line does not forbid) and what is invalid for
    /// the inputs it names. A line about the server (an endpoint, a status, a request) states what
    /// the server answers, not what the page checks; with one input the line must name it (or
    /// speak of "the box", "the field", "the value", …).
    static func invalidStatements(_ lines: [String], inputs: [String], buttons: [String]) -> [InvalidStatement] {
        var out: [InvalidStatement] = []
        for line in lines {
            guard let word = StatementReader.messages(line).first(where: { !$0.negated })?.text else { continue }
            let masked = StatementReader.masked(line)
            if masked.range(of: #"\b(?:endpoint|server|status|request|requests|api|json|route)\b|(?:^|\s)/[a-z]"#, options: [.regularExpression, .caseInsensitive]) != nil
                || !StatementReader.statusGroups(masked).isEmpty { continue }
            // the element the message's own sentence names, else the first the line names
            func mentioned(_ text: String) -> [String] {
                matches(#"#([A-Za-z][\w-]*)|\bid\s*=\s*["']([A-Za-z][\w-]*)["']"#, text).compactMap { $0[1] ?? $0[2] }
            }
            let sentence = line.components(separatedBy: CharacterSet(charactersIn: ".;\n")).first { $0.contains(word) } ?? line
            let target = (mentioned(sentence) + mentioned(line)).first { !inputs.contains($0) && !buttons.contains($0) } ?? "*"
            let located = inputs.compactMap { id in position(of: id, in: line).map { (id, $0) } }.sorted { $0.1 < $1.1 }
            var segments: [(id: String, text: String)] = []
            if inputs.count == 1 {
                guard !located.isEmpty || masked.range(of: #"\b(?:box|field|input|value|entry|number|it)\b"#, options: [.regularExpression, .caseInsensitive]) != nil else { continue }
                segments = [(inputs[0], line)]
            } else {
                let ns = line as NSString
                for (i, (id, start)) in located.enumerated() {
                    let end = i + 1 < located.count ? located[i + 1].1 : ns.length
                    segments.append((id, ns.substring(with: NSRange(location: start, length: end - start))))
                }
            }
            guard segments.contains(where: { !invalidValues($0.text).isEmpty }) else { continue }
            out.append(InvalidStatement(line: line, word: word, target: target, segments: segments))
        }
        return out
    }

    /// What the description calls invalid for each input, as a JavaScript condition on the number
    /// the input holds (`x` stands for it; empty and non-numbers are NaN): `!Number.isFinite(x) || x < 0`.
    public struct Validation: Sendable, Equatable {
        public var conditions: [(id: String, condition: String)]
        public var message: String
        public var target: String
        public var source: String
        public static func == (a: Validation, b: Validation) -> Bool {
            a.conditions.map { "\($0.id)=\($0.condition)" } == b.conditions.map { "\($0.id)=\($0.condition)" }
                && a.message == b.message && a.target == b.target && a.source == b.source
        }
    }

    /// nil unless the description pins the inputs, names an element for the message, and says
    /// what is invalid for every input.
    public static func validation(for spec: ProjectSpec) -> Validation? {
        let pinned = elements(spec.description)
        let inputs = pinned.filter { $0.tag == "input" }.map(\.id)
        let buttons = pinned.filter { $0.tag == "button" }.map(\.id)
        guard !inputs.isEmpty, !buttons.isEmpty, inputs.count == pinned.count - buttons.count else { return nil }
        guard let statement = invalidStatements(BehaviourRules.units(spec.description), inputs: inputs, buttons: buttons).first,
              statement.target != "*", Set(statement.segments.map(\.id)) == Set(inputs) else { return nil }
        var conditions: [(String, String)] = []
        for id in inputs {
            let segment = statement.segments.first { $0.id == id }!.text
            var parts = ["!Number.isFinite(x)"]
            for c in StatementReader.conditions(segment) {
                if let js = c.kind.javaScript, !parts.contains(js) { parts.append(js) }
            }
            conditions.append((id, parts.joined(separator: " || ")))
        }
        return Validation(conditions: conditions, message: statement.word, target: statement.target, source: statement.line)
    }

    /// The values a worked example gives the inputs: the number written right after an input's name
    /// ("hours 8", "hours = 8", "rate: 12.5"), else right before it ("8 hours", "15% off"); with one
    /// input, the only number given.
    static func exampleValues(_ given: String, inputs: [String]) -> [String: String] {
        let number = #"(-?\d+(?:\.\d+)?)"#
        var values: [String: String] = [:]
        var used = Set<Int>()
        let ns = given as NSString
        for id in inputs {
            for name in names(id) {
                let p = #"\b"# + NSRegularExpression.escapedPattern(for: name) + #"\b\s*(?:of|=|:|is|as|at)?\s*"# + number + #"\b"#
                if let r = PinnedFacts.ranges(p, in: given, group: 1).first(where: { !used.contains($0.location) }) {
                    values[id] = ns.substring(with: r); used.insert(r.location); break
                }
            }
        }
        for id in inputs where values[id] == nil {
            for name in names(id) {
                let p = number + #"\s*%?\s*(?:(?:for|as)\s+(?:the\s+)?)?"# + NSRegularExpression.escapedPattern(for: name) + #"\b"#
                if let r = PinnedFacts.ranges(p, in: given, group: 1).first(where: { !used.contains($0.location) }) {
                    values[id] = ns.substring(with: r); used.insert(r.location); break
                }
            }
        }
        if inputs.count == 1, values.isEmpty {
            let all = PinnedFacts.ranges(#"(?<![\w.])"# + number + #"(?![\w.]*\d)"#, in: given, group: 1)
            if all.count == 1 { values[inputs[0]] = ns.substring(with: all[0]) }
        }
        return values
    }

    public static func checks(for spec: ProjectSpec, plan: ProjectPlan) -> [PageCheck] {
        guard plan.kind == .singleFile || plan.kind == .jinjaPages, spec.pinned.wantsJavaScript else { return [] }
        let description = spec.description
        let pinned = elements(description)
        let inputs = pinned.filter { $0.tag != "button" }.map(\.id)
        let buttons = pinned.filter { $0.tag == "button" }.map(\.id)
        guard !inputs.isEmpty, let click = buttons.first else { return [] }
        let file = plan.kind == .singleFile ? AppSkeleton.pagePath : (plan.pages.first ?? "templates/index.html")
        let lines = BehaviourRules.units(description)
        let never = ["NaN", "Infinity", "undefined"]
        var out: [PageCheck] = []

        // the worked example: "for example hours 8 gives 100.00", "e.g. 8 hours gives …", "… should give …"
        var example: [String: String] = [:]
        var exampleLine: String?
        for line in lines {
            guard let m = matches(#"(?:e\.g\.|\bexample\b|\bfor instance\b|\bsuch as\b)[:,]?\s*(.*?)\s+(?:(?:should|must|will|would)\s+)?(?:gives|give|returns|return|shows|show|yields|yield|results in|result in|displays|display|produces|produce|outputs|output|comes out as|becomes|turns into|->|→|=>)\s+(.*?)(?:\(|\.\s|\.$|;|$)"#, line).first,
                  let given = m[1], let result = m[2] else { continue }
            let values = exampleValues(given, inputs: inputs)
            let expected = matches(#"-?\d[\d,]*(?:\.\d+)?"#, result).compactMap { $0[0] }
            guard values.count == inputs.count, !expected.isEmpty else { continue }
            example = values
            exampleLine = line
            out.append(PageCheck(inputs: values, click: click, shows: ["*": expected], hides: ["*": never], source: line, file: file))
            break
        }

        // invalid inputs: "… put the text "Check the numbers" in #wage"
        for statement in invalidStatements(lines, inputs: inputs, buttons: buttons) {
            let (line, word, target, segments) = (statement.line, statement.word, statement.target, statement.segments)
            if inputs.count > 1 && example.isEmpty { continue }  // the other inputs need valid values
            var added = false
            for (id, segment) in segments {
                for (_, value) in invalidValues(segment) {
                    var typed = example
                    typed[id] = value
                    out.append(PageCheck(inputs: typed, click: click, shows: [target: [word]], hides: ["*": never], source: line, file: file))
                    added = true
                }
                // zero is valid when only negatives are called invalid, unless the description says otherwise about this input
                let elsewhere = lines.filter { $0 != line && position(of: id, in: $0) != nil }.joined(separator: " ")
                if zeroIsValid(segment), elsewhere.lowercased().range(of: #"\bpositive\b|(?:greater|more) than (?:0|zero)|\babove (?:0|zero)\b|\bnon-?zero\b"#, options: .regularExpression) == nil {
                    var typed = example
                    typed[id] = "0"
                    out.append(PageCheck(inputs: typed, click: click, hides: [target: [word], "*": never], source: line, file: file))
                }
            }
            // a valid example must not show the message
            if added, let exampleLine, let i = out.firstIndex(where: { $0.source == exampleLine }) {
                out[i].hides[target, default: []].append(word)
            }
        }
        return out
    }
    /// Values the description never calls invalid must get a result. With one numeric input whose
    /// worked example the checks know, and a description that says which values are invalid (empty,
    /// not a number, …) without rejecting zero or negatives, typing 0 and the example's negative
    /// must not give the page's answer to a non-number (anything else may be shown). A page that
    /// refuses `x <= 0` with its one message when only non-numeric input is invalid fails here.
    public static func acceptedValueChecks(description: String, checks: [PageCheck]) -> [PageCheck] {
        guard let example = checks.first(where: { c in
            c.inputs.count == 1 && c.unlike == nil && Double(c.inputs.values.first!) != nil
                && (c.shows["*"] ?? []).contains { Double($0.replacingOccurrences(of: ",", with: "")) != nil }
        }), let (id, value) = example.inputs.first, let x = Double(value) else { return [] }
        let lines = BehaviourRules.units(description)
        let stated = lines.flatMap { StatementReader.conditions($0).map(\.kind) }
        // the description must speak of invalid input, and of nothing a number's sign or size decides
        guard let line = lines.first(where: { StatementReader.conditions($0).contains { $0.kind == .empty || $0.kind == .notANumber } }),
              stated.allSatisfy({ $0 == .empty || $0 == .notANumber || $0 == .missing }) else { return [] }
        let negative = x > 0 ? "-" + value : (x < 0 ? value : "-3")
        var out: [PageCheck] = []
        // only the answer to a non-number is ruled out: a page may still say something else of a value
        // its computation cannot take (the root of a negative number)
        for typed in ["0", negative] where typed != value && !checks.contains(where: { $0.inputs == [id: typed] }) {
            out.append(PageCheck(inputs: [id: typed], click: example.click,
                                 source: line,
                                 file: example.file, filled: example.filled, allowsRequests: example.allowsRequests,
                                 unlike: [id: "abc"]))
        }
        return out
    }

    // MARK: a page that asks the app

    /// What the description says a page that asks the app shows when the answer is not a result:
    /// the elements it empties on an error (`#items is emptied`, `clears #items`), those it empties
    /// after a successful answer (`after a successful load, #error is empty or hidden`), and what it
    /// shows when the request itself fails (the server is down): the text it quotes ("" when it quotes
    /// none). Only elements named `#id` or `id="id"` are read.
    struct RequestOutcomes {
        var emptiedOnError: [String] = []
        var errorSentence: String?
        var emptiedOnSuccess: [String] = []
        var successSentence: String?
        var unreachable: (sentence: String, text: String)?
        /// The element these sentences say shows the message (`#problem shows the error`).
        var messageOutput: String?
    }

    /// The sentences of the description's statements (`BehaviourRules.units` cut after ".", "!", "?" or
    /// ";" and a space, but not after "e.g." and the like).
    static func sentences(_ description: String) -> [String] {
        BehaviourRules.units(description).flatMap { line -> [String] in
            var out: [String] = []
            for piece in line.replacingOccurrences(of: #"([.!?;]["'”’)]*)\s+"#, with: "$1\u{1}", options: .regularExpression).components(separatedBy: "\u{1}") {
                if let last = out.last, last.range(of: #"(?:\be\.g|\bi\.e|\betc|\bvs|\bcf)\.$"#, options: [.regularExpression, .caseInsensitive]) != nil {
                    out[out.count - 1] += " " + piece
                } else {
                    out.append(piece)
                }
            }
            return out.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }

    /// An element id that says it holds a message: `error`, `errorBox`, `status-message`, `warn` (not `cherries`).
    static func namesAMessage(_ id: String) -> Bool {
        let lowered = id.prefix(1).lowercased() + id.dropFirst()
        return lowered.range(of: #"(?<![a-z])(?:err(?:or)?s?|messages?|msg|status|warn(?:ing)?s?|alerts?|notices?|problems?)(?![a-z])"#, options: .regularExpression) != nil
    }

    /// Where a page that asks the app shows an error's message: the element the description says, else
    /// one named for messages, else the first output the description does not say an error empties.
    static func messageElement(_ page: Contract.Page, _ outcomes: RequestOutcomes) -> String? {
        let ids = page.outputs.map(\.id)
        return outcomes.messageOutput ?? ids.first { namesAMessage($0) && !outcomes.emptiedOnError.contains($0) }
            ?? ids.first { !outcomes.emptiedOnError.contains($0) } ?? ids.first
    }

    /// A pattern for an element the description names by id: `#letters` or `id="letters"`.
    static func idReference(_ id: String) -> String {
        #"(?:#|\bid\s*=\s*["']?)"# + NSRegularExpression.escapedPattern(for: id) + #"(?![\w-])["']?"#
    }

    static func requestOutcomes(_ description: String, ids: [String]) -> RequestOutcomes {
        var out = RequestOutcomes()
        let failing = #"\b(?:request|fetch|call|connection|network)\b[^.;]{0,30}?\b(?:fails?|failed|errors? out)\b"#
            + #"|\bserver\b[^.;]{0,20}?\b(?:down|unreachable|offline|not running|not reachable|stopped)\b"#
            + #"|\b(?:cannot|can't|could not|couldn't|unable to)\s+(?:be\s+)?(?:reach|connect)|\bnetwork (?:error|failure|problem)"#
        for sentence in sentences(description) {
            // the sentence's words, without the ids it names (`#error` is an element, not a word of failure)
            let words = sentence.replacingOccurrences(of: #"#[A-Za-z][\w-]*|\bid\s*=\s*["']?[A-Za-z][\w-]*["']?"#, with: "", options: .regularExpression)
            func says(_ pattern: String) -> Bool { words.range(of: pattern, options: [.regularExpression, .caseInsensitive]) != nil }
            let emptied = ids.filter { id in
                let ref = idReference(id)
                return sentence.range(of: ref + #"\s+(?:is|are|gets|get|becomes|become|must be|should be|stays|is then)\s+(?:emptied|cleared|empty|blank|hidden)\b"#
                                        + #"|\b(?:empties|clears|empty|clear|hides|hide)\s+(?:the\s+)?(?:\w+\s+)?"# + ref,
                                      options: [.regularExpression, .caseInsensitive]) != nil
            }
            // "after a successful load" (not "if the request is not successful")
            if says(#"\bsuccess"#), !says(#"\b(?:not|never|un)\s*success"#) {
                if !emptied.isEmpty, out.emptiedOnSuccess.isEmpty { out.emptiedOnSuccess = emptied; out.successSentence = sentence }
                continue
            }
            // "if there is no error, #error is empty", "#error is hidden until an error occurs": not what an error does
            let failure = says(#"\berror|\bfail|\binvalid|\brefus|\bunavailable|\b(?:not|never|un)\s*success"#) && !says(#"\b(?:no|without|until|unless|before)\s+(?:an?\s+|any\s+)?(?:error|fail)"#)
            let unreachable = says(failing)
            if out.messageOutput == nil, unreachable || failure {
                // the element the sentence shows the message in; of several, one named for messages, else the last
                let named = ids.filter { id in
                    let ref = idReference(id)
                    return sentence.range(of: ref + #"\s+(?:must |should |then |will )?(?:shows?|displays?|says?|reads?|contains?|holds?|gets?)\b"#
                                            + #"|\b(?:in|into)\s+"# + ref, options: [.regularExpression, .caseInsensitive]) != nil
                        && !emptied.contains(id)
                }
                out.messageOutput = named.first(where: namesAMessage) ?? named.last
            }
            if unreachable, out.unreachable == nil {
                // the text it quotes (not an id="…" it names)
                let quoted = PinnedFacts.matches(#""([^"]{1,80})""#, in: words, options: []).compactMap { $0[1] }
                out.unreachable = (sentence, quoted.last ?? "")
            }
            if !emptied.isEmpty, out.emptiedOnError.isEmpty, unreachable || failure {
                out.emptiedOnError = emptied; out.errorSentence = sentence
            }
        }
        return out
    }

    /// The message a page shows when the server cannot be reached: the description's own (several
    /// words), or a sentence holding its word.
    static func unreachableMessage(_ stated: String?) -> String {
        let plain = "The server is unavailable. Please try again."
        guard let stated, !stated.isEmpty else { return plain }
        if stated.contains(" ") { return stated }
        return plain.range(of: stated, options: .caseInsensitive) != nil ? plain : "\(stated): the server could not be reached."
    }
}
