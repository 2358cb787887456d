#!/usr/bin/python3
"""Scores trained weights alone, averaged together and with x-flip averaging, on preprocess caches.

Image only, macro-F1 per cache, every subset of the members with and without flip averaging, sorted by the
first cache (pass the validation cache first: choose on it, read the others as held-out figures).
  /usr/bin/python3 scripts/ensemble_eval.py --member w100:32,64,128,256:RUN/w100/best.npz \
      --member f50:16,32,64,128:RUN/f50/best.npz --cache val=CACHE_V a=CACHE_A b=CACHE_B
"""
import argparse
import itertools
import os
import sys

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from metrics import classification_metrics  # noqa: E402
from mpmri_net import ResNet3D  # noqa: E402
from train import CLASSES, load_cache, load_npz, predict  # noqa: E402


MEMBER_HELP = "NAME:WIDTHS:BEST_NPZ[:BLOCKS] (blocks default 1,1,1,1)"


def parse_member(spec):
    """NAME:WIDTHS:BEST_NPZ[:BLOCKS] -> (name, widths, npz path, blocks)."""
    name, widths, npz, blocks = (spec.split(":") + ["1,1,1,1"])[:4]
    return name, tuple(int(w) for w in widths.split(",")), npz, tuple(int(b) for b in blocks.split(","))


def member_probs(member, X, flipped=None):
    """[softmax of one member's weights on X] and, when `flipped` (X's x-mirror) is given, its softmax on that."""
    _, widths, npz, blocks = member
    model = ResNet3D(len(CLASSES), widths=widths, blocks=blocks, grid_zyx=X.shape[1:])
    load_npz(model, npz)
    idx = np.arange(len(X))
    return [predict(model, inputs, idx, 64, "cpu") for inputs in (X, flipped) if inputs is not None]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--member", action="append", required=True, help=MEMBER_HELP)
    ap.add_argument("--cache", nargs="+", required=True, help="NAME=CACHE_DIR (the first is the one to choose on)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    members = [parse_member(m) for m in args.member]
    caches = [c.split("=", 1) for c in args.cache]
    probs, truth = {}, {}
    for cname, cdir in caches:
        X, y, _, card = load_cache(cdir)
        truth[cname] = y
        flipped = np.ascontiguousarray(X[..., ::-1])  # x is the last axis (z, y, x)
        for member in members:
            probs[cname, member[0], False], probs[cname, member[0], True] = member_probs(member, X, flipped)
    rows = []
    names = [m[0] for m in members]
    for r in range(1, len(names) + 1):
        for subset in itertools.combinations(names, r):
            for flip in (False, True):
                scores = []
                for cname, _ in caches:
                    p = sum(probs[cname, n, False] + (probs[cname, n, True] if flip else 0) for n in subset)
                    scores.append(classification_metrics(truth[cname], p.argmax(1), CLASSES)["macro_f1"])
                rows.append(("+".join(subset) + (" +flip" if flip else ""), scores))
    rows.sort(key=lambda r: -r[1][0])
    print("members".ljust(32) + "".join(c.rjust(9) for c, _ in caches) + "   (macro-F1, image only)")
    for label, scores in rows:
        print(label.ljust(32) + "".join(f"{s:9.4f}" for s in scores))


if __name__ == "__main__":
    main()
