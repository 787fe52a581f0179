#!/usr/bin/env python3
"""Fidelity of edgert's int8 quantizer next to TensorFlow's converter on the same float model.

Rebuilds the Keras MobileNet v1 (alpha 0.25, 128x128, random weights, the seed
of scripts/make-int8-tflite.py) as a float .tflite, quantizes it two ways with
the same 64 calibration crops of the photograph -- TensorFlow's converter
(full integer, representative dataset) and `edgert-convert --quantize int8`
(each calibration method) -- and compares both against the float model on 32
held-out crops (a different seed): output cosine, SNR, max error, top-1
agreement. All three models run in edgert (its int8 kernels match LiteRT
bit for bit on TensorFlow's int8 models, see tests/importers/tflite_int8_models_test.cc).

Usage: python3 scripts/compare-quantizers.py      (needs build/bin and build/venv-tf, see make-int8-tflite.py)
"""

import importlib.util
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "build", "quant-compare")
BIN = os.path.join(ROOT, "build", "bin")


def load(name, file):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, "scripts", file))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def build_models():
    """Runs inside build/venv-tf: float and TF-int8 .tflite plus sample sets."""
    import numpy as np
    import tensorflow as tf
    from PIL import Image
    mi = load("make_int8", "make-int8-tflite.py")
    mg = load("make_goldens", "make-goldens.py")
    image = np.asarray(Image.open(sys.argv[2]).convert("RGB"))
    name, arch, kwargs, size, _ = [m for m in mi.MODELS if m[0] == "mobilenet_v1_025_128_int8"][0]
    calib = mi.crops(image, size, mi.CALIBRATION_SAMPLES, np.random.default_rng(mi.SEED)).astype(np.float32)
    calib = calib / np.float32(127.5) - np.float32(1)
    model = mi.build_keras_model(tf, arch, kwargs, size, calib)
    held = mi.crops(image, size, 32, np.random.default_rng(mi.SEED + 1)).astype(np.float32)
    held = held / np.float32(127.5) - np.float32(1)
    os.makedirs(os.path.join(WORK, "calib"), exist_ok=True)
    os.makedirs(os.path.join(WORK, "held"), exist_ok=True)
    np.save(os.path.join(WORK, "calib", "samples.npy"), calib)
    for i in range(held.shape[0]):
        np.save(os.path.join(WORK, "held", f"{i:03d}.npy"), held[i:i + 1])
    with open(os.path.join(WORK, "float.tflite"), "wb") as f:
        f.write(tf.lite.TFLiteConverter.from_keras_model(model).convert())

    def representative():
        for i in range(calib.shape[0]):
            yield [calib[i:i + 1]]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    with open(os.path.join(WORK, "tf_int8.tflite"), "wb") as f:
        f.write(conv.convert())
    print(json.dumps({"tensorflow": tf.__version__}))


def run_all(ert, held_dir, out_dir):
    import numpy as np
    outs = []
    for fname in sorted(os.listdir(held_dir)):
        d = os.path.join(out_dir, fname[:-4])
        os.makedirs(d, exist_ok=True)
        subprocess.run([os.path.join(BIN, "edgert-run"), ert, "--input", "0=" + os.path.join(held_dir, fname),
                        "--output-dir", d], stdout=subprocess.DEVNULL, check=True)
        npys = sorted(f for f in os.listdir(d) if f.endswith(".npy"))
        outs.append(np.load(os.path.join(d, npys[0])).astype(np.float64))
    return np.stack(outs)


def metrics(ref, got):
    import numpy as np
    err = got - ref
    cos = float((ref * got).sum() / np.sqrt((ref * ref).sum() * (got * got).sum()))
    snr = float(10 * np.log10((ref * ref).sum() / max((err * err).sum(), 1e-300)))
    top1 = float(np.mean(ref.reshape(ref.shape[0], -1).argmax(1) == got.reshape(got.shape[0], -1).argmax(1)))
    return {"cosine": cos, "snr_db": snr, "max_abs": float(np.abs(err).max()), "top1": top1}


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--build":
        return build_models()
    py_tf = os.path.join(ROOT, "build", "venv-tf", "bin", "python")
    if os.path.realpath(sys.prefix) != os.path.realpath(os.path.join(ROOT, "build", "venv-tf")):
        if not os.path.exists(py_tf):
            sys.exit("compare-quantizers: build/venv-tf is missing; run python3 scripts/make-int8-tflite.py first")
        os.execv(py_tf, [py_tf, os.path.abspath(__file__)] + sys.argv[1:])
    mg = load("make_goldens", "make-goldens.py")
    image = mg.get_image(mg.fetch_models())
    info = json.loads(subprocess.run([py_tf, os.path.abspath(__file__), "--build", image], stdout=subprocess.PIPE,
                                     text=True, check=True).stdout.strip().splitlines()[-1])
    conv = os.path.join(BIN, "edgert-convert")
    subprocess.run([conv, os.path.join(WORK, "float.tflite"), "-o", os.path.join(WORK, "float.ert"), "--quiet"], check=True)
    subprocess.run([conv, os.path.join(WORK, "tf_int8.tflite"), "-o", os.path.join(WORK, "tf_int8.ert"), "--quiet"],
                   check=True)
    held = os.path.join(WORK, "held")
    ref = run_all(os.path.join(WORK, "float.ert"), held, os.path.join(WORK, "out-float"))
    rows = [("TensorFlow " + info["tensorflow"] + " converter", os.path.join(WORK, "tf_int8.ert"))]
    for method in ("minmax", "percentile", "kl"):
        ert = os.path.join(WORK, f"edgert_{method}.ert")
        subprocess.run([conv, os.path.join(WORK, "float.tflite"), "-o", ert, "--quiet", "--quantize", "int8",
                        "--calibration", os.path.join(WORK, "calib"), "--calibration-method", method], check=True)
        rows.append((f"edgert --calibration-method {method}", ert))
    print(f"{'quantizer':40s} {'cosine':>9s} {'SNR dB':>7s} {'max|err|':>9s} {'top-1':>6s} {'bytes':>8s}")
    for label, ert in rows:
        m = metrics(ref, run_all(ert, held, os.path.join(WORK, "out-" + os.path.basename(ert)[:-4])))
        print(f"{label:40s} {m['cosine']:9.5f} {m['snr_db']:7.2f} {m['max_abs']:9.4f} {m['top1']:6.3f} "
              f"{os.path.getsize(ert):8d}")
    print(f"(float model: {os.path.getsize(os.path.join(WORK, 'float.ert'))} bytes; 32 held-out crops, "
          f"64 calibration crops)")


if __name__ == "__main__":
    main()
