#!/usr/bin/env python3
"""Regenerate the tokenizer reference fixtures used by Tests/EngineTests/TokenizerTests.swift.

Token ids come from llama.cpp itself (through llama-cpp-python), loading only the vocabulary of
the real GGUF files, so BPETokenizer is checked against llama_tokenize(text, add_special=False,
parse_special=True) (and parse_special=False for the cases that say so).

usage: python scripts/make_tokenizer_fixtures.py --smollm PATH/smollm2-135m-instruct.gguf \
           --qwen PATH/qwen2.5-coder-0.5b-instruct.gguf [--out Tests/EngineTests/Fixtures]
       python scripts/make_tokenizer_fixtures.py \
           --deepseek2-tiny Tests/EngineTests/Fixtures/models/deepseek2-tiny.gguf
(each model is optional; the fixtures of the models given are written)

Needs: pip install llama-cpp-python jinja2   (only the fixtures are written; nothing big goes to the repo)
"""
import argparse
import hashlib
import json
import os

import jinja2
import llama_cpp

PYTHON_CODE = '''import os
from flask import Flask, render_template, request

app = Flask(__name__)


@app.route("/items/<int:item_id>", methods=["GET", "POST"])
def item(item_id: int) -> str:
    """Show one item."""
    if request.method == "POST":
        name = request.form.get("name", "").strip()
        return f"saved {name!r} ({len(name)} chars)"
    return render_template("item.html", item_id=item_id)


if __name__ == "__main__":
    app.run(debug=True, port=int(os.environ.get("PORT", 5000)))
'''

HTML_JINJA = '''<!doctype html>
<html lang="en">
  <body>
    <form method="post">
      {{ form.name.label }} {{ form.name(size=20) }}
      {% for item in items %}<li class="item">{{ item.title|e }}</li>{% endfor %}
      <input type="submit" value="Save">
    </form>
  </body>
</html>
'''

JS_CODE = '''const fetchItems = async (page = 1) => {
  const res = await fetch(`/api/items?page=${page}&limit=20`);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return (await res.json()).items.map(({ id, name }) => ({ id, name: name ?? "—" }));
};
'''

CASES = [
    {"text": "Hello world"},
    {"text": "Hello, world! How are you today?"},
    {"text": PYTHON_CODE},
    {"text": HTML_JINJA},
    {"text": "{{ form.name }}"},
    {"text": JS_CODE},
    {"text": "SELECT id, name FROM users WHERE age >= 18 ORDER BY name;\n"},
    {"text": '{"key": [1, 2.5, true, null], "nested": {"a": "b"}}'},
    {"text": "# Title\n\n- item one\n- item **two**\n\n```python\nprint('hi')\n```\n"},
    {"text": "    indented four\n\tand a tab\n\t\ttwo tabs\n"},
    {"text": "a    b      c"},
    {"text": "trailing spaces   "},
    {"text": "   leading spaces"},
    {"text": " "},
    {"text": "                                        "},
    {"text": "line1\nline2\r\nline3\rline4\n\n\n"},
    {"text": "\r\n\r\n  \r\n"},
    {"text": "x \n y\t\n\tz"},
    {"text": "12345678901234567890 and 3.14159 and 1,000,000 and 0x1F and 1e-9"},
    {"text": "version 2.0.1-beta+build.42"},
    {"text": "!!! ??? ... --- === *** ### @@@ $$$ %%% ^^^ &&& ((( ))) [[[ ]]] {{{ }}}"},
    {"text": "I'm sure you're right, he's here, they've gone, we'll see, I'd go. DON'T SHOUT, IT'S OK. 'quoted'"},
    {"text": "café naïve résumé Straße Ωmega ΑΒΓ ñandú Ærø"},
    {"text": "e\u0301 (combining acute) and a\u0308\u0301 stacked"},
    {"text": "😀 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇺🇸 🧑🏿‍💻 ❤️"},
    {"text": "你好，世界！这是一个测试。"},
    {"text": "日本語のテキストとカタカナ、ひらがな。한국어 텍스트도 있습니다."},
    {"text": "مرحبا بالعالم، هذا اختبار ١٢٣"},
    {"text": "Привет, мир! Γειά σου κόσμε! שלום עולם"},
    {"text": "नमस्ते दुनिया ไทย สวัสดี"},
    {"text": "x² + y³ = z½ Ⅻ ⅷ ∑∫√∞ ≠ ≤ →"},
    {"text": "non\u00a0breaking\u3000ideographic\u2003em\u2028line sep"},
    {"text": "C:\\Users\\dev\\project\\app.py https://example.com/a/b?c=d&e=f#g user@example.org"},
    {"text": "aGVsbG8gd29ybGQ=:QUJDREVGRw==/+=="},
    {"text": "<|im_start|>user\nhi<|im_end|>\n"},
    {"text": "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nWrite a Flask app.<|im_end|>\n<|im_start|>assistant\n"},
    {"text": "<|im_end|><|im_end|>text<|endoftext|>"},
    {"text": "<|im_start partial <|im_end| and <|im_start|>"},
    {"text": "<tool_call>\n{\"name\": \"f\"}\n</tool_call> [PAD151665] <reponame>x<file_sep>"},
    {"text": "<s>x</s> <|fim_prefix|>def f():<|fim_suffix|>\n<|fim_middle|>"},
    {"text": "<|im_start|>user\nhi<|im_end|>\n", "parse_special": False},
    {"text": "<tool_call>x</tool_call> <|endoftext|>", "parse_special": False},
    {"text": ""},
]

# More cases for the deepseek-llm pre-tokenizer's classes: fullwidth forms, curly quotes, the ideographic
# space and full stop, letters outside the Latin ranges, trailing whitespace, DeepSeek's special tokens.
DEEPSEEK_CASES = [
    {"text": "ＡＢＣ！ｘｙｚ？（ok）‘single’ “double” 。、　end"},
    {"text": "µ ÀÖ×Øö÷øƺƻƼ ǄʓʔʕʯʰͰ ΆΈ ϴϵ϶Ϸ Ա Ⴀ Ꭰ ᴀ Ḁ ℂℇ Ⰰ Ꙁ ﬀ 𐐀 𞤀 x"},
    {"text": "中文字符 and 한국어 and ࠀ and ㄱ 123 ١٢٣ ½ Ⅻ"},
    {"text": "end with spaces and tab \t  "},
    {"text": "a1b2, c3.d4; (e5) [f6] {g7} <h8> 12345 1.5e-3"},
    {"text": "line\n\n  \n\tindented\r\nwindows\n"},
    {"text": "<｜begin▁of▁sentence｜>User: hi\n\nAssistant: hello<｜end▁of▁sentence｜>"},
    {"text": "<｜end▁of▁sentence｜> as text", "parse_special": False},
]

# Conversations rendered with the model's own Jinja chat template (jinja2, as transformers does).
CHATS = [
    {"messages": [{"role": "user", "content": "hi"}], "add_generation_prompt": True},
    {"messages": [{"role": "system", "content": "You write Flask apps."},
                  {"role": "user", "content": "Make a todo app.\nUse SQLite."}], "add_generation_prompt": True},
    {"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"},
                  {"role": "user", "content": "and 3+3?"}], "add_generation_prompt": True},
    {"messages": [{"role": "user", "content": "no prompt"}], "add_generation_prompt": False},
]

MODELS = [
    ("smollm", "tokenizer-smollm2-135m-instruct.json"),
    ("qwen", "tokenizer-qwen2.5-coder-0.5b-instruct.json"),
    # the deepseek-llm pre-tokenizer and DeepSeek-Coder-V2's chat template on a tiny vocabulary
    # (scripts/make_deepseek2_tiny.py)
    ("deepseek2_tiny", "tokenizer-deepseek2-tiny.json"),
]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smollm", help="SmolLM2-135M-Instruct GGUF")
    ap.add_argument("--qwen", help="Qwen2.5-Coder-0.5B-Instruct GGUF")
    ap.add_argument("--deepseek2-tiny", help="the tiny deepseek2 GGUF of scripts/make_deepseek2_tiny.py")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Tests", "EngineTests", "Fixtures"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    for key, name in MODELS:
        path = getattr(args, key)
        if not path:
            continue
        llm = llama_cpp.Llama(model_path=path, vocab_only=True, verbose=False)
        cases = []
        for case in CASES + (DEEPSEEK_CASES if key == "deepseek2_tiny" else []):
            parse_special = case.get("parse_special", True)
            ids = llm.tokenize(case["text"].encode("utf-8"), add_bos=False, special=parse_special)
            entry = {"text": case["text"], "ids": list(ids)}
            if not parse_special:
                entry["parse_special"] = False
            cases.append(entry)
        template = llm.metadata.get("tokenizer.chat_template")
        chats = []
        if template:
            env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
            compiled = env.from_string(template)
            for chat in CHATS:
                rendered = compiled.render(messages=chat["messages"], add_generation_prompt=chat["add_generation_prompt"],
                                           bos_token=llm.detokenize([llm.token_bos()], special=True).decode("utf-8"),
                                           eos_token=llm.detokenize([llm.token_eos()], special=True).decode("utf-8"))
                chats.append(dict(chat, rendered=rendered))
        doc = {
            "generator": "scripts/make_tokenizer_fixtures.py",
            "llama_cpp_python": llama_cpp.__version__,
            "model_file": os.path.basename(path),
            "model_sha256": sha256(path),
            "chat_template": template,
            "chats": chats,
            "cases": cases,
        }
        out = os.path.join(args.out, name)
        with open(out, "w", encoding="utf-8") as f:
            # one case per line keeps the file small and diffable
            head = {k: v for k, v in doc.items() if k not in ("cases", "chats")}
            f.write(json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "chats": [\n')
            f.write(",\n".join("  " + json.dumps(c, ensure_ascii=False) for c in chats))
            f.write('\n ],\n "cases": [\n')
            f.write(",\n".join("  " + json.dumps(c, ensure_ascii=False) for c in cases))
            f.write("\n ]\n}\n")
        print(f"wrote {out}: {len(cases)} cases")


if __name__ == "__main__":
    main()
