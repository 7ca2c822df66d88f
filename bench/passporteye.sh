#!/usr/bin/env bash
# Peer baseline for `ivs mrz eval`: runs PassportEye (PyPI, MIT; it drives Debian's tesseract-ocr)
# over the images of a directory that holds a truth.json and writes a predictions file
# {file: {"lines": [...], "millis": n}} that `ivs mrz eval --predictions` scores by our rules.
#
#   bench/passporteye.sh DIR OUT.json [LIMIT]
#
# DIR: images + truth.json (e.g. crates/ivs-doc/tests/fixtures/mrz-photos or var/heldout).
# LIMIT: score only the first LIMIT files of truth.json (sorted by name) — for long sets.
# The virtualenv lives in var/passporteye-venv (var/ is gitignored). Tesseract runs with
# OMP_THREAD_LIMIT=1 so the time per image is one core's, like ours.
# `lines` are PassportEye's raw OCR text lines (mrz.aux["text"]), the text it read before any
# field-level post-processing; an image where it finds no MRZ gets no lines. `millis` is wall-clock
# time; `cpuMillis` is CPU time of Python plus its tesseract subprocesses (user + system), which
# stays meaningful on a busy machine.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:?usage: bench/passporteye.sh DIR OUT.json [LIMIT]}
OUT=${2:?usage: bench/passporteye.sh DIR OUT.json [LIMIT]}
LIMIT=${3:-0}
VENV=var/passporteye-venv
PASSPORTEYE_VERSION=2.2.2

command -v tesseract >/dev/null || { echo "tesseract-ocr is required (apt-get install tesseract-ocr)" >&2; exit 1; }
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -c "import passporteye" 2>/dev/null ||
  "$VENV/bin/pip" install -q "PassportEye==$PASSPORTEYE_VERSION"

export OMP_THREAD_LIMIT=1 PYTHONWARNINGS=ignore
"$VENV/bin/python" - "$DIR" "$OUT" "$LIMIT" <<'PY'
import json, sys, time, os
from passporteye import read_mrz

d, out, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = sorted(json.load(open(os.path.join(d, "truth.json"))))
if limit > 0:
    files = files[:limit]
preds = {}
for i, f in enumerate(files):
    t0 = time.perf_counter()
    c0 = os.times()
    try:
        mrz = read_mrz(os.path.join(d, f))
    except Exception as e:  # a crash on one image is a failed read, not a failed run
        print(f"{f}: {e!r}", file=sys.stderr)
        mrz = None
    ms = (time.perf_counter() - t0) * 1000.0
    c1 = os.times()
    cpu = sum(getattr(c1, k) - getattr(c0, k) for k in ("user", "system", "children_user", "children_system"))
    lines = []
    if mrz is not None:
        lines = [l for l in mrz.aux.get("text", "").split("\n") if l.strip()]
    preds[f] = {"lines": lines, "millis": round(ms, 1), "cpuMillis": round(cpu * 1000.0, 1)}
    if (i + 1) % 25 == 0:
        print(f"{i + 1}/{len(files)}", file=sys.stderr, flush=True)
        json.dump(preds, open(out, "w"), indent=1, sort_keys=True)
json.dump(preds, open(out, "w"), indent=1, sort_keys=True)
print(f"wrote {len(preds)} predictions to {out}", file=sys.stderr)
PY
