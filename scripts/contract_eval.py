#!/usr/bin/env python3
"""Scores the contract step on its own: `deepcoder new DESC --plan-only` for descriptions written for this
(scripts/contract_cases.json: several apps, each phrased precisely and casually), against the facts a
correct reading gives.

A fact is right when the contract (or, for the kind and form fields, the plan) holds it: the port, the
kind of app, each route (method and path), each route parameter, each form field, the storage, each
element id the description pins, each worked example and stated error it writes. A fact is invented
when the contract holds an endpoint or a parameter the case does not expect, or an example or error
of the model's that matches none the case expects (counted only where the case lists them).

usage: python3 scripts/contract_eval.py --bin .build/release/deepcoder --model qwen2.5-coder-0.5b-instruct [--json OUT]
"""
import argparse
import json
import re
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path


def norm_path(p):
    return re.sub(r"<[^>]*>", "<id>", re.sub(r"\{[^}]*\}", "<id>", p or ""))


def same_given(expected, actual):
    actual = {k: urllib.parse.unquote(str(v)) for k, v in (actual or {}).items()}
    for k, v in expected.items():
        if k == "*":
            if v not in actual.values():
                return False
        elif actual.get(k) != v:
            return False
    return True


def score(expect, preview):
    c, plan = preview["contract"], preview["plan"]
    right, wrong, invented = [], [], []

    def fact(ok, label):
        (right if ok else wrong).append(label)

    if "port" in expect:
        fact(c.get("port") == expect["port"], f"port {expect['port']}")
    if "kind" in expect:
        fact(plan.get("kind") == expect["kind"], f"kind {expect['kind']} (got {plan.get('kind')})")
    have = {(e["method"], norm_path(e["path"])) for e in c.get("endpoints", [])}
    # a page of the contract is served by a GET route of its path
    served = have | {("GET", norm_path(pg["path"])) for pg in c.get("pages", []) if pg.get("path")}
    for m, p in expect.get("endpoints", []):
        fact((m, norm_path(p)) in served, f"endpoint {m} {p}")
    if "endpoints" in expect:
        want = {(m, norm_path(p)) for m, p in expect["endpoints"]}
        for m, p in sorted(have - want):
            if p != "/":
                invented.append(f"endpoint {m} {p}")
    params = {(norm_path(e["path"]), q["name"]) for e in c.get("endpoints", []) for q in e.get("params", [])
              if q.get("in") != "path" and "<" + q["name"] not in e["path"]}
    for route, name in expect.get("params", []):
        fact((norm_path(route), name) in params, f"param {route} {name}")
    if "params" in expect:
        want = {(norm_path(r), n) for r, n in expect["params"]}
        for r, n in sorted(params - want):
            invented.append(f"param {r} {n}")
    fields = {f["name"] for form in plan.get("forms", []) for f in form.get("fields", [])}
    for name in expect.get("fields", []):
        fact(name in fields, f"form field {name}")
    if "storage" in expect:
        fact(c.get("storage") == expect["storage"], f"storage {expect['storage']} (got {c.get('storage')})")
    ids = {el["id"] for page in c.get("pages", []) for el in page.get("elements", [])}
    for i in expect.get("elements", []):
        fact(i in ids, f"element id {i}")
    for key in ("examples", "errors"):
        got = c.get(key, [])
        for x in expect.get(key, []):
            ok = any((x.get("route") is None or g.get("route") in (None, x["route"])) and same_given(x["given"], g.get("given"))
                     and (x.get("status") is None or g.get("status") == x["status"]) for g in got)
            fact(ok, f"{key[:-1]} {x.get('route', '')} {x['given']}")
        if key in expect:
            for g in got:
                if g.get("origin") == "model" and not any(same_given(x["given"], g.get("given")) for x in expect[key]):
                    invented.append(f"{key[:-1]} {g.get('route')} {g.get('given')}")
    return right, wrong, invented


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--cases", default=str(Path(__file__).with_name("contract_cases.json")))
    ap.add_argument("--threads", default="2")
    ap.add_argument("--json", help="write the per-case results here")
    a = ap.parse_args()
    cases = json.loads(Path(a.cases).read_text())
    rows, total = [], {"right": 0, "expected": 0, "invented": 0}
    for case in cases:
        t = time.time()
        r = subprocess.run([a.bin, "new", case["description"], "--plan-only", "--model", a.model, "--threads", a.threads],
                           capture_output=True, text=True, timeout=600)
        secs = time.time() - t
        try:
            preview = json.loads(r.stdout)
        except json.JSONDecodeError:
            rows.append({"id": case["id"], "error": (r.stderr or r.stdout)[-300:], "seconds": secs})
            total["expected"] += sum(len(v) if isinstance(v, list) else 1 for v in case["expect"].values())
            print(f"{case['id']}: no plan ({r.returncode})", file=sys.stderr)
            continue
        right, wrong, invented = score(case["expect"], preview)
        total["right"] += len(right)
        total["expected"] += len(right) + len(wrong)
        total["invented"] += len(invented)
        rows.append({"id": case["id"], "right": len(right), "expected": len(right) + len(wrong), "wrong": wrong,
                     "invented": invented, "seconds": round(secs, 1)})
        print(f"{case['id']}: {len(right)}/{len(right) + len(wrong)} right, {len(invented)} invented", file=sys.stderr)
    print("| description | facts right | missed or wrong | invented | time |")
    print("|---|---:|---|---|---:|")
    for row in rows:
        if "error" in row:
            print(f"| {row['id']} | 0 | no plan: {row['error'][:80]!r} | | {row['seconds']:.0f} s |")
        else:
            print(f"| {row['id']} | {row['right']} / {row['expected']} | {'; '.join(row['wrong']) or '—'} | "
                  f"{'; '.join(row['invented']) or '—'} | {row['seconds']:.0f} s |")
    print(f"\n**{a.model}: {total['right']} of {total['expected']} facts right, {total['invented']} invented.**")
    if a.json:
        Path(a.json).write_text(json.dumps({"model": a.model, "rows": rows, "total": total}, indent=1))


if __name__ == "__main__":
    main()
