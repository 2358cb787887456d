// The classify run's HTML report, streamed per study; the summary at the top is only known at the end,
// so study sections wait in a hidden body file and finish() writes summary + body into the document.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "mpmri/error.hpp"
#include "mpmri/report.hpp"

namespace mpmri {

namespace fs = std::filesystem;

namespace {
std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
}  // namespace

std::vector<ReportVolume> report_volumes(const StudyResult& study, const std::string& out_dir) {
  std::vector<ReportVolume> out;
  for (const auto& r : study.volumes) {
    const auto& h = r.info.header;
    ReportVolume v;
    v.study_uid = study.study_uid.empty() ? h.study_uid : study.study_uid;
    v.series_uid = h.series_uid;
    v.series_description = h.series_description.empty() ? h.protocol_name : h.series_description;
    for (const auto& part : h.image_type) v.image_type += (v.image_type.empty() ? "" : "\\") + part;
    v.series_number = h.series_number;
    v.volume_index = r.info.volume_index;
    auto te = r.info.echo_time_ms();
    auto b = r.info.b_value();
    v.temporal_index = r.info.temporal_index();
    if (te) v.key += "TE=" + fmt(*te);
    if (b) v.key += (v.key.empty() ? "" : " ") + std::string("b=") + fmt(*b);
    if (v.temporal_index) v.key += (v.key.empty() ? "" : " ") + std::string("t=") + std::to_string(*v.temporal_index);
    bool ok = r.status == VolumeStatus::Ok;
    v.status = ok ? "ok" : "failed";
    v.label = ok ? std::string(to_string(r.label)) : "";
    v.confidence = r.confidence;
    v.reason = r.reason;
    v.evidence = r.evidence;
    v.thumbnail = (fs::path(out_dir) / "thumbnails" / thumbnail_file_name(v.series_uid, v.volume_index)).string();
    out.push_back(std::move(v));
  }
  return out;
}

struct HtmlReport::Impl {
  std::string html_path, out_dir;
  fs::path body_path;
  std::ofstream body;
  long studies = 0, ok = 0, failed = 0;
  bool finished = false;
};

HtmlReport::HtmlReport(const std::string& html_path, const std::string& out_dir) : impl_(std::make_unique<Impl>()) {
  impl_->html_path = html_path;
  impl_->out_dir = out_dir;
  fs::path target(html_path);
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  impl_->body_path = target.parent_path() / ("." + target.filename().string() + ".body.partial");
  impl_->body.open(impl_->body_path, std::ios::binary);
  if (!impl_->body) throw Error(ErrorKind::Io, "cannot write " + impl_->body_path.string());
}

HtmlReport::~HtmlReport() {
  if (!impl_) return;
  impl_->body.close();
  std::error_code ec;
  fs::remove(impl_->body_path, ec);
}

void HtmlReport::add_study(const StudyResult& study) {
  auto volumes = report_volumes(study, impl_->out_dir);
  for (const auto& v : volumes) (v.status == "ok" ? impl_->ok : impl_->failed)++;
  ++impl_->studies;
  std::string section = study_section_html("Study " + std::to_string(impl_->studies), std::move(volumes));
  impl_->body << section << "\n";
  if (!impl_->body) throw Error(ErrorKind::Io, "failed writing " + impl_->body_path.string());
}

void HtmlReport::finish() {
  if (impl_->finished) return;
  impl_->body.close();
  HtmlDocument doc(impl_->html_path, "Liver mpMRI series classification");
  doc.add_html("<section><h2>Summary</h2><p>Studies: " + std::to_string(impl_->studies) + " &middot; volumes: " +
               std::to_string(impl_->ok + impl_->failed) + " (" + std::to_string(impl_->ok) + " classified, " +
               std::to_string(impl_->failed) + " failed). Output folder: <code>" +
               html_escape(impl_->out_dir) +
               "</code>. Each card shows the middle slice of one volume with the predicted label, its confidence "
               "and the header evidence; studies are laid out in reading order.</p></section>");
  std::ifstream in(impl_->body_path, std::ios::binary);
  std::string chunk(1 << 20, '\0');
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    if (in.gcount() > 0) doc.add_html(chunk.substr(0, static_cast<size_t>(in.gcount())));
  }
  doc.finish();
  impl_->finished = true;
}

void write_classify_report(const std::string& out_dir, const std::string& html_path) {
  fs::path dir(out_dir);
  auto volumes = read_report_volumes((dir / "volumes.csv").string());
  HtmlDocument report(html_path, "Liver mpMRI series classification");
  long ok = 0, failed = 0, studies = 0;
  for (size_t i = 0; i < volumes.size(); ++i) {
    auto& v = volumes[i];
    (v.status == "failed" ? failed : ok)++;
    studies += (i == 0 || volumes[i - 1].study_uid != v.study_uid);
    v.thumbnail = (dir / "thumbnails" / thumbnail_file_name(v.series_uid, v.volume_index)).string();
  }
  report.add_html("<section><h2>Summary</h2><p>Studies: " + std::to_string(studies) + " &middot; volumes: " +
                  std::to_string(ok + failed) + " (" + std::to_string(ok) + " classified, " +
                  std::to_string(failed) + " failed). Output folder: <code>" + html_escape(out_dir) +
                  "</code>. Thumbnails show the middle slice of each volume.</p></section>");
  // volumes.csv holds each study's rows together (written per study), so one pass groups them.
  size_t i = 0;
  int n = 0;
  while (i < volumes.size()) {
    size_t j = i;
    while (j < volumes.size() && volumes[j].study_uid == volumes[i].study_uid) ++j;
    report.add_study("Study " + std::to_string(++n),
                     std::vector<ReportVolume>(volumes.begin() + long(i), volumes.begin() + long(j)));
    i = j;
  }
  report.finish();
}

}  // namespace mpmri
