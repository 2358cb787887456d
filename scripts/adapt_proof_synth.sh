#!/usr/bin/env bash
# The synthetic before/after figures of docs/adapt.md (issue 16): adapt on a site whose headers are intact,
# measure image mode on de-identified studies of the same domain (other seeds) that the adaptation never saw.
#
#   scripts/adapt_proof_synth.sh [BUILD_DIR] [WORK]        (defaults build/, /tmp/mpmri-adapt-proof)
#
# Two experiments, each resumable (a finished step's output is kept and not redone):
#   ext   vendor style the shipped model never trained on (--domain external, Canon names and tags), phantom
#         bodies; base = the shipped model.
#   anat  bodies from real anatomy (--anatomy real) in the external style; base = the PHANTOM-ONLY model that
#         preceded the shipped one (git 58c9a8a:models/default.pt), for which real-anatomy bodies are a domain
#         it never saw. The shipped model, fine-tuned on real-anatomy studies with their true labels
#         (scripts/train_anatomy_finetune.sh, seeds 301/302), is scored beside it as the supervised reference.
# Writes WORK/summary.csv (experiment, model, macro-F1 with 95% bootstrap interval, micro-F1, accuracy).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
WORK=${2:-/tmp/mpmri-adapt-proof}
JOBS=${JOBS:-2} MINUTES=${MINUTES:-12} EPOCHS=${EPOCHS:-8} STUDIES=${STUDIES:-12}
CLI="$BUILD/src/cli/mpmri-classify" SYNTH="$BUILD/src/cli/mpmri-synth"
SHARED=${SHARED:-$ROOT/../shared}
mkdir -p "$WORK"

source "$ROOT/scripts/adapt_synth_lib.sh"
gen() { adapt_gen "$WORK/$1" "$2" "$3" "$4" "$STUDIES"; }  # gen DIR SEED DEID_FRACTION ANATOMY
adapt() {  # adapt SITE OUT BASE
  [ -f "$WORK/$2/adapted.pt" ] && return 0
  rm -rf "$WORK/$2"
  /usr/bin/time -f "adapt $1 -> $2: %e s wall, %M kB peak" "$CLI" --log-level warn adapt "$WORK/$1" -o "$WORK/$2" \
    --base "$3" --minutes "$MINUTES" --epochs "$EPOCHS" --epoch-samples 512 --jobs "$JOBS" --seed 1
}
score() {  # score EXPERIMENT SITE_B NAME MODEL: one row of summary.csv
  local f
  read -r -a f <<<"$(adapt_score "$WORK/$1-runs/$3" "$WORK/$2" "$4")"
  (IFS=,; echo "$1,$3,${f[*]}") >>"$WORK/summary.csv"
}
PREV=$(adapt_prev_model "$WORK")

gen ext-A 8101 0 phantom
gen ext-B 8102 1 phantom
gen anat-A 8201 0 real
gen anat-B 8202 1 real
adapt ext-A adapt-ext "$ROOT/models/default.pt"
adapt anat-A adapt-anat-prev "$PREV"

echo "experiment,model,macro_f1,ci_low,ci_high,micro_f1,accuracy,volumes" >"$WORK/summary.csv"
score ext ext-B shipped "$ROOT/models/default.pt"
score ext ext-B shipped-adapted "$WORK/adapt-ext/adapted.pt"
score anat anat-B phantom-only "$PREV"
score anat anat-B phantom-only-adapted "$WORK/adapt-anat-prev/adapted.pt"
score anat anat-B shipped-supervised-reference "$ROOT/models/default.pt"
column -s, -t "$WORK/summary.csv"
