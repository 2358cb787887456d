#!/usr/bin/env bash
# Debian's dcm2niix cannot decode JPEG-LS (it skips such files): the studies mpmri-synth wrote as JPEG-LS are
# decompressed in place, so that both programs of a benchmark read the same pixels.
#   bench/decompress_jpegls.sh SYNTH_OUT
set -euo pipefail
for s in "$1"/study_*; do
  grep -q '"transfer_syntax": *"jpegls"' "$s/synth.json" || continue
  find "$s" -type f ! -name '*.json' ! -name '*.csv' -exec sh -c 'dcmdjpls "$1" "$1.raw" && mv "$1.raw" "$1"' _ {} \;
done
