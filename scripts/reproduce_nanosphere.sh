#!/usr/bin/env bash
# Re-runs paper 001's nanosphere example (Sec. 4.2, Fig. 3): the multi-start design with heavy
# ball, Nesterov, Algorithms 1 and 2 and Dyna, then plots the convergence and the best design's
# spectrum (optimize mode's spectrum.csv) into docs/figures/.
#   scripts/reproduce_nanosphere.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
bash "$root/scripts/build.sh" >/dev/null
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OMP_NUM_THREADS=1 OMP_PROC_BIND=false
runs="$root/output/nanosphere"
mkdir -p "$runs"
decks="heavy_ball nesterov nonlinear_heavy_ball nonlinear_nesterov dyna"
for name in $decks; do
  out="$runs/$name"
  [ -f "$out/result.yaml" ] && continue
  sed "s#^  directory: .*#  directory: $out#" "$root/inputs/nanosphere_$name.yaml" >"$runs/$name.yaml"
  echo "== $name"
  mpirun --oversubscribe -n "${RANKS:-2}" "$build/dynaopt" "$runs/$name.yaml" | grep -E '^done'
done
# The best design over all optimizers: its run's spectrum.csv.
best=$(for name in $decks; do
         awk -v n="$name" '/^  objective:/ {print $2, n}' "$runs/$name/result.yaml"
       done | sort -g -r | head -n 1)
/usr/bin/python3 "$root/scripts/plot_nanosphere.py" "$runs" "$root/docs/figures" $decks
/usr/bin/python3 "$root/scripts/plot_spectrum.py" "$runs/${best#* }/spectrum.csv" "$root/docs/figures/nanosphere_best_spectrum.png"
