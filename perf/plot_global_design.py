#!/usr/bin/env python3
"""global_design.csv and global_design.png from the runs of perf/global_design.sh: for each case
and strategy, the best design's band-averaged Cabs, whether it is certified, the design-evaluations
in all and until the best was first within 1e-4 of it, the seconds, and why MLSL stopped.
    /usr/bin/python3 perf/plot_global_design.py OUT   (needs python3-yaml and python3-matplotlib)"""
import csv
import os
import re
import sys

import yaml

out = sys.argv[1]
rows = []
for name in sorted(os.listdir(out)):
    result = os.path.join(out, name, "result.yaml")
    m = re.match(r"(\w+?)_(mlsl|multistart_x\d+)$", name)
    if not m or not os.path.isfile(result):
        continue
    r = yaml.safe_load(open(result))
    best = r.get("best", {})
    rows.append({
        "case": m.group(1), "layers": len(best.get("thickness", [])), "strategy": m.group(2),
        "optimizer": r["optimizer"], "best": best.get("objective"), "certified": best.get("certified"),
        "evaluations": r["evaluations"]["total"], "to_best": r["evaluations"]["to_best"],
        "seconds": r["seconds"]["total"], "stop": r.get("mlsl", {}).get("stop", ""),
        "optima": len(r.get("distinct_optima", [])), "searches": r.get("local_searches", r.get("starts"))})
with open(os.path.join(out, "global_design.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    w.writeheader()
    w.writerows(rows)
print(open(os.path.join(out, "global_design.csv")).read(), end="")

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

cases = sorted({r["case"] for r in rows}, key=lambda c: (len(c), c))
strategies = sorted({r["strategy"] for r in rows}, key=lambda s: (s != "mlsl", len(s), s))
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
width = 0.8 / len(strategies)
for i, s in enumerate(strategies):
    best, evals = [], []
    for c in cases:
        mine = [r for r in rows if r["case"] == c and r["strategy"] == s]
        top = max(r["best"] for r in rows if r["case"] == c)
        best.append(mine[0]["best"] / top if mine else 0)
        evals.append(mine[0]["evaluations"] if mine else 0)
    x = [k + i * width for k in range(len(cases))]
    left.bar(x, best, width, label=s)
    right.bar(x, evals, width, label=s)
for ax in (left, right):
    ax.set_xticks([k + 0.4 - width / 2 for k in range(len(cases))], cases)
left.set_ylabel("best Cabs / best of the case")
ratios = [r["best"] / max(q["best"] for q in rows if q["case"] == r["case"]) for r in rows]
left.set_ylim(max(0.0, min(ratios) - 0.05), 1.005)
right.set_ylabel("design-evaluations")
right.set_yscale("log")
left.legend(fontsize=8)
fig.suptitle("MLSL against plain multi-start (perf/global_design.sh)")
fig.tight_layout()
fig.savefig(os.path.join(out, "global_design.png"), dpi=110)
