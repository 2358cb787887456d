#pragma once
// Random abdominal anatomy rasterised once per study on a fine grid (LPS mm), plus the per-study tissue
// parameters. Two label grids: the body wall and spine (static) and the abdominal contents (which move
// cranio-caudally between breath-holds). Sequences sample both through Phantom::sample().
#include <array>
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "mpmri/synth.hpp"
#include "rng.hpp"

namespace mpmri::synth {

constexpr int kTissues = static_cast<int>(Tissue::Count);

struct Vec3 {
  double x = 0, y = 0, z = 0;
};
inline Vec3 operator+(Vec3 a, Vec3 b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
inline Vec3 operator-(Vec3 a, Vec3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
inline Vec3 operator*(Vec3 a, double s) { return {a.x * s, a.y * s, a.z * s}; }
inline double dot(Vec3 a, Vec3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }

struct LabelGrid {
  int nx = 0, ny = 0, nz = 0;
  Vec3 origin;              // centre of voxel (0,0,0)
  Vec3 spacing{1.75, 1.75, 2.5};
  std::vector<std::uint8_t> label;
  size_t index(int i, int j, int k) const { return (size_t(k) * ny + j) * nx + i; }
  std::uint8_t& at(int i, int j, int k) { return label[(size_t(k) * ny + j) * nx + i]; }
  std::uint8_t at(int i, int j, int k) const { return label[(size_t(k) * ny + j) * nx + i]; }
};

// Tissue parameters for one study and field strength (times in ms, ADC in mm2/s).
struct TissueParams {
  double pd = 0.7;
  double t1 = 800, t2 = 50, r2s = 30;  // r2s in 1/s (includes T2 decay)
  double adc = 1.2e-3;
  double ff = 0;         // proton-density fat fraction
  double texture = 0.03; // relative amplitude of the low-frequency texture
  bool blood = false;    // flowing blood (flow voids in spin echo, inflow in 2D GRE)
};

// A lesion recorded for synth.json and the tests.
struct Lesion {
  Tissue type;
  Vec3 centre;
  double radius = 10;
};

struct Phantom {
  LabelGrid body;    // static: air, fat, muscle, spine, Cavity
  LabelGrid organs;  // abdominal contents, sampled at p + breath-hold shift
  std::vector<std::int8_t> texture;  // organs grid, smooth noise in [-127,127]
  double field_t = 1.5;
  std::array<TissueParams, kTissues> tissue{};
  std::vector<Lesion> lesions;
  double liver_ff = 0, liver_r2s = 28.7, spleen_r2s = 20;
  double diaphragm_z = 80;       // right dome height, for slab placement
  double liver_top = 80, liver_bottom = -90, kidney_bottom = -120;
  double body_half_x = 160, body_half_y = 120, body_centre_y = 10;
  nlohmann::json anatomy;  // real-anatomy bodies only: source, texture and random transform
  nlohmann::json describe() const;
};

// Typical relaxation times, PD, ADC and fat fraction of every tissue at this field (reference Table 1a).
std::array<TissueParams, kTissues> base_tissue_params(double field_t);

Phantom build_phantom(Rng& rng, double field_t);

// Samples the tissue at LPS position p with the organs displaced by `shift` (breath-hold), returning
// the 8+8 trilinear neighbours as (tissue, weight, texture) triples. Weights sum to 1.
struct Sample {
  int n = 0;
  std::array<std::uint8_t, 16> tissue{};
  std::array<float, 16> weight{};
  std::array<float, 16> texture{};
};
void sample_phantom(const Phantom& ph, const Vec3& p, const Vec3& shift, Sample& out);

}  // namespace mpmri::synth
