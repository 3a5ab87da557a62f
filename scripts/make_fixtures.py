#!/usr/bin/env python3
"""Reference fixtures from llama.cpp for deepcoder's engine tests.

For a handful of prompts this records, as llama.cpp (through llama-cpp-python, pinned below) computes
them: the prompt's token ids, 48 greedily generated token ids, and for the first three generated
positions and the last one the top-20 (id, logit) pairs plus statistics of the full-vocabulary logits.
The engine's tests replay the same prompts and compare.

Greedy decoding is done here, not by llama.cpp's sampler: after each eval the next token is the argmax
of the raw logits (ties go to the lowest id), with no repeat penalty, temperature or randomness.
Generation stops early at an end-of-generation token (recorded as stop = "eog").

Usage (in a venv with llama-cpp-python==0.3.36 built from source):
    python scripts/make_fixtures.py --model-path smol.gguf --model-name smollm2-135m-instruct \
        --out Tests/EngineTests/Fixtures

Writes OUT/greedy-<model-name>.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
from pathlib import Path

LLAMA_CPP_PYTHON_VERSION = "0.3.36"
SCRIPT = "scripts/make_fixtures.py"
FORMAT_VERSION = 1

CHATML_SYSTEM = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"


def chatml(user: str) -> str:
    return f"{CHATML_SYSTEM}<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n"


def deepseek2_chat(user: str) -> str:
    # llama.cpp's "deepseek2" chat format (llm_chat_apply_template, LLM_CHAT_TEMPLATE_DEEPSEEK_2); the
    # tokenizer adds the BOS token
    return f"You are a helpful assistant.\n\nUser: {user}\n\nAssistant:"


PROMPTS: list[dict[str, str]] = [
    {"id": "chat-flask-hello", "kind": "chat", "text": chatml("Write a Flask hello world app.")},
    {
        "id": "chat-palindrome",
        "kind": "chat",
        "text": chatml("Write a Python function that checks whether a string is a palindrome."),
    },
    {"id": "code-fibonacci", "kind": "code", "text": "def fibonacci(n):"},
    {
        "id": "code-flask-route",
        "kind": "code",
        "text": "from flask import Flask, jsonify\n\napp = Flask(__name__)\n\n\n@app.route(\"/api/items\")\ndef list_items():\n",
    },
    {
        "id": "html-page",
        "kind": "html",
        "text": "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n  <meta charset=\"utf-8\">\n  <title>Todo list</title>\n</head>\n<body>\n",
    },
    {
        "id": "prose-story",
        "kind": "prose",
        "text": "The lighthouse keeper climbed the stairs one last time. When he reached the top,",
    },
]


def prompts_for(chat_format: str) -> list[dict[str, str]]:
    """The prompts, with the chat prompts in `chat_format` ("chatml" or "deepseek2")."""
    if chat_format == "chatml":
        return PROMPTS
    chat_users = {
        "chat-flask-hello": "Write a Flask hello world app.",
        "chat-palindrome": "Write a Python function that checks whether a string is a palindrome.",
    }
    return [dict(p, text=deepseek2_chat(chat_users[p["id"]])) if p["id"] in chat_users else p for p in PROMPTS]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            block = f.read(1 << 20)
            if not block:
                break
            h.update(block)
    return h.hexdigest()


def check_llama_cpp():
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        sys.exit(
            f"llama-cpp-python is not installed; pip install llama-cpp-python=={LLAMA_CPP_PYTHON_VERSION} "
            "(it builds llama.cpp from source, ~10 minutes on 2 cores)"
        )
    import llama_cpp

    if llama_cpp.__version__ != LLAMA_CPP_PYTHON_VERSION:
        sys.exit(
            f"llama-cpp-python {llama_cpp.__version__} found, but the fixtures are pinned to "
            f"{LLAMA_CPP_PYTHON_VERSION}; pip install llama-cpp-python=={LLAMA_CPP_PYTHON_VERSION}"
        )
    return llama_cpp


def logit_summary(logits, top_k: int) -> dict:
    import numpy as np

    row = np.asarray(logits, dtype=np.float32)
    # Sort by logit descending, then id ascending, so ties are reported deterministically.
    order = np.lexsort((np.arange(row.size), -row))[:top_k]
    as64 = row.astype(np.float64)
    return {
        "top": [[int(i), round(float(row[i]), 5)] for i in order],
        "max": round(float(as64.max()), 5),
        "mean": round(float(as64.mean()), 6),
        "std": round(float(as64.std()), 6),
    }


def metadata_bool(meta: dict, key: str):
    value = meta.get(key)
    if value is None:
        return None
    return str(value).lower() in ("1", "true")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model-path", required=True, type=Path, help="GGUF file")
    ap.add_argument("--model-name", required=True, help="catalog name, used in the output file name")
    ap.add_argument("--out", type=Path, default=Path("Tests/EngineTests/Fixtures"), help="output directory")
    ap.add_argument("--n-gen", type=int, default=48, help="tokens to generate per prompt (default 48)")
    ap.add_argument("--top-k", type=int, default=20, help="(id, logit) pairs recorded per position")
    ap.add_argument("--n-ctx", type=int, default=2048)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--chat-format", choices=["chatml", "deepseek2"], default="chatml",
                    help="how the chat prompts are written (default chatml; deepseek2 for DeepSeek-Coder-V2)")
    args = ap.parse_args()

    llama_cpp = check_llama_cpp()
    import numpy as np
    from llama_cpp import Llama

    if not args.model_path.is_file():
        sys.exit(f"no such model file: {args.model_path}")
    model_sha = sha256_file(args.model_path)

    llama_kwargs = dict(
        n_ctx=args.n_ctx,
        n_threads=args.threads,
        n_threads_batch=args.threads,
        seed=args.seed,
        logits_all=True,
        verbose=False,
    )
    llm = Llama(model_path=str(args.model_path), **llama_kwargs)
    meta = dict(llm.metadata)
    vocab = llm._model.vocab if hasattr(llm._model, "vocab") else None

    add_bos = metadata_bool(meta, "tokenizer.ggml.add_bos_token")
    add_bos_source = "metadata tokenizer.ggml.add_bos_token"
    if add_bos is None:
        # Not in the metadata: ask llama.cpp what it would do by default.
        add_bos = bool(llama_cpp.llama_vocab_get_add_bos(vocab)) if vocab is not None else True
        add_bos_source = "llama_vocab_get_add_bos (no metadata key)"

    n_vocab = llm.n_vocab()
    eos = llm.token_eos()

    def is_eog(tok: int) -> bool:
        if vocab is not None and hasattr(llama_cpp, "llama_vocab_is_eog"):
            return bool(llama_cpp.llama_vocab_is_eog(vocab, tok))
        return tok == eos

    flash_attn_type = int(llm.context_params.flash_attn_type)
    flash_names = {
        int(llama_cpp.LLAMA_FLASH_ATTN_TYPE_AUTO): "auto",
        int(llama_cpp.LLAMA_FLASH_ATTN_TYPE_DISABLED): "disabled",
        int(llama_cpp.LLAMA_FLASH_ATTN_TYPE_ENABLED): "enabled",
    }

    cases = []
    for prompt in prompts_for(args.chat_format):
        llm.reset()
        prompt_ids = llm.tokenize(prompt["text"].encode("utf-8"), add_bos=add_bos, special=True)
        llm.eval(prompt_ids)
        generated: list[int] = []
        step_logits: list = []
        stop = "length"
        for _ in range(args.n_gen):
            logits = np.array(llm.scores[llm.n_tokens - 1, :], dtype=np.float32, copy=True)
            step_logits.append(logits)
            tok = int(np.argmax(logits))  # first maximum = lowest id on ties
            generated.append(tok)
            if is_eog(tok):
                stop = "eog"
                break
            llm.eval([tok])
        last = len(generated) - 1
        positions = sorted({p for p in (0, 1, 2, last) if 0 <= p <= last})
        cases.append(
            {
                "id": prompt["id"],
                "kind": prompt["kind"],
                "prompt": prompt["text"],
                "prompt_ids": [int(t) for t in prompt_ids],
                "generated_ids": generated,
                "generated_text": llm.detokenize(generated).decode("utf-8", errors="replace"),
                "stop": stop,
                "positions": [
                    {"step": p, "token": generated[p], **logit_summary(step_logits[p], args.top_k)}
                    for p in positions
                ],
            }
        )
        print(f"{prompt['id']}: {len(prompt_ids)} prompt tokens, {len(generated)} generated ({stop}): "
              f"{cases[-1]['generated_text'][:60]!r}", file=sys.stderr)

    system_info = llama_cpp.llama_print_system_info()
    if isinstance(system_info, bytes):
        system_info = system_info.decode("utf-8", errors="replace")

    fixture = {
        "format": FORMAT_VERSION,
        "generator": {
            "script": SCRIPT,
            "llama_cpp_python": llama_cpp.__version__,
            "python": platform.python_version(),
            "machine": platform.machine(),
            "llama_cpp_system_info": system_info.strip(),
        },
        "model": {
            "name": args.model_name,
            "file": args.model_path.name,
            "sha256": model_sha,
            "size_bytes": args.model_path.stat().st_size,
            "architecture": meta.get("general.architecture"),
            "n_vocab": n_vocab,
            "bos_id": llm.token_bos(),
            "eos_id": eos,
            "add_bos": add_bos,
            "add_bos_source": add_bos_source,
        },
        "settings": {
            "n_ctx": args.n_ctx,
            "n_batch": llm.n_batch,
            "n_ubatch": int(llm.context_params.n_ubatch),
            "n_threads": llm.n_threads,
            "n_threads_batch": llm.n_threads_batch,
            "seed": args.seed,
            "logits_all": True,
            "flash_attn": flash_names.get(flash_attn_type, str(flash_attn_type)),
            "flash_attn_note": "llama-cpp-python default (flash_attn=False)",
            "type_k": int(llm.context_params.type_k),
            "type_v": int(llm.context_params.type_v),
            "tokenize": {"special": True, "add_bos": add_bos},
            "decoding": "greedy argmax of raw logits, lowest id on ties; no repeat penalty; stop at EOG",
            "n_gen": args.n_gen,
            "chat_format": args.chat_format,
            "top_k_recorded": args.top_k,
            "positions_recorded": "steps 0, 1, 2 and the last generated step",
            "logits_rounding": "top logits and max to 5 decimals, mean/std to 6",
        },
        "cases": cases,
    }

    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"greedy-{args.model_name}.json"
    tmp = out.with_suffix(".json.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(fixture, f, indent=1, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, out)
    size = out.stat().st_size
    if size >= 300_000:
        sys.exit(f"{out} is {size} bytes; keep fixtures under 300 KB (lower --top-k or --n-gen)")
    print(f"wrote {out} ({size} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
