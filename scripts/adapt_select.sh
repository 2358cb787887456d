#!/usr/bin/env bash
# How adapt's default recipe was chosen (docs/adapt.md "Choosing the recipe"): four recipes on two SELECTION
# pairs of synthetic sites, seeds other than the reported ones (scripts/adapt_proof_synth.sh uses 8101/8102 and
# 8201/8202):
#   C/D  external style, phantom bodies, seeds 8301 (headers intact, adapted on) / 8302 (de-identified, scored);
#        base = the shipped model
#   E/F  external style, real-anatomy bodies, seeds 8401 / 8402; base = the phantom-only model (git 58c9a8a)
# Recipes: default (lr 5e-4), --lr 1e-4, --replay, --replay --lr 1e-4.
#   scripts/adapt_select.sh [BUILD_DIR] [WORK]        (defaults build/, /tmp/mpmri-adapt-select); resumable
# Prints and appends to WORK/summary.txt: name, image-mode macro-F1 on the scored site, its 95% interval, accuracy.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
W=${2:-/tmp/mpmri-adapt-select}
JOBS=${JOBS:-2} SHARED=${SHARED:-$ROOT/../shared}
CLI="$BUILD/src/cli/mpmri-classify" SYNTH="$BUILD/src/cli/mpmri-synth"
mkdir -p "$W"
PREV="$W/prev-model/default.pt"
if [ ! -f "$PREV" ]; then
  mkdir -p "$W/prev-model"
  git -C "$ROOT" show 58c9a8a:models/default.pt >"$PREV.tmp" && mv "$PREV.tmp" "$PREV"
  git -C "$ROOT" show 58c9a8a:models/default.json >"$W/prev-model/default.json"
fi
gen() {  # gen DIR SEED DEID_FRACTION ANATOMY
  [ -f "$W/$1/labels.csv" ] || "$SYNTH" --out "$W/$1" --studies 12 --seed "$2" --domain external \
    --deidentify-fraction "$3" --anatomy "$4" --anatomy-dir "$SHARED" --jobs "$JOBS" --log-level warn
}
score() {  # score NAME SITE MODEL
  local run="$W/runs/$1"
  if [ ! -f "$run/eval/metrics.json" ]; then
    "$CLI" --log-level warn classify "$W/$2" -o "$run/pred" --mode image --model "$3" --no-progress --jobs "$JOBS"
    "$CLI" --log-level warn evaluate --pred "$run/pred" --truth "$W/$2/labels.csv" --out "$run/eval" >/dev/null
  fi
  /usr/bin/python3 -c "import json; j=json.load(open('$run/eval/metrics.json')); c=j['ci95']['overall']['macro_f1']
print('$1', round(j['overall']['macro_f1'], 3), [round(x, 3) for x in c], round(j['overall']['accuracy'], 3))" | tee -a "$W/summary.txt"
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
