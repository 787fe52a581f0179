#!/usr/bin/env python3
"""Makes the full-integer int8 .tflite test models and their native LiteRT goldens.

Keras application architectures with random weights (nothing can be downloaded)
are converted by TensorFlow's TFLite converter with full-integer post-training
quantization: a representative dataset of crops of a real photograph, int8
weights (per-channel) and activations, TFLITE_BUILTINS_INT8 only. Written:

  tests/data/tflite-int8/<name>.tflite           the int8 models (our own, small)
  tests/data/goldens/<name>/input_<in>.npy       the input fed (int8 or float32)
  tests/data/goldens/<name>/output_<i>_<out>.npy native LiteRT's outputs
  tests/data/goldens/int8-manifest.json          versions, quantization, sources

Models (see MODELS): MobileNetV2 (alpha 0.35, 96x96) as a feature extractor
(include_top=False: [1,3,3,1280]) with int8 input/output, and MobileNet v1
(alpha 0.25, 128x128, 1000 classes) ending in logits (classifier_activation=None)
with float32 input/output (QUANTIZE and DEQUANTIZE at the edges), so the
outputs carry information even with random weights. The float32 input is
stored as the uint8 pixels it is computed from (x/127.5-1 in float32).

Usage: python3 scripts/make-int8-tflite.py
Needs: build/venv-tf (tensorflow-cpu, made on first use) for the conversion and
build/venv-goldens (ai-edge-litert, see scripts/make-goldens.py) for the goldens;
the photograph comes from scripts/make-goldens.py's get_image().
"""

import hashlib
import importlib.util
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_TF = os.path.join(ROOT, "build", "venv-tf")
VENV_LITERT = os.path.join(ROOT, "build", "venv-goldens")
OUT_MODELS = os.path.join(ROOT, "tests", "data", "tflite-int8")
GOLDENS = os.path.join(ROOT, "tests", "data", "goldens")
SEED = 20261127

# name, Keras application, constructor kwargs, input size, int8 I/O?
MODELS = [
    ("mobilenet_v2_035_96_int8", "MobileNetV2", {"alpha": 0.35, "include_top": False}, 96, True),
    ("mobilenet_v1_025_128_int8", "MobileNet", {"alpha": 0.25, "classes": 1000, "classifier_activation": None},
     128, False),
]
CALIBRATION_SAMPLES = 64


def log(msg):
    print(msg, flush=True)


def load_make_goldens():
    spec = importlib.util.spec_from_file_location("make_goldens", os.path.join(ROOT, "scripts", "make-goldens.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def ensure_venv(venv, packages):
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(py):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([py, "-m", "pip", "install", "-q"] + packages, check=True)
    return py


def crops(image, size, count, rng):
    """Random square crops of the photograph resized to size x size (uint8)."""
    import numpy as np
    mg = load_make_goldens()
    h, w, _ = image.shape
    out = []
    for _ in range(count):
        side = int(rng.integers(min(h, w) // 4, min(h, w) + 1))
        y = int(rng.integers(0, h - side + 1))
        x = int(rng.integers(0, w - side + 1))
        out.append(mg.resize_bilinear_u8(image[y:y + side, x:x + side], size, size))
    return np.stack(out)


def build_keras_model(tf, arch, kwargs, size, calib):
    """The Keras application with random weights whose BatchNormalization statistics
    are set from the calibration images: with Keras' default statistics (mean 0,
    variance 1) the random network's activations vanish layer by layer and every
    output is ~0, which would make the goldens meaningless."""
    tf.keras.utils.set_random_seed(SEED)
    model = getattr(tf.keras.applications, arch)(input_shape=(size, size, 3), weights=None, **kwargs)
    for layer in model.layers:
        if isinstance(layer, tf.keras.layers.BatchNormalization):
            layer.momentum = 0.0  # the next training-mode pass sets the moving statistics
    model(calib, training=True)
    return model


def convert(image_path):
    """Runs inside build/venv-tf."""
    import numpy as np
    import tensorflow as tf
    from PIL import Image
    image = np.asarray(Image.open(image_path).convert("RGB"))
    mg = load_make_goldens()
    info = {"tensorflow": tf.__version__, "models": []}
    for name, arch, kwargs, size, int8_io in MODELS:
        rng = np.random.default_rng(SEED)
        calib = crops(image, size, CALIBRATION_SAMPLES, rng).astype(np.float32) / np.float32(127.5) - np.float32(1)
        model = build_keras_model(tf, arch, kwargs, size, calib)

        def representative():
            for i in range(calib.shape[0]):
                yield [calib[i:i + 1]]

        conv = tf.lite.TFLiteConverter.from_keras_model(model)
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = representative
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if int8_io:
            conv.inference_input_type = tf.int8
            conv.inference_output_type = tf.int8
        data = conv.convert()
        os.makedirs(OUT_MODELS, exist_ok=True)
        path = os.path.join(OUT_MODELS, name + ".tflite")
        with open(path, "wb") as f:
            f.write(data)
        log(f"make-int8-tflite: {name}: {arch}{kwargs} {size}x{size}, {model.count_params()} parameters, "
            f"{len(data)} bytes")
        info["models"].append({"name": name, "architecture": f"keras.applications.{arch}", "kwargs": kwargs,
                               "input_size": size, "int8_io": int8_io,
                               "parameters": int(model.count_params()), "bytes": len(data),
                               "calibration": f"{CALIBRATION_SAMPLES} random crops of the photograph, "
                                              "x/127.5-1", "seed": SEED})
    with open(os.path.join(ROOT, "build", "int8-convert.json"), "w") as f:
        json.dump(info, f)


def goldens(image_path):
    """Runs inside build/venv-goldens (ai-edge-litert)."""
    import importlib.metadata as md
    import numpy as np
    from PIL import Image
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    mg = load_make_goldens()
    image = np.asarray(Image.open(image_path).convert("RGB"))
    with open(os.path.join(ROOT, "build", "int8-convert.json")) as f:
        conv_info = json.load(f)
    manifest = {"description": "Full-integer int8 .tflite models made by TensorFlow's converter from Keras "
                               "architectures with random weights, and native LiteRT's outputs on the photograph; "
                               "regenerate with python3 scripts/make-int8-tflite.py",
                "tensorflow": conv_info["tensorflow"], "litert": "ai-edge-litert " + md.version("ai-edge-litert"),
                "models": []}
    for m in conv_info["models"]:
        name, size = m["name"], m["input_size"]
        path = os.path.join(OUT_MODELS, name + ".tflite")
        # TFLite's reference kernels define the int8 semantics (fixed-point requantization);
        # XNNPACK (LiteRT's default) and the builtin optimized kernels round differently,
        # and on these random-weight networks the differences grow through the layers
        # (recorded in the manifest as "other_kernels").
        it = Interpreter(model_path=path, num_threads=1, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
        it.allocate_tensors()
        ind = it.get_input_details()[0]
        pixels = mg.resize_bilinear_u8(image, size, size)[None]
        x = pixels.astype(np.float32) / np.float32(127.5) - np.float32(1)
        stored = pixels
        if ind["dtype"] == np.int8:
            scale, zp = ind["quantization"]
            x = np.clip(np.round(x / np.float32(scale)) + zp, -128, 127).astype(np.int8)
            stored = x
        it.set_tensor(ind["index"], x)
        it.invoke()
        d = os.path.join(GOLDENS, name)
        os.makedirs(d, exist_ok=True)
        for old in os.listdir(d):
            os.remove(os.path.join(d, old))
        in_file = f"input_{mg.safe(ind['name'])}" + (".npy" if stored is x else ".u8.npy")
        np.save(os.path.join(d, in_file), stored)
        outs = []
        for i, od in enumerate(it.get_output_details()):
            y = it.get_tensor(od["index"]).copy()
            of = f"output_{i}_{mg.safe(od['name'])}.npy"
            np.save(os.path.join(d, of), y)
            outs.append({"name": od["name"], "file": f"{name}/{of}", "dtype": str(y.dtype),
                         "shape": list(map(int, y.shape)), "quantization": list(map(float, od["quantization"])),
                         "argmax": int(np.argmax(y))})
        other = {}
        for label, kw in [("XNNPACK delegate (LiteRT default)", {}),
                          ("builtin optimized kernels", {"experimental_op_resolver_type":
                                                         OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES})]:
            o = Interpreter(model_path=path, num_threads=1, **kw)
            o.allocate_tensors()
            o.set_tensor(o.get_input_details()[0]["index"], x)
            o.invoke()
            a = o.get_tensor(o.get_output_details()[0]["index"]).astype(np.float64)
            r = it.get_tensor(it.get_output_details()[0]["index"]).astype(np.float64)
            d = np.abs(a - r)
            if outs[0]["dtype"] == "int8":  # in quantization steps
                other[label] = {"max_steps": float(d.max()), "fraction_within_1_step": float(np.mean(d <= 1.0))}
            else:
                other[label] = {"max_abs_diff": float(d.max()), "reference_range": float(r.max() - r.min())}
        with open(path, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        manifest["models"].append({**m, "file": f"tests/data/tflite-int8/{name}.tflite", "sha256": sha,
                                   "input": {"name": ind["name"], "file": f"{name}/{in_file}",
                                             "dtype": str(x.dtype), "shape": list(map(int, x.shape)),
                                             "stored_as": "uint8 pixels" if stored is pixels else "the int8 input",
                                             "preprocessing": f"astronaut resized to {size}x{size} (half-pixel "
                                                              "bilinear, uint8), x/127.5-1" +
                                                              (", quantized with the input's scale/zero point"
                                                               if x.dtype == np.int8 else "")},
                                   "outputs": outs, "runtime": "LiteRT BUILTIN_REF (TFLite reference kernels)",
                                   "other_kernels_vs_reference": other})
        log(f"make-int8-tflite: goldens {name}: " + ", ".join(f"{o['name']} {o['shape']} {o['dtype']}" for o in outs))
        for i, od in enumerate(it.get_output_details()):
            y = it.get_tensor(od["index"])
            if np.unique(y).size < 16:
                sys.exit(f"make-int8-tflite: {name} output {i} has only {np.unique(y).size} distinct values: "
                         "a degenerate golden")
    with open(os.path.join(GOLDENS, "int8-manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--convert":
        return convert(sys.argv[2])
    if len(sys.argv) == 3 and sys.argv[1] == "--goldens":
        return goldens(sys.argv[2])
    mg = load_make_goldens()
    cache = mg.fetch_models()
    image = mg.get_image(cache)
    py_tf = ensure_venv(VENV_TF, ["tensorflow-cpu", "Pillow"])
    py_lite = ensure_venv(VENV_LITERT, mg.REQUIREMENTS)
    subprocess.run([py_tf, os.path.abspath(__file__), "--convert", image], check=True)
    subprocess.run([py_lite, os.path.abspath(__file__), "--goldens", image], check=True)


if __name__ == "__main__":
    main()
