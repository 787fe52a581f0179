#!/usr/bin/env python3
"""Times edgert against the native peers on the same models and inputs, in one run.

For each model: edgert (build/bin/edgert-bench on the converted .ert) and its
peer -- ONNX Runtime's CPU provider (graph optimization "all") for .onnx, native
LiteRT (XNNPACK) for .tflite -- with the same thread count and the same inputs,
alternating edgert / peer for --rounds rounds; the table shows each side's
median of per-round medians and the ratio edgert / peer (< 1: edgert faster).

Usage: python3 scripts/compare-peers.py [--threads N] [--runs N] [--warmup N] [--rounds N] [MODEL ...]
Needs: a release build (build/bin), the model cache (scripts/fetch-models.sh);
makes build/venv-peers (onnxruntime, ai-edge-litert, numpy from PyPI) on first use.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, "build", "venv-peers")
REQUIREMENTS = ["onnxruntime", "ai-edge-litert>=2.3,<2.4", "numpy"]
WORK = os.path.join(ROOT, "build", "compare")

IMAGENET_INT8 = ["--quantize", "int8", "--calibration-images", "@photo", "--image-mean", "0.485,0.456,0.406",
                 "--image-std", "0.229,0.224,0.225", "--quiet"]

# name -> (file in the model cache or repo, edgert-convert options, input kind[, the peer's file
# when it differs]); "@photo" stands for a folder holding the photograph (astronaut.png of the cache).
MODELS = {
    "selfie_segmentation": ("cache:selfie_segmentation.tflite", [], "image01"),
    "selfie_segmentation_landscape": ("cache:selfie_segmentation_landscape.tflite", [], "image01"),
    "face_detection_short_range": ("cache:face_detection_short_range.tflite", [], "image11"),
    "face_detection_full_range": ("cache:face_detection_full_range.tflite", [], "image11"),
    "face_detection_full_range_sparse": ("cache:face_detection_full_range_sparse.tflite", [], "image11"),
    "mobilenet_v2_035_96_int8": ("repo:tests/data/tflite-int8/mobilenet_v2_035_96_int8.tflite", [], "int8"),
    "mobilenet_v1_025_128_int8": ("repo:tests/data/tflite-int8/mobilenet_v1_025_128_int8.tflite", [], "image11"),
    "squeezenet1_1": ("cache:squeezenet1_1.onnx", ["--dim", "batch_size=1"], "image11"),
    "mobilenet_v2": ("cache:mobilenet_v2.onnx", ["--dim", "batch_size=1"], "image11"),
    "mobilenet_v3_small": ("cache:mobilenet_v3_small.onnx", ["--dim", "batch_size=1"], "image11"),
    "resnet18": ("cache:resnet18.onnx", ["--dim", "batch_size=1"], "image11"),
    "mobilenet_v2_qdq_s8": ("cache:mobilenet_v2_qdq_s8.onnx", ["--dim", "batch_size=1"], "image11"),
    "squeezenet1_1_qdq_u8": ("cache:squeezenet1_1_qdq_u8.onnx", ["--dim", "batch_size=1"], "image11"),
    # edgert's own int8 quantization (--quantize int8, calibrated on the photograph
    # with the ImageNet normalization) of the float model, next to ONNX Runtime
    # running its own int8 QDQ version of the same network (the peer file).
    "mobilenet_v2_int8_vs_qdq": ("cache:mobilenet_v2.onnx", ["--dim", "batch_size=1"] + IMAGENET_INT8, "image11",
                                 "cache:mobilenet_v2_qdq_s8.onnx"),
    "squeezenet1_1_int8_vs_qdq": ("cache:squeezenet1_1.onnx", ["--dim", "batch_size=1"] + IMAGENET_INT8, "image11",
                                  "cache:squeezenet1_1_qdq_u8.onnx"),
    "bert_tiny": ("cache:bert_tiny.onnx", ["--dim", "batch_size=1", "--dim", "sequence=32"], "tokens"),
    "silero_vad_op18_ifless": ("cache:silero_vad_op18_ifless.onnx",
                               ["--input-value", "sr=16000", "--input-shape", "input=1,576",
                                "--input-shape", "state=2,1,128"], "audio"),
}
# Inputs edgert-convert fixed to a value (--input-value) that the peer still takes.
PEER_FIXED = {"silero_vad_op18_ifless": {"sr": 16000}}


def photograph():
    """astronaut.png of the model cache, fetched as scripts/make-goldens.py does where missing."""
    path = os.path.join(model_cache(), "astronaut.png")
    if not os.path.exists(path):
        import importlib.util
        spec = importlib.util.spec_from_file_location("make_goldens", os.path.join(ROOT, "scripts", "make-goldens.py"))
        make_goldens = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(make_goldens)
        path = make_goldens.get_image(model_cache())
    return path


def model_cache():
    return os.environ.get("EDGERT_MODEL_CACHE", os.path.join(os.path.expanduser("~"), ".cache", "edgert", "models"))


def ensure_venv():
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([py, "-m", "pip", "install", "-q"] + REQUIREMENTS, check=True)
    return py


PEER_CODE = r'''
import json, sys, time
import numpy as np
path, threads, runs, warmup, inputs_json = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
inputs = {k: np.load(v) for k, v in json.loads(inputs_json).items()}
inputs.update({k: np.array(v, dtype=np.int64) for k, v in json.loads(sys.argv[6]).items()})
if path.endswith(".onnx"):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.log_severity_level = 3  # errors only (unused-initializer warnings flood the table)
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    names = [i.name for i in s.get_inputs()]
    feed = {n: inputs[n] for n in names if n in inputs}
    run = lambda: s.run(None, feed)
    version = "onnxruntime " + ort.__version__
else:
    from ai_edge_litert.interpreter import Interpreter
    import importlib.metadata as md
    it = Interpreter(model_path=path, num_threads=threads)
    it.allocate_tensors()
    for d in it.get_input_details():
        it.set_tensor(d["index"], inputs[d["name"]])
    run = it.invoke
    version = "ai-edge-litert " + md.version("ai-edge-litert")
for _ in range(warmup):
    run()
t = []
for _ in range(runs):
    a = time.perf_counter(); run(); t.append((time.perf_counter() - a) * 1e3)
print(json.dumps({"median_ms": float(np.median(t)), "version": version}))
'''

INPUT_CODE = r'''
import json, sys
import numpy as np
spec, kind, out_dir = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
rng = np.random.default_rng(0)
files = {}
for name, (shape, dtype) in spec.items():
    if dtype == "float32":
        lo, hi = (0.0, 1.0) if kind == "image01" else (-1.0, 1.0)
        if kind == "audio" and name == "state":
            lo, hi = 0.0, 0.0
        x = rng.uniform(lo, hi, size=shape).astype(np.float32)
    elif dtype == "int8":
        x = rng.integers(-128, 128, size=shape).astype(np.int8)
    elif name == "attention_mask":
        x = np.ones(shape, dtype=dtype)
    else:
        x = rng.integers(1, 1000, size=shape).astype(dtype)
    f = f"{out_dir}/{name.replace('/', '_').replace(':', '_')}.npy"
    np.save(f, x)
    files[name] = f
print(json.dumps(files))
'''


def input_spec(ert):
    """Names, shapes and dtypes of the .ert model's inputs, from edgert-bench --json."""
    r = subprocess.run([os.path.join(ROOT, "build", "bin", "edgert-bench"), ert, "--runs", "1", "--warmup", "0",
                        "--json"], stdout=subprocess.PIPE, text=True, check=True)
    j = json.loads(r.stdout)
    numpy_name = {"f32": "float32", "f16": "float16", "i8": "int8", "u8": "uint8", "i16": "int16", "i32": "int32",
                  "i64": "int64", "bool": "bool"}
    return {i["name"]: (i["shape"], numpy_name[i["dtype"]]) for i in j["inputs"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("models", nargs="*", default=list(MODELS))
    args = ap.parse_args()
    py = ensure_venv()
    os.makedirs(WORK, exist_ok=True)
    rows = []
    for name in args.models:
        src, opts, kind = MODELS[name][:3]
        resolve = lambda s: os.path.join(model_cache(), s[6:]) if s.startswith("cache:") else os.path.join(ROOT, s[5:])
        path = resolve(src)
        peer_path = resolve(MODELS[name][3]) if len(MODELS[name]) > 3 else path
        if not os.path.exists(path) or not os.path.exists(peer_path):
            print(f"compare-peers: {name}: {path} or {peer_path} is missing (scripts/fetch-models.sh)", file=sys.stderr)
            continue
        if "@photo" in opts:
            photo_dir = os.path.join(WORK, "photo")
            os.makedirs(photo_dir, exist_ok=True)
            link = os.path.join(photo_dir, "astronaut.png")
            if not os.path.exists(link):
                os.symlink(photograph(), link)
            opts = [photo_dir if o == "@photo" else o for o in opts]
        ert = os.path.join(WORK, name + ".ert")
        subprocess.run([os.path.join(ROOT, "build", "bin", "edgert-convert"), path, "-o", ert, "--quiet"] + opts,
                       check=True)
        spec = input_spec(ert)
        d = os.path.join(WORK, name + "-inputs")
        os.makedirs(d, exist_ok=True)
        files = json.loads(subprocess.run([py, "-c", INPUT_CODE, json.dumps(spec), kind, d], stdout=subprocess.PIPE,
                                          text=True, check=True).stdout)
        ours, theirs, version = [], [], ""
        for _ in range(args.rounds):
            cmd = [os.path.join(ROOT, "build", "bin", "edgert-bench"), ert, "--threads", str(args.threads),
                   "--runs", str(args.runs), "--warmup", str(args.warmup), "--json"]
            for n, f in files.items():
                cmd += ["--input", f"{n}={f}"]
            ours.append(json.loads(subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True).stdout)["median_ms"])
            p = json.loads(subprocess.run([py, "-c", PEER_CODE, peer_path, str(args.threads), str(args.runs),
                                           str(args.warmup), json.dumps(files), json.dumps(PEER_FIXED.get(name, {}))],
                                          stdout=subprocess.PIPE, text=True, check=True).stdout)
            theirs.append(p["median_ms"])
            version = p["version"]
        e, t = statistics.median(ours), statistics.median(theirs)
        rows.append((name, e, t, e / t, version))
        print(f"{name:34s} edgert {e:9.3f} ms   {version:24s} {t:9.3f} ms   ratio {e / t:6.2f}", flush=True)
    if rows:
        import math
        g = math.exp(sum(math.log(r[3]) for r in rows) / len(rows))
        print(f"geometric mean ratio edgert/peer over {len(rows)} models, {args.threads} thread(s): {g:.2f}")


if __name__ == "__main__":
    main()
