#!/usr/bin/env bash
# Sets up the dependencies (scripts/setup_deps.sh, cached) and builds dynaopt into $BUILD_DIR
# (default: build/). Extra arguments go to the CMake configure step.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
kokkos=$(bash "$root/scripts/setup_deps.sh" | tail -n 1)
cmake -S "$root" -B "$build" -DKokkos_ROOT="$kokkos" -DKokkosKernels_ROOT="$kokkos" "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
