#!/usr/bin/env bash
# Compare deepcoder's engine against llama.cpp's own llama-bench on the same GGUF files.
#
#   scripts/bench.sh [--models "smollm2-135m-instruct qwen2.5-coder-0.5b-instruct"] [--threads "1 2"]
#                    [--pp 512] [--tg 64] [--reps 3] [--write docs/PERFORMANCE.md] [--build-only]
#                    [--skip-deepcoder] [--busy "0 1 2"] [--cpu avx2]
#
# llama-bench is built once from the llama-cpp-python==0.3.36 sdist (the same llama.cpp that made
# the reference fixtures) and cached under ${DEEPCODER_HOME:-~/.cache/deepcoder}/llama-bench-0.3.36/.
# Both tools run prompt processing of 512 tokens (pp512) and generation of 64 tokens (tg64),
# 3 repetitions each; the table reports tokens/s, deepcoder/llama.cpp ratios, deepcoder's first-token
# latency after the prompt, and the fraction of the measured memory read bandwidth its generation uses.
# Drafted decoding after real prompts (deepcoder bench --prompt-file F --draft ngram) against plain
# decoding and llama-bench at the same depth: scripts/draft_bench.sh, which uses the llama-bench built here.
# --busy "0 1 2" runs every measurement again with that many busy processes beside it (each a shell loop
# that spins one core, at the same priority), and adds a table of the speed each tool keeps under that load
# (its figure with B busy processes divided by its figure with none, from the same run).
# --cpu avx2 measures both tools as on an AVX2-only machine: llama.cpp built without AVX-512 (cached apart,
# in llama-bench-0.3.36-avx2/) and deepcoder with DEEPCODER_KERNELS=avx2. On an AVX-512 CPU that runs the
# AVX2 code of both, not a different machine's memory or clocks.
set -euo pipefail

LLAMA_CPP_PY_VERSION=0.3.36
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOME_DIR="${DEEPCODER_HOME:-$HOME/.cache/deepcoder}"
BENCH_DIR="$HOME_DIR/llama-bench-$LLAMA_CPP_PY_VERSION"
LLAMA_BENCH="$BENCH_DIR/bin/llama-bench"
# built with it: llama-completion (scripts/grammar_overhead.sh) and llama-batched-bench (batched decoding)
LLAMA_TOOLS="llama-bench llama-completion llama-batched-bench"
DEEPCODER="${DEEPCODER_BIN:-$ROOT/.build/release/deepcoder}"
PYTHON="${PYTHON:-python3}"

MODELS=""
THREADS="2"
WRITE=""
BUILD_ONLY=0
SKIP_DEEPCODER=0
BUSY="0"
PP=512
TG=64
REPS=3
CPU=native

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
        --models|-m) MODELS="$2"; shift 2 ;;
        --threads|-t) THREADS="$2"; shift 2 ;;
        --pp) PP="$2"; shift 2 ;;
        --tg) TG="$2"; shift 2 ;;
        --reps) REPS="$2"; shift 2 ;;
        --write) WRITE="$2"; shift 2 ;;
        --build-only) BUILD_ONLY=1; shift ;;
        --skip-deepcoder) SKIP_DEEPCODER=1; shift ;;
        --busy) BUSY="$2"; shift 2 ;;
        --cpu) CPU="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done

log() { echo "bench.sh: $*" >&2; }
die() { echo "bench.sh: error: $*" >&2; exit 1; }
for b in $BUSY; do
    case "$b" in ''|*[!0-9]*) die "--busy takes counts of busy processes, such as \"0 1 2\"; got '$b'" ;; esac
done
case "$CPU" in
    native) ;;
    avx2)
        BENCH_DIR="$BENCH_DIR-avx2"; LLAMA_BENCH="$BENCH_DIR/bin/llama-bench"
        export DEEPCODER_KERNELS=avx2 ;;
    *) die "--cpu takes native or avx2; got '$CPU'" ;;
esac

# ---------------------------------------------------------------------------------------------
# 1. llama-bench, built once.
# ---------------------------------------------------------------------------------------------
ensure_cmake() {
    if command -v cmake >/dev/null 2>&1; then CMAKE=cmake; return; fi
    local pybin
    pybin="$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_path("scripts"))')"
    if [ ! -x "$pybin/cmake" ]; then
        log "cmake not found; installing it with pip"
        "$PYTHON" -m pip install --quiet cmake || die "could not install cmake (try: $PYTHON -m pip install cmake, or apt-get install cmake)"
    fi
    if command -v cmake >/dev/null 2>&1; then CMAKE=cmake; else CMAKE="$pybin/cmake"; fi
    [ -x "$(command -v "$CMAKE")" ] || die "cmake is still missing after pip install"
}

build_llama_bench() {
    local t missing=0
    for t in $LLAMA_TOOLS; do [ -x "$BENCH_DIR/bin/$t" ] || missing=1; done
    if [ "$missing" = 0 ]; then return; fi
    command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (apt-get install python3 python3-pip)"
    "$PYTHON" -m pip --version >/dev/null 2>&1 || die "pip not found (apt-get install python3-pip)"
    command -v c++ >/dev/null 2>&1 || command -v g++ >/dev/null 2>&1 || die "no C++ compiler (apt-get install build-essential)"
    ensure_cmake
    local work
    work="$(mktemp -d "${TMPDIR:-/tmp}/llama-bench-build.XXXXXX")"
    # shellcheck disable=SC2064
    trap "rm -rf '$work'" EXIT
    log "downloading the llama-cpp-python==$LLAMA_CPP_PY_VERSION sdist"
    # --no-binary for this one package only: with :all: pip would also build every build
    # dependency of the sdist (scikit-build-core, hatchling, ...) from source just to read metadata.
    "$PYTHON" -m pip download --quiet --no-deps --no-binary llama-cpp-python -d "$work" \
        "llama-cpp-python==$LLAMA_CPP_PY_VERSION" || die "pip download of the sdist failed"
    local sdist
    sdist="$(find "$work" -maxdepth 1 -type f -name 'llama*cpp*python-*.tar.gz' | head -n1)"
    [ -n "$sdist" ] || die "sdist not found in $work"
    tar -xzf "$sdist" -C "$work"
    local src
    src="$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'llama*cpp*python*' | head -n1)"
    [ -d "$src/vendor/llama.cpp" ] || die "vendor/llama.cpp missing from the sdist"
    # -march=native, except where the CPU reports AMX: there llama.cpp's AMX kernel died with SIGILL
    # (tilezero) on the VMs here, so the AVX-512 features are named one by one instead
    local CPU_FLAGS="-DGGML_NATIVE=ON"
    if [ "$CPU" = avx2 ]; then
        CPU_FLAGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX_VNNI=OFF -DGGML_AVX512=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_BF16=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
    elif grep -qw amx_int8 /proc/cpuinfo 2>/dev/null; then
        CPU_FLAGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_VBMI=ON -DGGML_AVX512_BF16=ON"
    fi
    log "building $LLAMA_TOOLS with $CPU_FLAGS (takes ~10 minutes on 2 cores)"
    (
        cd "$src"
        # shellcheck disable=SC2086
        "$CMAKE" -B build vendor/llama.cpp $CPU_FLAGS -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF \
            -DBUILD_SHARED_LIBS=OFF -DCMAKE_BUILD_TYPE=Release >"$work/cmake-configure.log" 2>&1 \
            || { tail -n 30 "$work/cmake-configure.log" >&2; exit 1; }
        # shellcheck disable=SC2086
        "$CMAKE" --build build --target $LLAMA_TOOLS -j2 >"$work/cmake-build.log" 2>&1 \
            || { tail -n 30 "$work/cmake-build.log" >&2; exit 1; }
    ) || die "llama-bench build failed"
    mkdir -p "$BENCH_DIR/bin"
    # Keep any shared libraries next to the binary in case the static build was overridden.
    find "$src/build" -name '*.so*' -exec cp -a {} "$BENCH_DIR/bin/" \; 2>/dev/null || true
    local built
    for t in $LLAMA_TOOLS; do
        built="$(find "$src/build" -type f -name "$t" -perm -u+x | head -n1)"
        [ -n "$built" ] || die "$t binary not found after the build"
        cp "$built" "$BENCH_DIR/bin/$t.tmp" && mv "$BENCH_DIR/bin/$t.tmp" "$BENCH_DIR/bin/$t"
    done
    echo "llama-cpp-python $LLAMA_CPP_PY_VERSION, built $(date -u +%Y-%m-%dT%H:%M:%SZ) with $CPU_FLAGS" \
        >"$BENCH_DIR/BUILD-INFO"
    rm -rf "$work"
    trap - EXIT
    log "$LLAMA_TOOLS cached in $BENCH_DIR/bin"
}

build_llama_bench
if [ "$BUILD_ONLY" = 1 ]; then echo "$LLAMA_BENCH"; exit 0; fi

# ---------------------------------------------------------------------------------------------
# 2. Which models: catalog names resolved by deepcoder, or paths to .gguf files.
# ---------------------------------------------------------------------------------------------
CATALOG="smollm2-135m-instruct qwen2.5-coder-0.5b-instruct qwen2.5-coder-1.5b-instruct"

resolve_model() { # NAME-or-PATH -> file path on stdout, or nothing
    local m="$1"
    if [ -f "$m" ]; then echo "$m"; return; fi
    [ -x "$DEEPCODER" ] || die "$DEEPCODER not built (swift build -c release) — needed to resolve '$m'"
    "$DEEPCODER" models path "$m" 2>/dev/null || true
}

if [ -z "$MODELS" ]; then
    [ -x "$DEEPCODER" ] || die "$DEEPCODER not built (swift build -c release); or pass --models with .gguf paths"
    for m in $CATALOG; do
        p="$(resolve_model "$m")"
        if [ -n "$p" ] && [ -f "$p" ]; then MODELS="$MODELS $m"; else log "skipping $m (not installed)"; fi
    done
    [ -n "$MODELS" ] || die "no catalog model is installed; run: deepcoder models pull NAME"
fi

# ---------------------------------------------------------------------------------------------
# 3. Run both benchmarks and print a Markdown table.
# ---------------------------------------------------------------------------------------------
JSON_TMP="$(mktemp -d "${TMPDIR:-/tmp}/deepcoder-bench.XXXXXX")"
trap 'rm -rf "$JSON_TMP"' EXIT

# llama-bench -o json prints an array with one object per test (pp then tg); avg_ts is tokens/s.
llama_numbers() { # FILE THREADS -> "pp tg"
    local out="$JSON_TMP/llama.json"
    local rc=0
    "$LLAMA_BENCH" -m "$1" -p "$PP" -n "$TG" -t "$2" -r "$REPS" -o json >"$out" 2>"$JSON_TMP/llama.err" || rc=$?
    if [ "$rc" != 0 ]; then
        log "llama-bench failed on $1 (exit $rc):"; tail -n 20 "$JSON_TMP/llama.err" >&2; echo "- -"; return
    fi
    "$PYTHON" - "$out" "$PP" "$TG" <<'EOF'
import json, sys
rows = json.load(open(sys.argv[1])); pp = int(sys.argv[2]); tg = int(sys.argv[3])
def pick(p, g):
    for r in rows:
        if r.get("n_prompt") == p and r.get("n_gen") == g:
            return "%.2f" % r["avg_ts"]
    print("bench.sh: no n_prompt=%d n_gen=%d row in llama-bench's JSON" % (p, g), file=sys.stderr)
    return "-"
print(pick(pp, 0), pick(0, tg))
EOF
}

deepcoder_numbers() { # FILE THREADS -> "pp tg first_token_ms bandwidth_GBs tg_fraction"
    if [ "$SKIP_DEEPCODER" = 1 ] || [ ! -x "$DEEPCODER" ]; then echo "- - - - -"; return; fi
    local out="$JSON_TMP/deepcoder.json"
    local rc=0
    "$DEEPCODER" bench --model "$1" -p "$PP" -n "$TG" --threads "$2" --repetitions "$REPS" --bandwidth --json \
        >"$out" 2>"$JSON_TMP/deepcoder.err" || rc=$?
    if [ "$rc" != 0 ]; then
        log "deepcoder bench failed on $1 (exit $rc):"; tail -n 20 "$JSON_TMP/deepcoder.err" >&2; echo "- - - - -"; return
    fi
    "$PYTHON" - "$out" <<'EOF'
import json, sys
lines = [l for l in open(sys.argv[1]).read().splitlines() if l.strip().startswith("{")]
if not lines:
    print("bench.sh: deepcoder bench printed no JSON line", file=sys.stderr)
    print("- - - - -")
    sys.exit(0)
d = json.loads(lines[-1])
f = lambda k, fmt="%.2f": (fmt % d[k]) if isinstance(d.get(k), (int, float)) else "-"
print(f("pp_tokens_per_s"), f("tg_tokens_per_s"), f("first_token_ms", "%.0f"), f("read_bandwidth_gbs", "%.1f"),
      ("%.0f%%" % (100 * d["tg_bandwidth_fraction"])) if isinstance(d.get("tg_bandwidth_fraction"), (int, float)) else "-")
EOF
}

ratio() { # deepcoder llama -> deepcoder/llama
    if [ "$1" = "-" ] || [ "$2" = "-" ]; then echo "-"; return; fi
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'
}

cpu_model="$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')"
[ -n "$cpu_model" ] || cpu_model="$(uname -m)"
cpu_flags="$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | tr ' ' '\n' \
    | grep -E '^(avx|avx2|fma|f16c|avx512f|avx512bw|avx512vl|avx512_vnni|avx512_bf16|avx_vnni|amx_int8|sse4_2)$' \
    | tr '\n' ' ' | sed 's/ *$//')"

# Both tools spin their worker threads: anything else running makes the numbers meaningless.
load1="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)"
if awk -v l="$load1" 'BEGIN { exit !(l > 0.5) }'; then
    log "warning: 1-minute load average is $load1; other work on this machine will skew the numbers"
fi

TABLE="$JSON_TMP/table.md"
{
    echo "CPU: $cpu_model ($(nproc) cores); flags: ${cpu_flags:-unknown}"
    if [ "$CPU" = avx2 ]; then
        echo "AVX2 code only: llama.cpp built with GGML_NATIVE=OFF GGML_AVX2=ON GGML_AVX512=OFF, deepcoder with DEEPCODER_KERNELS=avx2"
    fi
    echo "llama.cpp: llama-bench from llama-cpp-python $LLAMA_CPP_PY_VERSION (built with $(cut -d" " -f6- "$BENCH_DIR/BUILD-INFO" 2>/dev/null)); $REPS repetitions; tokens/s"
    echo
    echo "| model | threads | busy processes | llama.cpp pp$PP | deepcoder pp$PP | ratio | llama.cpp tg$TG | deepcoder tg$TG | ratio | deepcoder first token after $PP tokens (ms) | read bandwidth (GB/s) | tg share of it |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$TABLE"
ROWS="$JSON_TMP/rows.tsv"; : >"$ROWS"

# Busy processes: each spins one core in a shell loop until killed.
BUSY_PIDS=()
start_busy() { # COUNT
    local i
    for ((i = 0; i < $1; i++)); do
        bash -c 'while :; do :; done' &
        BUSY_PIDS+=($!)
    done
    if [ "$1" -gt 0 ]; then sleep 1; fi
}
stop_busy() {
    if [ ${#BUSY_PIDS[@]} -gt 0 ]; then
        kill "${BUSY_PIDS[@]}" 2>/dev/null || true
        wait "${BUSY_PIDS[@]}" 2>/dev/null || true
    fi
    BUSY_PIDS=()
}
trap 'stop_busy; rm -rf "$JSON_TMP"' EXIT

for m in $MODELS; do
    file="$(resolve_model "$m")"
    [ -n "$file" ] && [ -f "$file" ] || die "model '$m' is not installed (deepcoder models pull $m) and is not a file"
    label="$m"; [ -f "$m" ] && label="$(basename "$m")"
    for t in $THREADS; do
      for b in $BUSY; do
        log "benchmarking $label with $t thread(s) and $b busy process(es)"
        l_pp=""; l_tg=""; d_pp=""; d_tg=""; d_ft=""; d_bw=""; d_fr=""
        start_busy "$b"
        read -r l_pp l_tg < <(llama_numbers "$file" "$t") || true
        read -r d_pp d_tg d_ft d_bw d_fr < <(deepcoder_numbers "$file" "$t") || true
        stop_busy
        l_pp="${l_pp:--}"; l_tg="${l_tg:--}"; d_pp="${d_pp:--}"; d_tg="${d_tg:--}"
        d_ft="${d_ft:--}"; d_bw="${d_bw:--}"; d_fr="${d_fr:--}"
        echo "| $label | $t | $b | $l_pp | $d_pp | $(ratio "$d_pp" "$l_pp") | $l_tg | $d_tg | $(ratio "$d_tg" "$l_tg") | $d_ft | $d_bw | $d_fr |" >>"$TABLE"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$t" "$b" "$l_pp" "$d_pp" "$l_tg" "$d_tg" >>"$ROWS"
      done
    done
done

# With --busy: the share of its own quiet figure each tool keeps with B busy processes beside it.
if [ "$(echo $BUSY | wc -w)" -gt 1 ]; then
    "$PYTHON" - "$ROWS" "$PP" "$TG" >>"$TABLE" <<'EOF'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
pp, tg = sys.argv[2], sys.argv[3]
quiet = {(r[0], r[1]): r for r in rows if r[2] == "0"}
def keep(a, b):
    try:
        return "%.2f" % (float(a) / float(b))
    except (ValueError, ZeroDivisionError):
        return "-"
print()
print("Speed kept under load (the figure with B busy processes divided by the figure with none, same run):")
print()
print(f"| model | threads | busy processes | llama.cpp keeps (pp{pp}) | deepcoder keeps (pp{pp}) | llama.cpp keeps (tg{tg}) | deepcoder keeps (tg{tg}) |")
print("|---|---:|---:|---:|---:|---:|---:|")
for r in rows:
    q = quiet.get((r[0], r[1]))
    if r[2] == "0" or q is None:
        continue
    print(f"| {r[0]} | {r[1]} | {r[2]} | {keep(r[3], q[3])} | {keep(r[4], q[4])} | {keep(r[5], q[5])} | {keep(r[6], q[6])} |")
EOF
fi

cat "$TABLE"

if [ -n "$WRITE" ]; then
    target="$WRITE"; case "$target" in /*) ;; *) target="$ROOT/$target" ;; esac
    "$PYTHON" - "$target" "$TABLE" <<'EOF'
import os, sys
target, table = sys.argv[1], open(sys.argv[2]).read().rstrip("\n")
begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
block = f"{begin}\n{table}\n{end}"
text = open(target).read() if os.path.exists(target) else "# Performance\n\n"
if begin in text and end in text and text.index(begin) < text.index(end):
    text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
else:
    text = text.rstrip("\n") + "\n\n" + block + "\n"
tmp = target + ".tmp"
open(tmp, "w").write(text)
os.replace(tmp, target)
EOF
    log "wrote the table into $WRITE"
fi
