#!/usr/bin/env bash
# The CPU recipe of the real-anatomy fine-tune (issue 13): fine-tunes the shipped model on studies rendered from
# real anatomy (mpmri-synth --anatomy real) mixed with phantom studies (so nothing is forgotten), with the
# scanner-realism augmentation, then scores every candidate in image mode on the labelled real scans
# (scripts/real_eval.py) beside synthetic validation. Resumable: rerun the same command after an interruption.
#
#   scripts/train_anatomy_finetune.sh [BUILD_DIR] [WORK]      (defaults build/, /tmp/mpmri-anatomy-ft)
# Environment: REAL_STUDIES=120 REAL_EXT_STUDIES=40 PHANTOM_STUDIES=40 VAL_STUDIES=16 MINUTES=45 THREADS=2
#              LR=5e-4 NAME=anatomy-ft
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=${1:-$ROOT/build}
WORK=${2:-/tmp/mpmri-anatomy-ft}
SYNTH=$BUILD/src/cli/mpmri-synth CLASSIFY=$BUILD/src/cli/mpmri-classify
THREADS=${THREADS:-2} MINUTES=${MINUTES:-45} LR=${LR:-5e-4} NAME=${NAME:-anatomy-ft}
SHARED=${SHARED:-$ROOT/../shared}
mkdir -p "$WORK"

gen() {  # gen NAME SEED STUDIES DOMAIN ANATOMY
  local name=$1 seed=$2 n=$3 domain=$4 anatomy=$5
  [ -f "$WORK/$name/labels.csv" ] || "$SYNTH" --out "$WORK/$name" --studies "$n" --seed "$seed" --domain "$domain" \
    --anatomy "$anatomy" --anatomy-dir "$SHARED" --jobs "$THREADS" --log-level warn
  [ -f "$WORK/cache-$name/manifest.csv" ] || "$CLASSIFY" preprocess "$WORK/$name" --labels "$WORK/$name/labels.csv" \
    --out "$WORK/cache-$name" --card "$ROOT/models/default.json" --jobs "$THREADS" --log-level warn
}
# Seeds no earlier model used (shipped: train seed 11; evaluation sets 7001-7005).
gen real-train 301 "${REAL_STUDIES:-120}" train real
gen real-external 302 "${REAL_EXT_STUDIES:-40}" external real
gen phantom-train 101 "${PHANTOM_STUDIES:-40}" train phantom
gen val-real 7011 "${VAL_STUDIES:-16}" train real
gen val-phantom 7001 "${VAL_STUDIES:-16}" train phantom

# The shipped weights, recovered from the frozen .pt.
[ -f "$WORK/shipped.npz" ] || /usr/bin/python3 "$HERE/unfreeze_weights.py" "$ROOT/models/default.pt" "$WORK/shipped.npz"

# Fine-tune: training studies of all three training sets (train.py splits each by study; its validation split
# stops nothing here, the clock does), realism augmentation, batch-norm statistics fixed.
/usr/bin/python3 "$HERE/train.py" --cache "$WORK/cache-real-train" "$WORK/cache-real-external" "$WORK/cache-phantom-train" \
  --test-cache "$WORK/cache-val-real" "$WORK/cache-val-phantom" --name "$NAME" --models-dir "$WORK/models" \
  --work "$WORK/run-$NAME" --widths 32,64,128,256 --blocks 1,1,1,1 --init "$WORK/shipped.npz" --freeze-bn-stats \
  --aug realism --lr "$LR" --max-minutes "$MINUTES" --epochs 1000 --patience 1000 --epoch-samples 2048 --batch 16 \
  --threads "$THREADS" --device cpu --resume \
  --data-note "scripts/train_anatomy_finetune.sh: shipped weights fine-tuned on mpmri-synth --anatomy real (train seed 301, external seed 302) and phantom (seed 101) studies"
echo "model: $WORK/models/$NAME.pt"
