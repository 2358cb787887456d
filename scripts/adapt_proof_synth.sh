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

gen() {  # gen DIR SEED DEID_FRACTION ANATOMY
  [ -f "$WORK/$1/labels.csv" ] && return 0
  rm -rf "$WORK/$1"
  "$SYNTH" --out "$WORK/$1" --studies "$STUDIES" --seed "$2" --domain external --deidentify-fraction "$3" \
    --anatomy "$4" --anatomy-dir "$SHARED" --jobs "$JOBS" --log-level warn
}
adapt() {  # adapt SITE OUT BASE
  [ -f "$WORK/$2/adapted.pt" ] && return 0
  rm -rf "$WORK/$2"
  /usr/bin/time -f "adapt $1 -> $2: %e s wall, %M kB peak" "$CLI" --log-level warn adapt "$WORK/$1" -o "$WORK/$2" \
    --base "$3" --minutes "$MINUTES" --epochs "$EPOCHS" --epoch-samples 512 --jobs "$JOBS" --seed 1
}
score() {  # score EXPERIMENT SITE_B NAME MODEL
  local run="$WORK/$1-runs/$3"
  if [ ! -f "$run/eval/metrics.json" ]; then
    rm -rf "$run"
    "$CLI" --log-level warn classify "$WORK/$2" -o "$run/pred" --mode image --model "$4" --no-progress --jobs "$JOBS"
    "$CLI" --log-level warn evaluate --pred "$run/pred" --truth "$WORK/$2/labels.csv" --out "$run/eval" >/dev/null
  fi
  /usr/bin/python3 - "$1" "$3" "$run/eval/metrics.json" >>"$WORK/summary.csv" <<'EOF'
import json, sys
j = json.load(open(sys.argv[3]))
m = j["overall"]
ci = j.get("ci95", {}).get("overall", {}).get("macro_f1", [None, None])
print(",".join([sys.argv[1], sys.argv[2], f"{m['macro_f1']:.3f}", f"{ci[0]:.3f}" if ci[0] is not None else "",
                f"{ci[1]:.3f}" if ci[1] is not None else "", f"{m['micro_f1']:.3f}", f"{m['accuracy']:.3f}", str(j["n"])]))
EOF
}

PREV="$WORK/prev-model/default.pt"
if [ ! -f "$PREV" ]; then
  mkdir -p "$WORK/prev-model"
  git -C "$ROOT" show 58c9a8a:models/default.pt >"$PREV.tmp" && mv "$PREV.tmp" "$PREV"
  git -C "$ROOT" show 58c9a8a:models/default.json >"$WORK/prev-model/default.json"
fi

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
