// The single path from a decoded volume to the network's input tensor, shared by inference and the cache.
#include "mpmri/preprocess.hpp"

namespace mpmri {

std::vector<float> prepare_model_input(const VolumeImage& in, const GridSpec& grid, const NormSpec& norm) {
  std::vector<unsigned char> inside;
  VolumeImage out = resample_to_grid(in, grid, &inside);
  normalize_intensities(out, norm, &inside);
  // VolumeImage stores x fastest, then y, then z: already the C-contiguous [z][y][x] the model takes.
  return std::move(out.voxels);
}

}  // namespace mpmri
