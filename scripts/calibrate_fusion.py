#!/usr/bin/python3
"""Fit the fusion parameters and keyword-rule reliabilities on VALIDATION predictions only.

Inputs: volumes.csv of `classify --mode image` and of `classify --mode header` on the same validation folders,
and the validation truth CSV (series_uid,label[,echo_time_ms,b_value,temporal_index,...]). Never pass test data:
thresholds fitted on the test set make every reported figure optimistic.

Outputs (in --out-dir): fusion_params.json (image_weight, header_weight, other_threshold.{image,header,fusion}
chosen for macro-F1, never below the floors in THRESHOLD_FLOORS) and keyword_rules.json (each rule's lr measured
as P(fires | label) / P(fires | other labels), add-one smoothed, clipped to [0.2, 8.5] so a description alone
never decides a label in header mode; a rule that fired fewer than MIN_FIRES times keeps its prior lr). Both say
"calibrated": true, with a provenance line and a "calibration" record (validation files, volumes, studies,
date, floors). See docs/decision.md "Calibration".

`--self-test` checks the fitting on generated data with a known answer and exits non-zero on failure.
"""
import argparse
import csv
import datetime
import json
import math
import os
import re
import sys

import numpy as np

LABELS = ["T1WI_In", "T1WI_Opp", "T2WI_Fs", "DWI_HighB", "ADC", "DCE_Pre", "DCE_Arterial", "DCE_Portal",
          "DCE_Delayed", "Other"]
OTHER = LABELS.index("Other")
# Aliases as in src/core/labels.cpp (README "Truth format").
ALIASES = {"inphase": 0, "t1in": 0, "ip": 0, "opposedphase": 1, "outphase": 1, "t1opp": 1, "t1out": 1, "op": 1,
           "t2fs": 2, "t2wifs": 2, "dwi": 3, "dwihigh": 3, "highbdwi": 3, "adcmap": 4, "pre": 5, "precontrast": 5,
           "arterial": 6, "portal": 7, "portalvenous": 7, "pv": 7, "delayed": 8, "other": 9, "none": 9}
WEIGHTS = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0]
THRESHOLDS = [round(0.05 * i, 2) for i in range(0, 19)]
# A keyword rule's measured lr is clipped so that one description word alone stays below the header floor:
# with a uniform prior over 10 labels it gives LR_MAX / (LR_MAX + 9) = 0.486 < 0.5 (docs/decision.md).
LR_MIN, LR_MAX = 0.2, 8.5
# A rule that fired fewer times than this on the validation set has no measured reliability: keep its prior.
# Synthetic validation studies hold no field maps, fMRI or localizer words, and add-one smoothing of zero
# counts would turn those Other rules into lr ~2 (measured on the first calibration run).
MIN_FIRES = 5
# Calibration may raise the Other thresholds, never lower them below the engine's documented safety margins:
# header 0.5 = a header-mode label needs at least even odds against all other labels together (so a lone
# keyword, or a weak conflict such as one pairing rule against one body-part rule, stays Other); fusion 0.35 and
# image 0 are the built-in priors. On the first validation set the unconstrained fit chose header 0.25, which let
# the magnitude frames of a real Philips B0 map become T1WI_In (docs/decision.md "Calibration").
THRESHOLD_FLOORS = {"image": 0.0, "header": 0.5, "fusion": 0.35}
assert LR_MAX / (LR_MAX + 9) < THRESHOLD_FLOORS["header"]


def norm_label(text):
    key = re.sub(r"[ \-_.]", "", text).lower()
    for i, name in enumerate(LABELS):
        if re.sub(r"[ \-_.]", "", name).lower() == key:
            return i
    if key in ALIASES:
        return ALIASES[key]
    raise SystemExit(f"unknown label '{text}'")


def opt_float(s):
    return float(s) if s not in (None, "") else None


def read_volumes(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    need = ["series_uid", "volume_index", "status", "evidence"] + ["p_" + l for l in LABELS]
    missing = [c for c in need if rows and c not in rows[0]]
    if missing:
        raise SystemExit(f"{path}: missing columns {missing}")
    out = {}
    for r in rows:
        if r["status"].lower() != "ok":
            continue
        key = (r.get("study_uid", ""), r["series_uid"], int(r["volume_index"]))
        out[key] = {"p": np.array([float(r["p_" + l]) for l in LABELS]), "evidence": r["evidence"],
                    "te": opt_float(r.get("echo_time_ms")), "b": opt_float(r.get("b_value")),
                    "t": opt_float(r.get("temporal_index"))}
    return out


def read_truth(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or "series_uid" not in rows[0] or "label" not in rows[0]:
        raise SystemExit(f"{path}: a truth file needs series_uid and label columns")
    return [{"series_uid": r["series_uid"], "label": norm_label(r["label"]), "te": opt_float(r.get("echo_time_ms")),
             "b": opt_float(r.get("b_value")), "t": opt_float(r.get("temporal_index"))} for r in rows]


def key_matches(t, v):
    # Same tolerances as the evaluate command (docs/evaluation.md).
    if t["te"] is not None and (v["te"] is None or abs(v["te"] - t["te"]) > 0.01):
        return False
    if t["b"] is not None and (v["b"] is None or abs(v["b"] - t["b"]) > 1):
        return False
    if t["t"] is not None and (v["t"] is None or int(v["t"]) != int(t["t"])):
        return False
    return True


def join(image, header, truth):
    """Rows of (image probs, header posterior, header evidence, truth index) for volumes named by the truth,
    and a summary (studies, truth rows left out)."""
    by_series = {}
    for k in header:
        by_series.setdefault(k[1], []).append(k)
    img, hdr, ev, y = [], [], [], []
    studies = set()
    unmatched = 0
    for t in truth:
        keys = [k for k in by_series.get(t["series_uid"], []) if key_matches(t, header[k])]
        has_key = any(t[c] is not None for c in ("te", "b", "t"))
        if not keys or (not has_key and len(keys) > 1) or any(k not in image for k in keys):
            unmatched += 1
            continue
        for k in keys:
            studies.add(k[0])
            img.append(image[k]["p"])
            hdr.append(header[k]["p"])
            ev.append(header[k]["evidence"])
            y.append(t["label"])
    if unmatched:
        print(f"note: {unmatched} truth rows matched no (single) volume in both runs and were left out", file=sys.stderr)
    if not y:
        raise SystemExit("no truth row matched a volume of both runs")
    return np.array(img), np.array(hdr), ev, np.array(y), {"studies": len(studies), "truth_rows_left_out": unmatched}


def macro_f1(y, pred):
    classes = sorted(set(y.tolist()) | set(pred.tolist()))
    f1s = []
    for c in classes:
        tp = np.sum((y == c) & (pred == c))
        fp = np.sum((y != c) & (pred == c))
        fn = np.sum((y == c) & (pred != c))
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(f1s))


def decide(post, threshold):
    best = post.argmax(axis=1)
    low = (best != OTHER) & (post.max(axis=1) < threshold)
    return np.where(low, OTHER, best)


def fuse(img, hdr, wi, wh):
    logp = wi * np.log(np.maximum(img, 1e-6)) + wh * np.log(np.maximum(hdr, 1e-300))
    logp -= logp.max(axis=1, keepdims=True)
    p = np.exp(logp)
    return p / p.sum(axis=1, keepdims=True)


def best_threshold(post, y, floor=0.0):
    """Best threshold on the grid at or above `floor`, its macro-F1, and the unconstrained best threshold."""
    scores = [(macro_f1(y, decide(post, th)), -th, th) for th in THRESHOLDS]
    s, _, th = max(c for c in scores if c[2] >= floor - 1e-9)
    return th, s, max(scores)[2]


def fit(img, hdr, y, floors=None):
    floors = THRESHOLD_FLOORS if floors is None else floors
    th_img, f_img, free_img = best_threshold(img, y, floors["image"])
    th_hdr, f_hdr, free_hdr = best_threshold(hdr, y, floors["header"])
    best = None
    for wi in WEIGHTS:
        for wh in WEIGHTS:
            th, f, _ = best_threshold(fuse(img, hdr, wi, wh), y, floors["fusion"])
            # Prefer the plain product (1, 1) on ties: fewer fitted degrees of freedom.
            cand = (f, -abs(wi - 1) - abs(wh - 1), wi, wh, th)
            if best is None or cand > best:
                best = cand
    f_fus, _, wi, wh, th_fus = best
    free_fus = best_threshold(fuse(img, hdr, wi, wh), y)[2]
    return {"image_weight": wi, "header_weight": wh,
            "other_threshold": {"image": th_img, "header": th_hdr, "fusion": th_fus},
            "macro_f1": {"image": f_img, "header": f_hdr, "fusion": f_fus},
            "unconstrained_threshold": {"image": free_img, "header": free_hdr, "fusion": free_fus}}


def measure_rules(rules, evidence, y):
    n = len(y)
    measured = {}
    for rule in rules["rules"]:
        labels = rule["label"] if isinstance(rule["label"], list) else [rule["label"]]
        idx = {norm_label(l) for l in labels}
        fires = np.array([f"[rule {rule.get('id', '')}]" in e for e in evidence])
        pos = np.isin(y, list(idx))
        a, npos = int(np.sum(fires & pos)), int(np.sum(pos))
        b, nneg = int(np.sum(fires & ~pos)), n - int(np.sum(pos))
        m = {"fires_in_label": a, "label_volumes": npos, "fires_elsewhere": b, "other_volumes": nneg}
        if a + b < MIN_FIRES:
            # No measurement: keep the prior, but never above the cap.
            m["lr"] = float(min(LR_MAX, rule["lr"]))
            m["kept_prior"] = f"fired {a + b} times on the validation set (< {MIN_FIRES})"
        else:
            lr = ((a + 1) / (npos + 2)) / ((b + 1) / (nneg + 2))
            m["lr"] = float(min(LR_MAX, max(LR_MIN, lr)))
        measured[rule.get("id", "")] = m
    return measured


def run(args):
    for p in (args.image, args.header, args.truth):
        if "test" in os.path.basename(os.path.dirname(os.path.abspath(p))).lower() or "test" in os.path.basename(p).lower():
            print(f"warning: '{p}' looks like test data; calibrate on validation data only", file=sys.stderr)
    image, header = read_volumes(args.image), read_volumes(args.header)
    img, hdr, ev, y, summary = join(image, header, read_truth(args.truth))
    result = fit(img, hdr, y)
    with open(args.params) as f:
        params = json.load(f)
    with open(args.rules) as f:
        rules = json.load(f)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    params.update({k: result[k] for k in ("image_weight", "header_weight", "other_threshold")})
    params["calibrated"] = True
    floored = [m for m in ("image", "header", "fusion")
               if result["unconstrained_threshold"][m] < result["other_threshold"][m]]
    floor_note = (f"; thresholds held at their floors for {', '.join(floored)} (unconstrained fit: " +
                  ", ".join(f"{m} {result['unconstrained_threshold'][m]:.2f}" for m in floored) + ")") if floored else ""
    params["provenance"] = (f"scripts/calibrate_fusion.py on {len(y)} validation volumes of {summary['studies']} studies "
                            f"({os.path.abspath(args.truth)}), {stamp}; "
                            f"macro-F1 image {result['macro_f1']['image']:.3f}, header {result['macro_f1']['header']:.3f}, "
                            f"fusion {result['macro_f1']['fusion']:.3f}{floor_note}; header posteriors include the DCE chain, "
                            f"so the weights approximate the engine's two-stage fusion")
    params["calibration"] = {
        "script": "scripts/calibrate_fusion.py", "date": stamp,
        "validation_truth": os.path.abspath(args.truth), "validation_truth_sha256": sha256_of(args.truth),
        "validation_image_predictions": os.path.abspath(args.image),
        "validation_header_predictions": os.path.abspath(args.header),
        "volumes": int(len(y)), "studies": summary["studies"], "truth_rows_left_out": summary["truth_rows_left_out"],
        "threshold_floors": THRESHOLD_FLOORS, "unconstrained_threshold": result["unconstrained_threshold"],
        "macro_f1": result["macro_f1"]}
    measured = measure_rules(rules, ev, y)
    for rule in rules["rules"]:
        m = measured[rule.get("id", "")]
        rule["lr"] = m["lr"]
        rule["measured"] = {k: v for k, v in m.items() if k != "lr"}
    rules["calibrated"] = True
    kept = [r for r, m in measured.items() if "kept_prior" in m]
    rules["provenance"] = (f"lr measured by scripts/calibrate_fusion.py on {len(y)} validation volumes of "
                           f"{summary['studies']} studies ({os.path.abspath(args.truth)}), {stamp}; clipped to "
                           f"[{LR_MIN}, {LR_MAX}]; prior kept for {len(kept)} rules that fired < {MIN_FIRES} times")
    rules["calibration"] = {"script": "scripts/calibrate_fusion.py", "date": stamp,
                            "validation_truth": os.path.abspath(args.truth), "volumes": int(len(y)),
                            "studies": summary["studies"], "lr_range": [LR_MIN, LR_MAX], "min_fires": MIN_FIRES,
                            "kept_prior": kept}
    os.makedirs(args.out_dir, exist_ok=True)
    for name, obj in (("fusion_params.json", params), ("keyword_rules.json", rules)):
        with open(os.path.join(args.out_dir, name), "w") as f:
            json.dump(obj, f, indent=2)
            f.write("\n")
    print(json.dumps(result, indent=2))


def sha256_of(path):
    import hashlib
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def self_test():
    """Generated validation data: a noisy image model, an informative header, a rule with known rates."""
    rng = np.random.default_rng(7)
    n = 3000
    y = rng.integers(0, 10, n)
    img = rng.dirichlet(np.ones(10) * 0.6, n)
    hit = rng.random(n) < 0.55  # the image is right about half the time
    img[hit, y[hit]] += 1.0
    img /= img.sum(axis=1, keepdims=True)
    hdr = np.ones((n, 10))
    speaks = rng.random(n) < 0.6  # headers speak for 60 % of volumes, and are right 95 % of those times
    right = rng.random(n) < 0.95
    wrong = (y + rng.integers(1, 10, n)) % 10
    said = np.where(right, y, wrong)
    hdr[speaks, said[speaks]] = 30.0
    hdr /= hdr.sum(axis=1, keepdims=True)
    # Rule "x" fires on 60 % of ADC volumes and 5 % of the rest: true LR 12 -> clipped to LR_MAX.
    # Rule "y" fires on 40 % of T2WI_Fs and 10 % of the rest: true LR 4.
    ev = []
    for i in range(n):
        parts = []
        if rng.random() < (0.6 if y[i] == 4 else 0.05):
            parts.append("[rule x]")
        if rng.random() < (0.4 if y[i] == 2 else 0.10):
            parts.append("[rule y]")
        ev.append("; ".join(parts))
    res = fit(img, hdr, y)
    ok = True
    f = res["macro_f1"]
    if not (f["fusion"] > max(f["image"], f["header"]) + 0.02):
        print(f"FAIL: fusion {f['fusion']:.3f} should beat image {f['image']:.3f} and header {f['header']:.3f}")
        ok = False
    rules = {"rules": [{"id": "x", "label": "ADC", "lr": 5, "patterns": ["x"]},
                       {"id": "y", "label": "T2WI_Fs", "lr": 5, "patterns": ["y"]},
                       {"id": "never", "label": "Other", "lr": 6, "patterns": ["never"]},
                       {"id": "never_strong", "label": "Other", "lr": 9.9, "patterns": ["never strong"]}]}
    m = measure_rules(rules, ev, y)
    if m["never"]["lr"] != 6 or "kept_prior" not in m["never"] or m["never_strong"]["lr"] != LR_MAX:
        print(f"FAIL: rules that never fired must keep their prior (capped): {m['never']}, {m['never_strong']}")
        ok = False
    if m["x"]["lr"] != LR_MAX:
        print(f"FAIL: rule x lr {m['x']['lr']:.2f}, want the cap {LR_MAX}")
        ok = False
    if not 3.0 < m["y"]["lr"] < 5.2:
        print(f"FAIL: rule y lr {m['y']['lr']:.2f}, want about 4")
        ok = False
    print(json.dumps({"fit": res, "rule_x": m["x"], "rule_y": m["y"]}, indent=2))
    ok = self_test_floors() and ok
    ok = self_test_files(img[:400], hdr[:400], ev[:400], y[:400]) and ok
    print("self-test", "passed" if ok else "FAILED")
    return 0 if ok else 1


def self_test_floors():
    """A header that is always right but never sure (posterior 0.3): the best validation threshold lies below
    the header floor, and the written one must not."""
    rng = np.random.default_rng(11)
    n = 500
    y = rng.integers(0, 10, n)
    hdr = np.full((n, 10), 0.7 / 9)
    hdr[np.arange(n), y] = 0.3
    img = rng.dirichlet(np.ones(10), n)
    res = fit(img, hdr, y)
    th, free = res["other_threshold"], res["unconstrained_threshold"]
    good = free["header"] < THRESHOLD_FLOORS["header"] and th["header"] == THRESHOLD_FLOORS["header"] and \
        all(th[m] >= THRESHOLD_FLOORS[m] for m in th)
    if not good:
        print(f"FAIL: thresholds {th} (unconstrained {free}) must respect the floors {THRESHOLD_FLOORS}")
    return good


def self_test_files(img, hdr, ev, y):
    """The file path end to end: volumes.csv pair + truth -> calibrated JSON files."""
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        cols = ["study_uid", "series_uid", "volume_index", "echo_time_ms", "b_value", "temporal_index", "status",
                "evidence"] + ["p_" + l for l in LABELS]
        for name, probs in (("image.csv", img), ("header.csv", hdr)):
            with open(os.path.join(d, name), "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(cols)
                for i in range(len(y)):
                    w.writerow(["st", f"s{i}", 0, "", "", "", "ok", ev[i]] + [f"{v:.6g}" for v in probs[i]])
        with open(os.path.join(d, "val.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["series_uid", "label", "echo_time_ms", "b_value", "temporal_index", "reason"])
            for i in range(len(y)):
                w.writerow([f"s{i}", LABELS[y[i]], "", "", "", "generated"])
        here = os.path.dirname(os.path.abspath(__file__))
        ns = argparse.Namespace(image=os.path.join(d, "image.csv"), header=os.path.join(d, "header.csv"),
                                truth=os.path.join(d, "val.csv"), out_dir=os.path.join(d, "out"),
                                params=os.path.join(here, "..", "data", "fusion_params.priors.json"),
                                rules=os.path.join(here, "..", "data", "keyword_rules.priors.json"))
        run(ns)
        with open(os.path.join(d, "out", "fusion_params.json")) as f:
            params = json.load(f)
        with open(os.path.join(d, "out", "keyword_rules.json")) as f:
            rules = json.load(f)
        cal = params.get("calibration", {})
        good = params["calibrated"] and rules["calibrated"] and "validation volumes" in params["provenance"] and \
            all(LR_MIN <= r["lr"] <= LR_MAX for r in rules["rules"]) and "rules" in params and \
            cal.get("volumes") == len(y) and cal.get("studies") == 1 and cal.get("date") and \
            cal.get("validation_truth", "").endswith("val.csv") and len(cal.get("validation_truth_sha256", "")) == 64 and \
            all(params["other_threshold"][m] >= THRESHOLD_FLOORS[m] for m in THRESHOLD_FLOORS) and \
            isinstance(params["provenance"], str) and rules.get("calibration", {}).get("volumes") == len(y)
        if not good:
            print("FAIL: calibrated files are incomplete")
        return good


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--image", help="volumes.csv of classify --mode image on the validation set")
    ap.add_argument("--header", help="volumes.csv of classify --mode header on the same set")
    ap.add_argument("--truth", help="validation truth CSV")
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--params", default=os.path.join(here, "..", "data", "fusion_params.priors.json"))
    ap.add_argument("--rules", default=os.path.join(here, "..", "data", "keyword_rules.priors.json"))
    ap.add_argument("--out-dir", default="calibrated")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    if not (args.image and args.header and args.truth):
        ap.error("--image, --header and --truth are required (or --self-test)")
    run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
