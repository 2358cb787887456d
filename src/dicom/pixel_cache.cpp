#include "dicom/pixel_cache.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcelem.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "dicom/tags.hpp"

namespace mpmri::dicom {

namespace {

std::shared_mutex g_mutex;
std::unordered_map<std::string, PixelLayout> g_layouts;

bool stat_file(const std::string& path, std::uint64_t& size, std::int64_t& mtime_ns) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  size = static_cast<std::uint64_t>(st.st_size);
  mtime_ns = std::int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return true;
}

// The element header just before the pixel bytes must be (7FE0,0010) with the expected length,
// otherwise trailing bytes after the dataset would shift every voxel.
bool header_matches(const std::string& path, std::uint64_t offset, std::uint32_t length, bool explicit_vr, bool big_endian) {
  size_t n = explicit_vr ? 12 : 8;
  if (offset < n) return false;
  unsigned char b[12];
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  bool ok = std::fseek(f, long(offset - n), SEEK_SET) == 0 && std::fread(b, 1, n, f) == n;
  std::fclose(f);
  if (!ok) return false;
  const unsigned char le_tag[4] = {0xE0, 0x7F, 0x10, 0x00}, be_tag[4] = {0x7F, 0xE0, 0x00, 0x10};
  if (std::memcmp(b, big_endian ? be_tag : le_tag, 4) != 0) return false;
  if (explicit_vr && !(b[4] == 'O' && (b[5] == 'W' || b[5] == 'B'))) return false;
  const unsigned char* l = b + n - 4;
  std::uint32_t stored = big_endian ? (std::uint32_t(l[0]) << 24 | std::uint32_t(l[1]) << 16 | std::uint32_t(l[2]) << 8 | l[3])
                                    : (std::uint32_t(l[3]) << 24 | std::uint32_t(l[2]) << 16 | std::uint32_t(l[1]) << 8 | l[0]);
  return stored == length;
}

}  // namespace

void remember_layout(const std::string& path, DcmDataset* ds, DcmElement* pixel) {
  E_TransferSyntax xfer = ds->getOriginalXfer();
  if (xfer != EXS_LittleEndianExplicit && xfer != EXS_LittleEndianImplicit && xfer != EXS_BigEndianExplicit) return;
  if (first_item(ds, DCM_PerFrameFunctionalGroupsSequence)) return;  // per-frame rescale: DCMTK path
  if (ds->card() == 0 || ds->getElement(ds->card() - 1) != pixel) return;
  PixelLayout l;
  if (!stat_file(path, l.file_size, l.mtime_ns)) return;
  std::uint32_t length = pixel->getLength();
  if (length == DCM_UndefinedLength || length > l.file_size) return;
  l.offset = l.file_size - length;
  l.big_endian = xfer == EXS_BigEndianExplicit;
  if (!header_matches(path, l.offset, length, xfer != EXS_LittleEndianImplicit, l.big_endian)) return;
  l.rows = get_int(ds, DCM_Rows).value_or(0);
  l.cols = get_int(ds, DCM_Columns).value_or(0);
  l.frames = get_int(ds, DCM_NumberOfFrames).value_or(1);
  l.bits_allocated = get_int(ds, DCM_BitsAllocated).value_or(0);
  l.bits_stored = get_int(ds, DCM_BitsStored).value_or(l.bits_allocated);
  l.high_bit = get_int(ds, DCM_HighBit).value_or(l.bits_stored - 1);
  l.is_signed = get_int(ds, DCM_PixelRepresentation).value_or(0) == 1;
  l.slope = get_number(ds, DCM_RescaleSlope).value_or(1.0);
  l.intercept = get_number(ds, DCM_RescaleIntercept).value_or(0.0);
  if (l.bits_allocated != 8 && l.bits_allocated != 16 && l.bits_allocated != 32) return;
  if (double(length) < double(l.rows) * l.cols * l.frames * (l.bits_allocated / 8)) return;
  std::unique_lock lock(g_mutex);
  // A long batch run scans many studies; past this size start over (a miss only means DCMTK decodes).
  if (g_layouts.size() >= 500000) g_layouts.clear();
  g_layouts[path] = l;
}

std::optional<PixelLayout> recall_layout(const std::string& path) {
  PixelLayout l;
  {
    std::shared_lock lock(g_mutex);
    auto it = g_layouts.find(path);
    if (it == g_layouts.end()) return std::nullopt;
    l = it->second;
  }
  std::uint64_t size = 0;
  std::int64_t mtime = 0;
  if (!stat_file(path, size, mtime) || size != l.file_size || mtime != l.mtime_ns) return std::nullopt;
  return l;
}

}  // namespace mpmri::dicom
