#!/usr/bin/env python3
"""Exports a torchvision ResNet to ONNX so that `simforge train --init FILE.onnx` can start from its weights.

simforge's ResNets follow torchvision's layout (7x7/2 stem, 3x3/2 max pool, four stages, stride on the 3x3
convolution of bottlenecks), so the weights carry over layer by layer; the classifier (fc) is left out unless
the embedding size equals its width.

    # ImageNet weights (torchvision downloads them into its cache the first time, or reads them from there):
    python3 tools/torchvision_to_onnx.py --arch resnet50 --weights IMAGENET1K_V1 -o resnet50-imagenet.onnx
    # weights you already have, as a state_dict saved with torch.save:
    python3 tools/torchvision_to_onnx.py --arch resnet50 --state-dict resnet50.pth -o resnet50.onnx

By default BatchNorm is kept as its own node (exported in training mode with momentum 0, so the running
statistics are written unchanged), which lets simforge fine-tune BatchNorm as the original network had it.
--fold-batchnorm writes what a plain eval-mode torch.onnx.export writes (BatchNorm folded into the
convolutions); simforge reads that too, exactly for inference and for --frozen-batchnorm training.

--random SEED (with --width, --size, --classes and --reference DIR) makes the small networks and reference
outputs that simforge's tests compare against: BatchNorm statistics are randomised so that folding them matters.
Needs PyTorch and torchvision (Debian: python3-torch python3-torchvision).
"""
import argparse
import os

import numpy as np
import torch
import torchvision
from torchvision.models import resnet as tv_resnet

LAYOUTS = {
    "resnet18": (tv_resnet.BasicBlock, [2, 2, 2, 2]),
    "resnet34": (tv_resnet.BasicBlock, [3, 4, 6, 3]),
    "resnet50": (tv_resnet.Bottleneck, [3, 4, 6, 3]),
}


def narrow_resnet(arch, width, classes):
    """torchvision's own ResNet class with every stage `64 // width` times narrower (module names unchanged)."""
    block, layers = LAYOUTS[arch]
    if 64 % width:
        raise SystemExit("--width must divide 64")
    factor = 64 // width

    class Narrow(tv_resnet.ResNet):
        def _make_layer(self, blk, planes, blocks, stride=1, dilate=False):
            if planes == 64:  # the first stage: its input is the (narrowed) stem
                self.inplanes = width
            return super()._make_layer(blk, planes // factor, blocks, stride, dilate)

    model = Narrow(block, layers, num_classes=classes)
    model.conv1 = torch.nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False)
    model.bn1 = torch.nn.BatchNorm2d(width)
    model.fc = torch.nn.Linear(512 // factor * block.expansion, classes)
    return model


def build(args):
    if args.random is not None:
        torch.manual_seed(args.random)
        model = narrow_resnet(args.arch, args.width, args.classes)
        if args.width == 64:  # the narrowing trick must reproduce torchvision's network exactly
            reference = getattr(torchvision.models, args.arch)(num_classes=args.classes)
            assert {k: v.shape for k, v in model.state_dict().items()} == \
                   {k: v.shape for k, v in reference.state_dict().items()}
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                with torch.no_grad():
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.2, 0.2)
                    m.running_mean.uniform_(-0.2, 0.2)
                    m.running_var.uniform_(0.5, 2.0)
        return model
    if args.width != 64:
        raise SystemExit("--width is for --random test networks only")
    if args.state_dict:
        model = getattr(torchvision.models, args.arch)()
        model.load_state_dict(torch.load(args.state_dict, map_location="cpu"))
        return model
    return getattr(torchvision.models, args.arch)(weights=args.weights)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", choices=sorted(LAYOUTS), required=True)
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--weights", help="torchvision weights name, e.g. IMAGENET1K_V1")
    source.add_argument("--state-dict", help="a state_dict file (torch.save(model.state_dict(), ...))")
    source.add_argument("--random", type=int, metavar="SEED", help="random weights (test networks)")
    p.add_argument("--width", type=int, default=64, help="first-stage width (64: torchvision's network)")
    p.add_argument("--classes", type=int, default=1000, help="--random: classifier width")
    p.add_argument("--size", type=int, default=224, help="input side of the exported graph")
    p.add_argument("--fold-batchnorm", action="store_true", help="fold BatchNorm into the convolutions")
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--reference", metavar="DIR", help="also write inputs and PyTorch's outputs as .npy")
    p.add_argument("-o", "--out", required=True)
    args = p.parse_args()

    model = build(args).eval()
    x = torch.randn(2, 3, args.size, args.size)  # 2: training-mode BatchNorm needs more than one value per channel
    before = {k: v.clone() for k, v in model.state_dict().items()}
    if args.fold_batchnorm:
        torch.onnx.export(model, x, args.out, opset_version=args.opset, input_names=["images"],
                          output_names=["logits"], dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}})
    else:
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.momentum = 0.0  # the training-mode trace must not move the running statistics
        torch.onnx.export(model, x, args.out, opset_version=args.opset, input_names=["images"],
                          output_names=["logits"], dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}},
                          training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False)
        model.eval()
        for k, v in model.state_dict().items():
            if v.dtype.is_floating_point:
                assert torch.equal(v, before[k]), k + " changed during export"
    print("wrote", args.out, os.path.getsize(args.out), "bytes")

    if args.reference:
        os.makedirs(args.reference, exist_ok=True)
        gen = torch.Generator().manual_seed(7)
        images = torch.randn(4, 3, args.size, args.size, generator=gen)
        gray = torch.randn(4, 1, args.size, args.size, generator=gen)
        backbone = torch.nn.Sequential(*list(model.children())[:-1], torch.nn.Flatten())
        with torch.no_grad():
            outputs = {
                "images": images,
                "features": backbone(images),  # pooled, before fc
                "logits": model(images),
                "gray": gray,
                "gray-features": backbone(gray.expand(-1, 3, -1, -1)),  # a gray image as three equal channels
            }
        for name, t in outputs.items():
            np.save(os.path.join(args.reference, name + ".npy"), t.numpy().astype(np.float32))
        print("wrote reference outputs to", args.reference)


if __name__ == "__main__":
    main()
