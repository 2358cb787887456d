#include "evidence/params.hpp"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "evidence_builtin_data.hpp"
#include "mpmri/error.hpp"

namespace mpmri::evidence {

namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& origin, const std::string& what) {
  throw Error(ErrorKind::Input, origin + ": " + what);
}

json parse(const std::string& text, const std::string& origin) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    bad(origin, std::string("not valid JSON: ") + e.what());
  }
}

Label label_named(const json& j, const std::string& origin, const std::string& where) {
  if (!j.is_string()) bad(origin, where + ": label must be a string");
  auto l = parse_label(j.get<std::string>());
  if (!l) bad(origin, where + ": unknown label '" + j.get<std::string>() + "'");
  return *l;
}

double positive(const json& j, const std::string& origin, const std::string& where) {
  if (!j.is_number()) bad(origin, where + " must be a number");
  double v = j.get<double>();
  if (!(v > 0)) bad(origin, where + " must be > 0");
  return v;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::Input, "cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

double FusionParams::lr(const std::string& name) const {
  auto it = rules.find(name);
  if (it == rules.end()) throw Error(ErrorKind::Internal, "fusion parameters lack rule strength '" + name + "'");
  return it->second;
}

// A pattern part ('&'-separated) that is one word of one letter: descriptions split into such tokens
// everywhere ("T1_F", "Ax T2 W/O"), so a lone letter never matches as evidence.
static bool has_lone_letter_part(const std::string& pattern) {
  size_t from = 0;
  while (from <= pattern.size()) {
    size_t amp = pattern.find('&', from);
    std::string part = pattern.substr(from, amp == std::string::npos ? std::string::npos : amp - from);
    size_t a = part.find_first_not_of(' '), b = part.find_last_not_of(' ');
    if (a != std::string::npos && a == b) return true;
    if (amp == std::string::npos) break;
    from = amp + 1;
  }
  return false;
}

static KeywordRules parse_keyword_rules_json(const std::string& text, const std::string& origin) {
  json j = parse(text, origin);
  if (!j.is_object() || !j.contains("rules") || !j["rules"].is_array()) bad(origin, "expected an object with a \"rules\" array");
  KeywordRules out;
  out.calibrated = j.value("calibrated", false);
  int n = 0;
  for (const auto& r : j["rules"]) {
    std::string where = "rule " + std::to_string(n++);
    if (!r.is_object()) bad(origin, where + " is not an object");
    KeywordRule k;
    k.id = r.value("id", where);
    where = "rule '" + k.id + "'";
    if (!r.contains("label")) bad(origin, where + " has no label");
    if (r["label"].is_array()) {
      for (const auto& l : r["label"]) k.labels.push_back(label_named(l, origin, where));
    } else {
      k.labels.push_back(label_named(r["label"], origin, where));
    }
    if (!r.contains("lr")) bad(origin, where + " has no lr");
    k.lr = positive(r["lr"], origin, where + " lr");
    if (!r.contains("patterns") || !r["patterns"].is_array() || r["patterns"].empty())
      bad(origin, where + " needs a non-empty \"patterns\" array");
    for (const auto& p : r["patterns"]) {
      if (!p.is_string() || p.get<std::string>().empty()) bad(origin, where + ": patterns must be non-empty strings");
      if (has_lone_letter_part(p.get<std::string>()))
        bad(origin, where + ": pattern '" + p.get<std::string>() +
                        "' is a single letter, which is not evidence ('F' in 'T1_F' may be fat map, fat-sat or femur)");
      k.patterns.push_back(p.get<std::string>());
    }
    k.source = r.value("source", "");
    out.rules.push_back(std::move(k));
  }
  return out;
}

static FusionParams parse_fusion_params_json(const std::string& text, const std::string& origin) {
  json j = parse(text, origin);
  if (!j.is_object()) bad(origin, "expected a JSON object");
  FusionParams p;
  p.calibrated = j.value("calibrated", false);
  p.provenance = j.value("provenance", "");
  if (j.contains("prior")) {
    if (!j["prior"].is_array() || j["prior"].size() != kNumLabels) bad(origin, "prior must hold 10 numbers (label order)");
    for (int i = 0; i < kNumLabels; ++i) p.prior[i] = positive(j["prior"][i], origin, "prior");
  }
  if (j.contains("image_weight")) p.image_weight = j["image_weight"].get<double>();
  if (j.contains("header_weight")) p.header_weight = j["header_weight"].get<double>();
  if (p.image_weight < 0 || p.header_weight < 0) bad(origin, "weights must be >= 0");
  if (j.contains("other_threshold")) {
    const auto& t = j["other_threshold"];
    p.threshold_image = t.value("image", p.threshold_image);
    p.threshold_header = t.value("header", p.threshold_header);
    p.threshold_fusion = t.value("fusion", p.threshold_fusion);
    for (double v : {p.threshold_image, p.threshold_header, p.threshold_fusion})
      if (v < 0 || v > 1) bad(origin, "other_threshold values must lie in [0, 1]");
  }
  if (!j.contains("rules") || !j["rules"].is_object()) bad(origin, "needs a \"rules\" object of likelihood ratios");
  for (auto it = j["rules"].begin(); it != j["rules"].end(); ++it)
    p.rules[it.key()] = positive(it.value(), origin, "rules." + it.key());
  if (j.contains("dce")) {
    const auto& d = j["dce"];
    p.dce.min_dce_mass = d.value("min_dce_mass", p.dce.min_dce_mass);
    p.dce.candidate_min_dce_mass = d.value("candidate_min_dce_mass", p.dce.candidate_min_dce_mass);
    if (d.contains("repeat")) {
      if (!d["repeat"].is_array() || d["repeat"].size() != 4) bad(origin, "dce.repeat must hold 4 numbers");
      for (int i = 0; i < 4; ++i) p.dce.repeat[i] = positive(d["repeat"][i], origin, "dce.repeat");
    }
    if (d.contains("skip")) p.dce.skip = positive(d["skip"], origin, "dce.skip");
    if (d.contains("window_lr")) p.dce.window_lr = positive(d["window_lr"], origin, "dce.window_lr");
    if (d.contains("windows_s")) {
      const char* names[4] = {"pre", "arterial", "portal", "delayed"};
      for (int i = 0; i < 4; ++i) {
        const auto& w = d["windows_s"].value(names[i], json::array());
        if (w.is_array() && w.size() == 2) p.dce.windows_s[i] = {w[0].get<double>(), w[1].get<double>()};
        else if (!w.empty()) bad(origin, std::string("dce.windows_s.") + names[i] + " must be [from, to]");
      }
    }
    p.dce.hepatobiliary_after_s = d.value("hepatobiliary_after_s", p.dce.hepatobiliary_after_s);
  }
  if (j.contains("chemical_shift")) {
    const auto& c = j["chemical_shift"];
    p.chemical_shift.fat_ppm = c.value("fat_ppm", p.chemical_shift.fat_ppm);
    p.chemical_shift.margin_cycles = c.value("margin_cycles", p.chemical_shift.margin_cycles);
    p.chemical_shift.max_cycles = c.value("max_cycles", p.chemical_shift.max_cycles);
    p.chemical_shift.max_tr_ms = c.value("max_tr_ms", p.chemical_shift.max_tr_ms);
  }
  return p;
}

// Wrong value types surface as json::type_error from get<>/value(); report them against the file.
KeywordRules parse_keyword_rules(const std::string& text, const std::string& origin) {
  try {
    return parse_keyword_rules_json(text, origin);
  } catch (const nlohmann::json::exception& e) {
    bad(origin, e.what());
  }
}

FusionParams parse_fusion_params(const std::string& text, const std::string& origin) {
  try {
    return parse_fusion_params_json(text, origin);
  } catch (const nlohmann::json::exception& e) {
    bad(origin, e.what());
  }
}

KeywordRules load_keyword_rules(const std::string& path) {
  if (path.empty()) return parse_keyword_rules(builtin::kKeywordRulesJson, "built-in keyword_rules.json");
  return parse_keyword_rules(read_file(path), path);
}

FusionParams load_fusion_params(const std::string& path) {
  FusionParams builtin = parse_fusion_params(builtin::kFusionParamsJson, "built-in fusion_params.json");
  if (path.empty()) return builtin;
  FusionParams p = parse_fusion_params(read_file(path), path);
  // A file written before a rule existed (a calibrated copy of an older data/fusion_params.json) keeps
  // working: calibration fits weights and thresholds, not these named strengths, so the built-in prior is
  // the value it would have carried. Say so, so that the file gets regenerated.
  std::string added;
  for (const auto& [name, value] : builtin.rules)
    if (p.rules.emplace(name, value).second) added += (added.empty() ? "" : ", ") + name;
  if (!added.empty()) spdlog::warn("{} lacks rule strengths {}: built-in values used", path, added);
  return p;
}

}  // namespace mpmri::evidence
