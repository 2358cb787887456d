#!/usr/bin/env bash
# fuzz_smoke.sh FUZZER SHARED_DICOM CORPUS: seeds a corpus with the small real scanner files (every vendor,
# classic and enhanced, compressed transfer syntaxes), then fuzzes for a bounded time. Fails on any crash,
# leak or sanitizer report (libFuzzer exits non-zero and writes the input as crash-*/leak-* beside it).
set -euo pipefail
fuzzer=$1 shared=$2 corpus=$3
[ -d "$shared" ] || { echo "no $shared: skipped"; exit 77; }
mkdir -p "$corpus"
find "$shared" -type f -size -256k ! -name '*.md' ! -name '*.txt' ! -name '*.json' -print0 |
  while IFS= read -r -d '' f; do cp -n "$f" "$corpus/$(echo "$f" | md5sum | cut -c1-16)"; done
cd "$(dirname "$corpus")"
"$fuzzer" -max_total_time="${FUZZ_SECONDS:-60}" -max_len=262144 -timeout=20 -rss_limit_mb=2048 \
  -print_final_stats=1 "$corpus"
