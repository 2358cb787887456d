#!/usr/bin/env bash
# The binary on studies of scripts/independent_studies.py, a generator written from vendor files and dcm2niix's
# notes without reading the header rules (docs/decision.md "Image weight"): header and fusion mode (shipped
# model) score macro-F1 >= 0.93 on 6 studies of a seed used nowhere else (a de-identified Siemens DWI whose
# b-values were only in the stripped private tags leaves truth rows no volume can match: they count as wrong),
# and the plain header baseline runs on the same studies. Prints "N passed, N failed" at the end.
set -uo pipefail
classify=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
py=/usr/bin/python3

check "generate 6 independent studies (seed 3)" expect_rc 0 $py "$src/scripts/independent_studies.py" --out "$work/studies" --studies 6 --seed 3
for mode in header fusion; do
  check "classify --mode $mode" expect_rc 0 "$classify" classify "$work/studies" -o "$work/$mode" --mode "$mode" \
    --model "$src/models/default.pt" --no-progress --jobs 2
  check "evaluate $mode" expect_rc 0 "$classify" evaluate --pred "$work/$mode" --truth "$work/studies/labels.csv" --out "$work/$mode-eval" --bootstrap 0
  check "$mode: macro-F1 >= 0.93 (missing predictions count as wrong)" $py - "$work/$mode-eval/metrics.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print("macro-F1", round(m["overall"]["macro_f1"], 4), "missing", m["n_missing"], "of", m["n"])
assert m["overall"]["macro_f1"] >= 0.93, m["overall"]
PY
done
check "plain header baseline runs" expect_rc 0 $py "$src/scripts/plain_header_baseline.py" "$work/studies" -o "$work/baseline"
check "baseline output is evaluable" expect_rc 0 "$classify" evaluate --pred "$work/baseline" --truth "$work/studies/labels.csv" --out "$work/baseline-eval" --bootstrap 0

finish
