#!/usr/bin/env bash
# The whole test suite: a warnings-as-errors release build with every test,
# then the unit and corruption tests again under AddressSanitizer + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
JOBS="$(nproc)"

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DEDGERT_WERROR=ON >/dev/null
cmake --build build -j"$JOBS"
(cd build && ctest -j"$JOBS" --output-on-failure)

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDGERT_WERROR=ON -DEDGERT_SANITIZE=ON \
  -DEDGERT_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j"$JOBS" --target edgert_tests
export ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest -j"$JOBS" --output-on-failure -R '^unit:')
