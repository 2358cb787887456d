#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include "evidence/fusion.hpp"
#include "evidence/header_rules.hpp"
#include "evidence/params.hpp"
#include "evidence/study_reasoning.hpp"
#include "mpmri/evidence.hpp"

namespace mpmri {

using namespace evidence;

namespace {
bool is_dce(Label l) {
  return l == Label::DCE_Pre || l == Label::DCE_Arterial || l == Label::DCE_Portal || l == Label::DCE_Delayed;
}
}  // namespace

struct DecisionEngine::Impl {
  KeywordRules keywords;
  FusionParams params;
};

DecisionEngine::DecisionEngine(const DecisionConfig& config) : impl_(std::make_unique<Impl>()) {
  impl_->keywords = load_keyword_rules(config.keyword_rules_path);
  impl_->params = load_fusion_params(config.fusion_params_path);
  if (!impl_->params.calibrated)
    spdlog::debug("fusion parameters are uncalibrated priors ({})", impl_->params.provenance);
}
DecisionEngine::~DecisionEngine() = default;
DecisionEngine::DecisionEngine(DecisionEngine&&) noexcept = default;
DecisionEngine& DecisionEngine::operator=(DecisionEngine&&) noexcept = default;

void DecisionEngine::decide_study(std::vector<VolumeResult>& volumes, Mode mode) const {
  const auto& params = impl_->params;
  const size_t n = volumes.size();
  std::vector<VolumeFacts> facts(n);
  std::vector<std::vector<std::string>> study_notes(n);
  const auto contexts = series_contexts(volumes);
  for (size_t i = 0; i < n; ++i) {
    auto& v = volumes[i];
    if (v.status != VolumeStatus::Ok) continue;
    v.header = HeaderEvidence{};
    if (mode == Mode::Image) continue;
    RuleResult r = header_rules(v.info, contexts[i], impl_->keywords, params);
    v.header = std::move(r.evidence);
    facts[i] = r.facts;
  }
  // A broken model output (NaN, negative, all zero) must not turn into a confident label: drop it and say so.
  std::vector<std::string> dropped(n);
  for (size_t i = 0; i < n; ++i) {
    auto& p = volumes[i].image_probs;
    if (volumes[i].status != VolumeStatus::Ok || !p) continue;
    double sum = 0;
    bool finite = true;
    for (double x : *p) finite = finite && std::isfinite(x) && x >= 0, sum += x;
    if (!finite || !(sum > 0)) {
      p.reset();
      dropped[i] = "image probabilities invalid (NaN, negative or all zero): ignored";
    }
  }
  if (mode != Mode::Image) {
    pair_in_opposed(volumes, facts, params);
    derived_adc_from_dwi(volumes, facts, params);
  }
  // image_weight tempers the image model against header evidence: on images unlike its training data (real
  // scanners, other generators) it is confidently wrong where header facts hold. With nothing in the header to
  // weigh it against, fusion is the image model alone and decides as image mode does (docs/decision.md).
  auto image_alone = [&](const VolumeResult& v) { return mode == Mode::Fusion && v.image_probs && header_is_silent(v.header); };
  for (auto& v : volumes)
    if (v.status == VolumeStatus::Ok) v.fused = fuse(v.image_probs, v.header, image_alone(v) ? Mode::Image : mode, params);
  std::vector<bool> chained(n, false);
  if (mode != Mode::Image) chained = assign_dce_phases(volumes, facts, params, study_notes);

  const double threshold = other_threshold(mode, params);
  std::vector<std::string> decision_notes(n);
  for (size_t i = 0; i < n; ++i) {
    auto& v = volumes[i];
    if (v.status != VolumeStatus::Ok) continue;
    if (v.info.header.other_modality()) {  // in every mode: no model ran on it (the study runner skips it)
      v.fused = LabelProbs{};
      v.fused[index_of(Label::Other)] = 1;
      v.label = Label::Other;
      v.confidence = 1;
      if (mode == Mode::Image) decision_notes[i] = "Modality " + v.info.header.modality + ": not MR, none of the liver MR classes";
      continue;
    }
    const bool no_image = !v.image_probs && mode != Mode::Header;
    const double volume_threshold = image_alone(v) ? params.threshold_image : threshold;
    const int best = argmax(v.fused);
    double support = v.fused[best];
    if (chained[i] && is_dce(label_from_index(best)))
      support = v.fused[index_of(Label::DCE_Pre)] + v.fused[index_of(Label::DCE_Arterial)] +
                v.fused[index_of(Label::DCE_Portal)] + v.fused[index_of(Label::DCE_Delayed)];
    if (mode == Mode::Image && no_image) {
      v.label = Label::Other;
      v.confidence = 0;
      decision_notes[i] = "no image probabilities for this volume: Other";
    } else if (mode != Mode::Image && header_is_silent(v.header) && (mode == Mode::Header || no_image)) {
      v.label = Label::Other;
      v.confidence = v.fused[index_of(Label::Other)];
      decision_notes[i] = "no header rule speaks for any class: Other";
    } else if (label_from_index(best) != Label::Other && support < volume_threshold) {
      v.label = Label::Other;
      v.confidence = 1 - support;
      decision_notes[i] = "no class supported: best " + std::string(kLabelNames[best]) + " " +
                          (support != v.fused[best] ? "(DCE family) " : "") + fmt(support, 2) +
                          " < threshold " + fmt(volume_threshold, 2) + (image_alone(v) ? " (image alone: the header is silent)" : "") +
                          (params.calibrated ? "" : " (uncalibrated)");
    } else {
      v.label = label_from_index(best);
      v.confidence = v.fused[best];
    }
    if (no_image && mode == Mode::Fusion) decision_notes[i] += (decision_notes[i].empty() ? "" : "; ") + std::string("no image probabilities: header only");
  }
  if (mode == Mode::Image) {
    order_late_phases_by_image(volumes, study_notes);
    keep_one_high_b_per_series(volumes, study_notes);
  } else {
    link_adc_to_dwi(volumes, study_notes);
  }

  for (size_t i = 0; i < n; ++i) {
    auto& v = volumes[i];
    if (v.status != VolumeStatus::Ok) continue;
    std::vector<std::string> parts = v.header.notes;
    parts.insert(parts.end(), study_notes[i].begin(), study_notes[i].end());
    if (v.image_probs && mode != Mode::Header) parts.push_back(describe_image(*v.image_probs));
    if (!dropped[i].empty()) parts.push_back(dropped[i]);
    if (!decision_notes[i].empty()) parts.push_back(decision_notes[i]);
    v.evidence.clear();
    for (const auto& p : parts) v.evidence += (v.evidence.empty() ? "" : "; ") + p;
  }
}

std::vector<SeriesResult> DecisionEngine::summarize_series(const std::vector<VolumeResult>& volumes) const {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const VolumeResult*>> by_series;
  for (const auto& v : volumes) {
    const auto& uid = v.info.header.series_uid;
    if (!by_series.count(uid)) order.push_back(uid);
    by_series[uid].push_back(&v);
  }
  std::vector<SeriesResult> out;
  for (const auto& uid : order) {
    auto vols = by_series[uid];
    const auto& h = vols.front()->info.header;
    SeriesResult s;
    s.study_uid = h.study_uid;
    s.series_uid = uid;
    s.series_number = h.series_number;
    s.series_description = h.series_description;
    s.volumes = static_cast<int>(vols.size());
    std::stable_sort(vols.begin(), vols.end(), [](const VolumeResult* a, const VolumeResult* b) {
      return a->info.volume_index < b->info.volume_index;
    });
    std::vector<const VolumeResult*> ok;
    std::set<std::string> reasons;
    for (const auto* v : vols) {
      if (v->status == VolumeStatus::Ok) {
        ok.push_back(v);
        if (std::find(s.volume_labels.begin(), s.volume_labels.end(), v->label) == s.volume_labels.end())
          s.volume_labels.push_back(v->label);
      } else {
        reasons.insert(v->reason.empty() ? "unknown reason" : v->reason);
      }
    }
    std::string why;
    for (const auto& r : reasons) why += (why.empty() ? "" : "; ") + r;
    if (ok.empty()) {
      s.status = VolumeStatus::Failed;
      s.reason = "all " + std::to_string(vols.size()) + " volumes failed: " + why;
      out.push_back(std::move(s));
      continue;
    }
    if (ok.size() < vols.size())
      s.reason = std::to_string(vols.size() - ok.size()) + " of " + std::to_string(vols.size()) + " volumes failed: " + why;
    // Series label (docs/decision.md): a DWI series is DWI_HighB whatever its low-b volumes say;
    // otherwise the first target volume in acquisition order; Other when it holds none.
    const VolumeResult* pick = nullptr;
    for (const auto* v : ok)
      if (v->label == Label::DWI_HighB && (!pick || v->confidence > pick->confidence)) pick = v;
    if (!pick) {
      auto acq = ok;
      // Acquisition time first; echoes of one shot share it, so then echo time (the first echo first),
      // then temporal position; volume order otherwise.
      auto te = [](const VolumeResult* v) { return v->info.echo_time_ms(); };
      auto tp = [](const VolumeResult* v) { return v->info.temporal_index(); };
      std::stable_sort(acq.begin(), acq.end(), [&](const VolumeResult* a, const VolumeResult* b) {
        auto ta = a->info.header.acquisition_time_s, tb = b->info.header.acquisition_time_s;
        if (ta && tb && *ta != *tb) return *ta < *tb;
        if (te(a) && te(b) && *te(a) != *te(b)) return *te(a) < *te(b);
        if (tp(a) && tp(b) && *tp(a) != *tp(b)) return *tp(a) < *tp(b);
        return false;
      });
      for (const auto* v : acq)
        if (v->label != Label::Other) {
          pick = v;
          break;
        }
    }
    if (!pick) {
      s.label = Label::Other;
      s.confidence = 1;
      for (const auto* v : ok) s.confidence = std::min(s.confidence, v->confidence);
    } else {
      s.label = pick->label;
      s.confidence = pick->confidence;
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace mpmri
