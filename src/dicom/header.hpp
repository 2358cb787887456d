#pragma once
// One file's header, read without its pixel data: the file-level facts (HeaderInfo) plus one FrameRecord
// per image it holds (one for classic files, NumberOfFrames for enhanced multi-frame objects).
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "mpmri/dicom.hpp"
#include "mpmri/volume.hpp"

class DcmItem;

namespace mpmri::dicom {

struct FrameRecord {
  int frame = 0;
  int instance_number = 0;
  std::optional<std::array<double, 3>> position;
  std::optional<std::array<double, 6>> orientation;
  std::optional<std::array<double, 2>> pixel_spacing;  // as stored: row spacing, column spacing
  std::optional<int> echo_number;
  std::optional<double> echo_time_ms;
  std::optional<double> b_value;
  std::string b_value_source;
  std::optional<std::array<double, 3>> gradient;
  std::optional<int> temporal_index;
  std::optional<double> acquisition_time_s;
  std::optional<double> repetition_time_ms, inversion_time_ms, flip_angle_deg;
  std::vector<std::string> image_type;  // upper case; enhanced: FrameType
  std::string diffusion_directionality;
};

struct FileRecord {
  std::string path;
  std::string sop_instance_uid;
  HeaderInfo header;
  int rows = 0, columns = 0, number_of_frames = 1, samples_per_pixel = 1, bits_allocated = 0;
  std::vector<FrameRecord> frames;
};

// Reads the header of `path`. Returns nullopt with `reason` set when the file is not a usable image
// (not DICOM, DICOMDIR, non-image object, colour, absurd or inconsistent dimensions, truncated).
std::optional<FileRecord> read_header(const std::string& path, const ScanOptions& options, std::string& reason);

// Enhanced multi-frame: fills one FrameRecord per frame from the functional groups (enhanced.cpp).
void read_enhanced_frames(DcmItem* ds, FileRecord& rec);
// Enhanced multi-frame: per-frame rescale (PixelValueTransformationSequence), shared or top-level fallback.
std::array<double, 2> enhanced_rescale(DcmItem* ds, int frame);

// Cheap check of the first bytes, so random files are not handed to the DICOM parser.
bool looks_like_dicom(const std::string& path, std::string& reason);

}  // namespace mpmri::dicom
