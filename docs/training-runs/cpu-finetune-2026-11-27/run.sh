#!/bin/bash
# Fine-tune experiment: fresh train-domain studies (seed 13), then w100 weights fine-tuned on CPU.
set -u
B=BUILD/src/cli
cd WORK
for first in $(seq 20 20 199); do
  [ -f cache/chunk-$first/manifest.csv ] && continue
  $B/mpmri-synth --out dicom-$first --studies 20 --seed 13 --domain train --first-index $first --jobs 2 --log-level warn >/dev/null 2>&1
  $B/mpmri-classify preprocess dicom-$first --labels dicom-$first/labels.csv --out cache/chunk-$first --model REPO/models/default.pt --jobs 2 --log-level warn >/dev/null 2>&1
  rm -rf dicom-$first
  echo "$(date +%T) chunk $first done"
done
rm -rf dicom-0
echo "$(date +%T) generation done"
/usr/bin/python3 REPO/scripts/train.py --cache cache/chunk-* --work WORK/train --widths 32,64,128,256 \
  --init RUN1/w100/best.npz --lr 3e-4 --batch 32 --epoch-samples 4096 --epochs 1000 --patience 1000 \
  --max-minutes ${TRAIN_MIN:-62} --threads 2 --no-export --seed 13 > WORK/train.log 2>&1
echo "$(date +%T) training done"
