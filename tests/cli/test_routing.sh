#!/usr/bin/env bash
# The routing outputs end to end (docs/routing.md): a small synthetic study classified in header mode (no model)
# with --nifti --sort --sr, then `export` from its results.json; then the real DICOM of ../shared/dicom when
# present. Prints "N passed, N failed" at the end.
set -uo pipefail
classify=$1 synth=$2 src=$3 work=$4 shared_dicom=$5
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
checker() { /usr/bin/python3 "$src/tests/cli/check_routing.py" "$@"; }
no_temporaries() { test -z "$(find "$@" -name '*.tmp*')"; }
sr_valid() {  # sr_valid DIR: every SR passes dciodvfy without errors and converts with dsr2html
  local n=0 f
  for f in "$1"/*.dcm; do
    [ -e "$f" ] || { echo "  no SR in $1"; return 1; }
    dciodvfy "$f" >"$work/dciodvfy.out" 2>&1
    if grep -q '^Error' "$work/dciodvfy.out"; then echo "  dciodvfy $f:"; grep '^Error' "$work/dciodvfy.out"; return 1; fi
    dsr2html "$f" >"$work/sr.html" || { echo "  dsr2html failed on $f"; return 1; }
    n=$((n + 1))
  done
  echo "  $n SR(s) in $1 pass dciodvfy (warnings: $(grep -c '^Warning' "$work/dciodvfy.out" || true) in the last) and dsr2html"
}
sr_names_series() {  # sr_names_series RUN DIR: the SR of each study lists each of its series with its label
  local run=$1 dir=$2
  /usr/bin/python3 - "$run" "$dir" <<'EOF'
import json, subprocess, sys
run, folder = sys.argv[1], sys.argv[2]
for study in json.load(open(run + "/results.json"))["studies"]:
    dump = subprocess.run(["dsrdump", f"{folder}/{study['study_uid']}.dcm"], capture_output=True, text=True).stdout
    for s in study["series"]:
        if s["status"] == "ok":
            assert s["series_uid"] in dump and f'({s["label"]},99MPMRI,' in dump, (s["series_uid"], s["label"])
EOF
}

check "synth one small study" expect_rc 0 "$synth" --out "$work/study" --studies 1 --seed 3 --max-slices 10 --jobs 1
check "classify --nifti --sort --sr exits 0" expect_rc 0 "$classify" classify "$work/study" --mode header -o "$work/run" \
  --no-progress --nifti "$work/nifti" --sort "$work/sorted" --sr "$work/sr"
check "a NIfTI + sidecar per volume of the nine labels, voxels as the DICOM's" checker nifti "$work/run" "$work/nifti"
check "every DICOM file hard-linked into <study>/<series>_<label>" checker sort "$work/run" "$work/sorted" links
check "SR passes dciodvfy and dsr2html" sr_valid "$work/sr"
check "SR lists every series with its label" sr_names_series "$work/run" "$work/sr"
check "no temporary files left" no_temporaries "$work/nifti" "$work/sorted" "$work/sr" "$work/run"

# export: the same outputs from the finished run, without classifying again.
check "export exits 0" expect_rc 0 "$classify" export "$work/run" --nifti "$work/nifti2" --sort "$work/sorted2" --sr "$work/sr2"
check "export writes the same NIfTI files and sidecars" checker same "$work/nifti" "$work/nifti2"
check "export sorts the same files" checker sort "$work/run" "$work/sorted2" links
check "export's SR passes dciodvfy and dsr2html" sr_valid "$work/sr2"
check "sorting again adds nothing" expect_rc 0 "$classify" export "$work/run" --sort "$work/sorted2"
check "sorted tree unchanged" checker sort "$work/run" "$work/sorted2" links
check "--copy copies" expect_rc 0 "$classify" export "$work/run" --sort "$work/copied" --copy
check "copied files are copies" checker sort "$work/run" "$work/copied" copies
check "--nifti-labels limits the labels (Other included when listed)" expect_rc 0 "$classify" export "$work/run" \
  --nifti "$work/nifti-some" --nifti-labels ADC,Other,dwi
check "only ADC, DWI_HighB and Other written" checker nifti "$work/run" "$work/nifti-some" ADC,Other,DWI_HighB
check "--nifti-name template" expect_rc 0 "$classify" export "$work/run" --nifti "$work/nifti-named" --nifti-name '%s_%l'
check "template names the files" test -n "$(find "$work/nifti-named" -maxdepth 1 -name '[0-9]*_*.nii.gz')"

# Usage errors and failures (README "Exit codes").
check "unknown label (2)" expect_rc 2 "$classify" export "$work/run" --nifti "$work/x" --nifti-labels Portalish
check "unknown template field (2)" expect_rc 2 "$classify" export "$work/run" --nifti "$work/x" --nifti-name '%q'
check "--copy without --sort (2)" expect_rc 2 "$classify" export "$work/run" --copy
check "export with nothing to write (2)" expect_rc 2 "$classify" export "$work/run"
check "export of a folder without results.json (2)" expect_rc 2 "$classify" export "$work/study" --sr "$work/x"
mv "$work/study" "$work/study-moved"
check "export after the sources moved: nothing usable (4)" expect_rc 4 "$classify" export "$work/run" --sr "$work/x"
check "  and says why" grep -q "source files are missing or changed" "$work/last.err"
mv "$work/study-moved" "$work/study"

if [ -d "$shared_dicom" ]; then
  check "real DICOM: classify --sr --sort" expect_rc 0 "$classify" classify "$shared_dicom" --mode header -o "$work/real" \
    --no-progress --sr "$work/real-sr" --sort "$work/real-sorted"
  check "real DICOM: every SR passes dciodvfy and dsr2html" sr_valid "$work/real-sr"
  check "real DICOM: every SR lists its series" sr_names_series "$work/real" "$work/real-sr"
  check "real DICOM: every file sorted" checker sort "$work/real" "$work/real-sorted" links
else
  echo "skip real DICOM checks: $shared_dicom not found (the C++ test_routing compares NIfTI with dcm2niix there)"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
