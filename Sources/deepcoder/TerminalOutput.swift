import Foundation
import InputSafety

// What reaches the terminal from a model or a repository (file names, commit subjects and trailers,
// check summaries, progress lines) goes through these: control characters are shown as escapes,
// never sent raw.

/// One value (a file name, a subject, an instruction) as it is printed: every control character
/// escaped, line breaks included.
func shown(_ value: String) -> String { TerminalText.escaped(value) }

/// Prints `text` on standard output; line breaks and tabs stay, other control characters are escaped.
func printSafe(_ text: String) { print(TerminalText.escapedLines(text)) }

/// Writes `text` and a line break to standard error, escaped like `printSafe`.
func writeSafeLine(toStandardError text: String) {
    FileHandle.standardError.write(Data((TerminalText.escapedLines(text) + "\n").utf8))
}
