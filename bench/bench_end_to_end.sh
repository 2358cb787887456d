#!/usr/bin/env bash
# End-to-end benchmark: `mpmri-classify` on one synthetic study (model load included) next to `dcm2niix -z n`
# converting the same study, in the same run; medians of N runs, and the ratio (goal: <= 2x dcm2niix).
# Also times header mode (no model: scan, decode, decide, write) so the model's share is visible, and an
# archive of STUDIES studies in one call each (the batch case, where the model loads once).
#   bench/bench_end_to_end.sh [BUILD_DIR] [REPS] [JOBS] [STUDIES]     (defaults: build 5 2 4)
set -euo pipefail
build=${1:-build} reps=${2:-5} jobs=${3:-2} studies=${4:-4}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$build/src/cli
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin/mpmri-synth" --out "$work/gen" --studies "$studies" --seed 123 --log-level warn >/dev/null
bash "$here/bench/decompress_jpegls.sh" "$work/gen"  # dcm2niix reads the same pixels
study=$work/gen/study_000000
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
timed() {  # timed COMMAND...: wall seconds
  local t0 t1
  t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'
}
ours=() header=() theirs=() ours_all=() theirs_all=()
for i in $(seq "$reps"); do
  rm -rf "$work/o" "$work/h" "$work/n"; mkdir -p "$work/n"
  ours+=("$(timed "$bin/mpmri-classify" --log-level warn classify "$study" -o "$work/o" --no-progress -j "$jobs" \
    --model "$here/models/default.pt")")
  header+=("$(timed "$bin/mpmri-classify" --log-level warn classify "$study" -o "$work/h" --no-progress -j "$jobs" \
    --mode header)")
  theirs+=("$(timed dcm2niix -z n -b n -o "$work/n" "$study")")
  if [ "$studies" -gt 1 ]; then
    rm -rf "$work/oa" "$work/na"; mkdir -p "$work/na"
    ours_all+=("$(timed "$bin/mpmri-classify" --log-level warn classify "$work/gen" -o "$work/oa" --no-progress \
      -j "$jobs" --model "$here/models/default.pt")")
    theirs_all+=("$(timed dcm2niix -z n -b n -o "$work/na" "$work/gen")")
  fi
done
series=$(tail -n +2 "$work/o/series.csv" | wc -l)
volumes=$(tail -n +2 "$work/o/volumes.csv" | wc -l)
o=$(printf '%s\n' "${ours[@]}" | median) h=$(printf '%s\n' "${header[@]}" | median) d=$(printf '%s\n' "${theirs[@]}" | median)
echo "study: $series series, $volumes volumes, $(find "$study" -type f | wc -l) files; median of $reps runs, -j $jobs"
printf 'mpmri-classify (fusion, model load included)  %.3f s\n' "$o"
printf 'mpmri-classify --mode header (no model)       %.3f s\n' "$h"
printf 'dcm2niix -z n                                  %.3f s\n' "$d"
printf 'ratio classify / dcm2niix                      %.2fx (goal <= 2x)\n' "$(awk -v a="$o" -v b="$d" 'BEGIN {print a / b}')"
if [ "$studies" -gt 1 ]; then
  oa=$(printf '%s\n' "${ours_all[@]}" | median) da=$(printf '%s\n' "${theirs_all[@]}" | median)
  echo "archive: $studies studies, $(tail -n +2 "$work/oa/volumes.csv" | wc -l) volumes, one call each"
  printf 'mpmri-classify (fusion)                        %.3f s (%.3f s per study)\n' "$oa" "$(awk -v a="$oa" -v n="$studies" 'BEGIN {print a / n}')"
  printf 'dcm2niix -z n                                  %.3f s\n' "$da"
  printf 'ratio classify / dcm2niix                      %.2fx\n' "$(awk -v a="$oa" -v b="$da" 'BEGIN {print a / b}')"
fi
# Peak memory (GNU time, Debian package `time`): one study, then the whole archive in one call.
if [ -x /usr/bin/time ]; then
  for what in "$study" "$work/gen"; do
    rm -rf "$work/m"
    kb=$(/usr/bin/time -f '%M' "$bin/mpmri-classify" --log-level warn classify "$what" -o "$work/m" --no-progress \
      -j "$jobs" --model "$here/models/default.pt" 2>&1 >/dev/null | tail -1)
    printf 'peak memory, %-34s %d MB\n' "$(basename "$what"):" "$((kb / 1024))"
  done
fi
