// Sampling the phantom's two label grids, and its description for synth.json.
#include <cmath>

#include "phantom.hpp"

namespace mpmri::synth {

namespace {
using T = Tissue;
constexpr std::uint8_t u8(Tissue t) { return static_cast<std::uint8_t>(t); }
}  // namespace

void sample_phantom(const Phantom& ph, const Vec3& p, const Vec3& shift, Sample& out) {
  out.n = 0;
  // Both grids share one geometry. Most samples sit inside one tissue: one entry instead of eight.
  struct Corners {
    size_t idx[8];
    float w[8];
    int n = 0;
  };
  auto corners = [](const LabelGrid& g, const Vec3& q, Corners& c) {
    double fx = (q.x - g.origin.x) / g.spacing.x, fy = (q.y - g.origin.y) / g.spacing.y, fz = (q.z - g.origin.z) / g.spacing.z;
    int i = int(std::floor(fx)), j = int(std::floor(fy)), k = int(std::floor(fz));
    float wx = float(fx - i), wy = float(fy - j), wz = float(fz - k);
    c.n = 0;
    if (i < 0 || j < 0 || k < 0 || i + 1 >= g.nx || j + 1 >= g.ny || k + 1 >= g.nz) return;  // outside: air
    size_t base = (size_t(k) * g.ny + j) * g.nx + i, sy = size_t(g.nx), sz = size_t(g.nx) * g.ny;
    const size_t off[8] = {0, 1, sy, sy + 1, sz, sz + 1, sz + sy, sz + sy + 1};
    for (int m = 0; m < 8; ++m) {
      c.idx[m] = base + off[m];
      c.w[m] = ((m & 1) ? wx : 1 - wx) * ((m & 2) ? wy : 1 - wy) * ((m & 4) ? wz : 1 - wz);
    }
    c.n = 8;
  };
  Corners c;
  corners(ph.body, p, c);
  if (c.n == 0) return;
  float cavity = 0;
  const std::uint8_t cav = u8(T::Cavity), air = u8(T::Air);
  std::uint8_t l0 = ph.body.label[c.idx[0]];
  bool same = true;
  for (int m = 1; m < 8 && same; ++m) same = ph.body.label[c.idx[m]] == l0;
  if (same) {
    if (l0 == cav) cavity = 1;
    else if (l0 != air) out.tissue[0] = l0, out.weight[0] = 1, out.texture[0] = 0, out.n = 1;
  } else {
    for (int m = 0; m < 8; ++m) {
      std::uint8_t t = ph.body.label[c.idx[m]];
      if (t == cav) cavity += c.w[m];
      else if (t != air) out.tissue[out.n] = t, out.weight[out.n] = c.w[m], out.texture[out.n] = 0, ++out.n;
    }
  }
  if (cavity <= 0) return;
  corners(ph.organs, p + shift, c);
  if (c.n == 0) return;
  l0 = ph.organs.label[c.idx[0]];
  same = true;
  for (int m = 1; m < 8 && same; ++m) same = ph.organs.label[c.idx[m]] == l0;
  if (same) {
    float tex = 0;
    for (int m = 0; m < 8; ++m) tex += c.w[m] * ph.texture[c.idx[m]];
    out.tissue[out.n] = l0, out.weight[out.n] = cavity, out.texture[out.n] = tex * (1.f / 127.f), ++out.n;
    return;
  }
  for (int m = 0; m < 8; ++m) {
    out.tissue[out.n] = ph.organs.label[c.idx[m]];
    out.weight[out.n] = c.w[m] * cavity;
    out.texture[out.n] = ph.texture[c.idx[m]] * (1.f / 127.f);
    ++out.n;
  }
}

nlohmann::json Phantom::describe() const {
  nlohmann::json j;
  j["field_strength_t"] = field_t;
  j["grid_spacing_mm"] = {organs.spacing.x, organs.spacing.y, organs.spacing.z};
  j["body_half_axes_mm"] = {body_half_x, body_half_y};
  j["diaphragm_right_z_mm"] = diaphragm_z;
  j["liver_fat_fraction"] = liver_ff;
  j["liver_r2star_per_s"] = liver_r2s;
  j["fat_t1_ms"] = field_t > 2 ? 370 : 290;  // the fat pool (contrast.cpp), for checks against the equations
  j["fat_t2_ms"] = field_t > 2 ? 130 : 165;
  nlohmann::json tissues = nlohmann::json::object();
  for (int t = 0; t < kTissues; ++t) {
    const auto& p = tissue[t];
    tissues[tissue_name(Tissue(t))] = {{"pd", p.pd}, {"t1_ms", p.t1}, {"t2_ms", p.t2}, {"r2star_per_s", p.r2s},
                                       {"adc_mm2_s", p.adc}, {"fat_fraction", p.ff}, {"texture", p.texture}};
  }
  j["tissues"] = tissues;
  nlohmann::json les = nlohmann::json::array();
  for (const auto& l : lesions)
    les.push_back({{"type", tissue_name(l.type)}, {"centre_mm", {l.centre.x, l.centre.y, l.centre.z}}, {"radius_mm", l.radius}});
  j["lesions"] = les;
  if (!anatomy.is_null()) j["anatomy"] = anatomy;
  return j;
}

const char* tissue_name(Tissue t) {
  static const char* names[] = {"air", "subcutaneous_fat", "muscle", "bone", "marrow", "disc", "csf", "cavity",
                                "visceral_fat", "liver", "hepatic_vein", "portal_vein", "spleen", "kidney_cortex",
                                "kidney_medulla", "aorta", "ivc", "pancreas", "stomach_wall", "stomach_content",
                                "bowel", "gallbladder", "lung", "heart", "hcc", "cyst", "hemangioma", "metastasis",
                                "bile_duct"};
  int i = static_cast<int>(t);
  return i >= 0 && i < kTissues ? names[i] : "unknown";
}

}  // namespace mpmri::synth
