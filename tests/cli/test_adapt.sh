#!/usr/bin/env bash
# mpmri-classify adapt end to end on a tiny synthetic site with a tiny budget: it refuses an archive too small
# for every class, writes adapted.pt with its card, splits the held-out part by study, is reproducible for the
# same inputs and seed, and classify uses the adapted model (provenance names it).
# Prints "N passed, N failed" at the end.
set -uo pipefail
classify=$1 synth=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
py=/usr/bin/python3

check "synth a site of 6 studies" expect_rc 0 "$synth" --out "$work/site" --studies 6 --seed 41 --max-slices 8 --jobs 2 --log-level warn

check "refuses when every class has fewer than --min-per-class" expect_rc 4 "$classify" adapt "$work/site" -o "$work/refused" --min-per-class 1000 --jobs 2
check "the refusal says why" grep -q "fewer than 1000 header-decided volumes (--min-per-class) for every class" "$work/last.err"
check "nothing written when refused" test ! -e "$work/refused/adapted.pt"

budget=(--minutes 0.5 --epochs 1 --epoch-samples 16 --synth-studies 2 --synth-max-slices 8 --min-per-class 5 --seed 5 --jobs 2)
check "adapt runs" expect_rc 0 "$classify" adapt "$work/site" -o "$work/m1" "${budget[@]}" --keep-work
check "adapted.pt and its card" test -s "$work/m1/adapted.pt" -a -s "$work/m1/adapted.json"
check "card: base, site summary, rules, before/after, warnings" $py - "$work/m1" <<'PY'
import hashlib, json, sys
d = sys.argv[1]
c = json.load(open(f"{d}/adapted.json"))
a = c["adaptation"]
assert c["sha256"] == hashlib.sha256(open(f"{d}/adapted.pt", "rb").read()).hexdigest()
assert a["base_model"]["name"] == "default" and len(a["base_model"]["sha256"]) == 64, a["base_model"]
s = a["site"]
assert s["studies"] == 6 and s["held_out_studies"] >= 1 and s["train_studies"] >= 1, s
assert sum(s["volumes_per_class"].values()) == s["pseudo_labelled_volumes"] > 0, s
assert "no keyword rule" in a["pseudo_labels"]["source"]
assert any(a["pseudo_labels"]["rules_per_class"].values())
for k in ("before", "after"):
    m = a["held_out_image_only"][k]
    assert 0 <= m["macro_f1"] <= 1 and m["volumes"] == s["held_out_volumes"], (k, m)
few = [k for k, n in s["volumes_per_class"].items() if n < 5]
assert few, "the tiny site should lack some class (else the synthetic path goes untested)"
no_gain = [w for w in a["warnings"] if w.startswith("the adapted model is no better than the base")]
ho = a["held_out_image_only"]
assert len(no_gain) == (0 if ho["after"]["macro_f1"] > ho["before"]["macro_f1"] else 1), (a["warnings"], ho)
assert len(a["warnings"]) - len(no_gain) == len(few), (a["warnings"], few)
assert sorted(a["synthetic"]["classes"]) == sorted(few) and a["synthetic"]["volumes"] > 0, a["synthetic"]
assert a["synthetic"]["replay"] is False, a["synthetic"]
assert sum(c["training"]["train_class_counts"][k] for k in few) > 0, c["training"]["train_class_counts"]
assert c["training"]["init"].endswith("base.npz") and c["training"]["epochs_run"] == 1, c["training"]
PY
check "held-out part split by study" $py - "$work/m1" <<'PY'
import csv, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(f"{d}/pseudo_labels.csv")))
split = {}
for r in rows:
    assert split.setdefault(r["study_uid"], r["split"]) == r["split"], f"study {r['study_uid']} on both sides"
assert set(split.values()) == {"train", "held_out"}, split
studies = lambda cache: {r["study_uid"] for r in csv.DictReader(open(f"{d}/adapt-work/{cache}/manifest.csv"))}
tr, ho = studies("cache-site-train"), studies("cache-site-held-out")
assert tr and ho and not tr & ho, (tr, ho)
assert ho == {s for s, v in split.items() if v == "held_out"}
PY
check "no pseudo-label from a description" $py - "$work/m1" <<'PY'
import csv, sys
for r in csv.DictReader(open(f"{sys.argv[1]}/pseudo_labels.csv")):
    assert "SeriesDescription" not in r["evidence"] and "[rule " not in r["evidence"], r["evidence"]
    assert float(r["confidence"]) >= 0.7
PY

check "adapt again, same inputs and seed" expect_rc 0 "$classify" adapt "$work/site" -o "$work/m2" "${budget[@]}"
check "work folder removed without --keep-work" test ! -e "$work/m2/adapt-work"
check "classify with the adapted model" expect_rc 0 "$classify" classify "$work/site" -o "$work/run1" --mode image --model "$work/m1/adapted.pt" --jobs 2 --no-progress
check "classify with the second one" expect_rc 0 "$classify" classify "$work/site" -o "$work/run2" --mode image --model "$work/m2/adapted.pt" --jobs 2 --no-progress
check "same model twice: same predictions" $py - "$work/run1/volumes.csv" "$work/run2/volumes.csv" <<'PY'
import csv, sys
a, b = (list(csv.DictReader(open(p))) for p in sys.argv[1:])
keys = [k for k in a[0] if k == "label" or k.startswith("p_")]
assert len(a) == len(b) > 0
for x, y in zip(a, b):
    assert all(x[k] == y[k] for k in keys), (x, y)
PY
check "provenance names the adapted model" $py - "$work/run1/results.json" "$work/m1/adapted.json" <<'PY'
import json, sys
r, c = (json.load(open(p)) for p in sys.argv[1:])
prov = r["provenance"]
assert prov["model_sha256"] == c["sha256"] and prov["model_name"] == "adapted", prov
PY

check "adapt --replay" expect_rc 0 "$classify" adapt "$work/site" -o "$work/m3" "${budget[@]}" --replay --keep-work
check "replay: synthetic volumes of the classes the site has train too" $py - "$work/m1" "$work/m3" <<'PY'
import csv, json, sys
plain, replay = (json.load(open(f"{d}/adapted.json"))["adaptation"] for d in sys.argv[1:])
assert replay["synthetic"]["replay"] is True, replay["synthetic"]
assert replay["synthetic"]["classes"] == plain["synthetic"]["classes"], (replay["synthetic"], plain["synthetic"])
assert replay["synthetic"]["volumes"] > plain["synthetic"]["volumes"], (replay["synthetic"], plain["synthetic"])
has = {k for k, n in replay["site"]["volumes_per_class"].items() if n >= 5}
trained = {r["label"] for r in csv.DictReader(open(f"{sys.argv[2]}/adapt-work/synth_train.csv"))}
assert has & trained, (has, trained)  # the synthetic studies hold classes the site already has
PY

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
