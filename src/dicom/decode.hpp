#pragma once
// Pixel decoding of one file into float slices with rescale applied (DCMTK first, GDCM for the rest).
#include <cstddef>
#include <string>
#include <vector>

namespace mpmri::dicom {

// Registers DCMTK's decoders and quietens its logger; idempotent and thread-safe.
void init_dcmtk();

struct FrameTarget {
  int frame;     // 0-based frame in the file
  float* dest;   // rows*cols floats, x fastest
};

// Throws Error(ErrorKind::Input) naming the file when it cannot be decoded.
void decode_file(const std::string& path, int rows, int cols, const std::vector<FrameTarget>& targets, std::size_t max_voxels);

// GDCM (through ITK) for syntaxes DCMTK 3.6.7 lacks (JPEG 2000). Returns false with `why` on failure.
// GDCM applies the file's rescale itself.
bool decode_with_gdcm(const std::string& path, int rows, int cols, const std::vector<FrameTarget>& targets,
                      std::size_t max_voxels, std::string& why);

}  // namespace mpmri::dicom
