#pragma once
// Where an uncompressed classic image keeps its pixels, learnt while scanning its header, so that
// load_volume can read them directly instead of parsing the whole header a second time.
#include <cstdint>
#include <optional>
#include <string>

class DcmDataset;
class DcmElement;

namespace mpmri::dicom {

struct PixelLayout {
  std::uint64_t file_size = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t offset = 0;  // first pixel byte
  int rows = 0, cols = 0, frames = 1, bits_allocated = 0, bits_stored = 0, high_bit = 0;
  bool is_signed = false, big_endian = false;
  double slope = 1, intercept = 0;
};

// Records the layout when the file qualifies (uncompressed, not enhanced, pixel data last and
// verifiable on disk); otherwise records nothing and decoding goes through DCMTK.
void remember_layout(const std::string& path, DcmDataset* ds, DcmElement* pixel);

// The layout, if remembered and the file is unchanged since (same size and modification time).
std::optional<PixelLayout> recall_layout(const std::string& path);

}  // namespace mpmri::dicom
