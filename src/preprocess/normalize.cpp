// Percentile clip and scale: the intensity normalisation the model was trained with.
#include <algorithm>
#include <cmath>

#include "mpmri/error.hpp"
#include "mpmri/preprocess.hpp"

namespace mpmri {
namespace {

// Linear interpolation between order statistics (numpy's default), so python and C++ agree.
double percentile(std::vector<float>& values, double pct) {
  if (values.empty()) return 0;
  double pos = pct / 100.0 * double(values.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, values.size() - 1);
  std::nth_element(values.begin(), values.begin() + lo, values.end());
  double a = values[lo];
  double b = a;
  if (hi != lo) b = *std::min_element(values.begin() + lo + 1, values.end());
  return a + (pos - double(lo)) * (b - a);
}

}  // namespace

void normalize_intensities(VolumeImage& image, const NormSpec& norm, const std::vector<unsigned char>* inside) {
  if (!(norm.low_percentile >= 0 && norm.low_percentile < norm.high_percentile && norm.high_percentile <= 100))
    throw Error(ErrorKind::Model, "normalisation percentiles must satisfy 0 <= low < high <= 100");
  if (inside && inside->size() != image.voxels.size())
    throw Error(ErrorKind::Internal, "field-of-view mask does not match the image");

  std::vector<float> values;
  values.reserve(image.voxels.size());
  for (size_t i = 0; i < image.voxels.size(); ++i)
    if ((!inside || (*inside)[i]) && std::isfinite(image.voxels[i])) values.push_back(image.voxels[i]);

  const float out_low = static_cast<float>(norm.out_low);
  if (values.empty()) {
    std::fill(image.voxels.begin(), image.voxels.end(), out_low);
    return;
  }
  std::vector<float> scratch = values;
  double lo = percentile(scratch, norm.low_percentile);
  double hi = percentile(values, norm.high_percentile);
  double scale = hi > lo ? (norm.out_high - norm.out_low) / (hi - lo) : 0.0;
  for (size_t i = 0; i < image.voxels.size(); ++i) {
    float v = image.voxels[i];
    if ((inside && !(*inside)[i]) || !std::isfinite(v)) {
      image.voxels[i] = out_low;
      continue;
    }
    double c = std::clamp(double(v), lo, hi);
    image.voxels[i] = static_cast<float>(norm.out_low + (c - lo) * scale);
  }
}

}  // namespace mpmri
