#!/usr/bin/env bash
# End-to-end checks of the dynaopt executable: --help, --check of every shipped deck, bad decks
# rejected on every rank with file:line:key and no output, 1 rank = 2 ranks, atomic output.
#   test_driver.sh DYNAOPT_EXE INPUTS_DIR MPIEXEC
set -u
exe=$1 inputs=$2 mpiexec=$3
source "$(dirname "$0")/harness.sh"

# --help names every problem and optimizer type.
help=$("$exe" --help 2>&1) && ok || bad "--help exited non-zero"
for t in rosenbrock mnist nanosphere dyna dyna_prototype nonlinear_heavy_ball nonlinear_nesterov nonlinear_mirror heavy_ball nesterov sgd adam; do
  grep -q "^  $t\$" <<<"$help" && ok || bad "--help does not list $t"
done

# The registry is exhaustive: every optimizer --help lists builds and takes 20 steps of a
# short Rosenbrock deck on 2 ranks (a type this list lacks fails here until it is added).
declare -A settings=(
  [dyna]="gamma: 0.01" [dyna_prototype]="lr: 0.001" [nonlinear_heavy_ball]="step: 0.0001, friction: 0.05, damping_exponent: 1.9"
  [nonlinear_nesterov]="step: 0.0001, friction: 0.05, kinetic_exponent: 1.9" [heavy_ball]="step: 0.0001, friction: 0.05"
  [nonlinear_mirror]="step: 0.0001, friction: 0.05, mirror: {lp: 3}" [nesterov]="step: 0.0001, friction: 0.05"
  [sgd]="lr: 0.0001" [adam]="lr: 0.01")
listed=$(sed -n '/^optimizer.type:/,/^$/p' <<<"$help" | grep -E '^  [a-z_]+$' | tr -d ' ')
[ "$(wc -w <<<"$listed")" -eq "${#settings[@]}" ] && ok || bad "--help lists $(wc -w <<<"$listed") optimizers, this test knows ${#settings[@]}"
for t in $listed; do
  [ -n "${settings[$t]:-}" ] || { bad "no short deck for optimizer $t"; continue; }
  printf 'problem: {type: rosenbrock, dimension: 4, x0: [-1.2, 1, -1.2, 1]}\noptimizer: {type: %s, %s}\nrun: {steps: 20, log_every: 0}\noutput: {directory: %s}\n' \
    "$t" "${settings[$t]}" "$work/registry_$t" >"$work/registry_$t.yaml"
  mpi 2 "$exe" "$work/registry_$t.yaml" >"$work/registry_$t.log" 2>&1 && grep -q "^optimizer: $t\$" "$work/registry_$t/result.yaml" \
    && grep -q '^steps: 20$' "$work/registry_$t/result.yaml" && ok || bad "optimizer $t did not run: $(tail -2 "$work/registry_$t.log")"
done
# --help is dynaopt's own; Kokkos' options are under --kokkos-help.
! grep -q -- "--kokkos-threads\|--kokkos-num-threads" <<<"$help" && ok || bad "--help prints Kokkos' options"
"$exe" --kokkos-help 2>&1 | grep -q -- "--kokkos-" && ok || bad "--kokkos-help does not print Kokkos' options"

# Every shipped deck validates: --check builds the problem and the optimizer as a run would, so
# an MNIST deck whose data this machine lacks fails there, and for that reason only.
for deck in "$inputs"/*.yaml; do
  log=$("$exe" --check "$deck" 2>&1) && grep -q "deck is valid" <<<"$log" && ok \
    || { grep -q "cannot open the IDX file" <<<"$log" && grep -q "type: mnist" "$deck" && ok; } \
    || bad "--check rejects $deck: $log"
done
# --check makes the checks a run makes before its first step, and writes nothing.
python3 "$(dirname "$0")/make_idx.py" "$work/small_idx" 60 20
printf 'problem: {type: mnist, data: %s, batch_size: 10}\noptimizer: {type: adam}\noutput: {directory: %s}\n' \
  "$work/small_idx" "$work/out_check" >"$work/check_validation.yaml"
log=$("$exe" --check "$work/check_validation.yaml" 2>&1); status=$?
[ $status -eq 1 ] && grep -q "problem.validation: 10000 hold-out images leave none of the 60 to train on" <<<"$log" \
  && [ ! -e "$work/out_check" ] && ok || bad "--check of a hold-out larger than the data: status $status, $log"
sed -i 's/batch_size: 10/batch_size: 10, validation: 20/' "$work/check_validation.yaml"
"$exe" --check "$work/check_validation.yaml" 2>&1 | grep -q "deck is valid" && [ ! -e "$work/out_check" ] && ok \
  || bad "--check of a good MNIST deck failed or wrote output"

# Bad decks: exit status 1 on every rank, the message names file:line and key, no output.
check_bad() {  # name, expected message, deck text
  local name=$1 expect=$2 deck="$work/$1.yaml" out="$work/out_$1"
  printf '%s\n' "$3" | sed "s#@OUT@#$out#" >"$deck"
  local log status
  log=$(mpi 2 "$exe" "$deck" 2>&1); status=$?
  [ $status -eq 1 ] && ok || bad "$name: exit status $status, expected 1"
  grep -qF -- "$expect" <<<"$log" && ok || bad "$name: message lacks '$expect': $log"
  [ ! -e "$out" ] && ok || bad "$name: left output in $out"
}
base='problem: {type: rosenbrock, dimension: 2, x0: [-2, 3]}
optimizer:
  type: dyna
  gamma: 0.01
output: {directory: @OUT@}'
check_bad unknown_key "unknown_key.yaml:5: optimizer.gama: unknown key (did you mean 'gamma'?)" "${base/gamma: 0.01/gamma: 0.01
  gama: 1}"
check_bad wrong_type "wrong_type.yaml:4: optimizer.gamma: expected a number, got 'big'" "${base/gamma: 0.01/gamma: big}"
check_bad missing_key "missing_key.yaml:4: optimizer.type: missing required key" "${base/type: dyna/}"
check_bad damping_range "damping_range.yaml:5: optimizer.damping_ratio: must be (0, 2], got 2.5" "${base/gamma: 0.01/gamma: 0.01
  damping_ratio: 2.5}"
check_bad beta_range "beta_range.yaml:5: optimizer.beta: must be [0, 1), got 1" "${base/gamma: 0.01/gamma: 0.01
  beta: 1}"
check_bad kinetic_range "kinetic_range.yaml:4: optimizer.kinetic_exponent: must be (1, 8], got 1" "${base/type: dyna
  gamma: 0.01/type: nonlinear_heavy_ball
  kinetic_exponent: 1
  step: 0.1
  friction: 0.1}"
check_bad duplicate "duplicate.yaml:5: duplicate key 'gamma'" "${base/gamma: 0.01/gamma: 0.01
  gamma: 0.02}"
check_bad syntax "syntax.yaml:1: YAML syntax error" "${base/x0: \[-2, 3\]/x0: [-2, 3}"
box='type: nonlinear_mirror
  step: 0.1
  friction: 0.1
  mirror: {box: {lower: 0, upper: 1}}'
check_bad outside_box "the starting point must lie strictly inside (0, 1), but parameter 0 is -2" "${base/type: dyna
  gamma: 0.01/$box}"
"$exe" "$work/does_not_exist.yaml" >/dev/null 2>&1; [ $? -eq 1 ] && ok || bad "a missing deck must exit 1"
# A deck that is not a regular file, or is too large, is refused before it is read: no hang on an
# endless stream, exit 1 on every rank with the reason.
mkfifo "$work/fifo.yaml"
head -c 5000000 /dev/zero | tr '\0' '#' >"$work/huge.yaml"
for case in "/dev/zero|not a regular file (a device)" "$work/fifo.yaml|not a regular file (a pipe (FIFO))" \
            "$work|not a regular file (a directory)" "$work/huge.yaml|5000000 bytes; a deck is at most 4 MiB"; do
  path=${case%%|*} expect=${case#*|}
  log=$(mpi 2 "$exe" "$path" 2>&1); status=$?
  [ $status -eq 1 ] && grep -qF -- "$path: $expect" <<<"$log" && ok || bad "deck $path: status $status, $log"
done
# Output directories that cannot be made are configuration errors (exit 1, file:line:key, on
# every rank, no MPI_Abort), found before any work, by --check too.
touch "$work/a_file"
check_bad output_is_file "output_is_file.yaml:5: output.directory: $work/a_file exists and is not a directory" \
  "${base/@OUT@/$work/a_file}"
check_bad output_under_file "output.directory: $work/a_file exists and is not a directory" "${base/@OUT@/$work/a_file/run1}"
check_bad checkpoint_under_file "run.checkpoint.directory: $work/a_file exists and is not a directory" \
  "$base
run: {steps: 5, checkpoint: {every: 1, directory: $work/a_file/checkpoints}}"
log=$(mpi 2 "$exe" "$work/output_is_file.yaml" 2>&1)
! grep -qi "mpi_abort" <<<"$log" && ok || bad "an unusable output directory went through MPI_Abort: $log"
log=$("$exe" --check "$work/output_is_file.yaml" 2>&1); [ $? -eq 1 ] && grep -qF "output.directory:" <<<"$log" && ok \
  || bad "--check accepts an output directory that is a file: $log"
# What a run will hold is estimated from the deck before any allocation and printed (--check
# too); a run no node can hold is refused with the key that sizes it, exit 1 on every rank,
# within moments and without growing (Adam's x, g, m, v of 1e13 doubles: 320 TB per rank).
check_bad too_large "too_large.yaml:1: problem.dimension: 10000000000000 parameters need 160 TB per rank for x, g and Adam's two moments" \
  "problem: {type: rosenbrock, dimension: 10000000000000}
optimizer: {type: adam}
output: {directory: @OUT@}"
start=$SECONDS
log=$(mpi 2 "$exe" "$work/too_large.yaml" 2>&1); status=$?
[ $status -eq 1 ] && [ $((SECONDS - start)) -lt 30 ] && grep -qF "320 TB for the 2 ranks sharing this node" <<<"$log" \
  && ! grep -qi "mpi_abort" <<<"$log" && ok || bad "too large a deck on 2 ranks: status $status, $log"
grep -qF "memory per rank (estimated before allocating): min 160 TB, mean 160 TB, max 160 TB (rank 0), total 320 TB on 2 rank(s)" <<<"$log" \
  && ok || bad "the estimate is not printed before the refusal: $log"
log=$("$exe" --check "$inputs/rosenbrock_adam.yaml" 2>&1)
grep -q "^memory per rank (estimated before allocating): min .*, total .* on 1 rank(s)$" <<<"$log" \
  && grep -q "available (MemAvailable\|available (the memory limit of cgroup" <<<"$log" && ok || bad "--check prints no memory estimate: $log"
check_bad memory_check "memory_check.yaml:6: run.memory_check: 'maybe' is not one of: refuse, warn" "$base
run: {memory_check: maybe}"
check_bad missing_data "$work/no_data/train-images-idx3-ubyte: cannot open the IDX file" "problem: {type: mnist, data: $work/no_data, batch_size: 10}
optimizer: {type: adam}
output: {directory: @OUT@}"
check_bad batching "give exactly one of batches_per_epoch" "problem: {type: mnist, data: x, batch_size: 10, batches_per_epoch: 3}
optimizer: {type: adam}
output: {directory: @OUT@}"

# A run that blows up exits 2 on every rank and leaves no history or result behind.
printf '%s\n' "${base/gamma: 0.01/gamma: 0.01}" | sed "s#@OUT@#$work/out_blowup#; s#type: dyna#type: sgd#; s#gamma: 0.01#lr: 10#" >"$work/blowup.yaml"
mpi 2 "$exe" "$work/blowup.yaml" >"$work/blowup.log" 2>&1; status=$?
[ $status -eq 2 ] && ok || bad "blow-up: exit status $status, expected 2"
grep -q "non-finite step in a row" "$work/blowup.log" && ok || bad "blow-up: no message"
[ -z "$(ls -A "$work/out_blowup" 2>/dev/null)" ] && ok || bad "blow-up left files: $(ls "$work/out_blowup")"

# 1 rank and 2 ranks give bit-identical parameters (the halo exchange changes nothing).
for n in 1 2; do
  cat >"$work/split$n.yaml" <<DECK
problem: {type: rosenbrock, dimension: 9, x0: [-2, 3, -1, 0.5, 2, -1.5, 0.3, 1.2, 0.9]}
optimizer: {type: nonlinear_nesterov, step: 0.0001, friction: 0.05, damping_exponent: 1.9, kinetic_exponent: 1.8}
run: {steps: 500, log_every: 0, history_every: 50}
output: {directory: $work/split$n}
DECK
  mpi $n "$exe" "$work/split$n.yaml" >/dev/null 2>&1 || bad "split run on $n ranks failed"
done
x1=$(grep '^x:' "$work/split1/result.yaml") x2=$(grep '^x:' "$work/split2/result.yaml")
[ -n "$x1" ] && [ "$x1" = "$x2" ] && ok || bad "1 and 2 ranks differ: '$x1' vs '$x2'"
head -n 1 "$work/split1/history.csv" | grep -q '^step,objective,' && ok || bad "history.csv header"
[ "$(wc -l <"$work/split1/history.csv")" -eq 11 ] && ok || bad "history.csv should have a header and 10 rows"
grep -q '^objective: ' "$work/split1/result.yaml" && ok || bad "result.yaml lacks objective"
[ -z "$(find "$work/split1" "$work/split2" -name '*.tmp*')" ] && ok || bad "temporary files left behind"

# Nanosphere, evaluate mode: the issue's reference cross-sections of Ag (Drude) r 40 / SiO2
# (n 1.45) to 60 / Ag to 75 nm in vacuum (rel 1e-10), their mean as the band average over the
# five wavelengths, and its gradient against a central difference of two more runs.
evaluate_deck() {  # name, core thickness
  cat >"$work/$1.yaml" <<DECK
problem:
  type: nanosphere
  layers: [silver_drude, {index: [1.45, 0]}, silver_drude]
  thickness: [$2, 20, 15]
  wavelengths: [400, 500, 600, 700, 800]
run: {mode: evaluate}
output: {directory: $work/$1}
DECK
  mpi 2 "$exe" "$work/$1.yaml" >/dev/null 2>&1 || bad "evaluate run $1 failed"
}
evaluate_deck eval 40
evaluate_deck eval_plus 40.001
evaluate_deck eval_minus 39.999
python3 - "$work" <<'PY' && ok || bad "evaluate: spectrum or band average off the reference"
import csv, sys
w = sys.argv[1]
reference = [1127.1100135110238, 13858.342832549115, 592.29198027359307, 4542.4109765005445, 2952.9555489583286]
rows = list(csv.DictReader(open(w + "/eval/spectrum.csv")))
assert list(rows[0]) == ["wavelength_nm", "cabs_nm2", "qabs", "dcabs_dt1", "dcabs_dt2", "dcabs_dt3"], list(rows[0])
for row, ref in zip(rows, reference):
    assert abs(float(row["cabs_nm2"]) - ref) <= 1e-10 * ref, (row, ref)
def result(name):
    return dict(line.split(": ", 1) for line in open(w + "/" + name + "/result.yaml") if ": " in line)
r = result("eval")
average = float(r["band_average"])
assert abs(average - sum(reference) / 5) <= 1e-10 * average, average
gradient = [float(g) for g in r["gradient"].strip("[]\n").split(",")]
difference = (float(result("eval_plus")["band_average"]) - float(result("eval_minus")["band_average"])) / 0.002
assert abs(gradient[0] - difference) <= 1e-6 * abs(difference), (gradient[0], difference)
# The per-wavelength derivative columns average to the band gradient.
assert abs(sum(float(row["dcabs_dt2"]) for row in rows) / 5 - gradient[1]) <= 1e-10 * abs(gradient[1])
PY

# Nanosphere decks with mistakes: file:line:key, exit 1 on both ranks, no output.
nano='problem:
  type: nanosphere
  layers: [silver_drude, silica_malitson, silver_drude]
  thickness: [40, 20, 15]
  starts: 4
optimizer: {type: dyna, gamma: 0.05}
run: {steps: 5}
output: {directory: @OUT@}'
check_bad material "material.yaml:3: problem.layers[1]: unknown material 'silica_malitsen'" "${nano/silica_malitson/silica_malitsen}"
# (A replacement holding '}' goes through a variable: inside ${x/a/b} it would end the expansion.)
r='{glass: 1}'; check_bad layer_kind "layer_kind.yaml:3: problem.layers[1]: expected a material name or" "${nano/silica_malitson/$r}"
r='[{silver_drude: {plasma: 9}},'
check_bad drude_key "drude_key.yaml:3: problem.layers[0].silver_drude.plasma: unknown key" "${nano/\[silver_drude,/$r}"
check_bad thickness_count "thickness_count.yaml:4: problem.thickness: has 2 values for 3 layers" "${nano/\[40, 20, 15\]/[40, 20]}"
check_bad infeasible_start "infeasible_start.yaml:4: problem.thickness: start 0 must satisfy the bounds" "${nano/\[40, 20, 15\]/[40, 2, 15]}"
r='starts: 4
  bounds: {max_radius: 12}'
check_bad no_design "no_design.yaml:6: problem.bounds.max_radius: is below layers x min_thickness" "${nano/starts: 4/$r}"
r='starts: 4
  band: {samples: 400}'
check_bad simpson_even "simpson_even.yaml:6: problem.band.samples: Simpson's rule needs an odd number" "${nano/starts: 4/$r}"
r='run: {mode: evaluate}'
check_bad evaluate_design "evaluate_design.yaml:2: problem.thickness: is required when run.mode is evaluate" "$(sed '/thickness:/d; /starts:/d; /optimizer:/d' <<<"${nano/run: \{steps: 5\}/$r}")"
r='run: {steps: 5, precision: float}'
check_bad float_nano "nanosphere problems run in double precision" "${nano/run: \{steps: 5\}/$r}"
r="{table: $work/none.csv}"
check_bad missing_table "$work/none.csv: cannot open the refractive index table" "${nano/silica_malitson/$r}"
printf 'wavelength_nm,n,k\n300,1.5,0\n900,1.5,0\n500,1.5,0\n' >"$work/decreasing.csv"
r="{table: $work/decreasing.csv}"
check_bad table_order "$work/decreasing.csv:4: wavelengths must increase strictly" "${nano/silica_malitson/$r}"
printf '300 1.5 0\n700 1.5 0\n' >"$work/short.csv"
r="{table: $work/short.csv}"
check_bad table_range "problem.layers[1]: $work/short.csv covers 300-700 nm, not 700.5 nm" "${nano/silica_malitson/$r}"
r='starts: 4
  bounds: {max_radius: 3000}'
check_bad too_large "problem.bounds.max_radius: a 3000 nm sphere at" "${nano/starts: 4/$r}"

# Optimize mode: 1 and 2 ranks give the same starts, the same best design and the same optima.
for n in 1 2; do
  cat >"$work/nano$n.yaml" <<DECK
problem:
  type: nanosphere
  layers: [silver_drude, silica_malitson, {table: $work/glass.csv}]
  thickness: [40, 20, 15]
  band: {from: 400, to: 800, samples: 41}
  objective: qabs
  thickness_unit: 100
  starts: 5
optimizer: {type: nonlinear_heavy_ball, step: 0.001, friction: 0.1, damping_exponent: 1.95, kinetic_exponent: 1.95}
run: {steps: 60, log_every: 0, history_every: 10}
output: {directory: $work/nano$n}
DECK
done
printf '# constant glass\nwavelength_nm, n, k\n300, 1.5, 0\n900, 1.5, 0\n' >"$work/glass.csv"
for n in 1 2; do mpi $n "$exe" "$work/nano$n.yaml" >/dev/null 2>&1 || bad "nanosphere run on $n ranks failed"; done
cut -d, -f1,3- "$work/nano1/starts.csv" >"$work/starts1" && cut -d, -f1,3- "$work/nano2/starts.csv" >"$work/starts2"
[ "$(wc -l <"$work/starts1")" -eq 6 ] && cmp -s "$work/starts1" "$work/starts2" && ok || bad "starts.csv differs between 1 and 2 ranks"
[ "$(cut -d, -f2 "$work/nano2/starts.csv" | sort -u | tr '\n' ' ')" = "0 1 rank " ] && ok || bad "2 ranks did not share the starts"
diff <(without_clock "$work/nano1/result.yaml" | sed 1,4d) <(without_clock "$work/nano2/result.yaml" | sed 1,4d) >/dev/null && ok || bad "result.yaml differs between 1 and 2 ranks"
grep -q '^distinct_optima:' "$work/nano1/result.yaml" && grep -q '^  objective: ' "$work/nano1/result.yaml" && ok || bad "result.yaml lacks the best design or the optima"
[ "$(head -n 1 "$work/nano1/history.csv")" = "step,best_objective,mean_objective,active_starts,best_kinetic_energy,best_total_energy,kinetic_energy,total_energy,skipped,seconds" ] && [ "$(wc -l <"$work/nano1/history.csv")" -eq 7 ] && ok || bad "nanosphere history.csv"

# Optimize mode also writes the best design's spectrum, and starts.csv the certificate and the
# best design visited; the counts of result.yaml add up to the starts.
[ "$(head -n 1 "$work/nano1/spectrum.csv")" = "wavelength_nm,cabs_nm2,qabs,dcabs_dt1,dcabs_dt2,dcabs_dt3" ] && \
  [ "$(wc -l <"$work/nano1/spectrum.csv")" -eq 42 ] && ok || bad "optimize mode's spectrum.csv"
head -n 1 "$work/nano1/starts.csv" | grep -q ',t3,stationarity,best_objective,best_t1,best_t2,best_t3$' && ok \
  || bad "starts.csv header: $(head -n 1 "$work/nano1/starts.csv")"
awk '/^(converged|stalled|max_steps|failed):/ {n += $2} END {exit n == 5 ? 0 : 1}' "$work/nano1/result.yaml" && ok \
  || bad "result.yaml's status counts do not add up to the starts"

# Bounds on Rosenbrock: the shipped deck ends at its KKT point (0.8, 0.64), certified; a sum
# bound on a vector split over ranks is refused by name, and so is a start outside the bounds.
sed "s#directory: .*#directory: $work/bounded#" "$inputs/rosenbrock_bounded_nesterov.yaml" >"$work/bounded.yaml"
"$exe" "$work/bounded.yaml" >/dev/null 2>&1 && grep -q '^converged: true' "$work/bounded/result.yaml" && \
  awk '/^x:/ {gsub(/[][,]/, " "); exit ($2 - 0.8)^2 + ($3 - 0.64)^2 < 1e-12 ? 0 : 1}' "$work/bounded/result.yaml" && ok \
  || bad "bounded Rosenbrock did not end certified at (0.8, 0.64): $(tail -n 3 "$work/bounded/result.yaml" 2>&1)"
sed -i 's/bounds: {lower: -2, upper: 0.8}/bounds: {lower: -2, upper: 0.8, max_sum: 1}/' "$work/bounded.yaml"
log=$(mpi 2 "$exe" "$work/bounded.yaml" 2>&1); status=$?
[ $status -eq 1 ] && grep -q "problem.bounds: a sum bound needs each group held by one rank" <<<"$log" && ok \
  || bad "a split sum bound: status $status, $log"
sed -i 's/x0: \[-1.5, 0.5\]/x0: [-1.5, 1.5]/' "$work/bounded.yaml"
log=$("$exe" --check "$work/bounded.yaml" 2>&1); status=$?
[ $status -eq 1 ] && grep -q "problem.x0: x0\[1\] = 1.5 is outside problem.bounds" <<<"$log" && ok || bad "x0 outside the bounds: $log"

finish
