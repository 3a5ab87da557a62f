import Foundation

/// A remote backend problem the user can act on (the CLI exits 3 with it). Its text never holds the API key.
public struct BackendError: Error, CustomStringConvertible {
    public let message: String
    /// An HTTP status, when the server answered with one.
    public let status: Int?
    public init(_ message: String, status: Int? = nil) { self.message = message; self.status = status }
    public var description: String { message }
}
