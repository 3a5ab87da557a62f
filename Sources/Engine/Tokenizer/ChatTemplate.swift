// Chat prompt formatting. deepcoder does not run Jinja: it recognises the model's
// tokenizer.chat_template and renders the equivalent format natively. Two formats are known:
// ChatML (<|im_start|>role\ncontent<|im_end|>\n), whose default system prompt is read from the
// template text itself (the literal system block the template emits when the conversation has no
// system message), and DeepSeek-V2's (DeepSeek-Coder-V2), as llama.cpp's "deepseek2" format.

public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable, Equatable {
        case system, user, assistant
    }

    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }

    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: .system, content: content) }
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: .user, content: content) }
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(role: .assistant, content: content) }
}

public enum ChatTemplateError: Error, CustomStringConvertible, Equatable {
    case missing
    case unknown(excerpt: String)

    public var description: String {
        switch self {
        case .missing:
            return "the model has no chat template (tokenizer.chat_template); use --raw to pass the prompt as is"
        case .unknown(let excerpt):
            return "the model's chat template (\"\(excerpt)…\") is not a chat template deepcoder knows (ChatML, DeepSeek-V2); use --raw to pass the prompt as is"
        }
    }
}

public enum ChatTemplate: Sendable, Equatable {
    /// `<|im_start|>role\ncontent<|im_end|>\n`; the generation prompt is `<|im_start|>assistant\n`.
    /// `defaultSystemPrompt` is inserted when the conversation does not start with a system message.
    case chatML(defaultSystemPrompt: String?)
    /// DeepSeek-V2 / DeepSeek-Coder-V2: `system\n\n`, `User: …\n\n`, `Assistant: …<｜end▁of▁sentence｜>`;
    /// the generation prompt is `Assistant:` (llama.cpp's LLM_CHAT_TEMPLATE_DEEPSEEK_2, recognised as it
    /// recognises it). The BOS token comes from the tokenizer (add_bos_token), not from the text.
    case deepseek2

    static let imStart = "<|im_start|>"
    static let imEnd = "<|im_end|>"
    static let deepseekEndOfSentence = "<｜end▁of▁sentence｜>"

    /// Recognises the format of a GGUF `tokenizer.chat_template`.
    public static func detect(_ template: String?) throws -> ChatTemplate {
        guard let template, !template.isEmpty else { throw ChatTemplateError.missing }
        if !template.contains(imStart) && template.contains("'Assistant: ' + message['content'] + eos_token") {
            return .deepseek2
        }
        guard template.contains(imStart), template.contains(imEnd) else {
            let flat = String(template.unicodeScalars.prefix(60).map { $0 == "\n" ? " " : Character($0) })
            throw ChatTemplateError.unknown(excerpt: flat)
        }
        return .chatML(defaultSystemPrompt: defaultSystemPrompt(in: template))
    }

    /// Strings that end the assistant's turn when they appear in generated text.
    public var stopStrings: [String] {
        switch self {
        case .chatML: return [Self.imEnd]
        case .deepseek2: return [Self.deepseekEndOfSentence]
        }
    }

    public var defaultSystemPrompt: String? {
        switch self {
        case .chatML(let prompt): return prompt
        case .deepseek2: return nil
        }
    }

    /// Renders the conversation as the template would (with add_generation_prompt).
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        switch self {
        case .chatML(let defaultSystem):
            var out = ""
            if let defaultSystem, let first = messages.first, first.role != .system {
                out += Self.imStart + "system\n" + defaultSystem + Self.imEnd + "\n"
            }
            for message in messages {
                out += Self.imStart + message.role.rawValue + "\n" + message.content + Self.imEnd + "\n"
            }
            if addGenerationPrompt {
                out += Self.imStart + "assistant\n"
            }
            return out
        case .deepseek2:
            var out = ""
            for message in messages {
                switch message.role {
                case .system: out += message.content + "\n\n"
                case .user: out += "User: " + message.content + "\n\n"
                case .assistant: out += "Assistant: " + message.content + Self.deepseekEndOfSentence
                }
            }
            if addGenerationPrompt { out += "Assistant:" }
            return out
        }
    }

    /// Finds a literal `<|im_start|>system\n…<|im_end|>` inside one Jinja string literal and returns
    /// the text in between (with Jinja string escapes resolved), or nil.
    static func defaultSystemPrompt(in template: String) -> String? {
        let marker = Array((imStart + "system").unicodeScalars)
        let end = Array(imEnd.unicodeScalars)
        let scalars = Array(template.unicodeScalars)
        var i = 0
        while let at = find(marker, in: scalars, from: i) {
            i = at + marker.count
            // the newline after the role: a real newline or the escape sequence \n
            var p = i
            if p < scalars.count && scalars[p] == "\n" {
                p += 1
            } else if p + 1 < scalars.count && scalars[p] == "\\" && scalars[p + 1] == "n" {
                p += 2
            } else {
                continue
            }
            guard let close = find(end, in: scalars, from: p) else { continue }
            let raw = Array(scalars[p..<close])
            guard let text = unescapeLiteralBody(raw), !text.isEmpty else { continue }
            return text
        }
        return nil
    }

    /// Resolves escapes of a Jinja string-literal body; nil if the body leaves the literal
    /// (an unescaped quote) or contains template syntax.
    private static func unescapeLiteralBody(_ raw: [Unicode.Scalar]) -> String? {
        var out = String.UnicodeScalarView()
        var k = 0
        while k < raw.count {
            let c = raw[k]
            if c == "'" || c == "\"" { return nil }
            if c == "{" && k + 1 < raw.count && (raw[k + 1] == "{" || raw[k + 1] == "%") { return nil }
            if c == "\\" && k + 1 < raw.count {
                let e = raw[k + 1]
                switch e {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                default: out.append(e)   // \\ \' \" and anything else: the character itself
                }
                k += 2
                continue
            }
            out.append(c)
            k += 1
        }
        return String(out)
    }

    private static func find(_ needle: [Unicode.Scalar], in hay: [Unicode.Scalar], from: Int) -> Int? {
        guard !needle.isEmpty, hay.count >= needle.count, from <= hay.count - needle.count else { return nil }
        for start in from...(hay.count - needle.count) where hay[start] == needle[0] {
            var j = 1
            while j < needle.count && hay[start + j] == needle[j] { j += 1 }
            if j == needle.count { return start }
        }
        return nil
    }
}
