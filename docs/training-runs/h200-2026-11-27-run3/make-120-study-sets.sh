#!/bin/bash
# Larger held-out sets for model selection: validation seed 7004 (train domain), external seed 7005, 120
# studies each, preprocessed in chunks of 20 (DICOM deleted once cached; about 11 minutes on 2 cores).
#   make-120-study-sets.sh [WORKDIR]   (run from the repository root; MPMRI_BUILD default build)
set -u
B=$PWD/${MPMRI_BUILD:-build}/src/cli
model=$PWD/models/default.pt
mkdir -p "${1:-/tmp/big}" && cd "${1:-/tmp/big}"
mk() { # name domain seed
  for first in $(seq 0 20 119); do
    [ -f cache-$1/chunk-$first/manifest.csv ] && continue
    $B/mpmri-synth --out dicom-$1-$first --studies 20 --seed $3 --domain $2 --first-index $first --jobs 2 --log-level warn >/dev/null 2>&1
    $B/mpmri-classify preprocess dicom-$1-$first --labels dicom-$1-$first/labels.csv --out cache-$1/chunk-$first --model "$model" --jobs 2 --log-level warn >/dev/null 2>&1
    rm -rf dicom-$1-$first
    echo "$(date +%T) $1 chunk $first done"
  done
}
mk v2 train 7004
mk b2 external 7005
echo "$(date +%T) all done"
