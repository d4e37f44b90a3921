#!/usr/bin/env bash
# Re-runs paper 001's nanosphere example (Sec. 4.2, Fig. 3): the multi-start design with heavy
# ball, Nesterov, Algorithms 1 and 2 and Dyna, then the best design's spectrum, and writes the
# convergence and spectrum plots to docs/figures/.
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
# The best design over all optimizers, evaluated over the band on a fine grid.
best=$(for name in $decks; do
         awk -v n="$name" '/^  objective:/ {j = $2} /^  thickness:/ {t = $0; sub(/^  thickness: /, "", t)} END {print j, n, t}' \
           "$runs/$name/result.yaml"
       done | sort -g -r | head -n 1)
thickness=${best#* * }
sed -e "s#^  thickness: .*#  thickness: $thickness#" -e "s#directory: [^}]*#directory: $runs/best_spectrum#" \
    "$root/inputs/nanosphere_evaluate.yaml" >"$runs/best_spectrum.yaml"
"$build/dynaopt" "$runs/best_spectrum.yaml" | grep -E '^done'
/usr/bin/python3 "$root/scripts/plot_nanosphere.py" "$runs" "$root/docs/figures" $decks
