"""The official `openai` package against `deepcoder serve`: streams and non-streamed answers agree,
a wrong key is refused when the server has one, and 8 concurrent streaming clients all get the answer.
Usage: openai_client_check.py BASE_URL MODEL [API_KEY]. Prints one JSON line; exits 1 on a failure."""
import json
import sys
import threading

import openai

base_url, model = sys.argv[1], sys.argv[2]
key = sys.argv[3] if len(sys.argv) > 3 else None
client = openai.OpenAI(base_url=base_url, api_key=key or "unused", max_retries=0, timeout=300)
messages = [{"role": "user", "content": "Name three colours."}]
failures = []


def stream_once():
    text, reasons = "", []
    for chunk in client.chat.completions.create(model=model, messages=messages, temperature=0, max_tokens=32,
                                                seed=7, stream=True):
        for choice in chunk.choices:
            text += choice.delta.content or ""
            if choice.finish_reason:
                reasons.append(choice.finish_reason)
    return text, reasons


whole = client.chat.completions.create(model=model, messages=messages, temperature=0, max_tokens=32, seed=7)
answer = whole.choices[0].message.content
if not answer:
    failures.append("empty answer")
streamed, reasons = stream_once()
if streamed != answer:
    failures.append(f"streamed {streamed!r} != whole {answer!r}")
if len(reasons) != 1:
    failures.append(f"finish reasons {reasons}")

if key:
    wrong = openai.OpenAI(base_url=base_url, api_key="wrong-" + key, max_retries=0)
    try:
        wrong.chat.completions.create(model=model, messages=messages, max_tokens=4)
        failures.append("a wrong key was accepted")
    except openai.AuthenticationError as e:
        if e.status_code != 401:
            failures.append(f"wrong key: status {e.status_code}")

results = [None] * 8


def worker(i):
    try:
        results[i] = stream_once()
    except Exception as e:  # reported, not raised: every client's outcome is counted
        results[i] = (f"error: {e}", [])


threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
complete = sum(1 for text, r in results if text == answer and len(r) == 1)
if complete != 8:
    failures.append(f"{complete} of 8 concurrent clients got the answer: {results}")

print(json.dumps({"answer": answer, "concurrent_complete": complete, "failures": failures}))
sys.exit(1 if failures else 0)
