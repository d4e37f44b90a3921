"""Plot of the nanosphere reproduction: the best and mean band-averaged Qabs against the step for
each optimizer (the best design's spectrum is scripts/plot_spectrum.py's).
    plot_nanosphere.py RUNS_DIR FIGURES_DIR NAME...
Needs Debian's python3-matplotlib (run it under /usr/bin/python3)."""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

runs, figures, names = sys.argv[1], sys.argv[2], sys.argv[3:]
labels = {"heavy_ball": "heavy ball", "nesterov": "Nesterov (AGD)", "nonlinear_heavy_ball": "Alg. 1 (η = s = 1.95)",
          "nonlinear_nesterov": "Alg. 2 (η = s = 1.95)", "dyna": "Dyna"}

fig, (best, mean) = plt.subplots(1, 2, figsize=(10, 4))
for name in names:
    rows = list(csv.DictReader(open(f"{runs}/{name}/history.csv")))
    steps = [int(r["step"]) for r in rows]
    best.plot(steps, [float(r["best_objective"]) for r in rows], label=labels.get(name, name))
    mean.plot(steps, [float(r["mean_objective"]) for r in rows], label=labels.get(name, name))
best.set(xscale="log", xlabel="step", ylabel="best band-averaged $Q_{abs}$", title="best of all starts")
mean.set(xscale="log", xlabel="step", ylabel="mean band-averaged $Q_{abs}$", title="mean over starts")
best.legend()
fig.tight_layout()
fig.savefig(f"{figures}/nanosphere_convergence.png", dpi=120)
