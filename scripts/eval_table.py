#!/usr/bin/env python3
"""Markdown table of a shared/eval run: per case, the suite's result against deepcoder's verdict.

usage: scripts/eval_table.py WORK_DIR   (the --work directory of shared/eval/run.py)

A false success claim is exit 0 (deepcoder says the app does what the description states) on an
app the suite fails; exit 4 (runs, nothing stated checked) and exit 1 claim no success.
"""
import json
import re
import sys
from pathlib import Path


def verdict(case_dir: Path) -> str:
    log = case_dir / "gen.log"
    if not log.exists():
        return ""
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("Verification:"):
            return line[len("Verification:"):].strip()
    return ""


def main() -> None:
    work = Path(sys.argv[1])
    rows = json.loads((work / "results.json").read_text())
    print("| case | suite checks | suite | exit | deepcoder's verdict | time |")
    print("|---|---:|---|---:|---|---:|")
    passed = checks = total = false_success = false_failure = 0
    times = []
    for r in rows:
        n = r["tests_passed"] + r["tests_failed"]
        v = "timed out" if r["gen_timed_out"] else verdict(work / r["case"])
        v = re.sub(r"\s+", " ", v)[:110].replace("|", "/")
        print(f"| {r['case']} | {r['tests_passed']} / {n} | {'PASS' if r['passed'] else 'fail'} | {r['gen_exit']} | {v} | {r['gen_seconds']} s |")
        passed += r["passed"]
        checks += r["tests_passed"]
        total += n
        times.append(r["gen_seconds"])
        false_success += (r["gen_exit"] == 0 and not r["passed"])
        false_failure += (r["gen_exit"] not in (0, 4) and r["passed"])
    mean = sum(times) / max(1, len(times))
    print()
    print(f"**{passed} of {len(rows)} apps pass; {checks} of {total} checks; {false_success} false success claim(s), "
          f"{false_failure} false failure(s); mean generation time {mean:.0f} s.**")


if __name__ == "__main__":
    main()
