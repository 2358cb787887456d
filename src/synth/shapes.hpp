#pragma once
// Implicit shapes for the phantom: perturbed superellipsoids ("blobs") and tapered tubes along polylines.
#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "phantom.hpp"

namespace mpmri::synth {

// A superellipsoid whose radius is perturbed by a few low-frequency sinusoids of the local direction,
// which turns the bare ellipsoid into a smooth organic shape.
struct Blob {
  Vec3 c, a{10, 10, 10};
  double e = 2.0;
  double rot_z = 0, rot_x = 0;  // radians
  std::array<double, 6> amp{};
  std::array<Vec3, 6> w{};
  std::array<double, 6> phase{};
  double cz = 1, sz = 0, cx = 1, sx = 0;  // rotation, precomputed
  double lo_bound = 1;                    // Lp radius >= L2 radius * lo_bound for this exponent
  double max_pert = 0;

  static Blob make(Rng& rng, Vec3 c, Vec3 a, double e, double wobble, double rot_z = 0, double rot_x = 0) {
    Blob b;
    b.c = c;
    b.a = a;
    b.e = e;
    b.rot_z = rot_z;
    b.rot_x = rot_x;
    for (int k = 0; k < 6; ++k) {
      b.amp[k] = wobble * rng.uniform(0.3, 1.0) / (1 + k * 0.5);
      b.w[k] = {rng.normal(0, 2.2), rng.normal(0, 2.2), rng.normal(0, 2.2)};
      b.phase[k] = rng.uniform(0, 6.2832);
      b.max_pert += b.amp[k];
    }
    b.cz = std::cos(rot_z), b.sz = std::sin(rot_z), b.cx = std::cos(rot_x), b.sx = std::sin(rot_x);
    b.lo_bound = e > 2 ? std::pow(3.0, 1.0 / e - 0.5) : 1.0;
    return b;
  }
  Vec3 local(const Vec3& p) const {
    Vec3 d = p - c;
    Vec3 r{cz * d.x + sz * d.y, -sz * d.x + cz * d.y, d.z};
    Vec3 q{r.x, cx * r.y + sx * r.z, -sx * r.y + cx * r.z};
    return {q.x / a.x, q.y / a.y, q.z / a.z};
  }
  // < 0 inside, in units of the normalised radius.
  double value(const Vec3& p, double scale = 1.0) const {
    Vec3 u = local(p);
    u = u * (1.0 / scale);
    double r = std::sqrt(u.x * u.x + u.y * u.y + u.z * u.z);
    // Clearly outside or clearly inside whatever the perturbation: skip pow and sin.
    if (r * lo_bound > 1.0 + max_pert + 0.05) return r * lo_bound - 1.0;
    if (e >= 2.0 && r < 1.0 - max_pert - 0.05) return r - 1.0;
    if (e != 2.0) {
      r = std::pow(std::pow(std::abs(u.x), e) + std::pow(std::abs(u.y), e) + std::pow(std::abs(u.z), e), 1.0 / e);
    }
    if (r > 1.6) return r - 1.0;  // far outside: skip the perturbation
    double pert = 0;
    for (int k = 0; k < 6; ++k) pert += amp[k] * std::sin(w[k].x * u.x + w[k].y * u.y + w[k].z * u.z + phase[k]);
    return r - (1.0 + pert);
  }
  double extent() const { return std::max({a.x, a.y, a.z}) * 1.4; }
};

// A tube through points with a radius per point (linear taper); distance test per segment.
struct Tube {
  std::vector<Vec3> pts;
  std::vector<double> radius;
  bool contains(const Vec3& p) const {
    for (size_t i = 0; i + 1 < pts.size(); ++i) {
      Vec3 ab = pts[i + 1] - pts[i];
      double len2 = dot(ab, ab);
      double t = len2 > 0 ? std::clamp(dot(p - pts[i], ab) / len2, 0.0, 1.0) : 0.0;
      Vec3 q = pts[i] + ab * t;
      Vec3 d = p - q;
      double r = radius[i] + (radius[i + 1] - radius[i]) * t;
      if (dot(d, d) <= r * r) return true;
    }
    return false;
  }
  void bounds(Vec3& lo, Vec3& hi) const {
    lo = {1e9, 1e9, 1e9};
    hi = {-1e9, -1e9, -1e9};
    for (size_t i = 0; i < pts.size(); ++i) {
      double r = radius[i];
      lo = {std::min(lo.x, pts[i].x - r), std::min(lo.y, pts[i].y - r), std::min(lo.z, pts[i].z - r)};
      hi = {std::max(hi.x, pts[i].x + r), std::max(hi.y, pts[i].y + r), std::max(hi.z, pts[i].z + r)};
    }
  }
};

}  // namespace mpmri::synth
