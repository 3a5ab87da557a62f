#!/usr/bin/env python3
"""Generates the CKernels test fixtures (Tests/EngineTests/Fixtures/kernels/*.json).

Reference values come from gguf-py (PyPI package `gguf`, version 0.19.0), the numpy implementation of
ggml's block formats:
  * dequant_random.json  - a few seeded random blocks per weight type (random bytes, sane f16 scales)
                           with gguf.quants.dequantize() of them;
  * dequant_models.json  - the first 2 rows of one tensor per quantized type from the test models
                           (SmolLM2-135M: Q4_1, Q8_0; qwen2.5-coder-0.5b: Q5_0, Q8_0, Q4_K, Q6_K);
  * quantize_q8_0.json   - float rows and gguf.quants.quantize(..., Q8_0) of them.
Byte payloads and float32 values are stored base64-encoded (little endian).

Usage: python scripts/make_kernel_fixtures.py [--smol path] [--qwen path] [--out dir]
"""
import argparse
import base64
import json
import os

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T
from gguf.quants import dequantize, quantize

GGUF_VERSION = "0.19.0"
GENERATOR = f"scripts/make_kernel_fixtures.py with gguf-py (PyPI gguf=={GGUF_VERSION})"


def b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def f16_bytes(vals) -> np.ndarray:
    return np.asarray(vals, dtype=np.float16).view(np.uint8).reshape(-1, 2)


# (type, elements per block, bytes per block, offsets of f16 scale fields: (offset, kind))
TYPES = {
    "Q4_0": (T.Q4_0, 32, 18, [(0, "d")]),
    "Q4_1": (T.Q4_1, 32, 20, [(0, "d"), (2, "m")]),
    "Q5_0": (T.Q5_0, 32, 22, [(0, "d")]),
    "Q5_1": (T.Q5_1, 32, 24, [(0, "d"), (2, "m")]),
    "Q8_0": (T.Q8_0, 32, 34, [(0, "d")]),
    "Q4_K": (T.Q4_K, 256, 144, [(0, "d"), (2, "dmin")]),
    "Q5_K": (T.Q5_K, 256, 176, [(0, "d"), (2, "dmin")]),
    "Q6_K": (T.Q6_K, 256, 210, [(208, "d")]),
}


def random_blocks(rng, name, nblocks):
    qt, _, bs, fields = TYPES[name]
    raw = rng.integers(0, 256, size=(nblocks, bs), dtype=np.uint8)
    for off, kind in fields:
        mag = rng.uniform(1e-3, 2e-2, size=nblocks)
        if kind == "m":
            mag = -mag * rng.uniform(4, 16, size=nblocks)
        elif kind == "dmin":
            mag = mag * 0.5
        raw[:, off:off + 2] = f16_bytes(mag)
    return raw.reshape(-1)


def random_entries(rng):
    out = []
    for name, (qt, be, bs, _) in TYPES.items():
        nblocks = 4 if be == 256 else 8
        raw = random_blocks(rng, name, nblocks)
        ref = dequantize(raw, qt).astype(np.float32).reshape(-1)
        out.append({"type": name, "ggml_type": int(qt), "n": int(ref.size), "rows": 1,
                    "data": b64(raw), "dequant": b64(ref)})
    # float types: values through the format's own rounding
    vals = rng.standard_normal(64).astype(np.float32)
    f16 = vals.astype(np.float16)
    out.append({"type": "F16", "ggml_type": int(T.F16), "n": 64, "rows": 1,
                "data": b64(f16.view(np.uint8)), "dequant": b64(f16.astype(np.float32))})
    bf = quantize(vals, T.BF16)
    out.append({"type": "BF16", "ggml_type": int(T.BF16), "n": 64, "rows": 1,
                "data": b64(bf), "dequant": b64(dequantize(bf, T.BF16).astype(np.float32))})
    return out


def model_entries(path, model, wanted):
    reader = gguf.GGUFReader(path)
    out, seen = [], set()
    for t in reader.tensors:
        name = t.tensor_type.name
        if name not in wanted or name in seen or len(t.data.shape) != 2:
            continue
        seen.add(name)
        rows = np.ascontiguousarray(t.data[:2])
        ref = dequantize(rows, t.tensor_type).astype(np.float32)
        out.append({"type": name, "ggml_type": int(t.tensor_type), "model": model, "tensor": t.name,
                    "n": int(ref.shape[1]), "rows": 2, "data": b64(rows.reshape(-1)),
                    "dequant": b64(ref.reshape(-1))})
    return out


def q8_0_entries(rng):
    rows = []
    x = rng.standard_normal((4, 256)).astype(np.float32)
    x[1] *= 37.0
    x[2, :32] = 0.0                      # an all-zero block
    x[3] = np.round(x[3] * 8) / 8        # many exact-representable values
    for r in x:
        q = quantize(r, T.Q8_0)
        rows.append({"n": int(r.size), "x": b64(r), "q": b64(q.reshape(-1))})
    return rows


def main():
    ap = argparse.ArgumentParser()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--smol", default="/root/scratch/dl/smol.gguf")
    ap.add_argument("--qwen", default="/root/scratch/dl/qwen05.gguf")
    ap.add_argument("--out", default=os.path.join(root, "Tests/EngineTests/Fixtures/kernels"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(20240611)

    def dump(name, payload):
        with open(os.path.join(args.out, name), "w") as f:
            json.dump({"generator": GENERATOR, "gguf_version": gguf_version(), **payload}, f, indent=1)
            f.write("\n")

    dump("dequant_random.json", {"entries": random_entries(rng)})
    models = model_entries(args.smol, "SmolLM2-135M", {"Q4_1", "Q8_0"})
    models += model_entries(args.qwen, "qwen2.5-coder-0.5b", {"Q5_0", "Q8_0", "Q4_K", "Q6_K"})
    dump("dequant_models.json", {"entries": models})
    dump("quantize_q8_0.json", {"rows": q8_0_entries(rng)})


def gguf_version():
    try:
        from importlib.metadata import version
        return version("gguf")
    except Exception:
        return "unknown"


if __name__ == "__main__":
    main()
