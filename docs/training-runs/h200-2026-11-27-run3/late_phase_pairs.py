"""How often the image model orders a study's portal volume before its delayed one (score log P(portal) -
log P(delayed)), against how often it labels the same volumes right one at a time.
  /usr/bin/python3 late_phase_pairs.py BEST_NPZ NAME=CACHE_DIR ...   (widths 32-256, the shipped w100)
"""
import sys, os, collections
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts"))
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import numpy as np, torch
from mpmri_net import ResNet3D
from train import CLASSES, load_cache, load_npz, predict
torch.set_num_threads(2)
P, D = CLASSES.index('DCE_Portal'), CLASSES.index('DCE_Delayed')
for spec in sys.argv[2:]:
    name, cdir = spec.split('=')
    X, y, rows, _ = load_cache(cdir)
    m = ResNet3D(len(CLASSES), widths=(32,64,128,256), grid_zyx=X.shape[1:]); load_npz(m, sys.argv[1])
    p = predict(m, X, np.arange(len(y)), 64, 'cpu')
    score = np.log(p[:, P] + 1e-9) - np.log(p[:, D] + 1e-9)
    by = collections.defaultdict(list)
    for i, r in enumerate(rows):
        if y[i] in (P, D): by[r['study_uid']].append(i)
    pairs = right = alone_right = alone = 0
    for s, idx in by.items():
        por = [i for i in idx if y[i] == P]; dl = [i for i in idx if y[i] == D]
        for a in por:
            for b in dl:
                pairs += 1; right += score[a] > score[b]
        for i in idx:
            alone += 1; alone_right += p[i].argmax() == y[i]
    print(f"{name}: {pairs} portal-delayed pairs in one study, ordered right {right} ({right/pairs:.3f}); "
          f"the same volumes labelled right one at a time {alone_right}/{alone} ({alone_right/alone:.3f})")
