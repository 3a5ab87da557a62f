#!/usr/bin/env python3
"""Prompt and generation speed of llama.cpp on a GGUF through llama-cpp-python (pinned 0.3.36, the build
the fixtures come from), measured like `deepcoder bench` / llama-bench: pp = a prompt of N tokens in one
eval (micro-batches of 512), tg = M tokens generated one at a time after it; the median of R runs.

For models llama-bench is not built for here (scripts/bench.sh builds llama-bench from the same sdist,
which takes a while); the numbers include llama-cpp-python's Python overhead per eval call, which is
small against a token's time on real models and visible on tiny ones.

Usage: python scripts/bench_llamacpp_python.py MODEL.gguf [-p 512] [-n 64] [-r 3] [-t 2]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("-p", "--prompt-tokens", type=int, default=512)
    ap.add_argument("-n", "--gen-tokens", type=int, default=64)
    ap.add_argument("-r", "--repetitions", type=int, default=3)
    ap.add_argument("-t", "--threads", type=int, default=2)
    args = ap.parse_args()

    import llama_cpp
    from llama_cpp import Llama

    llm = Llama(model_path=args.model, n_ctx=args.prompt_tokens + args.gen_tokens + 16, n_batch=512,
                n_threads=args.threads, n_threads_batch=args.threads, logits_all=False, verbose=False)
    rng = np.random.default_rng(0)
    n_vocab = llm.n_vocab()
    prompt = [int(t) for t in rng.integers(0, max(1, n_vocab - 8), size=args.prompt_tokens)]
    pp, tg = [], []
    for _ in range(args.repetitions + 1):  # the first run warms up and is dropped
        llm.reset()
        t0 = time.perf_counter()
        llm.eval(prompt)
        t1 = time.perf_counter()
        tok = prompt[-1]
        for _ in range(args.gen_tokens):
            llm.eval([tok])
            tok = (tok + 1) % n_vocab  # which token does not change the time
        t2 = time.perf_counter()
        pp.append(args.prompt_tokens / (t1 - t0))
        tg.append(args.gen_tokens / (t2 - t1))
    pp, tg = pp[1:], tg[1:]
    print(f"llama.cpp (llama-cpp-python {llama_cpp.__version__}, {args.threads} threads): "
          f"pp{args.prompt_tokens} {statistics.median(pp):.1f} tokens/s, tg{args.gen_tokens} {statistics.median(tg):.1f} tokens/s "
          f"(median of {args.repetitions}; runs pp {[round(x, 1) for x in pp]}, tg {[round(x, 1) for x in tg]})")


if __name__ == "__main__":
    main()
