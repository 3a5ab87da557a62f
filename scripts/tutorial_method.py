#!/usr/bin/env python3
"""The tutorial's method as a generator for shared/eval's run.py, for the baseline in docs/QUALITY.md.

One chat prompt (the description, as the user would paste it) through `deepcoder generate`, greedy;
the first python code block of the answer is saved as app.py and the first html block as
templates/index.html. Nothing else: no plan, no verification, no repair.

    python3 ../shared/eval/run.py --cases ../shared/eval/cases --work DIR \\
      --gen 'python3 scripts/tutorial_method.py --spec {spec} --out {out} --model qwen2.5-coder-0.5b-instruct'

Exit status: 0 when an app.py was saved, 1 when the answer had no python block.
"""
import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def first_block(answer, languages):
    for m in re.finditer(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", answer, re.S):
        if m.group(1).lower() in languages:
            return m.group(2)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--spec", required=True, help="file with the description")
    ap.add_argument("--out", required=True, help="directory to write app.py (and templates/index.html) into")
    ap.add_argument("--model", default="qwen2.5-coder-0.5b-instruct")
    ap.add_argument("--max-tokens", type=int, default=2048)
    ap.add_argument("--threads", type=int, default=None, help="threads for the engine (default: all cores)")
    ap.add_argument("--deepcoder", default=str(HERE.parent / ".build" / "release" / "deepcoder"))
    args = ap.parse_args()

    prompt = Path(args.spec).read_text(encoding="utf-8").strip()
    r = subprocess.run([args.deepcoder, "generate", "--model", args.model, "--temperature", "0",
                        "-n", str(args.max_tokens), "--quiet", "-p", prompt]
                       + (["--threads", str(args.threads)] if args.threads else []),
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        return r.returncode
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "answer.md").write_text(r.stdout, encoding="utf-8")
    app = first_block(r.stdout, {"python", "py"})
    if app is None:
        print("no python block in the answer", file=sys.stderr)
        return 1
    (out / "app.py").write_text(app, encoding="utf-8")
    page = first_block(r.stdout, {"html", "jinja", "jinja2", "htm"})
    if page is not None:
        (out / "templates").mkdir(exist_ok=True)
        (out / "templates" / "index.html").write_text(page, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
