#!/usr/bin/env bash
# scripts/train.py end to end on a tiny generated set: preprocess (the C++ path) -> train one short epoch ->
# export -> the real binary classifies with the result; then the portable route (best.npz -> --export-from)
# must give a model that predicts exactly what the first export does.
set -uo pipefail
classify=$1 synth=$2 src=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
pass=0 fail=0
check() {
  local name=$1; shift
  if "$@" >"$work/last.log" 2>&1; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; tail -15 "$work/last.log"; fi
}
py=/usr/bin/python3
check "synth 3 studies" "$synth" --out "$work/s" --studies 3 --seed 5 --log-level warn
check "preprocess" "$classify" preprocess "$work/s" --labels "$work/s/labels.csv" --out "$work/cache" \
  --card "$src/scripts/train_grid.json" --log-level warn
check "train.py trains and exports" "$py" "$src/scripts/train.py" --cache "$work/cache" --work "$work/w" --epochs 1 \
  --epoch-samples 32 --batch 8 --widths 4,4,4,4 --models-dir "$work/m" --name t --threads 2
check "weights saved portably" test -s "$work/w/best.npz"
check "card written with sha256" "$py" -c "import json,hashlib,sys; c=json.load(open('$work/m/t.json')); \
  sys.exit(c['sha256'] != hashlib.sha256(open('$work/m/t.pt','rb').read()).hexdigest())"
check "the binary classifies with it" "$classify" classify "$work/s" -o "$work/o1" --model "$work/m/t.pt" --mode image \
  --no-progress --log-level warn
check "--export-from re-exports the same weights" "$py" "$src/scripts/train.py" --export-from "$work/w/best.npz" \
  --train-summary "$work/w/summary.json" --test-cache "$work/cache" --models-dir "$work/m2" --name t --threads 2
check "--export-from without held-out studies is refused" bash -c "! '$py' '$src/scripts/train.py' \
  --export-from '$work/w/best.npz' --models-dir '$work/m3' --name t"
check "the re-export predicts what the first export does" "$classify" classify "$work/s" -o "$work/o2" \
  --model "$work/m2/t.pt" --mode image --no-progress --log-level warn
check "same probabilities" "$py" - "$work/o1/volumes.csv" "$work/o2/volumes.csv" <<'PY'
import csv, sys
a, b = (list(csv.DictReader(open(p))) for p in sys.argv[1:3])
cols = [c for c in a[0] if c.startswith("p_")]
worst = max(abs(float(x[c]) - float(y[c])) for x, y in zip(a, b) for c in cols if x[c] and y[c])
print("largest difference", worst)
sys.exit(len(a) != len(b) or worst > 1e-5)
PY
check "ensemble_eval scores members, blocks given or not" "$py" "$src/scripts/ensemble_eval.py" \
  --member a:4,4,4,4:"$work/w/best.npz" --member b:4,4,4,4:"$work/w/best.npz":1,1,1,1 --cache t="$work/cache"
check "error_breakdown runs on a cache with its b-values" "$py" "$src/scripts/error_breakdown.py" --flip \
  --member a:4,4,4,4:"$work/w/best.npz" --cache t="$work/cache","$work/o1/volumes.csv"
check "error_breakdown names the relation an error hinges on" "$py" - "$src/scripts" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from error_breakdown import error_kind
def row(kind, key="", uid="s", index="0"):
    return {"series_kind": kind, "volume_key": key, "series_uid": uid, "volume_index": index}
cases = [
    (row("dwi_lowb", "b=500"), "Other", "DWI_HighB", {}, "highest-b"),
    (row("dwi_highb"), "DWI_HighB", "Other", {("s", "0"): 600.0}, "highest-b"),
    (row("dwi_lowb", "b=50"), "Other", "DWI_HighB", {}, "image"),
    (row("dwi_lowb"), "Other", "DWI_HighB", {}, "image"),  # b unknown: not excused
    (row("dixon_water"), "Other", "DCE_Pre", {}, "membership"),
    (row("t2_nofs_ax"), "Other", "DCE_Pre", {}, "image"),
    (row("dce_portal"), "DCE_Portal", "DCE_Delayed", {}, "timing"),
    (row("dce_portal"), "DCE_Portal", "DCE_Arterial", {}, "image"),
]
bad = [c for c in cases if error_kind(c[0], c[1], c[2], c[3]) != c[4]]
print(bad)
sys.exit(bool(bad))
PY
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
