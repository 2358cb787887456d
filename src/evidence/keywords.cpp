#include "evidence/keywords.hpp"

#include <cctype>

namespace mpmri::evidence {

namespace {

bool word_matches(const std::string& want, const std::string& word) {
  if (!want.empty() && want.back() == '*') return word.compare(0, want.size() - 1, want, 0, want.size() - 1) == 0;
  return want == word;
}

std::vector<std::string> split_spaces(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ' ') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

bool phrase_matches(const std::vector<std::string>& phrase, const std::vector<std::string>& words) {
  if (phrase.empty() || phrase.size() > words.size()) return false;
  for (size_t start = 0; start + phrase.size() <= words.size(); ++start) {
    bool all = true;
    for (size_t k = 0; k < phrase.size() && all; ++k) all = word_matches(phrase[k], words[start + k]);
    if (all) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> tokenize(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) out.push_back(cur);
    cur.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (!std::isalnum(c)) {
      flush();
      continue;
    }
    // "InPhase" is two words; "DWI" or "T1" stay one.
    if (std::isupper(c) && i > 0 && std::islower(static_cast<unsigned char>(text[i - 1]))) flush();
    cur.push_back(static_cast<char>(std::tolower(c)));
  }
  flush();
  return out;
}

bool pattern_matches(const std::string& pattern, const std::vector<std::string>& words) {
  size_t from = 0;
  bool any_part = false;
  while (from <= pattern.size()) {
    size_t amp = pattern.find('&', from);
    std::string part = pattern.substr(from, amp == std::string::npos ? std::string::npos : amp - from);
    auto phrase = split_spaces(part);
    if (!phrase.empty()) {
      if (!phrase_matches(phrase, words)) return false;
      any_part = true;
    }
    if (amp == std::string::npos) break;
    from = amp + 1;
  }
  return any_part;
}

std::vector<KeywordHit> match_keywords(const KeywordRules& rules, const std::string& series_description,
                                       const std::string& protocol_name) {
  const std::pair<const char*, const std::string*> fields[] = {{"SeriesDescription", &series_description},
                                                               {"ProtocolName", &protocol_name}};
  std::vector<std::vector<std::string>> words;
  for (auto& f : fields) words.push_back(tokenize(*f.second));
  std::vector<KeywordHit> hits;
  for (const auto& rule : rules.rules) {
    bool fired = false;
    for (size_t f = 0; f < 2 && !fired; ++f) {
      for (const auto& p : rule.patterns) {
        if (pattern_matches(p, words[f])) {
          hits.push_back({&rule, p, fields[f].first, *fields[f].second});
          fired = true;
          break;
        }
      }
    }
  }
  return hits;
}

}  // namespace mpmri::evidence
