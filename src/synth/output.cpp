// Study-level outputs: NBIA folder names, merged labels.csv and metadata.csv, preview montages,
// synth.json's plan description and the in-memory truth API.
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "dicom_writer.hpp"
#include "mpmri/error.hpp"
#include "mpmri/io.hpp"
#include "study.hpp"

namespace mpmri::synth {

namespace fs = std::filesystem;

namespace {
std::string clean(const std::string& s) {
  std::string o;
  for (char c : s) o += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_') ? c : '-';
  return o.empty() ? "NA" : o;
}
std::string last5(const std::string& uid) { return uid.size() > 5 ? uid.substr(uid.size() - 5) : uid; }

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every per-study file called `name` below out_dir (but not out_dir/name itself), sorted for stable output.
std::vector<fs::path> per_study_files(const std::string& out_dir, const std::string& name) {
  std::vector<fs::path> found;
  fs::path top = fs::path(out_dir) / name;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(out_dir, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file(ec) && it->path().filename() == name && it->path() != top) found.push_back(it->path());
  }
  std::sort(found.begin(), found.end());
  return found;
}
}  // namespace

std::string nbia_study_dir(const StudyPlan& plan) {
  const std::string& d = plan.study_date;
  std::string desc = plan.study_description.empty() ? "NA" : clean(plan.study_description);
  return "SYNTH-LIVER-MPMRI/" + plan.patient_id + "/" + d.substr(4, 2) + "-" + d.substr(6, 2) + "-" + d.substr(0, 4) + "-NA-" +
         desc + "-" + last5(plan.study_uid);
}

std::string nbia_series_dir(const StudyPlan& plan, const SeriesPlan& s) {
  std::string desc = plan.deidentified || s.description.empty() ? "NA" : clean(s.description);
  return nbia_study_dir(plan) + "/" + std::to_string(s.number) + ".000000-" + desc + "-" +
         last5(make_uid(plan.seed, 2, std::uint64_t(s.number)));
}

void merge_labels(const std::string& out_dir) {
  std::string merged = labels_csv_header() + "\n";
  std::set<std::string> seen;  // a study regenerated elsewhere must not appear twice
  for (const fs::path& p : per_study_files(out_dir, "labels.csv")) {
    std::istringstream in(read_all(p));
    std::string line;
    bool first = true;
    while (std::getline(in, line)) {
      if (first) {
        first = false;
        if (line != labels_csv_header()) throw Error(ErrorKind::Input, p.string() + " is not a labels.csv written by mpmri-synth");
        continue;
      }
      if (!line.empty() && seen.insert(line).second) merged += line + "\n";
    }
  }
  write_file_atomic((fs::path(out_dir) / "labels.csv").string(), merged);
}

void merge_nbia_metadata(const std::string& out_dir) {
  std::string merged =
      "Series UID,Collection,3rd Party Analysis,Data Description URI,Subject ID,Study UID,Study Description,Study Date,"
      "Series Description,Manufacturer,Modality,SOP Class Name,SOP Class UID,Number of Images,File Size,File Location,"
      "Download Timestamp\n";
  for (const fs::path& p : per_study_files(out_dir, "metadata.part.csv")) merged += read_all(p);
  write_file_atomic((fs::path(out_dir) / "metadata.csv").string(), merged);
}

void write_preview_png(const StudyRender& s, const std::string& path) {
  const int tile = 150, label_h = 16;
  std::vector<cv::Mat> tiles;
  for (size_t si = 0; si < s.plan.series.size(); ++si) {
    const SeriesPlan& se = s.plan.series[si];
    for (size_t vi = 0; vi < se.volumes.size(); ++vi) {
      const Rendered& r = s.images[si][vi];
      const VolumePlan& v = se.volumes[vi];
      int k = r.nz / 2;
      cv::Mat sl(r.ny, r.nx, CV_32F, const_cast<float*>(r.data.data() + size_t(k) * r.nx * r.ny));
      std::vector<float> vals(sl.begin<float>(), sl.end<float>());
      std::nth_element(vals.begin(), vals.begin() + long(vals.size() * 995 / 1000), vals.end());
      float hi = std::max(vals[vals.size() * 995 / 1000], 1e-6f);
      cv::Mat u8;
      sl.convertTo(u8, CV_8U, 255.0 / hi);
      // Show at true aspect ratio within the tile.
      double w = r.nx * v.geo.px, h = r.ny * v.geo.py, sc = tile / std::max(w, h);
      cv::Mat resized;
      cv::resize(u8, resized, cv::Size(std::max(1, int(w * sc)), std::max(1, int(h * sc))), 0, 0, cv::INTER_AREA);
      cv::Mat t(tile + label_h, tile, CV_8U, cv::Scalar(0));
      resized.copyTo(t(cv::Rect((tile - resized.cols) / 2, label_h + (tile - resized.rows) / 2, resized.cols, resized.rows)));
      std::string text = std::string(to_string(v.label));
      if (v.label == Label::Other) text = v.kind;
      cv::putText(t, text, {2, 12}, cv::FONT_HERSHEY_SIMPLEX, 0.38, cv::Scalar(255), 1, cv::LINE_AA);
      tiles.push_back(t);
    }
  }
  const int cols = 6, rows = int((tiles.size() + cols - 1) / cols);
  cv::Mat canvas(rows * (tile + label_h), cols * tile, CV_8U, cv::Scalar(0));
  for (size_t i = 0; i < tiles.size(); ++i)
    tiles[i].copyTo(canvas(cv::Rect(int(i % cols) * tile, int(i / cols) * (tile + label_h), tile, tile + label_h)));
  write_file_atomic(path, encode_png(canvas.data, canvas.cols, canvas.rows, PngPixels::Gray, canvas.step[0]));
}

nlohmann::json StudyPlan::describe() const {
  return {{"index", index}, {"domain", domain}, {"vendor", vendor_name(vendor)}, {"model", model}, {"field_strength_t", field_t},
          {"deidentified", deidentified}, {"transfer_syntax", transfer_syntax}, {"study_uid", study_uid},
          {"patient_id", patient_id}, {"study_date", study_date}, {"agent", agent}, {"injection_time_of_day_s", injection_s},
          {"aortic_arrival_s", arrival_s}, {"dose_scale", dose_scale}, {"phase_rule", phase_rule}};
}

void merge_study_labels(const std::string& out_dir) { merge_labels(out_dir); }

StudyTruth render_study_truth(const SynthOptions& options, int index, bool noise_free) {
  RenderFlags f;
  f.noise = !noise_free;
  f.truth = true;
  StudyRender s = render_study(options, index, f);
  StudyTruth truth;
  truth.json = study_json(s, options, index).dump();
  std::vector<TruthVolume>& out = truth.volumes;
  for (size_t si = 0; si < s.plan.series.size(); ++si) {
    const SeriesPlan& se = s.plan.series[si];
    for (size_t vi = 0; vi < se.volumes.size(); ++vi) {
      const VolumePlan& v = se.volumes[vi];
      Rendered& r = s.images[si][vi];
      TruthVolume t;
      t.image.size = {r.nx, r.ny, r.nz};
      t.image.spacing = {v.geo.px, v.geo.py, v.geo.thickness + v.geo.gap};
      Vec3 o = voxel_position(v.geo, 0, 0, 0);
      t.image.origin = {o.x, o.y, o.z};
      t.image.direction = {v.geo.row_dir.x, v.geo.col_dir.x, v.geo.normal.x, v.geo.row_dir.y, v.geo.col_dir.y,
                           v.geo.normal.y, v.geo.row_dir.z, v.geo.col_dir.z, v.geo.normal.z};
      t.image.voxels = std::move(r.data);
      t.tissue = std::move(r.tissue);
      t.purity = std::move(r.purity);
      t.label = v.label;
      t.series_kind = v.kind;
      t.echo_time_ms = v.seq.te;
      t.b_value = v.seq.family == Family::EpiDwi ? v.seq.b : -1;
      t.seconds_after_injection = v.seq.t_inj;
      t.series_number = se.number;
      out.push_back(std::move(t));
    }
  }
  return truth;
}

}  // namespace mpmri::synth
