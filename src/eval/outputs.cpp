// The paper-style tables (Markdown and HTML from one table model) and the evaluation HTML report.
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "eval/outputs.hpp"
#include "mpmri/report.hpp"

namespace mpmri::eval {

namespace fs = std::filesystem;

namespace {

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

std::string pct(double v) {
  if (!std::isfinite(v)) return "n/a";
  char b[32];
  std::snprintf(b, sizeof b, "%.1f%%", 100 * v);
  return b;
}
std::string dec(double v) {
  if (!std::isfinite(v)) return "n/a";
  char b[32];
  std::snprintf(b, sizeof b, "%.3f", v);
  return b;
}
std::string ci_text(const Interval& i, bool percent) {
  if (!std::isfinite(i.lo)) return "";
  char b[64];
  if (percent)
    std::snprintf(b, sizeof b, "%.1f\xE2\x80\x93%.1f%%", 100 * i.lo, 100 * i.hi);
  else
    std::snprintf(b, sizeof b, "%.3f\xE2\x80\x93%.3f", i.lo, i.hi);
  return b;
}

const Interval* find_ci(const Evaluation& e, const std::string& name) {
  if (!e.intervals) return nullptr;
  auto it = e.intervals->overall.find(name);
  return it == e.intervals->overall.end() ? nullptr : &it->second;
}

std::string with_ci(const Evaluation& e, int label, const char* name, double v, bool percent) {
  std::string s = percent ? pct(v) : dec(v);
  if (e.intervals && e.intervals->per_class.count(label)) {
    const auto& m = e.intervals->per_class.at(label);
    auto it = m.find(name);
    if (it != m.end() && std::isfinite(it->second.lo)) s += " (" + ci_text(it->second, percent) + ")";
  }
  return s;
}

Table per_class_table(const Evaluation& e) {
  Table t{{"Sequence", "n", "Accuracy", "Sensitivity", "Specificity", "F1"}, {}};
  for (const auto& c : e.figures.per_class)
    t.rows.push_back({column_name(c.label), std::to_string(c.support), with_ci(e, c.label, "accuracy", c.accuracy, true),
                      with_ci(e, c.label, "sensitivity", c.sensitivity, true),
                      with_ci(e, c.label, "specificity", c.specificity, true), with_ci(e, c.label, "f1", c.f1, false)});
  return t;
}

Table overall_table(const Evaluation& e) {
  const Figures& f = e.figures;
  PaperFigures paper;
  Table t{{"Figure", "Ours", "95% CI", "Paper, TCGA-LIHC external"}, {}};
  auto row = [&](const std::string& name, const char* key, double v, bool percent, std::string paper_value) {
    const Interval* ci = find_ci(e, key);
    t.rows.push_back({name, percent ? pct(v) : dec(v), ci ? ci_text(*ci, percent) : "", std::move(paper_value)});
  };
  row("Overall accuracy", "accuracy", f.accuracy, true, "");
  row("Macro-accuracy", "macro_accuracy", f.macro_accuracy, true, "");
  row("Macro-F1", "macro_f1", f.macro_f1, false, "");
  row("Micro-F1", "micro_f1", f.micro_f1, false, "");
  row("Weighted F1", "weighted_f1", f.weighted_f1, false, "");
  row("Cohen's kappa", "kappa", f.kappa, false, "");
  row("Macro-accuracy, without Other", "macro_accuracy_targets", f.macro_accuracy_targets, true, pct(paper.macro_accuracy));
  row("Macro-F1, without Other", "macro_f1_targets", f.macro_f1_targets, false, dec(paper.macro_f1));
  row("Micro-F1, without Other", "micro_f1_targets", f.micro_f1_targets, false, dec(paper.micro_f1));
  return t;
}

Table breakdown_table(const Evaluation& e) {
  Table t{{"By", "Group", "n", "Accuracy", "Macro-F1"}, {}};
  for (const auto& b : e.breakdowns) t.rows.push_back({b.by, b.group, std::to_string(b.n), pct(b.accuracy), dec(b.macro_f1)});
  return t;
}

std::string to_markdown(const Table& t) {
  std::string s = "|";
  for (const auto& h : t.header) s += " " + h + " |";
  s += "\n|";
  for (size_t i = 0; i < t.header.size(); ++i) s += i == 0 ? "---|" : "--:|";
  s += "\n";
  for (const auto& r : t.rows) {
    s += "|";
    for (const auto& c : r) s += " " + c + " |";
    s += "\n";
  }
  return s;
}

std::string to_html(const Table& t) {
  std::string s = "<table><thead><tr>";
  for (const auto& h : t.header) s += "<th>" + html_escape(h) + "</th>";
  s += "</tr></thead><tbody>";
  for (const auto& r : t.rows) {
    s += "<tr>";
    for (const auto& c : r) s += "<td>" + html_escape(c) + "</td>";
    s += "</tr>";
  }
  return s + "</tbody></table>";
}

std::string scope_line(const Evaluation& e) {
  std::set<std::string> studies;
  for (const auto& it : e.matching.items) studies.insert(it.study);
  long missing = 0;
  for (const auto& it : e.matching.items) missing += it.predicted == kMissing;
  std::string s = std::string(e.options.level == Level::Volume ? "Volume" : "Series") + " level: " +
                  std::to_string(e.figures.n) + " items from " + std::to_string(studies.size()) + " studies";
  if (missing) s += ", " + std::to_string(missing) + " without a prediction (counted wrong)";
  if (e.intervals)
    s += "; 95% CI: percentile bootstrap over studies, " + std::to_string(e.intervals->resamples) +
         " resamples, seed " + std::to_string(e.intervals->seed);
  return s + ".";
}

}  // namespace

std::string markdown_table(const Evaluation& e) {
  std::string s = scope_line(e) + "\n\n" + to_markdown(per_class_table(e)) + "\n" + to_markdown(overall_table(e));
  if (!e.breakdowns.empty()) s += "\n" + to_markdown(breakdown_table(e));
  s += "\nPer-class figures are one-vs-rest; averages follow scikit-learn (zero_division=0) over the classes present "
       "in truth or prediction. The paper has no Other class: compare its figures with the rows without Other.\n";
  return s;
}

void write_evaluation_html(const Evaluation& e, const std::string& confusion_png) {
  HtmlDocument doc(e.options.report_html, "Liver mpMRI series classification: evaluation");
  std::string summary = "<section><h2>Summary</h2><p>" + html_escape(scope_line(e)) + "</p><p>Predictions: <code>" +
                        html_escape(e.options.pred_dir) + "</code> &middot; truth: <code>" +
                        html_escape(e.options.truth_path) + "</code></p>";
  if (!e.matching.warnings.empty()) {
    summary += "<details><summary>" + std::to_string(e.matching.warnings.size()) + " warning(s)</summary><ul>";
    for (const auto& w : e.matching.warnings) summary += "<li>" + html_escape(w) + "</li>";
    summary += "</ul></details>";
  }
  doc.add_html(summary + "</section>");
  doc.add_html("<section><h2>Overall</h2>" + to_html(overall_table(e)) + "</section>");
  doc.add_html("<section><h2>Per class</h2>" + to_html(per_class_table(e)) + "</section>");
  doc.add_html("<section><h2>Confusion matrix</h2>");
  doc.add_png(confusion_png, "Rows: truth; columns: prediction; colour: share of the truth row.");
  doc.add_html("</section>");
  if (!e.breakdowns.empty()) doc.add_html("<section><h2>By scanner</h2>" + to_html(breakdown_table(e)) + "</section>");

  // Misclassified and missing items, grouped by study, as thumbnail cards with their truth.
  fs::path thumbs = fs::path(e.options.pred_dir) / "thumbnails";
  std::map<std::string, std::vector<ReportVolume>> wrong;
  std::vector<std::string> order;
  for (const auto& it : e.matching.items) {
    if (it.truth == it.predicted) continue;
    const TruthRow& t = e.truth[it.truth_row];
    ReportVolume v;
    v.study_uid = it.study;
    v.series_uid = t.series_uid;
    v.truth = column_name(it.truth);
    if (it.pred_row >= 0) {
      const PredRow& p = e.predictions[it.pred_row];
      v.series_description = p.series_description;
      v.series_number = p.series_number;
      v.volume_index = p.volume_index;
      v.temporal_index = p.temporal_index;
      v.confidence = p.confidence;
      v.evidence = p.evidence;
      char key[96] = "";
      int n = 0;
      if (p.echo_time_ms) n += std::snprintf(key + n, sizeof key - n, "TE=%g ", *p.echo_time_ms);
      if (p.b_value) n += std::snprintf(key + n, sizeof key - n, "b=%g ", *p.b_value);
      if (p.temporal_index) std::snprintf(key + n, sizeof key - n, "t=%d", *p.temporal_index);
      v.key = key;
      if (e.options.level == Level::Volume) v.thumbnail = (thumbs / thumbnail_file_name(p.series_uid, p.volume_index)).string();
    }
    if (it.predicted == kMissing) {
      v.status = "failed";
      v.reason = it.note;
    } else {
      v.label = column_name(it.predicted);
    }
    if (!wrong.count(it.study)) order.push_back(it.study);
    wrong[it.study].push_back(std::move(v));
  }
  size_t n_wrong = 0;
  for (const auto& [study, cards] : wrong) n_wrong += cards.size();
  doc.add_html("<section><h2>Misclassified</h2><p>" + std::to_string(n_wrong) +
               " item(s) whose prediction differs from the truth, by study; the red line gives the truth.</p></section>");
  int n = 0;
  for (const auto& s : order) doc.add_study("Study " + std::to_string(++n), wrong[s]);
  doc.finish();
}

}  // namespace mpmri::eval
