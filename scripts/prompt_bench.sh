#!/usr/bin/env bash
# Prompt processing on prompts deepcoder really sent, and decoding after them, against llama.cpp.
#
#   scripts/prompt_bench.sh [--models "qwen2.5-coder-0.5b-instruct qwen2.5-coder-1.5b-instruct"]
#                           [--threads 2] [--tg 64] [--reps 3] [--prompts "scripts/ttft-prompts/*.txt"]
#                           [--cpu avx2]
#
# The prompts in scripts/ttft-prompts/ were written by DEEPCODER_DUMP_PROMPTS during `deepcoder new` runs on
# the public suite: a first ask for app.py (about 750 tokens), an ask for one route (about 1,800) and a
# repair of a template (about 2,500). Each runs whole from position 0 (no prefix reused). For each model
# and prompt file, alternating:
#   deepcoder bench --prompt-file F -n TG              prompt tokens/s, then greedy decoding after it
#   llama-bench -p N -n 0                              llama.cpp's prompt processing of the same N tokens
#   llama-bench -p 0 -n TG -d N                        llama.cpp's decoding at depth N
# and prints a Markdown table (medians of --reps runs inside each tool), with the time to first token
# (N / prompt tokens/s). --cpu avx2 uses the llama.cpp that `scripts/bench.sh --cpu avx2` builds and
# DEEPCODER_KERNELS=avx2. Both tools spin their threads: run it on a quiet machine.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOME_DIR="${DEEPCODER_HOME:-$HOME/.cache/deepcoder}"
BENCH_DIR="$HOME_DIR/llama-bench-0.3.36"
DEEPCODER="${DEEPCODER_BIN:-$ROOT/.build/release/deepcoder}"
PYTHON="${PYTHON:-python3}"
MODELS="qwen2.5-coder-0.5b-instruct qwen2.5-coder-1.5b-instruct"
THREADS=2
TG=64
REPS=3
CPU=native
PROMPTS="$ROOT/scripts/ttft-prompts/*.txt"

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --models|-m) MODELS="$2"; shift 2 ;;
        --threads|-t) THREADS="$2"; shift 2 ;;
        --tg) TG="$2"; shift 2 ;;
        --reps) REPS="$2"; shift 2 ;;
        --prompts) PROMPTS="$2"; shift 2 ;;
        --cpu) CPU="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "prompt_bench.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
log() { echo "prompt_bench.sh: $*" >&2; }
die() { echo "prompt_bench.sh: error: $*" >&2; exit 1; }
case "$CPU" in
    native) ;;
    avx2) BENCH_DIR="$BENCH_DIR-avx2"; export DEEPCODER_KERNELS=avx2 ;;
    *) die "--cpu takes native or avx2; got '$CPU'" ;;
esac
LLAMA_BENCH="$BENCH_DIR/bin/llama-bench"
[ -x "$DEEPCODER" ] || die "$DEEPCODER not built (swift build -c release)"
[ -x "$LLAMA_BENCH" ] || die "no $LLAMA_BENCH: build it with scripts/bench.sh --build-only$([ "$CPU" = avx2 ] && echo ' --cpu avx2')"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/prompt-bench.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

echo "CPU: $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') ($(nproc) cores); kernels: $CPU; llama.cpp: $(cat "$BENCH_DIR/BUILD-INFO" 2>/dev/null || echo '?'); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| model | prompt | tokens | llama.cpp pp tokens/s | deepcoder pp tokens/s | ratio | llama.cpp first token | deepcoder first token | llama.cpp tg$TG at that depth | deepcoder tg$TG after it | ratio |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for m in $MODELS; do
    file="$("$DEEPCODER" models path "$m" 2>/dev/null || true)"
    [ -f "$file" ] || die "model '$m' is not installed (deepcoder models pull $m)"
    for f in $PROMPTS; do
        log "$m, $(basename "$f")"
        "$DEEPCODER" bench --model "$m" --threads "$THREADS" --prompt-file "$f" -n "$TG" -r "$REPS" --json >"$TMP/dc.json" 2>"$TMP/dc.err" \
            || { tail -n 5 "$TMP/dc.err" >&2; die "deepcoder bench failed on $f"; }
        n="$("$PYTHON" -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["n_prompt"])' "$TMP/dc.json")"
        "$LLAMA_BENCH" -m "$file" -p "$n" -n 0 -t "$THREADS" -r "$REPS" -o json >"$TMP/lpp.json" 2>"$TMP/l.err" \
            || { tail -n 5 "$TMP/l.err" >&2; die "llama-bench failed"; }
        "$LLAMA_BENCH" -m "$file" -p 0 -n "$TG" -d "$n" -t "$THREADS" -r "$REPS" -o json >"$TMP/ltg.json" 2>"$TMP/l.err" \
            || { tail -n 5 "$TMP/l.err" >&2; die "llama-bench failed"; }
        "$PYTHON" - "$m" "$(basename "$f")" "$TMP/dc.json" "$TMP/lpp.json" "$TMP/ltg.json" <<'PY'
import json, sys
m, name, dc, lpp, ltg = sys.argv[1:6]
d = json.loads(open(dc).read().splitlines()[-1])
lp = json.load(open(lpp))[0]["avg_ts"]
lt = json.load(open(ltg))[0]["avg_ts"]
n, dp, dt = d["n_prompt"], d["pp_tokens_per_s"], d["tg_tokens_per_s"]
print(f"| {m} | {name} | {n} | {lp:.2f} | {dp:.2f} | {dp / lp:.2f} | {n / lp:.2f} s | {n / dp:.2f} s | {lt:.2f} | {dt:.2f} | {dt / lt:.2f} |")
PY
    done
done
