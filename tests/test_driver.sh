#!/usr/bin/env bash
# End-to-end checks of the dynaopt executable: --help, --check of every shipped deck, bad decks
# rejected on every rank with file:line:key and no output, 1 rank = 2 ranks, atomic output.
#   test_driver.sh DYNAOPT_EXE INPUTS_DIR MPIEXEC
set -u
exe=$1 inputs=$2 mpiexec=$3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 OMP_PROC_BIND=false OPENBLAS_NUM_THREADS=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
mpi() { timeout 120 "$mpiexec" --oversubscribe -n "$@"; }

# --help names every problem and optimizer type.
help=$("$exe" --help 2>&1) && ok || bad "--help exited non-zero"
for t in rosenbrock mnist dyna dyna_prototype nonlinear_heavy_ball nonlinear_nesterov nonlinear_mirror heavy_ball nesterov sgd adam; do
  grep -q "^  $t\$" <<<"$help" && ok || bad "--help does not list $t"
done

# Every shipped deck validates.
for deck in "$inputs"/*.yaml; do
  "$exe" --check "$deck" >/dev/null 2>&1 && ok || bad "--check rejects $deck"
done

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
check_bad kinetic_range "kinetic_range.yaml:4: optimizer.kinetic_exponent: must be > 1, got 1" "${base/type: dyna
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
grep -q "objective became" "$work/blowup.log" && ok || bad "blow-up: no message"
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

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
