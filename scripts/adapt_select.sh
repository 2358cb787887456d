#!/usr/bin/env bash
# How adapt's default recipe was chosen (docs/adapt.md "Choosing the recipe"): four recipes on two SELECTION
# pairs of synthetic sites, seeds other than the reported ones (scripts/adapt_proof_synth.sh uses 8101/8102 and
# 8201/8202):
#   C/D  external style, phantom bodies, seeds 8301 (headers intact, adapted on) / 8302 (de-identified, scored);
#        base = the shipped model
#   E/F  external style, real-anatomy bodies, seeds 8401 / 8402; base = the phantom-only model (git 58c9a8a)
# Recipes: default (lr 5e-4), --lr 1e-4, --replay, --replay --lr 1e-4.
#   scripts/adapt_select.sh [BUILD_DIR] [WORK]        (defaults build/, /tmp/mpmri-adapt-select); resumable
# Prints and appends to WORK/summary.txt: name, image-mode macro-F1 on the scored site, its 95% interval,
# micro-F1, accuracy, volumes.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
W=${2:-/tmp/mpmri-adapt-select}
JOBS=${JOBS:-2} SHARED=${SHARED:-$ROOT/../shared}
CLI="$BUILD/src/cli/mpmri-classify" SYNTH="$BUILD/src/cli/mpmri-synth"
mkdir -p "$W"
source "$ROOT/scripts/adapt_synth_lib.sh"
PREV=$(adapt_prev_model "$W")
gen() { adapt_gen "$W/$1" "$2" "$3" "$4" 12; }  # gen DIR SEED DEID_FRACTION ANATOMY
score() {  # score NAME SITE MODEL: "NAME macro-F1 ci_low ci_high micro-F1 accuracy volumes"
  echo "$1 $(adapt_score "$W/runs/$1" "$W/$2" "$3")" | tee -a "$W/summary.txt"
}
recipe() {  # recipe NAME SITE SCORED BASE ARGS...
  local n=$1 site=$2 scored=$3 base=$4
  shift 4
  [ -f "$W/$n/adapted.pt" ] || "$CLI" --log-level warn adapt "$W/$site" -o "$W/$n" --base "$base" --minutes 12 \
    --epochs 8 --jobs "$JOBS" --seed 1 "$@" >"$W/$n.log" 2>&1
  score "$n" "$scored" "$W/$n/adapted.pt"
}
gen C 8301 0 phantom
gen D 8302 1 phantom
gen E 8401 0 real
gen F 8402 1 real
score ext-base D "$ROOT/models/default.pt"
recipe ext-default C D "$ROOT/models/default.pt"
recipe ext-lr1e-4 C D "$ROOT/models/default.pt" --lr 1e-4
recipe ext-replay C D "$ROOT/models/default.pt" --replay
recipe ext-replay-lr1e-4 C D "$ROOT/models/default.pt" --replay --lr 1e-4
score anat-base F "$PREV"
recipe anat-default E F "$PREV"
recipe anat-lr1e-4 E F "$PREV" --lr 1e-4
recipe anat-replay E F "$PREV" --replay
recipe anat-replay-lr1e-4 E F "$PREV" --replay --lr 1e-4
