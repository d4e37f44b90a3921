#!/usr/bin/env bash
# MLSL with every optimizer type as its local search, on a two-layer Ag / SiO2 sphere's
# band-averaged Qabs (11 wavelengths, radius <= 120 nm: few optima, so the Bayesian rule can
# stop the run). Its reference, perf/nanosphere_grid on the same deck (a 0.5 nm lattice, its
# refinement to 0.005 nm and its local maxima polished): Qabs 0.06832473881 at (18.474, 26.756) nm,
# 28 747 evaluations. Prints one line per optimizer: its best, the design-evaluations in all and
# to that best, the rounds and why it stopped.
#   perf/mlsl_optimizers.sh [DYNAOPT_EXE (build/dynaopt)] [OUT (output/mlsl_optimizers)]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
exe=$(realpath "${1:-$root/build/dynaopt}") out=$(realpath -m "${2:-$root/output/mlsl_optimizers}")
mkdir -p "$out"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OMP_PROC_BIND=false
while IFS='|' read -r name optimizer; do
  cat >"$out/$name.yaml" <<DECK
problem:
  type: nanosphere
  layers: [silver_drude, silica_malitson]
  band: {from: 400, to: 800, samples: 11}
  bounds: {min_thickness: 5, max_radius: 120}
  objective: qabs
  thickness_unit: 10
  seed: 3
  strategy: mlsl
  mlsl: {samples_per_round: 16, search_steps: 20000, stop: {rounds: 60}}
  convergence: {stationarity: 1.0e-4, relative_change: 1.0e-10, steps: 200}
optimizer: $optimizer
run: {steps: 400000, log_every: 0}
output: {directory: $out/$name}
DECK
  "$exe" "$out/$name.yaml" >"$out/$name.log" 2>&1
  echo "$name: $(grep '^done' "$out/$name.log" | sed 's/, output in .*//')"
done <<'ROWS'
sgd|{type: sgd, lr: 0.2}
heavy_ball|{type: heavy_ball, step: 0.05, friction: 0.2}
nesterov|{type: nesterov, step: 0.03, friction: 0.2}
nonlinear_heavy_ball|{type: nonlinear_heavy_ball, step: 0.05, friction: 0.2, damping_exponent: 1.9, kinetic_exponent: 1.9}
nonlinear_nesterov|{type: nonlinear_nesterov, step: 0.03, friction: 0.2, damping_exponent: 1.9, kinetic_exponent: 1.9}
nonlinear_mirror|{type: nonlinear_mirror, step: 0.005, friction: 0.2, mirror: {box: {lower: 0.5, upper: 12}}}
dyna|{type: dyna, gamma: 0.05, omega_eps: 0.01, restart_on_increase: true}
dyna_prototype|{type: dyna_prototype, lr: 0.05}
adam|{type: adam, lr: 0.05}
ROWS
