#!/usr/bin/env bash
# One time-bounded training run on a GPU machine: generate synthetic studies and preprocess them with the C++
# tools (the same code as inference), then train several models at once on the GPU, each for the same wall-clock
# budget: a learning curve (25/50/100% of the training studies) and a wider variant. Used with a lent GPU that
# has a recent torch but no Debian packages: the tools come from scripts/portable-tools/make.sh.
#
#   scripts/train_gpu.sh TOOLS WORK RESULTS
#     TOOLS    a folder with mpmri-synth, mpmri-classify (LibTorch not needed) and lib/, or a .tar.xz of one
#     WORK     scratch space (DICOM is deleted chunk by chunk once preprocessed; caches ~2.3 MB per study)
#     RESULTS  per run: best.npz (weights, loadable by any torch), summary.json, train log; gen.log
#   env: PACK=FILE.tar (also pack RESULTS into one tar: a lent machine returns at most 8 files from $OUT)
#        DEVICE=cuda GEN_SECONDS=230 TRAIN_MINUTES=3.3 SEED=11 CHUNK=32 JOBS=$(nproc) PY=python3
#        GRIDS="card.json ..." (grid cards to preprocess for; default scripts/train_grid.json; a run names one by
#        its file name without .json, default the first)
#        RUNS="name:fraction:widths[:grid[:blocks[:lr[:init]]]] ..." (empty fields take the defaults: the first
#        grid, blocks 1,1,1,1, lr 3e-3, random initialisation; init = a best.npz to fine-tune from)
#
# Then, on a machine with Debian's torch 1.13 (what LibTorch 1.13.1 loads), export the chosen run:
#   /usr/bin/python3 scripts/train.py --export-from RESULTS/<run>/best.npz --train-summary RESULTS/<run>/summary.json \
#     --widths <its widths> --cache <any cache of the grid> --test-cache <held-out in-domain cache> \
#     --external-cache <external cache> --name default
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tools=$1 work=$2 results=$3
GEN_SECONDS=${GEN_SECONDS:-230} TRAIN_MINUTES=${TRAIN_MINUTES:-3.3} SEED=${SEED:-11} CHUNK=${CHUNK:-32}
JOBS=${JOBS:-$(nproc)} PY=${PY:-python3} DEVICE=${DEVICE:-cuda}
RUNS=${RUNS:-"f25:0.25:16,32,64,128 f50:0.5:16,32,64,128 f100:1.0:16,32,64,128 w100:1.0:32,64,128,256"}
start=$(date +%s)
elapsed() { echo $(( $(date +%s) - start )); }
log() { echo "[$(elapsed) s] $*" | tee -a "$results/gen.log" >&2; }
mkdir -p "$work/cache" "$results"
if [ -f "$tools" ]; then tar -C "$work" -xJf "$tools" && tools=$work/mpmri-tools; fi
# The tools' libraries only for the tools: torch must keep its own.
# The portable tools carry DCMTK's dictionaries; a build folder (TOOLS=build/src/cli) uses the installed ones.
dict=${DCMDICTPATH:-}
[ -f "$tools/share/dicom.dic" ] && dict=$tools/share/dicom.dic:$tools/share/private.dic
synth() { env LD_LIBRARY_PATH="$tools/lib" ${dict:+DCMDICTPATH="$dict"} "$tools/mpmri-synth" "$@"; }
classify() { env LD_LIBRARY_PATH="$tools/lib" ${dict:+DCMDICTPATH="$dict"} "$tools/mpmri-classify" "$@"; }
read -r -a grids <<<"${GRIDS:-$here/train_grid.json}"
grid=${grids[0]}
tag() { basename "$1" .json; }
log "$(nproc) cores; $($PY -c 'import torch; print("torch", torch.__version__, torch.cuda.get_device_name(0))' 2>&1)"

# Self-check first: a broken tool or CUDA path should cost seconds, not the whole budget.
synth --out "$work/check" --studies 3 --seed 999 --jobs "$JOBS" --domain train --log-level warn >>"$results/gen.log" 2>&1 &&
  classify preprocess "$work/check" --labels "$work/check/labels.csv" --out "$work/check-cache" --card "$grid" \
    --log-level warn >>"$results/gen.log" 2>&1 || { log "tools self-check failed"; exit 2; }
$PY "$here/train.py" --cache "$work/check-cache" --work "$work/check-train" --epochs 1 --epoch-samples 256 \
  --batch 64 --no-export --device "$DEVICE" >>"$results/gen.log" 2>&1 || { log "training self-check failed"; exit 2; }
log "self-check passed"

# Generate and preprocess, overlapped: chunk k is preprocessed while chunk k+1 is generated.
first=0 gen_start=$(date +%s)
while [ $(( $(date +%s) - gen_start )) -lt "$GEN_SECONDS" ]; do
  dir=$work/dicom/chunk-$first
  synth --out "$dir" --studies "$CHUNK" --seed "$SEED" --domain train --first-index "$first" --jobs "$JOBS" \
    --log-level warn >>"$results/gen.log" 2>&1 || { log "synth failed on chunk $first"; break; }
  ( for g in "${grids[@]}"; do
      classify preprocess "$dir" --labels "$dir/labels.csv" --out "$work/cache/$(tag "$g")/chunk-$first" --card "$g" \
        --jobs "$(( JOBS / 2 ))" --log-level warn >>"$results/gen.log" 2>&1
    done; rm -rf "$dir" ) &
  first=$(( first + CHUNK ))
  log "generated $first studies"
done
wait
for g in "${grids[@]}"; do
  log "preprocessed for $(tag "$g"): $(cat "$work/cache/$(tag "$g")"/chunk-*/manifest.csv | grep -vc '^tensor,') volumes"
done

# Train every run at once on the one GPU, each for the same budget.
for run in $RUNS; do
  IFS=: read -r name fraction widths run_grid blocks lr init <<<"$run"
  caches=("$work/cache/${run_grid:-$(tag "$grid")}"/chunk-*)
  $PY "$here/train.py" --cache "${caches[@]}" --train-fraction "$fraction" --widths "$widths" --no-export \
    --blocks "${blocks:-1,1,1,1}" ${init:+--init "$init"} \
    --work "$results/$name" --device "$DEVICE" --threads 2 --batch 128 --lr "${lr:-3e-3}" --epochs 100000 --patience 100000 \
    --epoch-samples 8192 --max-minutes "$TRAIN_MINUTES" \
    --data-note "mpmri-synth --domain train --seed $SEED, studies 0-$(( first - 1 )) (chunks of $CHUNK)" \
    >"$results/$name.log" 2>&1 &
done
wait
rm -f "$results"/*/last.pt "$results"/*/best.pt
log "done: $(for r in "$results"/*/summary.json; do printf '%s val %s; ' "$(basename "$(dirname "$r")")" \
  "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["val_macro_f1"])' "$r")"; done)"
if [ -n "${PACK:-}" ]; then tar -C "$results" -cf "$PACK" . && log "packed into $PACK"; fi
