#!/usr/bin/env python3
# pytorch-accuracy.py: the reference recipe trained in PyTorch under the engine's own protocol
# SPDX-License-Identifier: GPL-3.0-or-later
"""Trains the reference network with PyTorch the way digit-lab-cli train does: a seeded
validation split held out of the training set, normalisation from the remaining training images,
a bilinear random rotation of the training images only, Adam with lr 1e-3, batch 64, and the
best epoch chosen by validation accuracy (ties by validation loss). Prints one JSON line per
epoch, then a summary line, with the field names of `digit-lab-cli train --json`."""
import argparse
import json
import math
import os
import sys
import time

from reference_common import find_idx, load_idx, reference_model, start_torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="folder with the MNIST IDX files")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--validation", type=int, default=5000)
    ap.add_argument("--rotation", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()

    torch = start_torch(args.threads, args.seed)
    if torch is None:
        return 0
    nn, F = torch.nn, torch.nn.functional

    def read(stem):
        path = find_idx(args.data, stem)
        if path is None:
            raise FileNotFoundError(os.path.join(args.data, stem))
        return load_idx(path)

    def images(stem):
        (count, rows, cols), pixels = read(stem)
        x = torch.frombuffer(bytearray(pixels), dtype=torch.uint8)
        return x.float().div_(255).reshape(count, 1, rows, cols)

    def labels(stem):
        _, raw = read(stem)
        return torch.frombuffer(bytearray(raw), dtype=torch.uint8).long()

    x_all, y_all = images("train-images-idx3-ubyte"), labels("train-labels-idx1-ubyte")
    x_test, y_test = images("t10k-images-idx3-ubyte"), labels("t10k-labels-idx1-ubyte")
    perm = torch.randperm(x_all.shape[0])
    val_idx, train_idx = perm[:args.validation], perm[args.validation:]
    x_train, y_train = x_all[train_idx], y_all[train_idx]
    x_val, y_val = x_all[val_idx], y_all[val_idx]
    mean, std = x_train.mean().item(), x_train.std(unbiased=False).item()

    def normalise(x):
        return (x - mean) / std

    def rotate(x):
        # bilinear, about the image centre, zeros outside: the same mapping as nn_augment_rotate
        theta = (torch.rand(x.shape[0]) * 2 - 1) * math.radians(args.rotation)
        c, s = torch.cos(theta), torch.sin(theta)
        mat = torch.zeros(x.shape[0], 2, 3)
        mat[:, 0, 0], mat[:, 0, 1], mat[:, 1, 0], mat[:, 1, 1] = c, -s, s, c
        grid = F.affine_grid(mat, list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)

    model = reference_model(nn)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    bs = 64

    def evaluate(x, y):
        model.eval()
        loss, correct = 0.0, 0
        with torch.no_grad():
            for b in range(0, x.shape[0], 1000):
                out = model(normalise(x[b:b + 1000]))
                loss += F.cross_entropy(out, y[b:b + 1000], reduction="sum").item()
                correct += (out.argmax(1) == y[b:b + 1000]).sum().item()
        return loss / x.shape[0], correct / x.shape[0]

    best = None
    last = None
    for epoch in range(1, args.epochs + 1):
        model.train()
        start = time.perf_counter()
        order = torch.randperm(x_train.shape[0])
        loss_sum, correct = 0.0, 0
        for b in range(0, x_train.shape[0], bs):
            idx = order[b:b + bs]
            xb = x_train[idx]
            if args.rotation > 0:
                xb = rotate(xb)
            out = model(normalise(xb))
            loss = F.cross_entropy(out, y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += loss.item() * idx.shape[0]
            correct += (out.argmax(1) == y_train[idx]).sum().item()
        seconds = time.perf_counter() - start
        val_loss, val_acc = evaluate(x_val, y_val)
        test_loss, test_acc = evaluate(x_test, y_test)
        row = {"event": "epoch", "epoch": epoch, "train_loss": loss_sum / x_train.shape[0],
               "train_accuracy": correct / x_train.shape[0], "val_loss": val_loss,
               "val_accuracy": val_acc, "test_loss": test_loss, "test_accuracy": test_acc,
               "seconds": round(seconds, 2)}
        row["best"] = best is None or (val_acc, -val_loss) > (best["val_accuracy"],
                                                               -best["val_loss"])
        if row["best"]:
            best = row
        last = row
        print(json.dumps(row), flush=True)

    print(json.dumps({"event": "summary", "available": True, "version": torch.__version__,
                      "seed": args.seed, "best_epoch": best["epoch"],
                      "best_test_accuracy": best["test_accuracy"],
                      "last_test_accuracy": last["test_accuracy"]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
