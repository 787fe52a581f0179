#!/usr/bin/env python3
"""Int8 ONNX models made by ONNX Runtime's quantizer, with ONNX Runtime goldens.

From the rebuilt float models of tests/data/onnx/ (scripts/fetch-models.sh puts
them into the model cache):
  mobilenet_v2_qdq_s8   quantize_static, QDQ, per-channel int8 weights, int8 activations
  squeezenet1_1_qdq_u8  quantize_static, QDQ, per-channel int8 weights, uint8 activations
  bert_tiny_dynamic     quantize_dynamic (DynamicQuantizeLinear + MatMulInteger), int8 weights
Calibration: CALIBRATION_SAMPLES random crops of the photograph (make-int8-tflite's
crops(), seed SEED), resized to 224x224 and normalized as the float models' inputs.

Writes the quantized models into the model cache and, for CI (which does not run
the quantizer), tests/data/onnx/<name>.qskel.onnx: the quantized model without
the data of its quantized weights, rebuilt by scripts/onnx-fill-weights.py from
the float model (see tests/data/onnx/README.md). Goldens: ONNX Runtime (CPU,
1 thread, default graph optimizations) on the photograph (bert_tiny: the float
model's token ids), tests/data/goldens/<name>/.

Usage: python3 scripts/make-onnx-quantized.py [--runs N]
Runs in build/venv-onnx (onnxruntime, onnx, numpy, pillow from PyPI; made on first use).
"""
import argparse
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, "build", "venv-onnx")
GOLDENS = os.path.join(ROOT, "tests", "data", "goldens")
SKELETONS = os.path.join(ROOT, "tests", "data", "onnx")
CALIBRATION_SAMPLES = 32
SEED = 20260511
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
# name, float model, kind, activation type
MODELS = [
    ("mobilenet_v2_qdq_s8", "mobilenet_v2", "static", "QInt8"),
    ("squeezenet1_1_qdq_u8", "squeezenet1_1", "static", "QUInt8"),
    ("bert_tiny_dynamic", "bert_tiny", "dynamic", None),
]


def load_script(name):
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), os.path.join(ROOT, "scripts", name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def ensure_venv():
    py = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    if not os.path.exists(py):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
        subprocess.check_call([py, "-m", "pip", "install", "-q", "onnxruntime", "onnx", "numpy", "pillow"])
    os.execv(py, [py] + sys.argv)


def normalize(np, u8):
    x = u8.astype(np.float32) / np.float32(255)
    x = (x - np.array(MEAN, np.float32)) / np.array(STD, np.float32)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def session(ort, path):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def make_skeleton(onnx, np, qw, made_path, float_path, skel_path):
    """Replaces each quantized initializer that the quantizer's rule rebuilds
    exactly from the float model by that rule (see onnx-quantize-weights.py)."""
    from onnx import numpy_helper
    m = onnx.load(made_path)
    fm = {t.name: numpy_helper.to_array(t) for t in onnx.load(float_path).graph.initializer}
    inits = {t.name: t for t in m.graph.initializer}
    rules = {}
    for n in m.graph.node:
        if n.op_type == "DequantizeLinear" and n.input[0] in inits:
            axis = next((a.i for a in n.attribute if a.name == "axis"), 1)
            rules[n.input[0]] = (n.input[1], n.input[2] if len(n.input) > 2 else "", axis)
        elif n.op_type == "MatMulInteger" and len(n.input) > 1 and n.input[1] in inits:
            base = n.input[1][: -len("_quantized")]
            zp = n.input[3] if len(n.input) > 3 else ""
            if base + "_scale" in inits:
                rules[n.input[1]] = (base + "_scale", zp, 1)
    count = 0
    for qname, (scale, zp, axis) in rules.items():
        if not qname.endswith("_quantized"):
            continue
        base = qname[: -len("_quantized")]
        t = inits[qname]
        want = numpy_helper.to_array(t)
        if base not in fm or fm[base].shape != want.shape or t.data_type not in qw.RANGES:
            continue
        sc = numpy_helper.to_array(inits[scale])
        z = numpy_helper.to_array(inits[zp]) if zp else np.zeros(sc.size, np.int64)
        ax = axis if axis >= 0 else axis + want.ndim
        if not np.array_equal(qw.quantize(fm[base], sc, z, ax, t.data_type), want.astype(qw.RANGES[t.data_type][2])):
            print(f"{qname}: the rule does not reproduce the quantizer's values; data kept", flush=True)
            continue
        t.ClearField("raw_data")
        del t.int32_data[:]
        t.data_location = onnx.TensorProto.EXTERNAL
        for k, v in (("location", qw.LOCATION), ("source", base), ("scale", scale), ("zero_point", zp), ("axis", str(ax))):
            e = t.external_data.add()
            e.key, e.value = k, v
        count += 1
    onnx.save(m, skel_path)
    return count


def same_as_quantizer(onnx, np, made_path, rebuilt_path):
    """The rebuilt model holds the quantizer's graph and initializer values."""
    from onnx import numpy_helper
    a, b = onnx.load(made_path), onnx.load(rebuilt_path)
    if a.graph.node != b.graph.node or len(a.graph.initializer) != len(b.graph.initializer):
        raise SystemExit(f"{rebuilt_path}: graph differs from the quantizer's")
    for x, y in zip(a.graph.initializer, b.graph.initializer):
        if x.name != y.name or x.data_type != y.data_type or not np.array_equal(numpy_helper.to_array(x), numpy_helper.to_array(y)):
            raise SystemExit(f"{rebuilt_path}: initializer {x.name} differs from the quantizer's")


def output_steps(onnx, np, path):
    """Per graph output: the scale of the DequantizeLinear producing it (the quantization step)."""
    from onnx import numpy_helper
    m = onnx.load(path)
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    prod = {o: n for n in m.graph.node for o in n.output}
    steps = {}
    for k, o in enumerate(m.graph.output):
        n = prod.get(o.name)
        if n is not None and n.op_type == "DequantizeLinear" and n.input[1] in inits:
            steps[k] = float(inits[n.input[1]].reshape(-1)[0])
    return steps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=50)
    args = ap.parse_args()
    ensure_venv()
    import numpy as np
    import onnxruntime as ort
    from onnxruntime import quantization as q
    from PIL import Image

    cache = os.environ.get("EDGERT_MODEL_CACHE", os.path.expanduser("~/.cache/edgert/models"))
    image = np.asarray(Image.open(os.path.join(cache, "astronaut.png")).convert("RGB"))
    calib = normalize(np, load_script("make-int8-tflite").crops(image, 224, CALIBRATION_SAMPLES,
                                                              np.random.default_rng(SEED)))
    photo = normalize(np, np.load(os.path.join(GOLDENS, "pytorch_image_input", "astronaut_224.u8.npy")))
    fill = load_script("onnx-fill-weights")
    manifest = {"onnxruntime": ort.__version__, "calibration": f"{CALIBRATION_SAMPLES} random crops of the photograph "
                "(make-int8-tflite.py crops(), numpy default_rng({SEED})), 224x224, normalized as the float input",
                "models": {}}

    class Reader(q.CalibrationDataReader):
        def __init__(self):
            self.it = iter([{"input": calib[i:i + 1]} for i in range(calib.shape[0])])

        def get_next(self):
            return next(self.it, None)

    import onnx
    qw = load_script("onnx-quantize-weights")
    work = tempfile.mkdtemp(prefix="edgert-quantize-")
    sums = []
    for name, src, kind, act in MODELS:
        src_path = os.path.join(cache, src + ".onnx")
        made_path = os.path.join(work, name + ".quantizer.onnx")
        out_path = os.path.join(cache, name + ".onnx")
        if kind == "static":
            q.quantize_static(src_path, made_path, Reader(), quant_format=q.QuantFormat.QDQ, per_channel=True,
                              activation_type=getattr(q.QuantType, act), weight_type=q.QuantType.QInt8,
                              calibrate_method=q.CalibrationMethod.MinMax)
            feeds = {"input": photo}
        else:
            q.quantize_dynamic(src_path, made_path, weight_type=q.QuantType.QInt8)
            gdir = os.path.join(GOLDENS, src)
            feeds = {"input_ids": np.load(os.path.join(gdir, "input_input_ids.npy")),
                     "attention_mask": np.load(os.path.join(gdir, "input_attention_mask.npy"))}
        skel_path = os.path.join(SKELETONS, name + ".qskel.onnx")
        ruled = make_skeleton(onnx, np, qw, made_path, src_path, skel_path)
        with open(skel_path, "rb") as f, open(src_path, "rb") as g:
            full, count = qw.rebuild(f.read(), g.read())
        with open(out_path, "wb") as f:
            f.write(full)
        same_as_quantizer(onnx, np, made_path, out_path)
        sums.append(f"{sha256(out_path)}  {name}.onnx  {src}.onnx\n")
        sess = session(ort, out_path)
        outs = sess.run(None, feeds)
        gdir = os.path.join(GOLDENS, name)
        os.makedirs(gdir, exist_ok=True)
        for k, (o, v) in enumerate(zip(sess.get_outputs(), outs)):
            np.save(os.path.join(gdir, f"output_{k}_{o.name}.npy"), v)
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            sess.run(None, feeds)
            times.append(time.perf_counter() - t)
        ops = {}
        for n in onnx.load(out_path).graph.node:
            ops[n.op_type] = ops.get(n.op_type, 0) + 1
        steps = output_steps(onnx, np, out_path)
        for k, st in steps.items():
            np.save(os.path.join(gdir, f"output_{k}_step.npy"), np.array([st], np.float32))
        manifest["models"][name] = {"source": src, "kind": kind, "activation_type": act, "sha256": sha256(out_path),
                                    "quantized_initializers_rebuilt": ruled, "skeleton_bytes": os.path.getsize(skel_path),
                                    "ops": ops, "ort_median_ms_1_thread": round(1e3 * float(np.median(times)), 3)}
        print(name, manifest["models"][name], flush=True)
    with open(os.path.join(SKELETONS, "quantized.sha256"), "w") as f:
        f.writelines(sums)
    with open(os.path.join(SKELETONS, "quantized-manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
