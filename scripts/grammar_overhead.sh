#!/usr/bin/env bash
# The cost of constrained decoding per token: deepcoder's grammar masks against llama.cpp's grammar
# sampler, on the same GGUF, the same JSON schema and the same chat request, greedy, in one run.
#
#   scripts/grammar_overhead.sh [--model qwen2.5-coder-0.5b-instruct] [--schema Templates/prompts/plan.schema.json]
#                               [-n 700] [--threads 2] [--reps 3]
#
# llama.cpp: llama-completion (built by scripts/bench.sh --build-only, from the llama-cpp-python sdist the
# fixtures use) answers the request in single-turn chat mode, with and without --json-schema-file (llama.cpp's
# own schema-to-grammar converter). Its "sampling time" per token (llama_perf_sampler_print) covers all of
# its sampling; the grammar's share is the constrained figure minus the unconstrained one. Its decode
# tokens/s is "eval time" (llama_perf_context_print).
# deepcoder: `bench --json-schema` reports the time its grammar took per token directly (masks, masking,
# sampling among the allowed tokens, advancing the grammar) and the unconstrained/constrained tokens/s.
# Each tool's figures are medians of --reps runs, alternating the two tools run by run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEEPCODER="${DEEPCODER_BIN:-$ROOT/.build/release/deepcoder}"
MODEL=qwen2.5-coder-0.5b-instruct
SCHEMA="$ROOT/Templates/prompts/plan.schema.json"
N=700
THREADS=2
REPS=3
PROMPT="Plan a small Flask app for a to-do list with a page to add items and a JSON API to list them. Answer with the plan as JSON."

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --model|-m) MODEL="$2"; shift 2 ;;
        --schema) SCHEMA="$2"; shift 2 ;;
        -n) N="$2"; shift 2 ;;
        --threads|-t) THREADS="$2"; shift 2 ;;
        --reps) REPS="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "grammar_overhead.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
die() { echo "grammar_overhead.sh: error: $*" >&2; exit 1; }

[ -x "$DEEPCODER" ] || die "$DEEPCODER not built (swift build -c release)"
[ -f "$SCHEMA" ] || die "no schema file $SCHEMA"
GGUF="$MODEL"
[ -f "$GGUF" ] || GGUF="$("$DEEPCODER" models path "$MODEL" 2>/dev/null || true)"
[ -f "$GGUF" ] || die "model $MODEL is not installed (deepcoder models pull $MODEL)"
BIN_DIR="$(dirname "$(bash "$ROOT/scripts/bench.sh" --build-only)")"
LLAMA="$BIN_DIR/llama-completion"
[ -x "$LLAMA" ] || die "llama-completion missing from $BIN_DIR (rm -rf $BIN_DIR and run scripts/bench.sh --build-only)"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/grammar-overhead.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

# llama-completion: prints "<sampling ms per token> <eval tokens/s> <tokens>" for one run
llama_run() { # constrained(0|1)
    local extra=()
    [ "$1" = 1 ] && extra=(--json-schema-file "$SCHEMA")
    "$LLAMA" -m "$GGUF" -t "$THREADS" -c 4096 -n "$N" --temp 0 --seed 1 -cnv -st -p "$PROMPT" --no-display-prompt \
        "${extra[@]}" </dev/null >"$TMP/llama.out" 2>"$TMP/llama.err" || { tail -n 20 "$TMP/llama.err" >&2; die "llama-completion failed"; }
    python3 - "$TMP/llama.err" <<'EOF'
import re, sys
t = open(sys.argv[1], errors="replace").read()
# "sampling time = 6.11 ms" (all of the sampling, the grammar included) and "eval time = 391.16 ms / 10 runs"
s = re.search(r"sampling time =\s*([\d.]+) ms", t)
e = re.search(r"\seval time =\s*([\d.]+) ms /\s*(\d+) runs", t)
if not (s and e):
    sys.exit("no timings in llama-completion's output")
runs = max(int(e.group(2)), 1)
print(f"{float(s.group(1)) / runs:.4f} {runs * 1000 / max(float(e.group(1)), 1e-9):.3f} {runs}")
EOF
}

ll_plain=(); ll_con=(); ll_tps_plain=(); ll_tps_con=(); ll_tok=""
dc_json=()
for rep in $(seq 1 "$REPS"); do
    read -r sp tp np < <(llama_run 0)
    read -r sc tc nc < <(llama_run 1)
    ll_plain+=("$sp"); ll_con+=("$sc"); ll_tps_plain+=("$tp"); ll_tps_con+=("$tc"); ll_tok="$np/$nc"
    echo "run $rep llama.cpp: sampling ${sp} ms/token unconstrained (${np} tokens, ${tp} t/s), ${sc} ms/token constrained (${nc} tokens, ${tc} t/s)" >&2
    "$DEEPCODER" bench -m "$GGUF" -t "$THREADS" -n "$N" -r 1 --json-schema "$SCHEMA" --prompt-text "$PROMPT" --json >"$TMP/dc.json" 2>"$TMP/dc.err" \
        || { cat "$TMP/dc.err" >&2; die "deepcoder bench failed"; }
    dc_json+=("$(cat "$TMP/dc.json")")
    echo "run $rep deepcoder: $(cat "$TMP/dc.json")" >&2
done

python3 - "$MODEL" "$THREADS" "$ll_tok" "${ll_plain[*]}" "${ll_con[*]}" "${ll_tps_plain[*]}" "${ll_tps_con[*]}" "${dc_json[@]}" <<'EOF'
import json, statistics, sys
model, threads, ll_tok = sys.argv[1], sys.argv[2], sys.argv[3]
f = lambda s: [float(x) for x in s.split()]
ll_plain, ll_con, ll_tp, ll_tc = map(f, sys.argv[4:8])
dc = [json.loads(x) for x in sys.argv[8:]]
med = statistics.median
def key(name):
    vals = [d[name] for d in dc if name in d]
    return med(vals) if vals else float("nan")
print(f"| engine ({model}, {threads} threads, median of {len(dc)}) | unconstrained t/s | constrained t/s | grammar ms/token |")
print("|---|---:|---:|---:|")
print(f"| llama.cpp (tokens {ll_tok}) | {med(ll_tp):.2f} | {med(ll_tc):.2f} | {med(ll_con) - med(ll_plain):.3f} (sampling {med(ll_con):.3f} vs {med(ll_plain):.3f}) |")
print(f"| deepcoder | {key('unconstrained_tokens_per_s'):.2f} | {key('constrained_tokens_per_s'):.2f} | {key('grammar_ms_per_token'):.3f} |")
EOF
