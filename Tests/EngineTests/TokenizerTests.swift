import Foundation
import XCTest
@testable import Engine

// Token ids must equal llama.cpp's llama_tokenize for the same GGUF. The reference ids live in
// Fixtures/tokenizer-*.json (scripts/make_tokenizer_fixtures.py); the vocabulary itself comes from
// the GGUF file, so tests that need it are skipped when the model files are not available.

/// A reference fixture written by scripts/make_tokenizer_fixtures.py.
struct TokenizerFixture: Decodable {
    struct Case: Decodable {
        let text: String
        let ids: [Int32]
        let parse_special: Bool?
    }
    struct Chat: Decodable {
        struct Message: Decodable {
            let role: String
            let content: String
        }
        let messages: [Message]
        let add_generation_prompt: Bool
        let rendered: String
    }
    let llama_cpp_python: String
    let model_sha256: String
    let chat_template: String?
    let chats: [Chat]
    let cases: [Case]

    static func load(_ name: String) throws -> TokenizerFixture {
        let url = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"),
                                "missing fixture \(name).json")
        return try JSONDecoder().decode(TokenizerFixture.self, from: Data(contentsOf: url))
    }
}

enum TestVocabularies {
    static let smolLMFixture = "tokenizer-smollm2-135m-instruct"
    static let qwenFixture = "tokenizer-qwen2.5-coder-0.5b-instruct"

    /// The vocabulary of an installed catalog model, read with the engine's GGUF reader.
    static func vocabulary(_ model: String) throws -> Vocabulary {
        let path = try TestModels.require(model)
        return try Vocabulary(file: GGUFFile(path: path))
    }

    nonisolated(unsafe) private static var cache: [String: BPETokenizer] = [:]
    private static let lock = NSLock()

    static func tokenizer(_ file: String) throws -> BPETokenizer {
        lock.lock()
        defer { lock.unlock() }
        if let t = cache[file] { return t }
        let t = try BPETokenizer(vocabulary(file))
        cache[file] = t
        return t
    }

    static func smolLM() throws -> BPETokenizer { try tokenizer("smollm2-135m-instruct") }
    static func qwen() throws -> BPETokenizer { try tokenizer("qwen2.5-coder-0.5b-instruct") }
}

/// Checks every fixture case: encode → ids equal llama.cpp's, decode(ids) → the original text, and
/// streaming decode one token at a time → the original text.
func assertTokenizerMatches(tokenizer: BPETokenizer, fixtureName: String,
                            file: StaticString = #filePath, line: UInt = #line) throws {
    let fixture = try TokenizerFixture.load(fixtureName)
    XCTAssertGreaterThan(fixture.cases.count, 30, file: file, line: line)
    var passed = 0
    for c in fixture.cases {
        let ids = tokenizer.encode(c.text, addSpecial: false, parseSpecial: c.parse_special ?? true)
        if ids == c.ids {
            passed += 1
        } else {
            XCTFail("\(fixtureName): \(c.text.debugDescription)\n  got      \(ids)\n  expected \(c.ids)", file: file, line: line)
        }
        XCTAssertEqual(tokenizer.decode(c.ids, special: true), Array(c.text.utf8),
                       "decode \(c.text.debugDescription)", file: file, line: line)
        var stream = StreamingDecoder(tokenizer: tokenizer, special: true)
        var streamed = ""
        for id in c.ids { streamed += stream.append(id) }
        streamed += stream.finish()
        XCTAssertEqual(Array(streamed.utf8), Array(c.text.utf8), "stream \(c.text.debugDescription)", file: file, line: line)
    }
    print("\(fixtureName): \(passed)/\(fixture.cases.count) cases match llama.cpp (llama-cpp-python \(fixture.llama_cpp_python))")
}

final class TokenizerTests: XCTestCase {
    // MARK: llama.cpp fixtures

    func testSmolLMMatchesLlamaCpp() throws {
        try assertTokenizerMatches(tokenizer: TestVocabularies.smolLM(), fixtureName: TestVocabularies.smolLMFixture)
    }

    func testQwenMatchesLlamaCpp() throws {
        try assertTokenizerMatches(tokenizer: TestVocabularies.qwen(), fixtureName: TestVocabularies.qwenFixture)
    }

    // MARK: special tokens, pieces, end of generation

    func testQwenSpecialTokens() throws {
        let t = try TestVocabularies.qwen()
        XCTAssertEqual(t.vocabularySize, 151936)
        XCTAssertEqual(t.tokenID(for: "<|im_start|>"), 151644)
        XCTAssertEqual(t.tokenID(for: "<|im_end|>"), 151645)
        XCTAssertNil(t.tokenID(for: "definitely not a token"))
        XCTAssertEqual(t.eosID, 151645)
        // llama.cpp's EOG set for this file, including its text heuristic's normal-vocabulary "</s>" (128247),
        // which it also turns into a control token
        XCTAssertEqual(t.endOfGenerationIDs, [128247, 151643, 151645, 151662, 151663, 151664])
        XCTAssertTrue(t.isControl(128247))
        XCTAssertEqual(t.piece(128247), [])
        XCTAssertFalse(t.isEndOfGeneration(151644))
        XCTAssertFalse(t.isEndOfGeneration(9707))
        // control tokens render as empty text unless asked for; user-defined tokens always render
        XCTAssertEqual(t.piece(151645), [])
        XCTAssertEqual(t.piece(151645, special: true), Array("<|im_end|>".utf8))
        XCTAssertEqual(t.piece(151657), Array("<tool_call>".utf8))
        XCTAssertEqual(t.piece(9707), Array("Hello".utf8))
        XCTAssertEqual(t.piece(-1), [])
        XCTAssertEqual(t.piece(1_000_000), [])
        // parse_special = false: control tokens are plain text
        XCTAssertFalse(t.encode("<|im_end|>", addSpecial: false, parseSpecial: false).contains(151645))
        XCTAssertEqual(t.encode("<|im_end|>", addSpecial: false, parseSpecial: true), [151645])
        // add_bos_token is false for Qwen2.5: addSpecial adds nothing
        XCTAssertEqual(t.encode("Hello", addSpecial: true, parseSpecial: true), [9707])
    }

    func testSmolLMSpecialTokens() throws {
        let t = try TestVocabularies.smolLM()
        XCTAssertEqual(t.vocabularySize, 49152)
        XCTAssertEqual(t.endOfGenerationIDs, [0, 2, 4])   // <|endoftext|>, <|im_end|>, <reponame> (llama.cpp's FIM repo)
        XCTAssertEqual(t.encode("<|im_start|>user\nhi<|im_end|>\n", addSpecial: true, parseSpecial: true).first, 1)
        XCTAssertEqual(t.decode([1, 2]), [])
        XCTAssertEqual(t.decode([1, 2], special: true), Array("<|im_start|><|im_end|>".utf8))
    }

    func testRoundTripOfArbitraryText() throws {
        let t = try TestVocabularies.qwen()
        let samples = ["", "a", "\u{0}\u{1}\u{7F}", "tab\there", "🙂🙃 mixed ascii 😀", "e\u{301}\u{301}\u{301}",
                       String(repeating: " ", count: 5000), String(repeating: "ab", count: 3000), "\r\n\r\r\n\n",
                       "\u{10FFFF}\u{E000}\u{FFFD}"]
        for s in samples {
            let ids = t.encode(s, addSpecial: false, parseSpecial: true)
            XCTAssertEqual(t.decode(ids), Array(s.utf8), s.debugDescription)
        }
    }

    // MARK: streaming decode

    func testStreamingDecoderHoldsBackSplitCharacters() throws {
        let t = try TestVocabularies.qwen()
        var d = StreamingDecoder(tokenizer: t)
        // "😀" is F0 9F 98 80: feed it one byte at a time
        XCTAssertEqual(d.append(bytes: [0xF0]), "")
        XCTAssertEqual(d.append(bytes: [0x9F, 0x98]), "")
        XCTAssertEqual(d.pendingByteCount, 3)
        XCTAssertEqual(d.append(bytes: [0x80, 0x41]), "😀A")
        XCTAssertEqual(d.finish(), "")
        // a truncated sequence at the end is flushed as U+FFFD
        XCTAssertEqual(d.append(bytes: [0x61, 0xE4, 0xBD]), "a")
        XCTAssertEqual(d.finish(), "\u{FFFD}")
        // invalid bytes are not held back forever
        XCTAssertEqual(d.append(bytes: [0xFF, 0x62]), "\u{FFFD}b")
        // tokens that split a character
        let ids = t.encode("日本語😀🇺🇸", addSpecial: false, parseSpecial: false)
        var out = ""
        var d2 = StreamingDecoder(tokenizer: t)
        for id in ids {
            let chunk = d2.append(id)
            XCTAssertFalse(chunk.unicodeScalars.contains("\u{FFFD}"))
            out += chunk
        }
        out += d2.finish()
        XCTAssertEqual(out, "日本語😀🇺🇸")
    }

    // MARK: errors

    func testRejectsUnsupportedModelAndPreTokenizer() throws {
        var v = Vocabulary(tokens: ["a", "b"], tokenTypes: [1, 1], merges: ["a b"], model: "llama", pre: "qwen2",
                           bosID: nil, eosID: nil, eotID: nil, eomID: nil, padID: nil, unknownID: nil,
                           addBOS: false, addEOS: false, chatTemplate: nil)
        XCTAssertThrowsError(try BPETokenizer(v)) { error in
            XCTAssertEqual(error as? TokenizerError, .unsupportedModel("llama"))
            XCTAssertTrue("\(error)".contains("'llama'"))
        }
        v.model = "gpt2"
        v.pre = "falcon"
        XCTAssertThrowsError(try BPETokenizer(v)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("'falcon'"), text)
            XCTAssertTrue(text.contains("qwen2") && text.contains("smollm"), text)
        }
    }

    // MARK: BPE and pre-tokenizers on a tiny vocabulary (no model file needed)

    /// A vocabulary with the 256 byte symbols plus the merges given.
    private func tinyTokenizer(pre: String, merges: [String]) throws -> BPETokenizer {
        var tokens = ByteLevel.byteToScalar.map { String(Unicode.Scalar($0)!) }
        for m in merges { tokens.append(m.replacingOccurrences(of: " ", with: "")) }
        tokens.append("<|im_end|>")
        var types = [Int32](repeating: 1, count: tokens.count)
        types[types.count - 1] = 3
        return try BPETokenizer(Vocabulary(tokens: tokens, tokenTypes: types, merges: merges, model: "gpt2", pre: pre,
                                           bosID: nil, eosID: Int32(tokens.count - 1), eotID: nil, eomID: nil,
                                           padID: nil, unknownID: nil, addBOS: false, addEOS: false, chatTemplate: nil))
    }

    func testMergeOrderByRankThenLeftmost() throws {
        // "aaa": "a a" merges the leftmost pair first → "aa" + "a"
        let t = try tinyTokenizer(pre: "qwen2", merges: ["a a", "b c", "a bc"])
        let a = t.tokenID(for: "a")!, aa = t.tokenID(for: "aa")!, abc = t.tokenID(for: "abc")!
        XCTAssertEqual(t.encode("aaa", addSpecial: false, parseSpecial: false), [aa, a])
        // rank decides: "b c" (rank 1) before "a bc" (rank 2), "a a" never applies inside "abc"
        XCTAssertEqual(t.encode("abc", addSpecial: false, parseSpecial: false), [abc])
        XCTAssertEqual(t.encode("aabc", addSpecial: false, parseSpecial: false), [aa, t.tokenID(for: "bc")!])
        XCTAssertEqual(t.encode("x<|im_end|>", addSpecial: true, parseSpecial: true), [t.tokenID(for: "x")!, t.eosID!])
    }

    private func words(_ pre: PreTokenizer, _ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        let cps = scalars.map(\.value)
        var out: [String] = []
        var at = 0
        for n in pre.split(cps, cps.map(ScalarClass.classify)) {
            out.append(String(String.UnicodeScalarView(scalars[at..<(at + n)])))
            at += n
        }
        return out
    }

    func testQwen2PreTokenizer() {
        XCTAssertEqual(words(.qwen2, "Hello world"), ["Hello", " world"])
        XCTAssertEqual(words(.qwen2, "I'M DON'T"), ["I", "'M", " DON", "'T"])
        XCTAssertEqual(words(.qwen2, "x=12345"), ["x", "=", "1", "2", "3", "4", "5"])
        XCTAssertEqual(words(.qwen2, "a  \n\n  b"), ["a", "  \n\n", " ", " b"])
        XCTAssertEqual(words(.qwen2, "foo();\r\n"), ["foo", "();\r\n"])
        XCTAssertEqual(words(.qwen2, "a\r\nb"), ["a", "\r\n", "b"])
        XCTAssertEqual(words(.qwen2, "end   "), ["end", "   "])
        XCTAssertEqual(words(.qwen2, "\tif"), ["\tif"])
        XCTAssertEqual(words(.qwen2, "é ß Ω"), ["é", " ß", " Ω"])
    }

    func testSmolLMPreTokenizer() {
        XCTAssertEqual(words(.smollm, "x=12345"), ["x", "=", "1", "2", "3", "4", "5"])
        XCTAssertEqual(words(.smollm, "a 1"), ["a", " ", "1"])
        XCTAssertEqual(words(.smollm, "I'M I'm"), ["I", "'", "M", " I", "'m"])
        XCTAssertEqual(words(.smollm, "a  \n\n  b"), ["a", "  \n\n ", " b"])
        XCTAssertEqual(words(.smollm, " ?!x"), [" ?!", "x"])
        XCTAssertEqual(words(.gpt2, "x=12345 67"), ["x", "=", "12345", " 67"])
    }
}
