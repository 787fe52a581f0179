#!/usr/bin/env python3
"""Exports PyTorch models to ONNX for checking edgert's ONNX importer, as weight
skeletons plus ONNX Runtime goldens that CI can use without PyTorch.

Models (random weights, eval mode, TorchScript exporter `torch.onnx.export(...,
dynamo=False)`, opset 17, dynamic batch / sequence axes as published models have):
  squeezenet1_1, mobilenet_v2, mobilenet_v3_small, resnet18   torchvision classifiers
  bert_tiny                                                    transformers BertModel,
      2 layers, hidden 128, 4 heads, intermediate 512, vocab 1000; inputs input_ids and
      attention_mask (int64 [batch, sequence]); outputs last_hidden_state, pooler_output

Random weights: the modules' own initialisation, with BatchNorm statistics and
affine parameters, LayerNorm parameters and zero biases replaced by random values
first, so that BatchNorm folding and biases are exercised.

For each model the script
  1. exports <model>.onnx (kept in the work directory only);
  2. writes the skeleton tests/data/onnx/<model>.skel.onnx: each float32
     initializer with >= MIN_FILL elements loses its data and gets a fill rule
     (uniform on [mean - sqrt(3) std, mean + sqrt(3) std] of the exported values,
     the same mean and standard deviation, with the lower end raised to the
     smallest exported value when all values are >= 0, e.g. variances; seed =
     FNV-1a 64 of the initializer name); see scripts/onnx-fill-weights.py;
  3. rebuilds the full model from the skeleton with scripts/onnx-fill-weights.py
     (the same program CI runs) and checks that it is bit-identical on a rerun;
  4. runs ONNX Runtime (CPU provider, 1 thread) on the rebuilt model and writes
     the inputs and outputs to tests/data/goldens/<model>/ as .npy, plus
     tests/data/onnx/manifest.json (versions, shapes, sha256 of the rebuilt
     models, preprocessing);
  5. prints ONNX Runtime's median latency (1 thread).

Inputs: the image models get the astronaut photograph (see scripts/make-goldens.py)
resized to 224x224 with make-goldens' bilinear resize, stored as uint8
[1,224,224,3]; the float input is x = (float32(u8) / 255 - mean[c]) / std[c]
(ImageNet mean and std, float32 operations), NCHW. bert_tiny gets fixed token ids
(a 24-token "sentence" with [CLS]/[SEP] and 8 padding positions, mask 0 there).

Usage: python3 scripts/export-torchvision-onnx.py [--runs N] [--work DIR]
Runs itself in the virtual environment build/venv-export (made on first use with
the pinned REQUIREMENTS from PyPI; torch's wheel is large, so this is not part of CI).
"""
import argparse
import hashlib
import importlib.util
import json
import math
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, "build", "venv-export")
SKELETONS = os.path.join(ROOT, "tests", "data", "onnx")
GOLDENS = os.path.join(ROOT, "tests", "data", "goldens")
FILL_SCRIPT = os.path.join(ROOT, "scripts", "onnx-fill-weights.py")
REQUIREMENTS = ["torch==2.15.0", "torchvision==0.29.2", "transformers==4.57.6", "onnx==1.23.2",
                "onnxruntime==1.32.0", "onnxscript==0.7.2", "numpy"]
IMAGE_MODELS = ["squeezenet1_1", "mobilenet_v2", "mobilenet_v3_small", "resnet18"]
# transformers 4.57 (the last 4.x): the graph most published BERT exports have
# (masking by Unsqueeze/Expand/Cast/Sub/Where, sdpa decomposed into MatMul/Softmax).
# transformers 5 builds masks with And/GatherElements/Range/IsNaN, not imported yet.
MIN_FILL = 16  # float initializers with fewer elements keep their data
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
BERT = dict(vocab_size=1000, hidden_size=128, num_hidden_layers=2, num_attention_heads=4,
            intermediate_size=512, max_position_embeddings=64, type_vocab_size=2)
SEQ_LEN, REAL_TOKENS = 32, 24


def log(msg):
    print(msg, flush=True)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def fnv1a64(s):
    h = 0xCBF29CE484222325
    for b in s.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


# --- virtual environment -----------------------------------------------------

def ensure_venv_and_reexec():
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        log(f"export: creating {os.path.relpath(VENV, ROOT)}")
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    check = "import torch, torchvision, transformers, onnx, onnxruntime, numpy"
    if subprocess.run([py, "-c", check], stderr=subprocess.DEVNULL).returncode != 0:
        log("export: installing " + " ".join(REQUIREMENTS))
        subprocess.run([py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"] + REQUIREMENTS,
                       check=True)
    os.execv(py, [py, os.path.abspath(__file__)] + sys.argv[1:])


# --- models ------------------------------------------------------------------

def randomize(model, torch):
    """Random BatchNorm / LayerNorm parameters and biases (deterministic: global seed)."""
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            with torch.no_grad():
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
        elif isinstance(m, torch.nn.LayerNorm):
            with torch.no_grad():
                m.weight.uniform_(0.8, 1.2)
                m.bias.uniform_(-0.1, 0.1)
        elif isinstance(m, (torch.nn.Linear, torch.nn.Conv2d)) and m.bias is not None:
            with torch.no_grad():
                m.bias.uniform_(-0.1, 0.1)
    return model.eval()


def token_inputs(np):
    """[CLS] w1 .. w22 [SEP] then padding; ids look like a WordPiece sentence in a 1000-word vocab."""
    words = [412, 87, 903, 15, 264, 731, 58, 190, 647, 322, 45, 808, 119, 560, 73, 954, 281, 36, 699,
             150, 477, 92]
    ids = [2] + words + [3]
    assert len(ids) == REAL_TOKENS
    ids += [0] * (SEQ_LEN - len(ids))
    mask = [1] * REAL_TOKENS + [0] * (SEQ_LEN - REAL_TOKENS)
    return np.array([ids], dtype=np.int64), np.array([mask], dtype=np.int64)


def export_model(name, path, torch, np, image_x):
    torch.manual_seed(0)
    if name == "bert_tiny":
        import transformers
        cfg = transformers.BertConfig(**BERT)
        bert = randomize(transformers.BertModel(cfg), torch)

        class Encoder(torch.nn.Module):  # positional inputs -> the two output tensors
            def __init__(self):
                super().__init__()
                self.bert = bert

            def forward(self, input_ids, attention_mask):
                o = self.bert(input_ids=input_ids, attention_mask=attention_mask)
                return o.last_hidden_state, o.pooler_output

        model = Encoder().eval()
        ids, mask = token_inputs(np)
        args = (torch.from_numpy(ids), torch.from_numpy(mask))
        dyn = {"input_ids": {0: "batch_size", 1: "sequence"}, "attention_mask": {0: "batch_size", 1: "sequence"},
               "last_hidden_state": {0: "batch_size", 1: "sequence"}, "pooler_output": {0: "batch_size"}}
        names_in, names_out = ["input_ids", "attention_mask"], ["last_hidden_state", "pooler_output"]
    else:
        import torchvision
        model = randomize(getattr(torchvision.models, name)(weights=None), torch)
        args = (torch.from_numpy(image_x),)
        dyn = {"input": {0: "batch_size"}, "logits": {0: "batch_size"}}
        names_in, names_out = ["input"], ["logits"]
    with torch.no_grad():
        torch.onnx.export(model, args, path, dynamo=False, opset_version=17, input_names=names_in,
                          output_names=names_out, dynamic_axes=dyn, do_constant_folding=True)
    return model, args


# --- skeletons ---------------------------------------------------------------

def skeletonize(src, dst, onnx, np):
    from onnx import numpy_helper
    m = onnx.load(src)
    filled = kept = 0
    for t in m.graph.initializer:
        if t.data_type != onnx.TensorProto.FLOAT or int(np.prod(t.dims)) < MIN_FILL:
            kept += 1
            continue
        a = numpy_helper.to_array(t).astype(np.float64)
        mean, std = float(a.mean()), float(a.std())
        low, high = mean - math.sqrt(3.0) * std, mean + math.sqrt(3.0) * std
        if a.min() >= 0:
            low = max(low, float(a.min()))
        t.ClearField("raw_data")
        t.ClearField("float_data")
        t.data_location = onnx.TensorProto.EXTERNAL
        del t.external_data[:]
        for k, v in (("location", "edgert-fill"), ("rule", "uniform"), ("low", repr(low)), ("high", repr(high)),
                     ("seed", str(fnv1a64(t.name)))):
            e = t.external_data.add()
            e.key, e.value = k, v
        filled += 1
    with open(dst, "wb") as f:
        f.write(m.SerializeToString())
    return filled, kept


def rebuild(skel, out):
    subprocess.run([sys.executable, FILL_SCRIPT, skel, out], check=True, stdout=subprocess.DEVNULL)


# --- main --------------------------------------------------------------------

def main():
    import numpy as np
    import onnx
    import onnxruntime as ort
    import torch
    import importlib.metadata as md

    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "onnx-export"))
    ap.add_argument("--models", default=",".join(IMAGE_MODELS + ["bert_tiny"]))
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    os.makedirs(SKELETONS, exist_ok=True)
    versions = {p: md.version(p) for p in ("torch", "torchvision", "transformers", "onnx", "onnxruntime", "numpy")}
    log("export: " + ", ".join(f"{k} {v}" for k, v in versions.items()))

    spec = importlib.util.spec_from_file_location("make_goldens", os.path.join(ROOT, "scripts", "make-goldens.py"))
    mg = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mg)
    cache = os.environ.get("EDGERT_MODEL_CACHE", os.path.join(os.path.expanduser("~"), ".cache", "edgert", "models"))
    os.makedirs(cache, exist_ok=True)
    image_path = mg.get_image(cache)
    from PIL import Image  # torchvision depends on Pillow
    image = np.asarray(Image.open(image_path).convert("RGB"))
    pixels = mg.resize_bilinear_u8(image, 224, 224)[None]  # [1,224,224,3] uint8
    mean = np.array(IMAGENET_MEAN, dtype=np.float32)
    std = np.array(IMAGENET_STD, dtype=np.float32)
    image_x = ((pixels.astype(np.float32) / np.float32(255) - mean) / std).transpose(0, 3, 1, 2).copy()

    manifest_path = os.path.join(SKELETONS, "manifest.json")
    manifest = {"description": "PyTorch models exported to ONNX (weights replaced by fill rules) and ONNX Runtime "
                               "goldens on the rebuilt models; made by scripts/export-torchvision-onnx.py",
                "versions": versions, "exporter": "torch.onnx.export(dynamo=False, opset_version=17, "
                                                  "do_constant_folding=True)",
                "image_input": {"file": "pytorch_image_input/astronaut_224.u8.npy", "source": image_path.split("/")[-1],
                                "normalize": "x = (float32(u8) / 255 - mean[c]) / std[c], float32, NHWC -> NCHW",
                                "mean": IMAGENET_MEAN, "std": IMAGENET_STD},
                "models": {}}
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest["models"] = json.load(f).get("models", {})
    img_dir = os.path.join(GOLDENS, "pytorch_image_input")
    os.makedirs(img_dir, exist_ok=True)
    np.save(os.path.join(img_dir, "astronaut_224.u8.npy"), pixels)

    timings = []
    for name in args.models.split(","):
        full = os.path.join(args.work, name + ".onnx")
        model, targs = export_model(name, full, torch, np, image_x)
        skel = os.path.join(SKELETONS, name + ".skel.onnx")
        filled, kept = skeletonize(full, skel, onnx, np)
        rebuilt = os.path.join(args.work, name + ".rebuilt.onnx")
        rebuild(skel, rebuilt)
        rebuild(skel, rebuilt + ".again")
        with open(rebuilt, "rb") as a, open(rebuilt + ".again", "rb") as b:
            assert a.read() == b.read(), "rebuild is not deterministic"
        os.remove(rebuilt + ".again")
        onnx.checker.check_model(onnx.load(rebuilt))

        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        sess = ort.InferenceSession(rebuilt, so, providers=["CPUExecutionProvider"])
        if name == "bert_tiny":
            ids, mask = token_inputs(np)
            feeds = {"input_ids": ids, "attention_mask": mask}
        else:
            feeds = {"input": image_x}
        outs = sess.run(None, feeds)
        out_names = [o.name for o in sess.get_outputs()]
        # Sanity: the original (exported) weights through ONNX Runtime match PyTorch.
        ref_sess = ort.InferenceSession(full, so, providers=["CPUExecutionProvider"])
        ref = ref_sess.run(None, feeds)
        with torch.no_grad():
            tout = model(*targs)
        tref = [t.numpy() for t in tout] if name == "bert_tiny" else [tout.numpy()]
        torch_err = max(float(np.abs(a - b).max()) for a, b in zip(ref, tref))

        d = os.path.join(GOLDENS, name)
        os.makedirs(d, exist_ok=True)
        for old in os.listdir(d):
            if old.endswith(".npy"):
                os.remove(os.path.join(d, old))
        entry = {"skeleton": f"{name}.skel.onnx", "skeleton_bytes": os.path.getsize(skel),
                 "rebuilt_sha256": sha256_file(rebuilt), "rebuilt_bytes": os.path.getsize(rebuilt),
                 "filled_initializers": filled, "kept_initializers": kept,
                 "onnx_ops": sorted({n.op_type for n in onnx.load(rebuilt).graph.node}),
                 "symbolic_dims": {"batch_size": 1, **({"sequence": SEQ_LEN} if name == "bert_tiny" else {})},
                 "ort_vs_torch_original_weights_max_abs": torch_err, "inputs": [], "outputs": []}
        if name == "bert_tiny":
            for k, v in feeds.items():
                np.save(os.path.join(d, f"input_{k}.npy"), v)
                entry["inputs"].append({"name": k, "shape": list(v.shape), "dtype": "int64",
                                        "file": f"{name}/input_{k}.npy"})
        else:
            entry["inputs"].append({"name": "input", "shape": list(image_x.shape), "dtype": "float32",
                                    "file_u8": manifest["image_input"]["file"]})
        for i, (on, y) in enumerate(zip(out_names, outs)):
            f = f"output_{i}_{on}.npy"
            np.save(os.path.join(d, f), y)
            entry["outputs"].append({"name": on, "shape": list(y.shape), "file": f"{name}/{f}",
                                     "min": float(y.min()), "max": float(y.max()), "std": float(y.std())})
        manifest["models"][name] = entry

        for _ in range(5):
            sess.run(None, feeds)
        ts = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            sess.run(None, feeds)
            ts.append((time.perf_counter() - t0) * 1e3)
        timings.append((name, float(np.median(ts))))
        ranges = ", ".join(f"{o['name']} {o['shape']} [{o['min']:.4g}, {o['max']:.4g}] std {o['std']:.3g}"
                           for o in entry["outputs"])
        log(f"export: {name}: skeleton {entry['skeleton_bytes']} B ({filled} filled, {kept} kept), rebuilt "
            f"{entry['rebuilt_bytes']} B; {ranges}; ORT vs torch (exported weights) {torch_err:.3g}")

    with open(manifest_path, "w") as f:
        f.write(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    # Checked by scripts/fetch-models.sh after rebuilding the models.
    with open(os.path.join(SKELETONS, "models.sha256"), "w") as f:
        for name in sorted(manifest["models"]):
            f.write(f"{manifest['models'][name]['rebuilt_sha256']}  {name}.onnx\n")
    log(f"\nONNX Runtime {versions['onnxruntime']} median latency, 1 thread ({args.runs} runs after 5 warm-up):")
    for name, ms in timings:
        log(f"  {name:20s} {ms:8.3f} ms")


if __name__ == "__main__":
    if os.path.realpath(sys.prefix) != os.path.realpath(VENV):
        ensure_venv_and_reexec()
    main()
