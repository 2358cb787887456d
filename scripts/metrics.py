"""Classification metrics for the model card: macro/micro F1 and per-class sensitivity, specificity, F1."""
import numpy as np


def classification_metrics(truth, pred, classes):
    n = len(classes)
    cm = np.zeros((n, n), dtype=np.int64)
    for t, p in zip(truth, pred):
        cm[t, p] += 1
    per_class = {}
    f1s = []
    total = cm.sum()
    for c in range(n):
        tp = cm[c, c]
        fn = cm[c].sum() - tp
        fp = cm[:, c].sum() - tp
        tn = total - tp - fn - fp
        support = int(cm[c].sum())
        sens = tp / (tp + fn) if tp + fn else None
        spec = tn / (tn + fp) if tn + fp else None
        prec = tp / (tp + fp) if tp + fp else 0.0
        f1 = 2 * prec * sens / (prec + sens) if sens is not None and prec + sens > 0 else (0.0 if support else None)
        per_class[classes[c]] = {"support": support, "sensitivity": _r(sens), "specificity": _r(spec), "f1": _r(f1)}
        # Macro-F1 as `mpmri-classify evaluate` and scikit-learn (zero_division=0) define it: over the classes
        # present in the truth or the prediction; a class only ever predicted counts with F1 0.
        predicted = int(cm[:, c].sum())
        if support or predicted:
            f1s.append(f1 if f1 is not None else 0.0)
    return {
        "volumes": int(total),
        "macro_f1": _r(float(np.mean(f1s)) if f1s else 0.0),
        "macro_f1_definition": "scikit-learn f1_score(average='macro', zero_division=0) over classes in truth or prediction",
        "micro_f1": _r(float(np.trace(cm) / total) if total else 0.0),
        "per_class": per_class,
        "confusion": {"classes": list(classes), "rows_truth_cols_pred": cm.tolist()},
    }


def _r(x):
    return None if x is None else round(float(x), 4)
