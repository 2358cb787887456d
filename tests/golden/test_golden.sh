#!/usr/bin/env bash
# Golden tests (as MRtrix3 and whisper.cpp keep them): the binaries on fixed inputs, their volumes.csv and
# series.csv compared with committed files in tests/golden/expected/, so a change of behaviour shows as a diff
# in review. Cases: a fixed-seed synthetic study in header mode and in fusion mode with the tiny test model,
# and the real GE dual echo of ../shared/real in header mode (skipped without ../shared).
# After an intended change: UPDATE_GOLDEN=1 ctest -R golden (or run this script with it) and review the diff.
set -uo pipefail
classify=$1 synth=$2 src=$3 work=$4
expected=$src/tests/golden/expected
rm -rf "$work" && mkdir -p "$work"
"$synth" --out "$work/study" --studies 1 --seed 20261204 --domain train --max-slices 10 --log-level warn || { echo "FAIL synth"; exit 1; }
fail=0
run_case() {  # run_case NAME TOLERANCE CLASSIFY-ARGS...
  local name=$1 tol=$2; shift 2
  "$classify" --log-level warn classify "$@" -o "$work/$name" --no-progress >/dev/null 2>"$work/$name.log"
  for f in volumes.csv series.csv; do
    if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
      mkdir -p "$expected/$name" && cp "$work/$name/$f" "$expected/$name/$f" && echo "updated $name/$f"
    elif ! /usr/bin/python3 "$src/tests/golden/compare_csv.py" "$expected/$name/$f" "$work/$name/$f" "$tol"; then
      echo "FAIL $name/$f differs from tests/golden/expected/$name/$f (UPDATE_GOLDEN=1 to accept an intended change)"
      fail=1
    else
      echo "ok   $name/$f"
    fi
  done
}
run_case synthetic-header 0 "$work/study" --mode header
run_case synthetic-fusion-tiny 2e-4 "$work/study" --mode fusion --model "$src/tests/data/tiny_model.pt"
real=$src/../shared/real/cptac-ccrcc-t1dual
if [ -d "$real" ]; then run_case real-ge-dual-echo-header 0 "$real" --mode header; else echo "skip real case: $real absent"; fi
exit $fail
