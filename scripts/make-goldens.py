#!/usr/bin/env python3
"""Produces the real-model golden data in tests/data/goldens/ with native LiteRT.

For each MediaPipe model fetched by scripts/fetch-models.sh this script feeds a
real photograph (scikit-image's public-domain "astronaut", taken from Debian's
python3-skimage package file without installing it) to native LiteRT
(ai-edge-litert, TFLite interpreter with its default XNNPACK CPU delegate,
num_threads=1) and writes

  tests/data/goldens/<model_stem>/input_<name>.u8.npy  the uint8 pixels the float32 input is computed from
  tests/data/goldens/<model_stem>/output_<i>_<name>.npy every output, in order
  tests/data/goldens/manifest.json                      what produced them, how

It then prints LiteRT's median latency for each model (1 and 2 threads, 50 runs
after 10 warm-up runs); those figures are not written anywhere.

Usage: python3 scripts/make-goldens.py [--no-bench] [--bench-only] [--runs N] [--warmup N]

The script runs itself inside a virtual environment build/venv-goldens (made on
first use: ai-edge-litert 2.3.x, numpy, Pillow from PyPI). It needs python3 with
venv (Debian: python3-venv), apt-get and dpkg-deb (for the photograph) and
node/npm (for scripts/fetch-models.sh). See tests/data/goldens/README.md.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, "build", "venv-goldens")
GOLDENS = os.path.join(ROOT, "tests", "data", "goldens")
REQUIREMENTS = ["ai-edge-litert>=2.3,<2.4", "numpy", "Pillow"]

# The photograph: scikit-image's astronaut.png (Eileen Collins, NASA, public
# domain), shipped in Debian's python3-skimage package (bookworm: 0.19.3-8).
IMAGE_DEB = "python3-skimage"
IMAGE_MEMBER = "usr/lib/python3/dist-packages/skimage/data/astronaut.png"
IMAGE_SHA256 = "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5"

# model stem -> (input height, width, value range)
MODELS = [
    ("selfie_segmentation", 256, 256, "0_1"),
    ("selfie_segmentation_landscape", 144, 256, "0_1"),
    ("face_detection_short_range", 128, 128, "-1_1"),
    ("face_detection_full_range", 192, 192, "-1_1"),
    ("face_detection_full_range_sparse", 192, 192, "-1_1"),
]

CUSTOM_OP_NOTE = (
    "MediaPipe's custom op (stride-2 transposed convolution + bias). ai-edge-litert's builtin op "
    "resolver has no kernel for it (without the XNNPACK delegate the model fails to prepare: "
    "'Encountered unresolved custom op'); the XNNPACK delegate, applied by default, recognises it "
    "and runs it, so the whole graph runs in XNNPACK and no extra op resolver is needed."
)

NORMALIZE = {
    "0_1": "x = float32(u8) / float32(255)",
    "-1_1": "x = float32(u8) / float32(127.5) - float32(1)",
}

RESIZE_DOC = (
    "astronaut.png (512x512 RGB uint8) is resized to {h}x{w} (HxW; whole image, no crop, aspect not kept) "
    "by bilinear interpolation with half-pixel centres and no antialiasing, per channel: "
    "sy = (y + 0.5) * 512 / {h} - 0.5 and sx = (x + 0.5) * 512 / {w} - 0.5 in float64, each clamped "
    "to [0, 511]; y0 = floor(sy), y1 = min(y0 + 1, 511), fy = sy - y0 (same for x); "
    "v = (1-fy)*((1-fx)*I[y0,x0] + fx*I[y0,x1]) + fy*((1-fx)*I[y1,x0] + fx*I[y1,x1]) in float64; "
    "u8 = uint8(floor(v + 0.5)) (round half up, v is within [0, 255]); then {norm}; "
    "layout NHWC [1,{h},{w},3], channels R,G,B."
)


def log(msg):
    print(msg, flush=True)


def die(msg):
    print("make-goldens: error: " + msg, file=sys.stderr, flush=True)
    sys.exit(1)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------------------
# Stage 1 (any python3): make or reuse the virtual environment, re-run in it.

def in_venv():
    return os.path.realpath(sys.prefix) == os.path.realpath(VENV)


def venv_python():
    return os.path.join(VENV, "bin", "python")


def venv_has_requirements(py):
    check = (
        "import importlib.metadata as m, sys\n"
        "v = m.version('ai-edge-litert')\n"
        "import numpy, PIL, ai_edge_litert.interpreter\n"
        "sys.exit(0 if v.startswith('2.3.') else 1)\n"
    )
    return subprocess.run([py, "-c", check], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def ensure_venv_and_reexec():
    py = venv_python()
    if not os.path.exists(py):
        log(f"make-goldens: creating virtual environment {os.path.relpath(VENV, ROOT)}")
        os.makedirs(os.path.dirname(VENV), exist_ok=True)
        r = subprocess.run([sys.executable, "-m", "venv", VENV])
        if r.returncode != 0 or not os.path.exists(py):
            shutil.rmtree(VENV, ignore_errors=True)
            die("could not create a virtual environment with "
                f"'{sys.executable} -m venv' (on Debian: apt-get install python3-venv)")
    if not venv_has_requirements(py):
        log("make-goldens: installing " + " ".join(REQUIREMENTS) + " into the virtual environment")
        r = subprocess.run([py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
                           + REQUIREMENTS)
        if r.returncode != 0 or not venv_has_requirements(py):
            die("pip could not install " + " ".join(REQUIREMENTS) + " (is PyPI reachable?)")
    os.execv(py, [py, os.path.abspath(__file__)] + sys.argv[1:])


# ---------------------------------------------------------------------------
# Stage 2 (inside the venv).

def fetch_models():
    script = os.path.join(ROOT, "scripts", "fetch-models.sh")
    r = subprocess.run(["bash", script], stdout=subprocess.PIPE, text=True)
    sys.stdout.write(r.stdout)
    if r.returncode != 0:
        die("scripts/fetch-models.sh failed")
    cache = r.stdout.strip().splitlines()[-1].strip()
    if not os.path.isdir(cache):
        die(f"scripts/fetch-models.sh printed no cache directory (got '{cache}')")
    return cache


def get_image(cache):
    """astronaut.png from Debian's python3-skimage .deb, cached next to the models."""
    dest = os.path.join(cache, "astronaut.png")
    if os.path.exists(dest) and sha256_file(dest) == IMAGE_SHA256:
        return dest
    for tool in ("apt-get", "dpkg-deb"):
        if shutil.which(tool) is None:
            die(f"'{tool}' is needed to get astronaut.png from Debian's {IMAGE_DEB} package")
    with tempfile.TemporaryDirectory(prefix="edgert-goldens-") as tmp:
        log(f"make-goldens: apt-get download {IMAGE_DEB} (not installed, only unpacked)")
        cmd = ["apt-get", "download", "-q", IMAGE_DEB]
        r = subprocess.run(cmd, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0 and os.geteuid() == 0:
            log("make-goldens: apt-get download failed; running apt-get update and retrying")
            subprocess.run(["apt-get", "update", "-qq"], stdout=subprocess.DEVNULL)
            r = subprocess.run(cmd, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            sys.stderr.write(r.stderr)
            die(f"apt-get download {IMAGE_DEB} failed (run 'apt-get update' first?)")
        debs = [f for f in os.listdir(tmp) if f.endswith(".deb")]
        if len(debs) != 1:
            die(f"apt-get download {IMAGE_DEB} left {debs}")
        root = os.path.join(tmp, "x")
        subprocess.run(["dpkg-deb", "-x", os.path.join(tmp, debs[0]), root], check=True)
        src = os.path.join(root, IMAGE_MEMBER)
        if not os.path.exists(src):
            die(f"{debs[0]} has no {IMAGE_MEMBER}")
        got = sha256_file(src)
        if got != IMAGE_SHA256:
            log(f"make-goldens: WARNING: astronaut.png from {debs[0]} has sha256 {got}, "
                f"not {IMAGE_SHA256}: the goldens will differ from the committed ones")
        shutil.copyfile(src, dest + ".part")
        os.replace(dest + ".part", dest)
        log(f"make-goldens: astronaut.png from {debs[0]}")
    return dest


def resize_bilinear_u8(img, out_h, out_w):
    """Half-pixel-centre bilinear resize, no antialiasing, rounded to uint8 (see RESIZE_DOC)."""
    import numpy as np
    in_h, in_w, _ = img.shape
    src = img.astype(np.float64)

    def axis(n_out, n_in):
        s = (np.arange(n_out, dtype=np.float64) + 0.5) * (n_in / n_out) - 0.5
        s = np.clip(s, 0.0, n_in - 1)
        i0 = np.floor(s).astype(np.int64)
        i1 = np.minimum(i0 + 1, n_in - 1)
        return i0, i1, s - i0

    y0, y1, fy = axis(out_h, in_h)
    x0, x1, fx = axis(out_w, in_w)
    fy = fy[:, None, None]
    fx = fx[None, :, None]
    top = (1 - fx) * src[y0][:, x0] + fx * src[y0][:, x1]
    bot = (1 - fx) * src[y1][:, x0] + fx * src[y1][:, x1]
    v = (1 - fy) * top + fy * bot
    return np.floor(v + 0.5).clip(0, 255).astype(np.uint8)


def normalize(u8, kind):
    import numpy as np
    x = u8.astype(np.float32)
    if kind == "0_1":
        return x / np.float32(255)
    return x / np.float32(127.5) - np.float32(1)


def safe(name):
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def make_interpreter(path, threads, resolver=None):
    from ai_edge_litert.interpreter import Interpreter
    kw = {}
    if resolver is not None:
        kw["experimental_op_resolver_type"] = resolver
    it = Interpreter(model_path=path, num_threads=threads, **kw)
    it.allocate_tensors()
    return it


def run_once(it, x):
    inp = it.get_input_details()
    assert len(inp) == 1
    it.set_tensor(inp[0]["index"], x)
    it.invoke()
    return [it.get_tensor(d["index"]).copy() for d in it.get_output_details()]


def delegation_summary(it):
    """How the graph was placed: XNNPACK delegate partitions and what they cover."""
    ops = it._get_ops_details()
    deleg = [o for o in ops if o["op_name"] == "DELEGATE"]
    model_in = {d["index"] for d in it.get_input_details()}
    model_out = {d["index"] for d in it.get_output_details()}
    covers = (len(deleg) == 1 and model_in <= set(deleg[0]["inputs"].tolist())
              and model_out == set(deleg[0]["outputs"].tolist()))
    kinds = sorted({o["op_name"] for o in ops if o["op_name"] != "DELEGATE"})
    return len(deleg), covers, kinds


def main():
    import numpy as np
    from PIL import Image
    import importlib.metadata as md
    from ai_edge_litert.interpreter import OpResolverType

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--no-bench", action="store_true", help="skip the latency measurement")
    ap.add_argument("--bench-only", action="store_true", help="only measure latency, write nothing")
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=10)
    args = ap.parse_args()

    litert_version = md.version("ai-edge-litert")
    cache = fetch_models()
    sums = {}
    with open(os.path.join(ROOT, "scripts", "models.sha256")) as f:
        for line in f:
            if line.strip():
                h, name = line.split()
                sums[name.lstrip("*")] = h

    image_path = get_image(cache)
    image = np.asarray(Image.open(image_path).convert("RGB"))
    image_sha = sha256_file(image_path)
    log(f"make-goldens: photograph {image_path} {image.shape[1]}x{image.shape[0]} sha256 {image_sha}")
    log(f"make-goldens: ai-edge-litert {litert_version}, numpy {np.__version__}")

    inputs = {}
    pixels = {}  # the uint8 image each float input is computed from (stored instead of the floats)
    for stem, h, w, rng in MODELS:
        pixels[stem] = resize_bilinear_u8(image, h, w)[None]
        inputs[stem] = normalize(pixels[stem][0], rng)[None]

    if not args.bench_only:
        manifest = {
            "description": "Golden outputs of native LiteRT for real MediaPipe models on a real photograph; "
                           "see README.md. Models: scripts/fetch-models.sh. Regenerate: "
                           "python3 scripts/make-goldens.py",
            "image": {
                "file": "astronaut.png",
                "source": f"Debian package {IMAGE_DEB}, /{IMAGE_MEMBER} "
                          "(scikit-image test data; NASA photograph, public domain)",
                "sha256": image_sha,
                "shape": list(image.shape),
                "dtype": "uint8",
            },
            "npy_format": "NumPy .npy version 1.0, little-endian, C order",
            "models": [],
        }
        for stem, h, w, rng in MODELS:
            fname = stem + ".tflite"
            path = os.path.join(cache, fname)
            x = inputs[stem]
            it = make_interpreter(path, 1)
            n_deleg, covers, kinds = delegation_summary(it)
            in_d = it.get_input_details()[0]
            if list(in_d["shape"]) != list(x.shape) or in_d["dtype"] != np.float32:
                die(f"{fname}: input is {in_d['shape']} {in_d['dtype']}, expected {x.shape} float32")
            outs = run_once(it, x)
            # A second invoke must give the same bits (deterministic with 1 thread).
            again = run_once(it, x)
            deterministic = all(np.array_equal(a, b) for a, b in zip(outs, again))

            # Cross-check: LiteRT's own builtin kernels without the XNNPACK delegate.
            try:
                ref_outs = run_once(make_interpreter(path, 1, OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES), x)
                cross = {"runtime": "LiteRT builtin kernels, XNNPACK delegate off "
                                    "(OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)",
                         "max_abs_diff": [float(np.max(np.abs(a - b))) for a, b in zip(outs, ref_outs)]}
            except RuntimeError as e:
                cross = {"runtime": "LiteRT builtin kernels, XNNPACK delegate off "
                                    "(OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)",
                         "error": str(e).splitlines()[0]}

            d = os.path.join(GOLDENS, stem)
            os.makedirs(d, exist_ok=True)
            for old in os.listdir(d):
                if old.endswith(".npy"):
                    os.remove(os.path.join(d, old))
            # The float input is fully determined by the uint8 pixels and the formula, so
            # the pixels are stored (4x smaller) and tests rebuild the floats bit for bit.
            in_file = f"input_{safe(in_d['name'])}.u8.npy"
            np.save(os.path.join(d, in_file), pixels[stem])
            assert np.array_equal(normalize(pixels[stem][0], rng)[None], x)
            out_entries = []
            for i, (od, y) in enumerate(zip(it.get_output_details(), outs)):
                of = f"output_{i}_{safe(od['name'])}.npy"
                np.save(os.path.join(d, of), y)
                out_entries.append({
                    "index": i, "name": od["name"], "shape": list(map(int, y.shape)),
                    "dtype": str(y.dtype), "file": f"{stem}/{of}",
                    "min": float(y.min()), "max": float(y.max()), "mean": float(y.mean()),
                })
            entry = {
                "model": fname,
                "model_sha256": sha256_file(path),
                "inputs": [{"name": in_d["name"], "shape": list(map(int, x.shape)), "dtype": "float32",
                            "file_u8": f"{stem}/{in_file}", "normalize": NORMALIZE[rng],
                            "min": float(x.min()), "max": float(x.max())}],
                "outputs": out_entries,
                "preprocessing": {
                    "height": h, "width": w, "range": "[0,1]" if rng == "0_1" else "[-1,1]",
                    "formula": RESIZE_DOC.format(h=h, w=w, norm=NORMALIZE[rng]),
                },
                "runtime": {
                    "name": "LiteRT (native)",
                    "package": f"ai-edge-litert {litert_version} (PyPI)",
                    "api": "ai_edge_litert.interpreter.Interpreter(model_path, num_threads=1), "
                           "default op resolver (AUTO: builtin kernels + XNNPACK delegate)",
                    "num_threads": 1,
                    "xnnpack_partitions": n_deleg,
                    "xnnpack_covers_whole_graph": covers,
                    "ops": kinds,
                    "deterministic_rerun": deterministic,
                },
                **({"custom_ops": {"Convolution2DTransposeBias": CUSTOM_OP_NOTE}}
                   if "Convolution2DTransposeBias" in kinds else {}),
                "cross_check": cross,
            }
            if sums.get(fname) != entry["model_sha256"]:
                die(f"{fname}: sha256 differs from scripts/models.sha256")
            manifest["models"].append(entry)
            shapes = ", ".join(f"{e['name']} {e['shape']} [{e['min']:.4g}, {e['max']:.4g}]" for e in out_entries)
            log(f"make-goldens: {stem}: in {list(x.shape)} -> {shapes}; XNNPACK partitions {n_deleg}, "
                f"whole graph {covers}; rerun identical {deterministic}")
            if "max_abs_diff" in cross:
                log(f"make-goldens:   vs builtin kernels (no XNNPACK): max |diff| "
                    + ", ".join(f"{v:.3g}" for v in cross["max_abs_diff"]))
            else:
                log(f"make-goldens:   builtin kernels without XNNPACK: {cross['error']}")

        text = json.dumps(manifest, indent=2)
        # Keep shapes and other number lists on one line.
        text = re.sub(r"\[\s+([-0-9.e,\s]+?)\s+\]",
                      lambda m: "[" + ", ".join(v.strip() for v in m.group(1).split(",")) + "]", text)
        with open(os.path.join(GOLDENS, "manifest.json"), "w") as f:
            f.write(text + "\n")
        total = 0
        for dp, _, fs in os.walk(GOLDENS):
            total += sum(os.path.getsize(os.path.join(dp, f)) for f in fs)
        log(f"make-goldens: wrote {os.path.relpath(GOLDENS, ROOT)} ({total} bytes with README and manifest)")

    if not args.no_bench:
        import time
        log(f"\nLiteRT {litert_version} (native, XNNPACK) median latency, ms "
            f"({args.runs} runs after {args.warmup} warm-up runs; {os.cpu_count()} CPUs):")
        log(f"{'model':34s} {'1 thread':>10s} {'2 threads':>10s}")
        for stem, _, _, _ in MODELS:
            path = os.path.join(cache, stem + ".tflite")
            row = []
            for threads in (1, 2):
                it = make_interpreter(path, threads)
                idx = it.get_input_details()[0]["index"]
                it.set_tensor(idx, inputs[stem])
                for _ in range(args.warmup):
                    it.invoke()
                times = []
                for _ in range(args.runs):
                    t0 = time.perf_counter()
                    it.invoke()
                    times.append((time.perf_counter() - t0) * 1e3)
                row.append(float(np.median(times)))
                del it
            log(f"{stem:34s} {row[0]:10.3f} {row[1]:10.3f}")


if __name__ == "__main__":
    if not in_venv():
        ensure_venv_and_reexec()
    main()
