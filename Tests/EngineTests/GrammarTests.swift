import XCTest
@testable import Engine

/// GBNF parsing, the byte-level recognizer, and grammar errors.
final class GrammarTests: XCTestCase {
    private func recognizer(_ gbnf: String) throws -> GrammarRecognizer {
        try GrammarRecognizer(Grammar(gbnf: gbnf))
    }

    func testLiteralsAlternativesAndRepetition() throws {
        let r = try recognizer(#"""
        # a comment
        root ::= "yes" | "no" | num
        num ::= [1-9] [0-9]* ("." [0-9]{1,2})?
        """#)
        for ok in ["yes", "no", "7", "120", "3.5", "3.25"] { XCTAssertTrue(r.matches(ok), ok) }
        for bad in ["", "ye", "yess", "0", "3.", "3.255", "no "] { XCTAssertFalse(r.matches(bad), bad) }
        XCTAssertTrue(r.acceptsPrefix("ye"))
        XCTAssertFalse(r.acceptsPrefix("x"))
    }

    func testMultiLineRulesAndNestedGroups() throws {
        let r = try recognizer("""
        root ::=
          "[" (
            item
            ("," item)*
          )? "]"
        item ::= [a-z]+
        """)
        for ok in ["[]", "[a]", "[ab,c,def]"] { XCTAssertTrue(r.matches(ok), ok) }
        for bad in ["[", "[a,]", "[,a]", "[A]"] { XCTAssertFalse(r.matches(bad), bad) }
    }

    func testBoundedRepetitions() throws {
        let r = try recognizer(#"root ::= "a"{2} "b"{1,3} "c"{2,}"#)
        XCTAssertTrue(r.matches("aabcc"))
        XCTAssertTrue(r.matches("aabbbccccc"))
        XCTAssertFalse(r.matches("abcc"))
        XCTAssertFalse(r.matches("aabbbbcc"))
        XCTAssertFalse(r.matches("aabc"))
    }

    func testUnicodeClassesAtByteLevel() throws {
        let r = try recognizer(#"root ::= [^"\\]* "!" | [α-ω]+ | "\u00e9" | [\U0001F600-\U0001F64F]"#)
        for ok in ["héllo wörld ✓ 😀!", "!", "αβγ", "é", "😃"] { XCTAssertTrue(r.matches(ok), ok) }
        for bad in ["a\"b!", "αa", "e", "😃😃", "🙐"] { XCTAssertFalse(r.matches(bad), bad) }
        // half a character is a prefix, not a match
        let half = String(decoding: Array("é".utf8).prefix(1), as: UTF8.self)
        XCTAssertFalse(r.matches(half))
    }

    func testUTF8PatternsCoverExactlyTheRange() {
        // every scalar in and around a few ranges is matched iff it is in the range
        let ranges: [ClosedRange<UInt32>] = [0x41...0x5A, 0x7F...0x801, 0xD7F0...0xE010, 0xFFF0...0x10010]
        let patterns = UTF8Ranges.patterns(UTF8Ranges.normalize(ranges, negated: false))
        func matched(_ v: UInt32) -> Bool {
            let bytes = UTF8Ranges.encode(v)
            return patterns.contains { p in p.count == bytes.count && zip(p, bytes).allSatisfy { $0.contains($1) } }
        }
        for v in Array(0x30...0x900) + Array(0xD700...0xE100) + Array(0xFF00...0x10100) {
            let inside = ranges.contains { $0.contains(UInt32(v)) } && !(0xD800...0xDFFF).contains(v)
            XCTAssertEqual(matched(UInt32(v)), inside, String(v, radix: 16))
        }
    }

    func testErrorsNameTheProblem() {
        func message(_ gbnf: String) -> String {
            do { _ = try GrammarRecognizer(Grammar(gbnf: gbnf)); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(message("root ::= x").contains("`x`, which is not defined"))
        XCTAssertTrue(message("start ::= \"a\"").contains("no `root` rule"))
        XCTAssertTrue(message("root ::= \"a").contains("unterminated"))
        XCTAssertTrue(message("root ::= root \"a\" | \"b\"").contains("left-recursive"))
        XCTAssertTrue(message("root ::= x\nx ::= \"\"? root").contains("left-recursive"))
        XCTAssertTrue(message("root ::= [z-a]").contains("out of order"))
        XCTAssertTrue(message("root ::= \"a\"{3,1}").contains("max below min"))
    }

    func testRightRecursionAndNesting() throws {
        let r = try recognizer(#"""
        root ::= list
        list ::= "(" (list | "x")* ")"
        """#)
        let deep = String(repeating: "(", count: 200) + "x" + String(repeating: ")", count: 200)
        XCTAssertTrue(r.matches(deep))
        XCTAssertFalse(r.matches(deep + ")"))
        XCTAssertTrue(r.matches("(x(x)()x)"))
    }
}
