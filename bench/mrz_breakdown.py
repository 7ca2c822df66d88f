#!/usr/bin/env python3
"""Breaks an `ivs mrz eval --json` report on a synthetic set down by degradation.

    ivs mrz eval var/heldout --predictions P.json --json | bench/mrz_breakdown.py var/heldout/truth.json

Prints a Markdown table: per group, images, character-exact reads and check-valid reads.
"""
import json
import sys

truth = json.load(open(sys.argv[1]))
report = json.load(sys.stdin)
groups = {}


def add(name, img):
    g = groups.setdefault(name, [0, 0, 0])
    g[0] += 1
    g[1] += img["exact"]
    g[2] += img["checkValid"]


for img in report["perImage"]:
    t = truth[img["file"]]
    d = t.get("degradation") or {}
    add("all", img)
    add(f"format {t['format']}", img)
    add(f"rotation {90 * d.get('quarterTurns', 0)}°", img)
    add("low resolution (pitch < 10 px)" if d.get("mrzPitchPx", 99) < 10 else "pitch ≥ 10 px", img)
    if d.get("glare"):
        add("glare", img)
    if d.get("shadow", 0) > 0:
        add("shadow", img)
    if d.get("blurSigma", 0) > 0:
        add("blur", img)
    if d.get("crop"):
        add("partial crop", img)
    if t.get("nameTruncated"):
        add("truncated name", img)

print("| group | images | character-exact | check-valid |")
print("|---|---:|---:|---:|")
for name in sorted(groups, key=lambda k: (k != "all", k)):
    n, exact, valid = groups[name]
    print(f"| {name} | {n} | {exact} ({100 * exact / n:.1f} %) | {valid} ({100 * valid / n:.1f} %) |")
