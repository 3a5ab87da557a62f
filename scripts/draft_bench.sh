#!/usr/bin/env bash
# Drafted decoding (issue 16) against plain decoding and llama.cpp's plain decoding, on real prompts.
#
#   scripts/draft_bench.sh [--models "qwen2.5-coder-0.5b-instruct qwen2.5-coder-1.5b-instruct"]
#                          [--threads 2] [--tg 256] [--reps 3] [--prompts "scripts/draft-prompts/*.txt"]
#
# For each model and prompt file (regen- and repair-like prompts: a Flask file and an instruction to
# write it again with a small change; or files written by DEEPCODER_DUMP_PROMPTS=DIR deepcoder new ...):
#   deepcoder bench --prompt-file F -n TG              greedy decoding after the chat prompt, plain
#   deepcoder bench --prompt-file F -n TG --draft ngram the same with tokens drafted from the context
#   llama-bench -p 0 -n TG -d <prompt tokens>          llama.cpp's plain decoding at the same depth
# and prints a Markdown table (tokens/s, medians of --reps runs). deepcoder's tokens are fingerprinted:
# "same tokens" says whether drafted and plain decoding emitted the same ones. llama-bench is the one
# scripts/bench.sh builds (scripts/bench.sh --build-only).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOME_DIR="${DEEPCODER_HOME:-$HOME/.cache/deepcoder}"
LLAMA_BENCH="$HOME_DIR/llama-bench-0.3.36/bin/llama-bench"
DEEPCODER="${DEEPCODER_BIN:-$ROOT/.build/release/deepcoder}"
PYTHON="${PYTHON:-python3}"
MODELS="qwen2.5-coder-0.5b-instruct"
THREADS=2
TG=256
REPS=3
PROMPTS="$ROOT/scripts/draft-prompts/*.txt"

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --models|-m) MODELS="$2"; shift 2 ;;
        --threads|-t) THREADS="$2"; shift 2 ;;
        --tg) TG="$2"; shift 2 ;;
        --reps) REPS="$2"; shift 2 ;;
        --prompts) PROMPTS="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "draft_bench.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
log() { echo "draft_bench.sh: $*" >&2; }
[ -x "$DEEPCODER" ] || { log "$DEEPCODER not built (swift build -c release)"; exit 1; }
[ -x "$LLAMA_BENCH" ] || log "no $LLAMA_BENCH (scripts/bench.sh --build-only builds it); llama.cpp column left empty"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/draft-bench.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

echo "CPU: $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') ($(nproc) cores); avx512_vnni: $(grep -o -m1 avx512_vnni /proc/cpuinfo || echo no); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| model | prompt | prompt tokens | generated | llama.cpp tg$TG at that depth | deepcoder plain | deepcoder --draft ngram | drafted / plain | drafted / llama.cpp | accepted draft tokens per pass | same tokens |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
for m in $MODELS; do
    file="$("$DEEPCODER" models path "$m" 2>/dev/null || true)"
    [ -f "$file" ] || file="$m"
    for f in $PROMPTS; do
        log "$m, $(basename "$f"): plain"
        "$DEEPCODER" bench --model "$m" --threads "$THREADS" --prompt-file "$f" -n "$TG" -r "$REPS" --json >"$TMP/plain.json"
        log "$m, $(basename "$f"): --draft ngram"
        "$DEEPCODER" bench --model "$m" --threads "$THREADS" --prompt-file "$f" -n "$TG" -r "$REPS" --draft ngram --json >"$TMP/draft.json"
        depth="$("$PYTHON" -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["n_prompt"])' "$TMP/plain.json")"
        echo "[]" >"$TMP/llama.json"
        if [ -x "$LLAMA_BENCH" ]; then
            log "$m, $(basename "$f"): llama-bench tg$TG at depth $depth"
            "$LLAMA_BENCH" -m "$file" -t "$THREADS" -p 0 -n "$TG" -d "$depth" -r "$REPS" -o json >"$TMP/llama.json" 2>"$TMP/llama.err" \
                || { log "llama-bench failed:"; tail -n 5 "$TMP/llama.err" >&2; echo "[]" >"$TMP/llama.json"; }
        fi
        "$PYTHON" - "$m" "$(basename "$f")" "$TMP/plain.json" "$TMP/draft.json" "$TMP/llama.json" <<'EOF'
import json, sys
model, prompt, plain, draft, llama = sys.argv[1:6]
p = json.loads(open(plain).read().splitlines()[-1])
d = json.loads(open(draft).read().splitlines()[-1])
rows = json.load(open(llama))
l = next((r["avg_ts"] for r in rows if r.get("n_gen", 0) > 0), None)
ratio = lambda a, b: "%.2f" % (a / b) if a and b else "-"
print("| %s | %s | %d | %d | %s | %.2f | %.2f | %s | %s | %.2f | %s |" % (
    model, prompt, p["n_prompt"], d["n_generated"], "%.2f" % l if l else "-", p["tg_tokens_per_s"], d["tg_tokens_per_s"],
    ratio(d["tg_tokens_per_s"], p["tg_tokens_per_s"]), ratio(d["tg_tokens_per_s"], l), d["accepted_tokens_per_step"],
    "yes" if p["tokens_fnv1a"] == d["tokens_fnv1a"] else "NO"))
EOF
    done
done
