// The evaluate command's work: read, match, compute, and write every output into one folder.
#include <spdlog/spdlog.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "eval/outputs.hpp"
#include "mpmri/error.hpp"
#include "mpmri/eval.hpp"
#include "mpmri/io.hpp"
#include "mpmri/report.hpp"

namespace mpmri::eval {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }  // NaN (undefined) -> null

json interval_json(const Interval& i) { return {num(i.lo), num(i.hi)}; }

std::string fixed(double v, int digits = 6) {
  if (!std::isfinite(v)) return "";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::vector<Breakdown> breakdowns(const std::vector<Item>& items, const std::vector<int>& classes) {
  std::vector<Breakdown> out;
  for (const char* by : {"manufacturer", "field_strength"}) {
    std::map<std::string, std::pair<std::vector<int>, std::vector<int>>> groups;
    for (const auto& it : items) {
      const std::string& g = std::string(by) == "manufacturer" ? it.manufacturer : it.field_strength;
      auto& [t, p] = groups[g.empty() ? "(unknown)" : g];
      t.push_back(it.truth);
      p.push_back(it.predicted);
    }
    if (groups.size() == 1 && groups.begin()->first == "(unknown)") continue;  // the data do not carry it
    for (auto& [g, tp] : groups) {
      Figures f = compute_figures(tp.first, tp.second, classes);
      out.push_back({by, g, f.n, f.accuracy, f.macro_f1});
    }
  }
  return out;
}

json figures_overall(const Figures& f) {
  return {{"accuracy", num(f.accuracy)},
          {"macro_accuracy", num(f.macro_accuracy)},
          {"macro_f1", num(f.macro_f1)},
          {"micro_f1", num(f.micro_f1)},
          {"weighted_f1", num(f.weighted_f1)},
          {"macro_precision", num(f.macro_precision)},
          {"macro_recall", num(f.macro_recall)},
          {"kappa", num(f.kappa)},
          {"macro_accuracy_targets", num(f.macro_accuracy_targets)},
          {"macro_f1_targets", num(f.macro_f1_targets)},
          {"micro_f1_targets", num(f.micro_f1_targets)}};
}

std::string metrics_json(const Evaluation& e) {
  const Figures& f = e.figures;
  json classes = json::array();
  for (int c : f.classes) classes.push_back(column_name(c));
  json per = json::array();
  for (const auto& c : f.per_class) {
    json j = {{"label", column_name(c.label)}, {"support", c.support}, {"tp", c.tp}, {"fp", c.fp},
              {"fn", c.fn}, {"tn", c.tn}, {"accuracy", num(c.accuracy)}, {"sensitivity", num(c.sensitivity)},
              {"specificity", num(c.specificity)}, {"precision", num(c.precision)}, {"f1", num(c.f1)}};
    if (e.intervals && e.intervals->per_class.count(c.label)) {
      json ci = json::object();
      for (const auto& [name, iv] : e.intervals->per_class.at(c.label)) ci[name] = interval_json(iv);
      j["ci95"] = ci;
    }
    per.push_back(j);
  }
  ConfusionView cv = confusion_view(f);
  json missing = json::array();
  for (const auto& it : e.matching.items) {
    if (it.predicted != kMissing) continue;
    const TruthRow& t = e.truth[it.truth_row];
    missing.push_back({{"line", t.line}, {"series_uid", t.series_uid}, {"truth", column_name(it.truth)}, {"note", it.note}});
  }
  json unscored = json::array();
  for (int r : e.matching.unscored_truth) unscored.push_back({{"line", e.truth[r].line}, {"series_uid", e.truth[r].series_uid}});
  json bd = json::array();
  for (const auto& b : e.breakdowns)
    bd.push_back({{"by", b.by}, {"group", b.group}, {"n", b.n}, {"accuracy", num(b.accuracy)}, {"macro_f1", num(b.macro_f1)}});
  PaperFigures paper;
  json j = {{"tool", "mpmri-classify evaluate"},
            {"version", tool_version()},
            {"level", e.options.level == Level::Volume ? "volume" : "series"},
            {"pred", e.options.pred_dir},
            {"truth", e.options.truth_path},
            {"conventions",
             "scikit-learn 1.2 definitions, zero_division=0; averaged classes = labels present in truth or "
             "prediction; *_targets = the same without Other; missing predictions count as wrong"},
            {"n", f.n},
            {"n_missing", missing.size()},
            {"unlabelled_predictions", e.matching.unlabelled_predictions},
            {"classes", classes},
            {"overall", figures_overall(f)},
            {"per_class", per},
            {"confusion", {{"rows", cv.row_names}, {"columns", cv.col_names}, {"counts", cv.counts}}},
            {"confusion_row_normalised", cv.shares},
            {"breakdowns", bd},
            {"missing", missing},
            {"unscored_truth", unscored},
            {"warnings", e.matching.warnings},
            {"paper_external", {{"macro_accuracy", paper.macro_accuracy}, {"macro_f1", paper.macro_f1},
                                {"micro_f1", paper.micro_f1}}}};
  if (e.intervals) {
    json ci = json::object();
    for (const auto& [name, iv] : e.intervals->overall) ci[name] = interval_json(iv);
    j["ci95"] = {{"method", "percentile bootstrap over studies"}, {"resamples", e.intervals->resamples},
                 {"seed", e.intervals->seed}, {"overall", ci}};
  }
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string per_class_csv(const Evaluation& e) {
  std::string s = "label,support,tp,fp,fn,tn,accuracy,sensitivity,specificity,precision,f1,f1_ci_lo,f1_ci_hi\n";
  for (const auto& c : e.figures.per_class) {
    Interval iv{NAN, NAN, 0};
    if (e.intervals && e.intervals->per_class.count(c.label)) iv = e.intervals->per_class.at(c.label).at("f1");
    s += column_name(c.label) + "," + std::to_string(c.support) + "," + std::to_string(c.tp) + "," +
         std::to_string(c.fp) + "," + std::to_string(c.fn) + "," + std::to_string(c.tn) + "," + fixed(c.accuracy) + "," +
         fixed(c.sensitivity) + "," + fixed(c.specificity) + "," + fixed(c.precision) + "," + fixed(c.f1) + "," +
         fixed(iv.lo) + "," + fixed(iv.hi) + "\n";
  }
  return s;
}

std::string confusion_csv(const Figures& f) {
  ConfusionView cv = confusion_view(f);
  std::string s = "truth\\predicted";
  for (const auto& c : cv.col_names) s += "," + c;
  s += "\n";
  for (size_t r = 0; r < cv.row_names.size(); ++r) {
    s += cv.row_names[r];
    for (long v : cv.counts[r]) s += "," + std::to_string(v);
    s += "\n";
  }
  return s;
}

std::string opt(const std::optional<double>& v) {
  if (!v) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", *v);
  return buf;
}

std::string items_csv(const Evaluation& e) {
  std::string s = "truth_line,study_uid,series_uid,series_number,series_description,volume_index,echo_time_ms,"
                  "b_value,temporal_index,truth,predicted,correct,confidence,note\n";
  for (const auto& it : e.matching.items) {
    const TruthRow& t = e.truth[it.truth_row];
    const PredRow* p = it.pred_row >= 0 ? &e.predictions[it.pred_row] : nullptr;
    std::vector<std::string> f = {std::to_string(t.line), it.study, t.series_uid,
                                  p ? std::to_string(p->series_number) : "", p ? p->series_description : "",
                                  p ? std::to_string(p->volume_index) : "",
                                  opt(p ? p->echo_time_ms : t.echo_time_ms), opt(p ? p->b_value : t.b_value),
                                  p && p->temporal_index ? std::to_string(*p->temporal_index)
                                  : t.temporal_index     ? std::to_string(*t.temporal_index)
                                                         : "",
                                  column_name(it.truth), column_name(it.predicted),
                                  it.truth == it.predicted ? "1" : "0", p ? fixed(p->confidence, 4) : "", it.note};
    for (size_t i = 0; i < f.size(); ++i) s += (i ? "," : "") + csv_escape(f[i]);
    s += "\n";
  }
  return s;
}

}  // namespace

ConfusionView confusion_view(const Figures& f) {
  ConfusionView v;
  std::vector<int> cols = f.classes;
  bool any_missing = false;
  for (const auto& row : f.confusion) any_missing |= row[kMissing] > 0;
  if (any_missing) cols.push_back(kMissing);
  for (int c : cols) v.col_names.push_back(column_name(c));
  for (int r : f.classes) {
    v.row_names.push_back(column_name(r));
    std::vector<long> counts;
    std::vector<double> shares;
    for (int c : cols) counts.push_back(f.confusion[r][c]), shares.push_back(f.confusion_rows[r][c]);
    v.counts.push_back(counts);
    v.shares.push_back(shares);
  }
  return v;
}

Evaluation run_evaluation(const EvaluateOptions& options) {
  Evaluation e;
  e.options = options;
  if (e.options.out_dir.empty()) e.options.out_dir = (fs::path(options.pred_dir) / "evaluation").string();
  if (options.bootstrap < 0) throw Error(ErrorKind::Usage, "--bootstrap must be 0 or more");
  std::vector<std::string> truth_warnings;
  e.truth = read_truth(options.truth_path, truth_warnings);
  e.predictions = read_predictions(options.pred_dir, options.level);
  e.matching = match(e.truth, e.predictions, options.level);
  e.matching.warnings.insert(e.matching.warnings.begin(), truth_warnings.begin(), truth_warnings.end());
  for (const auto& w : e.matching.warnings) spdlog::warn("{}", w);

  std::vector<int> t, p, g;
  std::map<std::string, int> study_index;
  long missing = 0;
  for (const auto& it : e.matching.items) {
    t.push_back(it.truth);
    p.push_back(it.predicted);
    g.push_back(study_index.emplace(it.study, static_cast<int>(study_index.size())).first->second);
    missing += it.predicted == kMissing;
  }
  e.figures = compute_figures(t, p);
  if (options.bootstrap > 0) e.intervals = bootstrap(t, p, g, e.figures.classes, options.bootstrap, options.seed);
  e.breakdowns = breakdowns(e.matching.items, e.figures.classes);
  if (missing > 0) spdlog::warn("{} truth item(s) have no usable prediction and count as wrong (listed in metrics.json)", missing);
  spdlog::info("scored {} item(s) from {} studies; {} truth row(s) not scored; {} prediction(s) without truth",
               e.figures.n, study_index.size(), e.matching.unscored_truth.size(), e.matching.unlabelled_predictions);

  fs::path out(e.options.out_dir);
  write_file_atomic((out / "metrics.json").string(), metrics_json(e));
  write_file_atomic((out / "per_class.csv").string(), per_class_csv(e));
  write_file_atomic((out / "confusion.csv").string(), confusion_csv(e.figures));
  write_file_atomic((out / "items.csv").string(), items_csv(e));
  write_file_atomic((out / "table.md").string(), markdown_table(e));
  ConfusionView cv = confusion_view(e.figures);
  write_confusion_png(cv.row_names, cv.col_names, cv.counts, (out / "confusion.png").string());
  if (!options.report_html.empty()) write_evaluation_html(e, (out / "confusion.png").string());
  return e;
}

}  // namespace mpmri::eval
