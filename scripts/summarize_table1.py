"""Summarises the Table 1 re-runs of scripts/reproduce_table1.sh: mean and sample standard
deviation over seeds of the final train / validation / test accuracy and of the test accuracy of
the best-validation epoch, as a Markdown table next to paper 000's numbers, and the learning
curves as docs/figures/table1_curves.png.

usage: /usr/bin/python3 summarize_table1.py RUNS_DIR DOCS_DIR
"""
import csv
import pathlib
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROWS = [  # deck, label, paper's (train, validation, test)
    ("mnist_logreg_dyna_zeta1", "Dyna, zeta = 1.0", (0.9428, 0.9368, 0.9304)),
    ("mnist_logreg_dyna_zeta05", "Dyna, zeta = 0.5", (0.9448, 0.9349, 0.9306)),
    ("mnist_logreg_dyna_ramp", "Dyna, zeta 0.5 -> 1.0", (0.9437, 0.9349, 0.9307)),
    ("mnist_logreg_adam", "Adam, lr = 0.001", (0.9435, 0.9340, 0.9286)),
]


def read_result(path):
    values = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition(":")
        values[key.strip()] = value.strip()
    return values


def mean_sd(xs, digits=4):
    if not xs:
        return "-"
    sd = statistics.stdev(xs) if len(xs) > 1 else 0.0
    return f"{statistics.mean(xs):.{digits}f} ± {sd:.{digits}f}"


def main(runs, docs):
    runs, docs = pathlib.Path(runs), pathlib.Path(docs)
    (docs / "figures").mkdir(parents=True, exist_ok=True)
    print("| run | seeds | train acc. | val. acc. | test acc. | test acc. (best val. epoch) | paper train / val. / test |")
    print("|---|---|---|---|---|---|---|")
    fig, (ax_loss, ax_test) = plt.subplots(1, 2, figsize=(11, 4))
    for deck, label, paper in ROWS:
        dirs = sorted(runs.glob(f"{deck}_seed*"))
        results = [read_result(d / "result.yaml") for d in dirs if (d / "result.yaml").exists()]
        if not results:
            continue
        col = lambda k: [float(r[k]) for r in results]  # noqa: E731
        print(f"| {label} | {len(results)} | {mean_sd(col('train_accuracy'))} | {mean_sd(col('validation_accuracy'))} "
              f"| {mean_sd(col('test_accuracy'))} | {mean_sd(col('best_validation_test_accuracy'))} "
              f"| {paper[0]:.4f} / {paper[1]:.4f} / {paper[2]:.4f} |")
        curves = []
        for d in dirs:
            with open(d / "history.csv") as f:
                curves.append(list(csv.DictReader(f)))
        epochs = [int(r["epoch"]) for r in curves[0]]
        mean = lambda k: [statistics.mean(float(c[i][k]) for c in curves) for i in range(len(epochs))]  # noqa: E731
        ax_loss.plot(epochs, mean("objective"), label=label)
        ax_test.plot(epochs, mean("test_accuracy"), label=label)
    ax_loss.set(xlabel="epoch", ylabel="training loss per image", yscale="log", title="Training loss (mean over seeds)")
    ax_test.set(xlabel="epoch", ylabel="test accuracy", title="Test accuracy (mean over seeds)", ylim=(0.90, 0.935))
    for ax in (ax_loss, ax_test):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(docs / "figures" / "table1_curves.png", dpi=120)


if __name__ == "__main__":
    main(*sys.argv[1:3])
