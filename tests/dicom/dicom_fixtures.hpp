#pragma once
// Writes small, valid (or deliberately broken) MR DICOM files for the loader tests.
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mpmri::test {

struct FakeSlice {
  std::string study_uid = "1.2.3.4";
  std::string series_uid = "1.2.3.4.1";
  std::string sop_uid;  // generated from `instance` when empty
  int instance = 1;
  int rows = 8, cols = 8;
  std::optional<int> frames;                 // NumberOfFrames, when set
  std::optional<std::array<double, 3>> position = std::array<double, 3>{0, 0, 0};
  std::array<double, 6> orientation{1, 0, 0, 0, 1, 0};
  std::optional<double> echo_time, b_value;
  std::optional<int> echo_number;
  std::string manufacturer, image_comments, image_type;  // written when not empty
  std::string acquisition_time = "101010.0";
  double slope = 1, intercept = 0;
  bool pixel_data = true;
  long pixel_bytes = -1;   // -1: rows*cols*frames*2; otherwise the exact number of bytes written
  unsigned short fill = 0; // base value; voxel i holds fill + i
  std::string photometric = "MONOCHROME2";
  int samples_per_pixel = 1;
};

// Writes `s` to `path` as explicit little endian MR Image Storage.
void write_slice(const std::filesystem::path& path, const FakeSlice& s);

// A fresh empty folder under the system temp folder, removed by the destructor.
struct TempDir {
  std::filesystem::path path;
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

// Three good slices 1 mm apart in their own series (the "rest is processed" witness).
void write_good_series(const std::filesystem::path& dir, const std::string& series_uid = "1.2.3.4.99");

}  // namespace mpmri::test
