"""3D ResNet for whole-volume MRI sequence classification, shared by train.py and make_tiny_model.py.

Input [N, 1, Z, Y, X] (the C++ prepare_model_input grid), output raw class scores [N, classes].
Batch-norm is used so torch.jit.optimize_for_inference can fold it into the convolutions.

Two block types:
- "r2plus1d" (default): each 3x3x3 convolution factorised into an in-plane 1x3x3 convolution and a 3x1x1
  through-plane one (R(2+1)D, Tran et al. 2018). The through-plane one runs as a Conv2d on [N, C, Z, Y*X]
  because Debian's torch 1.13 CPU build computes Conv3d weight gradients with a kernel depth > 1 about 15x
  slower than the forward pass (measured: 4.5 s vs 0.2 s for one 16-channel layer); as Conv2d both are fast.
- "3d": plain 3x3x3 Conv3d basic blocks (use on a GPU).
"""
import torch
import torch.nn as nn


class ThroughPlaneConv(nn.Module):
    """k x 1 x 1 convolution along z, computed as a Conv2d over [N, C, Z, Y*X] (see module docstring)."""

    def __init__(self, cin, cout, stride_z):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, (3, 1), stride=(stride_z, 1), padding=(1, 0), bias=False)

    def forward(self, x):
        n, c, z, h, w = x.shape
        y = self.conv(torch.flatten(x, 3))
        return y.view(n, y.shape[1], y.shape[2], h, w)


def shortcut(cin, cout, stride):
    """The residual path: identity (None) when shape is kept, else a strided 1x1x1 projection."""
    if stride == (1, 1, 1) and cin == cout:
        return None
    return nn.Sequential(nn.Conv3d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm3d(cout))


class R2Plus1Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        mid = cout
        self.s1 = nn.Conv3d(cin, mid, (1, 3, 3), stride=(1, stride[1], stride[2]), padding=(0, 1, 1), bias=False)
        self.b1 = nn.BatchNorm3d(mid)
        self.t1 = ThroughPlaneConv(mid, cout, stride[0])
        self.bn1 = nn.BatchNorm3d(cout)
        self.s2 = nn.Conv3d(cout, mid, (1, 3, 3), padding=(0, 1, 1), bias=False)
        self.b2 = nn.BatchNorm3d(mid)
        self.t2 = ThroughPlaneConv(mid, cout, 1)
        self.bn2 = nn.BatchNorm3d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.short = shortcut(cin, cout, stride)

    def forward(self, x):
        y = self.relu(self.b1(self.s1(x)))
        y = self.relu(self.bn1(self.t1(y)))
        y = self.relu(self.b2(self.s2(y)))
        y = self.bn2(self.t2(y))
        s = x if self.short is None else self.short(x)
        return self.relu(y + s)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv3d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm3d(cout)
        self.conv2 = nn.Conv3d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm3d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.short = shortcut(cin, cout, stride)

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x if self.short is None else self.short(x)
        return self.relu(y + s)


def stage_strides(grid_zyx, n_stages):
    """Halve in-plane at every stage after the first; halve z only while it stays >= 2 (thin grids)."""
    z = grid_zyx[0]
    strides = []
    for i in range(n_stages):
        if i == 0:
            strides.append((1, 1, 1))
            continue
        sz = 2 if z >= 4 else 1
        z //= sz
        strides.append((sz, 2, 2))
    return strides


class ResNet3D(nn.Module):
    def __init__(self, n_classes, widths=(16, 32, 64, 128), blocks=(1, 1, 1, 1), grid_zyx=(16, 64, 64), dropout=0.2,
                 block="r2plus1d", stem_pool=True):
        super().__init__()
        Block = R2Plus1Block if block == "r2plus1d" else BasicBlock
        # The stem halves in-plane only: liver grids are thin in z.
        if block == "r2plus1d":
            self.stem = nn.Sequential(
                nn.Conv3d(1, widths[0], (1, 5, 5), stride=(1, 2, 2), padding=(0, 2, 2), bias=False),
                nn.BatchNorm3d(widths[0]), nn.ReLU(inplace=True),
                ThroughPlaneConv(widths[0], widths[0], 1), nn.BatchNorm3d(widths[0]), nn.ReLU(inplace=True))
        else:
            self.stem = nn.Sequential(
                nn.Conv3d(1, widths[0], 3, stride=(1, 2, 2), padding=1, bias=False),
                nn.BatchNorm3d(widths[0]), nn.ReLU(inplace=True))
        # Like the ImageNet ResNet stem, pool once more before the stages: the residual stages then run at a
        # quarter of the in-plane resolution (and half the slices), which is what makes CPU training affordable.
        z_after = grid_zyx[0]
        if stem_pool:
            pz = 2 if grid_zyx[0] >= 8 else 1
            self.stem.append(nn.MaxPool3d((pz, 2, 2), stride=(pz, 2, 2)))
            z_after = grid_zyx[0] // pz
        layers = []
        cin = widths[0]
        for w, n, st in zip(widths, blocks, stage_strides((max(z_after, 1),) + tuple(grid_zyx[1:]), len(widths))):
            for b in range(n):
                layers.append(Block(cin, w, st if b == 0 else (1, 1, 1)))
                cin = w
        self.layers = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool3d(1)
        self.drop = nn.Dropout(dropout)
        self.fc = nn.Linear(cin, n_classes)

    def forward(self, x):
        x = self.layers(self.stem(x))
        x = torch.flatten(self.pool(x), 1)
        return self.fc(self.drop(x))


def count_flops(model, grid_zyx):
    """Multiply-adds x2 of every conv and linear layer for one volume (batch-norm and ReLU ignored)."""
    total = [0]

    def conv_hook(m, inp, out):
        k = 1
        for d in m.kernel_size:
            k *= d
        total[0] += 2 * (m.in_channels // m.groups) * k * out.numel()

    def fc_hook(m, inp, out):
        total[0] += 2 * m.in_features * m.out_features

    hooks = []
    for m in model.modules():
        if isinstance(m, (nn.Conv3d, nn.Conv2d)):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(fc_hook))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 1, *grid_zyx))
    model.train(was_training)
    for h in hooks:
        h.remove()
    return int(total[0])


def export_torchscript(model, grid_zyx, path):
    """Traces in eval mode, freezes, and saves with this torch (1.13 on Debian 12, what LibTorch here loads).
    Frozen (weights inlined as constants, batch-norm folded into the convolutions), the file loads and optimises
    for inference in ~0.04 s instead of ~0.15 s (measured here), which counts at every start of the classifier."""
    model.eval()
    example = torch.zeros(2, 1, *grid_zyx)
    with torch.no_grad():
        frozen = torch.jit.freeze(torch.jit.trace(model, example))
    frozen.save(path)
    return frozen
