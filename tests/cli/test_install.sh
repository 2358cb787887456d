#!/usr/bin/env bash
# `cmake --install` gives a working tool: install into a temporary prefix, generate a study with the installed
# mpmri-synth and classify it with the installed mpmri-classify and its default (installed) model. The debug
# log must show the plugin and the model opened from the prefix, not from the build or source tree.
set -uo pipefail
build=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 || { echo "FAIL cmake --install"; cat "$work/install.log"; exit 1; }
fail=0
for f in bin/mpmri-classify bin/mpmri-synth share/mpmri-classify/models/default.pt share/mpmri-classify/models/default.json \
         lib/mpmri-classify/libmpmri_torch_classifier.so; do
  [ -f "$prefix/$f" ] || { echo "FAIL not installed: $f"; fail=1; }
done
cd "$work"  # nowhere near the source tree
env -u MPMRI_MODEL -u MPMRI_TORCH_PLUGIN "$prefix/bin/mpmri-synth" --out "$work/study" --studies 1 --seed 11 --max-slices 12 --log-level warn \
  || { echo "FAIL installed mpmri-synth"; exit 1; }
env -u MPMRI_MODEL -u MPMRI_TORCH_PLUGIN "$prefix/bin/mpmri-classify" --log-level debug classify "$work/study" -o "$work/out" --no-progress \
  >"$work/run.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || { echo "FAIL installed mpmri-classify exit $rc"; tail -20 "$work/run.log"; fail=1; }
[ -s "$work/out/volumes.csv" ] || { echo "FAIL no volumes.csv"; fail=1; }
grep -q "opened $prefix/lib/mpmri-classify/libmpmri_torch_classifier.so" "$work/run.log" \
  || { echo "FAIL plugin not opened from the prefix:"; grep -i "opened\|plugin" "$work/run.log" | head -5; fail=1; }
grep -q "($prefix/share/mpmri-classify/models/default.pt)" "$work/run.log" \
  || { echo "FAIL default model not taken from the prefix:"; grep -i "model" "$work/run.log" | head -5; fail=1; }
[ "$fail" -eq 0 ] && echo "installed tool classified $(($(wc -l <"$work/out/volumes.csv") - 1)) volumes from $prefix"
exit $fail
