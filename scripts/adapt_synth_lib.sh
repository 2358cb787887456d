# Shared by scripts/adapt_proof_synth.sh and scripts/adapt_select.sh (sourced): synthetic sites, the
# phantom-only base model, and image-mode scoring of a site. Expects ROOT, CLI, SYNTH, SHARED and JOBS set.

# adapt_prev_model W: the phantom-only model that preceded the shipped one (git 58c9a8a), as W/prev-model/default.pt
adapt_prev_model() {
  local w=$1
  if [ ! -f "$w/prev-model/default.pt" ]; then
    mkdir -p "$w/prev-model"
    git -C "$ROOT" show 58c9a8a:models/default.pt >"$w/prev-model/default.pt.tmp" && mv "$w/prev-model/default.pt.tmp" "$w/prev-model/default.pt"
    git -C "$ROOT" show 58c9a8a:models/default.json >"$w/prev-model/default.json"
  fi
  echo "$w/prev-model/default.pt"
}

# adapt_gen DIR SEED DEID_FRACTION ANATOMY STUDIES: an external-style synthetic site (kept when already made)
adapt_gen() {
  [ -f "$1/labels.csv" ] && return 0
  rm -rf "$1"
  "$SYNTH" --out "$1" --studies "$5" --seed "$2" --domain external --deidentify-fraction "$3" \
    --anatomy "$4" --anatomy-dir "$SHARED" --jobs "$JOBS" --log-level warn
}

# adapt_score RUN SITE MODEL: image mode on SITE with MODEL into RUN (kept when already scored); prints
# "macro_f1 ci_low ci_high micro_f1 accuracy volumes"
adapt_score() {
  local run=$1 site=$2 model=$3
  if [ ! -f "$run/eval/metrics.json" ]; then
    rm -rf "$run"
    "$CLI" --log-level warn classify "$site" -o "$run/pred" --mode image --model "$model" --no-progress --jobs "$JOBS"
    "$CLI" --log-level warn evaluate --pred "$run/pred" --truth "$site/labels.csv" --out "$run/eval" >/dev/null
  fi
  /usr/bin/python3 - "$run/eval/metrics.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
m, ci = j["overall"], j.get("ci95", {}).get("overall", {}).get("macro_f1", [float("nan")] * 2)
print(f"{m['macro_f1']:.3f} {ci[0]:.3f} {ci[1]:.3f} {m['micro_f1']:.3f} {m['accuracy']:.3f} {j['n']}")
PY
}
