"""What keeping DWI_HighB for only the most high-b-looking volume of each series does to per-volume image labels.
  /usr/bin/python3 high_b_per_series.py BEST_NPZ NAME=CACHE_DIR ...   (widths 32-256, the shipped w100)
"""
import sys, os, collections
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts"))
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import numpy as np, torch
from mpmri_net import ResNet3D
from metrics import classification_metrics
from train import CLASSES, load_cache, load_npz, predict
torch.set_num_threads(2)
H, O = CLASSES.index('DWI_HighB'), CLASSES.index('Other')
for spec in sys.argv[2:]:
    name, cdir = spec.split('=')
    X, y, rows, _ = load_cache(cdir)
    m = ResNet3D(len(CLASSES), widths=(32,64,128,256), grid_zyx=X.shape[1:]); load_npz(m, sys.argv[1])
    p = predict(m, X, np.arange(len(y)), 64, 'cpu')
    pred = p.argmax(1); new = pred.copy()
    by = collections.defaultdict(list)
    for i, r in enumerate(rows): by[r['series_uid']].append(i)
    demoted = promoted = 0
    for s, idx in by.items():
        if len(idx) < 2: continue
        hi = [i for i in idx if pred[i] == H]
        if len(hi) >= 2:
            keep = max(hi, key=lambda i: p[i, H])
            for i in hi:
                if i != keep: new[i] = O; demoted += 1
    f0 = classification_metrics(y, pred, CLASSES)['macro_f1']; f1 = classification_metrics(y, new, CLASSES)['macro_f1']
    print(f"{name}: {f0:.4f} -> {f1:.4f}; demoted {demoted}; errors {int((pred!=y).sum())} -> {int((new!=y).sum())}")
