#!/usr/bin/env python3
"""Recovers trainable weights (best.npz, as train.py --init takes) from a shipped, frozen TorchScript model.

The shipped .pt is frozen: batch-norm after a Conv3d is folded into it (weight and bias), batch-norm after the
through-plane Conv2d is kept. This walks the frozen graph's convolution, batch-norm and linear ops in execution
order, pairs them with the modules of scripts/mpmri_net.ResNet3D built from the card (widths, blocks, grid), and
writes an equivalent state: a folded conv keeps its folded weight and its BN becomes an identity carrying the
folded bias (gamma 1, running mean 0, running variance 1 - eps). In eval mode the result computes the shipped
function exactly (checked here on random inputs); fine-tune it with batch-norm statistics frozen
(train.py --freeze-bn-stats), since the recovered running statistics are the identity.

  /usr/bin/python3 scripts/unfreeze_weights.py models/default.pt OUT.npz
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mpmri_net import ResNet3D  # noqa: E402


def graph_ops(module):
    """(kind, [tensor constants or None]) for each conv / batch_norm / linear in node order."""
    ops = []
    for node in module.graph.nodes():
        k = node.kind()
        if k in ("aten::conv3d", "aten::conv2d", "aten::_convolution"):
            ins = list(node.inputs())
            ops.append(("conv", [ins[1].toIValue(), ins[2].toIValue()]))
        elif k == "aten::batch_norm":
            ins = list(node.inputs())
            ops.append(("bn", [ins[i].toIValue() for i in (1, 2, 3, 4)] + [ins[7].toIValue()]))
        elif k == "aten::linear":
            ins = list(node.inputs())
            ops.append(("linear", [ins[1].toIValue(), ins[2].toIValue()]))
    return ops


def call_order(model, grid_zyx):
    order = []
    hooks = [m.register_forward_hook(lambda mod, i, o, name=name: order.append(name))
             for name, m in model.named_modules() if isinstance(m, (nn.Conv3d, nn.Conv2d, nn.BatchNorm3d, nn.Linear))]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 1, *grid_zyx))
    for h in hooks:
        h.remove()
    return order


def unfreeze(pt_path):
    card = json.load(open(os.path.splitext(pt_path)[0] + ".json"))
    arch = card["architecture"]
    grid_zyx = tuple(reversed(card["grid"]["size_xyz"]))
    block = "r2plus1d" if "R(2+1)D" in arch["type"] else "basic"
    model = ResNet3D(len(card["classes"]), tuple(arch["widths"]), tuple(arch["blocks"]), grid_zyx, block=block)
    frozen = torch.jit.load(pt_path)
    ops = graph_ops(frozen)
    modules = dict(model.named_modules())
    order = call_order(model, grid_zyx)
    state = {}
    k = 0
    i = 0
    while i < len(order):
        name = order[i]
        m = modules[name]
        kind, vals = ops[k]
        if isinstance(m, (nn.Conv3d, nn.Conv2d)):
            assert kind == "conv", (name, kind)
            w, b = vals
            assert tuple(w.shape) == tuple(m.weight.shape), (name, w.shape, m.weight.shape)
            state[name + ".weight"] = w
            k += 1
            nxt = order[i + 1] if i + 1 < len(order) else None
            if b is not None:  # the following batch-norm was folded into this convolution
                bn = modules[nxt]
                assert isinstance(bn, nn.BatchNorm3d), (name, nxt)
                state[nxt + ".weight"] = torch.ones_like(b)
                state[nxt + ".bias"] = b.clone()
                state[nxt + ".running_mean"] = torch.zeros_like(b)
                state[nxt + ".running_var"] = torch.full_like(b, 1 - bn.eps)
                state[nxt + ".num_batches_tracked"] = torch.tensor(0)
                i += 2
                continue
        elif isinstance(m, nn.BatchNorm3d):
            assert kind == "bn", (name, kind)
            w, b, mean, var, eps = vals
            state[name + ".weight"], state[name + ".bias"] = w, b
            state[name + ".running_mean"], state[name + ".running_var"] = mean, var
            state[name + ".num_batches_tracked"] = torch.tensor(0)
            assert abs(eps - m.eps) < 1e-12
            k += 1
        elif isinstance(m, nn.Linear):
            assert kind == "linear", (name, kind)
            state[name + ".weight"], state[name + ".bias"] = vals
            k += 1
        i += 1
    assert k == len(ops), f"{len(ops) - k} graph ops left unmatched"
    model.load_state_dict(state, strict=True)
    model.eval()
    x = torch.rand(4, 1, *grid_zyx)
    with torch.no_grad():
        diff = (model(x) - frozen(x)).abs().max().item()
    assert diff < 1e-3, f"recovered model differs from the frozen one by {diff}"
    return model, diff


if __name__ == "__main__":
    model, diff = unfreeze(sys.argv[1])
    np.savez(sys.argv[2], **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})
    print(f"wrote {sys.argv[2]}: {len(model.state_dict())} tensors; max |logit difference| against the frozen model {diff:.2e}")
