"""Concurrent streaming clients against an OpenAI-compatible server (deepcoder serve, llama-cpp-python's server):
time to first token, tokens/s per client and aggregate tokens/s, for 1, 4 and 8 clients at once.

Usage: python3 scripts/serve_bench.py BASE_URL MODEL [--clients 1,4,8] [--max-tokens 128] [--rounds 2] [--label NAME]
Every client sends the same greedy chat request (temperature 0, repeat_penalty 1 — llama-cpp-python's server
defaults to 1.1 —, max_tokens as given) with
stream_options.include_usage, and counts the completion tokens the server reports (or, where it reports
none, the content chunks: one per token on both servers). Standard library only.
Prints a Markdown table row per concurrency level (the median round)."""
import argparse
import http.client
import json
import statistics
import threading
import time
import urllib.parse

parser = argparse.ArgumentParser()
parser.add_argument("base_url")
parser.add_argument("model")
parser.add_argument("--clients", default="1,4,8")
parser.add_argument("--max-tokens", type=int, default=128)
parser.add_argument("--rounds", type=int, default=2)
parser.add_argument("--label", default="server")
parser.add_argument("--prompt", default="Write a Python function that checks whether a number is prime, with a docstring.")
args = parser.parse_args()
url = urllib.parse.urlparse(args.base_url)


def one_client(out):
    body = json.dumps({"model": args.model, "messages": [{"role": "user", "content": args.prompt}], "temperature": 0,
                       "repeat_penalty": 1.0, "max_tokens": args.max_tokens, "stream": True, "stream_options": {"include_usage": True}})
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
    t0 = time.perf_counter()
    conn.request("POST", url.path.rstrip("/") + "/chat/completions", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    first = None
    pieces = 0
    tokens = None
    buffer = b""
    while True:
        chunk = response.read1(65536)
        if not chunk:
            break
        buffer += chunk
        while b"\n\n" in buffer:
            event, buffer = buffer.split(b"\n\n", 1)
            for line in event.split(b"\n"):
                if not line.startswith(b"data: ") or line == b"data: [DONE]":
                    continue
                data = json.loads(line[6:])
                if data.get("usage"):
                    tokens = data["usage"]["completion_tokens"]
                for choice in data.get("choices") or []:
                    if (choice.get("delta") or {}).get("content"):
                        pieces += 1
                        if first is None:
                            first = time.perf_counter()
    end = time.perf_counter()
    conn.close()
    tokens = tokens if tokens is not None else pieces
    out.append({"ttft": (first or end) - t0, "tokens": tokens,
                "tps": (tokens - 1) / (end - first) if first and end > first and tokens > 1 else 0.0, "start": t0, "end": end})


def run_round(n):
    results = []
    threads = [threading.Thread(target=one_client, args=(results,)) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = max(r["end"] for r in results) - min(r["start"] for r in results)
    return {"ttft": statistics.mean(r["ttft"] for r in results), "ttft_max": max(r["ttft"] for r in results),
            "tps": statistics.mean(r["tps"] for r in results), "aggregate": sum(r["tokens"] for r in results) / wall,
            "tokens": sum(r["tokens"] for r in results)}


one_client([])  # warm-up
print("| server | clients | time to first token (mean / max) | tokens/s per client | aggregate tokens/s | tokens |")
print("|---|---|---|---|---|---|")
for n in [int(c) for c in args.clients.split(",")]:
    rounds = sorted((run_round(n) for _ in range(args.rounds)), key=lambda r: r["aggregate"])
    r = rounds[len(rounds) // 2]
    print(f"| {args.label} | {n} | {r['ttft']:.2f} s / {r['ttft_max']:.2f} s | {r['tps']:.1f} | {r['aggregate']:.1f} | {r['tokens']} |",
          flush=True)
