#!/usr/bin/env bash
# Re-runs paper 000's Table 1 (logistic regression on MNIST: Dyna with zeta 1.0, 0.5 and the
# 0.5 -> 1.0 ramp, and Adam) over several seeds, then writes docs/reproduction.md and the
# learning-curve plots in docs/figures/.
#   scripts/reproduce_table1.sh [SEEDS (default "1 2 3 4 5")]
source "$(dirname "$0")/mnist_study.sh" "$@"
runs="$root/output/table1"
mkdir -p "$runs"
for deck in mnist_logreg_dyna_zeta1 mnist_logreg_dyna_zeta05 mnist_logreg_dyna_ramp mnist_logreg_adam; do
  for seed in $seeds; do
    out="$runs/${deck}_seed$seed"
    [ -f "$out/result.yaml" ] && continue
    sed -e "s#^  seed: .*#  seed: $seed#" -e "s#^  directory: .*#  directory: $out#" \
        -e "s#data/mnist#$root/data/mnist#" "$root/inputs/$deck.yaml" >"$runs/$deck.seed$seed.yaml"
    echo "== $deck seed $seed"
    mpirun --oversubscribe -n "${RANKS:-2}" "$build/dynaopt" "$runs/$deck.seed$seed.yaml" | grep -E '^(epoch +50|done)'
  done
done
apt_python=/usr/bin/python3
"$apt_python" "$root/scripts/summarize_table1.py" "$runs" "$root/docs"
