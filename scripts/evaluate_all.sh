#!/usr/bin/env bash
# Reproduces the README's results table: image, header and fusion modes on
#   (a) in-domain synthetic test studies (domain `train`, a seed never used for training),
#   (b) the shifted external synthetic set (domain `external`),
#   (c) the same external studies de-identified (descriptions, private and contrast tags stripped),
#   (d) the real series in ../shared/dicom labelled in tests/data/real_labels.csv.
# Fusion thresholds are calibrated first on a separate validation set (another seed), never on (a)-(d).
# Usage: scripts/evaluate_all.sh [WORKDIR] [STUDIES]   (default /tmp/mpmri-eval, 40 studies per set)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/mpmri-eval} n=${2:-40}
bin=${MPMRI_BUILD:-build}/src/cli
model=${MPMRI_MODEL:-models/default.pt}
mkdir -p "$work"

gen() {  # gen NAME DOMAIN SEED [extra synth args]
  local name=$1 domain=$2 seed=$3; shift 3
  [ -f "$work/$name/labels.csv" ] || "$bin/mpmri-synth" --out "$work/$name" --studies "$n" --seed "$seed" --domain "$domain" "$@" --log-level warn
}
gen validation train 7001
gen a-indomain train 7002
gen b-external external 7003
gen c-deidentified external 7003 --deidentify-fraction 1

run() {  # run SET MODE [classify args]
  local set=$1 mode=$2; shift 2
  local out="$work/out/$set-$mode"
  [ -f "$out/volumes.csv" ] || "$bin/mpmri-classify" --log-level warn classify "$@" -o "$out" --mode "$mode" --model "$model" --no-progress || true
}

# Calibrate fusion on validation predictions only.
run validation image "$work/validation"
run validation header "$work/validation"
/usr/bin/python3 scripts/calibrate_fusion.py --image "$work/out/validation-image/volumes.csv" \
  --header "$work/out/validation-header/volumes.csv" --truth "$work/validation/labels.csv" --out-dir "$work/calibrated" >/dev/null

for set in a-indomain b-external c-deidentified d-real; do
  if [ "$set" = d-real ]; then input=../shared/dicom truth=tests/data/real_labels.csv; else input=$work/$set truth=$work/$set/labels.csv; fi
  [ -e "$input" ] || { echo "skipping $set: $input absent" >&2; continue; }
  for mode in image header fusion; do
    extra=(--fusion-params "$work/calibrated/fusion_params.json" --keyword-rules "$work/calibrated/keyword_rules.json")
    run "$set" "$mode" "$input" "${extra[@]}"
    "$bin/mpmri-classify" --log-level warn evaluate --pred "$work/out/$set-$mode" --truth "$truth" \
      --out "$work/eval/$set-$mode" --bootstrap 200 >/dev/null || true
  done
done

/usr/bin/python3 - "$work" <<'PY'
import json, os, sys
work = sys.argv[1]
labels = ["T1WI_In","T1WI_Opp","T2WI_Fs","DWI_HighB","ADC","DCE_Pre","DCE_Arterial","DCE_Portal","DCE_Delayed","Other"]
print("| set | mode | n | macro-F1 | macro-F1 (9 classes) | micro-F1 | " + " | ".join(labels) + " |")
print("|---|---|--:|--:|--:|--:|" + "--:|" * len(labels))
for s in ["a-indomain", "b-external", "c-deidentified", "d-real"]:
    for m in ["image", "header", "fusion"]:
        p = os.path.join(work, "eval", f"{s}-{m}", "metrics.json")
        if not os.path.exists(p):
            continue
        d = json.load(open(p))
        o = d["overall"]
        f1 = {c["label"]: c["f1"] for c in d["per_class"] if c["support"] > 0}
        cells = [f"{f1[l]:.3f}" if l in f1 else "" for l in labels]
        print(f"| {s} | {m} | {d['n']} | {o['macro_f1']:.3f} | {o['macro_f1_targets']:.3f} | {o['micro_f1']:.3f} | " + " | ".join(cells) + " |")
PY
