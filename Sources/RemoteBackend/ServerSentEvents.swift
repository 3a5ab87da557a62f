import Foundation

/// Splits a `text/event-stream` body into the `data:` payloads of its events, as bytes arrive.
/// Follows the SSE format as OpenAI-compatible servers send it: lines ending in LF or CRLF, an event
/// ending at a blank line, several `data:` lines of one event joined with a newline, comments (`:`) skipped.
struct ServerSentEvents {
    private var buffer: [UInt8] = []
    private var data: [String] = []

    /// Feeds bytes; returns the payloads of the events they complete.
    mutating func append(_ bytes: some Sequence<UInt8>) -> [String] {
        buffer.append(contentsOf: bytes)
        var events: [String] = []
        while let nl = buffer.firstIndex(of: 0x0A) {
            var line = Array(buffer[..<nl])
            buffer.removeSubrange(...nl)
            if line.last == 0x0D { line.removeLast() }
            if line.isEmpty {
                if !data.isEmpty { events.append(data.joined(separator: "\n")); data = [] }
                continue
            }
            let text = String(decoding: line, as: UTF8.self)
            if text.hasPrefix("data:") {
                var value = text.dropFirst(5)
                if value.first == " " { value = value.dropFirst() }
                data.append(String(value))
            }
        }
        return events
    }

    /// The payload of an event the stream ended without a blank line after.
    mutating func finish() -> [String] {
        var events = append([0x0A])
        if !data.isEmpty { events.append(data.joined(separator: "\n")); data = [] }
        return events
    }
}
