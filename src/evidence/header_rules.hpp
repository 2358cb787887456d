#pragma once
// Per-volume header evidence: each rule multiplies label likelihoods by a named likelihood ratio
// (data/fusion_params.json "rules") and leaves a plain-words note. Sources in docs/decision.md.
#include <optional>
#include <string>
#include <vector>

#include "evidence/params.hpp"
#include "mpmri/prediction.hpp"

namespace mpmri::evidence {

// Facts about the volume's series that a single volume cannot see.
struct SeriesContext {
  std::optional<double> max_b;      // highest b-value among the series' volumes
  int b_count = 0;                  // distinct b-values in the series
  std::vector<double> echo_times;   // distinct echo times (> 0) in the series, ascending
  // Set when the acquisition family also holds phase, real/imaginary or field-map images: names the first
  // such ImageType and its series ("ImageType value 3 P in series 9 'gre_field_mapping'"); empty otherwise.
  std::string field_map_sibling;
};

enum class ChemicalShift { NotApplicable, In, Opposed, Ambiguous };

// What the study-level reasoning needs from the per-volume rules.
struct VolumeFacts {
  bool gre = false, spin_echo = false, epi = false, inversion = false, three_d = false;
  bool fat_suppressed = false;
  bool diffusion = false;
  bool dce_candidate = false;     // 3D T1 GRE, fat-suppressed or dynamic: one of the four DCE phases
  bool contrast_given = false;    // ContrastBolusAgent filled in
  ChemicalShift chemical_shift = ChemicalShift::NotApplicable;
  bool chemical_shift_awaits_partner = false;  // single-echo in/opposed TE: supported only when paired in the study
  std::optional<double> fat_water_cycles;  // TE x fat-water frequency difference
  std::optional<double> echo_time_ms, b_value;
};

struct RuleResult {
  HeaderEvidence evidence;
  VolumeFacts facts;
};

// Accumulates likelihood ratios and notes.
class EvidenceBuilder {
 public:
  void support(Label l, double lr, const std::string& note);
  void support(const std::vector<Label>& ls, double lr, const std::string& note);
  void against(Label l, double lr, const std::string& note);
  void decisive(Label l, double lr, const std::string& note);
  void note(const std::string& note) { ev_.notes.push_back(note); }
  HeaderEvidence& evidence() { return ev_; }

 private:
  HeaderEvidence ev_;
};

// The ImageType term that marks a phase, real/imaginary or field-map image rather than a magnitude image
// ("value 3 P", "FIELD_MAP"), or "" for anything else. Sources in docs/decision.md.
std::string phase_or_field_map_type(const std::vector<std::string>& image_type);

// Fat-water phase at this TE: cycles = TE x fat_ppm x 1e-6 x f0. f0 from ImagingFrequency, else field strength.
std::optional<double> fat_water_cycles(const HeaderInfo& h, double echo_time_ms, double fat_ppm);

// Compact number for notes: 2.3, 800, 0.5.
std::string fmt(double v, int significant = 3);

RuleResult header_rules(const VolumeInfo& v, const SeriesContext& series, const KeywordRules& keywords,
                        const FusionParams& params);

}  // namespace mpmri::evidence
