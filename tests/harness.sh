# Sourced by the end-to-end test scripts: a scratch folder, pass/fail counters and an mpiexec
# with a time bound. `$mpiexec` must be set; `finish` prints the counts and sets the status.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 OMP_PROC_BIND=false OPENBLAS_NUM_THREADS=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
mpi() { timeout 120 "$mpiexec" --oversubscribe -n "$@"; }
# A small nanosphere batch (Ag/SiO2/Ag, 5 starts) that the end-to-end tests resume and
# interrupt; the caller adds `run:` and `output:`.
nanosphere_batch='problem:
  type: nanosphere
  layers: [silver_drude, silica_malitson, silver_drude]
  band: {from: 400, to: 800, samples: 41}
  objective: qabs
  thickness_unit: 100
  starts: 5
  convergence: {relative_change: 1.0e-9, steps: 15}
optimizer: {type: nonlinear_nesterov, step: 0.001, friction: 0.1, damping_exponent: 1.95, kinetic_exponent: 1.95}'

# The file without its wall-clock readings, which no two runs share: a csv's `seconds` column
# (found by its header), result.yaml's `seconds` and `timing:` block. Everything else of a
# resumed or disturbed run must equal the undisturbed run's byte for byte.
without_clock() {
  case $1 in
    *.csv) awk -F, -v OFS=, 'NR == 1 {for (i = 1; i <= NF; ++i) if ($i == "seconds") c = i} c {$c = ""} {print}' "$1" ;;
    *.yaml) sed '/^seconds:/d; /^timing:/,$d' "$1" ;;
    *) cat "$1" ;;
  esac
}
finish() {
  echo "$passed passed, $failed failed"
  [ $failed -eq 0 ]
}
