// volumes.csv, series.csv and results.json, streamed per study into hidden partial files.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "mpmri/error.hpp"
#include "mpmri/io.hpp"
#include "mpmri/report.hpp"

namespace mpmri {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// %.6g keeps TE such as 2.3 or 4.6 readable while round-tripping the values matching needs.
std::string num(double v, const char* fmt = "%.6g") {
  if (!std::isfinite(v)) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}
template <class T>
std::string opt_num(const std::optional<T>& v) {
  return v ? num(static_cast<double>(*v)) : std::string();
}

std::string volume_image_type(const VolumeInfo& v) {
  if (!v.key.image_type.empty()) return v.key.image_type;
  std::string out;
  for (const auto& part : v.header.image_type) out += (out.empty() ? "" : "\\") + part;
  return out;
}
const char* status_word(VolumeStatus s) { return s == VolumeStatus::Ok ? "ok" : "failed"; }

json probs_json(const LabelProbs& p) {
  json j = json::object();
  for (int i = 0; i < kNumLabels; ++i) j[std::string(kLabelNames[i])] = p[i];
  return j;
}
template <class T>
json opt_json(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json header_summary(const HeaderInfo& h) {
  return {{"series_number", h.series_number},
          {"series_description", h.series_description},
          {"protocol_name", h.protocol_name},
          {"manufacturer", h.manufacturer},
          {"manufacturer_model", h.manufacturer_model},
          {"field_strength_t", opt_json(h.field_strength_t)},
          {"sequence_name", h.sequence_name},
          {"scanning_sequence", h.scanning_sequence},
          {"image_type", h.image_type},
          {"repetition_time_ms", opt_json(h.repetition_time_ms)},
          {"echo_time_ms", opt_json(h.echo_time_ms)},
          {"inversion_time_ms", opt_json(h.inversion_time_ms)},
          {"flip_angle_deg", opt_json(h.flip_angle_deg)},
          {"b_value", opt_json(h.b_value)},
          {"b_value_source", h.b_value_source},
          {"temporal_index", opt_json(h.temporal_index)},
          {"acquisition_time_s", opt_json(h.acquisition_time_s)},
          {"contrast_agent", h.contrast_agent},
          {"enhanced", h.enhanced},
          {"mosaic", h.mosaic}};
}

json key_json(const VolumeKey& k) {
  return {{"echo_number", opt_json(k.echo_number)}, {"echo_time_ms", opt_json(k.echo_time_ms)},
          {"b_value", opt_json(k.b_value)},         {"temporal_index", opt_json(k.temporal_index)},
          {"image_type", k.image_type},             {"orientation", k.orientation}};
}

json volume_json(const VolumeResult& v) {
  bool ok = v.status == VolumeStatus::Ok;
  json j = {{"series_uid", v.info.header.series_uid},
          {"volume_index", v.info.volume_index},
          {"volumes_in_series", v.info.volumes_in_series},
          {"key", key_json(v.info.key)},
          {"plane", v.info.plane},
          {"matrix", v.info.matrix},
          {"slices", v.info.slices.size()},
          {"warnings", v.info.warnings},
          {"header", header_summary(v.info.header)},
          {"status", status_word(v.status)},
          {"reason", v.reason},
          {"label", ok ? json(std::string(to_string(v.label))) : json(nullptr)},
          {"confidence", ok ? json(v.confidence) : json(nullptr)},
          {"image_probs", v.image_probs ? probs_json(*v.image_probs) : json(nullptr)},
          {"header_likelihood", probs_json(v.header.likelihood)},
          {"header_notes", v.header.notes},
          {"header_decisive", v.header.decisive},
          {"fused", ok ? probs_json(v.fused) : json(nullptr)},
          {"evidence", v.evidence}};
  // The files the volume was read from, so `export` can load it again without classifying (docs/routing.md).
  json files = json::array();
  std::set<std::string> seen;
  for (const auto& s : v.info.slices)
    if (seen.insert(s.path).second) files.push_back(fs::absolute(s.path).lexically_normal().string());  // one per frame file
  j["source_files"] = files;
  // A NIfTI volume's series UID is often its path already; with a sidecar UID the file would go unnamed.
  if (v.info.nifti) {
    j["source_path"] = v.info.nifti->path;
    j["source_index"] = v.info.nifti->index;  // along the file's 4th dimension
  }
  return j;
}

std::string join_labels(const std::vector<Label>& labels) {
  std::string out;
  for (Label l : labels) out += (out.empty() ? "" : ";") + std::string(to_string(l));
  return out;
}

}  // namespace

std::string csv_escape(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string volumes_csv_header() {
  std::string h =
      "study_uid,series_uid,series_number,series_description,volume_index,echo_time_ms,b_value,"
      "temporal_index,image_type,label,confidence";
  for (auto name : kLabelNames) h += ",p_" + std::string(name);
  return h + ",status,reason,evidence,manufacturer,field_strength_t\n";
}

std::string volumes_csv_rows(const StudyResult& study) {
  std::string out;
  for (const auto& v : study.volumes) {
    const auto& h = v.info.header;
    bool ok = v.status == VolumeStatus::Ok;
    std::vector<std::string> f = {study.study_uid.empty() ? h.study_uid : study.study_uid,
                                  h.series_uid,
                                  std::to_string(h.series_number),
                                  h.series_description,
                                  std::to_string(v.info.volume_index),
                                  opt_num(v.info.echo_time_ms()),
                                  opt_num(v.info.b_value()),
                                  opt_num(v.info.temporal_index()),
                                  volume_image_type(v.info),
                                  ok ? std::string(to_string(v.label)) : "",
                                  ok ? num(v.confidence, "%.4f") : ""};
    for (int i = 0; i < kNumLabels; ++i) f.push_back(ok ? num(v.fused[i], "%.6f") : "");
    f.push_back(status_word(v.status));
    f.push_back(v.reason);
    f.push_back(v.evidence);
    f.push_back(h.manufacturer);
    f.push_back(opt_num(h.field_strength_t));
    for (size_t i = 0; i < f.size(); ++i) out += (i ? "," : "") + csv_escape(f[i]);
    out += "\n";
  }
  return out;
}

std::string series_csv_header() {
  return "study_uid,series_uid,series_number,series_description,volumes,label,labels,confidence,status,reason\n";
}

std::string series_csv_rows(const StudyResult& study) {
  std::string out;
  for (const auto& s : study.series) {
    bool ok = s.status == VolumeStatus::Ok;
    std::vector<std::string> f = {s.study_uid.empty() ? study.study_uid : s.study_uid,
                                  s.series_uid,
                                  std::to_string(s.series_number),
                                  s.series_description,
                                  std::to_string(s.volumes),
                                  ok ? std::string(to_string(s.label)) : "",
                                  join_labels(s.volume_labels),
                                  ok ? num(s.confidence, "%.4f") : "",
                                  status_word(s.status),
                                  s.reason};
    for (size_t i = 0; i < f.size(); ++i) out += (i ? "," : "") + csv_escape(f[i]);
    out += "\n";
  }
  return out;
}

SeriesResult failed_series_result(const FailedSeries& failed) {
  SeriesResult s;
  s.study_uid = failed.study_uid;
  s.series_uid = failed.series_uid;
  s.status = VolumeStatus::Failed;
  s.reason = failed.reason;
  return s;
}

std::string study_json(const StudyResult& study) {
  json series = json::array();
  for (const auto& s : study.series) {
    series.push_back({{"series_uid", s.series_uid},
                      {"series_number", s.series_number},
                      {"series_description", s.series_description},
                      {"volumes", s.volumes},
                      {"label", s.status == VolumeStatus::Ok ? json(std::string(to_string(s.label))) : json(nullptr)},
                      {"labels", join_labels(s.volume_labels)},
                      {"confidence", s.confidence},
                      {"status", status_word(s.status)},
                      {"reason", s.reason}});
  }
  json volumes = json::array();
  for (const auto& v : study.volumes) volumes.push_back(volume_json(v));
  json j = {{"study_uid", study.study_uid}, {"series", series}, {"volumes", volumes}};
  // Replace invalid UTF-8 from odd headers instead of throwing halfway through a batch.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// One output file growing under a hidden name until finish().
struct PartialFile {
  fs::path final_path, partial_path;
  FILE* f = nullptr;
  void open(const fs::path& dir, const std::string& name) {
    final_path = dir / name;
    partial_path = dir / ("." + name + ".partial");
    f = std::fopen(partial_path.c_str(), "wb");
    if (!f) throw Error(ErrorKind::Io, "cannot write " + partial_path.string());
  }
  void write(const std::string& s) {
    if (std::fwrite(s.data(), 1, s.size(), f) != s.size() || std::fflush(f) != 0)
      throw Error(ErrorKind::Io, "failed writing " + partial_path.string() + " (disk full?)");
  }
  void commit() {
    bool ok = ::fsync(fileno(f)) == 0;
    ok = std::fclose(f) == 0 && ok;
    f = nullptr;
    if (!ok) throw Error(ErrorKind::Io, "failed closing " + partial_path.string());
    std::error_code ec;
    fs::rename(partial_path, final_path, ec);
    if (ec) throw Error(ErrorKind::Io, "cannot rename into " + final_path.string() + ": " + ec.message());
  }
  ~PartialFile() {
    if (f) std::fclose(f);
  }
};

struct ResultsWriter::Impl {
  PartialFile volumes, series, results;
  json skipped = json::array();
  bool first_study = true, finished = false;
};

ResultsWriter::ResultsWriter(const std::string& out_dir, const RunProvenance& provenance)
    : impl_(std::make_unique<Impl>()) {
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec || !fs::is_directory(out_dir))
    throw Error(ErrorKind::Io, "cannot create output folder " + out_dir + (ec ? ": " + ec.message() : ""));
  impl_->volumes.open(out_dir, "volumes.csv");
  impl_->series.open(out_dir, "series.csv");
  impl_->results.open(out_dir, "results.json");
  impl_->volumes.write(volumes_csv_header());
  impl_->series.write(series_csv_header());
  json prov = {{"model_name", provenance.model_name},
               {"model_sha256", provenance.model_sha256},
               {"mode", provenance.mode},
               {"arguments", provenance.arguments}};
  std::string head = json{{"tool", "mpmri-classify"}, {"version", provenance.tool_version}, {"provenance", prov}}
                         .dump(-1, ' ', false, json::error_handler_t::replace);
  head.pop_back();  // reopen the object to stream "studies" into it
  impl_->results.write(head + ",\"studies\":[\n");
}

ResultsWriter::~ResultsWriter() {
  if (impl_ && !impl_->finished)
    spdlog::warn("results not finished; rows written so far are in hidden .*.partial files in the output folder");
}

void ResultsWriter::add_study(const StudyResult& study) {
  add_rendered(volumes_csv_rows(study), series_csv_rows(study), study_json(study));
}

void ResultsWriter::add_rendered(const std::string& volumes_rows, const std::string& series_rows,
                                 const std::string& study_object) {
  if (impl_->finished) throw Error(ErrorKind::Internal, "ResultsWriter::add_study after finish()");
  impl_->volumes.write(volumes_rows);
  impl_->series.write(series_rows);
  impl_->results.write((impl_->first_study ? "" : ",\n") + study_object);
  impl_->first_study = false;
}

void ResultsWriter::add_skipped(const std::vector<SkippedFile>& skipped) {
  for (const auto& s : skipped)
    impl_->skipped.push_back({{"path", s.path}, {"reason", s.reason}, {"is_error", s.is_error}});
}

void ResultsWriter::finish() {
  if (impl_->finished) return;
  impl_->results.write("\n],\"skipped\":" + impl_->skipped.dump(-1, ' ', false, json::error_handler_t::replace) +
                       "}\n");
  impl_->volumes.commit();
  impl_->series.commit();
  impl_->results.commit();
  impl_->finished = true;
}

}  // namespace mpmri
