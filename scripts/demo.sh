#!/usr/bin/env bash
# The main job: build, import MediaPipe's selfie segmentation model (.tflite from
# the npm registry), segment the photograph, write the mask as a PNG and benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target edgert-convert edgert-run edgert-bench
CACHE="$(bash scripts/fetch-models.sh | tail -n 1)"
mkdir -p build/demo
./build/bin/edgert-convert "$CACHE/selfie_segmentation.tflite" -o build/demo/selfie_segmentation.ert
# The photograph: the public-domain astronaut image at the model's 256x256 input size.
./build/bin/edgert-run build/demo/selfie_segmentation.ert \
  --input input_1=tests/data/goldens/selfie_segmentation/input_input_1.u8.npy --normalize 0,1 \
  --output-dir build/demo --save-png activation_10=build/demo/selfie_mask.png
./build/bin/edgert-bench build/demo/selfie_segmentation.ert --runs 20 --warmup 2
