#!/usr/bin/python3
"""Writes the tiny test model (random weights) with its card and a python reference input/output.

tests/model checks that LibTorch in C++ reproduces these outputs, so the C++ and python paths cannot drift.
Run: /usr/bin/python3 scripts/make_tiny_model.py tests/data
"""
import hashlib
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mpmri_net import ResNet3D, count_flops, export_torchscript  # noqa: E402

CLASSES = ["T1WI_In", "T1WI_Opp", "T2WI_Fs", "DWI_HighB", "ADC", "DCE_Pre", "DCE_Arterial", "DCE_Portal",
           "DCE_Delayed", "Other"]
GRID_ZYX = (8, 16, 16)


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(1234)
    model = ResNet3D(len(CLASSES), widths=(4, 8, 8, 8), grid_zyx=GRID_ZYX)
    # Random but non-trivial batch-norm statistics, so folding them at load time is actually exercised.
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm3d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    pt = os.path.join(out_dir, "tiny_model.pt")
    export_torchscript(model, GRID_ZYX, pt)
    sha = hashlib.sha256(open(pt, "rb").read()).hexdigest()
    card = {
        "name": "tiny_model",
        "purpose": "tests only: random weights, predicts nothing meaningful",
        "classes": CLASSES,
        "grid": {"size_xyz": [GRID_ZYX[2], GRID_ZYX[1], GRID_ZYX[0]], "fit": "fit", "orientation": "LPS",
                 "interpolation": "linear", "pad_value": 0},
        "norm": {"low_percentile": 1, "high_percentile": 99, "out_low": 0, "out_high": 1},
        "architecture": {"type": "ResNet3D", "widths": [4, 8, 8, 8], "blocks": [1, 1, 1, 1]},
        "flops_per_volume": count_flops(model, GRID_ZYX),
        "torch_version": torch.__version__,
        "sha256": sha,
    }
    with open(os.path.join(out_dir, "tiny_model.json"), "w") as f:
        json.dump(card, f, indent=2)
    # Reference: two volumes, the loaded TorchScript file run by python (what C++ must reproduce).
    rng = np.random.default_rng(7)
    x = rng.random((2, 1) + GRID_ZYX, dtype=np.float32)
    loaded = torch.jit.load(pt).eval()
    with torch.no_grad():
        logits = loaded(torch.from_numpy(x))
        probs = torch.softmax(logits.double(), 1)
    x.astype("<f4").tofile(os.path.join(out_dir, "tiny_model_ref_input.f32"))
    with open(os.path.join(out_dir, "tiny_model_ref_output.json"), "w") as f:
        json.dump({"shape_input": list(x.shape), "probs": probs.tolist(), "logits": logits.tolist()}, f)
    print(pt, sha, os.path.getsize(pt), "bytes")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data")
