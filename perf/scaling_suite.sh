#!/usr/bin/env bash
# Scaling studies of the dynaopt driver under mpirun, and the measurements the performance
# model of docs/performance.md is built from. See usage() or docs/performance.md.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
  cat <<EOF
usage: perf/scaling_suite.sh [options]

Strong scaling (fixed problem on 1, 2, 4, ..., P ranks), weak scaling (fixed work per rank) and
OpenMP threads 1, 2, 4, ..., T on one rank, for data-parallel MNIST training (logistic
regression and an MLP) and the multi-start nanosphere design; then MPI_Allreduce and optimizer
step benchmarks, plots and the performance model (perf/plot_scaling.py).

  --exe FILE          dynaopt driver (default build/dynaopt); the benchmarks are taken
                      from the perf/ folder next to it
  --out DIR           results folder (default output/scaling)
  --max-ranks P       largest rank count (default 2)
  --max-threads T     largest OpenMP thread count at one rank (default 2)
  --studies LIST      any of logreg,mlp,nanosphere (default all three)
  --series LIST       any of strong,weak,threads (default all three)
  --repeat R          runs per point, the fastest kept (default 3)
  --data DIR          MNIST IDX folder (default data/mnist, fetched when missing)
  --logreg N:B:E      logistic regression: N training images, batch B, E epochs
                      (default 48000:128:11)
  --mlp N:B:E         MLP, as above (default 12000:128:4)
  --mlp-hidden LIST   MLP hidden widths (default 1024,1024)
  --nanosphere S:K    nanosphere: S starts, K steps (default 8:100)
  --mpirun-args ARGS  extra mpirun arguments, e.g. "--hostfile hosts" (default none)
  -h, --help          this message

Strong scaling keeps N images (S starts) and the batch B; weak scaling gives every rank
N / P images with a batch of B per rank (S / P starts), so both series run the same
problem at P ranks. The MNIST test set is cut to one sixth of the training images (MNIST's
own ratio) so that evaluation scales with training. Times: seconds per epoch from the
driver's history.csv (the first epoch is warm-up and not counted), seconds per step for the
nanosphere (the run of K steps minus the run of 1 step: launch and setup cancel).

Writes under DIR: scaling.csv (study,series,ranks,threads,work,batch,steps,params,seconds,
spread,speedup,efficiency), allreduce.csv and allreduce_P.txt (bench_allreduce on 2..P ranks),
optimizer_step.txt (bench_optimizer_step), machine.txt (CPU, memory, compiler, Kokkos, Open MPI,
git revision, load averages), and from perf/plot_scaling.py the plots and the model
(scaling.png, allreduce.png, model.png, model.csv, model.md). Needs Open MPI's mpirun.

Example (cluster): perf/scaling_suite.sh --exe build/dynaopt --max-ranks 64 --out results/
EOF
}

die() {
  echo "scaling_suite.sh: $*" >&2
  exit 1
}

# Options.
exe=$root/build/dynaopt
out=$root/output/scaling
max_ranks=2 max_threads=2 repeat=3
studies=logreg,mlp,nanosphere
series=strong,weak,threads
data=$root/data/mnist
logreg=48000:128:11 mlp=12000:128:4 mlp_hidden=1024,1024 nanosphere=8:100
mpirun_args=""
while [ $# -gt 0 ]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --exe | --out | --max-ranks | --max-threads | --studies | --series | --repeat | --data | --logreg | --mlp | \
      --mlp-hidden | --nanosphere | --mpirun-args)
      [ $# -ge 2 ] || die "$1 needs a value (see --help)"
      name=${1#--}
      printf -v "${name//-/_}" '%s' "$2"
      shift 2 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

is_count() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }
for v in max_ranks max_threads repeat; do is_count "${!v}" || die "--${v//_/-} must be a positive integer, got '${!v}'"; done
[[ $logreg =~ ^[1-9][0-9]*:[1-9][0-9]*:[1-9][0-9]*$ ]] || die "--logreg must be N:B:E, got '$logreg'"
[[ $mlp =~ ^[1-9][0-9]*:[1-9][0-9]*:[1-9][0-9]*$ ]] || die "--mlp must be N:B:E, got '$mlp'"
[[ $nanosphere =~ ^[1-9][0-9]*:[1-9][0-9]*$ ]] || die "--nanosphere must be S:K, got '$nanosphere'"
[[ $mlp_hidden =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "--mlp-hidden must be widths like 1024,1024, got '$mlp_hidden'"
for s in ${studies//,/ }; do [[ $s =~ ^(logreg|mlp|nanosphere)$ ]] || die "unknown study '$s'"; done
for s in ${series//,/ }; do [[ $s =~ ^(strong|weak|threads)$ ]] || die "unknown series '$s'"; done
[ -x "$exe" ] || die "no driver at $exe (build it, or pass --exe)"
exe=$(cd "$(dirname "$exe")" && pwd)/$(basename "$exe")
bench_dir=$(dirname "$exe")/perf
for b in bench_allreduce bench_optimizer_step; do
  [ -x "$bench_dir/$b" ] || die "no $bench_dir/$b (configure with -DDYNAOPT_ENABLE_PERF=ON and build it)"
done
# Checked before any measurement, so a missing package does not cost a finished run its plots.
/usr/bin/python3 -c 'import numpy, matplotlib' 2>/dev/null ||
  die "the plots need Debian's numpy and matplotlib for /usr/bin/python3: apt-get install python3-matplotlib"

# Rank counts 1, 2, 4, ..., and P itself when it is not a power of two.
counts() {
  local c=1 list=""
  while [ "$c" -lt "$1" ]; do list+="$c " c=$((c * 2)); done
  echo "$list$1"
}
ranks_list=$(counts "$max_ranks")
threads_list=$(counts "$max_threads")

mkdir -p "$out"
out=$(cd "$out" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
# Kokkos is the parallel layer; a threaded BLAS inside each rank fights its thread pool.
export OPENBLAS_NUM_THREADS=1
forward="-x OMP_NUM_THREADS -x OMP_PROC_BIND -x OPENBLAS_NUM_THREADS"  # to ranks on other nodes
# One OpenMP thread per rank, unbound (Open MPI binds the ranks), or T threads of one rank
# spread over the cores (the rank unbound, so that it may use them).
launch() {  # RANKS THREADS COMMAND...
  local p=$1 t=$2
  shift 2
  if [ "$t" -eq 1 ]; then
    OMP_NUM_THREADS=1 OMP_PROC_BIND=false mpirun --oversubscribe $forward $mpirun_args -n "$p" "$@"
  else
    OMP_NUM_THREADS=$t OMP_PROC_BIND=spread OMP_PLACES=cores \
      mpirun --oversubscribe --bind-to none $forward -x OMP_PLACES $mpirun_args -n "$p" "$@"
  fi
}

# The machine, recorded before and after the runs (load averages).
describe() {
  local cache kokkos_dir
  cache=$(dirname "$exe")/CMakeCache.txt
  kokkos_dir=$(sed -n 's/^Kokkos_DIR:[A-Z]*=//p' "$cache" 2>/dev/null || true)
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host: $(uname -n) $(uname -sr)"
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores online, $(lscpu | sed -n 's/^Thread(s) per core: *//p') thread(s) per core"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "compiler: $("$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$cache" 2>/dev/null || echo c++)" --version | head -n 1)"
  echo "kokkos: $(sed -n 's/^set(PACKAGE_VERSION "\(.*\)")/\1/p' "$kokkos_dir/KokkosConfigVersion.cmake" 2>/dev/null | head -n 1) ($kokkos_dir)"
  echo "mpi: $(mpirun --version | head -n 1)"
  echo "git: $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD 2>/dev/null || echo ' + uncommitted changes')"
  echo "driver: $exe"
  echo "command: perf/scaling_suite.sh --max-ranks $max_ranks --max-threads $max_threads --studies $studies --series $series --repeat $repeat --logreg $logreg --mlp $mlp --mlp-hidden $mlp_hidden --nanosphere $nanosphere"
}
describe >"$out/machine.txt"
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.txt"

# Benchmarks the model is built from: the optimizer step at the MNIST models' sizes and 1e7
# (one thread), and MPI_Allreduce on 2..P ranks. Open MPI's allreduce allocates a temporary
# of the message size per call; with glibc's default mmap threshold (at most 32 MB) every call
# of 32 MB or more maps and page-faults it afresh, an allocator cost that is not the network's,
# so the benchmark runs with the threshold raised.
n_hidden=$(echo "$mlp_hidden" | tr ',' ' ')
mlp_params=$(echo "784 $n_hidden 10" | awk '{n = 0; for (i = 2; i <= NF; ++i) n += ($(i - 1) + 1) * $i; print n}')
echo "== bench_optimizer_step"
{
  echo "# sizes 7850 $mlp_params 10000000"
  OMP_NUM_THREADS=1 OMP_PROC_BIND=true "$bench_dir/bench_optimizer_step" --sizes "7850,$mlp_params,1e7"
} >"$out/optimizer_step.txt"
echo "ranks,bytes,seconds" >"$out/allreduce.csv"
for p in $ranks_list; do
  [ "$p" -ge 2 ] || continue
  echo "== bench_allreduce, $p ranks"
  launch "$p" 1 -x MALLOC_MMAP_THRESHOLD_=4294967296 -x MALLOC_TRIM_THRESHOLD_=4294967296 \
    "$bench_dir/bench_allreduce" --csv "$scratch/allreduce.csv" >"$out/allreduce_$p.txt"
  tail -n +2 "$scratch/allreduce.csv" >>"$out/allreduce.csv"
done

# MNIST data, and IDX files holding the first COUNT records of another (the test subsets).
if [[ ,$studies, =~ ,(logreg|mlp), ]]; then
  bash "$root/scripts/fetch_mnist.sh" "$data" >/dev/null || die "cannot fetch MNIST into $data"
fi
be32() { printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)))"; }
idx_head() {  # FILE COUNT OUT (MNIST images: 16-byte header, 784 bytes a record; labels: 8, 1)
  local header=16 record=784
  case $1 in *labels*) header=8 record=1 ;; esac
  { head -c 4 "$1"; be32 "$2"; tail -c +9 "$1" | head -c $((header - 8 + $2 * record)); } >"$3"
}

# One MNIST run: seconds per epoch after the first. Args: NAME RANKS THREADS IMAGES BATCH EPOCHS HIDDEN
mnist_epoch_seconds() {
  local name=$1 p=$2 t=$3 images=$4 batch=$5 epochs=$6 hidden=$7 test=$(($4 / 6))
  for f in images labels; do
    idx_head "$data/t10k-$f-idx$([ $f = images ] && echo 3 || echo 1)-ubyte" "$test" "$scratch/test-$test-$f"
  done
  cat >"$scratch/$name.yaml" <<DECK
problem:
  type: mnist
  train_images: $data/train-images-idx3-ubyte
  train_labels: $data/train-labels-idx1-ubyte
  test_images: $scratch/test-$test-images
  test_labels: $scratch/test-$test-labels
  hidden: [$hidden]
  validation: 0
  train_limit: $images
  batch_size: $batch
  epochs: $epochs
  l2: 1.0e-5
  gradient: mean
optimizer: {type: dyna, gamma: 0.5}
run: {precision: float}
output: {directory: $scratch/$name}
DECK
  launch "$p" "$t" "$exe" "$scratch/$name.yaml" >"$scratch/$name.log" 2>&1 || die "run failed: $(tail -n 5 "$scratch/$name.log")"
  awk -F, 'NR == 1 {for (i = 1; i <= NF; ++i) if ($i == "seconds") c = i}
           NR == 2 {first = $c} END {printf "%.6f\n", ($c - first) / (NR - 2)}' "$scratch/$name/history.csv"
}

# One nanosphere run of STEPS steps with every start running all of them; wall seconds.
nanosphere_run() {  # NAME RANKS THREADS STARTS STEPS
  local name=$1 start
  cat >"$scratch/$name.yaml" <<DECK
problem:
  type: nanosphere
  layers: [silver_drude, silica_malitson, silver_drude]
  band: {from: 400, to: 800, samples: 801}
  objective: qabs
  thickness_unit: 100
  starts: $4
  convergence: {relative_change: 0, steps: 1000000000}
optimizer: {type: nonlinear_nesterov, step: 0.001, friction: 0.1, damping_exponent: 1.95, kinetic_exponent: 1.95}
run: {steps: $5, log_every: 0, history_every: $5}
output: {directory: $scratch/$name}
DECK
  start=$(date +%s.%N)
  launch "$2" "$3" "$exe" "$scratch/$name.yaml" >"$scratch/$name.log" 2>&1 || die "run failed: $(tail -n 5 "$scratch/$name.log")"
  awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.6f\n", b - a}'
}
nanosphere_step_seconds() {  # NAME RANKS THREADS STARTS STEPS
  local long short
  long=$(nanosphere_run "$1" "$2" "$3" "$4" "$5")
  short=$(nanosphere_run "$1-1" "$2" "$3" "$4" 1)
  awk -v l="$long" -v s="$short" -v k="$5" 'BEGIN {printf "%.6f\n", (l - s) / (k - 1)}'
}

csv=$out/scaling.csv
echo "study,series,ranks,threads,work,batch,steps,params,seconds,spread,speedup,efficiency" >"$csv"
# Appends a row; speed-up and efficiency against the series' first row (1 rank or 1 thread).
record() {  # STUDY SERIES RANKS THREADS WORK BATCH STEPS PARAMS SECONDS SLOWEST
  local base
  base=$(awk -F, -v s="$1" -v k="$2" '$1 == s && $2 == k {print $9; exit}' "$csv")
  awk -v OFS=, -v s="$1" -v k="$2" -v p="$3" -v t="$4" -v w="$5" -v b="$6" -v n="$7" -v m="$8" -v x="$9" \
    -v slow="${10}" -v base="${base:-$9}" 'BEGIN {
      units = (k == "threads") ? t : p
      speedup = (k == "weak") ? units * base / x : base / x
      print s, k, p, t, w, b, n, m, x, sprintf("%.4f", slow / x - 1), sprintf("%.4f", speedup), sprintf("%.4f", speedup / units)
    }' >>"$csv"
  tail -n 1 "$csv"
}

# Point C of the current study and series: p ranks, t threads, the work (training images or
# starts) and the global batch size.
point() {
  p=$1 t=1 size=""
  [ "$kind" = threads ] && p=1 t=$1
  if [ "$study" = nanosphere ]; then
    work=$starts
    [ "$kind" = weak ] && work=$((per_rank * p))
  else
    work=$images size=$batch
    [ "$kind" = weak ] && work=$((per_rank * p)) size=$((batch * p))
  fi
  return 0
}

for study in ${studies//,/ }; do
  case $study in
    logreg | mlp)
      IFS=: read -r images batch epochs <<<"${!study}"
      hidden=$([ "$study" = mlp ] && echo "${mlp_hidden//,/, }" || echo "")
      params=$([ "$study" = mlp ] && echo "$mlp_params" || echo 7850)
      per_rank=$((images / max_ranks))
      [ "$images" -le 60000 ] || die "--$study: MNIST has 60000 training images, asked for $images"
      [ "$per_rank" -ge "$batch" ] || die "--$study: weak scaling gives $per_rank images per rank, fewer than the batch $batch"
      [ "$epochs" -ge 2 ] || die "--$study: need at least 2 epochs (the first is not timed)"
      ;;
    nanosphere)
      IFS=: read -r starts steps <<<"$nanosphere"
      per_rank=$((starts / max_ranks))
      [ "$per_rank" -ge 1 ] || die "--nanosphere: $starts starts leave none per rank at $max_ranks ranks"
      [ "$steps" -ge 2 ] || die "--nanosphere: need at least 2 steps"
      ;;
  esac
  for kind in ${series//,/ }; do
    if [ "$kind" = threads ]; then list=$threads_list; else list=$ranks_list; fi
    # The points of a series, one after the other, --repeat times: the fastest run of each point
    # is kept (the slowest gives the spread), and a slow spell of the machine hits all points.
    declare -A fastest=() slowest=()
    for ((r = 1; r <= repeat; ++r)); do
      for c in $list; do
        point "$c"
        echo "== $study $kind: $p rank(s), $t thread(s), run $r of $repeat" >&2
        if [ "$study" = nanosphere ]; then
          seconds=$(nanosphere_step_seconds "$study-$kind-$c" "$p" "$t" "$work" "$steps")
        else
          seconds=$(mnist_epoch_seconds "$study-$kind-$c" "$p" "$t" "$work" "$size" "$epochs" "$hidden")
        fi
        fastest[$c]=$(awk -v a="$seconds" -v b="${fastest[$c]:-$seconds}" 'BEGIN {print (a < b ? a : b)}')
        slowest[$c]=$(awk -v a="$seconds" -v b="${slowest[$c]:-$seconds}" 'BEGIN {print (a > b ? a : b)}')
      done
    done
    for c in $list; do
      point "$c"
      if [ "$study" = nanosphere ]; then
        record "$study" "$kind" "$p" "$t" "$work" "" 1 $((3 * work)) "${fastest[$c]}" "${slowest[$c]}"
      else
        record "$study" "$kind" "$p" "$t" "$work" "$size" $(((work + size - 1) / size)) "$params" "${fastest[$c]}" "${slowest[$c]}"
      fi
    done
  done
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.txt"

/usr/bin/python3 "$root/perf/plot_scaling.py" "$out"
echo "results in $out"
