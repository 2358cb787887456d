#pragma once
// One series (all images sharing a SeriesInstanceUID) -> its volumes, each with exactly one image per
// slice position, split on what varies: echo, b-value, temporal position, image type, orientation,
// and finally repeated positions (diffusion directions, repetitions without a temporal tag).
#include <array>
#include <string>
#include <vector>

#include "dicom/header.hpp"
#include "mpmri/volume.hpp"

namespace mpmri::dicom {

struct SplitResult {
  Series series;
  std::vector<FailedSeries> failed;
  std::vector<SkippedFile> dropped;  // duplicates
};

SplitResult split_series(const std::vector<const FileRecord*>& files);

// axial / coronal / sagittal / oblique from a slice normal (LPS).
std::string plane_of(const std::array<double, 3>& normal);
std::array<double, 3> normal_of(const std::array<double, 6>& iop);

}  // namespace mpmri::dicom
