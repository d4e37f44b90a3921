#!/usr/bin/env bash
# Paper 000 Sec. 4's strategies on MNIST: Table 1's model (logistic regression, Dyna with the
# damping ramp, 50 epochs) and the MLP 784-256-128-10 (15 epochs), each with no strategy, each
# strategy alone, all three, and three variants (the restart between epoch means, a cut-off of 0.1
# constant and adaptive), over several seeds; one rank per run, two runs at a time. Then
# prints the tables of docs/reproduction.md ("Sec. 4 strategies") and writes the figure.
#   scripts/reproduce_strategies.sh [SEEDS (default "1 2 3 4 5")]
source "$(dirname "$0")/mnist_study.sh" "$@"
runs="$root/output/strategies"
mkdir -p "$runs"

# strategy NAME BATCHES: the optimizer lines of a strategy, windows of one epoch of BATCHES steps.
strategy() {
  local restart="  restart: {mode: rescale, factor: 0.5}"  # Sec. 4.1: whenever the objective increases
  local cutoff="  omega_eps: {value: 1.0e-8, adaptive: {ratio: 1.0e-3, floor: 1.0e-12}}"
  local noise="  noise: {when_relative_decrease_below: 0.01, over_steps: $2, scale: 0.1}"
  case $1 in
    none) ;;
    restart) echo "$restart" ;;
    cutoff) echo "$cutoff" ;;
    noise) echo "$noise" ;;
    all) printf '%s\n%s\n%s\n' "$restart" "$cutoff" "$noise" ;;
    # Variants: the restart between epoch means; a cut-off high enough to matter, constant and adaptive.
    restart_epoch) echo "  restart: {mode: rescale, factor: 0.5, over_steps: $2}" ;;
    cutoff_high) echo "  omega_eps: 0.1" ;;
    cutoff_high_adaptive) echo "  omega_eps: {value: 0.1, adaptive: {ratio: 1.0e-3, floor: 1.0e-12}}" ;;
  esac
}

jobs=()
for model in logreg mlp; do
  if [ $model = logreg ]; then deck=mnist_logreg_dyna_ramp batches=96 epochs=50; else deck=mnist_mlp_dyna batches=391 epochs=15; fi
  for name in none restart cutoff noise all restart_epoch cutoff_high cutoff_high_adaptive; do
    for seed in $seeds; do
      out="$runs/${model}_${name}_seed$seed"
      [ -f "$out/result.yaml" ] && continue
      {
        sed -e "s#^  seed: .*#  seed: $seed#" -e "s#^  epochs: .*#  epochs: $epochs#" -e "s#^  directory: .*#  directory: $out#" \
            -e "s#data/mnist#$root/data/mnist#" -e '/^  damping_ratio:/q' "$root/inputs/$deck.yaml"
        strategy $name $batches
        sed -n '/^  damping_ratio:/,$p' "$root/inputs/$deck.yaml" | tail -n +2 | sed "s#^  directory: .*#  directory: $out#"
      } >"$runs/${model}_${name}_seed$seed.yaml"
      jobs+=("$runs/${model}_${name}_seed$seed.yaml")
    done
  done
done
printf '%s\n' "${jobs[@]}" | xargs -r -P 2 -I{} sh -c '"$0" "$1" >"${1%.yaml}.log" 2>&1 || { echo "failed: $1"; exit 1; }' "$build/dynaopt" {}
/usr/bin/python3 "$root/scripts/summarize_strategies.py" "$runs" "$root/docs"
