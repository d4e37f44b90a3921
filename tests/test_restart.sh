#!/usr/bin/env bash
# Checkpoint and restart, end to end: a run killed in the middle of writing a checkpoint and
# resumed from the directory's newest complete checkpoint writes the same files, bit for bit,
# as the run that was never interrupted (Rosenbrock, MNIST and nanosphere; 1 and 2 ranks); and a
# checkpoint that does not fit the deck is refused with the reason.
#   test_restart.sh DYNAOPT_EXE MPIEXEC
set -u
exe=$1 mpiexec=$2
here=$(cd "$(dirname "$0")" && pwd)
source "$(dirname "$0")/harness.sh"

# resume NAME RANKS KILL_AT DECK EVERY: runs DECK uninterrupted (NAME_full), then killed by the
# test hook halfway through writing checkpoint KILL_AT (NAME_cut), then resumed from NAME_cut's
# checkpoint directory (the one before KILL_AT: KILL_AT - EVERY); the output files must match
# but for their wall-clock readings (harness.sh's without_clock).
resume() {
  local name=$1 ranks=$2 kill_at=$3 deck=$4 full="$work/$1_full" cut="$work/$1_cut"
  sed "s#@OUT@#$full#" <<<"$deck" >"$work/$name.full.yaml"
  sed "s#@OUT@#$cut#" <<<"$deck" >"$work/$name.cut.yaml"
  mpi "$ranks" "$exe" "$work/$name.full.yaml" >"$work/$name.full.log" 2>&1 || { bad "$name: run failed: $(tail -3 "$work/$name.full.log")"; return; }
  DYNAOPT_TEST_KILL_IN_CHECKPOINT=$kill_at mpi "$ranks" -x DYNAOPT_TEST_KILL_IN_CHECKPOINT "$exe" "$work/$name.cut.yaml" \
    >"$work/$name.cut.log" 2>&1 && bad "$name: the run was not killed at checkpoint $kill_at" || ok
  [ ! -e "$cut/history.csv" ] && [ ! -e "$cut/result.yaml" ] && ok || bad "$name: the killed run left output files"
  ls "$cut/checkpoints/" | grep -q "\.dck\.tmp\." && ok || bad "$name: no half-written checkpoint was left to survive"
  mpi "$ranks" "$exe" "$work/$name.cut.yaml" --restart "$cut/checkpoints" >"$work/$name.resume.log" 2>&1 \
    && ok || { bad "$name: resume failed: $(tail -3 "$work/$name.resume.log")"; return; }
  grep -q "^restart from .*checkpoint-0*$((kill_at - $5)).dck" "$work/$name.resume.log" && ok \
    || bad "$name: did not resume from the last complete checkpoint: $(grep restart "$work/$name.resume.log")"
  for f in "$full"/*.csv "$full"/result.yaml; do
    cmp -s <(without_clock "$f") <(without_clock "$cut/$(basename "$f")") && ok \
      || bad "$name: $(basename "$f") of the resumed run differs from the uninterrupted one"
  done
  [ "$(ls "$cut/checkpoints" | wc -l)" -eq 2 ] && ok || bad "$name: keep 2 left $(ls "$cut/checkpoints")"
}

rosenbrock='problem: {type: rosenbrock, dimension: 9, x0: [-2, 3, -1, 2, 0.5, 1.5, -0.5, 2.5, 1]}
optimizer: {type: dyna, gamma: 0.02, beta: 0.9, damping_ratio: {ramp: {from: 0.5, to: 1, steps: 150}}, restart_on_increase: true}
run: {steps: 400, log_every: 0, history_every: 3, checkpoint: {every: 50, keep: 2}}
output: {directory: @OUT@}'
resume rosenbrock_dyna_1 1 200 "$rosenbrock" 50
resume rosenbrock_dyna_2 2 250 "$rosenbrock" 50
grep -q '^restarts: [1-9]' "$work/rosenbrock_dyna_2_full/result.yaml" && ok || bad "the Dyna run took no warm restart to carry over"
nesterov=${rosenbrock/type: dyna, gamma: 0.02, beta: 0.9, damping_ratio: \{ramp: \{from: 0.5, to: 1, steps: 150\}\}, restart_on_increase: true/type: nonlinear_nesterov, step: 0.0002, friction: 0.05, damping_exponent: 1.95, kinetic_exponent: 1.95}
resume rosenbrock_nesterov_2 2 150 "$nesterov" 50

python3 "$here/make_idx.py" "$work/idx" 600 100
mnist="problem: {type: mnist, data: $work/idx, validation: 100, batch_size: 50, epochs: 5, seed: 3}
optimizer: {type: dyna, gamma: 0.5, damping_ratio: {ramp: {from: 0.5, to: 1.0, steps: 20}}, restart_on_increase: true}
run: {checkpoint: {every: 1, keep: 2}}
output: {directory: @OUT@}"
resume mnist_dyna_1 1 3 "$mnist" 1
resume mnist_dyna_2 2 4 "$mnist" 1
sharded=${mnist/restart_on_increase: true/restart_on_increase: true, sharded: true}
resume mnist_sharded_2 2 2 "${sharded/problem: \{type: mnist,/problem: {type: mnist, hidden: [16],}" 1
# Dyna's Sec. 4 strategies: their windows, cut-offs and noise carry over (groups.csv too). The
# toy data's loss falls fast: a threshold above 1 keeps the noise on after the first two windows.
strategies="problem: {type: mnist, data: $work/idx, hidden: [16], validation: 100, batch_size: 50, epochs: 5, seed: 3}
optimizer: {type: dyna, gamma: 1.0, restart: {mode: rescale, factor: 0.5},
  omega_eps: {value: 0.05, adaptive: {ratio: 0.01, floor: 1.0e-12}},
  noise: {when_relative_decrease_below: 1.5, over_steps: 4, scale: 0.1}}
run: {checkpoint: {every: 1, keep: 2}}
output: {directory: @OUT@}"
resume mnist_strategies_2 2 3 "$strategies" 1
# step,cycle,group,grad_norm,kinetic_energy,step_norm,max_frequency,restarts,omega_eps,noisy_steps
awk -F, 'NR > 1 && $8 > 0 {r = 1} NR > 1 && $9 < 0.05 {c = 1} NR > 1 && $10 > 0 {n = 1} END {exit !(r && c && n)}' \
  "$work/mnist_strategies_2_full/groups.csv" && ok || bad "the strategies run did not restart, adapt its cut-off and add noise"

nano="$nanosphere_batch
run: {steps: 120, log_every: 0, history_every: 7, checkpoint: {every: 20, keep: 2}}
output: {directory: @OUT@}"
resume nanosphere_1 1 60 "$nano" 20
resume nanosphere_2 2 80 "$nano" 20
# MLSL: the checkpoints fall inside rounds and between them (rounds end at unpredictable steps),
# and the resumed run has the same samples, rounds and searches.
mlsl=${nano/starts: 5/strategy: mlsl
  mlsl: \{samples_per_round: 16, search_steps: 60, stop: \{rounds: 5\}\}}
mlsl=${mlsl/steps: 120, log_every: 0, history_every: 7, checkpoint: \{every: 20/steps: 1000, log_every: 0, history_every: 7, checkpoint: \{every: 40}
resume nanosphere_mlsl_2 2 200 "$mlsl" 40

# Refusals: every mismatch exits 1 on every rank, says what differs, and writes nothing.
refuse() {  # name, expected message, ranks, deck, checkpoint
  local out="$work/refused_$1"
  sed "s#@OUT@#$out#" <<<"$4" >"$work/$1.yaml"
  local log status
  log=$(mpi "$3" "$exe" "$work/$1.yaml" --restart "$5" 2>&1); status=$?
  [ $status -eq 1 ] && ok || bad "$1: exit status $status, expected 1"
  grep -qF -- "$2" <<<"$log" && ok || bad "$1: message lacks '$2': $log"
  [ -z "$(ls -A "$out" 2>/dev/null)" ] && ok || bad "$1: left files in $out"
}
checkpoint=$(ls "$work"/rosenbrock_dyna_2_cut/checkpoints/*.dck | tail -1)
refuse ranks "written by 2 rank(s), this run has 1" 1 "$rosenbrock" "$checkpoint"
refuse optimizer "the checkpoint is of optimizer dyna, this run's is adam" 2 "$(sed 's/^optimizer: .*/optimizer: {type: adam, lr: 0.01}/' <<<"$rosenbrock")" "$checkpoint"
refuse settings "the deck's problem or optimizer settings differ from the checkpoint's" 2 "${rosenbrock/gamma: 0.02/gamma: 0.03}" "$checkpoint"
refuse precision "the checkpoint is of precision double, this run's is float" 2 "${rosenbrock/history_every: 3/history_every: 3, precision: float}" "$checkpoint"
refuse problem "the checkpoint is of problem mnist, this run's is rosenbrock" 2 "$rosenbrock" "$(ls "$work"/mnist_dyna_2_cut/checkpoints/*.dck | tail -1)"
cp "$checkpoint" "$work/flipped.dck"
printf '\x10' | dd of="$work/flipped.dck" bs=1 seek=$(($(stat -c %s "$checkpoint") / 2)) conv=notrunc 2>/dev/null
refuse flipped "flipped.dck: corrupted (its checksum does not match" 2 "$rosenbrock" "$work/flipped.dck"
head -c 3000 "$checkpoint" >"$work/truncated.dck"
refuse truncated "truncated.dck: corrupted" 2 "$rosenbrock" "$work/truncated.dck"
printf 'checkpoint\n' >"$work/foreign.dck"
refuse foreign "foreign.dck: not a dynaopt checkpoint" 2 "$rosenbrock" "$work/foreign.dck"
# A well-formed file of another format version, its checksum made right.
python3 - "$checkpoint" "$work/version.dck" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()[:-8].replace(b"format: 4\n", b"format: 7\n", 1)
h = 0xcbf29ce484222325
for b in data:
    h = ((h ^ b) * 0x100000001b3) % 2**64
open(sys.argv[2], "wb").write(data + struct.pack("<Q", h))
PY
refuse version "checkpoint format version 7, this dynaopt reads version 4" 2 "$rosenbrock" "$work/version.dck"
mkdir -p "$work/empty"
refuse empty "$work/empty: no checkpoint-*.dck in this directory" 2 "$rosenbrock" "$work/empty"

# An error on one rank only (its node lacks the data: each rank runs in its own directory) ends
# every rank promptly with that rank's message, instead of leaving rank 0 in a collective.
mkdir -p "$work/node0/data" "$work/node1"
ln -s "$work/idx" "$work/node0/data/mnist"
printf '%s\n' "problem: {type: mnist, data: data/mnist, validation: 100, batch_size: 50, epochs: 2}" \
  "optimizer: {type: adam}" "output: {directory: out}" >"$work/one_rank.yaml"
start=$(date +%s)
log=$(timeout 60 "$mpiexec" --oversubscribe -n 1 --wdir "$work/node0" "$exe" "$work/one_rank.yaml" : \
  -n 1 --wdir "$work/node1" "$exe" "$work/one_rank.yaml" 2>&1); status=$?
[ $status -eq 1 ] && ok || bad "one failing rank: exit status $status, expected 1"
grep -qF "data/mnist/train-images-idx3-ubyte: cannot open the IDX file" <<<"$log" && ok || bad "one failing rank: no message: $log"
[ $(($(date +%s) - start)) -lt 30 ] && ok || bad "one failing rank: the job took $(($(date +%s) - start)) s to end"
[ -z "$(find "$work/node0" "$work/node1" -type f)" ] && ok || bad "one failing rank left files"

finish
