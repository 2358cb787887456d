#include <cmath>

#include "dicom/splitter.hpp"

namespace mpmri::dicom {

std::array<double, 3> normal_of(const std::array<double, 6>& o) {
  std::array<double, 3> n{o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]};
  double len = std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
  if (len > 0) for (auto& v : n) v /= len;
  return n;
}

std::string plane_of(const std::array<double, 3>& n) {
  int axis = 0;
  for (int i = 1; i < 3; ++i)
    if (std::fabs(n[i]) > std::fabs(n[axis])) axis = i;
  // Within 30 degrees of a scanner axis counts as that plane: liver protocols tilt axials by a few degrees.
  if (std::fabs(n[axis]) < 0.866) return "oblique";
  static const char* names[3] = {"sagittal", "coronal", "axial"};
  return names[axis];
}

}  // namespace mpmri::dicom
