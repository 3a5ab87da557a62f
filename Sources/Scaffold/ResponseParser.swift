import Foundation

/// Turns a model's answer into the content of exactly one file.
///
/// Tolerant of what models write around code (fences or none, language tags, `# app.py` /
/// `File: app.py` header lines, prose before and after, a missing closing fence, several blocks);
/// strict about what it keeps: prose is never returned as the content of a code file.
public enum ResponseParser {
    public struct Block: Equatable, Sendable {
        public var info: String       // text after the opening fence, e.g. "python" or "python app.py"
        public var body: String
        public var closed: Bool
        public var headerBefore: String // the last non-empty line before the fence
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case empty
        case noCode(String)
        public var description: String {
            switch self {
            case .empty: return "the answer is empty"
            case .noCode(let why): return "no usable code in the answer: \(why)"
            }
        }
    }

    public enum Language: String, Sendable { case python, html, javascript, css, json, text }

    public static func language(forPath path: String) -> Language {
        if path.hasSuffix(".py") { return .python }
        if path.hasSuffix(".html") { return .html }
        if path.hasSuffix(".js") { return .javascript }
        if path.hasSuffix(".css") { return .css }
        if path.hasSuffix(".json") { return .json }
        return .text
    }

    static let tagAliases: [Language: Set<String>] = [
        .python: ["python", "py", "python3", "flask"],
        .html: ["html", "jinja", "jinja2", "htm", "xml", "django", "html+jinja", "htmldjango", "j2"],
        .javascript: ["javascript", "js", "jsx", "ecmascript"],
        .css: ["css"],
        .json: ["json"],
    ]

    /// All fenced blocks (``` or ~~~, three or more), an unclosed last block running to the end.
    public static func fencedBlocks(_ text: String) -> [Block] {
        let lines = text.components(separatedBy: "\n")
        var blocks: [Block] = []
        var i = 0
        var lastNonEmpty = ""
        while i < lines.count {
            let line = lines[i]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if let fence = fenceMarker(trimmed) {
                let info = String(trimmed.dropFirst(fence.count)).trimmingCharacters(in: .whitespaces)
                var body: [String] = []
                var j = i + 1
                var closed = false
                while j < lines.count {
                    let t = lines[j].trimmingCharacters(in: .whitespaces)
                    if t.hasPrefix(fence) && t.allSatisfy({ $0 == fence.first! }) { closed = true; break }
                    body.append(lines[j])
                    j += 1
                }
                blocks.append(Block(info: info, body: body.joined(separator: "\n"), closed: closed, headerBefore: lastNonEmpty))
                i = j + 1
                lastNonEmpty = ""
                continue
            }
            if !trimmed.isEmpty { lastNonEmpty = trimmed }
            i += 1
        }
        return blocks
    }

    static func fenceMarker(_ trimmed: String) -> String? {
        for ch in ["`", "~"] {
            if trimmed.hasPrefix(ch + ch + ch) {
                let n = trimmed.prefix(while: { String($0) == ch }).count
                return String(repeating: ch, count: n)
            }
        }
        return nil
    }

    static func mentions(_ text: String, path: String) -> Bool {
        let lower = text.lowercased()
        let name = (path as NSString).lastPathComponent.lowercased()
        return lower.contains(path.lowercased()) || lower.range(of: #"(^|[^\w.])"# + NSRegularExpression.escapedPattern(for: name) + #"($|[^\w])"#, options: .regularExpression) != nil
    }

    static func tagLanguage(_ info: String) -> Language? {
        let tag = info.split(whereSeparator: { $0 == " " || $0 == ":" || $0 == "{" }).first.map { $0.lowercased() } ?? ""
        if tag.isEmpty { return nil }
        for (lang, aliases) in tagAliases where aliases.contains(tag) { return lang }
        return .text
    }

    /// The content of `path` in `answer`.
    public static func extractFile(_ answer: String, path: String) throws -> String {
        let normalized = answer.replacingOccurrences(of: "\r\n", with: "\n")
        guard !normalized.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw Failure.empty }
        let lang = language(forPath: path)
        let blocks = fencedBlocks(normalized).filter { !$0.body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        var content: String
        if blocks.isEmpty {
            content = try unfenced(normalized, lang: lang)
        } else {
            content = choose(blocks, path: path, lang: lang).body
        }
        content = stripHeaderLines(content, path: path, lang: lang)
        content = trimTrailingProse(content, lang: lang)
        content = dedentIfUniform(content)
        let trimmed = content.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw Failure.noCode("the code block is empty") }
        if lang == .python, !looksLikePython(trimmed) { throw Failure.noCode("the block does not look like Python") }
        if lang == .html, !trimmed.contains("<") { throw Failure.noCode("the block has no HTML") }
        return trimmed + "\n"
    }

    static func choose(_ blocks: [Block], path: String, lang: Language) -> Block {
        if blocks.count == 1 { return blocks[0] }
        func score(_ b: Block) -> Int {
            var s = 0
            if mentions(b.info, path: path) || mentions(b.headerBefore, path: path) { s += 100 }
            let firstLine = b.body.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
            if isHeaderLine(firstLine, path: path) { s += 100 }
            if let t = tagLanguage(b.info) { if t == lang { s += 30 } else if t != .text { s -= 30 } }
            else if guessLanguage(b.body) == lang { s += 20 }
            // "Run it with:\n```bash\npython app.py\n```" names the file but is not the file
            if lang != .text && (isShellBlock(b)) { s -= 150 }
            // the complete file is usually the longest block
            s += min(20, b.body.count / 200)
            if b.closed { s += 1 }
            return s
        }
        var best = blocks[0]
        var bestScore = Int.min
        for b in blocks { let sc = score(b); if sc > bestScore { best = b; bestScore = sc } }
        return best
    }

    static let shellTags: Set<String> = ["bash", "sh", "shell", "console", "zsh", "cmd", "powershell", "bat", "terminal"]
    static let shellCommands = ["$ ", "python ", "python3 ", "pip ", "pip3 ", "flask ", "cd ", "mkdir ", "export ", "curl ", "source ", "touch ", "set ", "./"]

    /// A block of shell commands: tagged as a shell, or a few lines that all start like a command.
    static func isShellBlock(_ b: Block) -> Bool {
        let tag = b.info.split(whereSeparator: { $0 == " " || $0 == ":" || $0 == "{" }).first.map { $0.lowercased() } ?? ""
        if shellTags.contains(tag) { return true }
        let lines = b.body.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        return !lines.isEmpty && lines.count <= 6 && lines.allSatisfy { l in shellCommands.contains { l.hasPrefix($0) } }
    }

    static func guessLanguage(_ body: String) -> Language {
        let t = body.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if t.hasPrefix("<") || t.hasPrefix("{%") || t.hasPrefix("{{") { return .html }
        if t.contains("def ") || t.contains("import ") || t.contains("from flask") { return .python }
        if t.contains("function ") || t.contains("document.") || t.contains("const ") { return .javascript }
        return .text
    }

    /// `# app.py`, `File: app.py`, `**app.py**`, `<!-- templates/index.html -->`, `// static/app.js`
    static func isHeaderLine(_ line: String, path: String) -> Bool {
        let t = line.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty, t.count <= path.count + 40, mentions(t, path: path) else { return false }
        let stripped = t.replacingOccurrences(of: #"^(#+|//+|<!--|/\*|\*\*|\{#)\s*"#, with: "", options: .regularExpression)
            .replacingOccurrences(of: #"\s*(-->|\*/|\*\*|#\})\s*$"#, with: "", options: .regularExpression)
            .replacingOccurrences(of: #"^(?i)(file(name)?|path)\s*:\s*"#, with: "", options: .regularExpression)
            .trimmingCharacters(in: CharacterSet(charactersIn: " `*:"))
        let name = (path as NSString).lastPathComponent
        return stripped == path || stripped == name || stripped.hasSuffix("/" + path)
    }

    static func stripHeaderLines(_ content: String, path: String, lang: Language) -> String {
        var lines = content.components(separatedBy: "\n")
        while let first = lines.first, first.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeFirst() }
        // a header line that would not be valid code (or is a bare comment naming the file)
        while let first = lines.first, isHeaderLine(first, path: path) { lines.removeFirst()
            while let f = lines.first, f.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeFirst() }
        }
        return lines.joined(separator: "\n")
    }

    static func looksLikePython(_ t: String) -> Bool {
        let codeLine = t.split(separator: "\n").contains { l in
            let s = l.trimmingCharacters(in: .whitespaces)
            return s.hasPrefix("import ") || s.hasPrefix("from ") || s.hasPrefix("def ") || s.hasPrefix("class ")
                || s.hasPrefix("@") || s.range(of: #"^[A-Za-z_][\w.]*\s*=\s*\S"#, options: .regularExpression) != nil
                || s.hasPrefix("if __name__")
        }
        return codeLine
    }

    static func isPythonCodeLine(_ s: String) -> Bool {
        let t = s.trimmingCharacters(in: .whitespaces)
        if t.isEmpty { return false }
        let starts = ["import ", "from ", "def ", "class ", "@", "#", "if ", "for ", "while ", "try:", "with ", "return", "app", "print(", "\"\"\"", "'''"]
        if starts.contains(where: { t.hasPrefix($0) }) { return true }
        if t.range(of: #"^[A-Za-z_][\w.\[\]'"]*\s*(=|\+=|-=|\(|\.)"#, options: .regularExpression) != nil { return true }
        return false
    }

    /// A line of English prose: starts with a capital letter and words, contains spaces, and is not code.
    static func isProseLine(_ s: String, lang: Language) -> Bool {
        let t = s.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty else { return false }
        if lang == .python && isPythonCodeLine(t) { return false }
        if t.hasPrefix("<") || t.hasPrefix("{%") || t.hasPrefix("{{") || t.hasPrefix("}") || t.hasPrefix(")") { return false }
        if t.hasPrefix("- ") || t.hasPrefix("* ") || t.range(of: #"^\d+\.\s"#, options: .regularExpression) != nil { return true }
        let words = t.split(separator: " ")
        guard words.count >= 3 else { return false }
        if t.range(of: #"^[A-Z][a-z']*[,]?\s"#, options: .regularExpression) != nil,
           t.range(of: #"[;{}=()]\s*$"#, options: .regularExpression) == nil { return true }
        if t.hasPrefix("This ") || t.hasPrefix("Here") || t.hasPrefix("Note") || t.hasPrefix("You ") || t.hasPrefix("To ") { return true }
        return false
    }

    /// An answer without fences: keep the span from the first code line to the last code line.
    static func unfenced(_ text: String, lang: Language) throws -> String {
        let lines = text.components(separatedBy: "\n")
        func isCodeStart(_ l: String) -> Bool {
            let t = l.trimmingCharacters(in: .whitespaces)
            switch lang {
            case .python: return isPythonCodeLine(t)
            case .html: return t.hasPrefix("<") || t.hasPrefix("{%") || t.hasPrefix("{#")
            case .javascript: return !isProseLine(t, lang: lang) && (t.hasPrefix("function") || t.hasPrefix("const ") || t.hasPrefix("let ") || t.hasPrefix("var ") || t.hasPrefix("document") || t.hasPrefix("//") || t.hasPrefix("window") || t.hasPrefix("\"use strict") || t.hasPrefix("(") )
            case .css: return t.range(of: #"^[.#:A-Za-z*@][^{]*\{"#, options: .regularExpression) != nil || t.hasPrefix("/*")
            case .json: return t.hasPrefix("{") || t.hasPrefix("[")
            case .text: return !isProseLine(t, lang: lang)
            }
        }
        guard let start = lines.firstIndex(where: isCodeStart) else { throw Failure.noCode("no code line found") }
        var end = lines.count - 1
        if lang == .html {
            if let close = lines.lastIndex(where: { $0.lowercased().contains("</html>") }) { end = close }
            else if let last = lines.lastIndex(where: { let t = $0.trimmingCharacters(in: .whitespaces); return t.hasPrefix("<") || t.hasPrefix("{%") || t.hasSuffix(">") }) { end = last }
        }
        return lines[start...max(start, end)].joined(separator: "\n")
    }

    /// Drops prose after the code (the "This code does …" paragraph models add).
    static func trimTrailingProse(_ content: String, lang: Language) -> String {
        var lines = content.components(separatedBy: "\n")
        if lang == .html, let close = lines.lastIndex(where: { $0.lowercased().contains("</html>") }) {
            lines = Array(lines[...close])
        }
        while let last = lines.last {
            let t = last.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { lines.removeLast(); continue }
            // only unindented prose lines are dropped from the end
            if last.first != " " && last.first != "\t" && isProseLine(t, lang: lang) && !(lang == .python && t.hasPrefix("#")) {
                lines.removeLast(); continue
            }
            break
        }
        return lines.joined(separator: "\n")
    }

    /// Removes indentation shared by every non-empty line (answers indented as a list item).
    static func dedentIfUniform(_ content: String) -> String {
        let lines = content.components(separatedBy: "\n")
        let indents = lines.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map { $0.prefix(while: { $0 == " " }).count }
        guard let m = indents.min(), m > 0 else { return content }
        return lines.map { $0.count >= m ? String($0.dropFirst(m)) : $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "\n")
    }
}
