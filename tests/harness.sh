# Sourced by the end-to-end test scripts: a scratch folder, pass/fail counters and an mpiexec
# with a time bound. `$mpiexec` must be set; `finish` prints the counts and sets the status.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 OMP_PROC_BIND=false OPENBLAS_NUM_THREADS=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
mpi() { timeout 120 "$mpiexec" --oversubscribe -n "$@"; }
finish() {
  echo "$passed passed, $failed failed"
  [ $failed -eq 0 ]
}
