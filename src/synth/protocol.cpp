#include "protocol.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "mpmri/error.hpp"
#include "vendor_names.hpp"

namespace mpmri::synth {

namespace detail {

double round_to(double v, double q) { return std::round(v / q) * q; }

// Axial (optionally oblique) slab covering [z_lo, z_hi] with the body in plane.
Geometry axial(Rng& rng, const Phantom& ph, const DomainPreset& dom, int cols, double rows_ratio, double thick,
               double gap, double z_lo, double z_hi, double tilt_deg) {
  Geometry g;
  double res = rng.uniform(dom.res_scale_lo, dom.res_scale_hi);
  thick = round_to(thick * rng.uniform(dom.thick_scale_lo, dom.thick_scale_hi), 0.5);
  double fov_x = round_to(2 * ph.body_half_x + rng.uniform(15, 60), 10);
  g.cols = std::max(96, int(std::lround(cols / res / 16)) * 16);
  g.px = g.py = fov_x / g.cols;
  g.rows = std::max(64, int(std::lround(g.cols * rows_ratio / 8)) * 8);
  g.thickness = thick;
  g.gap = gap;
  g.slices = std::max(8, int(std::ceil((z_hi - z_lo) / (thick + gap))));
  g.centre = {rng.uniform(-15, 5), ph.body_centre_y + rng.uniform(-8, 8), 0.5 * (z_lo + z_hi)};
  double fov_y = g.rows * g.py;
  g.wrap = std::max(0.0, 2 * ph.body_half_y + 4 - fov_y);
  g.plane = "axial";
  if (tilt_deg != 0) {
    double a = tilt_deg * 3.14159265358979 / 180;
    g.col_dir = {0, std::cos(a), std::sin(a)};
    g.plane = "oblique";
  }
  // Slices run from head to feet, as most liver protocols acquire them.
  g.normal = {0, g.col_dir.z, -g.col_dir.y};  // minus (row x col)
  return g;
}

Geometry coronal(Rng& rng, const Phantom& ph, int cols, double thick, double gap, int slices) {
  Geometry g;
  double fov = round_to(std::max(2 * ph.body_half_x + 20, 360.0) + rng.uniform(0, 40), 10);
  g.cols = g.rows = cols;
  g.px = g.py = fov / cols;
  g.thickness = thick;
  g.gap = gap;
  g.slices = slices;
  g.centre = {rng.uniform(-10, 10), ph.body_centre_y + rng.uniform(-5, 15), rng.uniform(-30, 10)};
  g.row_dir = {1, 0, 0};
  g.col_dir = {0, 0, -1};
  g.normal = {0, 1, 0};
  g.plane = "coronal";
  g.pe_rows = false;  // phase encoding left-right in coronal plans
  g.wrap = std::max(0.0, 2 * ph.body_half_x + 4 - g.cols * g.px);
  return g;
}

Vec3 breath_hold(Rng& rng, double sd) { return {0, rng.normal(0, 1.5), rng.clamp_normal(0, sd, -20, 20)}; }

}  // namespace detail

__extension__ typedef unsigned __int128 u128;

std::string make_uid(std::uint64_t seed, std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  std::uint64_t h1 = mix_seed(seed, a * 1000003 + b, c), h2 = mix_seed(h1, c + 17, a);
  u128 v = (static_cast<u128>(h1 >> 2) << 64) | h2;  // < 2^126: fits 39 digits
  char buf[48];
  int n = 0;
  do {
    buf[n++] = char('0' + int(v % 10));
    v /= 10;
  } while (v != 0);
  std::string s = "2.25.";
  for (int i = n - 1; i >= 0; --i) s.push_back(buf[i]);
  return s;
}

DomainPreset domain_preset(const std::string& name) {
  DomainPreset d;
  d.name = name;
  if (name == "train") {
    d.vendors = {Vendor::Siemens, Vendor::GE, Vendor::Philips, Vendor::Plain};
    d.fields = {1.5, 3.0};
    d.deid_share = 0.15;
    d.snr_scale_lo = 0.7, d.snr_scale_hi = 1.4;
    d.res_scale_lo = 0.85, d.res_scale_hi = 1.15;
    d.thick_scale_lo = 0.9, d.thick_scale_hi = 1.1;
    d.timing_jitter_s = 4;
  } else if (name == "external" || name == "external-3t") {
    d.vendors = {Vendor::Canon};
    d.fields = name == "external" ? std::vector<double>{1.5, 3.0} : std::vector<double>{3.0};
    d.deid_share = 0.25;
    d.snr_scale_lo = 0.45, d.snr_scale_hi = 1.0;   // noisier
    d.res_scale_lo = 1.1, d.res_scale_hi = 1.35;   // coarser matrices
    d.thick_scale_lo = 1.1, d.thick_scale_hi = 1.4;
    d.timing_jitter_s = 9;
    d.enhanced_share = 0.0;
  } else if (name == "deid") {
    d = domain_preset("train");
    d.name = name;
    d.deid_share = 1.0;
  } else {
    throw Error(ErrorKind::Usage, "unknown --domain '" + name + "' (train, external, external-3t, deid)");
  }
  return d;
}

}  // namespace mpmri::synth
