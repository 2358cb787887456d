#pragma once
// SeriesDescription / ProtocolName keyword matching (pattern syntax in data/keyword_rules.json "about").
#include <string>
#include <vector>

#include "evidence/params.hpp"

namespace mpmri::evidence {

// Lower-case words, split at non-alphanumerics and camelCase joins: "T1DUAL_InPhase" -> t1dual, in, phase.
std::vector<std::string> tokenize(const std::string& text);

// Whether one pattern ("t2 fs", "delay*", "t2&spair") matches the words.
bool pattern_matches(const std::string& pattern, const std::vector<std::string>& words);

struct KeywordHit {
  const KeywordRule* rule;
  std::string pattern;
  std::string field;  // "SeriesDescription" or "ProtocolName"
  std::string text;   // the field's text
};

// Every rule that fires on either field, at most once per rule (first field, first pattern).
std::vector<KeywordHit> match_keywords(const KeywordRules& rules, const std::string& series_description,
                                       const std::string& protocol_name);

}  // namespace mpmri::evidence
