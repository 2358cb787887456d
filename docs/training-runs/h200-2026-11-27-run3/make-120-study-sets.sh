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
# One cache per set for ensemble_eval.py / error_breakdown.py: a manifest over the chunks' tensors.
merge() {
  mkdir -p all-$1 && cp cache-$1/chunk-0/cache.json all-$1/
  /usr/bin/python3 - "$1" <<'PY'
import csv, glob, os, sys
s = sys.argv[1]
with open(f"all-{s}/manifest.csv", "w", newline="") as out:
    w = None
    for d in sorted(glob.glob(f"cache-{s}/chunk-*")):
        for r in csv.DictReader(open(f"{d}/manifest.csv")):
            r["tensor"] = os.path.join("..", d, r["tensor"])
            if w is None:
                w = csv.DictWriter(out, fieldnames=list(r))
                w.writeheader()
            w.writerow(r)
PY
}
mk v2 train 7004
mk b2 external 7005
merge v2
merge b2
echo "$(date +%T) all done"
