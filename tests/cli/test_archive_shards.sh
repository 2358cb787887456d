#!/usr/bin/env bash
# Shards (docs/archives.md): three `--shard I/3` runs merged with `merge` equal one run over the whole archive,
# every study in exactly one shard; merge refuses shards made with other parameters, missing or repeated shards.
#   test_archive_shards.sh CLASSIFY SYNTH SRC WORK
set -uo pipefail
classify=$1 synth=$2 src=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
source "$src/tests/cli/archive_common.sh"
studies=12
"$synth" --out "$work/archive" --studies $studies --seed 16 --max-slices 4 --log-level warn || { echo "FAIL synth"; exit 1; }
run() { "$classify" --log-level warn classify "$work/archive" --mode header --no-progress "$@"; }

run -o "$work/single"; rc_single=$?
for i in 1 2 3; do run -o "$work/shard$i" --shard $i/3; done
total=0
for i in 1 2 3; do n=$(studies_in "$work/shard$i"); echo "  shard $i/3: $n studies"; total=$((total + n)); done
check "the shards together hold every study once" test $total -eq $studies
check "the shards are disjoint" bash -c "cat '$work'/shard{1,2,3}/volumes.csv | grep -v '^study_uid,' | sort | uniq -d | grep -q . && exit 1 || exit 0"

"$classify" --log-level warn merge "$work/shard3" "$work/shard1" "$work/shard2" -o "$work/merged"; rc=$?
check "merge exits as the single run ($rc_single)" test $rc -eq $rc_single
check "merged outputs equal the single run's" same_outputs "$work/single" "$work/merged"
check "thumbnails merged" test "$(ls "$work/merged/thumbnails" | wc -l)" -eq "$(ls "$work/single/thumbnails" | wc -l)"

expect_refusal() {  # expect_refusal WORD ARGS...: merge exits 2 and says WORD
  local word=$1; shift
  "$classify" --log-level warn merge "$@" >"$work/refused.log" 2>&1; local rc=$?
  [ $rc -eq 2 ] && grep -q -- "$word" "$work/refused.log" || { echo "  exit $rc:"; cat "$work/refused.log"; return 1; }
}
check "merge refuses a missing shard" expect_refusal "2 of 3 shards" "$work/shard1" "$work/shard2" -o "$work/m2"
check "merge refuses a repeated shard" expect_refusal "given twice" "$work/shard1" "$work/shard1" "$work/shard2" -o "$work/m3"
run -o "$work/shard2-other" --shard 2/3 --fusion-params "$src/data/fusion_params.priors.json"
check "merge refuses shards made with other parameters" expect_refusal "fusion_params_sha256" "$work/shard1" "$work/shard2-other" "$work/shard3" -o "$work/m4"
run -o "$work/shard1" --shard 2/3 >/dev/null 2>&1; rc=$?
check "a shard folder is not resumed as another shard (2)" test $rc -eq 2

# A study whose series lie in distant folders: one study by default (every StudyInstanceUID read first), in
# parts with --no-whole-studies.
mkdir -p "$work/spread" && cp -r "$work/archive/study_000000" "$work/archive/study_000001" "$work/spread/"
mkdir -p "$work/spread/zz-moved" && mv "$work/spread/study_000000/s1" "$work/spread/zz-moved/"
entries() { /usr/bin/python3 -c "import json,sys; s=[x['study_uid'] for x in json.load(open(sys.argv[1]))['studies']]; print(len(s), len(set(s)))" "$1/results.json"; }
"$classify" --log-level warn classify "$work/spread" --mode header --no-progress -o "$work/spread-whole"
"$classify" --log-level warn classify "$work/spread" --mode header --no-progress -o "$work/spread-parts" --no-whole-studies
check "whole studies: 2 studies, each once" test "$(entries "$work/spread-whole")" = "2 2"
check "--no-whole-studies: the spread study in two parts" test "$(entries "$work/spread-parts")" = "3 2"
check "same volumes either way" test "$(rows_of "$work/spread-whole/volumes.csv")" -eq "$(rows_of "$work/spread-parts/volumes.csv")"
finish
