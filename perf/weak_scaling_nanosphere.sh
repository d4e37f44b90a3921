#!/usr/bin/env bash
# Weak scaling of the multi-start nanosphere design: a fixed number of starts per rank, run on
# 1..P ranks, wall time per step from the driver's own start to end. Writes a CSV to stdout:
#   ranks,starts,steps,seconds,efficiency
#   perf/weak_scaling_nanosphere.sh DYNAOPT_EXE [STARTS_PER_RANK (8)] [MAX_RANKS (2)] [STEPS (200)]
# Every start runs all steps (convergence disabled), so the work per rank is the same.
set -euo pipefail
exe=$1 per_rank=${2:-8} max_ranks=${3:-2} steps=${4:-200}
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OMP_NUM_THREADS=1 OMP_PROC_BIND=false
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "ranks,starts,steps,seconds,efficiency"
base=""
for ((p = 1; p <= max_ranks; p *= 2)); do
  cat >"$work/deck$p.yaml" <<DECK
problem:
  type: nanosphere
  layers: [silver_drude, silica_malitson, silver_drude]
  band: {from: 400, to: 800, samples: 801}
  objective: qabs
  thickness_unit: 100
  starts: $((per_rank * p))
  convergence: {relative_change: 0, steps: 1000000000}
optimizer: {type: nonlinear_nesterov, step: 0.001, friction: 0.1, damping_exponent: 1.95, kinetic_exponent: 1.95}
run: {steps: $steps, log_every: 0, history_every: $steps}
output: {directory: $work/out$p}
DECK
  start=$(date +%s.%N)
  mpirun --oversubscribe -n $p "$exe" "$work/deck$p.yaml" >/dev/null
  seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {print b - a}')
  [ -z "$base" ] && base=$seconds
  awk -v p=$p -v n=$((per_rank * p)) -v k=$steps -v s="$seconds" -v b="$base" \
    'BEGIN {printf "%d,%d,%d,%.3f,%.3f\n", p, n, k, s, b / s}'
done
