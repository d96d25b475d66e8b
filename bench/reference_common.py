# reference_common.py: what the PyTorch scripts in bench/ share, the IDX reader and the network
# SPDX-License-Identifier: GPL-3.0-or-later
import gzip
import json
import os
import struct


def start_torch(threads, seed):
    """torch with its thread count and seed set; None, after printing {"available": false},
    when PyTorch is not installed."""
    try:
        import torch
    except ImportError:
        print(json.dumps({"available": False}))
        return None
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    return torch


def find_idx(dirname, stem):
    """The IDX file stem in dirname, raw or .gz, or None."""
    for name in (stem, stem + ".gz"):
        path = os.path.join(dirname, name)
        if os.path.exists(path):
            return path
    return None


def load_idx(path):
    """(dims, raw bytes) of an IDX file, raw or .gz."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = struct.unpack(">I", data[:4])[0] & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return dims, data[4 + 4 * ndim:]


def reference_model(nn):
    """The reference network, in the layer order Digit Lab's tensor names follow."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
