#!/usr/bin/env bash
# Installs everything dynaopt needs on a fresh Debian machine and builds Kokkos + Kokkos Kernels
# (Serial + OpenMP, C++17, OpenBLAS TPL) from the sources shipped in Debian's trilinos source
# package. The install prefix is a cache: a second run with the prefix present returns at once.
#
#   DYNAOPT_DEPS   install prefix of the cache (default: $HOME/.cache/dynaopt-deps)
#
# Kokkos Kernels is installed without explicit template instantiation (header-only use, with
# its BLAS calls going to OpenBLAS): the full ETI build takes a quarter of an hour on 2 cores.
#
# Prints the Kokkos prefix on its last line so callers can pass it as -DKokkos_ROOT.
set -euo pipefail

prefix=${DYNAOPT_DEPS:-$HOME/.cache/dynaopt-deps}
stamp="$prefix/.complete"
log() { printf '[setup_deps] %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

debian_packages=(build-essential cmake dpkg-dev libopenmpi-dev openmpi-bin libyaml-cpp-dev
                 libopenblas-dev libgtest-dev libbenchmark-dev zlib1g-dev libboost-dev)
missing=()
for p in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >&2
fi

if [ -f "$stamp" ]; then
  log "Kokkos cache present at $prefix"
  echo "$prefix"
  exit 0
fi

work=$(mktemp -d /tmp/dynaopt-deps.XXXXXX)
trap 'rm -rf "$work"' EXIT

# A deb-src entry mirroring the machine's own deb entries, so apt-get source can see trilinos.
if ! apt-get source --print-uris trilinos >/dev/null 2>&1; then
  log "adding deb-src entries"
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
      as_root tee /etc/apt/sources.list.d/dynaopt-deb-src.sources >/dev/null
  else
    grep -h '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' |
      as_root tee /etc/apt/sources.list.d/dynaopt-deb-src.list >/dev/null
  fi
  as_root apt-get update -qq
fi

log "downloading the trilinos source package"
(cd "$work" && apt-get source --download-only trilinos >&2)
tarball=$(ls "$work"/trilinos_*.orig.tar.* | head -n 1)
log "extracting Kokkos from $(basename "$tarball")"
tar -xf "$tarball" -C "$work" --wildcards '*/packages/kokkos/*' '*/packages/kokkos-kernels/*'
src=$(dirname "$(ls -d "$work"/*/packages/kokkos)")

jobs=$(nproc)
log "building Kokkos (Serial + OpenMP, C++17)"
cmake -S "$src/kokkos" -B "$work/build-kokkos" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_CXX_STANDARD=17 -DCMAKE_CXX_EXTENSIONS=OFF \
  -DKokkos_ENABLE_SERIAL=ON -DKokkos_ENABLE_OPENMP=ON -DBUILD_SHARED_LIBS=OFF \
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON >&2
cmake --build "$work/build-kokkos" -j "$jobs" >&2
cmake --install "$work/build-kokkos" >&2

log "building Kokkos Kernels (BLAS TPL: OpenBLAS)"
cmake -S "$src/kokkos-kernels" -B "$work/build-kk" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$prefix" -DKokkos_ROOT="$prefix" -DBUILD_SHARED_LIBS=OFF \
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
  -DKokkosKernels_ENABLE_TPL_BLAS=ON -DBLAS_LIBRARIES=openblas \
  -DBLAS_LIBRARY_DIRS="$(dirname "$(realpath "$(ldconfig -p | awk '/libopenblas\.so /{print $NF; exit}')")")" \
  -DKokkosKernels_ADD_DEFAULT_ETI=OFF \
  -DKokkosKernels_ENABLE_TESTS=OFF -DKokkosKernels_ENABLE_EXAMPLES=OFF >&2
cmake --build "$work/build-kk" -j "$jobs" >&2
cmake --install "$work/build-kk" >&2

touch "$stamp"
log "installed into $prefix"
echo "$prefix"
