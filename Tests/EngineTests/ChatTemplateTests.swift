import XCTest
@testable import Engine

// Chat templates: the expected prompts were rendered from each model's own Jinja template with
// jinja2 (scripts/make_tokenizer_fixtures.py) and stored next to the tokenizer reference ids.

final class ChatTemplateTests: XCTestCase {
    private func assertRendersLikeJinja(_ fixtureName: String, defaultSystem: String,
                                        file: StaticString = #filePath, line: UInt = #line) throws {
        let fixture = try TokenizerFixture.load(fixtureName)
        let template = try ChatTemplate.detect(fixture.chat_template)
        XCTAssertEqual(template, .chatML(defaultSystemPrompt: defaultSystem), file: file, line: line)
        XCTAssertEqual(template.stopStrings, ["<|im_end|>"], file: file, line: line)
        XCTAssertGreaterThanOrEqual(fixture.chats.count, 4, file: file, line: line)
        for chat in fixture.chats {
            let messages = try chat.messages.map { m in
                ChatMessage(role: try XCTUnwrap(ChatMessage.Role(rawValue: m.role)), content: m.content)
            }
            XCTAssertEqual(template.render(messages, addGenerationPrompt: chat.add_generation_prompt), chat.rendered,
                           file: file, line: line)
        }
    }

    func testSmolLM2Template() throws {
        try assertRendersLikeJinja(TestVocabularies.smolLMFixture,
                                   defaultSystem: "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
    }

    func testQwen25Template() throws {
        try assertRendersLikeJinja(TestVocabularies.qwenFixture,
                                   defaultSystem: "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.")
    }

    func testChatMLWithoutDefaultSystemPrompt() throws {
        let plain = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
        let template = try ChatTemplate.detect(plain)
        XCTAssertEqual(template, .chatML(defaultSystemPrompt: nil))
        XCTAssertEqual(template.render([.user("hi")], addGenerationPrompt: true),
                       "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")
        XCTAssertEqual(template.render([.system("S"), .user("u"), .assistant("a")], addGenerationPrompt: false),
                       "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nu<|im_end|>\n<|im_start|>assistant\na<|im_end|>\n")
    }

    func testDefaultSystemPromptIsOnlyUsedWithoutSystemMessage() {
        let template = ChatTemplate.chatML(defaultSystemPrompt: "D")
        XCTAssertEqual(template.render([.system("S"), .user("u")], addGenerationPrompt: false),
                       "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nu<|im_end|>\n")
        XCTAssertEqual(template.render([.user("u")], addGenerationPrompt: false),
                       "<|im_start|>system\nD<|im_end|>\n<|im_start|>user\nu<|im_end|>\n")
    }

    func testUnknownTemplateIsRejected() {
        let llama3 = "{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] + '<|eot_id|>' }}{% endfor %}"
        XCTAssertThrowsError(try ChatTemplate.detect(llama3)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("is not a chat template deepcoder knows (ChatML, DeepSeek-V2); use --raw to pass the prompt as is"), text)
        }
        XCTAssertThrowsError(try ChatTemplate.detect(nil)) { error in
            XCTAssertEqual(error as? ChatTemplateError, .missing)
            XCTAssertTrue("\(error)".contains("--raw"))
        }
    }

    func testRenderedPromptTokenizesWithSpecialTokens() throws {
        let t = try TestVocabularies.qwen()
        let prompt = try ChatTemplate.detect(TokenizerFixture.load(TestVocabularies.qwenFixture).chat_template)
            .render([.user("hi")], addGenerationPrompt: true)
        let ids = t.encode(prompt, addSpecial: true, parseSpecial: true)
        XCTAssertEqual(ids.first, 151644)                                  // <|im_start|>
        XCTAssertEqual(ids.filter { $0 == 151645 }.count, 2)               // two <|im_end|>
        XCTAssertEqual(Array(ids.suffix(3)), [151644, 77091, 198])         // <|im_start|>assistant\n
    }
}
