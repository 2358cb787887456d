#!/usr/bin/env bash
# The main job on the embedded default: build, generate the example study (fixed seed), classify it
# with the shipped model in models/, and print the series table.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
example=examples/study-seed1
if [ ! -f "$example/labels.csv" ]; then
  ./build/src/cli/mpmri-synth --out "$example" --studies 1 --seed 1
fi
./build/src/cli/mpmri-classify "$example" -o out/example --report out/example/report.html
{ head -1 out/example/series.csv; tail -n +2 out/example/series.csv | sort -t, -k3,3n; } | column -s, -t | cut -c1-200
