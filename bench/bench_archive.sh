#!/usr/bin/env bash
# Archive benchmark (docs/archives.md): mpmri-classify over N synthetic studies in one call (with the archive
# ledger), next to `dcm2niix -z n` on the same folder in the same run: wall time, studies/s, peak RSS. Also the
# cost of resuming a finished run (every study checked and skipped), of a shard's file selection, of
# `merge`, and of the full header scan that sharding by StudyInstanceUID would need in every shard.
#   bench/bench_archive.sh [BUILD_DIR] [MODE] [JOBS] [MAX_SLICES] N...   (defaults: build header 2 8 20 200)
#   MODE: header (no model), fusion or image (the shipped model; needs a LibTorch build)
#   BASELINE=path/to/mpmri-classify: also time a binary without the ledger on the same archive
set -euo pipefail
build=${1:-build} mode=${2:-header} jobs=${3:-2} max_slices=${4:-8}
shift $(($# < 4 ? $# : 4))
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(20 200)
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$build/src/cli
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
model_args=(); [ "$mode" = header ] || model_args=(--model "$here/models/default.pt")
measure() {  # measure LABEL COMMAND...: one line with wall seconds, $studies_in_it per second and peak RSS
  local label=$1; shift
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>&1 || true
  local out; out=$(tail -1 "$work/time")
  local secs=${out% *} kb=${out#* }
  printf '  %-48s %8.2f s  %7.1f studies/s  peak RSS %5d MB\n' "$label" "$secs" \
    "$(awk -v n="$studies_in_it" -v s="$secs" 'BEGIN {print (s > 0 ? n / s : 0)}')" "$((kb / 1024))"
}
echo "mode $mode, -j $jobs, --max-slices $max_slices, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
for n in "${sizes[@]}"; do
  arch=$work/archive-$n
  "$bin/mpmri-synth" --out "$arch" --studies "$n" --seed 515 --max-slices "$max_slices" --log-level warn >/dev/null
  bash "$here/bench/decompress_jpegls.sh" "$arch"
  files=$(find "$arch" -type f | wc -l) bytes=$(du -sm "$arch" | cut -f1)
  echo "archive: $n studies, $files files, $bytes MB"
  studies_in_it=$n
  classify=("$bin/mpmri-classify" --log-level warn classify "$arch" --mode "$mode" --no-progress -j "$jobs" "${model_args[@]}")
  measure "mpmri-classify (ledger, fresh run)" "${classify[@]}" -o "$work/o-$n"
  measure "mpmri-classify again (resume: all done)" "${classify[@]}" -o "$work/o-$n"
  if [ -n "${BASELINE:-}" ]; then
    measure "baseline binary (no ledger)" "$BASELINE" --log-level warn classify "$arch" --mode "$mode" --no-progress \
      -j "$jobs" "${model_args[@]}" -o "$work/b-$n"
  fi
  for i in 1 2 3; do
    studies_in_it=$("$bin/mpmri-classify" shard-entries "$arch" --shard "$i/3" | grep -c '^study_')
    measure "shard $i/3 ($studies_in_it studies)" "${classify[@]}" -o "$work/s$i-$n" --shard "$i/3"
  done
  studies_in_it=$n
  measure "merge of the 3 shards" "$bin/mpmri-classify" --log-level warn merge "$work"/s{1,2,3}-"$n" -o "$work/m-$n"
  cmp -s "$work/o-$n/volumes.csv" "$work/m-$n/volumes.csv" && echo "    merged volumes.csv = single run's" \
    || echo "    MERGED volumes.csv DIFFERS from the single run's"
  measure "shard-entries 1/3 (assignment, no header read)" "$bin/mpmri-classify" shard-entries "$arch" --shard 1/3
  measure "inspect (every header: what UID shards need)" "$bin/mpmri-classify" --log-level warn inspect "$arch" -j "$jobs"
  mkdir -p "$work/n-$n"
  measure "dcm2niix -z n" dcm2niix -z n -b n -o "$work/n-$n" "$arch"
  echo "  ledger: $(du -k "$work/o-$n/ledger.sqlite" | cut -f1) kB, outputs $(du -ck "$work/o-$n"/*.csv "$work/o-$n/results.json" | tail -1 | cut -f1) kB"
  rm -rf "$work"/{o,b,s1,s2,s3,m,n}-"$n" "$arch"
done
