#!/usr/bin/env python3
"""Builds the image decoder test data in tests/data/images/.

Synthetic images only (gradients plus seeded noise). PNG files are written by
the small encoder below, which controls what the decoder must handle: every
color type and bit depth, all five row filters, stored / fixed / dynamic
deflate blocks, Adam7 interlacing. JPEG files are written by Pillow (4:4:4,
4:2:2, 4:2:0, grayscale, restart intervals; baseline and progressive). For each image, REF.npy holds the
pixels decoded by Pillow (height x width x channels; 16-bit ones, which Pillow
reduces to 8 bits, hold the source samples, checked against Pillow's reading).

    python3 -m venv build/venv-images && build/venv-images/bin/pip install pillow numpy
    build/venv-images/bin/python scripts/make-image-test-data.py
"""
import os
import struct
import zlib

import numpy as np
from PIL import Image

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "images")
rng = np.random.default_rng(20261127)


def synth(h, w, c, maxval, noise=0.15):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    chans = []
    for k in range(c):
        base = 0.5 + 0.5 * np.sin((x * (k + 1) * 0.7 + y * 0.45 * (3 - k % 3)) / max(h, w) * 3.0 + k)
        chans.append(base)
    a = np.stack(chans, axis=-1)
    a = (1 - noise) * a + noise * rng.random(a.shape)
    return np.clip(np.round(a * maxval), 0, maxval).astype(np.int64)


def chunk(tag, body):
    return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xffffffff)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_rows(rows, bpp, first_filter):
    out = bytearray()
    prev = bytes(len(rows[0])) if rows else b""
    for i, row in enumerate(rows):
        f = (first_filter + i) % 5
        out.append(f)
        for x in range(len(row)):
            a = row[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][f]
            out.append((row[x] - pred) & 255)
        prev = row
    return out


def pack_row(samples, depth):
    if depth == 16:
        return b"".join(struct.pack(">H", int(v)) for v in samples)
    if depth == 8:
        return bytes(int(v) for v in samples)
    per = 8 // depth
    out = bytearray()
    for i in range(0, len(samples), per):
        byte = 0
        for j in range(per):
            v = int(samples[i + j]) if i + j < len(samples) else 0
            byte |= v << (8 - depth * (j + 1))
        out.append(byte)
    return bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def write_png(path, samples, depth, color_type, interlace=False, block="dynamic", palette=None, trns=None):
    """samples: h x w x n integer array of file samples (palette indices for type 3)."""
    h, w, n = samples.shape
    bpp = max(1, n * depth // 8)
    raw = bytearray()
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    for pi, (x0, y0, dx, dy) in enumerate(passes):
        sub = samples[y0::dy, x0::dx]
        if sub.size == 0:
            continue
        rows = [pack_row(r.reshape(-1), depth) for r in sub]
        raw += filter_rows(rows, bpp, pi)
    if block == "stored":
        comp = zlib.compress(bytes(raw), 0)
    elif block == "fixed":
        co = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_FIXED)
        comp = co.compress(bytes(raw)) + co.flush()
    else:
        comp = zlib.compress(bytes(raw), 9)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, int(interlace)))
    if palette is not None:
        data += chunk(b"PLTE", bytes(palette.reshape(-1).astype(np.uint8)))
    if trns is not None:
        data += chunk(b"tRNS", bytes(trns.astype(np.uint8)))
    data += chunk(b"tEXt", b"Comment\x00synthetic test image")
    # Split the image data over two IDAT chunks.
    half = len(comp) // 2
    data += chunk(b"IDAT", comp[:half]) + chunk(b"IDAT", comp[half:]) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


def pil_pixels(path):
    im = Image.open(path)
    im.load()
    return im


def save_ref(name, arr):
    arr = np.asarray(arr)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    dtype = np.uint8 if arr.max() <= 255 else np.int32
    np.save(os.path.join(OUT, name + ".npy"), np.ascontiguousarray(arr.astype(dtype)))


def png_case(name, h, w, color_type, depth, interlace=False, block="dynamic"):
    path = os.path.join(OUT, name + ".png")
    maxval = (1 << depth) - 1
    palette = trns = None
    if color_type == 3:
        entries = min(1 << depth, 200)
        idx = synth(h, w, 1, entries - 1)
        palette = rng.integers(0, 256, size=(entries, 3))
        trns = rng.integers(0, 256, size=entries // 2) if depth == 8 else None
        write_png(path, idx, depth, 3, interlace, block, palette, trns)
        expect = palette[idx[:, :, 0]]
        if trns is not None:
            alpha = np.full(entries, 255)
            alpha[: len(trns)] = trns
            expect = np.concatenate([expect, alpha[idx[:, :, 0]][:, :, None]], axis=2)
        im = pil_pixels(path).convert("RGBA" if trns is not None else "RGB")
        got = np.asarray(im).astype(np.int64)
    else:
        n = {0: 1, 2: 3, 4: 2, 6: 4}[color_type]
        src = synth(h, w, n, maxval)
        write_png(path, src, depth, color_type, interlace, block)
        expect = src * (255 // maxval) if depth < 8 else src
        im = pil_pixels(path)
        if depth == 16 and color_type == 0:
            got = np.asarray(im).astype(np.int64)  # mode I;16 / I: full 16 bits
        elif depth == 16:
            got = np.asarray(im).astype(np.int64)  # Pillow keeps the high byte
            if color_type == 4:  # read as RGBA
                got = got[:, :, [0, 3]]
            assert np.array_equal(got.reshape(h, w, -1), expect >> 8), name
            got = None
        else:
            if im.mode == "1":
                im = im.convert("L")
            got = np.asarray(im).astype(np.int64)
    if got is not None:
        got = got.reshape(expect.shape)
        assert np.array_equal(got, expect), name + ": Pillow disagrees with the source samples"
    save_ref(name, expect)


def jpeg_case(name, h, w, mode, **opts):
    path = os.path.join(OUT, name + ".jpg")
    src = synth(h, w, 3 if mode == "RGB" else 1, 255, noise=0.05).astype(np.uint8)
    im = Image.fromarray(src if mode == "RGB" else src[:, :, 0], mode)
    im.save(path, "JPEG", **opts)
    save_ref(name, np.asarray(pil_pixels(path)))


def jpeg_twins(name, h, w, **opts):
    """The same RGB image saved baseline (jpeg_NAME) and progressive
    (jpeg_progressive_NAME): libjpeg quantizes both to the same coefficients."""
    src = synth(h, w, 3, 255, noise=0.3).astype(np.uint8)
    for prefix, progressive in (("jpeg_", False), ("jpeg_progressive_", True)):
        path = os.path.join(OUT, prefix + name + ".jpg")
        Image.fromarray(src, "RGB").save(path, "JPEG", progressive=progressive, **opts)
        save_ref(prefix + name, np.asarray(pil_pixels(path)))


def main():
    os.makedirs(OUT, exist_ok=True)
    # PNG: each color type and bit depth, odd sizes.
    for depth in (1, 2, 4, 8, 16):
        png_case("png_gray%d_17x13" % depth, 13, 17, 0, depth)
    png_case("png_rgb8_17x13", 13, 17, 2, 8)
    png_case("png_rgb8_stored_9x7", 7, 9, 2, 8, block="stored")
    png_case("png_rgb8_fixed_33x21", 21, 33, 2, 8, block="fixed")
    png_case("png_rgb16_17x13", 13, 17, 2, 16)
    png_case("png_ga8_17x13", 13, 17, 4, 8)
    png_case("png_ga16_9x7", 7, 9, 4, 16)
    png_case("png_rgba8_17x13", 13, 17, 6, 8)
    png_case("png_rgba16_17x13", 13, 17, 6, 16)
    for depth in (1, 2, 4, 8):
        png_case("png_pal%d_17x13" % depth, 13, 17, 3, depth)
    # Adam7, including images too small for some passes.
    png_case("png_rgb8_adam7_17x13", 13, 17, 2, 8, interlace=True)
    png_case("png_gray1_adam7_9x7", 7, 9, 0, 1, interlace=True)
    png_case("png_rgba16_adam7_11x5", 5, 11, 6, 16, interlace=True)
    png_case("png_pal4_adam7_3x2", 2, 3, 3, 4, interlace=True)
    png_case("png_gray8_adam7_1x1", 1, 1, 0, 8, interlace=True)
    png_case("png_rgb8_64x48", 48, 64, 2, 8)
    # A PNG written by Pillow's own encoder.
    src = synth(21, 33, 3, 255).astype(np.uint8)
    Image.fromarray(src, "RGB").save(os.path.join(OUT, "png_pillow_rgb_33x21.png"))
    save_ref("png_pillow_rgb_33x21", np.asarray(pil_pixels(os.path.join(OUT, "png_pillow_rgb_33x21.png"))))

    # JPEG (baseline, Pillow / libjpeg): chroma subsampling 0 = 4:4:4, 1 = 4:2:2, 2 = 4:2:0.
    jpeg_case("jpeg_444_33x21", 21, 33, "RGB", quality=90, subsampling=0)
    jpeg_case("jpeg_422_33x21", 21, 33, "RGB", quality=90, subsampling=1)
    jpeg_case("jpeg_420_17x13", 13, 17, "RGB", quality=90, subsampling=2)
    jpeg_case("jpeg_420_64x48", 48, 64, "RGB", quality=75, subsampling=2)
    jpeg_case("jpeg_gray_17x13", 13, 17, "L", quality=90)
    jpeg_case("jpeg_420_restart_40x24", 24, 40, "RGB", quality=85, subsampling=2, restart_marker_blocks=1)
    jpeg_case("jpeg_444_restart_rows_33x21", 21, 33, "RGB", quality=85, subsampling=0, restart_marker_rows=1)
    # A progressive file with Pillow's default settings (4:2:0, quality 75).
    src = synth(16, 16, 3, 255).astype(np.uint8)
    path = os.path.join(OUT, "jpeg_progressive_420_16x16.jpg")
    Image.fromarray(src, "RGB").save(path, "JPEG", progressive=True)
    save_ref("jpeg_progressive_420_16x16", np.asarray(pil_pixels(path)))
    # Unsupported: arithmetic coding (a baseline file whose SOF0 marker is
    # changed to SOF9).
    Image.fromarray(src, "RGB").save("/tmp/baseline.jpg", "JPEG")
    data = bytearray(open("/tmp/baseline.jpg", "rb").read())
    i = data.index(b"\xff\xc0")
    data[i + 1] = 0xC9
    open(os.path.join(OUT, "unsupported_arithmetic.jpg"), "wb").write(bytes(data))

    # Binary PPM (8-bit) and PGM (16-bit), with a header comment.
    src = synth(13, 17, 3, 255)
    with open(os.path.join(OUT, "ppm_rgb8_17x13.ppm"), "wb") as f:
        f.write(b"P6\n# synthetic\n17 13\n255\n" + bytes(src.reshape(-1).astype(np.uint8)))
    assert np.array_equal(np.asarray(pil_pixels(os.path.join(OUT, "ppm_rgb8_17x13.ppm"))), src)
    save_ref("ppm_rgb8_17x13", src)
    src = synth(7, 9, 1, 1000)
    with open(os.path.join(OUT, "pgm_gray16_9x7.pgm"), "wb") as f:
        f.write(b"P5 9 7 1000\n" + src.reshape(-1).astype(">u2").tobytes())
    save_ref("pgm_gray16_9x7", src)

    # Progressive JPEG (libjpeg's default script: spectral selection and
    # successive approximation, interleaved DC scans, one-component AC
    # scans), after the files above so that their random samples stay the same.
    jpeg_case("jpeg_progressive_gray_17x13", 13, 17, "L", quality=90, progressive=True)
    jpeg_case("jpeg_progressive_444_33x21", 21, 33, "RGB", quality=90, subsampling=0, progressive=True)
    jpeg_case("jpeg_progressive_422_33x21", 21, 33, "RGB", quality=85, subsampling=1, progressive=True)
    jpeg_case("jpeg_progressive_420_17x13", 13, 17, "RGB", quality=90, subsampling=2, progressive=True)
    jpeg_case("jpeg_progressive_420_64x48", 48, 64, "RGB", quality=95, subsampling=2, progressive=True)
    jpeg_case("jpeg_progressive_420_restart_40x24", 24, 40, "RGB", quality=85, subsampling=2, progressive=True,
              restart_marker_blocks=1)
    jpeg_case("jpeg_progressive_444_restart_rows_33x21", 21, 33, "RGB", quality=80, subsampling=0,
              progressive=True, restart_marker_rows=1)
    jpeg_twins("twin_420_41x27", 27, 41, quality=97, subsampling=2)


if __name__ == "__main__":
    main()
