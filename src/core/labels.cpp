#include "mpmri/labels.hpp"

#include <algorithm>
#include <cctype>
#include <map>

namespace mpmri {

namespace {
std::string normalise(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '-' || c == '_' || c == '.') continue;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}
}  // namespace

std::optional<Label> parse_label(std::string_view text) {
  // Aliases are documented in README.md; keep the two in step.
  static const std::map<std::string, Label> table = [] {
    std::map<std::string, Label> t;
    for (int i = 0; i < kNumLabels; ++i) t[normalise(kLabelNames[i])] = label_from_index(i);
    const std::pair<const char*, Label> aliases[] = {
        {"inphase", Label::T1WI_In},        {"t1in", Label::T1WI_In},
        {"ip", Label::T1WI_In},             {"opposedphase", Label::T1WI_Opp},
        {"outphase", Label::T1WI_Opp},      {"t1opp", Label::T1WI_Opp},
        {"t1out", Label::T1WI_Opp},         {"op", Label::T1WI_Opp},
        {"t2fs", Label::T2WI_Fs},           {"t2wifs", Label::T2WI_Fs},
        {"dwi", Label::DWI_HighB},          {"dwihigh", Label::DWI_HighB},
        {"highbdwi", Label::DWI_HighB},     {"adcmap", Label::ADC},
        {"pre", Label::DCE_Pre},            {"precontrast", Label::DCE_Pre},
        {"arterial", Label::DCE_Arterial},  {"portal", Label::DCE_Portal},
        {"portalvenous", Label::DCE_Portal}, {"pv", Label::DCE_Portal},
        {"delayed", Label::DCE_Delayed},    {"other", Label::Other},
        {"none", Label::Other},
    };
    for (auto& [k, v] : aliases) t[normalise(k)] = v;
    return t;
  }();
  auto it = table.find(normalise(text));
  if (it == table.end()) return std::nullopt;
  return it->second;
}

}  // namespace mpmri
