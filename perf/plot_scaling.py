"""Plots of a perf/scaling_suite.sh results folder and the performance model of
docs/performance.md built from the same folder's measurements.
    /usr/bin/python3 perf/plot_scaling.py RESULTS_DIR
Reads scaling.csv, allreduce.csv and optimizer_step.txt; writes scaling.png (time, speed-up and
parallel efficiency of every study and series), allreduce.png (MPI_Allreduce times and the
fitted latency-bandwidth model), model.png and model.csv (predicted efficiency on 1..1024 ranks)
and model.md (the model's constants, model against measurement, the predictions).
Needs Debian's python3-numpy and python3-matplotlib (run it under /usr/bin/python3).

The model (docs/performance.md):
  allreduce of m bytes on p ranks  T(m, p) = min(L (alpha + m beta),              recursive doubling
                                                 2 L alpha + 2 (p - 1) / p m beta) reduce-scatter + allgather
                                     with L = ceil(log2 p), T(m, 1) = 0;
  MNIST epoch, k steps of batch B    T(p) = C g(p) + k (t_opt + T(4 (n + 1), p)),
                                     C = T(1) - k t_opt, g = ceil(B / p) / B (strong) or 1 (weak);
  nanosphere step, S starts          T(p) = ceil(S / p) t_d + T(24, p) (strong; S / P per rank weak),
                                     t_d = T(1) / S.
"""
import csv
import math
import sys

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

results = sys.argv[1] if len(sys.argv) == 2 else sys.exit(__doc__)
STUDIES = {"logreg": "MNIST logistic regression", "mlp": "MNIST MLP", "nanosphere": "nanosphere multi-start"}
UNIT = {"logreg": "s / epoch", "mlp": "s / epoch", "nanosphere": "s / step"}
RANKS = [2**i for i in range(11)]
# A cluster-typical interconnect, an assumption: 100 Gb/s InfiniBand (EDR) line rate and 2 us
# per allreduce stage (MPI point-to-point latency about 1 us plus software overhead).
INFINIBAND = (2.0e-6, 1.0 / 12.5e9)
NANOSPHERE_MESSAGE = 24  # bytes: the multi-start step's one allreduce of 3 doubles
FLOAT = 4  # the MNIST studies train in float


def allreduce_terms(m, p):
    """(latency, bandwidth) coefficients of both algorithms for m bytes on p ranks."""
    if p == 1:
        return [(0.0, 0.0)]
    stages = math.ceil(math.log2(p))
    return [(stages, stages * m), (2 * stages, 2 * (p - 1) / p * m)]


def allreduce_time(m, p, network):
    alpha, beta = network
    return min(a * alpha + b * beta for a, b in allreduce_terms(m, p))


def fit_allreduce(rows):
    """alpha, beta minimising the relative error of T(m, p) over all measurements; each point's
    algorithm is the one the current constants make fastest (on 2 ranks: alpha + beta m)."""
    choice = [0] * len(rows)
    for _ in range(20):
        design = np.array([allreduce_terms(m, p)[c] for (p, m, _), c in zip(rows, choice)])
        measured = np.array([t for _, _, t in rows])
        weights = 1.0 / measured
        alpha, beta = np.linalg.lstsq(design * weights[:, None], measured * weights, rcond=None)[0]
        new = [int(np.argmin([a * alpha + b * beta for a, b in allreduce_terms(m, p)])) for p, m, _ in rows]
        if new == choice:
            break
        choice = new
    return alpha, beta


def read_optimizer_step(path):
    """Float Dyna step seconds by size, bytes per parameter, and the fraction of the STREAM triad
    of every scalar's Dyna step at the largest size."""
    sizes, step, fraction, streams, index = [], {}, {}, 0, -1
    for line in open(path):
        words = line.split()
        if line.startswith("# sizes"):
            sizes = [int(float(w)) for w in words[2:]]
        if not words or line.startswith("#") or words[0] == "scalar":
            continue
        scalar, kernel, stream_count, ms, rate, triad = words[0], words[2], int(words[3]), float(words[4]), words[5], words[6]
        if scalar == "double" and kernel == "stream_triad":
            index += 1
        if kernel == "dyna":
            if scalar == "float":
                step[sizes[index]] = ms * 1e-3
                streams = stream_count
            if index == len(sizes) - 1:
                fraction[scalar] = (float(rate), float(triad))
    return step, streams * FLOAT, fraction


scaling = list(csv.DictReader(open(f"{results}/scaling.csv")))
allreduce = [(int(r["ranks"]), float(r["bytes"]), float(r["seconds"])) for r in csv.DictReader(open(f"{results}/allreduce.csv"))]
step_seconds, bytes_per_parameter, stream_fraction = read_optimizer_step(f"{results}/optimizer_step.txt")
loopback = fit_allreduce(allreduce) if allreduce else None
networks = {"loopback (fitted)": loopback, "InfiniBand 100 Gb/s (assumed)": INFINIBAND}
networks = {name: constants for name, constants in networks.items() if constants is not None}


def measured_allreduce(m, p):
    """The benchmark's time for m bytes on p ranks, interpolated log-log (0 on one rank)."""
    if p == 1:
        return 0.0
    sizes = [b for q, b, _ in allreduce if q == p]
    times = [t for q, _, t in allreduce if q == p]
    return float(np.exp(np.interp(np.log(m), np.log(sizes), np.log(times))))


def series_rows(study, series):
    return [r for r in scaling if r["study"] == study and r["series"] == series]


class Model:
    """Time of one unit (epoch or step) of a study's strong or weak series on p ranks."""

    def __init__(self, study, series):
        first = series_rows(study, series)[0]
        self.study, self.series = study, series
        self.t1, self.work = float(first["seconds"]), int(first["work"])
        if study == "nanosphere":
            self.message, self.steps, self.t_opt = NANOSPHERE_MESSAGE, 1, 0.0
            self.compute = self.t1  # the optimizer step over 3 S parameters is inside t_d
        else:
            params = int(first["params"])
            self.batch, self.steps = int(first["batch"]), int(first["steps"])
            self.message, self.t_opt = FLOAT * (params + 1), step_seconds[params]
            self.compute = self.t1 - self.steps * self.t_opt

    def seconds(self, p, network):
        """network: (alpha, beta) of the latency-bandwidth model, or None for the measured
        allreduce times."""
        reduce = measured_allreduce(self.message, p) if network is None else allreduce_time(self.message, p, network)
        if self.study == "nanosphere":
            share = math.ceil(self.work / p) / self.work if self.series == "strong" else 1.0
        else:
            share = math.ceil(self.batch / p) / self.batch if self.series == "strong" else 1.0
        return self.compute * share + self.steps * (self.t_opt + reduce)

    def efficiency(self, p, network):
        t = self.seconds(p, network)
        return self.t1 / (p * t) if self.series == "strong" else self.t1 / t


# Measured: time, speed-up and efficiency of every study and series.
studies = [s for s in STUDIES if any(r["study"] == s for r in scaling)]
fig, axes = plt.subplots(len(studies), 3, figsize=(13, 3.3 * len(studies)), squeeze=False)
for row, study in zip(axes, studies):
    for series, marker in (("strong", "o"), ("weak", "s"), ("threads", "^")):
        rows = series_rows(study, series)
        if not rows:
            continue
        x = [int(r["threads" if series == "threads" else "ranks"]) for r in rows]
        label = "threads, 1 rank" if series == "threads" else f"{series}, ranks"
        for ax, key in zip(row, ("seconds", "speedup", "efficiency")):
            ax.plot(x, [float(r[key]) for r in rows], marker=marker, label=label)
    top = max(int(r["ranks"]) * int(r["threads"]) for r in scaling)
    row[1].plot([1, top], [1, top], "k:", lw=0.8, label="ideal")
    row[2].axhline(1.0, color="k", ls=":", lw=0.8)
    row[0].set(ylabel=f"{STUDIES[study]}\n{UNIT[study]}", ylim=(0, None))
    row[1].set(ylabel="speed-up (weak: scaled)")
    row[2].set(ylabel="parallel efficiency", ylim=(0, 1.2))
    for ax in row:
        ax.set(xscale="log", xlabel="ranks or threads")
        ax.set_xticks(sorted({int(r["ranks"]) for r in scaling} | {int(r["threads"]) for r in scaling}))
        ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.grid(alpha=0.3)
    row[1].legend(fontsize=8)
fig.tight_layout()
fig.savefig(f"{results}/scaling.png", dpi=110)

# MPI_Allreduce: measured and fitted.
if allreduce:
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for p in sorted({p for p, _, _ in allreduce}):
        m = np.array([b for q, b, _ in allreduce if q == p])
        ax.plot(m, [t * 1e6 for q, _, t in allreduce if q == p], "o", ms=4, label=f"measured, {p} ranks")
        ax.plot(m, [allreduce_time(b, p, loopback) * 1e6 for b in m], "-", lw=1, label=f"model, {p} ranks")
    ax.set(xscale="log", yscale="log", xlabel="message (bytes)", ylabel="MPI_Allreduce (µs)",
           title=f"α = {loopback[0] * 1e6:.2f} µs, β = {loopback[1] * 1e9:.3f} ns/B ({1 / loopback[1] / 1e9:.1f} GB/s)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(f"{results}/allreduce.png", dpi=110)

# The model: predicted efficiency on 1..1024 ranks, with the measured points.
models = [Model(s, k) for s in studies for k in ("strong", "weak") if series_rows(s, k)]
with open(f"{results}/model.csv", "w") as out:
    out.write("study,series,network,ranks,seconds,efficiency\n")
    for model in models:
        for name, network in networks.items():
            for p in RANKS:
                out.write(f"{model.study},{model.series},{name},{p},{model.seconds(p, network):.6e},"
                          f"{model.efficiency(p, network):.4f}\n")
fig, axes = plt.subplots(1, len(studies), figsize=(4.6 * len(studies), 3.8), squeeze=False)
for ax, study in zip(axes[0], studies):
    for model in (m for m in models if m.study == study):
        color = "C0" if model.series == "strong" else "C1"
        for (name, network), style in zip(networks.items(), ("-", "--")):
            ax.plot(RANKS, [model.efficiency(p, network) for p in RANKS], style, color=color,
                    label=f"{model.series}, {name}")
        rows = series_rows(study, model.series)
        ax.plot([int(r["ranks"]) for r in rows], [float(r["efficiency"]) for r in rows], "o", color=color, ms=5,
                label=f"{model.series}, measured")
    ax.set(xscale="log", xlabel="ranks", ylabel="parallel efficiency", ylim=(0, 1.1), title=STUDIES[study])
    ax.set_xticks(RANKS[::2])
    ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.grid(alpha=0.3)
axes[0][0].legend(fontsize=7)
fig.tight_layout()
fig.savefig(f"{results}/model.png", dpi=110)

# model.md: constants, model against measurement, predictions.
lines = ["# Performance model", "", f"From `{results}`.", ""]
if loopback:
    worst = max(abs(allreduce_time(m, p, loopback) / t - 1) for p, m, t in allreduce)
    lines += [f"MPI_Allreduce fit over {len(allreduce)} measurements: alpha = {loopback[0] * 1e6:.3f} us, "
              f"beta = {loopback[1] * 1e9:.4f} ns/byte ({1 / loopback[1] / 1e9:.2f} GB/s); "
              f"largest relative error {worst:.2f}.", ""]
lines += [f"Dyna step: {bytes_per_parameter} bytes per parameter in float (4 arrays read, 3 written: "
          f"{bytes_per_parameter // FLOAT} streams); at the largest size of optimizer_step.txt: "
          + ", ".join(f"{s} {rate:.1f} GB/s = {triad:.2f} of the STREAM triad" for s, (rate, triad) in stream_fraction.items())
          + ".", ""]
lines += ["| study | series | T(1) | steps | message (B) | t_opt per step | C (divisible) |", "|---|---|---|---|---|---|---|"]
for m in models:
    lines.append(f"| {m.study} | {m.series} | {m.t1:.4g} {UNIT[m.study]} | {m.steps} | {m.message} | "
                 f"{m.t_opt * 1e6:.1f} us | {m.compute:.4g} s |")
lines += ["", "Model against measurement: with the fitted loopback constants, and with the benchmark's own "
          "allreduce time at the message size:", "",
          "| study | series | ranks | measured s (spread) | model s | eff. measured | eff. model | eff. model, measured allreduce |",
          "|---|---|---|---|---|---|---|---|"]
for m in models:
    for r in series_rows(m.study, m.series)[1:]:
        p = int(r["ranks"])
        lines.append(f"| {m.study} | {m.series} | {p} | {float(r['seconds']):.4g} ({float(r['spread']):.0%}) | "
                     f"{m.seconds(p, loopback):.4g} | {float(r['efficiency']):.3f} | {m.efficiency(p, loopback):.3f} | "
                     f"{m.efficiency(p, None):.3f} |")
shown = [2, 8, 32, 128, 1024]
lines += ["", "Predicted parallel efficiency:", "", "| study | series | network | " + " | ".join(f"p={p}" for p in shown) + " |",
          "|---|---|---|" + "---|" * len(shown)]
for m in models:
    for name, network in networks.items():
        lines.append(f"| {m.study} | {m.series} | {name} | " + " | ".join(f"{m.efficiency(p, network):.3f}" for p in shown) + " |")
open(f"{results}/model.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
