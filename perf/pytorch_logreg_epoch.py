"""PyTorch reference for bench_mnist_epoch: one epoch of logistic regression (784 -> 10,
summed cross-entropy, Adam) over the 60,000 MNIST training images in shuffled minibatches,
float32 on the CPU with one thread, best of 3 epochs after a warm-up.

usage: /usr/bin/python3 pytorch_logreg_epoch.py [DATA_DIR (default data/mnist)]
"""
import sys
import time

import numpy as np
import torch


def read_idx(path, offset):
    return np.fromfile(path, dtype=np.uint8, offset=offset)


def main(data="data/mnist"):
    torch.set_num_threads(1)
    images = torch.from_numpy(read_idx(f"{data}/train-images-idx3-ubyte", 16).reshape(-1, 784).astype(np.float32) / 255)
    labels = torch.from_numpy(read_idx(f"{data}/train-labels-idx1-ubyte", 8).astype(np.int64))
    print(f"# PyTorch {torch.__version__}, 1 thread, float32, best of 3 epochs")
    for batch in (96, 128):
        model = torch.nn.Linear(784, 10)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = torch.nn.CrossEntropyLoss(reduction="sum")
        best = float("inf")
        for epoch in range(4):
            start = time.perf_counter()
            order = torch.randperm(images.shape[0])
            for first in range(0, images.shape[0], batch):
                rows = order[first:first + batch]
                optimizer.zero_grad()
                loss = loss_fn(model(images[rows]), labels[rows])
                loss.backward()
                optimizer.step()
            if epoch > 0:
                best = min(best, time.perf_counter() - start)
        print(f"adam       logistic 784-10          {batch:6d} {best * 1e3:12.2f}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
