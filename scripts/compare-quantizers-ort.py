#!/usr/bin/env python3
"""Fidelity of edgert's int8 quantizer next to ONNX Runtime's on the same float ONNX models.

What is compared: for each float model of the model cache (mobilenet_v2, squeezenet1_1,
resnet18: the torchvision architectures of tests/data/onnx/ with their rebuilt weights,
input NCHW 1x3x224x224, ImageNet mean/std normalization, 1000 logits out), with the same
calibration samples:
  ONNX Runtime  onnxruntime.quantization.quantize_static, QDQ format, per-channel int8
                weights, int8 activations, calibration MinMax, Percentile (99.999, symmetric)
                and Entropy (ORT's default options; no quant_pre_process). quantize_static
                gives Entropy 128 histogram bins for 128 quantized bins, which leaves one
                candidate threshold, the observed min/max: ORT's Entropy equals its MinMax.
                Entropy2048 is ORT's Entropy calibrator with 2048 bins (quantize_static does
                not pass that option on, so this script wraps its create_calibrator).
  edgert        edgert-convert X.onnx --quantize int8 --calibration DIR
                --calibration-method minmax | percentile | kl | mse
                (a method written "minmax+bc" adds --bias-correction)
Each quantized model is compared against the float model on the same held-out samples:
cosine similarity and SNR (dB) of the logits over all samples, max |error|, top-1
agreement (argmax of the 1000 logits equal to the float model's), and "cSNR": the SNR of
the sample-dependent part of the logits (the float logits minus their mean over the
held-out samples, against the same error), which the constant part of the logits cannot
flatter.

Runtimes: every model runs in edgert (the float model converted with edgert-convert;
ORT's QDQ models imported by edgert-convert, which folds QDQ into int8 ops), so all rows
share one runtime and one float reference. As a cross-check, ORT's QDQ models also run in
ONNX Runtime (CPU, 1 thread) against the float model run in ONNX Runtime ("in ORT" rows).
Sizes: the .ert file for edgert rows, and the QDQ .onnx file (and its .ert) for ORT rows.

Samples: public-domain photographs shipped in Debian's python3-skimage package (unpacked
from the .deb with apt-get download + dpkg-deb, not installed; cached in
build/ort-quant-compare/photos). Each sample is a random square crop (side between a
quarter of and the whole short side, numpy default_rng(SEED)) resized to 224x224
(make-goldens.py's bilinear resize), gray photos replicated to RGB.
  calibration: CALIB_PER_PHOTO crops of each of CALIB_PHOTOS
  held-out:    HELD_PER_PHOTO crops of each of HELD_PHOTOS (photos not used to calibrate)
Calibration samples are written as float32 .npy files (one per file) for edgert-convert
and fed in the same order to ORT's CalibrationDataReader.

Note: the models' weights are the rebuilt random weights (see tests/data/onnx/README.md),
not ImageNet-trained ones, so top-1 agreement measures stability of the argmax, not accuracy;
with these weights every held-out sample has the same float argmax, and mobilenet_v2's logits
hardly depend on its input at all (its cSNR is meaningless), see "float" in results.json.

Usage: python3 scripts/compare-quantizers-ort.py [--bin DIR] [--models a,b] [--ort-methods MinMax,...]
                                                 [--edgert-methods minmax,...]
  --bin DIR   edgert-convert and edgert-run (default: build/bin)
Runs in build/venv-ortq (onnxruntime 1.32, onnx, numpy, pillow from PyPI; made on first use).
Writes build/ort-quant-compare/results.json and prints the table.
"""
import argparse
import contextlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, "build", "venv-ortq")
WORK = os.path.join(ROOT, "build", "ort-quant-compare")
CACHE = os.path.expanduser("~/.cache/edgert/models")
REQUIREMENTS = ["onnxruntime==1.32.0", "onnx", "numpy", "pillow"]
MODELS = ["mobilenet_v2", "squeezenet1_1", "resnet18"]
ORT_METHODS = ["MinMax", "Percentile", "Entropy", "Entropy2048"]
EDGERT_METHODS = ["minmax", "percentile", "kl", "mse"]
PHOTO_DEB = "python3-skimage"
PHOTO_DIR = "usr/lib/python3/dist-packages/skimage/data"
CALIB_PHOTOS = ["coffee.png", "rocket.jpg", "camera.png", "brick.png", "grass.png", "hubble_deep_field.jpg",
                "retina.jpg", "ihc.png"]
HELD_PHOTOS = ["astronaut.png", "chelsea.png", "motorcycle_left.png"]
CALIB_PER_PHOTO = 8
HELD_PER_PHOTO = 16
SEED = 20261127
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
SIZE = 224


def log(msg):
    print(msg, file=sys.stderr, flush=True)


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
        log(f"compare-quantizers-ort: creating {VENV}")
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
        subprocess.check_call([py, "-m", "pip", "install", "-q"] + REQUIREMENTS)
    os.execv(py, [py, os.path.abspath(__file__)] + sys.argv[1:])


def get_photos():
    """The photographs named in CALIB_PHOTOS and HELD_PHOTOS, from the python3-skimage .deb."""
    dest = os.path.join(WORK, "photos")
    names = CALIB_PHOTOS + HELD_PHOTOS
    if all(os.path.exists(os.path.join(dest, n)) for n in names):
        return dest
    for tool in ("apt-get", "dpkg-deb"):
        if shutil.which(tool) is None:
            sys.exit(f"compare-quantizers-ort: '{tool}' is needed to unpack Debian's {PHOTO_DEB}")
    os.makedirs(dest, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="edgert-photos-") as tmp:
        r = subprocess.run(["apt-get", "download", "-q", PHOTO_DEB], cwd=tmp, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
        debs = [f for f in os.listdir(tmp) if f.endswith(".deb")]
        if r.returncode != 0 or len(debs) != 1:
            sys.stderr.write(r.stderr)
            sys.exit(f"compare-quantizers-ort: apt-get download {PHOTO_DEB} failed (run 'apt-get update' first?)")
        subprocess.run(["dpkg-deb", "-x", os.path.join(tmp, debs[0]), os.path.join(tmp, "x")], check=True)
        for n in names:
            src = os.path.join(tmp, "x", PHOTO_DIR, n)
            if not os.path.exists(src):
                sys.exit(f"compare-quantizers-ort: {debs[0]} has no {PHOTO_DIR}/{n}")
            shutil.copyfile(src, os.path.join(dest, n))
        log(f"compare-quantizers-ort: photographs from {debs[0]}")
    return dest


def make_samples(np, photo_dir, names, per_photo, rng):
    """per_photo random square crops of each photo, 224x224, normalized NCHW float32."""
    from PIL import Image
    resize = load_script("make-goldens").resize_bilinear_u8
    out = []
    for n in names:
        img = np.asarray(Image.open(os.path.join(photo_dir, n)).convert("RGB"))
        h, w, _ = img.shape
        for _ in range(per_photo):
            side = int(rng.integers(min(h, w) // 4, min(h, w) + 1))
            y = int(rng.integers(0, h - side + 1))
            x = int(rng.integers(0, w - side + 1))
            out.append(resize(img[y:y + side, x:x + side], SIZE, SIZE))
    u8 = np.stack(out)
    x = (u8.astype(np.float32) / np.float32(255) - np.array(MEAN, np.float32)) / np.array(STD, np.float32)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2)).astype(np.float32)


def metrics(np, ref, got):
    ref = ref.astype(np.float64).reshape(ref.shape[0], -1)
    got = got.astype(np.float64).reshape(got.shape[0], -1)
    err = got - ref
    cos = float((ref * got).sum() / np.sqrt((ref * ref).sum() * (got * got).sum()))
    snr = float(10 * np.log10((ref * ref).sum() / max((err * err).sum(), 1e-300)))
    top1 = float(np.mean(ref.argmax(1) == got.argmax(1)))
    c = ref - ref.mean(0)
    csnr = float(10 * np.log10(max((c * c).sum(), 1e-300) / max((err * err).sum(), 1e-300)))
    return {"cosine": cos, "snr_db": snr, "csnr_db": csnr, "max_abs": float(np.abs(err).max()), "top1": top1}


class Edgert:
    def __init__(self, bin_dir):
        self.convert_bin = os.path.join(bin_dir, "edgert-convert")
        self.run_bin = os.path.join(bin_dir, "edgert-run")
        for b in (self.convert_bin, self.run_bin):
            if not os.access(b, os.X_OK):
                sys.exit(f"compare-quantizers-ort: {b} is missing (build edgert-convert and edgert-run, or --bin)")

    def convert(self, src, dst, extra=()):
        subprocess.run([self.convert_bin, src, "-o", dst, "--quiet", "--dim", "batch_size=1"] + list(extra),
                       check=True)

    def run(self, np, ert, held_files, out_dir):
        outs = []
        for f in held_files:
            d = os.path.join(out_dir, os.path.basename(f)[:-4])
            os.makedirs(d, exist_ok=True)
            subprocess.run([self.run_bin, ert, "--input", "0=" + f, "--output-dir", d], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=True)
            npys = sorted(x for x in os.listdir(d) if x.endswith(".npy"))
            if len(npys) != 1:
                sys.exit(f"compare-quantizers-ort: {ert} wrote {npys} for {f}")
            outs.append(np.load(os.path.join(d, npys[0])))
        return np.concatenate(outs)


def ort_run(ort, np, path, held):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    return np.concatenate([sess.run(None, {name: held[i:i + 1]})[0] for i in range(held.shape[0])])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--ort-methods", default=",".join(ORT_METHODS))
    ap.add_argument("--edgert-methods", default=",".join(EDGERT_METHODS))
    args = ap.parse_args()
    ensure_venv()
    import logging
    import numpy as np
    import onnxruntime as ort
    from onnxruntime import quantization as q
    ort_quantize = importlib.import_module("onnxruntime.quantization.quantize")
    ort.set_default_logger_severity(3)
    logging.getLogger().setLevel(logging.ERROR)
    create_calibrator = ort_quantize.create_calibrator

    def create_calibrator_2048(*a, **kw):
        kw["extra_options"] = dict(kw.get("extra_options") or {}, num_bins=2048)
        return create_calibrator(*a, **kw)

    edgert = Edgert(os.path.abspath(args.bin))
    photos = get_photos()
    calib = make_samples(np, photos, CALIB_PHOTOS, CALIB_PER_PHOTO, np.random.default_rng(SEED))
    held = make_samples(np, photos, HELD_PHOTOS, HELD_PER_PHOTO, np.random.default_rng(SEED + 1))
    calib_dir = os.path.join(WORK, "calib")
    held_dir = os.path.join(WORK, "held")
    for d, x in ((calib_dir, calib), (held_dir, held)):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for i in range(x.shape[0]):
            np.save(os.path.join(d, f"{i:03d}.npy"), x[i:i + 1])
    held_files = [os.path.join(held_dir, f"{i:03d}.npy") for i in range(held.shape[0])]

    class Reader(q.CalibrationDataReader):
        def __init__(self, input_name):
            self.it = iter([{input_name: calib[i:i + 1]} for i in range(calib.shape[0])])

        def get_next(self):
            return next(self.it, None)

    results = {"onnxruntime": ort.__version__, "edgert_bin": os.path.abspath(args.bin),
               "calibration": {"photos": CALIB_PHOTOS, "crops_per_photo": CALIB_PER_PHOTO, "seed": SEED,
                               "samples": int(calib.shape[0])},
               "held_out": {"photos": HELD_PHOTOS, "crops_per_photo": HELD_PER_PHOTO, "seed": SEED + 1,
                            "samples": int(held.shape[0])},
               "models": {}}
    lines = []
    for model in args.models.split(","):
        src = os.path.join(CACHE, model + ".onnx")
        if not os.path.exists(src):
            sys.exit(f"compare-quantizers-ort: {src} is missing (scripts/fetch-models.sh)")
        mdir = os.path.join(WORK, model)
        os.makedirs(mdir, exist_ok=True)
        float_ert = os.path.join(mdir, "float.ert")
        edgert.convert(src, float_ert)
        ref = edgert.run(np, float_ert, held_files, os.path.join(mdir, "out-float"))
        ref_ort = ort_run(ort, np, src, held)
        input_name = ort.InferenceSession(src, providers=["CPUExecutionProvider"]).get_inputs()[0].name
        rows = {"float: edgert vs ORT": dict(metrics(np, ref_ort, ref), bytes=os.path.getsize(float_ert),
                                              seconds=0.0)}
        for method in args.ort_methods.split(","):
            qdq = os.path.join(mdir, f"ort_{method.lower()}.onnx")
            t = time.time()
            ort_quantize.create_calibrator = create_calibrator_2048 if method == "Entropy2048" else create_calibrator
            with contextlib.redirect_stdout(sys.stderr):  # the calibrators print their progress
                q.quantize_static(src, qdq, Reader(input_name), quant_format=q.QuantFormat.QDQ, per_channel=True,
                                  activation_type=q.QuantType.QInt8, weight_type=q.QuantType.QInt8,
                                  calibrate_method=getattr(q.CalibrationMethod, method.replace("2048", "")))
            ort_quantize.create_calibrator = create_calibrator
            secs = time.time() - t
            ert = qdq[:-5] + ".ert"
            edgert.convert(qdq, ert)
            got = edgert.run(np, ert, held_files, os.path.join(mdir, "out-" + os.path.basename(ert)[:-4]))
            rows[f"ORT {method} (in edgert)"] = dict(metrics(np, ref, got), bytes=os.path.getsize(ert),
                                                       onnx_bytes=os.path.getsize(qdq), seconds=secs)
            rows[f"ORT {method} (in ORT)"] = dict(metrics(np, ref_ort, ort_run(ort, np, qdq, held)),
                                                    bytes=os.path.getsize(qdq), seconds=secs)
            log(f"{model}: ORT {method} done ({secs:.1f} s)")
        for method in args.edgert_methods.split(","):
            ert = os.path.join(mdir, f"edgert_{method}.ert")
            t = time.time()
            base, bc = (method[:-3], ["--bias-correction"]) if method.endswith("+bc") else (method, [])
            edgert.convert(src, ert, ["--quantize", "int8", "--calibration", calib_dir, "--calibration-method", base]
                           + bc)
            secs = time.time() - t
            got = edgert.run(np, ert, held_files, os.path.join(mdir, "out-" + os.path.basename(ert)[:-4]))
            rows[f"edgert {method}"] = dict(metrics(np, ref, got), bytes=os.path.getsize(ert), seconds=secs)
            log(f"{model}: edgert {method} done ({secs:.1f} s)")
        centered = ref.reshape(ref.shape[0], -1) - ref.reshape(ref.shape[0], -1).mean(0)
        results["models"][model] = {
            "float_onnx_bytes": os.path.getsize(src), "rows": rows,
            "float": {"distinct_argmax": len(set(ref.reshape(ref.shape[0], -1).argmax(1).tolist())),
                      "rms": float(np.sqrt((ref.astype(np.float64) ** 2).mean())),
                      "rms_sample_dependent": float(np.sqrt((centered.astype(np.float64) ** 2).mean()))}}
        fl = results["models"][model]["float"]
        lines.append(f"{model} (float .onnx {os.path.getsize(src)} bytes, float .ert {os.path.getsize(float_ert)}; "
                     f"float logits rms {fl['rms']:.3g}, sample-dependent rms {fl['rms_sample_dependent']:.3g}, "
                     f"{fl['distinct_argmax']} distinct argmax)")
        lines.append(f"  {'quantizer':28s} {'cosine':>9s} {'SNR dB':>7s} {'cSNR dB':>7s} {'max|err|':>9s} "
                     f"{'top-1':>6s} {'bytes':>9s} {'quant s':>7s}")
        for label, m in rows.items():
            lines.append(f"  {label:28s} {m['cosine']:9.5f} {m['snr_db']:7.2f} {m['csnr_db']:7.2f} {m['max_abs']:9.4f} "
                         f"{m['top1']:6.3f} {m['bytes']:9d} {m['seconds']:7.1f}")
    lines.append(f"({calib.shape[0]} calibration crops of {', '.join(CALIB_PHOTOS)}; {held.shape[0]} held-out crops "
                 f"of {', '.join(HELD_PHOTOS)}; ORT {ort.__version__}. 'in edgert' rows and edgert rows: all models "
                 f"run in edgert against the float model in edgert; 'in ORT' rows: ORT runs the QDQ model against the "
                 f"float model in ORT; bytes: .ert, or the QDQ .onnx for 'in ORT' rows)")
    print("\n".join(lines))
    with open(os.path.join(WORK, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    log(f"compare-quantizers-ort: wrote {os.path.join(WORK, 'results.json')}")


if __name__ == "__main__":
    main()
