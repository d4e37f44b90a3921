#!/usr/bin/env bash
# Global nanosphere design: Multi-Level Single-Linkage against plain multi-start, in
# design-evaluations (one design over the band) and seconds to the best design, on 3 layers
# (Ag / SiO2 / Ag, inputs/nanosphere_cabs_mlsl.yaml) and on 5 and 7 alternating layers in both
# orders (inputs/nanosphere_{ag,si}{5,7}_mlsl.yaml). See usage() or docs/nanosphere.md.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
  cat <<EOF
usage: perf/global_design.sh [options]

Runs each case's MLSL deck, then the same problem as plain multi-start of STARTS uniform starts
whose run.steps give it the MLSL run's design-evaluations times each FACTOR (an upper bound:
starts that converge early use less), with the same optimizer. Writes OUT/global_design.csv and
OUT/global_design.png (perf/plot_global_design.py, which needs Debian's python3-yaml and
python3-matplotlib under /usr/bin/python3).

  --exe FILE        dynaopt driver (default build/dynaopt)
  --out DIR         results folder (default output/global_design)
  --ranks P         MPI ranks per run (default 2)
  --cases LIST      any of cabs3,ag5,si5,ag7,si7 (default all)
  --factors LIST    multi-start budgets in units of the MLSL run's evaluations (default 1,10)
  --starts S        multi-start's starts (default 128)
  --grid            also run perf/nanosphere_grid, the lattice reference of the 3-layer case
                    (about 188 000 evaluations, 15 minutes on one core)
  -h, --help        this message
EOF
}

exe=$root/build/dynaopt out=$root/output/global_design ranks=2 cases=cabs3,ag5,si5,ag7,si7 factors=1,10 starts=128 grid=0
while [ $# -gt 0 ]; do
  case $1 in
    --exe) exe=$(realpath "$2"); shift 2 ;;
    --out) out=$(realpath -m "$2"); shift 2 ;;
    --ranks) ranks=$2; shift 2 ;;
    --cases) cases=$2; shift 2 ;;
    --factors) factors=$2; shift 2 ;;
    --starts) starts=$2; shift 2 ;;
    --grid) grid=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown option $1" >&2; usage >&2; exit 1 ;;
  esac
done
mkdir -p "$out"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OMP_PROC_BIND=false OPENBLAS_NUM_THREADS=1
[ "$(id -u)" -eq 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

deck_of() { [ "$1" = cabs3 ] && echo "$root/inputs/nanosphere_cabs_mlsl.yaml" || echo "$root/inputs/nanosphere_$1_mlsl.yaml"; }
evaluations_of() { sed -n 's/^evaluations: {total: \([0-9]*\),.*/\1/p' "$1"; }

run() {  # name, deck file
  local dir="$out/$1"
  sed "s#^  directory: .*#  directory: $dir#" "$2" >"$out/$1.yaml"
  mpirun --oversubscribe -n "$ranks" "$exe" "$out/$1.yaml" >"$out/$1.log" 2>&1 || { echo "$1 failed: $(tail -3 "$out/$1.log")" >&2; exit 2; }
  echo "$1: $(grep '^done' "$out/$1.log")"
}

for case in ${cases//,/ }; do
  deck=$(deck_of "$case")
  [ -f "$deck" ] || { echo "no deck for case $case: $deck" >&2; exit 1; }
  run "${case}_mlsl" "$deck"
  budget=$(evaluations_of "$out/${case}_mlsl/result.yaml")
  for factor in ${factors//,/ }; do
    steps=$(((factor * budget + starts - 1) / starts))
    # The same problem, optimizer and convergence, as plain multi-start: the strategy, the mlsl
    # block and its lines go, starts and run.steps come in.
    awk -v starts="$starts" -v steps="$steps" '
      /^  strategy: mlsl/ { print "  starts: " starts; next }
      /^  mlsl:/ { skip = 1; if ($0 ~ /}$/) skip = 0; next }
      skip && /^    / { next }
      { skip = 0 }
      /^  steps: / && run { print "  steps: " steps; next }
      /^run:/ { run = 1 }
      { print }' "$deck" >"$out/${case}_multistart_x$factor.deck"
    run "${case}_multistart_x$factor" "$out/${case}_multistart_x$factor.deck"
  done
done

if [ $grid -eq 1 ]; then
  grid_exe=$(dirname "$exe")/perf/nanosphere_grid
  "$grid_exe" "$root/inputs/nanosphere_cabs_nesterov.yaml" | tee "$out/grid.txt"
fi

/usr/bin/python3 "$root/perf/plot_global_design.py" "$out" || echo "no CSV or plot: see perf/plot_global_design.py" >&2
