#!/usr/bin/python3
"""Where the image-only errors are: which of them hinge on information a single volume does not hold.

Three labels are relations, not appearances, and a per-volume image model never sees the relation:
  highest-b   DWI_HighB is the highest b of its series (b >= 400); a b=400/500 volume of a {0,500,1000} series
              is Other, a b=600 volume of a {0,600} series is DWI_HighB (docs/decision.md)
  membership  a pre-contrast Dixon water image is Other; the pre-contrast phase of a dynamic series is DCE_Pre
              (same 3D fat-free T1 gradient echo: only the series it belongs to differs)
  timing      portal (60-85 s) against delayed (150-420 s): blood gadolinium is 17-25% lower at 150 s than at
              60-85 s (about half by 300 s), and the dose varies by +-25% from study to study, so at short
              delays intensity alone overlaps (the errors cluster there: docs/model.md)
Prints, per cache, the errors by kind and two macro-F1 figures: as scored, and with every other error corrected
(what a perfect model of everything a volume does hold would score while these relational errors remain).

  /usr/bin/python3 scripts/error_breakdown.py --member w100:32,64,128,256:RUN/w100/best.npz \
      --cache val=CACHE_V a=CACHE_A b=CACHE_B
Several members are averaged (add --flip for mirror averaging), as in scripts/ensemble_eval.py.
"""
import argparse
import collections
import csv
import os
import sys

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ensemble_eval import MEMBER_HELP, member_probs, parse_member  # noqa: E402
from metrics import classification_metrics  # noqa: E402
from train import CLASSES, load_cache  # noqa: E402

DWI_KINDS = {"dwi_b0", "dwi_lowb", "dwi_highb"}
DCE_LATE = {"DCE_Portal", "DCE_Delayed"}


def read_b_values(volumes_csv):
    """(series_uid, volume_index) -> b-value, from a header-mode volumes.csv of the same studies."""
    if not volumes_csv:
        return {}
    with open(volumes_csv, newline="") as f:
        return {(r["series_uid"], r["volume_index"]): float(r["b_value"]) for r in csv.DictReader(f) if r["b_value"]}


def b_value(row, b_values):
    """The split key when the series holds several b-values; otherwise only the headers know it."""
    key = dict(kv.split("=", 1) for kv in row["volume_key"].split() if "=" in kv)
    if "b" in key:
        return float(key["b"])
    return b_values.get((row["series_uid"], row["volume_index"]), float("nan"))


def error_kind(row, truth, pred, b_values):
    """The relation an error hinges on, or 'image' when the volume itself holds the answer."""
    pair = {truth, pred}
    if row["series_kind"] in DWI_KINDS and pair <= {"DWI_HighB", "Other"} and b_value(row, b_values) >= 400:
        return "highest-b"
    if pair == {"DCE_Pre", "Other"} and row["series_kind"] in {"dixon_water", "dce_pre"}:
        return "membership"
    if pair == DCE_LATE:
        return "timing"
    return "image"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--member", action="append", required=True, help=MEMBER_HELP)
    ap.add_argument("--cache", nargs="+", required=True,
                    help="NAME=CACHE_DIR[,VOLUMES_CSV] (a header-mode volumes.csv of the same studies gives the "
                         "b-values of DWI series that hold one b each; without it their errors count as 'image')")
    ap.add_argument("--flip", action="store_true", help="average each member with its x-mirrored input")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    members = [parse_member(m) for m in args.member]
    print(f"members: {' + '.join(m[0] for m in members)}{' +flip' if args.flip else ''}")
    for cname, spec in (c.split("=", 1) for c in args.cache):
        cdir, _, volumes_csv = spec.partition(",")
        b_values = read_b_values(volumes_csv)
        X, y, rows, _ = load_cache(cdir)
        flipped = np.ascontiguousarray(X[..., ::-1]) if args.flip else None  # x is the last axis (z, y, x)
        p = sum(sum(member_probs(m, X, flipped)) for m in members)
        pred = p.argmax(1)
        kinds = collections.Counter()
        pairs = collections.Counter()
        corrected = pred.copy()
        for i, r in enumerate(rows):
            if pred[i] == y[i]:
                continue
            kind = error_kind(r, CLASSES[y[i]], CLASSES[pred[i]], b_values)
            kinds[kind] += 1
            pairs[kind, CLASSES[y[i]], CLASSES[pred[i]]] += 1
            if kind == "image":
                corrected[i] = y[i]
        scored = classification_metrics(y, pred, CLASSES)["macro_f1"]
        ceiling = classification_metrics(y, corrected, CLASSES)["macro_f1"]
        print(f"{cname}: {len(y)} volumes, {int((pred != y).sum())} errors "
              f"({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}); macro-F1 {scored:.4f}, "
              f"{ceiling:.4f} with the 'image' errors corrected")
        for (kind, t, q), n in sorted(pairs.items(), key=lambda kv: (kv[0][0], -kv[1])):
            print(f"    {kind:10s} {t:>12s} -> {q:<12s} {n}")


if __name__ == "__main__":
    main()
