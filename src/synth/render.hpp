#pragma once
// Renders one planned volume from the phantom: signal tables, partial volume through the slice, fat
// suppression that fails towards the periphery, EPI distortion, wrap-around, coil bias, ghosting, Rician noise.
#include <cstdint>
#include <vector>

#include "protocol.hpp"

namespace mpmri::synth {

struct RenderFlags {
  bool noise = true;
  bool artefacts = true;  // bias field, ghosting, wrap, EPI distortion
  bool truth = false;     // fill tissue and purity
};

struct Rendered {
  int nx = 0, ny = 0, nz = 0;
  std::vector<float> data;  // x fastest, then y, then slice
  std::vector<std::uint8_t> tissue;
  std::vector<float> purity;
};

Rendered render_volume(const Phantom& ph, const Kinetics& kin, const VolumePlan& v, double noise_sigma,
                       std::uint64_t seed, const RenderFlags& flags);

// Position (LPS mm) of voxel (i, j) of slice k: the geometry shared by the renderer and the writer.
Vec3 voxel_position(const Geometry& g, double i, double j, double k);

// Derived series computed from rendered volumes, as scanners compute them.
// ADC: log-linear least squares over all b-values, x10^-6 mm2/s, zero where the lowest-b signal is
// under `floor` (noise-floor masking).
std::vector<float> compute_adc(const std::vector<const Rendered*>& vols, const std::vector<double>& bvals, double floor);
std::vector<float> compute_subtraction(const Rendered& post, const Rendered& pre);

}  // namespace mpmri::synth
