#!/usr/bin/python3
"""scikit-learn's figures for label vectors, the reference the C++ evaluator is tested against.

Input JSON: {"cases": [{"name", "y_true", "y_pred"}]} with labels 0..9 and 10 = no prediction.
Output JSON: one object per case. Classes averaged = labels present in truth or prediction (10 excluded),
as the evaluator documents; zero_division=0 everywhere.
"""
import json
import math
import sys
import warnings

import numpy as np
from sklearn.metrics import (accuracy_score, cohen_kappa_score, confusion_matrix, f1_score,
                             multilabel_confusion_matrix, precision_recall_fscore_support,
                             precision_score, recall_score)

MISSING, OTHER = 10, 9


def averaged(y_true, y_pred, labels):
    if not labels:
        return 0.0, 0.0, 0.0
    mcm = multilabel_confusion_matrix(y_true, y_pred, labels=labels)
    n = len(y_true)
    macro_acc = float(np.mean([(m[0, 0] + m[1, 1]) / n for m in mcm]))
    return (macro_acc,
            float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
            float(f1_score(y_true, y_pred, labels=labels, average="micro", zero_division=0)))


def figures(y_true, y_pred):
    labels = sorted((set(y_true) | set(y_pred)) - {MISSING})
    targets = [c for c in labels if c != OTHER]
    mcm = multilabel_confusion_matrix(y_true, y_pred, labels=labels)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, average=None, zero_division=0)
    n = len(y_true)
    per_class = []
    for i, c in enumerate(labels):
        tn, fp, fn, tp = (int(x) for x in mcm[i].ravel())
        per_class.append({"label": c, "tp": tp, "fp": fp, "fn": fn, "tn": tn, "support": int(s[i]),
                          "accuracy": (tp + tn) / n, "sensitivity": float(r[i]),
                          "specificity": tn / (tn + fp) if tn + fp > 0 else 0.0,
                          "precision": float(p[i]), "f1": float(f[i])})
    macro_acc, macro_f1, micro_f1 = averaged(y_true, y_pred, labels)
    t_acc, t_f1, t_micro = averaged(y_true, y_pred, targets)
    kappa = float(cohen_kappa_score(y_true, y_pred))
    all_columns = list(range(MISSING + 1))
    return {
        "classes": labels,
        "per_class": per_class,
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_accuracy": macro_acc,
        "macro_f1": macro_f1,
        "micro_f1": micro_f1,
        "weighted_f1": float(f1_score(y_true, y_pred, labels=labels, average="weighted", zero_division=0)),
        "macro_precision": float(precision_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        "macro_recall": float(recall_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        "kappa": None if math.isnan(kappa) else kappa,
        "macro_accuracy_targets": t_acc,
        "macro_f1_targets": t_f1,
        "micro_f1_targets": t_micro,
        "confusion": confusion_matrix(y_true, y_pred, labels=all_columns)[:MISSING].tolist(),
        "confusion_rows": np.nan_to_num(
            confusion_matrix(y_true, y_pred, labels=all_columns, normalize="true")[:MISSING]).tolist(),
    }


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)["cases"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = [dict(name=c["name"], **figures(c["y_true"], c["y_pred"])) for c in cases]
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
