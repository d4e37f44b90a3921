#!/usr/bin/env bash
# Builds dynaopt and runs the whole test suite (unit, MPI, driver and downstream tests).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
bash "$root/scripts/build.sh"
cd "$build"
ctest --output-on-failure
