#pragma once
// The label set shared by every stage: the nine liver mpMRI classes of the seed paper plus Other.
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace mpmri {

enum class Label : int {
  T1WI_In = 0,
  T1WI_Opp,
  T2WI_Fs,
  DWI_HighB,
  ADC,
  DCE_Pre,
  DCE_Arterial,
  DCE_Portal,
  DCE_Delayed,
  Other,
};

inline constexpr int kNumLabels = 10;        // the nine classes and Other
inline constexpr int kNumTargetClasses = 9;  // without Other

inline constexpr std::array<std::string_view, kNumLabels> kLabelNames = {
    "T1WI_In",     "T1WI_Opp",   "T2WI_Fs",    "DWI_HighB",   "ADC",
    "DCE_Pre",     "DCE_Arterial", "DCE_Portal", "DCE_Delayed", "Other"};

inline std::string_view to_string(Label l) { return kLabelNames[static_cast<int>(l)]; }
inline Label label_from_index(int i) { return static_cast<Label>(i); }
inline int index_of(Label l) { return static_cast<int>(l); }

// Exact names plus the documented aliases (case-insensitive): see README "Truth format".
std::optional<Label> parse_label(std::string_view text);

using LabelProbs = std::array<double, kNumLabels>;

}  // namespace mpmri
