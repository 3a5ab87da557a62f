#!/usr/bin/env bash
# Runs the corrupted-model fuzz harness (Tests/CLITests/GGUFFuzzHarness.swift) on more cases than the
# test suite's 500: every case is a damaged copy of a tiny generated model, run through
# `deepcoder tokenize` and `deepcoder generate -n 1` in child processes. Prints a summary (crashes,
# hangs, unexplained endings, an exit-code histogram, wall time) and fails if any case crashed, hung or
# ended other than exit 0 or exit 3 with a one-line `error:` message.
#
# Usage: scripts/fuzz_gguf.sh [CASES] [SEED]       (default 10000 cases, seed 12: the test suite's seed)
# Environment: DEEPCODER_FUZZ_JOBS (parallel cases, default 2), DEEPCODER_FUZZ_TIMEOUT (seconds per
# command, default 30), DEEPCODER_FUZZ_KEEP (a directory to keep failing files in),
# DEEPCODER_FUZZ_ONLY (comma-separated case numbers to rerun).
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(-c release -Xswiftc -enable-testing)
export DEEPCODER_FUZZ_CASES="${1:-10000}"
export DEEPCODER_FUZZ_SEED="${2:-12}"
swift build "${flags[@]}"
swift test "${flags[@]}" --disable-swift-testing --filter 'CLITests.GGUFFuzzTests/testCorruptedModelFilesNeverCrash' 2>&1 |
  grep -v '^\[[0-9]*/[0-9]*\]'
