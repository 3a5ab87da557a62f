#!/usr/bin/env python3
"""How often the model's plan is usable, with and without the plan's JSON schema.

For each description, runs `deepcoder new --plan-only` twice: once with the plan asked under
Templates/prompts/plan.schema.json (the default with the in-process engine) and once without it
(DEEPCODER_PLAN_SCHEMA=off, the free-text answer read by the parser). A plan is "usable" when the
tool built it from the model's answer (`plan.source == "model"`) rather than falling back to its
rules; the script also reports answers cut short, routes and seconds.

usage: scripts/plan_validity.py --model NAME [--threads 2] SPEC.txt|CASE_DIR|TEXT_FILE ...
  SPEC.txt   a file holding one description
  CASE_DIR   a directory with spec.txt (an acceptance case)
  TEXT_FILE  ending in .lines: one description per line
"""
import argparse, json, os, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("DEEPCODER_BIN", os.path.join(ROOT, ".build", "release", "deepcoder"))


def descriptions(paths):
    for p in paths:
        if os.path.isdir(p):
            spec = os.path.join(p, "spec.txt")
            if os.path.exists(spec):
                yield os.path.basename(p.rstrip("/")), open(spec, encoding="utf-8").read()
        elif p.endswith(".lines"):
            for i, line in enumerate(open(p, encoding="utf-8")):
                if line.strip() and not line.startswith("#"):
                    yield f"{os.path.basename(p)}:{i + 1}", line.strip()
        else:
            yield os.path.basename(p), open(p, encoding="utf-8").read()


def plan(description, model, threads, constrained):
    env = dict(os.environ)
    if not constrained:
        env["DEEPCODER_PLAN_SCHEMA"] = "off"
    t0 = time.time()
    r = subprocess.run([BIN, "new", description, "--plan-only", "--model", model, "--threads", str(threads)],
                       capture_output=True, text=True, env=env)
    dt = time.time() - t0
    if r.returncode != 0:
        return {"ok": False, "error": r.stderr.strip().splitlines()[-1:] or ["exit %d" % r.returncode], "seconds": dt}
    p = json.loads(r.stdout)
    rejected = [n for n in p["plan"].get("notes", []) if n.startswith("model plan rejected")]
    return {"ok": True, "usable": p["plan"]["source"] == "model", "complete": p.get("answerComplete"),
            "routes": len(p["plan"]["routes"]), "kind": p["plan"]["kind"], "seconds": dt,
            "rejected": rejected[0] if rejected else None}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("inputs", nargs="+")
    a = ap.parse_args()
    rows = []
    for name, text in descriptions(a.inputs):
        row = {"case": name}
        for constrained in (False, True):
            row["schema" if constrained else "free"] = plan(text, a.model, a.threads, constrained)
        rows.append(row)
        print(json.dumps(row), flush=True)
    for key in ("free", "schema"):
        runs = [r[key] for r in rows]
        usable = sum(1 for r in runs if r.get("usable"))
        cut = sum(1 for r in runs if r.get("complete") is False)
        secs = sorted(r["seconds"] for r in runs)
        print(f"{key:6}: model plan usable {usable}/{len(runs)}, answers cut short {cut}, "
              f"median {secs[len(secs) // 2]:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
