#!/usr/bin/env bash
# deepcoder against a foreign OpenAI-compatible server: llama-cpp-python's server (llama.cpp built from
# source by pip, about 10 minutes on 2 cores the first time) serves the test model's GGUF file, and
#   1. a greedy chat completion from it must equal deepcoder serve's (the in-process engine), token for token;
#   2. `deepcoder new` and `regen` with --backend on it must write the same files as with --backend on
#      deepcoder serve (same prompts, greedy, the plan without its schema), apart from trailers and timings.
# CI runs it through ServeTests' ForeignServerTests (scripts/test.sh installs the venv); by hand:
#   scripts/foreign_server_check.sh
# Needs a release build (swift build -c release) and the test model (deepcoder models pull smollm2-135m-instruct).
# DEEPCODER_BIN: the deepcoder binary (default .build/release/deepcoder); DEEPCODER_LLAMA_VENV: the venv
# (default $DEEPCODER_HOME/venv-llama); DEEPCODER_FOREIGN_NO_INSTALL=1: exit 2 instead of installing into it.
# Exit 3: llama.cpp on this machine does not reproduce its own reference fixture (check 0 below), so the
# comparison cannot hold here.
set -euo pipefail
cd "$(dirname "$0")/.."
# no key on either side (deepcoder serve would require $DEEPCODER_API_KEY), and no backend but the ones given here
unset DEEPCODER_API_KEY OPENAI_API_KEY DEEPCODER_BACKEND
home="${DEEPCODER_HOME:-$HOME/.cache/deepcoder}"
bin="${DEEPCODER_BIN:-.build/release/deepcoder}"
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac
model_name=smollm2-135m-instruct
model=$("$bin" models path "$model_name")
venv="${DEEPCODER_LLAMA_VENV:-$home/venv-llama}"
if ! "$venv/bin/python" -c 'import llama_cpp.server' >/dev/null 2>&1; then
  if [ -n "${DEEPCODER_FOREIGN_NO_INSTALL:-}" ]; then echo "no llama_cpp.server in $venv" >&2; exit 2; fi
  echo "installing llama-cpp-python[server] into $venv (0.3.36, the fixtures' version; pip builds llama.cpp from source unless it has the wheel cached)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'llama-cpp-python[server]==0.3.36'
fi
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

# 0. The comparison below holds only where llama.cpp sums as the llama.cpp that made the engine's fixtures (an
# AVX-512 build): built for an AVX2-only CPU it answers differently, while deepcoder does not (docs/PERFORMANCE.md,
# "Correctness"). Exit 3 (the test skips and says why) when llama.cpp here does not reproduce the fixture's greedy tokens.
fixture="Tests/EngineTests/Fixtures/greedy-$model_name.json"
"$venv/bin/python" scripts/make_fixtures.py --model-path "$model" --model-name "$model_name" --out "$work" >/dev/null 2>"$work/fixture.log" \
  || { echo "make_fixtures.py failed:"; tail -5 "$work/fixture.log"; exit 1; }
if ! python3 - "$fixture" "$work/greedy-$model_name.json" <<'PY'
import json, sys
ref, here = (json.load(open(p)) for p in sys.argv[1:3])
diverged = [a["id"] for a, b in zip(ref["cases"], here["cases"]) if a["generated_ids"] != b["generated_ids"]]
if diverged:
    print("0. llama.cpp here does not reproduce its reference fixture: greedy tokens differ on %d of %d prompts (%s)."
          % (len(diverged), len(ref["cases"]), ", ".join(diverged)))
    print("   fixture's llama.cpp: " + ref["generator"]["llama_cpp_system_info"].strip())
    print("   llama.cpp here:      " + here["generator"]["llama_cpp_system_info"].strip())
    sys.exit(1)
print("0. llama.cpp here reproduces its reference fixture (%d prompts)" % len(ref["cases"]))
PY
then
  echo "   Its sums differ from the ones deepcoder follows, so its answers cannot be compared token for token here."
  exit 3
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 1 600); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.2; done; echo "no server at $1" >&2; exit 1; }

llama_port=$(free_port)
# every prompt evaluated from position 0 (scripts/llama_server_fresh.py says why); OpenMP threads that do
# not spin while waiting (they slow everything else on a busy machine)
OMP_WAIT_POLICY=PASSIVE "$venv/bin/python" scripts/llama_server_fresh.py --model "$model" --model_alias "$model_name" --host 127.0.0.1 --port "$llama_port" \
  --n_ctx 8192 --n_threads "$(nproc)" >"$work/llama.log" 2>&1 &
pids+=($!)
serve_port=$(free_port)
"$bin" serve --model "$model_name" --port "$serve_port" --ctx-size 8192 2>"$work/serve.log" &
pids+=($!)
wait_up "http://127.0.0.1:$llama_port/v1/models"
wait_up "http://127.0.0.1:$serve_port/health"

ask() {
  curl -sf "http://127.0.0.1:$1/v1/chat/completions" -H 'Content-Type: application/json' -d '{"model": "'$model_name'",
    "messages": [{"role": "user", "content": "Write a Python function that returns the volume of a cube."}],
    "temperature": 0, "top_k": 1, "repeat_penalty": 1.0, "max_tokens": 128, "seed": 1}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["choices"][0]["message"]["content"])'
}
ask "$llama_port" >"$work/llama.txt"
ask "$serve_port" >"$work/serve.txt"
if cmp -s "$work/llama.txt" "$work/serve.txt"; then
  echo "1. greedy chat completion: identical ($(wc -c <"$work/llama.txt") bytes)"
else
  echo "1. greedy chat completion: DIFFERS"; diff "$work/llama.txt" "$work/serve.txt" || true; status=1
fi

desc="A JSON API with GET /cube?edge=E that returns the volume of a cube as JSON"
# the plan without its JSON schema on both sides: llama-cpp-python 0.3.36 refuses response_format json_schema
# (deepcoder then asks again without it), deepcoder serve follows it, and the two would get different requests
export DEEPCODER_PLAN_SCHEMA=off
for side in llama serve; do
  port=$([ $side = llama ] && echo "$llama_port" || echo "$serve_port")
  "$bin" new "$desc" -o "$work/$side" --backend "http://127.0.0.1:$port/v1" --model "$model_name" --no-verify \
    --temperature 0 --top-k 1 --max-tokens 400 >/dev/null 2>"$work/$side-new.log" || { echo "new on $side failed:"; tail -5 "$work/$side-new.log"; }
  (cd "$work/$side" && "$bin" regen app.py --instruction "round the volume to two decimals" \
     --backend "http://127.0.0.1:$port/v1" --model "$model_name" --no-verify --temperature 0 --top-k 1 --max-tokens 400) \
     2>"$work/$side-regen.log" >/dev/null || echo "regen on $side: exit $? (see below)"
done
if diff -r -x .git -x generation.json "$work/llama" "$work/serve" >"$work/tree.diff"; then
  echo "2. new + regen with --backend: identical trees ($(find "$work/serve" -type f -not -path '*/.git/*' | wc -l) files)"
else
  echo "2. new + regen with --backend: trees DIFFER"; head -40 "$work/tree.diff"; status=1
fi
exit "${status:-0}"
