#!/usr/bin/env bash
# Installs the build and test dependencies from Debian's packages (idempotent).
set -euo pipefail
PKGS=(cmake ninja-build g++ clang libclang-rt-14-dev flatbuffers-compiler libflatbuffers-dev
      libpthreadpool-dev libcpuinfo-dev libxnnpack-dev libbenchmark-dev catch2 python3
      python3-numpy)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Real test models come from the npm registry: node and npm are needed.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The aarch64 cross build and its emulator (scripts/test-arm.sh).
bash "$(dirname "$0")/install-deps-arm.sh"
