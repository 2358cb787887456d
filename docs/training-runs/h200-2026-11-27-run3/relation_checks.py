"""What image mode's two orders rest on, measured on preprocess caches with the shipped weights (w100):
  1. within a study, does log P(portal) - log P(delayed) put the portal volume before the delayed one?
     (against how often the same volumes are labelled right one at a time)
  2. keeping DWI_HighB for only the most high-b-looking volume of each series: how many demotions, and the
     errors and macro-F1 of the per-volume labels before and after.
  /usr/bin/python3 relation_checks.py BEST_NPZ NAME=CACHE_DIR ...
"""
import collections
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts"))
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import numpy as np  # noqa: E402
import torch  # noqa: E402
from metrics import classification_metrics  # noqa: E402
from mpmri_net import ResNet3D  # noqa: E402
from train import CLASSES, load_cache, load_npz, predict  # noqa: E402

P, D = CLASSES.index("DCE_Portal"), CLASSES.index("DCE_Delayed")
H, O = CLASSES.index("DWI_HighB"), CLASSES.index("Other")


def late_phase_pairs(name, y, rows, p):
    score = np.log(p[:, P] + 1e-9) - np.log(p[:, D] + 1e-9)
    by = collections.defaultdict(list)
    for i, r in enumerate(rows):
        if y[i] in (P, D):
            by[r["study_uid"]].append(i)
    pairs = right = alone = alone_right = 0
    for idx in by.values():
        for a in (i for i in idx if y[i] == P):
            for b in (i for i in idx if y[i] == D):
                pairs += 1
                right += score[a] > score[b]
        alone += len(idx)
        alone_right += sum(p[i].argmax() == y[i] for i in idx)
    print(f"{name}: {pairs} portal-delayed pairs in one study, ordered right {right} ({right / pairs:.3f}); "
          f"the same volumes labelled right one at a time {alone_right}/{alone} ({alone_right / alone:.3f})")


def high_b_per_series(name, y, rows, p):
    pred = p.argmax(1)
    new = pred.copy()
    by = collections.defaultdict(list)
    for i, r in enumerate(rows):
        if pred[i] == H:
            by[r["series_uid"]].append(i)
    demoted = 0
    for idx in by.values():
        keep = max(idx, key=lambda i: p[i, H])
        for i in idx:
            if i != keep:
                new[i] = O
                demoted += 1
    f0, f1 = (classification_metrics(y, q, CLASSES)["macro_f1"] for q in (pred, new))
    print(f"{name}: one DWI_HighB per series: {f0:.4f} -> {f1:.4f}; demoted {demoted}; "
          f"errors {int((pred != y).sum())} -> {int((new != y).sum())}")


def main():
    torch.set_num_threads(2)
    for spec in sys.argv[2:]:
        name, cdir = spec.split("=", 1)
        X, y, rows, _ = load_cache(cdir)
        model = ResNet3D(len(CLASSES), widths=(32, 64, 128, 256), grid_zyx=X.shape[1:])
        load_npz(model, sys.argv[1])
        p = predict(model, X, np.arange(len(y)), 64, "cpu")
        late_phase_pairs(name, y, rows, p)
        high_b_per_series(name, y, rows, p)


if __name__ == "__main__":
    main()
