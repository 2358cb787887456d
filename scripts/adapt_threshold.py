#!/usr/bin/python3
"""How right are adapt's pseudo-labels at each header-mode confidence? (docs/adapt.md, the threshold.)

  mpmri-classify adapt SYNTH_DIR -o OUT --labels-only --min-confidence 0.5
  /usr/bin/python3 scripts/adapt_threshold.py OUT/pseudo_labels.csv SYNTH_DIR/labels.csv [--thresholds 0.5,0.8,0.9]

Matches every pseudo-label to its truth row (series UID, then the most specific row whose filled keys equal the
volume's TE within 0.01 ms, b within 1 s/mm2 and temporal index, as preprocess and evaluate match) and prints, per
threshold, how many volumes it keeps, how many are right, and the wrong ones by (truth -> pseudo-label).
"""
import argparse
import collections
import csv


def num(s):
    return float(s) if s not in ("", None) else None


def matches(row, te, b, t):
    if num(row["echo_time_ms"]) is not None and (te is None or abs(num(row["echo_time_ms"]) - te) > 0.01):
        return False
    if num(row["b_value"]) is not None and (b is None or abs(num(row["b_value"]) - b) > 1):
        return False
    if row["temporal_index"] not in ("", None) and (t is None or int(row["temporal_index"]) != t):
        return False
    return True


def truth_label(by_series, p):
    te, b = num(p["echo_time_ms"]), num(p["b_value"])
    t = int(p["temporal_index"]) if p["temporal_index"] else None
    hits = [r for r in by_series.get(p["series_uid"], []) if matches(r, te, b, t)]
    if not hits:
        return None
    best = max(sum(r[k] not in ("", None) for k in ("echo_time_ms", "b_value", "temporal_index")) for r in hits)
    top = [r for r in hits if sum(r[k] not in ("", None) for k in ("echo_time_ms", "b_value", "temporal_index")) == best]
    return top[0]["label"] if len(top) == 1 else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pseudo")
    ap.add_argument("truth")
    ap.add_argument("--thresholds", default="0.5,0.6,0.7,0.8,0.9,0.95,0.98,0.99")
    args = ap.parse_args()
    by_series = collections.defaultdict(list)
    for r in csv.DictReader(open(args.truth)):
        by_series[r["series_uid"]].append(r)
    rows = []
    for p in csv.DictReader(open(args.pseudo)):
        rows.append((float(p["confidence"]), truth_label(by_series, p), p["label"]))
    print(f"{len(rows)} pseudo-labels, {sum(t is None for _, t, _ in rows)} without a unique truth row")
    print("threshold  kept  right  precision  per class kept  wrong (truth->pseudo)")
    for th in (float(x) for x in args.thresholds.split(",")):
        kept = [(t, l) for c, t, l in rows if c >= th and t is not None]
        right = sum(t == l for t, l in kept)
        per = collections.Counter(l for _, l in kept)
        wrong = collections.Counter(f"{t}->{l}" for t, l in kept if t != l)
        print(f"{th:9.2f} {len(kept):5d} {right:6d} {right / max(len(kept), 1):10.4f}  {dict(sorted(per.items()))}  "
              f"{dict(wrong.most_common(6))}")


if __name__ == "__main__":
    main()
