#!/usr/bin/env bash
# Installs what the aarch64 cross build (cmake/aarch64-linux-gnu.cmake) and its
# test runs under qemu need (idempotent):
#  - from Debian, on the host: the aarch64 cross compiler and qemu-user;
#  - the arm64 builds of cpuinfo and pthreadpool and the header-only FlatBuffers
#    and Catch2, unpacked (not installed) into a private sysroot,
#    $EDGERT_ARM64_DEPS (default ~/.cache/edgert/arm64-deps). Debian's arm64
#    libpthreadpool packages are not co-installable with the amd64 ones (they
#    would replace them), and libcpuinfo-dev:arm64 conflicts with
#    libcpuinfo-dev:amd64 on a CMake file, so they are never installed with dpkg.
set -euo pipefail
DEPS="${EDGERT_ARM64_DEPS:-$HOME/.cache/edgert/arm64-deps}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"

HOST_PKGS=(g++-aarch64-linux-gnu qemu-user)
missing=()
for p in "${HOST_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
updated=0
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "adding the arm64 package architecture (for downloading arm64 packages)"
  $SUDO dpkg --add-architecture arm64
  $SUDO apt-get update -qq
  updated=1
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  [ "$updated" -eq 1 ] || $SUDO apt-get update -qq
  updated=1
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Packages unpacked into the sysroot. Catch2 is header-only (the host's package).
SYSROOT_PKGS=(libcpuinfo0:arm64 libcpuinfo-dev:arm64 libpthreadpool0:arm64 libpthreadpool-dev:arm64
              libflatbuffers-dev:arm64 catch2)
# One line "package=version" per package (the candidate versions).
candidates() {
  apt-cache policy "${SYSROOT_PKGS[@]}" 2>/dev/null |
    awk '/^[^ ].*:$/ {p = substr($0, 1, length($0) - 1)} /Candidate:/ && $2 != "(none)" {print p "=" $2}'
}
want="$(candidates)"
if [ "$(printf '%s\n' "$want" | grep -c .)" -ne ${#SYSROOT_PKGS[@]} ] && [ "$updated" -eq 0 ]; then
  $SUDO apt-get update -qq
  want="$(candidates)"
fi
if [ "$(printf '%s\n' "$want" | grep -c .)" -ne ${#SYSROOT_PKGS[@]} ]; then
  echo "install-deps-arm: no candidate version for some of: ${SYSROOT_PKGS[*]}" >&2
  exit 1
fi
if [ -f "$DEPS/.packages" ] && [ "$(cat "$DEPS/.packages")" = "$want" ]; then
  exit 0
fi
echo "unpacking arm64 packages into $DEPS"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
chmod 777 "$tmp"  # apt's download user writes here
(cd "$tmp" && apt-get download -qq $want >/dev/null 2>&1) ||
  (cd "$tmp" && apt-get download $want)
rm -rf "$DEPS"
mkdir -p "$DEPS"
for deb in "$tmp"/*.deb; do
  dpkg-deb -x "$deb" "$DEPS"
done
for f in usr/include/cpuinfo.h usr/include/pthreadpool.h usr/include/flatbuffers/flatbuffers.h \
         usr/include/catch2/catch.hpp usr/lib/aarch64-linux-gnu/libcpuinfo.so \
         usr/lib/aarch64-linux-gnu/libpthreadpool.so; do
  [ -e "$DEPS/$f" ] || { echo "install-deps-arm: $f missing after unpacking" >&2; exit 1; }
done
printf '%s\n' "$want" > "$DEPS/.packages"
