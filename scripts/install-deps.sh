#!/usr/bin/env bash
# Installs the Debian 12 packages the project needs (as root); does nothing when all are present.
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  libtorch-dev libopenblas0-pthread
  libdcmtk-dev dcmtk libinsighttoolkit5-dev libgdcm-dev
  libcli11-dev libspdlog-dev nlohmann-json3-dev libgtest-dev libbenchmark-dev
  libtbb-dev libopencv-dev libpng-dev libsqlite3-dev libssl-dev zlib1g-dev
  python3-torch python3-pydicom python3-numpy python3-sklearn
  dcm2niix dicom3tools chromium fonts-dejavu-core time
  slurm-wlm munge sqlite3
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
