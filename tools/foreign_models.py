#!/usr/bin/env python3
"""Foreign ONNX embedding models for simforge's tests (issue #14), made the way users make them.

Writes, under OUT (default infer/src/test/resources/foreign), one folder per model with the ONNX file, what
simforge needs to run it (a Hugging Face preprocessor_config.json, a sidecar, or nothing: the test gives flags), a
batch of preprocessed inputs (input.npy: items as simforge prepares them, N x C x H x W, RGB) and ONNX Runtime's
outputs on them (expected.npy), computed here with onnxruntime on the layout and channel order the model takes:

  classic/  a small ResNet-style network with an L2-normalised head, torch.onnx.export(dynamo=False), opset 17,
            symbolic batch; preprocessor_config.json beside it; images/*.png and expected-images.npy, the
            embeddings of those files through this script's own preprocessing (centre crop, scale, mean, std)
  dynamo/   the same architecture, the default dynamo exporter, weights in net.onnx.data; net.simforge.json beside it
  nhwc/     channels-last input [batch, 32, 32, 3] taking BGR (the permute is in the graph)
  tokens/   a patch-token encoder whose output is last_hidden_state [batch, 17, 16]; expected-cls.npy and
            expected-mean.npy pool it
  batch1/   exported with a fixed batch of 1

Test fixtures only: run it with PyTorch 2.13 (CPU), onnx, onnxruntime 1.30, onnxscript and Pillow in a venv:
  python3 -m venv /work/venv && /work/venv/bin/pip install 'torch==2.13.*' onnx 'onnxruntime==1.30.*' onnxscript pillow
  /work/venv/bin/python tools/foreign_models.py
"""
import json
import pathlib
import sys

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

OUT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "infer/src/test/resources/foreign")
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
SIZE = 32


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)
        self.c2, self.b2 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)

    def forward(self, x):
        return F.relu(x + self.b2(self.c2(F.relu(self.b1(self.c1(x))))))


class ResNetish(nn.Module):
    """Stem, two residual stages, global average pooling, a linear head, L2 normalisation."""

    def __init__(self, channels_last=False, embedding=12):
        super().__init__()
        self.channels_last = channels_last
        self.stem, self.bn = nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(8)
        self.s1 = Block(8)
        self.down, self.bn2 = nn.Conv2d(8, 16, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(16)
        self.s2 = Block(16)
        self.head = nn.Linear(16, embedding)

    def forward(self, x):
        if self.channels_last:
            x = x.permute(0, 3, 1, 2)
        x = F.relu(self.bn(self.stem(x)))
        x = self.s2(F.relu(self.bn2(self.down(self.s1(x)))))
        return F.normalize(self.head(x.mean(dim=(2, 3))), dim=1)


class Tokens(nn.Module):
    """8x8 patches to 16-d tokens, a CLS token, position embeddings, one pre-norm MLP block: [batch, 17, 16]."""

    def __init__(self, d=16):
        super().__init__()
        self.patch = nn.Conv2d(3, d, 8, stride=8)
        self.cls = nn.Parameter(torch.randn(1, 1, d))
        self.pos = nn.Parameter(torch.randn(1, 17, d) * 0.1)
        self.norm, self.fc1, self.fc2 = nn.LayerNorm(d), nn.Linear(d, 32), nn.Linear(32, d)

    def forward(self, x):
        t = self.patch(x).flatten(2).transpose(1, 2)
        t = torch.cat([self.cls.expand(x.shape[0], -1, -1), t], dim=1) + self.pos
        return t + self.fc2(F.gelu(self.fc1(self.norm(t))))


def randomise_batchnorm(model):
    """Running statistics as after training, so that inference-mode BatchNorm does real work."""
    g = torch.Generator().manual_seed(7)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=g) * 0.1)
    return model.eval()


def export(model, folder, example, input_name, output_name, dynamo, batch_dynamic=True, opset=17):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "net.onnx"
    if dynamo:
        shapes = {"x": {0: torch.export.Dim("batch", min=1, max=1024)}} if batch_dynamic else None
        program = torch.onnx.export(model, (example,), dynamo=True, input_names=[input_name],
                                    output_names=[output_name], dynamic_shapes=shapes, opset_version=opset)
        program.save(str(path), external_data=True)
    else:
        axes = {input_name: {0: "batch"}, output_name: {0: "batch"}} if batch_dynamic else None
        torch.onnx.export(model, (example,), str(path), dynamo=False, input_names=[input_name],
                          output_names=[output_name], dynamic_axes=axes, opset_version=opset)
    onnx.checker.check_model(str(path))
    return path


def run(path, feed):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    if session.get_inputs()[0].shape[0] == 1:  # a fixed batch of 1: one item a call
        return np.concatenate([session.run(None, {name: feed[i:i + 1]})[0] for i in range(len(feed))])
    return session.run(None, {name: feed})[0]


def preprocessed(n, seed):
    """Inputs as simforge prepares them: N x 3 x H x W, RGB, already normalised."""
    return np.random.default_rng(seed).normal(size=(n, 3, SIZE, SIZE)).astype(np.float32)


def save(folder, inputs, outputs, suffix=""):
    np.save(folder / "input.npy", inputs)
    np.save(folder / f"expected{suffix}.npy", outputs.astype(np.float32))


def images(folder):
    """Five RGB PNGs: three of exactly 32x32 and two of 40x32 that the centre crop cuts to 32x32; no resampling."""
    rng = np.random.default_rng(11)
    (folder / "images").mkdir(exist_ok=True)
    files = []
    for i, (w, h) in enumerate([(32, 32), (32, 32), (32, 32), (40, 32), (40, 32)]):
        pixels = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
        name = f"image-{i}.png"
        Image.fromarray(pixels, "RGB").save(folder / "images" / name)
        files.append(name)
    return files


def hf_preprocess(path):
    """Hugging Face's image processor steps for the config below: centre crop 32x32 (the shorter side is already 32,
    so the resize changes nothing), rescale 1/255, normalise with the ImageNet mean and std, channels first."""
    img = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32)
    h, w = img.shape[:2]
    top, left = (h - SIZE) // 2, (w - SIZE) // 2
    img = img[top:top + SIZE, left:left + SIZE]
    return ((img * np.float32(1 / 255) - MEAN) / STD).transpose(2, 0, 1)


def main():
    torch.manual_seed(0)
    example = torch.randn(2, 3, SIZE, SIZE)

    classic = OUT / "classic"
    path = export(randomise_batchnorm(ResNetish()), classic, example, "pixel_values", "embedding", dynamo=False)
    x = preprocessed(3, 1)
    save(classic, x, run(path, x))
    (classic / "preprocessor_config.json").write_text(json.dumps({
        "crop_size": {"height": SIZE, "width": SIZE}, "do_center_crop": True, "do_normalize": True,
        "do_rescale": True, "do_resize": True, "image_mean": MEAN.tolist(), "image_std": STD.tolist(),
        "image_processor_type": "ViTImageProcessor", "resample": 2, "rescale_factor": 1 / 255,
        "size": {"shortest_edge": SIZE}}, indent=2) + "\n")
    files = images(classic)
    batch = np.stack([hf_preprocess(classic / "images" / f) for f in files])
    np.save(classic / "expected-images.npy", run(path, batch).astype(np.float32))

    torch.manual_seed(1)
    dynamo = OUT / "dynamo"
    path = export(randomise_batchnorm(ResNetish()), dynamo, example, "pixels", "embedding", dynamo=True, opset=18)
    x = preprocessed(2, 2)
    save(dynamo, x, run(path, x))
    (dynamo / "net.simforge.json").write_text(json.dumps({
        "format": "simforge-model-settings", "version": 1, "height": SIZE, "width": SIZE, "resize_shorter_side": 0,
        "scale": 1 / 255, "mean": MEAN.tolist(), "std": STD.tolist(), "channel_order": "rgb"}, indent=2) + "\n")

    torch.manual_seed(2)
    nhwc = OUT / "nhwc"
    path = export(randomise_batchnorm(ResNetish(channels_last=True)), nhwc, example.permute(0, 2, 3, 1).contiguous(),
                  "image", "features", dynamo=False)
    x = preprocessed(2, 3)
    save(nhwc, x, run(path, np.ascontiguousarray(x[:, ::-1].transpose(0, 2, 3, 1))))  # BGR, channels last

    torch.manual_seed(3)
    tokens = OUT / "tokens"
    path = export(Tokens().eval(), tokens, example, "pixel_values", "last_hidden_state", dynamo=False)
    x = preprocessed(2, 4)
    hidden = run(path, x)
    np.save(tokens / "input.npy", x)
    np.save(tokens / "expected-cls.npy", hidden[:, 0].astype(np.float32))
    np.save(tokens / "expected-mean.npy", hidden.mean(axis=1, dtype=np.float64).astype(np.float32))

    torch.manual_seed(4)
    batch1 = OUT / "batch1"
    path = export(randomise_batchnorm(ResNetish()), batch1, example[:1], "input", "output", dynamo=False,
                  batch_dynamic=False)
    x = preprocessed(2, 5)
    save(batch1, x, run(path, x))
    for f in sorted(OUT.rglob("*")):
        if f.is_file():
            print(f"{f.stat().st_size:8d}  {f}")


if __name__ == "__main__":
    main()
