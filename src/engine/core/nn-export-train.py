#!/usr/bin/env python3
# train.py: Digit Lab's network and training recipe in PyTorch, on one machine or many
# SPDX-License-Identifier: GPL-3.0-or-later
"""Train a Digit Lab network with PyTorch, on CPUs or GPUs, one process or many.

The network is built from config.json (the one beside this script unless --config says
otherwise) and trained with the recipe recorded there: the same validation split (the same
random permutation as Digit Lab), normalisation from the training images, augmentation,
optimiser, learning rate, batch size and epochs, the best epoch chosen by validation accuracy.
The result is a model folder Digit Lab opens: model.safetensors and config.json.

One process:     python3 train.py --data MNIST_DIR --output OUT
Several (DDP):   torchrun --nproc_per_node=4 train.py --data MNIST_DIR --output OUT
                 (gloo on CPUs, NCCL on GPUs; the batch size is the global one)

MNIST_DIR holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
t10k-labels-idx1-ubyte, each raw or gzip-compressed (.gz).

Used as a module (the model card does):
    import train
    model, config = train.load_model("folder")     # eval mode, batch norm included
"""

import argparse
import array
import gzip
import json
import math
import os
import platform
import struct
import sys
import tempfile
import time
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

FORMAT_VERSION = 1
CONFIG_METADATA = "digit_lab_config"
MASK64 = (1 << 64) - 1


# ---- the network: one builder per layer kind of config.json's "layers" --------------------

def _conv2d(spec, shape):
    c, h, w = shape
    k = spec["kernel_size"]
    stride = spec.get("stride", 1)
    pad = spec.get("padding", 0)
    if spec.get("in_channels", c) != c:
        raise ValueError("in_channels is %s but the input has %d channels" % (spec["in_channels"], c))
    out = spec["out_channels"]
    module = nn.Conv2d(c, out, k, stride=stride, padding=pad)
    return module, (out, (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1)


def _maxpool2d(spec, shape):
    c, h, w = shape
    k = spec["kernel_size"]
    stride = spec.get("stride", k)
    return nn.MaxPool2d(k, stride=stride), (c, (h - k) // stride + 1, (w - k) // stride + 1)


def _linear(spec, shape):
    if len(shape) != 1:
        raise ValueError("a linear layer needs a flat input; add flatten before it")
    if spec.get("in_features", shape[0]) != shape[0]:
        raise ValueError("in_features is %s but the input has %d" % (spec["in_features"], shape[0]))
    return nn.Linear(shape[0], spec["out_features"]), (spec["out_features"],)


def _flatten(spec, shape):
    return nn.Flatten(), (math.prod(shape),)


def _same(module_type):
    return lambda spec, shape: (module_type(), shape)


def _dropout(spec, shape):
    return nn.Dropout(spec.get("p", 0.5)), shape


def _batchnorm(dims):
    def build(spec, shape):
        if len(shape) != (3 if dims == 2 else 1):
            raise ValueError("batch norm %dd does not fit an input of shape %s" % (dims, shape))
        if spec.get("num_features", shape[0]) != shape[0]:
            raise ValueError("num_features is %s but the input has %d" % (spec["num_features"], shape[0]))
        module_type = nn.BatchNorm2d if dims == 2 else nn.BatchNorm1d
        return module_type(shape[0], eps=spec.get("eps", 1e-5),
                           momentum=spec.get("momentum", 0.1)), shape
    return build


def _adaptive_avgpool(spec, shape):
    if len(shape) != 3:
        raise ValueError("average pooling needs an image input")
    size = spec.get("output_size", 1)
    if size != 1:
        raise ValueError("only global average pooling (output_size 1) is known here")
    return nn.AdaptiveAvgPool2d(1), (shape[0], 1, 1)


# Every kind of Digit Lab's layer table that this script knows, by its config.json "type".
LAYER_BUILDERS = {
    "conv2d": _conv2d,
    "relu": _same(nn.ReLU),
    "tanh": _same(nn.Tanh),
    "maxpool2d": _maxpool2d,
    "flatten": _flatten,
    "linear": _linear,
    "dropout": _dropout,
    "batchnorm2d": _batchnorm(2),
    "batchnorm1d": _batchnorm(1),
    "adaptiveavgpool2d": _adaptive_avgpool,
}


def build_model(config):
    """nn.Sequential over config["layers"]; its state_dict names match model.safetensors."""
    shape = tuple(config["input_shape"])
    modules = []
    for i, spec in enumerate(config["layers"]):
        kind = spec.get("type")
        builder = LAYER_BUILDERS.get(kind)
        if builder is None:
            raise ValueError("layer %d: this train.py does not know the layer kind %r (it knows %s); "
                             "export the model again with the Digit Lab that made it"
                             % (i + 1, kind, ", ".join(sorted(LAYER_BUILDERS))))
        try:
            module, shape = builder(spec, shape)
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError("layer %d (%s): %s" % (i + 1, kind, e)) from None
        modules.append(module)
    if shape != (config["num_classes"],):
        raise ValueError("the layers give %s outputs, not the %d classes"
                         % (shape, config["num_classes"]))
    return nn.Sequential(*modules)


# ---- safetensors, with the package when it is there and the standard library otherwise -----

_DTYPES = {"F32": (torch.float32, 4), "F64": (torch.float64, 8), "I64": (torch.int64, 8)}


def load_weights(path):
    """A dict of tensors from a .safetensors file."""
    try:
        from safetensors.torch import load_file
        return load_file(path)
    except ImportError:
        pass
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError("%s is too short for a safetensors file" % path)
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise ValueError("%s: the header runs past the end of the file" % path)
    header = json.loads(data[8:8 + n])
    body = memoryview(data)[8 + n:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype, size = _DTYPES[info["dtype"]]
        start, end = info["data_offsets"]
        count = math.prod(info["shape"])
        if end - start != count * size or end > len(body):
            raise ValueError("%s: tensor %s does not fit its shape" % (path, name))
        t = torch.frombuffer(bytearray(body[start:end]), dtype=dtype) if count else torch.zeros(0, dtype=dtype)
        tensors[name] = t.reshape(info["shape"]).clone()
    return tensors


def _write_atomically(path, data):
    """Beside path, synced, then renamed over it: a reader sees the old file or the new one."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _float32_bytes(t):
    """Little-endian float32 bytes of a tensor, with or without numpy."""
    try:
        return t.numpy().astype("<f4").tobytes()
    except (ImportError, RuntimeError):
        values = array.array("f", t.reshape(-1).tolist())
        if sys.byteorder != "little":
            values.byteswap()
        return values.tobytes()


def save_weights(tensors, path, metadata):
    """model.safetensors: float32 tensors in order, the metadata strings in its header."""
    tensors = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in tensors.items()}
    header = {"__metadata__": metadata}
    offset = 0
    for name, t in tensors.items():
        n = t.numel() * 4
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + n]}
        offset += n
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    body = b"".join(_float32_bytes(t) for t in tensors.values())
    _write_atomically(path, struct.pack("<Q", len(text)) + text + body)


def load_model(folder):
    """The model in folder (config.json + model.safetensors), in eval mode, and its config."""
    with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    model = build_model(config)
    weights = load_weights(os.path.join(folder, "model.safetensors"))
    missing, unexpected = model.load_state_dict(weights, strict=False)
    # batch norm's step counter is PyTorch's own: nothing else may be missing
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise ValueError("the weights do not fit config.json: missing %s, unexpected %s"
                         % (missing, unexpected))
    model.eval()
    return model, config


# ---- MNIST's IDX files, raw or gzip -----------------------------------------------------

def read_idx(path, want_dims):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise ValueError("%s is not a readable gzip file: %s" % (path, e)) from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08 or data[3] != want_dims:
        raise ValueError("%s is not an IDX file of unsigned bytes with %d dimensions" % (path, want_dims))
    dims = struct.unpack(">%dI" % want_dims, data[4:4 + 4 * want_dims])
    start = 4 + 4 * want_dims
    if len(data) - start != math.prod(dims):
        raise ValueError("%s holds %d bytes of data, its header says %d"
                         % (path, len(data) - start, math.prod(dims)))
    return torch.frombuffer(bytearray(data[start:]), dtype=torch.uint8).reshape(dims)


def find_idx(folder, prefix, kind):
    for name in ("%s-%s" % (prefix, kind), "%s.%s" % (prefix, kind)):
        for suffix in ("", ".gz"):
            path = os.path.join(folder, name + suffix)
            if os.path.isfile(path):
                return path
    raise FileNotFoundError("%s has no %s-%s (or .gz) file" % (folder, prefix, kind))


def load_split(folder, prefix):
    images = read_idx(find_idx(folder, prefix + "-images", "idx3-ubyte"), 3)
    labels = read_idx(find_idx(folder, prefix + "-labels", "idx1-ubyte"), 1)
    if len(images) != len(labels):
        raise ValueError("%s: %d images but %d labels" % (folder, len(images), len(labels)))
    return images, labels.long()


# ---- Digit Lab's random numbers, for the same validation split ---------------------------

class Xoshiro256:
    """xoshiro256** seeded through splitmix64, as Digit Lab's engine (nn-rng.c)."""

    def __init__(self, seed):
        x = seed & MASK64
        self.s = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & MASK64
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
            self.s.append(z ^ (z >> 31))

    def next(self):
        s = self.s
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & MASK64
        result = (rotl((s[1] * 5) & MASK64, 7) * 9) & MASK64
        t = (s[1] << 17) & MASK64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def below(self, n):
        m = (self.next() >> 32) * n
        low = m & 0xFFFFFFFF
        if low < n:
            threshold = (-n) % (1 << 32) % n
            tries = 0
            while low < threshold and tries < 64:
                m = (self.next() >> 32) * n
                low = m & 0xFFFFFFFF
                tries += 1
        return m >> 32


def split_indices(n, n_val, seed):
    """Digit Lab's validation split (nn_split_indices): (training, validation) indices, sorted."""
    rng = Xoshiro256(seed ^ 0x5851F42D4C957F2D)
    perm = list(range(n))
    for i in range(n, 1, -1):
        j = rng.below(i)
        perm[i - 1], perm[j] = perm[j], perm[i - 1]
    return sorted(perm[n_val:]), sorted(perm[:n_val])


def mean_std(images):
    """Mean and standard deviation of the pixels in [0, 1], exact through a histogram."""
    hist = torch.bincount(images.reshape(-1), minlength=256).double()
    values = torch.arange(256, dtype=torch.float64)
    total = hist.sum()
    mean = (hist * values).sum() / total
    var = (hist * values * values).sum() / total - mean * mean
    return float(mean / 255), float(math.sqrt(max(float(var), 0.0)) / 255)


# ---- the recipe: augmentation, optimiser, schedule, as Digit Lab defines them -------------

def _gaussian_smooth(field, sigma):
    """Each (N, 1, H, W) field smoothed by a normalised Gaussian, edges reflected."""
    h, w = field.shape[-2:]
    radius = max(1, min(int(math.ceil(3 * sigma)), h - 1, w - 1))
    xs = torch.arange(-radius, radius + 1, dtype=field.dtype)
    kernel = torch.exp(-xs * xs / (2 * sigma * sigma))
    kernel = kernel / kernel.sum()
    field = F.pad(field, (radius, radius, 0, 0), mode="reflect")
    field = F.conv2d(field, kernel.view(1, 1, 1, -1))
    field = F.pad(field, (0, 0, radius, radius), mode="reflect")
    return F.conv2d(field, kernel.view(1, 1, -1, 1))


def augment(x, recipe, generator):
    """Digit Lab's random augmentation of pixels x (N, 1, H, W) in [0, 1]: the affine map
    c + t + R(angle) Sh(shear) scale (p - c) about the centre c, and Simard's elastic field d,
    sampled at once bilinearly, out(p) = in(A^-1(p + d(p))), outside 0."""
    rotation = float(recipe.get("rotation_degrees", 0) or 0)
    translate = float(recipe.get("translate", 0) or 0)
    scale = float(recipe.get("scale", 0) or 0)
    shear = float(recipe.get("shear_degrees", 0) or 0)
    alpha = float(recipe.get("elastic_alpha", 0) or 0)
    sigma = float(recipe.get("elastic_sigma", 4) or 4)
    if rotation <= 0 and translate <= 0 and scale <= 0 and shear <= 0 and alpha <= 0:
        return x
    n, _, h, w = x.shape

    def uniform(r):
        return (torch.rand(n, generator=generator) * 2 - 1) * r

    angle = torch.deg2rad(uniform(rotation))
    dx, dy = uniform(translate) * w, uniform(translate) * h
    factor = 1 + uniform(scale)
    tan_shear = torch.tan(torch.deg2rad(uniform(shear)))
    # the inverse map, in pixels: src = c + (1/scale) Sh^-1 R^-1 (q - c - t)
    cos, sin = torch.cos(angle), torch.sin(angle)
    r_inv = torch.stack([torch.stack([cos, -sin], 1), torch.stack([sin, cos], 1)], 1)
    sh_inv = torch.zeros(n, 2, 2)
    sh_inv[:, 0, 0] = 1
    sh_inv[:, 0, 1] = tan_shear
    sh_inv[:, 1, 1] = 1
    m = sh_inv @ r_inv / factor.view(n, 1, 1)                        # (N, 2, 2)
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32),
                            torch.arange(w, dtype=torch.float32), indexing="ij")
    q = torch.stack([xs, ys], -1).expand(n, h, w, 2).clone()         # (N, H, W, 2), x then y
    if alpha > 0:
        field = torch.rand(n, 2, h, w, generator=generator) * 2 - 1
        field = _gaussian_smooth(field.view(n * 2, 1, h, w), sigma).view(n, 2, h, w) * alpha
        q = q + field.permute(0, 2, 3, 1)
    centre = torch.tensor([(w - 1) / 2, (h - 1) / 2])
    rel = q - centre - torch.stack([dx, dy], 1).view(n, 1, 1, 2)
    src = torch.einsum("nij,nhwj->nhwi", m, rel) + centre
    grid = torch.stack([src[..., 0] / (w - 1) * 2 - 1, src[..., 1] / (h - 1) * 2 - 1], -1)
    return F.grid_sample(x, grid.to(x.device), mode="bilinear", padding_mode="zeros",
                         align_corners=True)


def learning_rate(recipe, t, total):
    """The rate of update t of total (nn_lr_schedule_at): constant, step, cosine, one-cycle."""
    base = recipe["learning_rate"]
    kind = recipe.get("lr_schedule", "constant")
    if kind == "constant":
        return base
    if kind == "step":
        per_epoch = max(1, total // recipe["epochs"])
        return base * recipe.get("lr_gamma", 0.1) ** (t // (recipe.get("lr_step_epochs", 1) * per_epoch))
    if kind == "cosine":
        low = recipe.get("lr_min", 0.0)
        return low + (base - low) * (1 + math.cos(math.pi * t / total)) / 2
    if kind == "one-cycle":
        start = base / recipe.get("lr_div_factor", 25.0)
        end = start / recipe.get("lr_final_div_factor", 1e4)
        rise = float(recipe.get("lr_pct_start", 0.3) * total) - 1
        anneal = lambda a, b, pct: b + (a - b) / 2 * (1 + math.cos(math.pi * pct))
        if t <= rise:
            return anneal(start, base, t / rise)
        return anneal(base, end, (t - rise) / (total - 1 - rise))
    raise ValueError("the learning-rate schedule %r is not known here" % kind)


def _adam(params, t, decoupled=False):
    kind = torch.optim.AdamW if decoupled else torch.optim.Adam
    return kind(params, lr=t["learning_rate"], betas=(0.9, 0.999), eps=1e-8,
                weight_decay=t.get("weight_decay", 0.0))


OPTIMIZERS = {
    "adam": _adam,
    "adamw": lambda params, t: _adam(params, t, decoupled=True),
    # files from before the momentum was recorded trained with 0.9
    "sgd": lambda params, t: torch.optim.SGD(params, lr=t["learning_rate"],
                                             momentum=t.get("momentum", 0.9),
                                             weight_decay=t.get("weight_decay", 0.0)),
}

# The fields of config.json's "training" that this script trains by, and the ones that only
# record what happened (rewritten after training).
RECIPE_FIELDS = {"epochs", "batch_size", "optimizer", "learning_rate", "weight_decay",
                 "momentum", "validation_size", "seed", "rotation_degrees", "translate", "scale",
                 "shear_degrees", "elastic_alpha", "elastic_sigma", "lr_schedule",
                 "lr_step_epochs", "lr_gamma", "lr_min", "lr_pct_start", "lr_div_factor",
                 "lr_final_div_factor", "label_smoothing", "train_on_all"}
RECORD_FIELDS = {"best_epoch", "train_images", "best_validation_accuracy", "training_seconds",
                 "threads", "hardware", "engine_version"}


# ---- training ------------------------------------------------------------------------

def evaluate(model, images, labels, norm, device, batch=1000):
    """(accuracy, mean cross-entropy, probabilities) over images (N, 28, 28) uint8."""
    model.eval()
    correct, loss, probs = 0, 0.0, []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            x = (images[i:i + batch].float().unsqueeze(1) / 255 - norm[0]) / norm[1]
            y = labels[i:i + batch].to(device)
            out = model(x.to(device))
            loss += float(F.cross_entropy(out, y, reduction="sum"))
            correct += int((out.argmax(1) == y).sum())
            probs.append(out.softmax(1).cpu())
    n = max(len(images), 1)
    return correct / n, loss / n, torch.cat(probs) if probs else torch.zeros(0)


def describe_hardware(device, world):
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
    else:
        name = platform.processor() or platform.machine()
        try:
            with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
                for line in f:
                    if line.startswith("model name") and ":" in line:
                        name = line.split(":", 1)[1].strip()
                        break
        except OSError:
            pass
    return "%s, %d process%s (PyTorch %s)" % (name, world, "" if world == 1 else "es",
                                               torch.__version__)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="folder with MNIST's four IDX files")
    parser.add_argument("--output", required=True, help="model folder to write")
    parser.add_argument("--config", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                         "config.json"),
                        help="the architecture and recipe (default: config.json beside train.py)")
    parser.add_argument("--epochs", type=int, help="instead of the recipe's")
    parser.add_argument("--batch-size", type=int, help="global, over all processes")
    parser.add_argument("--learning-rate", type=float)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--validation-size", type=int, help="images held out of the training set")
    parser.add_argument("--max-batches", type=int, default=0,
                        help="stop each epoch after this many batches (for tests)")
    parser.add_argument("--train-images", type=int, default=0,
                        help="use only the first N training images (for tests)")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    args = parser.parse_args(argv)

    with open(args.config, encoding="utf-8") as f:
        config = json.load(f)
    if config.get("format_version") != FORMAT_VERSION:
        sys.exit("train.py: %s is not a Digit Lab config.json of format %d" % (args.config, FORMAT_VERSION))
    recipe = dict(config.get("training") or {})
    unknown = sorted(set(recipe) - RECIPE_FIELDS - RECORD_FIELDS)
    if unknown:
        sys.exit("train.py: the recipe field%s %s %s not known to this train.py; export the model "
                 "again with the Digit Lab that trained it"
                 % ("s" if len(unknown) > 1 else "", ", ".join(unknown), "are" if len(unknown) > 1 else "is"))
    recipe.setdefault("epochs", 10)
    recipe.setdefault("batch_size", 64)
    recipe.setdefault("optimizer", "adam")
    recipe.setdefault("learning_rate", 1e-3)
    recipe.setdefault("rotation_degrees", 10.0)
    recipe.setdefault("validation_size", 5000)
    recipe.setdefault("seed", 1)
    for key, value in (("epochs", args.epochs), ("batch_size", args.batch_size),
                       ("learning_rate", args.learning_rate), ("seed", args.seed),
                       ("validation_size", args.validation_size)):
        if value is not None:
            recipe[key] = value
    if recipe.get("lr_schedule", "constant") not in ("constant", "step", "cosine", "one-cycle"):
        sys.exit("train.py: the learning-rate schedule %r is not known here" % recipe["lr_schedule"])
    if recipe["optimizer"] not in OPTIMIZERS:
        sys.exit("train.py: the optimiser %r is not known here (known: %s)"
                 % (recipe["optimizer"], ", ".join(sorted(OPTIMIZERS))))

    # torchrun sets these; a plain run is a world of one
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
    device = torch.device("cuda", local_rank) if use_cuda else torch.device("cpu")
    if use_cuda:
        torch.cuda.set_device(device)
    if world > 1:
        import torch.distributed as dist
        dist.init_process_group("nccl" if use_cuda else "gloo")

    images, labels = load_split(args.data, "train")
    if args.train_images > 0:
        images, labels = images[:args.train_images], labels[:args.train_images]
    if tuple(images.shape[1:]) != tuple(config["input_shape"][1:]):
        sys.exit("train.py: the images are %s, the network takes %s"
                 % (tuple(images.shape[1:]), config["input_shape"]))
    n_val = recipe["validation_size"]
    if not 0 < n_val < len(images) - recipe["batch_size"]:
        sys.exit("train.py: %d training images cannot hold out %d for validation and still fill a "
                 "batch of %d" % (len(images), n_val, recipe["batch_size"]))
    train_idx, val_idx = split_indices(len(images), n_val, recipe["seed"])
    if recipe.get("train_on_all"):
        # the epoch count was chosen on the split before: now every image is trained on, and
        # the last epoch is kept
        train_idx = train_idx + val_idx
    train_idx, val_idx = torch.tensor(train_idx), torch.tensor(val_idx)
    norm = mean_std(images[train_idx])
    try:
        test_images, test_labels = load_split(args.data, "t10k")
    except FileNotFoundError:
        test_images = None

    torch.manual_seed(recipe["seed"])
    model = build_model(config).to(device)
    if world > 1:
        model = nn.parallel.DistributedDataParallel(model, device_ids=[local_rank] if use_cuda else None)
    net = model.module if world > 1 else model
    optimizer = OPTIMIZERS[recipe["optimizer"]](model.parameters(), recipe)
    local_batch = max(1, recipe["batch_size"] // world)
    generator = torch.Generator().manual_seed(recipe["seed"] * 1000003 + rank)

    best = None                      # (accuracy, loss, epoch, state)
    seconds = 0.0
    step = 0
    batches_per_epoch = len(train_idx) // (local_batch * world)
    if args.max_batches > 0:
        batches_per_epoch = min(batches_per_epoch, args.max_batches)
    total_steps = max(1, batches_per_epoch * recipe["epochs"])
    for epoch in range(1, recipe["epochs"] + 1):
        model.train()
        started = time.perf_counter()
        # one permutation for all processes, each taking its share of every global batch
        order = train_idx[torch.randperm(len(train_idx), generator=torch.Generator().manual_seed(
            recipe["seed"] * 7919 + epoch))]
        for b in range(batches_per_epoch):
            first = (b * world + rank) * local_batch
            idx = order[first:first + local_batch]
            x = augment(images[idx].float().unsqueeze(1) / 255, recipe, generator)
            x = ((x - norm[0]) / norm[1]).to(device)
            y = labels[idx].to(device)
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(recipe, step, total_steps)
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), y, label_smoothing=float(recipe.get("label_smoothing", 0)))
            loss.backward()
            optimizer.step()
            step += 1
        seconds += time.perf_counter() - started
        acc, val_loss, _ = evaluate(net, images[val_idx], labels[val_idx], norm, device)
        if rank == 0:
            print("epoch %d: validation accuracy %.4f, loss %.4f" % (epoch, acc, val_loss), flush=True)
        if (best is None or recipe.get("train_on_all") or acc > best[0] or
                (acc == best[0] and val_loss < best[1])):
            best = (acc, val_loss, epoch, {k: v.detach().cpu().clone() for k, v in net.state_dict().items()})

    if rank == 0:
        net.load_state_dict(best[3])
        config = dict(config)
        config["normalization"] = {"mean": norm[0], "std": norm[1]}
        if test_images is not None:
            config["test_accuracy"], _, _ = evaluate(net, test_images, test_labels, norm, device)
        else:
            config.pop("test_accuracy", None)
        training = {k: v for k, v in recipe.items() if k in RECIPE_FIELDS}
        config["training"] = training
        training.update({
            "best_epoch": best[2], "batch_size": local_batch * world, "validation_size": n_val,
            "train_images": len(train_idx),
            "best_validation_accuracy": best[0], "training_seconds": round(seconds, 3),
            "threads": torch.get_num_threads() * world,
            "hardware": describe_hardware(device, world)[:200],
            "engine_version": ("train.py, PyTorch " + torch.__version__)[:64],
        })
        text = json.dumps(config, indent=2, ensure_ascii=False) + "\n"
        # batch norm's step counter is PyTorch's alone; Digit Lab keeps the rest
        weights = {k: v for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")}
        os.makedirs(args.output, exist_ok=True)
        save_weights(weights, os.path.join(args.output, "model.safetensors"),
                     {"format": "pt", "architecture": config.get("architecture", ""),
                      "producer": "Digit Lab train.py", CONFIG_METADATA: text})
        _write_atomically(os.path.join(args.output, "config.json"), text.encode("utf-8"))
        print("best epoch %d (validation accuracy %.4f) written to %s" % (best[2], best[0], args.output),
              flush=True)
    if world > 1:
        import torch.distributed as dist
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    try:
        main()
    except (OSError, ValueError, KeyError, json.JSONDecodeError, struct.error, EOFError) as e:
        # bad files and folders: one line, not a traceback
        text = str(e) if not isinstance(e, KeyError) else "config.json lacks %s" % e
        sys.exit("train.py: %s" % text)
