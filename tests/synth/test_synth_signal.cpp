// Measured ROI signals in generated images against signal equations written here independently of
// the generator (reference Tables 1a-1e), using the noise-free tissue masks the library provides.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>

#include <nlohmann/json.hpp>

#include "mpmri/synth.hpp"

using namespace mpmri;
using namespace mpmri::synth;
using nlohmann::json;

namespace {

constexpr double kPi = 3.14159265358979323846;

struct Gen {
  StudyTruth truth;
  json j;
  std::vector<json> vols;  // JSON of each volume, in the order of truth.volumes
};

Gen make(int index, bool noise_free, double liver_ff) {
  SynthOptions o;
  o.seed = 11;
  o.vendor = "siemens";
  o.clean_artefacts = true;
  o.liver_fat_fraction = liver_ff;
  o.max_slices = 12;
  Gen s;
  s.truth = render_study_truth(o, index, noise_free);
  s.j = json::parse(s.truth.json);
  for (const auto& se : s.j["series"])
    for (const auto& v : se["volumes"]) s.vols.push_back(v);
  EXPECT_EQ(s.vols.size(), s.truth.volumes.size());
  return s;
}

int find_vol(const Gen& s, const std::string& label_or_kind) {
  for (size_t i = 0; i < s.truth.volumes.size(); ++i)
    if (std::string(to_string(s.truth.volumes[i].label)) == label_or_kind || s.truth.volumes[i].series_kind == label_or_kind) return int(i);
  return -1;
}

// Mean (or median) over voxels that lie entirely in one tissue, as do their four in-plane neighbours
// (the ROI is eroded so that in-plane interpolation at edges does not leak other tissues in).
double roi(const TruthVolume& v, Tissue t, bool median = false, size_t* count = nullptr) {
  std::vector<float> vals;
  const int nx = v.image.size[0], ny = v.image.size[1];
  auto pure = [&](size_t i) { return v.tissue[i] == static_cast<std::uint8_t>(t) && v.purity[i] > 0.999f; };
  for (size_t i = 0; i < v.tissue.size(); ++i) {
    int x = int(i % size_t(nx)), y = int((i / size_t(nx)) % size_t(ny));
    if (x == 0 || y == 0 || x == nx - 1 || y == ny - 1) continue;
    if (pure(i) && pure(i - 1) && pure(i + 1) && pure(i - size_t(nx)) && pure(i + size_t(nx))) vals.push_back(v.image.voxels[i]);
  }
  if (count) *count = vals.size();
  if (vals.empty()) return std::nan("");
  if (median) {
    std::nth_element(vals.begin(), vals.begin() + long(vals.size() / 2), vals.end());
    return vals[vals.size() / 2];
  }
  double sum = 0;
  for (float x : vals) sum += x;
  return sum / double(vals.size());
}

json tissue(const Gen& s, const char* name) { return s.j["phantom"]["tissues"][name]; }

// Spin echo / single shot / STIR magnitude (Table 1e).
double se_signal(const json& t, const json& v) {
  double tr = v["tr_ms"], te = v["te_ms"], ti = v["ti_ms"], t1 = t["t1_ms"], t2 = t["t2_ms"], pd = t["pd"];
  double rec = v["family"] == "stir" ? std::abs(1 - 2 * std::exp(-ti / t1) + std::exp(-tr / t1)) : 1 - std::exp(-tr / t1);
  return pd * rec * std::exp(-te / t2);
}

double spgr(double tr, double t1, double flip_deg) {
  double a = flip_deg * kPi / 180, e1 = std::exp(-tr / t1);
  return std::sin(a) * (1 - e1) / (1 - std::cos(a) * e1);
}

// Six-peak fat (Table 1b) at TE (ms) and B0 (T).
std::complex<double> fat_c(double te, double b0) {
  const double ppm[6] = {0.9, 1.3, 2.1, 2.76, 4.31, 5.3}, amp[6] = {0.087, 0.693, 0.128, 0.004, 0.039, 0.048};
  std::complex<double> c = 0;
  for (int p = 0; p < 6; ++p) c += amp[p] * std::polar(1.0, 2 * kPi * (ppm[p] - 4.7) * 42.577 * b0 * te * 1e-3);
  return c;
}

}  // namespace

TEST(SynthSignal, T2FatSuppressedLiverToSpleenRatioFollowsTheSpinEchoEquation) {
  for (bool noise_free : {true, false}) {
    Gen s = make(0, noise_free, 0.0);
    int i = find_vol(s, "T2WI_Fs");
    ASSERT_GE(i, 0);
    size_t nl = 0, ns = 0;
    double liver = roi(s.truth.volumes[size_t(i)], Tissue::Liver, false, &nl);
    double spleen = roi(s.truth.volumes[size_t(i)], Tissue::Spleen, false, &ns);
    ASSERT_GT(nl, 200u);
    ASSERT_GT(ns, 50u);
    double expected = se_signal(tissue(s, "liver"), s.vols[size_t(i)]) / se_signal(tissue(s, "spleen"), s.vols[size_t(i)]);
    EXPECT_NEAR(liver / spleen, expected, expected * (noise_free ? 0.03 : 0.05)) << "noise_free=" << noise_free;
    EXPECT_LT(liver / spleen, 0.85) << "the spleen is brighter than the liver on T2";
  }
}

TEST(SynthSignal, OpposedPhaseDropInASteatoticLiverFollowsTheSixPeakModel) {
  Gen s = make(0, true, 0.2);
  int ip = find_vol(s, "T1WI_In"), op = find_vol(s, "T1WI_Opp");
  ASSERT_GE(ip, 0);
  ASSERT_GE(op, 0);
  const json lt = tissue(s, "liver");
  const double b0 = s.j["field_strength_t"], ff = lt["fat_fraction"], pd = lt["pd"], r2s = lt["r2star_per_s"];
  ASSERT_NEAR(ff, 0.2, 1e-9);
  auto expected = [&](const json& v) {
    double tr = v["tr_ms"], flip = v["flip_deg"], te = v["te_ms"];
    std::complex<double> w = pd * (1 - ff) * spgr(tr, lt["t1_ms"], flip);
    std::complex<double> f = pd * ff * spgr(tr, s.j["phantom"]["fat_t1_ms"], flip) * fat_c(te, b0);
    return std::abs(w + f) * std::exp(-te * 1e-3 * r2s);
  };
  double measured = roi(s.truth.volumes[size_t(op)], Tissue::Liver) / roi(s.truth.volumes[size_t(ip)], Tissue::Liver);
  double model = expected(s.vols[size_t(op)]) / expected(s.vols[size_t(ip)]);
  EXPECT_NEAR(measured, model, 0.03 * model);
  EXPECT_LT(measured, 0.8) << "20% fat must darken the liver visibly on opposed phase";
  Gen lean = make(0, true, 0.0);
  double lean_ratio = roi(lean.truth.volumes[size_t(op)], Tissue::Liver) / roi(lean.truth.volumes[size_t(ip)], Tissue::Liver);
  EXPECT_GT(lean_ratio, 0.9) << "no fat: only R2* decay between the echoes";
}

TEST(SynthSignal, AortaPeaksInTheArterialPhaseAndTheLiverInThePortalPhase) {
  Gen s = make(0, true, 0.0);
  int pre = find_vol(s, "DCE_Pre"), art = find_vol(s, "DCE_Arterial"), pv = find_vol(s, "DCE_Portal"), del = find_vol(s, "DCE_Delayed");
  ASSERT_TRUE(pre >= 0 && art >= 0 && pv >= 0 && del >= 0);
  auto aorta = [&](int i) { return roi(s.truth.volumes[size_t(i)], Tissue::Aorta); };
  auto liver = [&](int i) { return roi(s.truth.volumes[size_t(i)], Tissue::Liver); };
  EXPECT_GT(aorta(art), 2.0 * aorta(pre));
  EXPECT_GT(aorta(art), aorta(pv));
  EXPECT_GT(aorta(pv), aorta(del));
  EXPECT_GT(liver(pv), 1.3 * liver(pre));
  EXPECT_GT(liver(pv), liver(art));
  // Pre-contrast blood against liver follows the spoiled-GRE equation (no inflow in 3D).
  const json& v = s.vols[size_t(pre)];
  double tr = v["tr_ms"], flip = v["flip_deg"];
  json bl = tissue(s, "aorta"), lv = tissue(s, "liver");
  double model = (double(bl["pd"]) * spgr(tr, bl["t1_ms"], flip)) / (double(lv["pd"]) * spgr(tr, lv["t1_ms"], flip));
  EXPECT_NEAR(aorta(pre) / liver(pre), model, 0.05 * model);
}

TEST(SynthSignal, AdcMapRecoversTheConfiguredLiverAndSpleenAdcWithin10Percent) {
  for (bool noise_free : {true, false}) {
    Gen s = make(0, noise_free, 0.0);
    int a = find_vol(s, "ADC");
    ASSERT_GE(a, 0);
    for (const char* name : {"liver", "spleen"}) {
      Tissue t = std::string(name) == "liver" ? Tissue::Liver : Tissue::Spleen;
      size_t n = 0;
      double measured = roi(s.truth.volumes[size_t(a)], t, true, &n) * 1e-6;  // stored as 10^-6 mm2/s
      double configured = tissue(s, name)["adc_mm2_s"];
      ASSERT_GT(n, 30u) << name;
      EXPECT_NEAR(measured, configured, configured * (noise_free ? 0.02 : 0.10)) << name << " noise_free=" << noise_free;
    }
  }
}

TEST(SynthSignal, NoiseIsRicianAtTheConfiguredSigma) {
  // Background air: magnitude of complex Gaussian noise has mean sigma*sqrt(pi/2).
  Gen s = make(0, false, 0.0);
  int i = find_vol(s, "T2WI_Fs");
  ASSERT_GE(i, 0);
  double sigma = 0;
  for (const auto& se : s.j["series"])
    for (const auto& v : se["volumes"])
      if (v["label"] == "T2WI_Fs") sigma = se["noise_sigma"];
  size_t n = 0;
  double air = roi(s.truth.volumes[size_t(i)], Tissue::Air, false, &n);
  ASSERT_GT(n, 1000u);
  EXPECT_NEAR(air, sigma * std::sqrt(kPi / 2), 0.05 * sigma * std::sqrt(kPi / 2));
}
