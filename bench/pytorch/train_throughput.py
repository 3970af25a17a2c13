#!/usr/bin/env python3
"""Peer benchmark for `simforge bench train`: the same networks, loss and batch layout trained with PyTorch.

The peer is the CPU wheel of torch 2.13 in the venv bench/setup.sh makes (Debian's python3-torch 1.13 runs it too):
  /work/venv/bin/python bench/pytorch/train_throughput.py --size 64 --threads 2
--profile DIR runs torch.profiler (CPU) over the timed steps of each configuration and writes its Chrome trace to
DIR/ARCH-ms.json and DIR/ARCH-ms-ee.json, as `simforge bench train --profile DIR` does for libtorch; profile_ops.py
sums both per op. The images/s of a profiled run are not comparable.
Synthetic 3-channel images, batches of 5 classes x 16, Adam lr 1e-3, Multi-Similarity loss (alpha 2,
beta 40, lambda 0.5, epsilon 0.1) with and without Embedding Expansion (n = 2, normalised), as in simforge.
"""
import argparse
import os
import re
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvNet(nn.Module):
    """simforge's ConvNet: 3x3 conv (no bias) -> BatchNorm -> ReLU per stage, 2x2 max pool between, GAP, linear."""

    def __init__(self, widths=(32, 64, 128), dim=64, channels=3):
        super().__init__()
        layers, c = [], channels
        for i, w in enumerate(widths):
            layers += [nn.Conv2d(c, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True)]
            if i < len(widths) - 1:
                layers.append(nn.MaxPool2d(2, 2))
            c = w
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(c, dim)

    def forward(self, x):
        return F.normalize(self.head(self.features(x).mean((2, 3))), dim=1, eps=1e-12)


class Basic(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.short = None if stride == 1 and cin == cout else nn.Sequential(
            nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
        return F.relu(y + (x if self.short is None else self.short(x)))


class ResNet18(nn.Module):
    """torchvision's ResNet-18 layout (as simforge builds it), global average pooling, linear head."""

    def __init__(self, dim=512, channels=3):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(channels, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
                                  nn.MaxPool2d(3, 2, 1))
        blocks, cin = [], 64
        for stage, w in enumerate([64, 128, 256, 512]):
            for b in range(2):
                blocks.append(Basic(cin, w, 2 if stage > 0 and b == 0 else 1))
                cin = w
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(512, dim)

    def forward(self, x):
        return F.normalize(self.head(self.blocks(self.stem(x)).mean((2, 3))), dim=1, eps=1e-12)


def masked_lse(z, mask):
    """log(1 + sum over mask of exp(z)), row-wise, with an extra zero logit."""
    z = torch.where(mask, z, torch.full_like(z, float("-inf")))
    z = torch.cat([z, torch.zeros(z.shape[0], 1, dtype=z.dtype)], 1)
    return torch.logsumexp(z, 1)


def ms_loss(x, y, alpha=2.0, beta=40.0, lam=0.5, eps=0.1):
    s = x @ x.t()
    n = len(y)
    same = y[:, None] == y[None, :]
    pos = same & ~torch.eye(n, dtype=torch.bool)
    neg = ~same
    sd = s.detach()
    min_pos = torch.where(pos, sd, torch.full_like(sd, float("inf"))).min(1, keepdim=True).values
    max_neg = torch.where(neg, sd, torch.full_like(sd, float("-inf"))).max(1, keepdim=True).values
    neg_keep = neg & (sd + eps > min_pos)
    pos_keep = pos & (sd - eps < max_neg)
    loss = masked_lse(-alpha * (s - lam), pos_keep) / alpha + masked_lse(beta * (s - lam), neg_keep) / beta
    valid = pos_keep.any(1) & neg_keep.any(1)
    return (loss * valid).sum() / n


def expand(x, y, n=2):
    """Embedding Expansion: n normalised interior points between each row and its partner (row i xor 1)."""
    partner = x[torch.arange(len(y)) ^ 1]
    synth = [F.normalize((k * partner + (n + 1 - k) * x) / (n + 1), dim=1) for k in range(1, n + 1)]
    return torch.cat([x] + synth), y.repeat(n + 1)


def batches(labels, data):
    """P x K batches as simforge draws them: 5 random classes, their 16 items in random order."""
    while True:
        classes = torch.randperm(100)[:5]
        idx = torch.cat([torch.nonzero(labels == c).flatten()[torch.randperm(16)] for c in classes])
        yield (data[idx].float() / 255 - 0.5) / 0.25, labels[idx]


def run(arch, size, ee, warmup, steps, profile=None, phases=False):
    torch.manual_seed(1)
    model = ConvNet() if arch == "convnet" else ResNet18()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = torch.randint(0, 256, (1600, 3, size, size), dtype=torch.uint8)
    labels = torch.arange(100).repeat_interleave(16)
    model.train()
    source = batches(labels, data)
    # Phase times (with --phases): each phase timed on its own; CPU ops run synchronously, so the clock is exact.
    phase = {"forward": [], "loss": [], "backward": [], "optimiser": []}
    profiler = None
    start = None
    for it in range(warmup + steps):
        if it == warmup and profile:
            profiler = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU])
            profiler.__enter__()
        x, y = next(source)
        t0 = time.perf_counter()
        e = model(x)
        t1 = time.perf_counter()
        if ee:
            e, y = expand(e, y)
        loss = ms_loss(e, y)
        t2 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        t3 = time.perf_counter()
        opt.step()
        t4 = time.perf_counter()
        if it >= warmup:
            for k, a, b in (("forward", t0, t1), ("loss", t1, t2), ("backward", t2, t3), ("optimiser", t3, t4)):
                phase[k].append(1000 * (b - a))
        if it == warmup - 1:
            start = time.perf_counter()
    seconds = time.perf_counter() - start
    label = f"{arch} {size}x{size}, MS{' + EE' if ee else ''}"
    print(f"PyTorch {torch.__version__}: {label}, batch 80 (5x16): "
          f"{steps * 80 / seconds:.1f} images/s ({steps} timed steps after {warmup} warm-up, "
          f"{seconds * 1000 / steps:.0f} ms/step)", flush=True)
    if phases:
        print("  median ms per step: " + ", ".join(f"{k} {sorted(v)[len(v) // 2]:.1f}" for k, v in phase.items()))
    if profiler:
        profiler.__exit__(None, None, None)
        os.makedirs(profile, exist_ok=True)
        name = os.path.join(profile, f"{arch}-{'ms-ee' if ee else 'ms'}.json")
        profiler.export_chrome_trace(name)
        print(f"  profile: {name}")


def runtime_line():
    """Library versions and thread settings, one line, so every run says what it ran on."""
    config = torch.__config__.show()
    onednn = re.search(r"MKL-DNN v([\d.]+)", config)
    blas = re.search(r"BLAS_INFO=(\w+)", config)
    env = " ".join(f"{k}={os.environ[k]}" for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS") if k in os.environ)
    return (f"Runtime: PyTorch {torch.__version__} (oneDNN {onednn.group(1) if onednn else '?'}, "
            f"BLAS {blas.group(1) if blas else '?'}, mkldnn {'on' if torch.backends.mkldnn.enabled else 'off'}), "
            f"intra-op threads {torch.get_num_threads()}, inter-op threads {torch.get_num_interop_threads()}"
            f"{', ' + env if env else ''}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--architectures", default="convnet,resnet18")
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--profile", metavar="DIR", help="torch.profiler operator tables of the timed steps go to DIR")
    p.add_argument("--phases", action="store_true", help="also print median ms of forward/loss/backward/optimiser")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    print(runtime_line(), flush=True)
    for arch in a.architectures.split(","):
        for ee in (False, True):
            run(arch, a.size, ee, a.warmup, a.steps, a.profile, a.phases)


if __name__ == "__main__":
    main()
