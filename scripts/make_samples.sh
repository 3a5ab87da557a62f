#!/usr/bin/env bash
# Regenerates Samples/: for each Samples/NAME/description.txt, runs `deepcoder new` with the default
# model and keeps what it produced, unedited: project/ (the generated files; its .git is replaced by
# commit.txt, the commit as `git log` shows it, because a repository cannot be nested in this one),
# report.txt (deepcoder's report on stdout), progress.log (stderr) and command.txt.
#
#   scripts/make_samples.sh [NAME ...]        # default: every sample
# Env: DEEPCODER (binary, default .build/release/deepcoder), MODEL (default: the default model), THREADS.
set -uo pipefail
cd "$(dirname "$0")/.."
bin="${DEEPCODER:-.build/release/deepcoder}"
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for d in Samples/*/; do [ -f "$d/description.txt" ] && names+=("$(basename "$d")"); done
fi
for name in "${names[@]}"; do
  dir="Samples/$name"
  rm -rf "$dir/project" "$dir/report.txt" "$dir/progress.log" "$dir/commit.txt"
  cmd=(deepcoder new --spec-file "$dir/description.txt" -o "$dir/project")
  [ -n "${MODEL:-}" ] && cmd+=(--model "$MODEL")
  [ -n "${THREADS:-}" ] && cmd+=(--threads "$THREADS")
  printf '%s\n' "${cmd[*]}" > "$dir/command.txt"
  echo "== $name: ${cmd[*]}" >&2
  start=$(date +%s)
  "$bin" "${cmd[@]:1}" > "$dir/report.txt" 2> "$dir/progress.log"
  code=$?
  echo "exit status $code after $(( $(date +%s) - start )) s" >> "$dir/report.txt"
  if [ -d "$dir/project/.git" ]; then
    git -C "$dir/project" log --format='commit %H%nAuthor: %an <%ae>%nDate:   %ad%n%n%B' > "$dir/commit.txt"
    rm -rf "$dir/project/.git"
  fi
  echo "== $name: exit $code" >&2
done
