// The self-contained HTML report: thumbnails inlined as base64 so the one file can be mailed or archived.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mpmri/error.hpp"
#include "mpmri/io.hpp"
#include "mpmri/report.hpp"

namespace mpmri {

namespace fs = std::filesystem;

namespace {

std::string base64(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    out += {t[v >> 18], t[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
  }
  return out;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// One hue per class family, so a reader spots a DCE phase among T1s at a glance.
const char* label_colour(const std::string& label) {
  auto l = parse_label(label);
  if (!l) return "#6b7280";
  switch (*l) {
    case Label::T1WI_In: return "#2563eb";
    case Label::T1WI_Opp: return "#4f46e5";
    case Label::T2WI_Fs: return "#0891b2";
    case Label::DWI_HighB: return "#059669";
    case Label::ADC: return "#65a30d";
    case Label::DCE_Pre: return "#b45309";
    case Label::DCE_Arterial: return "#dc2626";
    case Label::DCE_Portal: return "#c026d3";
    case Label::DCE_Delayed: return "#7c3aed";
    default: return "#6b7280";
  }
}

bool is_localizer(const ReportVolume& v) {
  std::string d = v.series_description + " " + v.image_type;
  std::transform(d.begin(), d.end(), d.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* w : {"localizer", "localiser", "survey", "scout", "3plane", "3-plane", "loc "})
    if (d.find(w) != std::string::npos) return true;
  return false;
}

const char* kStyle = R"CSS(
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 -apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;color:#1f2937;background:#f3f4f6}
header{background:#111827;color:#f9fafb;padding:18px 32px}
header h1{margin:0;font-size:20px;font-weight:600}
header .sub{color:#9ca3af;font-size:12px;margin-top:4px}
main{padding:20px 32px;max-width:1500px}
section{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:16px 20px;margin-bottom:20px}
h2{font-size:16px;margin:0 0 12px;font-weight:600}
h2 .uid{font:12px monospace;color:#6b7280;font-weight:400;margin-left:8px}
h3{font-size:14px;margin:16px 0 8px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(168px,1fr));gap:12px}
.card{border:1px solid #e5e7eb;border-radius:6px;overflow:hidden;background:#fff}
.card.wrong{border:2px solid #dc2626}
.card.failed{border:2px dashed #9ca3af}
.thumb{background:#000;height:148px;display:flex;align-items:center;justify-content:center}
.thumb img{max-width:100%;max-height:148px;image-rendering:auto}
.thumb .none{color:#6b7280;font-size:12px}
.meta{padding:7px 9px}
.badge{display:inline-block;color:#fff;border-radius:4px;padding:1px 7px;font-size:12px;font-weight:600}
.conf{float:right;font-size:12px;color:#374151}
.bar{height:4px;background:#e5e7eb;border-radius:2px;margin:5px 0}
.bar span{display:block;height:4px;border-radius:2px;background:#374151}
.desc{font-size:12px;font-weight:600;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.key{font:11px monospace;color:#6b7280}
.truth{font-size:12px;color:#dc2626;font-weight:600}
.ev{font-size:11px;color:#4b5563;max-height:4.4em;overflow:hidden}
table{border-collapse:collapse;font-size:13px}
th,td{border-bottom:1px solid #e5e7eb;padding:4px 10px;text-align:right}
th:first-child,td:first-child{text-align:left}
thead th{background:#f9fafb;font-weight:600}
figure{margin:0}figure img{max-width:min(100%,760px)}figcaption{font-size:12px;color:#6b7280}
)CSS";

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  return out;
}

void sort_reading_order(std::vector<ReportVolume>& volumes) {
  auto rank = [](const ReportVolume& v) {
    if (is_localizer(v)) return -1;
    auto l = parse_label(v.label);
    return l ? index_of(*l) : kNumLabels;  // unreadable or failed volumes last
  };
  std::stable_sort(volumes.begin(), volumes.end(), [&](const ReportVolume& a, const ReportVolume& b) {
    int ra = rank(a), rb = rank(b);
    if (ra != rb) return ra < rb;
    if (a.series_number != b.series_number) return a.series_number < b.series_number;
    if (a.temporal_index != b.temporal_index) return a.temporal_index.value_or(0) < b.temporal_index.value_or(0);
    return a.volume_index < b.volume_index;
  });
}

std::vector<ReportVolume> read_report_volumes(const std::string& volumes_csv) {
  CsvTable t = read_csv_file(volumes_csv);
  for (const char* need : {"study_uid", "series_uid", "volume_index", "label"})
    if (t.column(need) < 0) throw Error(ErrorKind::Input, volumes_csv + ": no column " + need);
  auto col = [&](const std::vector<std::string>& row, const char* name) {
    int i = t.column(name);
    return i < 0 ? std::string() : row[i];
  };
  std::vector<ReportVolume> out;
  for (const auto& row : t.rows) {
    ReportVolume v;
    v.study_uid = col(row, "study_uid");
    v.series_uid = col(row, "series_uid");
    v.series_description = col(row, "series_description");
    v.image_type = col(row, "image_type");
    v.series_number = std::atoi(col(row, "series_number").c_str());
    v.volume_index = std::atoi(col(row, "volume_index").c_str());
    std::string te = col(row, "echo_time_ms"), b = col(row, "b_value"), ti = col(row, "temporal_index");
    if (!te.empty()) v.key += "TE=" + te;
    if (!b.empty()) v.key += (v.key.empty() ? "" : " ") + std::string("b=") + b;
    if (!ti.empty()) {
      v.key += (v.key.empty() ? "" : " ") + std::string("t=") + ti;
      v.temporal_index = std::atoi(ti.c_str());
    }
    v.label = col(row, "label");
    v.confidence = std::atof(col(row, "confidence").c_str());
    v.status = col(row, "status");
    v.reason = col(row, "reason");
    v.evidence = col(row, "evidence");
    out.push_back(std::move(v));
  }
  return out;
}

struct HtmlDocument::Impl {
  fs::path final_path, partial_path;
  std::ofstream out;
  bool finished = false;
  void write(const std::string& s) {
    out << s;
    if (!out) throw Error(ErrorKind::Io, "failed writing " + partial_path.string());
  }
};

HtmlDocument::HtmlDocument(const std::string& path, const std::string& title) : impl_(std::make_unique<Impl>()) {
  impl_->final_path = path;
  fs::path dir = impl_->final_path.parent_path();
  std::error_code ec;
  if (!dir.empty()) fs::create_directories(dir, ec);
  impl_->partial_path = dir / ("." + impl_->final_path.filename().string() + ".partial");
  impl_->out.open(impl_->partial_path, std::ios::binary);
  if (!impl_->out) throw Error(ErrorKind::Io, "cannot write " + impl_->partial_path.string());
  impl_->write("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta name=\"viewport\" "
               "content=\"width=device-width,initial-scale=1\">\n<title>" +
               html_escape(title) + "</title>\n<style>" + kStyle + "</style></head><body>\n<header><h1>" +
               html_escape(title) + "</h1><div class=\"sub\">mpmri-classify " + html_escape(tool_version()) +
               " &middot; research use only, not for diagnosis</div></header>\n<main>\n");
}

HtmlDocument::~HtmlDocument() {
  if (impl_ && !impl_->finished) {
    impl_->out.close();
    std::error_code ec;
    fs::remove(impl_->partial_path, ec);  // an unfinished report is useless; the CSVs keep the results
  }
}

void HtmlDocument::add_html(const std::string& trusted_markup) { impl_->write(trusted_markup + "\n"); }

void HtmlDocument::add_png(const std::string& png_path, const std::string& caption) {
  auto bytes = read_file(png_path);
  if (!bytes) throw Error(ErrorKind::Io, "cannot read " + png_path + " for the HTML report");
  impl_->write("<figure><img alt=\"" + html_escape(caption) + "\" src=\"data:image/png;base64," + base64(*bytes) +
               "\"><figcaption>" + html_escape(caption) + "</figcaption></figure>\n");
}

std::string study_section_html(const std::string& heading, std::vector<ReportVolume> volumes) {
  sort_reading_order(volumes);
  std::string s = "<section><h2>" + html_escape(heading);
  if (!volumes.empty()) s += "<span class=\"uid\">" + html_escape(volumes.front().study_uid) + "</span>";
  s += "</h2><div class=\"grid\">\n";
  for (const auto& v : volumes) {
    bool failed = v.status == "failed";
    bool wrong = !v.truth.empty() && v.truth != v.label;
    s += std::string("<div class=\"card") + (failed ? " failed" : wrong ? " wrong" : "") + "\"><div class=\"thumb\">";
    auto png = v.thumbnail.empty() ? std::nullopt : read_file(v.thumbnail);
    if (png)
      s += "<img alt=\"series " + std::to_string(v.series_number) + "\" src=\"data:image/png;base64," + base64(*png) +
           "\">";
    else
      s += "<span class=\"none\">no thumbnail</span>";
    s += "</div><div class=\"meta\">";
    if (failed) {
      s += "<span class=\"badge\" style=\"background:#9ca3af\">failed</span>";
    } else {
      char conf[32];
      std::snprintf(conf, sizeof conf, "%.0f%%", 100.0 * v.confidence);
      s += "<span class=\"badge\" style=\"background:" + std::string(label_colour(v.label)) + "\">" +
           html_escape(v.label) + "</span><span class=\"conf\">" + conf + "</span><div class=\"bar\"><span style=\"width:" +
           conf + "\"></span></div>";
    }
    if (wrong) s += "<div class=\"truth\">truth: " + html_escape(v.truth) + "</div>";
    s += "<div class=\"desc\" title=\"" + html_escape(v.series_description) + "\">#" + std::to_string(v.series_number) +
         " " + html_escape(v.series_description.empty() ? "(no description)" : v.series_description) + "</div>";
    s += "<div class=\"key\">vol " + std::to_string(v.volume_index) + (v.key.empty() ? "" : " &middot; ") +
         html_escape(v.key) + "</div>";
    const std::string& words = failed ? v.reason : v.evidence;
    if (!words.empty()) s += "<div class=\"ev\" title=\"" + html_escape(words) + "\">" + html_escape(words) + "</div>";
    s += "</div></div>\n";
  }
  return s + "</div></section>\n";
}

void HtmlDocument::add_study(const std::string& heading, std::vector<ReportVolume> volumes) {
  impl_->write(study_section_html(heading, std::move(volumes)));
}

void HtmlDocument::finish() {
  if (impl_->finished) return;
  impl_->write("</main></body></html>\n");
  impl_->out.close();
  if (!impl_->out) throw Error(ErrorKind::Io, "failed closing " + impl_->partial_path.string());
  std::error_code ec;
  fs::rename(impl_->partial_path, impl_->final_path, ec);
  if (ec) throw Error(ErrorKind::Io, "cannot rename into " + impl_->final_path.string() + ": " + ec.message());
  impl_->finished = true;
}

}  // namespace mpmri
