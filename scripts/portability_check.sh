#!/usr/bin/env bash
# Builds dynaopt against an installed Kokkos and Kokkos Kernels (a user's 4.x, say) and runs
# the whole test suite with it. Whatever built that Kokkos is up to the caller.
#   scripts/portability_check.sh KOKKOS_ROOT [KOKKOSKERNELS_ROOT]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kokkos=${1:?usage: portability_check.sh KOKKOS_ROOT [KOKKOSKERNELS_ROOT]}
kernels=${2:-$kokkos}
version=$(sed -n 's/^#define KOKKOS_VERSION \([0-9]*\).*/\1/p' "$kokkos/include/KokkosCore_config.h")
build=${BUILD_DIR:-$root/build-kokkos-$version}
echo "dynaopt against Kokkos $version ($kokkos), Kokkos Kernels from $kernels, build in $build"
cmake -S "$root" -B "$build" -DKokkos_ROOT="$kokkos" -DKokkosKernels_ROOT="$kernels" >/dev/null
cmake --build "$build" -j "$(nproc)"
cd "$build" && ctest --output-on-failure
