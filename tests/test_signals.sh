#!/usr/bin/env bash
# Long runs on a cluster, end to end on 2 ranks:
# - a stop signal at a random step of each problem type (Rosenbrock, MNIST on generated data,
#   a nanosphere multi-start batch) ends every rank with exit 3, a checkpoint and outputs that
#   say `status: interrupted`; --restart from it writes the files of the run that never stopped,
#   byte for byte but for the wall-clock columns (history's `seconds`, result.yaml's `seconds`
#   and `timing:`);
# - SIGUSR1 at a random step writes a checkpoint there and the run ends as if undisturbed;
# - real signals sent to Open MPI's mpirun: SIGUSR1 and SIGUSR2 are forwarded, SIGTERM is
#   forwarded with a second's grace (what the README says);
# - run.wall_time ends a run that would take minutes inside its limit;
# - an exception on one rank (DYNAOPT_TEST_FAIL) ends both within seconds with its message and
#   no output files;
# - the timing breakdown: every phase in the log and in result.yaml, the shares adding up to 1.
#   test_signals.sh DYNAOPT_EXE MPIEXEC
set -u
exe=$1 mpiexec=$2
here=$(cd "$(dirname "$0")" && pwd)
source "$here/harness.sh"

# same NAME A B: every csv and result.yaml of A equals B's but for the wall clock (harness.sh).
same() {
  local f
  for f in "$2"/*.csv "$2"/result.yaml; do
    cmp -s <(without_clock "$f") <(without_clock "$3/$(basename "$f")") && ok \
      || bad "$1: $(basename "$f") differs from the undisturbed run's"
  done
}
# less A B: whether A < B (decimal numbers).
less() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a < b)}'; }
now() { date +%s.%N; }

# interrupt NAME FIRST LAST DECK [PER_EPOCH]: the undisturbed run, then one stopped by SIGTERM
# raised on rank 1 at a random step in [FIRST, LAST], then resumed; and one given SIGUSR1 there.
# PER_EPOCH: the steps of an epoch, for MNIST, whose checkpoint at an epoch's last step is
# named by the epoch alone.
interrupt() {
  local name=$1 step=$((RANDOM % ($3 - $2 + 1) + $2)) deck=$4 per_epoch=${5:-0} d
  local at="step $step"
  [ "$per_epoch" -gt 0 ] && [ $((step % per_epoch)) -eq 0 ] && at="epoch $((step / per_epoch))"
  for d in full cut usr1; do sed "s#@OUT@#$work/${name}_$d#" <<<"$deck" >"$work/${name}_$d.yaml"; done
  mpi 2 "$exe" "$work/${name}_full.yaml" >"$work/${name}_full.log" 2>&1 || { bad "$name: run failed: $(tail -3 "$work/${name}_full.log")"; return; }
  grep -q '^status: done$' "$work/${name}_full/result.yaml" && ok || bad "$name: the undisturbed run is not status: done"

  DYNAOPT_TEST_SIGNAL=TERM:$step:1 mpi 2 -x DYNAOPT_TEST_SIGNAL "$exe" "$work/${name}_cut.yaml" >"$work/${name}_cut.log" 2>&1
  local status=$?
  [ $status -eq 3 ] && ok || bad "$name: SIGTERM at step $step: exit status $status, expected 3: $(tail -3 "$work/${name}_cut.log")"
  grep -q "^stopping after step $step: SIGTERM received" "$work/${name}_cut.log" && ok || bad "$name: no stop after step $step in the log"
  grep -q '^status: interrupted$' "$work/${name}_cut/result.yaml" && grep -q '^stopped_by: SIGTERM$' "$work/${name}_cut/result.yaml" \
    && grep -q "^step: $step\$" "$work/${name}_cut/result.yaml" && ok || bad "$name: result.yaml does not say interrupted at step $step"
  [ -n "$(ls "$work/${name}_cut/checkpoints/"*.dck 2>/dev/null)" ] && ok || bad "$name: the stop wrote no checkpoint"
  mpi 2 "$exe" "$work/${name}_cut.yaml" --restart "$work/${name}_cut/checkpoints" >"$work/${name}_resume.log" 2>&1 \
    && ok || { bad "$name: resume after step $step failed: $(tail -3 "$work/${name}_resume.log")"; return; }
  same "$name (stopped after step $step, resumed)" "$work/${name}_full" "$work/${name}_cut"

  DYNAOPT_TEST_SIGNAL=USR1:$step:0 mpi 2 -x DYNAOPT_TEST_SIGNAL "$exe" "$work/${name}_usr1.yaml" >"$work/${name}_usr1.log" 2>&1 \
    && ok || bad "$name: SIGUSR1 at step $step ended the run: $(tail -3 "$work/${name}_usr1.log")"
  grep -Eq "^checkpoint .*$at -> " "$work/${name}_usr1.log" && ok || bad "$name: SIGUSR1 at step $step wrote no checkpoint there ($at)"
  same "$name (SIGUSR1 at step $step)" "$work/${name}_full" "$work/${name}_usr1"
}

rosenbrock='problem: {type: rosenbrock, dimension: 9, x0: [-2, 3, -1, 2, 0.5, 1.5, -0.5, 2.5, 1]}
optimizer: {type: dyna, gamma: 0.02, beta: 0.9, damping_ratio: {ramp: {from: 0.5, to: 1, steps: 150}}, restart_on_increase: true}
run: {steps: 400, log_every: 50, history_every: 3, checkpoint: {every: 100}}
output: {directory: @OUT@}'
interrupt rosenbrock 2 399 "$rosenbrock"

python3 "$here/make_idx.py" "$work/idx" 600 100
mnist="problem: {type: mnist, data: $work/idx, validation: 100, batch_size: 50, epochs: 5, seed: 3}
optimizer: {type: dyna, gamma: 0.5, damping_ratio: {ramp: {from: 0.5, to: 1.0, steps: 20}}, restart_on_increase: true}
output: {directory: @OUT@}"
# 10 batches an epoch: most steps are within one (the checkpoint draws its order again).
interrupt mnist 2 49 "$mnist" 10

nano="$nanosphere_batch
run: {steps: 120, log_every: 10, history_every: 7}
output: {directory: @OUT@}"
interrupt nanosphere 2 100 "$nano"

# The timing breakdown of a run: every phase and `other` in the log's table and result.yaml,
# min <= mean <= max, the shares summing to 1.
result=$work/rosenbrock_full/result.yaml
for phase in force stationarity integrate constrain allreduce end_cycle output checkpoint other; do
  grep -Eq "^  $phase +[0-9.e+-]+ +[0-9.e+-]+ +[0-9.e+-]+ +[0-9.]+%$" "$work/rosenbrock_full.log" && ok \
    || bad "the log's timing table lacks $phase"
  grep -q "^  $phase: {min: .*, mean: .*, max: .*, share: .*}$" "$result" && ok || bad "result.yaml's timing lacks $phase"
done
awk -F'[:,{} ]+' '/^  [a-z_]+: \{min/ {if ($4 > $6 || $6 > $8) bad = 1; s += $10} END {exit !(!bad && s > 0.999 && s < 1.001)}' "$result" \
  && ok || bad "result.yaml's timing: min > mean > max, or the shares do not sum to 1: $(sed -n '/^timing:/,$p' "$result")"
grep -Eq '^step +50 .* elapsed [0-9.]+ [mu]?s  [0-9.]+ [mu]?s/step  ETA [0-9.]+ [mu]?s$' "$work/rosenbrock_full.log" && ok \
  || bad "the log lines lack elapsed, s/step and ETA: $(grep -m1 '^step  *50 ' "$work/rosenbrock_full.log")"
[ "$(head -n 1 "$work/nanosphere_full/history.csv" | awk -F, '{print $NF}')" = seconds ] && ok || bad "nanosphere's history lacks seconds"

# Real signals, sent to mpirun as a batch system or a user would, while a long run is under way.
long='problem: {type: rosenbrock, dimension: 20000, x0: 0.5}
optimizer: {type: heavy_ball, step: 0.0001, friction: 0.1}
run: {steps: 100000000, log_every: 1000, history_every: 1000}
output: {directory: @OUT@}'
# send NAME SIGNALS...: starts the long run, waits for its first log line, sends each signal (a
# second apart) to mpirun; mpirun's exit status in $sent.
send() {
  local name=$1 s
  shift
  sed "s#@OUT@#$work/$name#" <<<"$long" >"$work/$name.yaml"
  timeout 120 "$mpiexec" --oversubscribe -n 2 "$exe" "$work/$name.yaml" >"$work/$name.log" 2>&1 &
  local pid=$!
  for s in $(seq 200); do grep -q '^step ' "$work/$name.log" && break; sleep 0.1; done
  for s in "$@"; do pkill -"$s" -P "$pid"; sleep 1; done  # timeout's one child: mpirun
  wait "$pid"
  sent=$?
}
send mpirun_usr1 USR1 USR2
[ $sent -eq 3 ] && ok || bad "SIGUSR1 then SIGUSR2 to mpirun: exit status $sent, expected 3: $(tail -3 "$work/mpirun_usr1.log")"
[ "$(ls "$work/mpirun_usr1/checkpoints" | wc -l)" -eq 2 ] && grep -q '^stopped_by: SIGUSR2$' "$work/mpirun_usr1/result.yaml" && ok \
  || bad "SIGUSR1 and SIGUSR2 forwarded by mpirun: $(ls "$work/mpirun_usr1/checkpoints"), $(grep stopped_by "$work/mpirun_usr1/result.yaml")"
send mpirun_term TERM
grep -q '^stopped_by: SIGTERM$' "$work/mpirun_term/result.yaml" 2>/dev/null && [ -n "$(ls "$work/mpirun_term/checkpoints")" ] && ok \
  || bad "SIGTERM to mpirun: the ranks did not stop with a checkpoint within its grace: $(tail -3 "$work/mpirun_term.log")"

# run.wall_time: a run of many minutes stops inside a 3 s limit, with its checkpoint.
sed "s#@OUT@#$work/walltime#; s#log_every: 1000,#log_every: 1000, wall_time: '00:00:03',#" <<<"$long" >"$work/walltime.yaml"
begun=$(now)
mpi 2 "$exe" "$work/walltime.yaml" >"$work/walltime.log" 2>&1
status=$? took=$(awk -v a="$(now)" -v b="$begun" 'BEGIN {print a - b}')
[ $status -eq 3 ] && grep -q '^stopped_by: run.wall_time$' "$work/walltime/result.yaml" && ok \
  || bad "wall_time: exit status $status: $(tail -3 "$work/walltime.log")"
# The ranks' loop ends inside the limit, having used most of it; mpirun's start and, after a
# non-zero exit, its abort sequence (about 2 s here: odls_base_sigkill_timeout twice) come on top.
loop=$(sed -n 's/^  loop: {min: [^,]*, mean: [^,]*, max: \([^,}]*\)}$/\1/p' "$work/walltime/result.yaml")
less 1.5 "$loop" && less "$loop" 3 && ok || bad "wall_time 3 s: the loop took '$loop' s"
less "$took" 8 && ok || bad "wall_time 3 s: the run took $took s"
printf '%s\n' "${long/log_every: 1000,/wall_time: '3:00',}" | sed "s#@OUT@#$work/bad#" >"$work/bad_wall.yaml"
out=$(mpi 2 "$exe" "$work/bad_wall.yaml" 2>&1)
[ $? -eq 1 ] && grep -q "bad_wall.yaml:3: run.wall_time: expected a positive time limit HH:MM:SS" <<<"$out" && ok \
  || bad "wall_time '3:00' was not refused by name: $out"

# One rank's failure: both end within seconds, with its message, leaving no output file.
sed "s#@OUT@#$work/failed#" <<<"$long" >"$work/failed.yaml"
begun=$(now)
DYNAOPT_TEST_FAIL=300:1 mpi 2 -x DYNAOPT_TEST_FAIL "$exe" "$work/failed.yaml" >"$work/failed.log" 2>&1
status=$? took=$(awk -v a="$(now)" -v b="$begun" 'BEGIN {print a - b}')
[ $status -ne 0 ] && [ $status -ne 124 ] && less "$took" 15 && ok \
  || bad "a failure on rank 1: exit status $status after $took s"
grep -q 'rank 1: run failed: injected failure (DYNAOPT_TEST_FAIL) at step 300 on rank 1' "$work/failed.log" && ok \
  || bad "the failing rank's message is missing: $(tail -5 "$work/failed.log")"
[ -z "$(ls "$work/failed" 2>/dev/null)" ] && ok || bad "the failed run left files: $(ls "$work/failed")"
finish
