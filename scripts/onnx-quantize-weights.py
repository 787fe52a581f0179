#!/usr/bin/env python3
"""Rebuilds a quantized ONNX model from its skeleton (tests/data/onnx/*.qskel.onnx)
and the float model it was quantized from.

A quantized skeleton is an ONNX model made by ONNX Runtime's quantizer in which
the data of each quantized weight initializer was removed and replaced by a
rule, marked the way ONNX marks data that lives elsewhere: data_location =
EXTERNAL and external_data entries

    location    = "edgert-quantize"   (marks the rule; not a file)
    source      = name of the float32 initializer in the float model
    scale       = name of the float32 scale initializer in this model
    zero_point  = name of the zero-point initializer in this model ("" for none: 0)
    axis        = the per-channel axis (ignored for one scale)

This script puts the data back as the quantizer computes it, in float32:
    q = clip(round_half_to_even(w / scale[c]) + zero_point[c], qmin, qmax)
with c the index along `axis`, [qmin, qmax] the range of the tensor's type
(INT8, UINT8, INT32). The skeleton's maker (scripts/make-onnx-quantized.py)
checked that the rule gives exactly the quantizer's values. Everything else is
copied byte for byte (protobuf edited directly; numpy only).

Usage: onnx-quantize-weights.py QSKELETON FLOAT_MODEL OUTPUT
Exit status 0 on success, 1 with a message on a malformed input.
"""
import importlib.util
import os
import sys

import numpy as np

_spec = importlib.util.spec_from_file_location(
    "onnx_fill_weights", os.path.join(os.path.dirname(os.path.abspath(__file__)), "onnx-fill-weights.py"))
fw = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fw)

LOCATION = "edgert-quantize"
ONNX_FLOAT, ONNX_UINT8, ONNX_INT8, ONNX_INT32 = 1, 2, 3, 6
RANGES = {ONNX_UINT8: (0, 255, "<u1"), ONNX_INT8: (-128, 127, "<i1"), ONNX_INT32: (-2**31, 2**31 - 1, "<i4")}
TENSOR_FLOAT_DATA, TENSOR_INT32_DATA = 4, 5
Error = fw.SkeletonError


def parse_tensor(buf):
    """(name, dims, data_type, entries, payload fields kept, array or None)."""
    t = {"name": "", "dims": [], "type": None, "entries": {}, "kept": [], "raw": None, "floats": [], "ints": []}
    for number, wire, value, raw in fw.fields(buf):
        if number == fw.TENSOR_EXTERNAL_DATA and wire == fw.WIRE_LEN:
            key = val = ""
            for n2, w2, v2, _ in fw.fields(value):
                if n2 == fw.ENTRY_KEY and w2 == fw.WIRE_LEN:
                    key = v2.decode("utf-8")
                elif n2 == fw.ENTRY_VALUE and w2 == fw.WIRE_LEN:
                    val = v2.decode("utf-8")
            t["entries"][key] = val
            continue
        if number == fw.TENSOR_DATA_LOCATION:
            continue
        if number == fw.TENSOR_DIMS:
            if wire == fw.WIRE_VARINT:
                t["dims"].append(value)
            else:
                p = 0
                while p < len(value):
                    d, p = fw.read_varint(value, p)
                    t["dims"].append(d)
        elif number == fw.TENSOR_DATA_TYPE and wire == fw.WIRE_VARINT:
            t["type"] = value
        elif number == fw.TENSOR_NAME and wire == fw.WIRE_LEN:
            t["name"] = value.decode("utf-8")
        elif number == fw.TENSOR_RAW_DATA and wire == fw.WIRE_LEN:
            t["raw"] = value
        elif number == TENSOR_FLOAT_DATA:
            t["floats"].append(np.frombuffer(value, "<f4") if wire == fw.WIRE_LEN
                               else np.frombuffer(value.to_bytes(4, "little"), "<f4"))
        elif number == TENSOR_INT32_DATA:
            if wire == fw.WIRE_LEN:
                p = 0
                while p < len(value):
                    v, p = fw.read_varint(value, p)
                    t["ints"].append(v)
            else:
                t["ints"].append(value)
        t["kept"].append(raw)
    return t


def tensor_array(t, what):
    n = int(np.prod(t["dims"], dtype=np.int64)) if t["dims"] else 1
    if t["type"] == ONNX_FLOAT:
        a = np.frombuffer(t["raw"], "<f4") if t["raw"] is not None else (
            np.concatenate(t["floats"]) if t["floats"] else np.zeros(0, "<f4"))
    elif t["type"] in (ONNX_INT8, ONNX_UINT8, ONNX_INT32):
        if t["raw"] is not None:
            a = np.frombuffer(t["raw"], RANGES[t["type"]][2])
        else:  # int32_data holds sign-extended varints
            a = np.array([v - (1 << 64) if v >= 1 << 63 else v for v in t["ints"]], np.int64)
    else:
        raise Error(f"{what}: unsupported data type {t['type']}")
    if a.size != n:
        raise Error(f"{what}: {a.size} values for shape {t['dims']}")
    return a.reshape(t["dims"])


def initializers(model):
    graphs = [v for number, wire, v, _ in fw.fields(model) if number == fw.MODEL_GRAPH and wire == fw.WIRE_LEN]
    if len(graphs) != 1:
        raise Error(f"expected one graph, found {len(graphs)}")
    out = {}
    for number, wire, value, _ in fw.fields(graphs[0]):
        if number == fw.GRAPH_INITIALIZER and wire == fw.WIRE_LEN:
            t = parse_tensor(value)
            out[t["name"]] = t
    return out


def quantize(w, scale, zp, axis, data_type):
    """The quantizer's rule, in float32."""
    lo, hi, dt = RANGES[data_type]
    w = w.astype(np.float32)
    scale = scale.astype(np.float32).reshape(-1)
    zp = zp.astype(np.int64).reshape(-1)
    if scale.size > 1:
        shape = [1] * w.ndim
        shape[axis] = scale.size
        scale, zp = scale.reshape(shape), zp.reshape(shape)
    q = np.rint(w / scale).astype(np.float64) + zp
    return np.clip(q, lo, hi).astype(dt)


def rebuild(skel, float_model):
    src = initializers(float_model)
    own = initializers(skel)

    def rewrite_tensor(buf):
        t = parse_tensor(buf)
        e = t["entries"]
        if e.get("location") != LOCATION:
            return buf, False
        what = f"initializer '{t['name']}'"
        if t["raw"] is not None or t["floats"] or t["ints"]:
            raise Error(f"{what} has both data and a quantization rule")
        if t["type"] not in RANGES:
            raise Error(f"{what}: data type {t['type']} cannot be quantized into")
        try:
            w = tensor_array(src[e["source"]], f"source '{e['source']}'")
            scale = tensor_array(own[e["scale"]], f"scale '{e['scale']}'")
            zp = tensor_array(own[e["zero_point"]], "zero point") if e.get("zero_point") else np.zeros(scale.size, np.int64)
            axis = int(e.get("axis", "0"))
        except (KeyError, ValueError) as ex:
            raise Error(f"{what}: bad or missing rule entry ({ex})")
        if list(w.shape) != t["dims"]:
            raise Error(f"{what}: shape {t['dims']} differs from its source's {list(w.shape)}")
        if scale.size > 1 and not (0 <= axis < w.ndim and w.shape[axis] == scale.size):
            raise Error(f"{what}: {scale.size} scales do not fit axis {axis} of {list(w.shape)}")
        if scale.size != zp.size or not np.all(np.isfinite(scale)) or np.any(scale <= 0):
            raise Error(f"{what}: invalid scale / zero point")
        data = quantize(w, scale, zp, axis, t["type"]).tobytes()
        return b"".join(t["kept"]) + fw.len_field(fw.TENSOR_RAW_DATA, data), True

    count = 0
    out = []
    for number, wire, value, raw in fw.fields(skel):
        if number == fw.MODEL_GRAPH and wire == fw.WIRE_LEN:
            g = []
            for n2, w2, v2, raw2 in fw.fields(value):
                if n2 == fw.GRAPH_INITIALIZER and w2 == fw.WIRE_LEN:
                    t, done = rewrite_tensor(v2)
                    if done:
                        count += 1
                        raw2 = fw.len_field(n2, t)
                g.append(raw2)
            raw = fw.len_field(number, b"".join(g))
        out.append(raw)
    return b"".join(out), count


def main(argv):
    if len(argv) != 4 or argv[1].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(argv[1], "rb") as f:
            skel = f.read()
        with open(argv[2], "rb") as f:
            float_model = f.read()
        full, count = rebuild(skel, float_model)
        if count == 0:
            raise Error(f"{argv[1]}: no initializer carries a quantization rule")
        tmp = argv[3] + ".part"
        with open(tmp, "wb") as f:
            f.write(full)
        os.replace(tmp, argv[3])
        print(f"onnx-quantize-weights: {os.path.basename(argv[1])} -> {argv[3]} ({count} tensors, {len(full)} bytes)")
    except (Error, OSError) as e:
        print(f"onnx-quantize-weights: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
