import Foundation

/// An error answered with an OpenAI-style body: `{"error": {"message", "type", "param", "code"}}`.
/// The message says what was wrong and how to fix it.
public struct OpenAIError: Error, Sendable, CustomStringConvertible {
    public var status: Int
    public var message: String
    public var type: String
    public var param: String?
    public var code: String?

    public init(status: Int, message: String, type: String, param: String? = nil, code: String? = nil) {
        self.status = status; self.message = message; self.type = type; self.param = param; self.code = code
    }

    public var description: String { message }

    static func invalid(_ message: String, param: String? = nil, code: String? = nil) -> OpenAIError {
        OpenAIError(status: 400, message: message, type: "invalid_request_error", param: param, code: code)
    }

    static func unsupported(_ param: String, _ fix: String) -> OpenAIError {
        invalid("'\(param)' is not supported by deepcoder serve; \(fix)", param: param, code: "unsupported_parameter")
    }

    static let unauthorized = OpenAIError(
        status: 401, message: "missing or wrong API key: send the key deepcoder serve was started with (--api-key) "
            + "as 'Authorization: Bearer KEY'", type: "invalid_request_error", code: "invalid_api_key")

    /// The body as JSON text.
    var body: String {
        struct Body: Encodable {
            struct Inner: Encodable { let message: String; let type: String; let param: String?; let code: String? }
            let error: Inner
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(Body(error: .init(message: message, type: type, param: param, code: code)))) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
