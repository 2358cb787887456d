#!/usr/bin/env python3
"""The training scripts' macro-F1 (scripts/metrics.py, written into model cards) is scikit-learn's, as
`mpmri-classify evaluate` computes it: over the classes present in truth or prediction, zero_division=0."""
import os
import sys

import numpy as np
from sklearn.metrics import f1_score

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from metrics import classification_metrics  # noqa: E402

CLASSES = [str(i) for i in range(10)]
rng = np.random.default_rng(3)
for trial in range(200):
    n = int(rng.integers(5, 60))
    truth = rng.integers(0, int(rng.integers(2, 10)), n)  # some classes absent from truth
    pred = rng.integers(0, 10, n)                           # ... but predicted
    ours = classification_metrics(truth, pred, CLASSES)["macro_f1"]
    ref = f1_score(truth, pred, average="macro", zero_division=0)
    assert abs(ours - round(ref, 4)) <= 1e-4, (trial, ours, ref)
print("scripts/metrics.py macro-F1 equals scikit-learn's on 200 random cases")
