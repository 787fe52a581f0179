#!/usr/bin/env bash
# The main job: build, then run the default model end to end and benchmark it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target edgert-run edgert-bench edgert-demo-model
mkdir -p build/demo
./build/bin/edgert-demo-model build/demo/mobilenet_demo.ert --size 128
./build/bin/edgert-run build/demo/mobilenet_demo.ert --output-dir build/demo
./build/bin/edgert-bench build/demo/mobilenet_demo.ert --runs 20 --warmup 2
