#!/usr/bin/env python3
"""Rebuilds a full ONNX model from a weight "skeleton" (tests/data/onnx/*.skel.onnx).

A skeleton is an ordinary ONNX model in which the data of each large float32
initializer of the main graph was removed and replaced by a fill rule, written
the way ONNX marks data that lives elsewhere: data_location = EXTERNAL and
external_data entries

    location = "edgert-fill"     (marks the rule; not a file)
    rule     = "uniform"         (the only rule)
    low, high                    (float64 numbers, Python repr)
    seed                         (decimal uint64)

This script puts the data back: element i (row-major) of an n-element tensor is

    z  = splitmix64 output for counter seed + (i + 1) * 0x9E3779B97F4A7C15 (mod 2^64)
    u  = (z >> 40) / 2^24                         (exact, in [0, 1))
    v  = float32(low + (high - low) * u)          (float64 arithmetic, rounded once)

with splitmix64(x): x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9;
x = (x ^ (x >> 27)) * 0x94D049BB133111EB; x ^ (x >> 31), all mod 2^64.
Only integer arithmetic and correctly rounded IEEE operations are used, so the
output is the same bytes on every machine. Everything else in the file is copied
byte for byte: the script edits the protobuf encoding directly (no onnx package
needed, only numpy), so it works for any ONNX IR version.

Usage: onnx-fill-weights.py SKELETON OUTPUT
       onnx-fill-weights.py --dir SKELETON_DIR OUTPUT_DIR   (every *.skel.onnx -> *.onnx)
Exit status 0 on success; on a malformed skeleton it prints what is wrong and
exits 1.
"""
import os
import sys

import numpy as np

FILL_LOCATION = "edgert-fill"
ONNX_FLOAT = 1

# Field numbers (onnx.proto).
MODEL_GRAPH = 7
GRAPH_INITIALIZER = 5
TENSOR_DIMS, TENSOR_DATA_TYPE, TENSOR_NAME, TENSOR_RAW_DATA = 1, 2, 8, 9
TENSOR_EXTERNAL_DATA, TENSOR_DATA_LOCATION = 13, 14
ENTRY_KEY, ENTRY_VALUE = 1, 2

WIRE_VARINT, WIRE_I64, WIRE_LEN, WIRE_I32 = 0, 1, 2, 5


class SkeletonError(Exception):
    pass


def read_varint(buf, pos):
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise SkeletonError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise SkeletonError("varint longer than 10 bytes")


def encode_varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def fields(buf):
    """Yields (number, wire type, value, raw bytes of the whole field)."""
    pos = 0
    while pos < len(buf):
        start = pos
        key, pos = read_varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == WIRE_VARINT:
            value, pos = read_varint(buf, pos)
        elif wire == WIRE_I64:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == WIRE_I32:
            value, pos = buf[pos:pos + 4], pos + 4
        elif wire == WIRE_LEN:
            n, pos = read_varint(buf, pos)
            value, pos = buf[pos:pos + n], pos + n
        else:
            raise SkeletonError(f"unsupported wire type {wire} (field {number})")
        if pos > len(buf):
            raise SkeletonError(f"field {number} runs past the end of its message")
        yield number, wire, value, buf[start:pos]


def len_field(number, payload):
    return encode_varint((number << 3) | WIRE_LEN) + encode_varint(len(payload)) + payload


def fill_uniform(n, seed, low, high):
    golden = np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + (np.arange(n, dtype=np.uint64) + np.uint64(1)) * golden
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(40)).astype(np.float64) * (1.0 / (1 << 24))
    return (np.float64(low) + (np.float64(high) - np.float64(low)) * u).astype("<f4")


def rewrite_tensor(buf):
    """Returns (new TensorProto bytes, filled?)."""
    dims, data_type, name, entries, has_data = [], None, "", {}, False
    kept = []
    for number, wire, value, raw in fields(buf):
        if number == TENSOR_EXTERNAL_DATA and wire == WIRE_LEN:
            key = val = ""
            for n2, w2, v2, _ in fields(value):
                if n2 == ENTRY_KEY and w2 == WIRE_LEN:
                    key = v2.decode("utf-8")
                elif n2 == ENTRY_VALUE and w2 == WIRE_LEN:
                    val = v2.decode("utf-8")
            entries[key] = val
            continue
        if number == TENSOR_DATA_LOCATION:
            continue
        if number == TENSOR_DIMS:
            if wire == WIRE_VARINT:
                dims.append(value)
            elif wire == WIRE_LEN:
                p = 0
                while p < len(value):
                    d, p = read_varint(value, p)
                    dims.append(d)
        elif number == TENSOR_DATA_TYPE and wire == WIRE_VARINT:
            data_type = value
        elif number == TENSOR_NAME and wire == WIRE_LEN:
            name = value.decode("utf-8")
        elif number in (TENSOR_RAW_DATA, 4, 5, 6, 7, 10, 11):
            has_data = True
        kept.append(raw)
    if entries.get("location") != FILL_LOCATION:
        return buf, False
    what = f"initializer '{name}'"
    if has_data:
        raise SkeletonError(f"{what} has both data and a fill rule")
    if data_type != ONNX_FLOAT:
        raise SkeletonError(f"{what}: fill rules are only for FLOAT tensors (data_type {data_type})")
    if entries.get("rule") != "uniform":
        raise SkeletonError(f"{what}: unknown fill rule '{entries.get('rule')}'")
    try:
        low, high, seed = float(entries["low"]), float(entries["high"]), int(entries["seed"])
    except (KeyError, ValueError) as e:
        raise SkeletonError(f"{what}: bad or missing fill parameter ({e})")
    if not (np.isfinite(low) and np.isfinite(high) and low <= high) or not 0 <= seed < 2**64:
        raise SkeletonError(f"{what}: invalid fill parameters low={low} high={high} seed={seed}")
    n = 1
    for d in dims:
        if d >= 2**63:
            raise SkeletonError(f"{what} has a negative dimension")
        n *= d
    if n > 1 << 30:
        raise SkeletonError(f"{what} is too large ({n} elements)")
    data = fill_uniform(n, seed, low, high).tobytes()
    return b"".join(kept) + len_field(TENSOR_RAW_DATA, data), True


def rewrite_graph(buf):
    out, count = [], 0
    for number, wire, value, raw in fields(buf):
        if number == GRAPH_INITIALIZER and wire == WIRE_LEN:
            t, filled = rewrite_tensor(value)
            if filled:
                count += 1
                raw = len_field(number, t)
        out.append(raw)
    return b"".join(out), count


def rebuild(data):
    out, count, graphs = [], 0, 0
    for number, wire, value, raw in fields(data):
        if number == MODEL_GRAPH and wire == WIRE_LEN:
            g, c = rewrite_graph(value)
            count += c
            graphs += 1
            raw = len_field(number, g)
        out.append(raw)
    if graphs != 1:
        raise SkeletonError(f"expected one graph in the model, found {graphs}")
    return b"".join(out), count


def convert(src, dst):
    with open(src, "rb") as f:
        data = f.read()
    try:
        full, count = rebuild(data)
    except SkeletonError as e:
        raise SkeletonError(f"{src}: {e}")
    if count == 0:
        raise SkeletonError(f"{src}: no initializer carries a fill rule (not a skeleton?)")
    tmp = dst + ".part"
    with open(tmp, "wb") as f:
        f.write(full)
    os.replace(tmp, dst)
    print(f"onnx-fill-weights: {os.path.basename(src)} -> {dst} ({count} tensors filled, {len(full)} bytes)")


def main(argv):
    try:
        if len(argv) == 4 and argv[1] == "--dir":
            src_dir, dst_dir = argv[2], argv[3]
            os.makedirs(dst_dir, exist_ok=True)
            names = sorted(f for f in os.listdir(src_dir) if f.endswith(".skel.onnx"))
            if not names:
                raise SkeletonError(f"no *.skel.onnx files in {src_dir}")
            for f in names:
                convert(os.path.join(src_dir, f), os.path.join(dst_dir, f[: -len(".skel.onnx")] + ".onnx"))
        elif len(argv) == 3 and not argv[1].startswith("-"):
            convert(argv[1], argv[2])
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (SkeletonError, OSError) as e:
        print(f"onnx-fill-weights: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
