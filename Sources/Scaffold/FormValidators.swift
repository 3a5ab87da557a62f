import Foundation

/// The WTForms validators a description writes for its form fields, read from explicit syntax only:
/// a validator call (`Length(min=3, max=20)`, `EqualTo("password", message="…")`) or a validator
/// named as such ("the Email validator"). A validator belongs to the first planned field its clause
/// names (clauses end at ";" or a new line): "confirm must equal password, using EqualTo(…)" is about
/// confirm.
public enum FormValidators {
    /// WTForms' validator classes (wtforms.validators); only these names are read.
    static let known = ["DataRequired", "InputRequired", "Optional", "Length", "NumberRange", "EqualTo", "Email",
                        "URL", "Regexp", "AnyOf", "NoneOf", "IPAddress", "UUID", "MacAddress"]

    public static func written(in text: String, fields: [String]) -> [String: [String]] {
        var out: [String: [String]] = [:]
        let ns = text as NSString
        let names = known.joined(separator: "|")
        // a call with its arguments (one level of parentheses inside quotes is fine), or "the X validator"
        let pattern = #"\b("# + names + #")\s*\(((?:"[^"\n]*"|'[^'\n]*'|[^()"'\n])*)\)|\b("# + names + #")(?:\(\))?\s+validator\b"#
        guard let re = try? NSRegularExpression(pattern: pattern) else { return [:] }
        for m in re.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            let isCall = m.range(at: 1).location != NSNotFound
            let name = ns.substring(with: isCall ? m.range(at: 1) : m.range(at: 3))
            let args = isCall ? ns.substring(with: m.range(at: 2)).trimmingCharacters(in: .whitespaces) : ""
            // validators that need arguments are only taken as calls
            if !isCall && ["Length", "NumberRange", "EqualTo", "Regexp", "AnyOf", "NoneOf"].contains(name) { continue }
            guard let field = subject(of: m.range.location, in: ns, fields: fields) else { continue }
            if name == "EqualTo", args.contains("\"\(field)\"") || args.contains("'\(field)'") { continue }
            let call = "\(name)(\(args))"
            if !(out[field] ?? []).contains(call) { out[field, default: []].append(call) }
        }
        return out
    }

    /// The first field the clause holding `location` names.
    static func subject(of location: Int, in ns: NSString, fields: [String]) -> String? {
        let before = ns.substring(to: location)
        let cut = [before.range(of: ";", options: .backwards), before.range(of: "\n", options: .backwards)]
            .compactMap { $0?.upperBound }.max() ?? before.startIndex
        let clause = String(before[cut...])
        var best: (pos: Int, name: String)? = nil
        for f in fields {
            guard let r = clause.range(of: #"\b"# + NSRegularExpression.escapedPattern(for: f) + #"\b"#, options: [.regularExpression, .caseInsensitive]) else { continue }
            let pos = clause.distance(from: clause.startIndex, to: r.lowerBound)
            if best == nil || pos < best!.pos { best = (pos, f) }
        }
        return best?.name
    }
}
