#!/usr/bin/env bash
# Packs mpmri-synth and a LibTorch-free mpmri-classify (for `preprocess`) with the shared libraries they need
# into one tar.xz (about 24 MB), so training data can be made on a machine without Debian's packages, e.g. a
# lent GPU machine whose image only has CUDA and a recent torch (scripts/train_gpu.sh unpacks and uses it).
# glibc and libstdc++ are not packed: any Linux x86-64 with glibc >= 2.36 and GCC >= 12's libstdc++ runs it.
#   scripts/portable-tools/make.sh OUT.tar.xz [BUILD_DIR]   (BUILD_DIR default /tmp/mpmri-build-portable)
set -euo pipefail
out=$(realpath -m "$1")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${2:-/tmp/mpmri-build-portable}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMPMRI_WITH_TORCH=OFF -DMPMRI_BUILD_TESTS=OFF \
  -DMPMRI_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --target mpmri-classify mpmri-synth
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
pkg=$stage/mpmri-tools
mkdir -p "$pkg/lib"
cp "$build/src/cli/mpmri-synth" "$build/src/cli/mpmri-classify" "$pkg/"
strip "$pkg/mpmri-synth" "$pkg/mpmri-classify"
# Every library the two programs load, except the C/C++ runtime the target has anyway. BLAS/LAPACK: the
# reference builds (OpenCV's core links LAPACK but nothing here calls it), not OpenBLAS (36 MB).
LD_LIBRARY_PATH=$pkg/lib ldd "$pkg/mpmri-synth" "$pkg/mpmri-classify" | awk '$3 ~ /^\// {print $3}' | sort -u |
  grep -v -E '/(libc|libm|libstdc\+\+|libgcc_s|libpthread|libdl|librt)\.so|/mpmri-tools/lib/' |
  grep -v -E '/lib(openblas|blas|lapack)\.so' | xargs cp -L -t "$pkg/lib"
cp -L /usr/lib/x86_64-linux-gnu/blas/libblas.so.3 /usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3 "$pkg/lib/"
[ -e "$pkg/lib/libgfortran.so.5" ] || cp -L /lib/x86_64-linux-gnu/libgfortran.so.5 "$pkg/lib/"
strip --strip-unneeded "$pkg"/lib/*.so* 2>/dev/null || true
# DCMTK finds its data dictionaries through DCMDICTPATH (train_gpu.sh sets it to these).
mkdir -p "$pkg/share"
cp /usr/share/libdcmtk17/dicom.dic /usr/share/libdcmtk17/private.dic "$pkg/share/"
# Fails here, not on the far machine, if anything is still missing.
LD_LIBRARY_PATH=$pkg/lib ldd "$pkg/mpmri-synth" "$pkg/mpmri-classify" | grep -q "not found" && {
  echo "unresolved libraries" >&2; exit 1; }
tar -C "$stage" -cf - mpmri-tools | xz -6 -T0 > "$out.tmp"
mv "$out.tmp" "$out"
echo "$out: $(du -h "$out" | cut -f1)"
