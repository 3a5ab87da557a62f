/// An error reading a GGUF file: says which file and what is wrong, on one line.
public struct GGUFError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    /// "FILE: REASON", with control characters (a newline in a corrupt file's names, say) escaped so the
    /// message stays one line.
    public var description: String { Self.escapingControlCharacters("\(file): \(reason)") }

    /// A string read from the file (a key, a tensor name, an architecture) as an error message shows it:
    /// control characters escaped and at most `limit` characters, so a corrupt name can neither break the
    /// message into lines nor make it megabytes long.
    public static func quoted(_ s: String, limit: Int = 80) -> String {
        let escaped = escapingControlCharacters(s)
        return escaped.count > limit ? String(escaped.prefix(limit)) + "…" : escaped
    }

    static func escapingControlCharacters(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: isControl) else { return s }
        var out = ""
        for scalar in s.unicodeScalars {
            if isControl(scalar) {
                out += scalar.escaped(asASCII: true)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func isControl(_ c: Unicode.Scalar) -> Bool {
        c.value < 0x20 || (0x7F...0x9F).contains(c.value) || c == "\u{2028}" || c == "\u{2029}"
    }
}
