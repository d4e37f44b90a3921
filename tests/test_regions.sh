#!/usr/bin/env bash
# The loop's phases are Kokkos profiling regions: a run of each problem type on 2 ranks with our
# tool library (region_recorder.cpp) loaded the way kokkos-tools are, every rank seeing every
# phase by name and every push popped.
#   test_regions.sh DYNAOPT_EXE TOOL_LIBRARY MPIEXEC
set -u
exe=$1 tool=$2 mpiexec=$3
here=$(dirname "$0")
source "$here/harness.sh"

regions() {  # name, expected regions, deck text
  local name=$1 expect=$2
  printf '%s\n' "$3" >"$work/$name.yaml"
  rm -f "$work/$name.regions."*
  DYNAOPT_REGIONS_FILE="$work/$name.regions" KOKKOS_PROFILE_LIBRARY="$tool" KOKKOS_TOOLS_LIBS="$tool" \
    mpi 2 -x DYNAOPT_REGIONS_FILE -x KOKKOS_PROFILE_LIBRARY -x KOKKOS_TOOLS_LIBS "$exe" "$work/$name.yaml" \
    >"$work/$name.log" 2>&1 || { bad "$name did not run: $(tail -3 "$work/$name.log")"; return; }
  local files=("$work/$name.regions."*)
  [ ${#files[@]} -eq 2 ] && ok || bad "$name: ${#files[@]} region files, expected one per rank"
  for f in "${files[@]}"; do
    for r in $expect balanced; do
      grep -qx -- "$r" "$f" && ok || bad "$name: $(basename "$f") lacks $r: $(tr '\n' ' ' <"$f")"
    done
  done
}

loop="dynaopt::force dynaopt::integrate dynaopt::constrain dynaopt::allreduce dynaopt::end_cycle dynaopt::output dynaopt::finish"
regions rosenbrock "$loop dynaopt::stationarity dynaopt::checkpoint" "problem: {type: rosenbrock, dimension: 8, x0: 0.5, bounds: {lower: -2, upper: 2}}
optimizer: {type: nesterov, step: 0.001, friction: 0.1}
run: {steps: 20, log_every: 5, checkpoint: {every: 10}}
output: {directory: $work/rosenbrock}"
python3 "$here/make_idx.py" "$work/idx" 300 50
regions mnist "$loop" "problem: {type: mnist, data: $work/idx, validation: 50, batch_size: 50, epochs: 2}
optimizer: {type: dyna, gamma: 0.1}
output: {directory: $work/mnist}"
regions nanosphere "$loop" "problem:
  type: nanosphere
  layers: [silver_drude, silica_malitson]
  band: {from: 400, to: 800, samples: 3, rule: simpson}
  bounds: {min_thickness: 5, max_radius: 60}
  starts: 4
optimizer: {type: dyna, gamma: 0.05}
run: {steps: 5, log_every: 0}
output: {directory: $work/nanosphere}"
# Restarting from the Rosenbrock run's checkpoint is a region too.
DYNAOPT_REGIONS_FILE="$work/restart.regions" KOKKOS_PROFILE_LIBRARY="$tool" KOKKOS_TOOLS_LIBS="$tool" \
  mpi 2 -x DYNAOPT_REGIONS_FILE -x KOKKOS_PROFILE_LIBRARY -x KOKKOS_TOOLS_LIBS "$exe" "$work/rosenbrock.yaml" \
  --restart "$work/rosenbrock/checkpoints" >"$work/restart.log" 2>&1 && cat "$work/restart.regions."* | grep -qx "dynaopt::restart" \
  && ok || bad "a restart pushes no dynaopt::restart region: $(tail -3 "$work/restart.log")"
finish
