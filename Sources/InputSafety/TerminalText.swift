/// Text that came from a model or a repository (file names, commit subjects, check summaries), made safe
/// to print: control characters and bidirectional overrides are shown as escapes (`\n`, `\t`, `\r`,
/// `\u{1B}`), so they can neither move the cursor nor recolour, retitle or clear the terminal.
public enum TerminalText {
    /// C0 controls, DEL and C1 controls.
    public static func isControl(_ u: Unicode.Scalar) -> Bool { u.value < 0x20 || (0x7F...0x9F).contains(u.value) }

    /// Characters that reorder the text around them (`U+202E` and friends).
    static func isBidiOverride(_ u: Unicode.Scalar) -> Bool { (0x202A...0x202E).contains(u.value) || (0x2066...0x2069).contains(u.value) }

    /// `text` as one value: every control character escaped, line breaks and tabs included.
    public static func escaped(_ text: String) -> String { escape(text, keepingLines: false) }

    /// `text` as lines: control characters escaped except line breaks and tabs.
    public static func escapedLines(_ text: String) -> String { escape(text, keepingLines: true) }

    static func escape(_ text: String, keepingLines: Bool) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) || isBidiOverride($0) }) else { return text }
        var out = String.UnicodeScalarView()
        for u in text.unicodeScalars {
            if keepingLines && (u == "\n" || u == "\t") { out.append(u); continue }
            guard isControl(u) || isBidiOverride(u) else { out.append(u); continue }
            let shown: String
            switch u {
            case "\n": shown = "\\n"
            case "\t": shown = "\\t"
            case "\r": shown = "\\r"
            default: shown = "\\u{" + String(u.value, radix: 16, uppercase: true) + "}"
            }
            out.append(contentsOf: shown.unicodeScalars)
        }
        return String(out)
    }

    /// JSON text with the controls JSON encoders leave raw (DEL, C1, bidirectional overrides) written as
    /// `\uXXXX`; these occur only inside strings, so the JSON stays valid and means the same.
    public static func escapedJSON(_ json: String) -> String {
        guard json.unicodeScalars.contains(where: { isControl($0) || isBidiOverride($0) }) else { return json }
        var out = String.UnicodeScalarView()
        for u in json.unicodeScalars {
            if (u.value >= 0x7F && isControl(u)) || isBidiOverride(u) {
                let hex = String(u.value, radix: 16)
                out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).unicodeScalars)
            } else {
                out.append(u)
            }
        }
        return String(out)
    }
}
