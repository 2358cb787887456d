#!/usr/bin/env bash
# The test command of README.md: install, build with warnings as errors, run every test; then every test that
# needs no LibTorch (core, loader, evidence, preprocess, study source, evaluation, report) again under
# AddressSanitizer + UndefinedBehaviorSanitizer (LibTorch off: it is not ASan-clean;
# the inspect and NIfTI CLI tests are left out there because they need the whole program); then a one-minute libFuzzer
# run of the DICOM loader (clang, FUZZ_SECONDS to change it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh -DMPMRI_WERROR=ON   # warnings (-Wall -Wextra -Wpedantic -Wshadow) are errors here
(cd build && ctest --output-on-failure -j"$(nproc)")

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMPMRI_SANITIZE=ON -DMPMRI_WITH_TORCH=OFF \
  -DMPMRI_BUILD_BENCH=OFF >/dev/null
asan_tests=$(cd build-asan && ninja -t targets all | grep -oE '^tests/([a-z]+/)?test_(core|dicom|eval|report|evidence|preprocess|app)[a-z0-9_]*:' \
  | sed 's|.*/||;s|:$||' | grep -vE '(inspect|nifti)_cli' | sort -u)
cmake --build build-asan -j"$(nproc)" --target $asan_tests
(cd build-asan && ctest --output-on-failure -j"$(nproc)" -L "^($(echo $asan_tests | tr ' ' '|'))\$")

CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMPMRI_FUZZ=ON \
  -DMPMRI_WITH_TORCH=OFF -DMPMRI_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_dicom
(cd build-fuzz && ctest --output-on-failure -L '^fuzz$')
