# Sourced by the MNIST study scripts (reproduce_table1.sh, reproduce_strategies.sh): builds
# dynaopt, fetches MNIST and sets the environment the runs need; defines root, build and seeds.
#   source mnist_study.sh [SEEDS (default "1 2 3 4 5")]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
seeds=${1:-1 2 3 4 5}
bash "$root/scripts/build.sh" >/dev/null
bash "$root/scripts/fetch_mnist.sh" "$root/data/mnist" >/dev/null
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
# Kokkos is the parallel layer; a threaded BLAS inside each rank fights its thread pool (5x slower here).
export OMP_NUM_THREADS=1 OMP_PROC_BIND=false OPENBLAS_NUM_THREADS=1
