// `export RUN_DIR`: a finished run's results.json, its source files scanned again (no decoding, no model), and
// each study handed to the routing outputs as classify would have handed it.
#include <spdlog/spdlog.h>
#include <tbb/global_control.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "mpmri/dicom.hpp"
#include "mpmri/routing.hpp"
#include "mpmri/runner.hpp"

namespace mpmri {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

template <class T>
std::optional<T> optional_of(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<T>();
}

std::string text_of(const json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

VolumeKey key_from_json(const json& k) {
  VolumeKey key;
  key.echo_number = optional_of<int>(k, "echo_number");
  key.echo_time_ms = optional_of<double>(k, "echo_time_ms");
  key.b_value = optional_of<double>(k, "b_value");
  key.temporal_index = optional_of<int>(k, "temporal_index");
  key.image_type = text_of(k, "image_type");
  key.orientation = text_of(k, "orientation");
  return key;
}

Label label_from_json(const json& j) {
  const std::string name = text_of(j, "label");
  for (int i = 0; i < kNumLabels; ++i)
    if (kLabelNames[i] == name) return label_from_index(i);
  return Label::Other;
}

// One study of results.json with the VolumeInfo of each volume found again by scanning its source files; a volume
// that is not found with the same key and slice count is failed with the reason (its files moved or changed) and
// counted in `lost`.
StudyResult study_from_json(const json& j, const ScanOptions& scan_options, long& lost) {
  StudyResult study;
  study.study_uid = text_of(j, "study_uid");
  std::vector<std::string> files;
  std::set<std::string> seen;
  for (const auto& v : j.at("volumes"))
    if (v.contains("source_files"))
      for (const auto& f : v.at("source_files"))
        if (seen.insert(f.get<std::string>()).second) files.push_back(f.get<std::string>());
  std::map<std::pair<std::string, int>, VolumeInfo> scanned;
  if (!files.empty()) {
    ScanResult scan = scan_files(files, scan_options);
    for (auto& st : scan.studies)
      for (auto& se : st.series)
        for (auto& v : se.volumes) scanned[{v.header.series_uid, v.volume_index}] = std::move(v);
  }
  for (const auto& v : j.at("volumes")) {
    VolumeResult r;
    r.info.header.series_uid = text_of(v, "series_uid");
    r.info.header.study_uid = study.study_uid;
    r.info.volume_index = v.at("volume_index").get<int>();
    r.info.key = key_from_json(v.at("key"));
    r.status = text_of(v, "status") == "ok" ? VolumeStatus::Ok : VolumeStatus::Failed;
    r.reason = text_of(v, "reason");
    r.label = label_from_json(v);
    r.confidence = optional_of<double>(v, "confidence").value_or(0.0);
    r.evidence = text_of(v, "evidence");
    auto found = scanned.find({r.info.header.series_uid, r.info.volume_index});
    const bool ok_in_run = r.status == VolumeStatus::Ok;
    if (!ok_in_run) {
      // failed in the run already: nothing to route
    } else if (!v.contains("source_files")) {
      r.status = VolumeStatus::Failed;
      r.reason = "results.json names no source files (written before export existed): classify again";
    } else if (found == scanned.end() || !(found->second.key == r.info.key) ||
               found->second.slices.size() != v.at("slices").get<size_t>()) {
      r.status = VolumeStatus::Failed;
      r.reason = "its source files are missing or changed since the run";
    } else {
      r.info = std::move(found->second);
    }
    if (ok_in_run && r.status != VolumeStatus::Ok) {
      ++lost;
      spdlog::warn("{}: {}", r.info.id(), r.reason);
    }
    study.volumes.push_back(std::move(r));
  }
  for (const auto& s : j.at("series")) {
    SeriesResult r;
    r.study_uid = study.study_uid;
    r.series_uid = text_of(s, "series_uid");
    r.series_number = s.value("series_number", 0);
    r.series_description = text_of(s, "series_description");
    r.label = label_from_json(s);
    r.confidence = s.value("confidence", 0.0);
    r.status = text_of(s, "status") == "ok" ? VolumeStatus::Ok : VolumeStatus::Failed;
    r.reason = text_of(s, "reason");
    r.volumes = s.value("volumes", 0);
    study.series.push_back(std::move(r));
  }
  return study;
}

}  // namespace

Outcome run_export(const ExportOptions& options) {
  if (!options.routing.any()) throw Error(ErrorKind::Usage, "nothing to export: give --nifti, --sort or --sr");
  const fs::path results = fs::path(options.run_dir) / "results.json";
  std::ifstream in(results);
  if (!in) throw Error(ErrorKind::Usage, "no results.json in " + options.run_dir + " (is it a classify output folder?)");
  json run;
  try {
    run = json::parse(in);
  } catch (const json::exception& e) {
    throw Error(ErrorKind::Input, results.string() + " is not valid JSON: " + e.what());
  }
  const int threads = options.jobs > 0 ? options.jobs : static_cast<int>(std::thread::hardware_concurrency());
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, std::max(1, threads));
  ScanOptions scan_options;
  scan_options.threads = threads;
  auto routers = make_routers(options.routing);
  Outcome outcome;
  try {
    for (const auto& study_json : run.at("studies")) {
      StudyResult study = study_from_json(study_json, scan_options, outcome.failed);
      if (study.volumes.empty()) continue;  // series that failed before they had volumes
      for (const auto& v : study.volumes) outcome.ok += v.status == VolumeStatus::Ok;
      for (auto& router : routers) router->add_study(study);
    }
  } catch (const json::exception& e) {
    throw Error(ErrorKind::Input, results.string() + " does not have the layout classify writes: " + e.what());
  }
  for (auto& router : routers) {
    router->finish();
    outcome.failed += router->failures();
  }
  spdlog::info("{} volumes exported from {}, {} failed", outcome.ok, options.run_dir, outcome.failed);
  return outcome;
}

}  // namespace mpmri
