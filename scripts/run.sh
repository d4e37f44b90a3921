#!/usr/bin/env bash
# Builds dynaopt if needed, fetches MNIST when the deck reads data/mnist, and runs the deck on
# $RANKS MPI ranks (default 2).
#   scripts/run.sh inputs/mnist_logreg_dyna_ramp.yaml
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
deck=${1:-$root/inputs/mnist_logreg_dyna_ramp.yaml}
shift || true
bash "$root/scripts/build.sh" >/dev/null
if grep -q '^ *data: *data/mnist' "$deck"; then bash "$root/scripts/fetch_mnist.sh" "$PWD/data/mnist" >/dev/null; fi
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OMP_PROC_BIND=${OMP_PROC_BIND:-false}
# Kokkos is the parallel layer; a threaded BLAS inside each rank fights its thread pool (5x slower here).
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
exec mpirun --oversubscribe -n "${RANKS:-2}" "$build/dynaopt" "$deck" "$@"
