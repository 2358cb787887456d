#include "dicom/decode.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>

#include "dicom/header.hpp"
#include "dicom/pixel_cache.hpp"
#include "dicom/tags.hpp"
#include "mpmri/error.hpp"

namespace mpmri::dicom {

namespace {

}  // namespace

void init_dcmtk() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Per-file problems are reported as skip reasons; DCMTK's own stderr chatter would only duplicate them.
    OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
    DJDecoderRegistration::registerCodecs();
    DJLSDecoderRegistration::registerCodecs();
    DcmRLEDecoderRegistration::registerCodecs();
  });
}

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& why) { throw Error(ErrorKind::Input, path + ": " + why); }

struct Layout {
  int bits_allocated, bits_stored, high_bit;
  bool is_signed;
};

// Stored value -> integer: drop bits above BitsStored (old overlays live there) and sign-extend.
template <typename T>
inline double sample(T raw, const Layout& l) {
  std::uint32_t v = static_cast<std::uint32_t>(raw);
  int shift = l.high_bit + 1 - l.bits_stored;
  if (shift > 0) v >>= shift;
  if (l.bits_stored < 32) v &= (1u << l.bits_stored) - 1u;
  if (l.is_signed && l.bits_stored < 32 && (v & (1u << (l.bits_stored - 1)))) return double(std::int64_t(v) - (std::int64_t(1) << l.bits_stored));
  if (l.is_signed && l.bits_stored == 32) return double(static_cast<std::int32_t>(v));
  return double(v);
}

template <typename T>
void convert(const T* src, size_t n, const Layout& l, double slope, double intercept, float* dest) {
  for (size_t i = 0; i < n; ++i) dest[i] = static_cast<float>(sample(src[i], l) * slope + intercept);
}

void swap_bytes(unsigned char* p, size_t n, int width) {
  for (size_t i = 0; i + width <= n; i += width)
    for (int a = 0, b = width - 1; a < b; ++a, --b) std::swap(p[i + a], p[i + b]);
}

// Reads the pixel bytes at the offset learnt during the scan; false means "use DCMTK instead".
bool decode_raw(const std::string& path, int rows, int cols, const std::vector<FrameTarget>& targets) {
  auto pl = recall_layout(path);
  if (!pl || pl->rows != rows || pl->cols != cols) return false;
  Layout l{pl->bits_allocated, pl->bits_stored, pl->high_bit, pl->is_signed};
  if (l.bits_stored < 1 || l.bits_stored > l.bits_allocated || l.high_bit < l.bits_stored - 1 || l.high_bit >= l.bits_allocated)
    return false;
  size_t width = size_t(l.bits_allocated / 8), voxels = size_t(rows) * size_t(cols), bytes = voxels * width;
  std::vector<unsigned char> buf(bytes);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return false;
  double slope = pl->slope == 0 ? 1 : pl->slope;
  for (const auto& t : targets) {
    if (t.frame < 0 || t.frame >= pl->frames) return false;
    if (std::fseek(f.get(), long(pl->offset + size_t(t.frame) * bytes), SEEK_SET) != 0) return false;
    if (std::fread(buf.data(), 1, bytes, f.get()) != bytes) return false;
    if (pl->big_endian && width > 1) swap_bytes(buf.data(), bytes, int(width));
    // memcpy into typed buffers: the file offset need not be aligned for the sample type.
    if (width == 1) {
      convert(buf.data(), voxels, l, slope, pl->intercept, t.dest);
    } else if (width == 2) {
      std::vector<std::uint16_t> v(voxels);
      std::memcpy(v.data(), buf.data(), bytes);
      convert(v.data(), voxels, l, slope, pl->intercept, t.dest);
    } else {
      std::vector<std::uint32_t> v(voxels);
      std::memcpy(v.data(), buf.data(), bytes);
      convert(v.data(), voxels, l, slope, pl->intercept, t.dest);
    }
  }
  return true;
}

}  // namespace

void decode_file(const std::string& path, int rows, int cols, const std::vector<FrameTarget>& targets, std::size_t max_voxels) {
  if (decode_raw(path, rows, cols, targets)) return;
  init_dcmtk();
  DcmFileFormat ff;
  OFCondition cond = ff.loadFile(path.c_str());
  if (cond.bad()) fail(path, std::string("cannot read: ") + cond.text());
  DcmDataset* ds = ff.getDataset();
  int file_rows = get_int(ds, DCM_Rows).value_or(0), file_cols = get_int(ds, DCM_Columns).value_or(0);
  int frames = get_int(ds, DCM_NumberOfFrames).value_or(1);
  if (file_rows != rows || file_cols != cols)
    fail(path, "matrix " + std::to_string(file_cols) + "x" + std::to_string(file_rows) + " differs from the volume's " +
                   std::to_string(cols) + "x" + std::to_string(rows));
  if (frames < 1 || double(rows) * cols * frames > double(max_voxels)) fail(path, "frame count out of range");
  for (const auto& t : targets)
    if (t.frame < 0 || t.frame >= frames) fail(path, "frame " + std::to_string(t.frame) + " out of range");
  Layout l;
  l.bits_allocated = get_int(ds, DCM_BitsAllocated).value_or(0);
  l.bits_stored = get_int(ds, DCM_BitsStored).value_or(l.bits_allocated);
  l.high_bit = get_int(ds, DCM_HighBit).value_or(l.bits_stored - 1);
  l.is_signed = get_int(ds, DCM_PixelRepresentation).value_or(0) == 1;
  if (l.bits_allocated != 8 && l.bits_allocated != 16 && l.bits_allocated != 32) fail(path, "unsupported BitsAllocated");
  if (l.bits_stored < 1 || l.bits_stored > l.bits_allocated || l.high_bit < l.bits_stored - 1 || l.high_bit >= l.bits_allocated)
    fail(path, "inconsistent BitsStored/HighBit");

  E_TransferSyntax xfer = ds->getOriginalXfer();
  if (DcmXfer(xfer).isEncapsulated()) {
    cond = ds->chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
    if (cond.bad() || !ds->canWriteXfer(EXS_LittleEndianExplicit)) {
      std::string why;
      if (decode_with_gdcm(path, rows, cols, targets, max_voxels, why)) return;
      fail(path, std::string("cannot decode ") + DcmXfer(xfer).getXferName() + " (DCMTK: " + cond.text() + "; GDCM: " + why + ")");
    }
  }
  DcmElement* pixel = nullptr;
  if (ds->findAndGetElement(DCM_PixelData, pixel).bad() || !pixel) fail(path, "no pixel data");
  size_t frame_voxels = size_t(rows) * size_t(cols);
  size_t need = frame_voxels * size_t(frames) * size_t(l.bits_allocated / 8);
  if (pixel->getLength() < need)
    fail(path, "pixel data holds " + std::to_string(pixel->getLength()) + " bytes, header needs " + std::to_string(need));
  bool enhanced = first_item(ds, DCM_PerFrameFunctionalGroupsSequence) != nullptr;
  double slope = get_number(ds, DCM_RescaleSlope).value_or(1.0), intercept = get_number(ds, DCM_RescaleIntercept).value_or(0.0);
  for (const auto& t : targets) {
    double s = slope, i = intercept;
    if (enhanced) {
      auto r = enhanced_rescale(ds, t.frame);
      s = r[0];
      i = r[1];
    }
    if (s == 0) s = 1;  // a zero slope would blank the image; writers that emit it mean "no rescale"
    size_t offset = size_t(t.frame) * frame_voxels;
    if (l.bits_allocated == 8) {
      Uint8* p = nullptr;
      if (pixel->getUint8Array(p).bad() || !p) fail(path, "cannot access 8-bit pixel data");
      convert(p + offset, frame_voxels, l, s, i, t.dest);
    } else if (l.bits_allocated == 16) {
      Uint16* p = nullptr;
      if (pixel->getUint16Array(p).bad() || !p) fail(path, "cannot access 16-bit pixel data");
      convert(p + offset, frame_voxels, l, s, i, t.dest);
    } else {
      Uint32* p = nullptr;
      if (pixel->getUint32Array(p).bad() || !p) {
        // DCMTK exposes OW data as 16-bit words only; 32-bit samples are pairs of them in host order.
        Uint16* w = nullptr;
        if (pixel->getUint16Array(w).bad() || !w) fail(path, "cannot access 32-bit pixel data");
        p = reinterpret_cast<Uint32*>(w);
      }
      convert(p + offset, frame_voxels, l, s, i, t.dest);
    }
  }
}

}  // namespace mpmri::dicom
