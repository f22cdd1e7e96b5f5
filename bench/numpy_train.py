"""The book's softmax regression in NumPy with a hand-written gradient, for the training bench.

Usage: python3 bench/numpy_train.py DATA_DIR EPOCHS

DATA_DIR holds Fashion-MNIST's four .gz IDX files. Trains 10 epochs (lr 0.1, batch 256,
W ~ N(0, 0.01) from NumPy's own seeded generator, its own shuffle), evaluates the test accuracy
after every epoch, and prints one JSON line: the seconds of training plus evaluation (reading and
converting the files excluded, as in the kit's engines' figures) and the final metrics. Run it with
OPENBLAS_NUM_THREADS=1 for one BLAS thread, as bench/train.ts does.
"""
import gzip
import json
import sys
import time

import numpy as np


def read(path, offset):
    with gzip.open(path) as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def main():
    data_dir, epochs = sys.argv[1], int(sys.argv[2])
    x_train = read(f"{data_dir}/train-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255
    y_train = read(f"{data_dir}/train-labels-idx1-ubyte.gz", 8).astype(np.int64)
    x_test = read(f"{data_dir}/t10k-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255
    y_test = read(f"{data_dir}/t10k-labels-idx1-ubyte.gz", 8).astype(np.int64)
    rng = np.random.default_rng(0)
    W = rng.normal(0, 0.01, (784, 10)).astype(np.float32)
    b = np.zeros(10, np.float32)
    lr, batch = np.float32(0.1), 256
    n = len(y_train)
    start = time.perf_counter()
    for _ in range(epochs):
        loss, correct = 0.0, 0
        order = rng.permutation(n)
        for i in range(0, n, batch):
            idx = order[i:i + batch]
            X, y = x_train[idx], y_train[idx]
            rows = np.arange(len(y))
            O = X @ W + b
            O -= O.max(axis=1, keepdims=True)
            E = np.exp(O)
            S = E.sum(axis=1)
            loss += float((np.log(S) - O[rows, y]).sum())
            correct += int((O.argmax(axis=1) == y).sum())
            G = E / S[:, None]
            G[rows, y] -= 1
            step = lr / np.float32(len(y))
            W -= step * (X.T @ G)
            b -= step * G.sum(axis=0)
        test_acc = float(((x_test @ W + b).argmax(axis=1) == y_test).mean())
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "trainLoss": loss / n, "trainAcc": correct / n, "testAcc": test_acc}))


main()
