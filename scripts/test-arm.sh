#!/usr/bin/env bash
# The aarch64 kernels under emulation: cross-builds (Release, warnings as
# errors) edgert_kernel_tests, the kernel, ISA dispatch and CPU feature tests,
# with cmake/aarch64-linux-gnu.cmake, and runs them under qemu-aarch64 on
# emulated CPUs chosen so that every aarch64 ISA level of kernels/dispatch.h
# runs its microkernels:
#   cortex-a53   Advanced SIMD only (no dot product, no fp16)  -> neon
#   cortex-a76   plus dot product and fp16 arithmetic          -> neon-dotprod
#                (with the f16 GEMMs)
#   max          everything qemu emulates (also i8mm)          -> neon-i8mm
# Each kernel test also runs the reference kernels and the optimized kernels at
# the reference level, so the run on cortex-a53 covers both lower levels.
# Each run must report the level named above (EDGERT_EXPECT_ISA).
# Options: EDGERT_ARM_BUILD (build directory, default build-arm),
# EDGERT_ARM_TESTS (Catch2 test spec, default the set below).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps-arm.sh
JOBS="$(nproc)"
BUILD="${EDGERT_ARM_BUILD:-build-arm}"
# Kernel tests (optimized against reference and naive math at every level),
# the microkernel tests (GEMMs called directly, every level), the dispatch
# table and CPU features. Left out: the cases that run kernels on 2 and 3
# threads (the "threads" cases and the [qs8] and [optimized] ones, which loop over thread
# counts): under qemu-user a multithreaded loop takes minutes (the pool's
# waiting threads spin in emulation), and threading is not ISA-specific.
# The bit-exact comparisons of the optimized f32 pools, MEAN and
# RESIZE_BILINEAR with the reference ([f32][optimized] cases) and of the int8 /
# uint8 pools, resizes, QUANTIZE and DEQUANTIZE ([x8] cases) run, on 1 thread
# only (EDGERT_TEST_MAX_THREADS=1, tests/kernels/kernel_variants.h).
TESTS="${EDGERT_ARM_TESTS:-[kernels]~[qs8]~[optimized]~*threads*,[ukernels],[dispatch],[cpu],[f32][optimized],[x8]}"

cmake -S . -B "$BUILD" -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake -DCMAKE_BUILD_TYPE=Release \
  -DEDGERT_WERROR=ON -DEDGERT_BUILD_BENCH=OFF >/dev/null
cmake --build "$BUILD" -j"$JOBS" --target edgert_kernel_tests

status=0
for run in cortex-a53:neon cortex-a76:neon-dotprod max:neon-i8mm; do
  cpu="${run%%:*}"
  level="${run#*:}"
  log="$BUILD/test-arm-$cpu.log"
  echo "== qemu-aarch64 -cpu $cpu: expecting ISA level $level"
  start=$SECONDS
  rc=0
  QEMU_CPU="$cpu" EDGERT_EXPECT_ISA="$level" EDGERT_TEST_MAX_THREADS=1 qemu-aarch64 -L /usr/aarch64-linux-gnu \
    "$BUILD/bin/edgert_kernel_tests" "$TESTS" >"$log" 2>&1 || rc=$?
  # The dispatch test prints the detected level and the CPU's features.
  grep -m1 -o "ISA level [^ ]* (CPU features: [^)]*)" "$log" || echo "(no ISA level reported)"
  tail -n 2 "$log" | grep . || true
  echo "   $((SECONDS - start)) s, exit status $rc"
  if [ "$rc" -ne 0 ]; then
    cat "$log"
    status=1
  fi
done
exit $status
