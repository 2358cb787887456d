#pragma once
// Stage 2: the one preprocessing path used by inference and by `preprocess` (training cache).
// Parameters come from the model card, so training and inference cannot drift.
#include <array>
#include <string>
#include <vector>

#include "mpmri/volume.hpp"

namespace mpmri {

struct GridSpec {
  std::array<int, 3> size{64, 64, 16};   // x (columns), y (rows), z (slices) of the output grid
  // "fit": scale the whole field of view into the grid (in-plane isotropic, z separately);
  // "spacing": fixed spacing_mm, centred on the volume, cropping or padding.
  std::string fit = "fit";
  std::array<double, 3> spacing_mm{6, 6, 10};
  // Output axes follow the volume's own nearest patient axes ("acquisition"), or are forced to LPS ("LPS").
  std::string orientation = "LPS";
  std::string interpolation = "linear";  // "linear" or "nearest"
  double pad_value = 0;
};

struct NormSpec {
  double low_percentile = 1.0;    // clip below this percentile of the non-padding voxels...
  double high_percentile = 99.0;  // ...and above this one
  double out_low = 0.0;           // then scale linearly to [out_low, out_high]
  double out_high = 1.0;
};

// Resamples onto the grid. When `inside` is given it receives one flag per output voxel: 1 where the voxel
// centre fell inside the input's field of view, 0 where it is padding. Throws Error(Input) on empty input.
VolumeImage resample_to_grid(const VolumeImage& in, const GridSpec& grid, std::vector<unsigned char>* inside = nullptr);

// Clips at the percentiles of the voxels flagged inside (all voxels when `inside` is null) and scales to
// [out_low, out_high]; voxels outside become out_low so padding looks the same for every volume.
void normalize_intensities(VolumeImage& image, const NormSpec& norm,
                           const std::vector<unsigned char>* inside = nullptr);

// resample + normalise; returns voxels in z, y, x order (C-contiguous [z][y][x]) as the model expects.
std::vector<float> prepare_model_input(const VolumeImage& in, const GridSpec& grid, const NormSpec& norm);

}  // namespace mpmri
