#!/usr/bin/env python3
"""Constrained greedy decoding: deepcoder against llama.cpp on the same GGUF and the same GBNF.

For each JSON schema given, the GBNF is the one deepcoder compiles (`generate --json-schema F
--print-grammar`); both engines answer the same raw chat prompt greedily under it. The script prints
whether the answers are byte for byte the same, and the decode speed of each engine with and without
the grammar (llama.cpp through llama-cpp-python, whose per-token Python overhead is small next to a
forward pass of these models).

usage: scripts/grammar_vs_llamacpp.py MODEL.gguf SCHEMA.json [SCHEMA.json ...] [-n 256] [--threads 2]
needs: pip install llama-cpp-python (it builds llama.cpp from source), and a release build of deepcoder.
"""
import argparse, json, os, subprocess, sys, time

from llama_cpp import Llama, LlamaGrammar

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".build", "release", "deepcoder")


def deepcoder(args):
    r = subprocess.run([BIN] + args, capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("schemas", nargs="+")
    ap.add_argument("-n", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--prompt", default="Plan a small Flask app for a to-do list with a page to add items and a JSON API "
                                        "to list them. Answer with the plan as JSON.")
    a = ap.parse_args()
    raw = f"<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n{a.prompt}<|im_end|>\n<|im_start|>assistant\n"
    llm = Llama(model_path=a.model, n_ctx=4096, n_threads=a.threads, n_batch=512, verbose=False)
    results = []
    for schema in a.schemas:
        code, gbnf, err = deepcoder(["generate", "--json-schema", schema, "--print-grammar"])
        if code != 0:
            sys.exit(f"deepcoder cannot compile {schema}: {err}")
        grammar = LlamaGrammar.from_string(gbnf, verbose=False)
        runs = {}
        for constrained in (False, True):
            t0 = time.time()
            out = llm.create_completion(raw, max_tokens=a.n, temperature=0.0, top_k=1, grammar=grammar if constrained else None,
                                        stop=["<|im_end|>"])
            dt = time.time() - t0
            n = out["usage"]["completion_tokens"]
            runs[constrained] = (out["choices"][0]["text"], n, dt)
        dc_args = ["generate", "--raw", "-m", a.model, "-t", str(a.threads), "--temperature", "0", "-n", str(a.n), "--stop", "<|im_end|>", "-p", raw]
        _, dc_plain, dc_plain_err = deepcoder(dc_args)
        _, dc_text, dc_err = deepcoder(dc_args + ["--json-schema", schema])
        same = dc_text.rstrip("\n") == runs[True][0].rstrip("\n")
        row = {
            "schema": os.path.basename(schema),
            "same_constrained_output": same,
            "llama_cpp_unconstrained_tokens_per_s": round(runs[False][1] / runs[False][2], 2),
            "llama_cpp_constrained_tokens_per_s": round(runs[True][1] / runs[True][2], 2),
            "llama_cpp_tokens": [runs[False][1], runs[True][1]],
            "deepcoder_unconstrained": dc_plain_err.strip().splitlines()[-1],
            "deepcoder_constrained": dc_err.strip().splitlines()[-1] if dc_err.strip() else "",
        }
        if not same:
            row["llama_cpp_text"] = runs[True][0][:400]
            row["deepcoder_text"] = dc_text[:400]
        results.append(row)
        print(json.dumps(row, indent=1), flush=True)


if __name__ == "__main__":
    main()
