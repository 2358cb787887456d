// Reads and checks the model card: the JSON beside each TorchScript file that fixes classes, grid and norm.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "mpmri/error.hpp"
#include "mpmri/model.hpp"

namespace mpmri {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& path, const std::string& why) {
  throw Error(ErrorKind::Model, "model card " + path + ": " + why);
}

template <typename T>
T get_or(const json& j, const char* key, T fallback) {
  return j.contains(key) ? j.at(key).get<T>() : fallback;
}

}  // namespace

ModelCard read_model_card(const std::string& json_path) {
  std::ifstream f(json_path, std::ios::binary);
  if (!f) bad(json_path, "cannot open (every .pt needs its card beside it, same name, .json)");
  std::stringstream buffer;
  buffer << f.rdbuf();
  ModelCard card;
  card.path_json = json_path;
  card.raw_json = buffer.str();
  json j;
  try {
    j = json::parse(card.raw_json);
  } catch (const json::exception& e) {
    bad(json_path, std::string("not valid JSON: ") + e.what());
  }
  try {
    if (!j.is_object()) bad(json_path, "top level must be an object");
    card.name = get_or<std::string>(j, "name", std::filesystem::path(json_path).stem().string());
    if (!j.contains("classes") || !j.at("classes").is_array() || j.at("classes").empty())
      bad(json_path, "\"classes\" must be a non-empty list of label names");
    std::set<std::string> seen;
    for (const auto& c : j.at("classes")) {
      auto name = c.get<std::string>();
      auto label = parse_label(name);
      if (!label) bad(json_path, "unknown class \"" + name + "\"");
      std::string canonical(to_string(*label));
      if (!seen.insert(canonical).second) bad(json_path, "class \"" + name + "\" listed twice");
      card.classes.push_back(canonical);
    }

    if (!j.contains("grid")) bad(json_path, "missing \"grid\"");
    const json& g = j.at("grid");
    auto size = g.at("size_xyz").get<std::vector<int>>();
    if (size.size() != 3) bad(json_path, "grid.size_xyz must have 3 entries");
    for (int k = 0; k < 3; ++k) {
      if (size[k] < 1 || size[k] > 1024) bad(json_path, "grid.size_xyz entries must be in 1..1024");
      card.grid.size[k] = size[k];
    }
    card.grid.fit = get_or<std::string>(g, "fit", card.grid.fit);
    if (g.contains("spacing_mm")) {
      auto sp = g.at("spacing_mm").get<std::vector<double>>();
      if (sp.size() != 3) bad(json_path, "grid.spacing_mm must have 3 entries");
      for (int k = 0; k < 3; ++k) card.grid.spacing_mm[k] = sp[k];
    }
    card.grid.orientation = get_or<std::string>(g, "orientation", card.grid.orientation);
    card.grid.interpolation = get_or<std::string>(g, "interpolation", card.grid.interpolation);
    card.grid.pad_value = get_or<double>(g, "pad_value", card.grid.pad_value);
    if (card.grid.fit != "fit" && card.grid.fit != "spacing") bad(json_path, "grid.fit must be \"fit\" or \"spacing\"");
    if (card.grid.orientation != "LPS" && card.grid.orientation != "acquisition")
      bad(json_path, "grid.orientation must be \"LPS\" or \"acquisition\"");
    if (card.grid.interpolation != "linear" && card.grid.interpolation != "nearest")
      bad(json_path, "grid.interpolation must be \"linear\" or \"nearest\"");

    if (!j.contains("norm")) bad(json_path, "missing \"norm\"");
    const json& n = j.at("norm");
    card.norm.low_percentile = get_or<double>(n, "low_percentile", card.norm.low_percentile);
    card.norm.high_percentile = get_or<double>(n, "high_percentile", card.norm.high_percentile);
    card.norm.out_low = get_or<double>(n, "out_low", card.norm.out_low);
    card.norm.out_high = get_or<double>(n, "out_high", card.norm.out_high);
    if (!(card.norm.low_percentile >= 0 && card.norm.low_percentile < card.norm.high_percentile &&
          card.norm.high_percentile <= 100))
      bad(json_path, "norm percentiles must satisfy 0 <= low < high <= 100");

    card.torch_version = get_or<std::string>(j, "torch_version", "");
    card.sha256 = get_or<std::string>(j, "sha256", "");
  } catch (const json::exception& e) {
    bad(json_path, std::string("wrong field type: ") + e.what());
  }
  return card;
}

ModelCard read_model_card_for(const std::string& pt_path) {
  std::filesystem::path json_path(pt_path);
  json_path.replace_extension(".json");
  ModelCard card = read_model_card(json_path.string());
  card.path_pt = pt_path;
  return card;
}

}  // namespace mpmri
