#!/usr/bin/env python3
"""Draw the face-verification calibration plot for docs/benchmarks.md.

Input: one or more score CSVs written by `ivs face eval --scores FILE` (columns a,b,same,similarity).
Output: docs/img/face-roc.png with (left) FMR and FNMR against the threshold and (right) the
genuine / impostor score histograms, both marking the default threshold and its grey band.

    python3 bench/face_roc.py --threshold 0.45 --band 0.08 \
        web=bench/data/face-scores-web.csv pd=bench/data/face-scores-pd.csv \
        docs=bench/data/face-scores-docs-upright.csv -o docs/img/face-roc.png
"""
import argparse
import csv

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def load(path):
    gen, imp = [], []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            (gen if row["same"] == "1" else imp).append(float(row["similarity"]))
    return gen, imp


def rates(gen, imp, ts):
    fmr = [sum(s >= t for s in imp) / max(len(imp), 1) for t in ts]
    fnmr = [sum(s < t for s in gen) / max(len(gen), 1) for t in ts]
    return fmr, fnmr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scores", nargs="+", help="score CSVs, each optionally LABEL=PATH")
    ap.add_argument("--threshold", type=float, required=True)
    ap.add_argument("--band", type=float, default=0.08)
    ap.add_argument("-o", "--output", default="docs/img/face-roc.png")
    args = ap.parse_args()
    sets = []
    for arg in args.scores:
        label, _, path = arg.rpartition("=")
        g, i = load(path)
        sets.append((label or path, g, i))
    ts = [i / 500 for i in range(-100, 501)]
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.6))
    styles = ["-", "--", ":", "-."]
    for n, (label, g, i) in enumerate(sets):
        fmr, fnmr = rates(g, i, ts)
        ls = styles[n % len(styles)]
        a.plot(ts, fmr, ls=ls, color="tab:red", label=f"FMR {label} ({len(i)})")
        a.plot(ts, fnmr, ls=ls, color="tab:blue", label=f"FNMR {label} ({len(g)})")
    for ax in (a, b):
        ax.axvline(args.threshold, color="black", ls="--", lw=1, label=f"threshold {args.threshold:.2f}")
        ax.axvspan(args.threshold - args.band, args.threshold, color="grey", alpha=0.2, label="grey band (FACE_UNCERTAIN)")
    a.set_xlabel("cosine similarity threshold")
    a.set_ylabel("rate")
    a.set_title("SFace: error rates vs threshold (impostor / genuine pairs)")
    a.set_xlim(-0.2, 1.0)
    a.legend(fontsize=7)
    bins = [i / 50 for i in range(-15, 51)]
    imp = [s for _, _, i in sets for s in i]
    b.hist(imp, bins=bins, alpha=0.5, color="tab:red", label="impostor, all sets")
    for n, (label, g, _) in enumerate(sets):
        b.hist(g, bins=bins, histtype="step", lw=1.5, ls=styles[n % len(styles)], color="tab:blue", label=f"genuine, {label}")
    b.set_xlabel("cosine similarity")
    b.set_ylabel("pairs")
    b.set_title("Score distributions")
    b.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)
    print(f"wrote {args.output}: " + ", ".join(f"{l}: {len(g)} genuine / {len(i)} impostor" for l, g, i in sets))


if __name__ == "__main__":
    main()
