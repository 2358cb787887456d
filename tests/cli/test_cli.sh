#!/usr/bin/env bash
# Runs mpmri-synth and mpmri-classify as a user would and checks outputs and exit codes.
# Prints "N passed, N failed" at the end.
set -uo pipefail
classify=$1 synth=$2 src=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
model=$src/tests/data/tiny_model.pt

check "synth one study" expect_rc 0 "$synth" --out "$work/study" --studies 1 --seed 7
check "labels.csv written" test -s "$work/study/labels.csv"

check "classify exits 0" expect_rc 0 "$classify" "$work/study" -o "$work/out" --model "$model" --no-progress
for f in volumes.csv series.csv results.json; do check "$f written" test -s "$work/out/$f"; done
series_of() { /usr/bin/python3 -c "import csv,sys; print(len({r['series_uid'] for r in csv.DictReader(open(sys.argv[1]))}))" "$1"; }
check "every labelled series classified" test "$(series_of "$work/out/volumes.csv")" -eq "$(series_of "$work/study/labels.csv")"
check "every volume ok" test "$(grep -c ',failed,' "$work/out/volumes.csv")" -eq 0
check "thumbnails written" test -n "$(ls "$work/out/thumbnails" 2>/dev/null)"
check "no partial files left" test -z "$(find "$work/out" -name '*.tmp*' -o -name '.*partial*')"
check "results.json parses" /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['studies']" "$work/out/results.json"

# LibTorch is a plugin: a wrong MPMRI_TORCH_PLUGIN is skipped and the one beside the program is used.
check "plugin search falls back past a bad MPMRI_TORCH_PLUGIN" expect_rc 0 env MPMRI_TORCH_PLUGIN="$model" "$classify" "$work/study" -o "$work/out-plugin" --model "$model" --no-progress
check "header mode needs no model" expect_rc 0 "$classify" classify "$work/study" -o "$work/out-header" --mode header --model /nonexistent.pt --no-progress
check "--json writes JSON lines to stdout" bash -c "'$classify' '$work/study' -o '$work/out-json' --model '$model' --json --no-progress 2>/dev/null | /usr/bin/python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin if l.strip()]'"
check "evaluate runs" expect_rc 0 "$classify" evaluate --pred "$work/out-header" --truth "$work/study/labels.csv" --out "$work/eval"

# Failure paths and exit codes (README "Exit codes").
check "missing model is fatal (1)" expect_rc 1 "$classify" "$work/study" -o "$work/o2" --model "$work/none.pt" --no-progress
printf 'not a model' >"$work/bad.pt"; cp "$src/tests/data/tiny_model.json" "$work/bad.json"
check "corrupt model is fatal (1)" expect_rc 1 "$classify" "$work/study" -o "$work/o3" --model "$work/bad.pt" --no-progress
mkdir -p "$work/empty"
check "nothing usable (4)" expect_rc 4 "$classify" "$work/empty" -o "$work/o4" --model "$model" --no-progress
# The model loads while the first study is decoded: with no study at all its failure must still be fatal.
check "corrupt model is fatal with no studies (1)" expect_rc 1 "$classify" "$work/empty" -o "$work/o4b" --model "$work/bad.pt" --no-progress
check "usage error (2)" expect_rc 2 "$classify" classify --no-such-option "$work/study"
cp -r "$work/study" "$work/mixed"
head -c 300 /dev/urandom >"$work/mixed/corrupt.dcm"
check "some failed (3)" expect_rc 3 "$classify" "$work/mixed" -o "$work/o5" --model "$model" --no-progress
check "failure reported in output" grep -q "corrupt.dcm" "$work/o5/results.json"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
