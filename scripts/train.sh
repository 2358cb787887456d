#!/bin/bash
# Trains and exports a model in one command: synthetic studies -> preprocess cache (the same C++ preprocessing
# as inference) -> training -> models/$NAME.pt + models/$NAME.json (metrics in the card). Two recipes:
# - with TRAIN_PY (a python whose torch sees a GPU): the recipe of the shipped model, train_gpu.sh + export;
# - without: the CPU recipe that made the first model (the rest of this header is about it).
# Every step is resumable: rerun the same command after an interruption and finished work is skipped.
#
#   scripts/train.sh [BUILD_DIR]      (default build/; needs mpmri-classify and mpmri-synth built with LibTorch)
#   TRAIN_PY=/path/to/cuda/python3 scripts/train.sh [BUILD_DIR]     the GPU recipe of the shipped model (below)
#
# Environment (defaults = the shipped model):
#   DATA=/tmp/mpmri-data  TRAIN_STUDIES=100  EXTERNAL_STUDIES=20  CHUNK=25  NAME=default  EPOCHS=24
#   WIDTHS=16,32,64,128  BLOCKS=1,1,1,1  THREADS=2  DEVICE=cpu|cuda  EXTRA_TRAIN_ARGS=...
# Runtime measured on 2 CPU cores shared with other jobs (load ~10): generation 19-31 s per study (25 studies per
# chunk in 8-13 min, ~15 volumes and ~40 MB of DICOM per study), preprocessing ~1.5 s per study, training ~130 ms
# per sample (16x48x48, widths 16-128, R(2+1)D; 640-sample epochs in 55-120 s): about 1 h 45 min in all.
# GPU: run steps 1-2 anywhere, copy $DATA/cache-* to the GPU machine, run step 3 there with DEVICE=cuda and any
# torch; then re-export here: the card is only valid for a .pt saved by torch 1.13 (what Debian's LibTorch loads),
# so finish with `train.py ... --resume --epochs <same>` on this machine (it re-exports the best checkpoint).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=${1:-$ROOT/build}
DATA=${DATA:-/tmp/mpmri-data}
TRAIN_STUDIES=${TRAIN_STUDIES:-100}
EXTERNAL_STUDIES=${EXTERNAL_STUDIES:-20}
CHUNK=${CHUNK:-25}
NAME=${NAME:-default}
EPOCHS=${EPOCHS:-24}
WIDTHS=${WIDTHS:-16,32,64,128}
BLOCKS=${BLOCKS:-1,1,1,1}
THREADS=${THREADS:-2}
DEVICE=${DEVICE:-cpu}
SYNTH=$BUILD/src/cli/mpmri-synth
CLASSIFY=$BUILD/src/cli/mpmri-classify
PY=/usr/bin/python3   # Debian's python3-torch 1.13: the .pt must be saved by the torch LibTorch here loads
MODELS_DIR=${MODELS_DIR:-$ROOT/models}
for exe in "$SYNTH" "$CLASSIFY"; do [ -x "$exe" ] || { echo "missing $exe: build first" >&2; exit 1; }; done
mkdir -p "$DATA"

# The shipped model's recipe in one command, on a machine with a CUDA torch (TRAIN_PY: its python, any torch
# version) beside Debian's torch 1.13 (which must save the .pt): train_gpu.sh with this build's programs
# (its GEN_SECONDS, TRAIN_MINUTES, RUNS... apply), then the run with the best validation macro-F1 exported and
# scored on held-out in-domain (seed 7002) and external (seed 7003) sets made here.
if [ -n "${TRAIN_PY:-}" ]; then
  results=$DATA/gpu-results held_out=${HELD_OUT_STUDIES:-40}
  [ -e "$results" ] && { echo "$results exists: move it away first (train_gpu.sh runs are not resumable)" >&2; exit 1; }
  PY="$TRAIN_PY" DEVICE="${GPU_DEVICE:-cuda}" "$HERE/train_gpu.sh" "$BUILD/src/cli" "$DATA/gpu-work" "$results"
  best=$("$PY" -c 'import json, os, sys
runs = [d for d in os.listdir(sys.argv[1]) if os.path.exists(os.path.join(sys.argv[1], d, "summary.json"))]
print(max(runs, key=lambda d: json.load(open(os.path.join(sys.argv[1], d, "summary.json")))["val_macro_f1"]))' "$results")
  for spec in "a-indomain train 7002" "b-external external 7003"; do
    read -r set domain seed <<<"$spec"
    [ -f "$DATA/$set/labels.csv" ] || "$SYNTH" --out "$DATA/$set" --studies "$held_out" --seed "$seed" --domain "$domain" \
      --jobs "$THREADS" --log-level warn
    "$CLASSIFY" preprocess "$DATA/$set" --labels "$DATA/$set/labels.csv" --out "$DATA/cache-$set" \
      --card "$HERE/train_grid.json" --jobs "$THREADS" --log-level warn
  done
  "$PY" "$HERE/train.py" --export-from "$results/$best/best.npz" --train-summary "$results/$best/summary.json" \
    --test-cache "$DATA/cache-a-indomain" --external-cache "$DATA/cache-b-external" --name "$NAME" \
    --models-dir "$MODELS_DIR" --threads "$THREADS" \
    --data-note "scripts/train.sh with TRAIN_PY: train_gpu.sh run $best (chosen on validation macro-F1); see $results"
  exit 0
fi

# 1. Generate in chunks so an interrupted run only redoes the chunk it was in. Seeds: train 1, external 2.
generate() {  # domain seed studies
  local domain=$1 seed=$2 total=$3 first=0
  while [ "$first" -lt "$total" ]; do
    local n=$(( total - first < CHUNK ? total - first : CHUNK ))
    local dir="$DATA/$domain/chunk-$first"
    if [ ! -f "$dir/labels.csv" ]; then
      rm -rf "$dir"
      "$SYNTH" --out "$dir" --studies "$n" --seed "$seed" --domain "$domain" --first-index "$first" --jobs "$THREADS"
    fi
    first=$(( first + n ))
  done
  # One truth file for the whole domain (header once).
  local files=("$DATA/$domain"/chunk-*/labels.csv)
  { head -n1 "${files[0]}"; for f in "${files[@]}"; do tail -n +2 "$f"; done; } > "$DATA/$domain/labels.csv"
}
generate train 1 "$TRAIN_STUDIES"
generate external 2 "$EXTERNAL_STUDIES"

# 2. Preprocess with the training grid (skips studies already cached).
for domain in train external; do
  "$CLASSIFY" preprocess "$DATA/$domain" --labels "$DATA/$domain/labels.csv" --out "$DATA/cache-$domain" \
    --card "$HERE/train_grid.json" --jobs "$THREADS"
done

# 3. Train (resumes from the last epoch checkpoint), evaluate on held-out test studies and the external set,
#    export TorchScript + card into models/.
"$PY" "$HERE/train.py" --cache "$DATA/cache-train" --external-cache "$DATA/cache-external" \
  --name "$NAME" --models-dir "$MODELS_DIR" --work "$DATA/work-$NAME" --epochs "$EPOCHS" \
  --widths "$WIDTHS" --blocks "$BLOCKS" --threads "$THREADS" --device "$DEVICE" --resume \
  --epoch-samples 640 --patience 5 --lr 3e-3 \
  --data-note "mpmri-synth --domain train --seed 1 --studies $TRAIN_STUDIES (chunks of $CHUNK); external: --domain external --seed 2 --studies $EXTERNAL_STUDIES; scripts/train.sh" \
  ${EXTRA_TRAIN_ARGS:-}

# 4. Check the exported model end to end through the C++ classifier on a few external studies.
"$CLASSIFY" classify "$DATA/external/chunk-0" --model "$MODELS_DIR/$NAME.pt" --mode image \
  --out "$DATA/check-$NAME" --no-progress --jobs "$THREADS" || true
echo "model: $MODELS_DIR/$NAME.pt; metrics in $MODELS_DIR/$NAME.json (metrics.test_in_domain, metrics.external)"
