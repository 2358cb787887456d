#!/usr/bin/python3
"""Trains the 3D-ResNet sequence classifier on a `mpmri-classify preprocess` cache and exports it.

Reads CACHE/manifest.csv (tensors written by the same C++ prepare_model_input that inference uses), splits
8:1:1 by study (hash of study_uid with a fixed seed, never by series), trains with class-balanced sampling and
augmentation, stops early on validation macro-F1, checkpoints every epoch (--resume continues), and writes
models/<name>.pt (TorchScript, saved by this torch) with its card models/<name>.json.

Run with /usr/bin/python3 (Debian's python3-torch 1.13). See scripts/train.sh for the whole recipe.
"""
import argparse
import csv
import hashlib
import json
import math
import os
import sys
import time

# OpenMP threads that spin while waiting collapse throughput when the cores are shared (measured here: a
# training step 3-8x slower with the default policy); must be set before torch loads libgomp.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mpmri_net import ResNet3D, count_flops, export_torchscript  # noqa: E402
from metrics import classification_metrics  # noqa: E402

CLASSES = ["T1WI_In", "T1WI_Opp", "T2WI_Fs", "DWI_HighB", "ADC", "DCE_Pre", "DCE_Arterial", "DCE_Portal",
           "DCE_Delayed", "Other"]


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- data
def load_caches(cache_dirs):
    """Concatenates several preprocess caches (chunks of one generation run); their grids must agree."""
    parts = [load_cache(d) for d in cache_dirs]
    card = parts[0][3]
    for d, p in zip(cache_dirs, parts):
        if p[3]["grid"] != card["grid"] or p[3]["norm"] != card["norm"]:
            raise SystemExit(f"{d}: built with another grid or normalisation than {cache_dirs[0]}")
    if len(parts) == 1:
        return parts[0]
    return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
            [r for p in parts for r in p[2]], card)


def load_cache(cache_dir):
    """Returns (X float16 [N,Z,Y,X], y int64 [N], rows, cache card) from a preprocess cache."""
    with open(os.path.join(cache_dir, "cache.json")) as f:
        cache_card = json.load(f)
    with open(os.path.join(cache_dir, "manifest.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise SystemExit(f"{cache_dir}: manifest.csv lists no volumes")
    shape = tuple(int(s) for s in rows[0]["shape"].split("x"))
    X = np.empty((len(rows),) + shape, dtype=np.float16)
    y = np.empty(len(rows), dtype=np.int64)
    per = int(np.prod(shape))
    for i, r in enumerate(rows):
        if tuple(int(s) for s in r["shape"].split("x")) != shape:
            raise SystemExit(f"{cache_dir}: mixed tensor shapes in manifest (row {i})")
        a = np.fromfile(os.path.join(cache_dir, r["tensor"]), dtype="<f4", count=per, offset=int(r["offset"]))
        if a.size != per:
            raise SystemExit(f"{cache_dir}: {r['tensor']} is truncated")
        X[i] = a.reshape(shape)
        y[i] = CLASSES.index(r["label"])
    return X, y, rows, cache_card


def split_of(study_uid, seed):
    """0 = train, 1 = validation, 2 = test; 8:1:1 by a seeded hash of the study, stable across runs."""
    h = int(hashlib.sha256(f"{seed}:{study_uid}".encode()).hexdigest()[:8], 16) % 10
    return 0 if h < 8 else (1 if h == 8 else 2)


# ---------------------------------------------------------------- augmentation
def scanner_realism(x, inside, g):
    """Changes of appearance that do not change the sequence type, for --aug realism: partial coverage (a random
    slab of at least 60% of the slices stretched over the grid), a random monotone intensity curve (vendors and
    reconstruction filters map signal to stored values differently; order is kept, so fat stays darker or
    brighter than liver), and multiplicative texture at two scales (real organs are not flat)."""
    B, _, Z, Y, X_ = x.shape
    for i in range(B):
        if torch.rand(1, generator=g).item() < 0.3 and Z >= 8:
            keep = int(round(Z * (0.6 + 0.4 * torch.rand(1, generator=g).item())))
            z0 = int(torch.randint(0, Z - keep + 1, (1,), generator=g).item())
            xi = x[i:i + 1, :, z0:z0 + keep]
            x[i:i + 1] = F.interpolate(xi, size=[Z, Y, X_], mode="trilinear", align_corners=False)
            ii = inside[i:i + 1, :, z0:z0 + keep]
            inside[i:i + 1] = (F.interpolate(ii, size=[Z, Y, X_], mode="nearest") > 0.5).float()
        if torch.rand(1, generator=g).item() < 0.5:
            knots = torch.sort(torch.rand(4, generator=g)).values
            ys = torch.cat([torch.zeros(1), knots, torch.ones(1)])
            v = x[i].clamp(0, 1)
            seg = torch.clamp((v * 5).long(), max=4)
            t = v * 5 - seg.float()
            x[i] = ys[seg] * (1 - t) + ys[seg + 1] * t
        if torch.rand(1, generator=g).item() < 0.5:
            amp = 0.05 + 0.15 * torch.rand(1, generator=g).item()
            coarse = torch.randn(1, 1, max(2, Z // 4), Y // 6, X_ // 6, generator=g)
            fine = torch.randn(1, 1, max(2, Z // 2), Y // 2, X_ // 2, generator=g)
            tex = (F.interpolate(coarse, size=[Z, Y, X_], mode="trilinear", align_corners=False) +
                   0.5 * F.interpolate(fine, size=[Z, Y, X_], mode="trilinear", align_corners=False))
            x[i:i + 1] = x[i:i + 1] * torch.exp(amp * tex.to(x.device))
    return x, inside


def augment(x, g, g_dev=None, realism=False):
    """x: [B,1,Z,Y,X] in [0,1], padding 0. Geometric, resolution and intensity changes a scanner could make.
    Parameters come from the CPU generator g; the noise field from g_dev when x lives on a GPU (drawing it on the
    CPU and copying would cost more than the training step)."""
    B = x.shape[0]
    dev = x.device
    inside = (x > 0).float()
    # Flips: left-right is anatomically plausible enough for sequence type; head-foot rarely.
    flip_x = (torch.rand(B, generator=g) < 0.5).to(dev)
    x[flip_x] = x[flip_x].flip(-1)
    inside[flip_x] = inside[flip_x].flip(-1)
    # Small in-plane rotation, isotropic scaling and shift (affine_grid works in normalised coordinates).
    ang = (torch.rand(B, generator=g) - 0.5) * 2 * math.radians(12)
    sc = 1 + (torch.rand(B, generator=g) - 0.5) * 0.25
    sh = (torch.rand(B, 3, generator=g) - 0.5) * 0.1
    theta = torch.zeros(B, 3, 4)
    theta[:, 0, 0] = torch.cos(ang) / sc
    theta[:, 0, 1] = -torch.sin(ang) / sc
    theta[:, 1, 0] = torch.sin(ang) / sc
    theta[:, 1, 1] = torch.cos(ang) / sc
    theta[:, 2, 2] = 1 / (1 + (sc - 1) * 0.5)
    theta[:, :, 3] = sh
    grid = F.affine_grid(theta.to(dev), list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    inside = (F.grid_sample(inside, grid, mode="nearest", padding_mode="zeros", align_corners=False) > 0.5).float()
    # Resolution change: blur by down- and up-sampling (thick slices, low matrix).
    for i in range(B):
        if torch.rand(1, generator=g).item() < 0.3:
            f_xy = 1 + torch.rand(1, generator=g).item() * 1.5
            f_z = 1 + torch.rand(1, generator=g).item() * (1.0 if x.shape[2] >= 8 else 0)
            size = x.shape[2:]
            small = [max(1, int(round(size[0] / f_z))), max(2, int(round(size[1] / f_xy))),
                     max(2, int(round(size[2] / f_xy)))]
            xi = F.interpolate(x[i:i + 1], size=small, mode="trilinear", align_corners=False)
            x[i:i + 1] = F.interpolate(xi, size=list(size), mode="trilinear", align_corners=False)
    if realism:
        x, inside = scanner_realism(x, inside, g)
    # Intensity: gamma, smooth multiplicative bias field, noise, then back into [0,1] inside the FOV.
    gamma = torch.exp((torch.rand(B, 1, 1, 1, 1, generator=g) - 0.5) * 0.8).to(dev)
    x = x.clamp(min=0) ** gamma
    Z, Y, X_ = x.shape[2:]
    zz = torch.linspace(-1, 1, Z, device=dev).view(1, 1, Z, 1, 1)
    yy = torch.linspace(-1, 1, Y, device=dev).view(1, 1, 1, Y, 1)
    xx = torch.linspace(-1, 1, X_, device=dev).view(1, 1, 1, 1, X_)
    c = ((torch.rand(B, 6, generator=g) - 0.5) * 0.6).to(dev)
    field = (c[:, 0].view(B, 1, 1, 1, 1) * xx + c[:, 1].view(B, 1, 1, 1, 1) * yy + c[:, 2].view(B, 1, 1, 1, 1) * zz +
             c[:, 3].view(B, 1, 1, 1, 1) * xx * yy + c[:, 4].view(B, 1, 1, 1, 1) * (xx ** 2 - 0.33) +
             c[:, 5].view(B, 1, 1, 1, 1) * (yy ** 2 - 0.33))
    x = x * torch.exp(field)
    sigma = (torch.rand(B, 1, 1, 1, 1, generator=g) * 0.06).to(dev)
    noise = (torch.randn(x.shape, generator=g_dev, device=dev) if g_dev is not None
             else torch.randn(x.shape, generator=g).to(dev))
    x = x + noise * sigma
    return (x.clamp(0, 1) * inside)


# ---------------------------------------------------------------- training
def predict(model, X, idx, batch, device):
    """Softmax over X[idx]; X is a numpy float16 array or a tensor already on the device."""
    model.eval()
    out = []
    with torch.no_grad():
        for s in range(0, len(idx), batch):
            xb = batch_tensor(X, idx[s:s + batch], device)
            out.append(torch.softmax(model(xb).float(), 1).cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, len(CLASSES)))


def batch_tensor(X, idx, device):
    if isinstance(X, torch.Tensor):
        return X[torch.as_tensor(idx, device=X.device)].float().unsqueeze(1)
    return torch.from_numpy(X[idx].astype(np.float32)).unsqueeze(1).to(device)


def lr_at(progress, max_lr, warmup=0.05):
    """Linear warm-up then cosine decay over progress in [0,1] (epochs or wall-clock budget)."""
    if progress < warmup:
        return max_lr * (0.1 + 0.9 * progress / warmup)
    return max_lr * 0.5 * (1 + math.cos(math.pi * min(1.0, (progress - warmup) / (1 - warmup))))


def save_npz(model, path):
    """Weights as plain numpy arrays: loadable by any torch, so a model trained with a newer torch on a GPU
    machine can be exported here by torch 1.13 (what LibTorch 1.13.1 loads)."""
    np.savez(path + ".tmp.npz", **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})
    os.replace(path + ".tmp.npz", path)


def load_npz(model, path):
    with np.load(path) as z:
        model.load_state_dict({k: torch.from_numpy(z[k]) for k in z.files})


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", nargs="+", help="preprocess cache(s) of the training domain (required to train)")
    ap.add_argument("--external-cache", help="preprocess cache of an external domain, for metrics only")
    ap.add_argument("--test-cache", nargs="+",
                    help="caches of held-out in-domain studies (a generation seed training never used): the "
                         "card's in-domain test metrics are computed on all of them instead of the 1/10 split")
    ap.add_argument("--val-cache", nargs="+",
                    help="caches whose volumes are the validation set (early stopping, best epoch): every volume of "
                         "--cache then trains, none is split off (mpmri-classify adapt: the site's held-out studies)")
    ap.add_argument("--schedule", choices=["auto", "epochs"], default="auto",
                    help="auto: with --max-minutes the learning rate follows the clock; epochs: it follows epochs and "
                         "the clock only stops the run, so a run the clock does not stop is reproducible")
    ap.add_argument("--name", default="default")
    ap.add_argument("--models-dir", default="models")
    ap.add_argument("--work", default="/tmp/mpmri-train", help="checkpoints and history")
    ap.add_argument("--widths", default="16,32,64,128")
    ap.add_argument("--blocks", default="1,1,1,1", help="blocks per stage: 1,1,1,1 = ResNet-10, 2,2,2,2 = ResNet-18")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--patience", type=int, default=6)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--weight-decay", type=float, default=1e-4)
    ap.add_argument("--seed", type=int, default=20261127)
    ap.add_argument("--split-seed", type=int, default=7)
    ap.add_argument("--balance-power", type=float, default=1.0,
                    help="sampling weight of a class = count^-power: 1 = balanced, 0 = natural frequencies")
    ap.add_argument("--train-fraction", type=float, default=1.0, help="use this share of training studies")
    ap.add_argument("--epoch-samples", type=int, default=0, help="samples per epoch (0 = training set size)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-minutes", type=float, default=0,
                    help="train for this long: the learning-rate schedule follows the clock instead of the epoch "
                         "count, and training stops when the time is spent (bounded runs on a lent GPU)")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--init", help="start from these weights (a best.pt or best.npz), fresh optimizer: fine-tune on more data")
    ap.add_argument("--freeze-bn-stats", action="store_true",
                    help="keep batch-norm running statistics fixed while training (fine-tuning weights that "
                         "scripts/unfreeze_weights.py recovered from a frozen model)")
    ap.add_argument("--aug", choices=["default", "realism"], default="default",
                    help="realism adds partial coverage, random monotone intensity curves and organ texture")
    ap.add_argument("--no-export", action="store_true", help="train and report only (learning curves)")
    ap.add_argument("--export-from", metavar="BEST_NPZ",
                    help="skip training: export these weights (best.npz of a run elsewhere, e.g. on a GPU with a "
                         "newer torch) with this torch, evaluate, and write the card")
    ap.add_argument("--train-summary", help="with --export-from: that run's summary.json (history, data, device)")
    ap.add_argument("--data-note", default="", help="how the data was made (recorded in the card)")
    return ap.parse_args()


def train(args, model, X, y, tr, va, counts, device):
    """Runs the epochs (resumable); returns (best val macro-F1, best epoch, history). Leaves best weights in work."""
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    start_epoch, best_f1, best_epoch, history, spent = 0, -1.0, -1, [], 0.0
    ckpt_path = os.path.join(args.work, "last.pt")
    best_path = os.path.join(args.work, "best.pt")
    if args.init and not (args.resume and os.path.exists(ckpt_path)):
        if args.init.endswith(".npz"):
            load_npz(model, args.init)
        else:
            model.load_state_dict(torch.load(args.init))
        log(f"initialised from {args.init}")
    if args.resume and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        start_epoch, best_f1, best_epoch, history = ck["epoch"] + 1, ck["best_f1"], ck["best_epoch"], ck["history"]
        spent = sum(h["seconds"] for h in history)
        torch.set_rng_state(ck["torch_rng"])
        log(f"resumed after epoch {ck['epoch']} (best val macro-F1 {best_f1:.4f} at {best_epoch})")

    # Class-balanced sampling: each class equally likely per draw.
    w = np.maximum(counts[y[tr]], 1).astype(np.float64) ** -args.balance_power
    w /= w.sum()
    n_per_epoch = args.epoch_samples or len(tr)
    budget = args.max_minutes * 60
    g_dev = torch.Generator(device=device).manual_seed(args.seed) if device.type == "cuda" else None
    for epoch in range(start_epoch, args.epochs):
        if budget and spent >= budget:
            log(f"time budget of {args.max_minutes} min spent; stopping after epoch {epoch - 1}")
            break
        if epoch - best_epoch > args.patience and best_epoch >= 0:
            log(f"early stop: no validation gain for {args.patience} epochs")
            break
        t0 = time.time()
        model.train()
        if args.freeze_bn_stats:  # weights recovered from a frozen model carry identity statistics
            for mod in model.modules():
                if isinstance(mod, nn.modules.batchnorm._BatchNorm):
                    mod.eval()
        rng = np.random.default_rng(args.seed * 1000 + epoch)
        g = torch.Generator().manual_seed(args.seed * 1000 + epoch)
        order = rng.choice(tr, size=n_per_epoch, replace=True, p=w)
        total, n = 0.0, 0
        for s in range(0, len(order), args.batch):
            idx = order[s:s + args.batch]
            if len(idx) < 2:
                continue
            if budget and spent + time.time() - t0 >= budget:
                break
            by_clock = budget and args.schedule == "auto"
            progress = (spent + time.time() - t0) / budget if by_clock else (epoch + s / len(order)) / args.epochs
            for pg in opt.param_groups:
                pg["lr"] = lr_at(progress, args.lr)
            xb = augment(batch_tensor(X, idx, device), g, g_dev, realism=args.aug == "realism")
            yb = torch.as_tensor(y[idx], device=device)
            loss = F.cross_entropy(model(xb), yb, label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            n += len(idx)
        pv = predict(model, X, va, 256 if device.type == "cuda" else 32, device)
        m = classification_metrics(y[va], pv.argmax(1), CLASSES)
        seconds = time.time() - t0
        spent += seconds
        history.append({"epoch": epoch, "loss": total / max(n, 1), "val_macro_f1": m["macro_f1"],
                        "val_micro_f1": m["micro_f1"], "seconds": seconds})
        log(f"epoch {epoch}: loss {total / max(n, 1):.4f}  val macro-F1 {m['macro_f1']:.4f} "
            f"micro-F1 {m['micro_f1']:.4f}  ({seconds:.0f} s)")
        if m["macro_f1"] > best_f1 + 1e-4:
            best_f1, best_epoch = m["macro_f1"], epoch
            torch.save(model.state_dict(), best_path)
            save_npz(model, os.path.join(args.work, "best.npz"))
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": epoch, "best_f1": best_f1,
                    "best_epoch": best_epoch, "history": history, "torch_rng": torch.get_rng_state()},
                   ckpt_path + ".tmp")
        os.replace(ckpt_path + ".tmp", ckpt_path)
    load_npz(model, os.path.join(args.work, "best.npz"))
    return best_f1, best_epoch, history


def load_held_out(paths, cache_card, train_studies, option):
    """Caches of studies kept out of training: the same grid as the training caches, and no study in common."""
    X, y, rows, card = load_caches(paths)
    check_same_grid(card, cache_card, option)
    overlap = {r["study_uid"] for r in rows} & set(train_studies)
    if overlap:
        raise SystemExit(f"{option} shares {len(overlap)} studies with the training caches")
    return X, y, rows


def evaluate(model, X, idx, y, rows, device, what):
    p = predict(model, X, idx, 64, device)
    m = classification_metrics(y[idx], p.argmax(1), CLASSES)
    m["studies"] = len({rows[i]["study_uid"] for i in idx})
    log(f"{what}: macro-F1 {m['macro_f1']:.4f} micro-F1 {m['micro_f1']:.4f} ({len(idx)} volumes)")
    return m


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    if args.export_from:
        return export_only(args)
    if not args.cache:
        raise SystemExit("--cache is required (unless --export-from)")
    os.makedirs(args.work, exist_ok=True)
    device = torch.device(args.device)
    torch.backends.cudnn.benchmark = device.type == "cuda"  # fixed input shape: let cuDNN pick its kernels

    X, y, rows, cache_card = load_caches(args.cache)
    grid_zyx = X.shape[1:]
    studies = sorted({r["study_uid"] for r in rows})
    split = np.array([split_of(r["study_uid"], args.split_seed) for r in rows])
    train_studies = sorted(s for s in studies if split_of(s, args.split_seed) == 0)
    if args.train_fraction < 1:
        rng = np.random.default_rng(args.seed)
        keep = set(rng.choice(train_studies, int(round(len(train_studies) * args.train_fraction)), replace=False))
        split = np.array([s if not (s == 0 and r["study_uid"] not in keep) else -1 for s, r in zip(split, rows)])
        train_studies = sorted(keep)
    if args.val_cache:
        Xv, yv, rows_v = load_held_out(args.val_cache, cache_card, studies, "--val-cache")
        split = np.concatenate([np.where(split >= 0, 0, -1), np.ones(len(rows_v), dtype=split.dtype)])
        train_studies = sorted({r["study_uid"] for r, s in zip(rows, split) if s == 0})
        X, y, rows = np.concatenate([X, Xv]), np.concatenate([y, yv]), rows + rows_v
        studies = sorted({r["study_uid"] for r in rows})
    tr, va, te = (np.flatnonzero(split == k) for k in range(3))
    log(f"{len(rows)} volumes, {len(studies)} studies; train {len(tr)} ({len(train_studies)} studies), "
        f"val {len(va)}, test {len(te)}; grid {grid_zyx}")
    counts = np.bincount(y[tr], minlength=len(CLASSES))
    log("train class counts:", dict(zip(CLASSES, counts.tolist())))
    if device.type == "cuda":
        X = torch.from_numpy(X).to(device)  # float16 on the GPU: no per-batch host copies

    widths = tuple(int(w) for w in args.widths.split(","))
    blocks = tuple(int(b) for b in args.blocks.split(","))
    model = ResNet3D(len(CLASSES), widths=widths, blocks=blocks, grid_zyx=grid_zyx).to(device)
    best_f1, best_epoch, history = train(args, model, X, y, tr, va, counts, device)
    trained_on = torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu x{args.threads}"
    model.eval()
    train_seconds = sum(h["seconds"] for h in history)

    split_test = evaluate(model, X, te, y, rows, device, "test split") if len(te) else None
    test_metrics, test_note = split_test, "1/10 by-study split of the training caches"
    if args.test_cache:
        Xt, yt, rows_t = load_held_out(args.test_cache, cache_card, studies, "--test-cache")
        test_metrics = evaluate(model, Xt, np.arange(len(yt)), yt, rows_t, device, "held-out in-domain")
        test_note = "all studies of " + ", ".join(os.path.abspath(c) for c in args.test_cache)
    ext_metrics = external_metrics(args, model, cache_card, device)

    summary = {"train_studies": len(train_studies), "train_volumes": int(len(tr)), "val_volumes": int(len(va)),
               "test_volumes": int(len(te)), "volumes": len(rows), "studies": len(studies),
               "train_class_counts": dict(zip(CLASSES, counts.tolist())), "best_epoch": best_epoch,
               "val_macro_f1": best_f1, "test": split_test, "held_out_test": test_metrics, "external": ext_metrics,
               "history": history, "train_seconds": train_seconds, "device": trained_on,
               "torch_version": torch.__version__, "train_fraction": args.train_fraction,
               "widths": list(widths), "blocks": list(blocks), "data_note": args.data_note}
    with open(os.path.join(args.work, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    if args.no_export:
        return
    check = batch_tensor(X, te[:4], device).cpu() if len(te) else torch.rand(2, 1, *grid_zyx)
    export(args, model.cpu(), check, cache_card, widths, blocks, summary,
           {"image_only": True, "test_in_domain": test_metrics, "test_in_domain_data": test_note,
            "external": ext_metrics, "external_cache": args.external_cache})


def check_same_grid(card, reference, what):
    if card["grid"] != reference["grid"] or card["norm"] != reference["norm"]:
        raise SystemExit(f"{what} was built with another grid or normalisation")


def external_metrics(args, model, cache_card, device):
    if not args.external_cache:
        return None
    Xe, ye, rows_e, card_e = load_cache(args.external_cache)
    check_same_grid(card_e, cache_card, "external cache")
    return evaluate(model, Xe, np.arange(len(ye)), ye, rows_e, device, "external")


def export_only(args):
    """--export-from: weights trained elsewhere (a GPU machine with a newer torch). Its training caches are not
    here, so the card's training facts come from that run's summary.json, and the in-domain test metrics from
    --test-cache: studies of a generation seed the run never used."""
    if not args.test_cache:
        raise SystemExit("--export-from needs --test-cache (held-out in-domain studies) for the card's metrics")
    prior = json.load(open(args.train_summary)) if args.train_summary else {}
    Xt, yt, rows_t, cache_card = load_caches(args.test_cache)
    grid_zyx = Xt.shape[1:]
    widths = tuple(prior.get("widths") or (int(w) for w in args.widths.split(",")))
    blocks = tuple(prior.get("blocks") or (int(b) for b in args.blocks.split(",")))
    model = ResNet3D(len(CLASSES), widths=widths, blocks=blocks, grid_zyx=grid_zyx)
    load_npz(model, args.export_from)
    model.eval()
    log(f"exporting {args.export_from} (trained on {prior.get('device', 'unknown')}, "
        f"best epoch {prior.get('best_epoch')})")
    device = torch.device("cpu")
    test_metrics = evaluate(model, Xt, np.arange(len(yt)), yt, rows_t, device, "held-out in-domain")
    ext_metrics = external_metrics(args, model, cache_card, device)
    summary = dict(prior)
    if args.data_note or "data_note" not in summary:
        summary["data_note"] = args.data_note
    check = batch_tensor(Xt, np.arange(min(4, len(yt))), device)
    export(args, model, check, cache_card, widths, blocks, summary,
           {"image_only": True, "test_in_domain": test_metrics,
            "test_in_domain_data": "all studies of " + ", ".join(os.path.abspath(c) for c in args.test_cache),
            "external": ext_metrics, "external_cache": args.external_cache,
            "split_test_on_training_machine": prior.get("test")})


def export(args, model, check, cache_card, widths, blocks, summary, metrics):
    os.makedirs(args.models_dir, exist_ok=True)
    grid_zyx = tuple(check.shape[2:])
    pt_path = os.path.join(args.models_dir, args.name + ".pt")
    traced = export_torchscript(model, grid_zyx, pt_path)
    # The exported file must reproduce the eager model before its card is written.
    with torch.no_grad():
        diff = (torch.jit.load(pt_path)(check) - model(check)).abs().max().item()
    if diff > 1e-4:
        raise SystemExit(f"exported TorchScript differs from the eager model by {diff}")
    del traced
    sha = hashlib.sha256(open(pt_path, "rb").read()).hexdigest()
    history = summary.get("history", [])
    card = {
        "name": args.name,
        "classes": CLASSES,
        "grid": cache_card["grid"],
        "norm": cache_card["norm"],
        "input": {"shape_nczyx": ["N", 1] + list(grid_zyx), "dtype": "float32",
                  "made_by": "mpmri::prepare_model_input (C++), same code at training and inference"},
        "architecture": {"type": "ResNet3D, R(2+1)D basic blocks (1x3x3 + 3x1x1), stem 1x5x5/2 + 3x1x1 + max-pool, "
                                 "batch-norm, global average pool, linear (scripts/mpmri_net.py)", "widths": list(widths),
                         "blocks": list(blocks), "parameters": sum(p.numel() for p in model.parameters())},
        "flops_per_volume": count_flops(model, grid_zyx),
        "training": {
            "data": summary.get("data_note"),
            "studies": summary.get("studies"), "volumes": summary.get("volumes"),
            "train_studies": summary.get("train_studies"), "train_volumes": summary.get("train_volumes"),
            "val_volumes": summary.get("val_volumes"), "test_volumes": summary.get("test_volumes"),
            "train_fraction": summary.get("train_fraction"),
            "train_class_counts": summary.get("train_class_counts"),
            "split": ("every volume of the training caches trains; validation: all studies of " +
                      ", ".join(os.path.abspath(c) for c in args.val_cache)) if getattr(args, "val_cache", None) else
                     f"by study: sha256('{args.split_seed}:'+study_uid) mod 10 -> 0-7 train, 8 validation, 9 test",
            "schedule": "learning rate over epochs; the clock only stops" if args.schedule == "epochs" else
                        "learning rate over the wall-clock budget when one is given, else over epochs",
            "seed": args.seed, "epochs_run": len(history), "best_epoch": summary.get("best_epoch"),
            "val_macro_f1": summary.get("val_macro_f1"), "init": args.init,
            "optimizer": f"AdamW, warm-up + cosine (over epochs, or over the wall-clock budget), label smoothing "
                         f"0.05, class sampling weight count^-{args.balance_power}; see history for the run",
            "augmentation": "x flip, rotation +-12 deg, scale +-12%, shift +-5%, resolution blur (p .3), "
                            "gamma 0.67-1.5, quadratic bias field, Gaussian noise <= 0.06",
            "train_seconds": round(sum(h["seconds"] for h in history)), "trained_on": summary.get("device"),
            "trained_with_torch": summary.get("torch_version"), "exported_from": args.export_from,
            "history": history,
        },
        "metrics": metrics,
        "torch_version": torch.__version__,
        "sha256": sha,
    }
    with open(os.path.join(args.models_dir, args.name + ".json"), "w") as f:
        json.dump(card, f, indent=2)
    log(f"wrote {pt_path} ({os.path.getsize(pt_path)} bytes) and its card")


if __name__ == "__main__":
    main()
