#!/usr/bin/env python3
"""Draw the MRZ-reading comparison plot for docs/benchmarks.md.

Input: bench/data/mrz-results.csv (reader,set,images,exact,false_valid), one row per
`ivs mrz eval` run reported in docs/benchmarks.md. Output: docs/img/mrz-eval.png with the share of
character-exact reads and of false "valid" reads per reader, for each set.

    pip install matplotlib
    python3 bench/mrz_plot.py bench/data/mrz-results.csv -o docs/img/mrz-eval.png \
        --target "19 shared photos=94.7" --target "held-out synthetic=99.5"
"""
import argparse
import csv

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("-o", "--output", default="docs/img/mrz-eval.png")
    ap.add_argument("--target", action="append", default=[], help="SET=PERCENT: the exact-read target")
    args = ap.parse_args()
    rows = list(csv.DictReader(open(args.results, newline="")))
    sets = list(dict.fromkeys(r["set"] for r in rows))
    targets = dict((t.split("=")[0], float(t.split("=")[1])) for t in args.target)
    fig, axes = plt.subplots(1, len(sets), figsize=(6 * len(sets), 4.2), squeeze=False)
    for ax, name in zip(axes[0], sets):
        rs = [r for r in rows if r["set"] == name]
        labels = [r["reader"] for r in rs]
        exact = [100 * int(r["exact"]) / int(r["images"]) for r in rs]
        false_valid = [100 * int(r["false_valid"]) / int(r["images"]) for r in rs]
        y = range(len(rs))
        ax.barh([i + 0.2 for i in y], exact, height=0.4, color="tab:green", label="character-exact")
        ax.barh([i - 0.2 for i in y], false_valid, height=0.4, color="tab:red", label='false "valid"')
        for i, r in enumerate(rs):
            ax.text(exact[i] + 1, i + 0.2, f'{r["exact"]}/{r["images"]}', va="center", fontsize=8)
            ax.text(false_valid[i] + 1, i - 0.2, r["false_valid"], va="center", fontsize=8)
        ax.set_yticks(list(y))
        ax.set_yticklabels(labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 110)
        ax.set_xlabel("% of images")
        ax.set_title(f"MRZ reading: {name} ({rs[0]['images']} images)")
        if name in targets:
            ax.axvline(targets[name], color="black", ls="--", lw=1, label=f"target {targets[name]:g} % exact")
        ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
