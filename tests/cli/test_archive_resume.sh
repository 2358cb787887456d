#!/usr/bin/env bash
# Durable, resumable runs (docs/archives.md): a run over a synthetic archive killed with SIGKILL part-way, twice,
# then resumed, must write the same outputs as an uninterrupted run: nothing lost, nothing duplicated.
#   test_archive_resume.sh CLASSIFY SYNTH SRC WORK
set -uo pipefail
classify=$1 synth=$2 src=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
source "$src/tests/cli/archive_common.sh"
studies=24
"$synth" --out "$work/archive" --studies $studies --seed 15 --max-slices 4 --log-level warn || { echo "FAIL synth"; exit 1; }
args=(--log-level info classify "$work/archive" --mode header --no-progress -j 1)
run() { "$classify" "${args[@]}" "$@"; }

run -o "$work/ref" >"$work/ref.log" 2>&1; rc_ref=$?
check "uninterrupted run writes every study" test "$(studies_in "$work/ref")" -eq $studies

# kill_after N LOG: starts a run into $work/out and SIGKILLs it once the ledger holds N studies.
kill_after() {
  local want=$1 log=$2
  # exec: $! must be the classifier itself, so that the SIGKILL reaches it.
  (exec "$classify" "${args[@]}" -o "$work/out" --refresh-seconds 0 >"$log" 2>&1) &
  local pid=$!
  while kill -0 $pid 2>/dev/null && [ "$(studies_in "$work/out")" -lt "$want" ]; do sleep 0.02; done
  kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null
  local done; done=$(studies_in "$work/out")
  echo "  killed with $done studies committed"
  [ "$done" -ge "$want" ] && [ "$done" -lt $studies ]
}
check "first run killed part-way" kill_after 4 "$work/kill1.log"
# Outputs are readable during a run: rewritten from the ledger (here after every study), never half a file.
check "outputs readable after the kill" /usr/bin/python3 -c "import csv,json,sys; json.load(open(sys.argv[1])); list(csv.reader(open(sys.argv[2])))" "$work/out/results.json" "$work/out/volumes.csv"
check "no row the complete run lacks" bash -c "tail -n +2 '$work/out/volumes.csv' | sort | comm -23 - <(tail -n +2 '$work/ref/volumes.csv' | sort) | grep -q . && exit 1 || exit 0"
first=$(studies_in "$work/out")
check "second run resumes and is killed part-way" kill_after $((first + 6)) "$work/kill2.log"
check "second run skipped the first run's studies" grep -q "resuming: $first studies already done" "$work/kill2.log"

run -o "$work/out" >"$work/resume.log" 2>&1; rc=$?
check "resumed run exits as the uninterrupted one ($rc_ref)" test "$rc" -eq "$rc_ref"
check "resumed run completes the ledger" test "$(studies_in "$work/out")" -eq $studies
check "resumed outputs equal the uninterrupted run's" same_outputs "$work/ref" "$work/out"
check "no duplicated volume rows" no_duplicate_rows "$work/out/volumes.csv"
check "no partial files left" test -z "$(find "$work/out" -name '*.tmp*' -o -name '.*partial*')"

# A finished run again: nothing to do, same files.
run -o "$work/out" >"$work/again.log" 2>&1
check "a finished run again skips every study" grep -q "resuming: $studies studies already done and unchanged, 0 files left" "$work/again.log"
check "and writes the same outputs" same_outputs "$work/ref" "$work/out"

# A changed study is redone, a removed one leaves the outputs.
some_file=$(find "$work/archive/study_000003" -type f ! -name '*.json' ! -name '*.csv' | sort | head -1)
touch -d '2001-01-01' "$some_file"
run -o "$work/out" >"$work/changed.log" 2>&1
check "a changed study is redone" grep -q "resuming: $((studies - 1)) studies already done" "$work/changed.log"
check "outputs still equal after redoing it" same_outputs "$work/ref" "$work/out"
mv "$work/archive/study_000005" "$work/study_000005.moved"
run -o "$work/out" >"$work/removed.log" 2>&1
run -o "$work/ref-removed" >/dev/null 2>&1
check "a removed study leaves the outputs" same_outputs "$work/ref-removed" "$work/out"
mv "$work/study_000005.moved" "$work/archive/study_000005"

# One run per output folder: a second one while the folder is locked is refused (2).
flock "$work/out/.ledger.lock" "$classify" "${args[@]}" -o "$work/out" >"$work/locked.log" 2>&1; rc=$?
check "a second run into a busy folder is refused (2)" bash -c "[ $rc -eq 2 ] && grep -q 'another run is writing' '$work/locked.log'"

# A ledger made with other parameters is refused (exit 2) unless --fresh.
run -o "$work/out" --fusion-params "$src/data/fusion_params.priors.json" >"$work/other.log" 2>&1; rc=$?
check "other parameters refused (2)" test "$rc" -eq 2
check "refusal names the parameter" grep -q "fusion_params_sha256" "$work/other.log"
run -o "$work/out" --fresh >"$work/fresh.log" 2>&1
check "--fresh classifies everything anew" bash -c "! grep -q resuming '$work/fresh.log' && [ $(studies_in "$work/out") -eq $studies ]"
check "and gives the same outputs" same_outputs "$work/ref" "$work/out"
finish
