#!/usr/bin/env python3
"""Writes a small MNIST-format data set (IDX files) for end-to-end tests: each class is a bright
bar at its own rows of the 28x28 image, plus deterministic noise, so a linear model learns it.
    make_idx.py DIRECTORY [TRAIN (600)] [TEST (100)]"""
import os
import struct
import sys


def write_set(directory, prefix, count, seed):
    state = seed
    images, labels = bytearray(), bytearray()
    for i in range(count):
        label = i % 10
        for row in range(28):
            for col in range(28):
                state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
                noise = state >> 58  # 0..63
                images.append(min(255, noise + (160 if 2 * label <= row < 2 * label + 3 else 0)))
        labels.append(label)
    with open(os.path.join(directory, prefix + "-images-idx3-ubyte"), "wb") as f:
        f.write(struct.pack(">IIII", 0x803, count, 28, 28) + images)
    with open(os.path.join(directory, prefix + "-labels-idx1-ubyte"), "wb") as f:
        f.write(struct.pack(">II", 0x801, count) + labels)


if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    write_set(out, "train", int(sys.argv[2]) if len(sys.argv) > 2 else 600, 1)
    write_set(out, "t10k", int(sys.argv[3]) if len(sys.argv) > 3 else 100, 2)
