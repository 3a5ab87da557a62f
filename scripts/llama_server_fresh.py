"""llama-cpp-python's OpenAI-compatible server (python -m llama_cpp.server, same arguments) with one change:
every request's prompt is evaluated from position 0, as a fresh server would, instead of reusing the
longest prefix it shares with the previous request's tokens.

Why: llama.cpp's logits depend on how a prompt is cut into batches (n_batch tokens from where the
evaluation starts). With prefix reuse, the cut depends on what the server answered before, so its
greedy answers to one request differ with its history. Seen with smollm2-135m-instruct (llama-cpp-python
0.3.36): after the plan and app.py requests of `deepcoder new`, the server reused a 121-token system-prompt
prefix for regen's first ask and 1589 tokens of it for the re-ask, and at step 183 of the re-ask it gave
'from' (logit 35.235 against '#' 35.150), where a fresh server (and deepcoder) gives '#' (35.085 against
'from' 35.037). scripts/foreign_server_check.sh compares deepcoder with this server, token for token.
"""
import sys

import llama_cpp
from llama_cpp.server.__main__ import main

_generate = llama_cpp.Llama.generate


def generate(self, tokens, *args, **kwargs):
    self.reset()  # n_tokens = 0 and the KV cache cleared: no prefix is reused
    return _generate(self, tokens, *args, **kwargs)


llama_cpp.Llama.generate = generate

if __name__ == "__main__":
    sys.argv[0] = "llama_cpp.server"
    main()
