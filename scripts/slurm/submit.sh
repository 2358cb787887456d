#!/usr/bin/env bash
# Classifies an archive on a Slurm cluster: a job array of N shards (at most C running at once), then the merge
# as a job that depends on the whole array. Prints the two job ids. Logs: OUT/logs/shard-<task>.log, merge.log.
#   scripts/slurm/submit.sh ARCHIVE OUT N [C] [-- CLASSIFY-ARGS... ]
#   env: MPMRI_CLASSIFY (binary), MPMRI_STAGE (node-local scratch to stage each shard to), SBATCH_ARGS
#        (more sbatch options, e.g. "--partition=cpu --cpus-per-task=8 --time=04:00:00")
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,7p' "$0"; exit 2; }
archive=$(realpath "$1") out=$(realpath -m "$2") shards=$3 concurrency=$3
shift 3
if [ $# -gt 0 ] && [ "$1" != "--" ]; then concurrency=$1; shift; fi
if [ "${1:-}" = "--" ]; then shift; fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out/logs"
export MPMRI_ARCHIVE=$archive MPMRI_OUT=$out MPMRI_SHARDS=$shards MPMRI_ARGS="$*"
export MPMRI_CLASSIFY=${MPMRI_CLASSIFY:-$(command -v mpmri-classify || echo mpmri-classify)}
# shellcheck disable=SC2086  # SBATCH_ARGS is a list of options
array=$(sbatch --parsable --export=ALL ${SBATCH_ARGS:-} --array="1-$shards%$concurrency" \
  --output="$out/logs/shard-%a.log" "$here/classify-shard.sbatch")
array=${array%%;*}
# shellcheck disable=SC2086
merge=$(sbatch --parsable --export=ALL ${SBATCH_ARGS:-} --dependency="afterany:$array" \
  --output="$out/logs/merge.log" "$here/merge.sbatch")
echo "array $array merge ${merge%%;*}"
