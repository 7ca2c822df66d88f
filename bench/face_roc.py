#!/usr/bin/env python3
"""Draw the face-verification calibration plot for docs/benchmarks.md.

Input: one or more score CSVs written by `ivs face eval --scores FILE` (columns a,b,same,similarity).
Output: docs/img/face-roc.png with (left) FMR and FNMR against the threshold and (right) the
genuine / impostor score histograms, both marking the default threshold and its grey band.

    python3 bench/face_roc.py --threshold 0.40 --band 0.08 \
        bench/data/face-scores-web.csv bench/data/face-scores-pd.csv -o docs/img/face-roc.png
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scores", nargs="+")
    ap.add_argument("--threshold", type=float, required=True)
    ap.add_argument("--band", type=float, default=0.08)
    ap.add_argument("-o", "--output", default="docs/img/face-roc.png")
    args = ap.parse_args()
    gen, imp = [], []
    for p in args.scores:
        g, i = load(p)
        gen += g
        imp += i
    ts = [i / 500 for i in range(-100, 501)]
    fmr = [sum(s >= t for s in imp) / max(len(imp), 1) for t in ts]
    fnmr = [sum(s < t for s in gen) / max(len(gen), 1) for t in ts]
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2))
    a.plot(ts, fmr, label=f"FMR ({len(imp)} impostor pairs)", color="tab:red")
    a.plot(ts, fnmr, label=f"FNMR ({len(gen)} genuine pairs)", color="tab:blue")
    for ax in (a, b):
        ax.axvline(args.threshold, color="black", ls="--", lw=1, label=f"threshold {args.threshold:.2f}")
        ax.axvspan(args.threshold - args.band, args.threshold, color="grey", alpha=0.2, label="grey band (FACE_UNCERTAIN)")
    a.set_xlabel("cosine similarity threshold")
    a.set_ylabel("rate")
    a.set_title("SFace: error rates vs threshold")
    a.set_xlim(-0.2, 1.0)
    a.legend(fontsize=8)
    bins = [i / 50 for i in range(-15, 51)]
    b.hist(imp, bins=bins, alpha=0.6, color="tab:red", label="impostor")
    b.hist(gen, bins=bins, alpha=0.6, color="tab:blue", label="genuine")
    b.set_xlabel("cosine similarity")
    b.set_ylabel("pairs")
    b.set_title("Score distributions")
    b.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)
    print(f"wrote {args.output}: {len(gen)} genuine, {len(imp)} impostor")


if __name__ == "__main__":
    main()
