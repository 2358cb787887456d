// `mpmri-classify inspect DIR... [--json] [--decode]`: what the loader sees, one row per volume.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "command.hpp"
#include "mpmri/dicom.hpp"

namespace mpmri::cli {

namespace {

struct InspectOptions {
  std::vector<std::string> inputs;
  bool json = false;
  bool decode = false;
  int jobs = 0;
};

std::string num(const std::optional<double>& v) {
  if (!v) return "";
  std::ostringstream s;
  s << std::round(*v * 1000.0) / 1000.0;
  return s.str();
}
std::string num(const std::optional<int>& v) { return v ? std::to_string(*v) : ""; }
template <typename T>
nlohmann::json opt(const std::optional<T>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

// Tabs and newlines in free-text fields would break the table.
std::string cell(std::string s) {
  std::replace_if(s.begin(), s.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
  return s;
}

std::string hms(const std::optional<double>& s) {
  if (!s) return "";
  char buf[32];
  int t = static_cast<int>(*s);
  std::snprintf(buf, sizeof buf, "%02d:%02d:%06.3f", t / 3600, (t / 60) % 60, *s - (t / 60) * 60);
  return buf;
}

struct Row {
  const VolumeInfo* v;
  std::string decode_status;  // empty unless --decode
};

const char* kColumns[] = {"study_uid", "series_uid", "volume", "series_number", "series_description", "protocol",
                          "manufacturer", "model", "field_T", "sequence_name", "scanning_sequence", "sequence_variant",
                          "scan_options", "image_type", "TR_ms", "TE_ms", "TI_ms", "flip_deg", "echo", "b_value",
                          "b_source", "temporal_index", "acquisition_time", "contrast_agent", "plane", "dims",
                          "spacing_mm", "slices", "split_key", "warnings"};

std::vector<std::string> cells(const VolumeInfo& v) {
  const HeaderInfo& h = v.header;
  std::ostringstream dims, spacing;
  dims << v.matrix[0] << "x" << v.matrix[1] << "x" << v.slices.size();
  double dz = 0;
  if (v.slices.size() > 1) {
    const auto& a = v.slices.front().position;
    const auto& b = v.slices.back().position;
    dz = std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2])) /
         double(v.slices.size() - 1);
  }
  spacing << num(std::optional<double>(v.pixel_spacing[0])) << "x" << num(std::optional<double>(v.pixel_spacing[1])) << "x"
          << num(std::optional<double>(dz));
  return {h.study_uid, h.series_uid, std::to_string(v.volume_index + 1) + "/" + std::to_string(v.volumes_in_series),
          std::to_string(h.series_number), cell(h.series_description), cell(h.protocol_name), cell(h.manufacturer),
          cell(h.manufacturer_model), num(h.field_strength_t), cell(h.sequence_name), h.scanning_sequence,
          h.sequence_variant, h.scan_options, join(h.image_type, "\\"), num(h.repetition_time_ms), num(h.echo_time_ms),
          num(h.inversion_time_ms), num(h.flip_angle_deg), num(h.echo_number), num(h.b_value), h.b_value_source,
          num(h.temporal_index), hms(h.acquisition_time_s), cell(h.contrast_agent), v.plane, dims.str(), spacing.str(),
          std::to_string(v.slices.size()), v.key.describe(), cell(join(v.warnings, "; "))};
}

nlohmann::json to_json(const Row& row) {
  const VolumeInfo& v = *row.v;
  nlohmann::json j;
  auto c = cells(v);
  for (size_t i = 0; i < c.size(); ++i) j[kColumns[i]] = c[i];
  const HeaderInfo& h = v.header;
  // Numbers stay numbers in JSON; the table's text forms are replaced.
  j["series_number"] = h.series_number;
  j["field_T"] = opt(h.field_strength_t);
  j["TR_ms"] = opt(h.repetition_time_ms);
  j["TE_ms"] = opt(h.echo_time_ms);
  j["TI_ms"] = opt(h.inversion_time_ms);
  j["flip_deg"] = opt(h.flip_angle_deg);
  j["echo"] = opt(h.echo_number);
  j["b_value"] = opt(h.b_value);
  j["temporal_index"] = opt(h.temporal_index);
  j["acquisition_time_s"] = opt(h.acquisition_time_s);
  j["image_type"] = h.image_type;
  j["warnings"] = v.warnings;
  j["slices"] = v.slices.size();
  j["matrix"] = v.matrix;
  j["pixel_spacing"] = v.pixel_spacing;
  j["transfer_syntax"] = h.transfer_syntax_uid;
  j["enhanced"] = h.enhanced;
  j["mosaic"] = h.mosaic;
  j["photometric"] = h.photometric;
  if (!row.decode_status.empty()) j["decode"] = row.decode_status;
  return j;
}

ExitCode run_inspect(const InspectOptions& o) {
  ScanOptions scan;
  scan.threads = o.jobs;
  ScanResult result = scan_folders(o.inputs, scan);
  Outcome outcome;
  std::vector<Row> rows;
  for (const auto& study : result.studies)
    for (const auto& series : study.series)
      for (const auto& v : series.volumes) rows.push_back({&v, ""});
  for (auto& row : rows) {
    bool ok = true;
    if (o.decode) {
      try {
        VolumeImage img = load_volume(*row.v, scan);
        auto [lo, hi] = std::minmax_element(img.voxels.begin(), img.voxels.end());
        std::ostringstream s;
        s << "ok min=" << *lo << " max=" << *hi;
        row.decode_status = s.str();
      } catch (const Error& e) {
        row.decode_status = std::string("failed: ") + e.what();
        ok = false;
      }
    }
    (ok ? outcome.ok : outcome.failed)++;
  }
  outcome.failed += static_cast<long>(result.failed.size());
  if (o.json) {
    nlohmann::json out;
    out["volumes"] = nlohmann::json::array();
    for (const auto& row : rows) out["volumes"].push_back(to_json(row));
    out["skipped"] = nlohmann::json::array();
    for (const auto& s : result.skipped) out["skipped"].push_back({{"path", s.path}, {"reason", s.reason}});
    out["failed"] = nlohmann::json::array();
    for (const auto& f : result.failed)
      out["failed"].push_back({{"study_uid", f.study_uid}, {"series_uid", f.series_uid}, {"reason", f.reason}});
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << join(std::vector<std::string>(std::begin(kColumns), std::end(kColumns)), "\t") << (o.decode ? "\tdecode" : "") << "\n";
    for (const auto& row : rows) std::cout << join(cells(*row.v), "\t") << (o.decode ? "\t" + row.decode_status : "") << "\n";
    if (!result.skipped.empty()) {
      std::cout << "\n# skipped files\npath\treason\n";
      for (const auto& s : result.skipped) std::cout << cell(s.path) << "\t" << cell(s.reason) << "\n";
    }
    if (!result.failed.empty()) {
      std::cout << "\n# failed\nseries_uid\treason\n";
      for (const auto& f : result.failed) std::cout << f.series_uid << "\t" << cell(f.reason) << "\n";
    }
  }
  return outcome.exit_code();
}

}  // namespace

void add_inspect_command(CLI::App& app, CommandSlot& slot) {
  auto opts = std::make_shared<InspectOptions>();
  auto* sub = app.add_subcommand("inspect", "List the volumes the loader finds under DIR... (one row per volume)");
  sub->add_option("inputs", opts->inputs, "Folders or files")->required()->check(CLI::ExistingPath);
  sub->add_flag("--json", opts->json, "Write JSON instead of a tab-separated table");
  sub->add_flag("--decode", opts->decode, "Also decode every volume and report failures");
  sub->add_option("-j,--jobs", opts->jobs, "Worker threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  sub->callback([&slot, opts] { slot.run = [opts] { return run_inspect(*opts); }; });
}

}  // namespace mpmri::cli
