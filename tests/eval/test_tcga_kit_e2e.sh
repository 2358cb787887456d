#!/bin/bash
# The TCGA-LIHC kit end to end on a synthetic archive in the NBIA Data Retriever layout:
# mpmri-synth --layout nbia -> classify -> labelling sheet -> evaluate against the generator's labels.
# Header mode keeps it independent of a trained model. Usage: CLASSIFY SYNTH SOURCE_DIR WORK_DIR
set -euo pipefail
CLASSIFY=$1 SYNTH=$2 SRC=$3 WORK=$4
PY=$(command -v python3)
rm -rf "$WORK" && mkdir -p "$WORK"
cd "$WORK"
"$SYNTH" --out download --studies 2 --seed 11 --domain external --layout nbia --log-level warn
test -s download/metadata.csv
"$CLASSIFY" --log-level warn classify download -o run --mode header --no-progress --report run/report.html
"$PY" "$SRC/scripts/tcga-lihc/make_labelling_sheet.py" --download download --run run --out sheet.csv --html sheet.html
rows=$(($(wc -l < sheet.csv) - 1))
vols=$(($(wc -l < run/volumes.csv) - 1))
[ "$rows" -eq "$vols" ] || { echo "sheet has $rows rows for $vols volumes"; exit 1; }
# Every sheet row must carry the NBIA folder of its series and an existing thumbnail.
"$PY" - <<'PY'
import csv, os, sys
rows = list(csv.DictReader(open("sheet.csv")))
bad = [r["series_uid"] for r in rows if not r["file_location"].startswith("./") or not os.path.exists(r["thumbnail"])]
sys.exit(f"rows without NBIA location or thumbnail: {bad[:3]}" if bad else 0)
PY
# The generator's labels stand in for the radiologists' filled sheet.
"$PY" "$SRC/scripts/tcga-lihc/run_and_compare.py" --download download --truth download/labels.csv --run run \
    --skip-classify --classifier "$CLASSIFY" --bootstrap 200 > compare.txt
grep -q "Macro-F1 (no Other)" compare.txt
grep -q "0.819" compare.txt
test -s run/evaluation/report.html && test -s run/evaluation/confusion.png
"$PY" - <<'PY'
import json, sys
m = json.load(open("run/evaluation/metrics.json"))
print(f"tcga kit e2e: {m['n']} volumes, accuracy {m['overall']['accuracy']:.3f}, missing {m['n_missing']}")
sys.exit(0 if m["n"] > 10 and m["n_missing"] == 0 else "unexpected evaluation")
PY
