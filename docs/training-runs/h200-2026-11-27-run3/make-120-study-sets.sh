#!/bin/bash
# Larger held-out sets for model selection: validation seed 7004 (train domain), external seed 7005.
set -u
B=/tmp/build-lead/src/cli
cd /tmp/big
mk() { # name domain seed
  for first in $(seq 0 20 119); do
    [ -f cache-$1/chunk-$first/manifest.csv ] && continue
    $B/mpmri-synth --out dicom-$1-$first --studies 20 --seed $3 --domain $2 --first-index $first --jobs 2 --log-level warn >/dev/null 2>&1
    $B/mpmri-classify preprocess dicom-$1-$first --labels dicom-$1-$first/labels.csv --out cache-$1/chunk-$first --model /work/main/models/default.pt --jobs 2 --log-level warn >/dev/null 2>&1
    rm -rf dicom-$1-$first
    echo "$(date +%T) $1 chunk $first done"
  done
}
mk v2 train 7004
mk b2 external 7005
echo "$(date +%T) all done"
