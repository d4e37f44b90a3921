#!/usr/bin/env bash
# Every optimizer type's plain multi-start on one nanosphere deck, against the exhaustive
# lattice search of perf/nanosphere_grid: per optimizer the best certified optimum and its gap
# to the lattice's best, how many starts converged / stalled / ran to max_steps, the distinct
# optima and the largest |G| / |J| among them (every one must be <= the deck's stationarity).
# Writes the runs under output/nanosphere_optima/ and prints a markdown table.
#
#   bash scripts/nanosphere_optima.sh [deck (inputs/nanosphere_cabs_nesterov.yaml)] [ranks (2)]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
deck=${1:-$root/inputs/nanosphere_cabs_nesterov.yaml}
ranks=${2:-2}
build=${BUILD_DIR:-$root/build}
out=$root/output/nanosphere_optima
mkdir -p "$out"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OMP_PROC_BIND=false
if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi

# Steps of about 0.05-0.1 nm for gradients of 10^2-10^3 nm^2/nm (thicknesses in nm).
optimizers=(
  "nesterov|{type: nesterov, step: 2.0e-5, friction: 0.1}"
  "heavy_ball|{type: heavy_ball, step: 2.0e-5, friction: 0.1}"
  "nonlinear_nesterov|{type: nonlinear_nesterov, step: 2.0e-5, friction: 0.1, damping_exponent: 1.9, kinetic_exponent: 1.9}"
  "nonlinear_heavy_ball|{type: nonlinear_heavy_ball, step: 2.0e-5, friction: 0.1, damping_exponent: 1.9, kinetic_exponent: 1.9}"
  "dyna|{type: dyna, gamma: 0.05, restart_on_increase: true}"
  "dyna_prototype|{type: dyna_prototype, lr: 0.1}"
  "adam|{type: adam, lr: 0.05}"
  "sgd|{type: sgd, lr: 2.0e-4}"
)

grid=$("$build/perf/nanosphere_grid" "$deck")
echo "$grid" | sed 's/^/    /'
reference=$(echo "$grid" | awk '/^lattice/ {for (i = 1; i <= NF; ++i) if ($i == "best") best = $(i + 1)} END {print best}')
echo
echo "| optimizer | best certified J | gap to the lattice | converged / stalled / max_steps | distinct optima | max abs(G)/abs(J) |"
echo "|---|---|---|---|---|---|"
for entry in "${optimizers[@]}"; do
  name=${entry%%|*}
  settings=${entry#*|}
  awk -v settings="$settings" -v dir="$out/$name" '
    /^optimizer:/ {print "optimizer: " settings; skip = 1; next}
    skip && /^[^ #]/ {skip = 0}
    skip {next}
    /^output:/ {print "output:\n  directory: " dir; out = 1; next}
    out && /^  / {next}
    {out = 0; print}' "$deck" > "$out/$name.yaml"
  mpirun --oversubscribe -n "$ranks" "$build/dynaopt" "$out/$name.yaml" > "$out/$name.log" 2>&1
  awk -v name="$name" -v reference="$reference" '
    /^converged:/ {c = $2} /^stalled:/ {s = $2} /^max_steps:/ {m = $2}
    /^  - \{objective:/ {
      n++; j = $3; sub(",", "", j)
      for (i = 1; i <= NF; ++i) if ($i == "stationarity:") {g = $(i + 1); sub(",", "", g)}
      if (n == 1) best = j
      r = g / (j < 0 ? -j : j); if (r > worst) worst = r
    }
    END {
      gap = n ? (reference - best) / reference : 0
      printf "| %s | %s | %.2e | %d / %d / %d | %d | %.2e |\n", name, n ? best : "none", gap, c, s, m, n, worst
    }' "$out/$name/result.yaml"
done
