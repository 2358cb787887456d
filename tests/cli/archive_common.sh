# Helpers shared by the archive tests (sourced): checks that count, and output comparisons.
source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
# results.json without the provenance block (its arguments name -o, --shard...): the classification itself.
results_body() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d.pop('provenance'); print(json.dumps(d, sort_keys=True))" "$1"; }
same_outputs() {  # same_outputs REF OUT: CSVs byte for byte, results.json apart from provenance
  cmp -s "$1/volumes.csv" "$2/volumes.csv" || { echo "  volumes.csv differs: $1 $2"; diff "$1/volumes.csv" "$2/volumes.csv" | head -5; return 1; }
  cmp -s "$1/series.csv" "$2/series.csv" || { echo "  series.csv differs: $1 $2"; return 1; }
  [ "$(results_body "$1/results.json")" = "$(results_body "$2/results.json")" ] || { echo "  results.json differs: $1 $2"; return 1; }
}
studies_in() { /usr/bin/python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from studies').fetchone()[0])" "$1/ledger.sqlite" 2>/dev/null || echo 0; }
rows_of() { tail -n +2 "$1" | wc -l; }
no_duplicate_rows() { [ -z "$(tail -n +2 "$1" | sort | uniq -d)" ]; }
