#pragma once
// Stage 4: header evidence per volume, study-level reasoning, and fusion with the image probabilities.
#include <memory>
#include <string>
#include <vector>

#include "mpmri/prediction.hpp"

namespace mpmri {

struct DecisionConfig {
  std::string keyword_rules_path;   // empty = built-in rules (data/keyword_rules.json compiled in)
  std::string fusion_params_path;   // empty = built-in calibrated parameters
};

class DecisionEngine {
 public:
  explicit DecisionEngine(const DecisionConfig& config = {});
  ~DecisionEngine();
  DecisionEngine(DecisionEngine&&) noexcept;
  DecisionEngine& operator=(DecisionEngine&&) noexcept;

  // All volumes of one study. Reads info and image_probs (absent in Mode::Header); fills header, fused,
  // label, confidence and evidence of each Ok volume. Failed volumes are left as they are.
  void decide_study(std::vector<VolumeResult>& volumes, Mode mode) const;

  // One row per series from its volumes (README "Series label").
  std::vector<SeriesResult> summarize_series(const std::vector<VolumeResult>& volumes) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mpmri
