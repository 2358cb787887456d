#pragma once
// Painting shapes into a phantom's label grids; shared by the shape phantom (phantom.cpp) and the
// real-anatomy bodies (anatomy.cpp).
#include <algorithm>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <vector>

#include "phantom.hpp"
#include "shapes.hpp"

namespace mpmri::synth {

constexpr std::uint8_t u8(Tissue t) { return static_cast<std::uint8_t>(t); }

// A grid from `lo` spanning `extent` mm (the phantom's default box holds its largest bodies).
inline void init_grid(LabelGrid& g, Tissue fill, Vec3 lo = {-200, -150, -175}, Vec3 extent = {400, 320, 320}) {
  g.origin = lo;
  g.nx = int(extent.x / g.spacing.x);
  g.ny = int(extent.y / g.spacing.y);
  g.nz = int(extent.z / g.spacing.z);
  g.label.assign(size_t(g.nx) * g.ny * g.nz, u8(fill));
}

// Visits every voxel of `g` whose centre lies in [lo, hi] (mm).
template <class F>
inline void for_box(LabelGrid& g, Vec3 lo, Vec3 hi, F&& f) {
  auto idx = [](double v, double o, double s, int n, bool up) {
    int i = up ? int(std::ceil((v - o) / s)) : int(std::floor((v - o) / s));
    return std::clamp(i, 0, n - 1);
  };
  int i0 = idx(lo.x, g.origin.x, g.spacing.x, g.nx, false), i1 = idx(hi.x, g.origin.x, g.spacing.x, g.nx, true);
  int j0 = idx(lo.y, g.origin.y, g.spacing.y, g.ny, false), j1 = idx(hi.y, g.origin.y, g.spacing.y, g.ny, true);
  int k0 = idx(lo.z, g.origin.z, g.spacing.z, g.nz, false), k1 = idx(hi.z, g.origin.z, g.spacing.z, g.nz, true);
  for (int k = k0; k <= k1; ++k)
    for (int j = j0; j <= j1; ++j)
      for (int i = i0; i <= i1; ++i) {
        Vec3 p{g.origin.x + i * g.spacing.x, g.origin.y + j * g.spacing.y, g.origin.z + k * g.spacing.z};
        f(i, j, k, p);
      }
}

// Which current labels a primitive may paint over (a bit set over the tissues).
struct Allow {
  std::uint64_t bits = ~0ull;
  bool operator()(std::uint8_t cur) const { return (bits >> cur) & 1u; }
};
inline Allow over(std::initializer_list<Tissue> ts) {
  Allow a{0};
  for (auto t : ts) a.bits |= 1ull << u8(t);
  return a;
}
inline Allow anything() { return Allow{}; }

inline void paint_blob(LabelGrid& g, const Blob& b, Tissue t, const Allow& allow, double scale = 1.0) {
  double r = b.extent() * scale;
  for_box(g, b.c - Vec3{r, r, r}, b.c + Vec3{r, r, r}, [&](int i, int j, int k, const Vec3& p) {
    std::uint8_t& cur = g.at(i, j, k);
    if (allow(cur) && b.value(p, scale) < 0) cur = u8(t);
  });
}

inline void paint_tube(LabelGrid& g, const Tube& tube, Tissue t, const Allow& allow) {
  Vec3 lo, hi;
  tube.bounds(lo, hi);
  for_box(g, lo, hi, [&](int i, int j, int k, const Vec3& p) {
    std::uint8_t& cur = g.at(i, j, k);
    if (allow(cur) && tube.contains(p)) cur = u8(t);
  });
}

inline Vec3 jitter(Rng& rng, Vec3 p, double sd) { return {p.x + rng.normal(0, sd), p.y + rng.normal(0, sd), p.z + rng.normal(0, sd)}; }

// A vessel from `a` to `b` with a gentle random bend and a taper.
inline Tube vessel(Rng& rng, Vec3 a, Vec3 b, double r0, double r1, double bend = 6) {
  Tube t;
  const int n = 4;
  for (int i = 0; i <= n; ++i) {
    double s = double(i) / n;
    Vec3 p = a + (b - a) * s;
    if (i > 0 && i < n) p = jitter(rng, p, bend);
    t.pts.push_back(p);
    t.radius.push_back(r0 + (r1 - r0) * s);
  }
  return t;
}

// Paints 1-3 lesions of today's types into the liver of `ph.organs` in 60% of studies: each at a random
// centre in [lo, hi] where a sphere of its radius lies in liver (seven probe points) and `fits` agrees.
void add_liver_lesions(Phantom& ph, Rng& rng, Vec3 lo, Vec3 hi, const std::function<bool(const Vec3&, double)>& fits);

// Smooth noise on grid `g`: for each (step, amplitude) octave, Gaussian values on a grid `step` voxels
// apart, upsampled trilinearly and summed. Step 1 adds voxel-scale grain.
std::vector<float> octave_noise(const LabelGrid& g, Rng& rng, std::initializer_list<std::pair<int, float>> octaves);

}  // namespace mpmri::synth
