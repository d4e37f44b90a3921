"""Summarises the runs of scripts/reproduce_strategies.sh: per model and strategy, over seeds,
the final and best-validation-epoch test accuracy, the epoch at which the test accuracy first
reaches the target (0.925 logistic, 0.975 MLP), the final training loss, and the restarts and
noisy steps per layer (groups.csv); prints Markdown tables and plots the per-layer max
omega-hat and effective step (RMS step per parameter) over training (first seed: no strategy,
all three, the constant cut-off of 0.1) as docs/figures/strategies_layers.png.

usage: /usr/bin/python3 summarize_strategies.py RUNS_DIR DOCS_DIR
"""
import csv
import math
import pathlib
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from summarize_table1 import mean_sd, read_result  # noqa: E402  (this script's directory is on the path)

MODELS = [  # name, label, target test accuracy, parameters per layer
    ("logreg", "logistic regression (Table 1's model, 50 epochs)", 0.925, {"layer1": 10 * 785}),
    ("mlp", "MLP 784-256-128-10 (15 epochs)", 0.975, {"layer1": 256 * 785, "layer2": 128 * 257, "layer3": 10 * 129}),
]
STRATEGIES = [("none", "none"), ("restart", "restart (rescale 0.5)"), ("cutoff", "adaptive cut-off"),
              ("noise", "noise"), ("all", "all three"), ("restart_epoch", "restart between epoch means"),
              ("cutoff_high", "cut-off 0.1, constant"), ("cutoff_high_adaptive", "cut-off 0.1, adaptive")]
PLOTTED = {"none": "-", "all": "--", "cutoff_high": ":"}  # strategy: line style (colour: layer)


def rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def main(runs, docs):
    runs, docs = pathlib.Path(runs), pathlib.Path(docs)
    (docs / "figures").mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(2, 2, figsize=(11, 7))
    for column, (model, label, target, sizes) in enumerate(MODELS):
        print(f"\n{label}; target test accuracy {target}\n")
        print("| strategy | seeds | test acc. (final) | test acc. (best val. epoch) | epochs to target | "
              "training loss (final) | restarts / layer | noisy steps / layer |")
        print("|---|---|---|---|---|---|---|---|")
        for name, text in STRATEGIES:
            dirs = [d for d in sorted(runs.glob(f"{model}_{name}_seed*")) if (d / "result.yaml").exists()]
            if not dirs:
                continue
            results = [read_result(d / "result.yaml") for d in dirs]
            histories = [rows(d / "history.csv") for d in dirs]
            groups = [rows(d / "groups.csv") for d in dirs]
            reached = []
            for h in histories:
                epochs = [int(r["epoch"]) for r in h if float(r["test_accuracy"]) >= target]
                reached.append(epochs[0] if epochs else None)
            hit = [e for e in reached if e is not None]
            to_target = f"{mean_sd(hit, 1)} ({len(hit)}/{len(reached)} reached)" if hit else f"not reached (0/{len(reached)})"
            last = lambda g, key: statistics.mean(float(r[key]) for r in g if r["step"] == g[-1]["step"])  # noqa: E731
            print(f"| {text} | {len(dirs)} | {mean_sd([float(r['test_accuracy']) for r in results])} "
                  f"| {mean_sd([float(r['best_validation_test_accuracy']) for r in results])} | {to_target} "
                  f"| {mean_sd([float(h[-1]['objective']) for h in histories])} "
                  f"| {mean_sd([last(g, 'restarts') for g in groups], 0)} | {mean_sd([last(g, 'noisy_steps') for g in groups], 0)} |")
            if name not in PLOTTED:
                continue
            first = groups[0]  # the first seed's layers over the epochs
            for colour, (layer, n) in enumerate(sizes.items()):
                mine = [r for r in first if r["group"] == layer]
                epoch = [int(r["cycle"]) for r in mine]
                style = dict(color=f"C{colour}", linestyle=PLOTTED[name], label=f"{layer}, {text}")
                axes[0][column].plot(epoch, [float(r["max_frequency"]) for r in mine], **style)
                axes[1][column].plot(epoch, [float(r["step_norm"]) / math.sqrt(n) for r in mine], **style)
        axes[0][column].set(title=label, ylabel="max omega-hat of the epoch's last step", yscale="log")
        axes[1][column].set(xlabel="epoch", ylabel="effective step: RMS |x_t - x_(t-1)|", yscale="log")
        for ax in (axes[0][column], axes[1][column]):
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(docs / "figures" / "strategies_layers.png", dpi=110)


if __name__ == "__main__":
    main(*sys.argv[1:3])
