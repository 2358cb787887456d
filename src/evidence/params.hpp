#pragma once
// Tunable numbers of the decision stage: keyword rules and fusion parameters, read from JSON
// (built-in copies of data/*.json, or files named in DecisionConfig).
#include <array>
#include <map>
#include <string>
#include <vector>

#include "mpmri/labels.hpp"

namespace mpmri::evidence {

struct KeywordRule {
  std::string id;
  std::vector<Label> labels;          // usually one; the DCE family rule names four
  double lr = 1;                      // multiplies the likelihood of each label when the rule fires
  std::vector<std::string> patterns;  // see data/keyword_rules.json "about"
  std::string source;
};

struct KeywordRules {
  std::vector<KeywordRule> rules;
  bool calibrated = false;
};

struct DceParams {
  double min_dce_mass = 0.5;            // fused DCE mass that makes a volume a DCE candidate on its own
  double candidate_min_dce_mass = 0.2;  // ... or this much when the header says 3D fat-suppressed GRE
  std::array<double, 4> repeat{0.2, 0.4, 0.2, 0.2};  // factor for a phase repeated in time order
  double skip = 0.3;                    // factor per phase skipped in time order
  double window_lr = 10;                // in-window vs out-of-window when the injection time is known
  std::array<std::array<double, 2>, 4> windows_s{{{-1e5, 5}, {10, 50}, {45, 100}, {100, 400}}};
  double hepatobiliary_after_s = 600;
};

struct ChemicalShiftParams {
  double fat_ppm = 3.4;
  double margin_cycles = 0.15;
  double max_cycles = 2.6;
  double max_tr_ms = 300;
};

struct FusionParams {
  bool calibrated = false;
  std::string provenance;
  LabelProbs prior{1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  double image_weight = 1;
  double header_weight = 1;
  double threshold_image = 0, threshold_header = 0.5, threshold_fusion = 0.35;
  std::map<std::string, double> rules;  // named likelihood ratios of the header rules
  DceParams dce;
  ChemicalShiftParams chemical_shift;

  // The named rule strength; throws Error(Internal) for a name the code uses but the file lacks.
  double lr(const std::string& name) const;
};

// Parse JSON text; `origin` names the file in error messages. Throw Error(ErrorKind::Input) with the reason.
KeywordRules parse_keyword_rules(const std::string& json_text, const std::string& origin);
FusionParams parse_fusion_params(const std::string& json_text, const std::string& origin);

// Built-in copy when `path` is empty, else the file (Error(Input) when unreadable or invalid).
KeywordRules load_keyword_rules(const std::string& path);
FusionParams load_fusion_params(const std::string& path);

}  // namespace mpmri::evidence
