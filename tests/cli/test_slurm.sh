#!/usr/bin/env bash
# Slurm for real (scripts/slurm/): starts a one-machine Slurm (local-cluster.sh), submits a 3-task shard array
# over a small synthetic archive with the merge as a dependent job, waits, and compares the merged outputs with a
# single-process run. Exits 77 (ctest SKIP) with the reason where Slurm cannot start; never passes without it.
#   test_slurm.sh CLASSIFY SYNTH SRC WORK
set -uo pipefail
classify=$1 synth=$2 src=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
source "$src/tests/cli/archive_common.sh"
cluster=$work/cluster
conf=$("$src/scripts/slurm/local-cluster.sh" start "$cluster") ; rc=$?
if [ $rc -eq 77 ]; then echo "SKIP: Slurm cannot start here (see above)"; exit 77; fi
[ $rc -eq 0 ] || { echo "FAIL: local-cluster.sh start exited $rc"; exit 1; }
trap '"$src/scripts/slurm/local-cluster.sh" stop "$cluster"' EXIT
eval "$conf"

"$synth" --out "$work/archive" --studies 9 --seed 17 --max-slices 4 --log-level warn || { echo "FAIL synth"; exit 1; }
"$classify" --log-level warn classify "$work/archive" -o "$work/single" --mode header --no-progress; rc_single=$?

ids=$(MPMRI_CLASSIFY=$classify MPMRI_STAGE=$work/scratch SBATCH_ARGS="--cpus-per-task=1" \
  "$src/scripts/slurm/submit.sh" "$work/archive" "$work/out" 3 2 -- --mode header)
echo "  submitted: $ids"
array=$(echo "$ids" | awk '{print $2}') merge=$(echo "$ids" | awk '{print $4}')
check "array and merge submitted" test -n "$array" -a -n "$merge"
# Wait for the merge job to leave the queue (it runs after the array); give up after 5 minutes.
for _ in $(seq 600); do
  squeue -h -j "$array,$merge" 2>/dev/null | grep -q . || break
  sleep 0.5
done
state=$(scontrol show job "$merge" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | head -1)
exit_code=$(scontrol show job "$merge" 2>/dev/null | grep -o ' ExitCode=[0-9:]*' | head -1)
echo "  merge job: $state$exit_code"
check "merge job completed" test "$state" = "JobState=COMPLETED" -o "$exit_code" = " ExitCode=$rc_single:0"
for i in 1 2 3; do check "task $i wrote its log" grep -q "shard $i/3 finished with exit code" "$work/out/logs/shard-$i.log"; done
check "tasks staged to scratch and cleaned up" bash -c "grep -q '^staged ' '$work/out/logs/shard-1.log' && [ -z \"\$(ls -A '$work/scratch' 2>/dev/null)\" ]"
check "merged CSVs equal the single run's, byte for byte" bash -c "cmp '$work/single/volumes.csv' '$work/out/merged/volumes.csv' && cmp '$work/single/series.csv' '$work/out/merged/series.csv'"
# Staged shards read their files from scratch, so the skipped files and each volume's source_files in
# results.json name scratch paths there.
same_results_apart_from_staging() {
  /usr/bin/python3 - "$work/single/results.json" "$work/out/merged/results.json" "$work/scratch" "$work/archive" <<'PY'
import json, re, sys
single, merged = (json.load(open(p)) for p in sys.argv[1:3])
for d in (single, merged): d.pop("provenance")
unstage = lambda p: re.sub("^" + re.escape(sys.argv[3]) + r"/mpmri-\d+-\d+", sys.argv[4], p)
for s in merged["skipped"]: s["path"] = unstage(s["path"])
for study in merged["studies"]:
    for v in study.get("volumes", []):
        if "source_files" in v: v["source_files"] = [unstage(f) for f in v["source_files"]]
merged["skipped"].sort(key=lambda s: (s["path"], s["reason"]))
sys.exit(0 if single == merged else 1)
PY
}
check "merged results.json equals the single run's (scratch paths mapped back)" same_results_apart_from_staging
if [ "$fail" -gt 0 ]; then
  for f in "$work"/out/logs/*.log; do echo "--- $f"; tail -5 "$f"; done
fi
finish
