#include "evidence/fusion.hpp"

#include <algorithm>
#include <cmath>

#include "evidence/header_rules.hpp"

namespace mpmri::evidence {

namespace {
// Keeps log() finite: an image model's 0 must not veto a label the header decides.
constexpr double kFloor = 1e-6;
}  // namespace

LabelProbs normalised(LabelProbs p) {
  double s = 0;
  for (double v : p) s += v;
  if (!(s > 0) || !std::isfinite(s)) {
    p.fill(1.0 / kNumLabels);
    return p;
  }
  for (double& v : p) v /= s;
  return p;
}

bool header_is_silent(const HeaderEvidence& h) {
  auto [lo, hi] = std::minmax_element(h.likelihood.begin(), h.likelihood.end());
  return *hi <= *lo * (1 + 1e-9);
}

int argmax(const LabelProbs& p) { return static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin()); }

LabelProbs fuse(const std::optional<LabelProbs>& image, const HeaderEvidence& header, Mode mode, const FusionParams& params) {
  if (mode == Mode::Image) {
    if (!image) return normalised(LabelProbs{});
    return normalised(*image);
  }
  // Work in logs: likelihood ratios of several decisive rules multiply to large numbers.
  std::array<double, kNumLabels> logp{};
  for (int i = 0; i < kNumLabels; ++i) {
    double prior = mode == Mode::Header ? 1.0 : params.prior[i];
    double hdr = std::max(header.likelihood[i], 1e-300);
    logp[i] = std::log(prior) + (mode == Mode::Header ? 1.0 : params.header_weight) * std::log(hdr);
    if (mode == Mode::Fusion && image) logp[i] += params.image_weight * std::log(std::max((*image)[i], kFloor));
  }
  double mx = *std::max_element(logp.begin(), logp.end());
  LabelProbs p{};
  for (int i = 0; i < kNumLabels; ++i) p[i] = std::exp(logp[i] - mx);
  return normalised(p);
}

double other_threshold(Mode mode, const FusionParams& params) {
  switch (mode) {
    case Mode::Image: return params.threshold_image;
    case Mode::Header: return params.threshold_header;
    case Mode::Fusion: return params.threshold_fusion;
  }
  return 0;
}

std::string describe_image(const LabelProbs& p) {
  int a = argmax(p);
  int b = -1;
  for (int i = 0; i < kNumLabels; ++i)
    if (i != a && (b < 0 || p[i] > p[b])) b = i;
  std::string s = "image model: " + std::string(kLabelNames[a]) + " " + fmt(p[a], 2);
  if (b >= 0 && p[b] >= 0.01) s += " (next " + std::string(kLabelNames[b]) + " " + fmt(p[b], 2) + ")";
  return s;
}

}  // namespace mpmri::evidence
