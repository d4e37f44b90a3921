#!/usr/bin/env bash
# Every optimizer type's plain multi-start on one nanosphere deck, against the lattice reference
# of perf/nanosphere_grid (a 5 nm lattice, its refinement and its polished local maxima): per
# optimizer the best certified optimum and its gap to the reference, how many starts converged /
# stalled / ran to max_steps, the distinct optima and the largest |G| / |J| among them (every one
# must be <= the deck's stationarity).
# Writes the runs under output/nanosphere_optima/ and prints a markdown table.
#
#   bash scripts/nanosphere_optima.sh [deck (inputs/nanosphere_cabs_nesterov.yaml)] [ranks (2)]
#   OPTIMIZERS="nesterov sgd" bash scripts/nanosphere_optima.sh     only these rows
#   REFERENCE=33642.3 bash scripts/nanosphere_optima.sh              a reference known already
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
deck=${1:-$root/inputs/nanosphere_cabs_nesterov.yaml}
ranks=${2:-2}
build=${BUILD_DIR:-$root/build}
out=$root/output/nanosphere_optima
mkdir -p "$out"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OMP_PROC_BIND=false
if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi

# Per optimizer: run.steps and the optimizer section. Steps of about 0.05-0.1 nm for gradients of
# 10^2-10^3 nm^2/nm (thicknesses in nm), and for Nesterov's look-ahead, which is stable only for
# about a third of heavy ball's step at the same friction, a smaller one. Dyna's omega_eps = 18
# floors its frequency where |g| < 18^2: there its sign-like step (about gamma nm) becomes a
# heavy-ball step h = 2 gamma (1 - beta) / (2 zeta omega_eps^2) ~ 1.5e-5, which lets it settle.
# SGD's fixed step must be under 2 / L with L the curvature across the optimum's ridge (1e5-1.9e5:
# lr = 2e-5 oscillates there, heavy ball's h = 2e-5 does not), so lr = 1e-5; without momentum it
# then crawls along the ridge and needs ten times the steps.
optimizers=(
  "nesterov|8000|{type: nesterov, step: 5.0e-6, friction: 0.05}"
  "heavy_ball|6000|{type: heavy_ball, step: 2.0e-5, friction: 0.1}"
  "nonlinear_nesterov|6000|{type: nonlinear_nesterov, step: 2.0e-5, friction: 0.1, damping_exponent: 1.9, kinetic_exponent: 1.9}"
  "nonlinear_heavy_ball|6000|{type: nonlinear_heavy_ball, step: 2.0e-5, friction: 0.1, damping_exponent: 1.9, kinetic_exponent: 1.9}"
  "nonlinear_mirror|8000|{type: nonlinear_mirror, step: 4.0e-7, friction: 0.1, mirror: {box: {lower: 5, upper: 300}}}"
  "dyna|12000|{type: dyna, gamma: 0.05, omega_eps: 18, restart_on_increase: true}"
  "dyna_prototype|6000|{type: dyna_prototype, lr: 0.1}"
  "adam|6000|{type: adam, lr: 0.05}"
  "sgd|60000|{type: sgd, lr: 1.0e-5}"
)

for name in ${OPTIMIZERS:-}; do  # a name that is no row would silently run nothing
  printf '%s\n' "${optimizers[@]}" | grep -q "^$name|" || { echo "OPTIMIZERS: no row $name" >&2; exit 1; }
done
if [ -z "${REFERENCE:-}" ]; then
  grid=$("$build/perf/nanosphere_grid" "$deck")
  echo "$grid" | sed 's/^/    /'
  REFERENCE=$(echo "$grid" | awk '/^reference:/ {print $3}')
fi
reference=$REFERENCE
echo
echo "| optimizer | run.steps | best certified J | gap to the reference | converged / stalled / max_steps | distinct optima | max abs(G)/abs(J) |"
echo "|---|---|---|---|---|---|---|"
for entry in "${optimizers[@]}"; do
  IFS='|' read -r name steps settings <<< "$entry"
  if [ -n "${OPTIMIZERS:-}" ] && [[ " $OPTIMIZERS " != *" $name "* ]]; then continue; fi
  awk -v settings="$settings" -v dir="$out/$name" -v steps="$steps" '
    /^optimizer:/ {print "optimizer: " settings; skip = 1; next}
    skip && /^[^ #]/ {skip = 0}
    skip {next}
    /^[^ #]/ {section = $1}
    section == "run:" && /^  steps:/ {print "  steps: " steps; next}
    /^output:/ {print "output:\n  directory: " dir; out = 1; next}
    out && /^  / {next}
    {out = 0; print}' "$deck" > "$out/$name.yaml"
  mpirun --oversubscribe -n "$ranks" "$build/dynaopt" "$out/$name.yaml" > "$out/$name.log" 2>&1
  awk -v name="$name" -v reference="$reference" -v steps="$steps" '
    /^converged:/ {c = $2} /^stalled:/ {s = $2} /^max_steps:/ {m = $2}
    /^  - \{objective:/ {
      n++; j = $3; sub(",", "", j)
      for (i = 1; i <= NF; ++i) if ($i == "stationarity:") {g = $(i + 1); sub(",", "", g)}
      if (n == 1) best = j
      r = g / (j < 0 ? -j : j); if (r > worst) worst = r
    }
    END {
      gap = n ? (reference - best) / reference : 0
      printf "| %s | %s | %s | %.2e | %d / %d / %d | %d | %.2e |\n", name, steps, n ? best : "none", gap, c, s, m, n, worst
    }' "$out/$name/result.yaml"
done
