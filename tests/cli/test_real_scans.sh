#!/usr/bin/env bash
# The binary on the real abdominal DICOM of ../shared/real (README there), in header and fusion mode with the
# shipped model: every labelled volume of ../shared/real/labels.csv right, and the run exits 0 although
# macOS AppleDouble files ('._1-01.dcm', not DICOM) lie beside the TCGA-LIHC images. Exit 77 (skip) without
# ../shared/real.
set -uo pipefail
classify=$1 src=$2 work=$3
real=$src/../shared/real
[ -f "$real/labels.csv" ] || { echo "SKIP: no real scans at $real"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
fail=0
for mode in header fusion; do
  "$classify" classify "$real/cptac-ccrcc-t1dual" "$real/tcga-lihc-delayed" --mode "$mode" --model "$src/models/default.pt" \
    -o "$work/$mode" --no-progress 2>"$work/$mode.log"
  rc=$?
  if [ "$rc" -ne 0 ]; then echo "FAIL $mode: exit $rc (wanted 0)"; tail -5 "$work/$mode.log"; fail=1; fi
  /usr/bin/python3 - "$real/labels.csv" "$work/$mode/volumes.csv" "$mode" <<'PY' || fail=1
import csv, sys
truth, pred, mode = sys.argv[1:4]
rows = list(csv.DictReader(open(pred)))
bad = 0
for t in csv.DictReader(open(truth)):
    hits = [r for r in rows if r["series_uid"] == t["series_uid"] and
            (not t["echo_time_ms"] or (r["echo_time_ms"] and abs(float(r["echo_time_ms"]) - float(t["echo_time_ms"])) <= 0.01))]
    got = [r["label"] for r in hits]
    ok = bool(hits) and all(g == t["label"] for g in got)
    bad += not ok
    print(("ok  " if ok else "FAIL"), mode, t["label"], "TE", t["echo_time_ms"] or "-", "->", ",".join(got) or "no volume",
          "" if ok else "| " + "; ".join(r["evidence"] for r in hits))
sys.exit(1 if bad else 0)
PY
done
grep -q "AppleDouble" "$work/header/results.json" || { echo "FAIL AppleDouble files not reported as skipped"; fail=1; }
exit $fail
