#!/usr/bin/env python3
# pytorch-reference.py: PyTorch's CPU training and inference speed on the reference recipe
# SPDX-License-Identifier: GPL-3.0-or-later
"""Trains the reference network with PyTorch on the same machine so the engine's figures can be
compared side by side. Prints one JSON line. Data: real MNIST when --data points at the IDX files,
else random images of the same shape (throughput does not depend on pixel values)."""
import argparse
import json
import os
import sys
import time

from reference_common import find_idx, load_idx, reference_model, start_torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--batches", type=int, default=200)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--data", default=None)
    args = ap.parse_args()

    torch = start_torch(args.threads, 1)
    if torch is None:
        return 0
    nn = torch.nn
    n = args.batches * args.batch_size
    x = None
    if args.data:
        img = find_idx(args.data, "train-images-idx3-ubyte")
        lab = find_idx(args.data, "train-labels-idx1-ubyte")
        if img and lab:
            (count, rows, cols), pixels = load_idx(img)
            _, labels = load_idx(lab)
            count = min(count, n)
            x = torch.frombuffer(bytearray(pixels[:count * rows * cols]), dtype=torch.uint8)
            x = ((x.float() / 255 - 0.1307) / 0.3081).reshape(count, 1, rows, cols)
            y = torch.frombuffer(bytearray(labels[:count]), dtype=torch.uint8).long()
    if x is None:
        x = torch.randn(n, 1, 28, 28)
        y = torch.randint(0, 10, (n,))
    model = reference_model(nn)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    bs = args.batch_size
    nb = x.shape[0] // bs

    def epoch():
        for b in range(nb):
            xb, yb = x[b * bs:(b + 1) * bs], y[b * bs:(b + 1) * bs]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()

    model.train()
    epoch()  # warm-up
    best = 0.0
    for _ in range(3):
        t = time.perf_counter()
        epoch()
        best = max(best, nb * bs / (time.perf_counter() - t))

    model.eval()
    with torch.no_grad():
        one = x[:1]
        for _ in range(50):
            model(one)
        t = time.perf_counter()
        reps = 500
        for _ in range(reps):
            model(one)
        single_ms = (time.perf_counter() - t) / reps * 1e3
        t = time.perf_counter()
        for b in range(0, x.shape[0], 1000):
            model(x[b:b + 1000])
        infer = x.shape[0] / (time.perf_counter() - t)

    print(json.dumps({"available": True, "version": torch.__version__, "threads": args.threads,
                      "train_images_per_second": round(best, 1),
                      "infer_images_per_second": round(infer, 1),
                      "single_image_ms": round(single_ms, 4)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
