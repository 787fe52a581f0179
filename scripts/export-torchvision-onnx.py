#!/usr/bin/env python3
"""Exports torchvision classifiers (random weights, eval mode) to ONNX and runs
ONNX Runtime on a fixed input, for checking edgert's ONNX importer.

Needs torch, torchvision, onnx and onnxruntime (the GPU machine has them; they
are large downloads, so this is not part of CI). Writes into $OUT (or argv[1]):
  input.npy                      [1,3,224,224] float32, uniform [0,1), seed 0
  <name>.onnx, <name>_ort.npy    model and ONNX Runtime's logits (CPU provider)
"""
import os
import sys

import numpy as np
import onnxruntime as ort
import torch
import torchvision

out = sys.argv[1] if len(sys.argv) > 1 else os.environ["OUT"]
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)
x = torch.rand(1, 3, 224, 224)
np.save(os.path.join(out, "input.npy"), x.numpy())
print("torch", torch.__version__, "torchvision", torchvision.__version__, "onnxruntime", ort.__version__)
for name in ["mobilenet_v2", "mobilenet_v3_small", "squeezenet1_1"]:
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None).eval()
    path = os.path.join(out, name + ".onnx")
    kwargs = {"opset_version": 17, "input_names": ["input"], "output_names": ["logits"]}
    try:
        torch.onnx.export(model, (x,), path, dynamo=False, **kwargs)
    except TypeError:  # older torch without the dynamo argument
        torch.onnx.export(model, (x,), path, **kwargs)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    y = sess.run(None, {"input": x.numpy()})[0]
    with torch.no_grad():
        ref = model(x).numpy()
    np.save(os.path.join(out, name + "_ort.npy"), y)
    print(f"{name}: {os.path.getsize(path)} bytes, logits {y.shape}, |ort - torch| max {np.abs(y - ref).max():.3g}")
