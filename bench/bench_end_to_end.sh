#!/usr/bin/env bash
# End-to-end benchmark: `mpmri-classify` on one synthetic study (model load included) next to `dcm2niix -z n`
# converting the same study, in the same run; medians of N runs, and the ratio (goal: <= 2x dcm2niix).
# Also times header mode (no model: scan, decode, decide, write) so the model's share is visible.
#   bench/bench_end_to_end.sh [BUILD_DIR] [REPS] [JOBS]     (defaults: build 5 2)
set -euo pipefail
build=${1:-build} reps=${2:-5} jobs=${3:-2}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$build/src/cli
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin/mpmri-synth" --out "$work/gen" --studies 1 --seed 123 --log-level warn >/dev/null
study=$work/gen/study_000000
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
timed() {  # timed COMMAND...: wall seconds
  local t0 t1
  t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'
}
ours=() header=() theirs=()
for i in $(seq "$reps"); do
  rm -rf "$work/o" "$work/h" "$work/n"; mkdir -p "$work/n"
  ours+=("$(timed "$bin/mpmri-classify" --log-level warn classify "$study" -o "$work/o" --no-progress -j "$jobs" \
    --model "$here/models/default.pt")")
  header+=("$(timed "$bin/mpmri-classify" --log-level warn classify "$study" -o "$work/h" --no-progress -j "$jobs" \
    --mode header)")
  theirs+=("$(timed dcm2niix -z n -b n -o "$work/n" "$study")")
done
series=$(tail -n +2 "$work/o/series.csv" | wc -l)
volumes=$(tail -n +2 "$work/o/volumes.csv" | wc -l)
o=$(printf '%s\n' "${ours[@]}" | median) h=$(printf '%s\n' "${header[@]}" | median) d=$(printf '%s\n' "${theirs[@]}" | median)
echo "study: $series series, $volumes volumes, $(find "$study" -type f | wc -l) files; median of $reps runs, -j $jobs"
printf 'mpmri-classify (fusion, model load included)  %.3f s\n' "$o"
printf 'mpmri-classify --mode header (no model)       %.3f s\n' "$h"
printf 'dcm2niix -z n                                  %.3f s\n' "$d"
printf 'ratio classify / dcm2niix                      %.2fx (goal <= 2x)\n' "$(awk -v a="$o" -v b="$d" 'BEGIN {print a / b}')"
