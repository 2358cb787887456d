// Truth files and the classify run's CSVs, and the rules that pair them (docs/evaluation.md).
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "mpmri/error.hpp"
#include "mpmri/eval.hpp"
#include "mpmri/report.hpp"

namespace mpmri::eval {

namespace fs = std::filesystem;

namespace {

std::optional<double> parse_number(const std::string& s, bool& bad) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0' || !std::isfinite(v)) {
    bad = true;
    return std::nullopt;
  }
  return v;
}

std::string field_group(const std::string& text) {
  bool bad = false;
  auto v = parse_number(text, bad);
  if (!v) return text;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g T", std::round(*v * 10) / 10);
  return buf;
}

std::string describe_key(const std::optional<double>& te, const std::optional<double>& b,
                         const std::optional<int>& t) {
  std::string s;
  char buf[48];
  if (te) std::snprintf(buf, sizeof buf, "TE=%g", *te), s += buf;
  if (b) std::snprintf(buf, sizeof buf, "%sb=%g", s.empty() ? "" : " ", *b), s += buf;
  if (t) s += (s.empty() ? "" : " ") + std::string("t=") + std::to_string(*t);
  return s.empty() ? "(no key)" : s;
}

// Throws one error that lists every bad line, so a user fixes the file in one go.
void throw_if_errors(const std::string& path, const std::vector<std::string>& errors) {
  if (errors.empty()) return;
  std::string msg = path + ": " + std::to_string(errors.size()) + " problem(s) in the truth file:";
  for (size_t i = 0; i < errors.size() && i < 20; ++i) msg += "\n  " + errors[i];
  if (errors.size() > 20) msg += "\n  ... and " + std::to_string(errors.size() - 20) + " more";
  throw Error(ErrorKind::Input, msg);
}

}  // namespace

bool TruthRow::matches(std::optional<double> te, std::optional<double> b, std::optional<int> t) const {
  if (echo_time_ms && (!te || std::fabs(*echo_time_ms - *te) > 0.01 + 1e-9)) return false;
  if (b_value && (!b || std::fabs(*b_value - *b) > 1.0 + 1e-9)) return false;
  if (temporal_index && (!t || *temporal_index != *t)) return false;
  return true;
}

namespace {

bool key_matches(const TruthRow& t, const PredRow& p) { return t.matches(p.echo_time_ms, p.b_value, p.temporal_index); }

// The series truth from per-volume rows, by the rule that gives series.csv its label (docs/decision.md
// "Series label"): any DWI_HighB volume makes the series DWI_HighB; else the first target-class volume
// in acquisition order, approximated by temporal index then the shorter echo; none gives Other.
int series_truth_row(const std::vector<TruthRow>& truth, const std::vector<int>& rows) {
  for (int r : rows)
    if (truth[r].label == Label::DWI_HighB) return r;
  int best = -1;
  auto before = [&](const TruthRow& a, const TruthRow& b) {
    int ta = a.temporal_index.value_or(0), tb = b.temporal_index.value_or(0);
    if (ta != tb) return ta < tb;
    return a.echo_time_ms.value_or(0) < b.echo_time_ms.value_or(0);
  };
  for (int r : rows)
    if (truth[r].label != Label::Other && (best < 0 || before(truth[r], truth[best]))) best = r;
  return best >= 0 ? best : rows[0];
}

}  // namespace

std::vector<TruthRow> read_truth(const std::string& path, std::vector<std::string>& warnings) {
  CsvTable t = read_csv_file(path);
  int c_series = t.column("series_uid"), c_label = t.column("label");
  if (c_series < 0 || c_label < 0)
    throw Error(ErrorKind::Input, path + ": a truth file needs the columns series_uid and label (found: " +
                                      [&] {
                                        std::string h;
                                        for (auto& x : t.header) h += (h.empty() ? "" : ",") + x;
                                        return h;
                                      }() +
                                      ")");
  auto col = [&](const std::vector<std::string>& row, const char* name) {
    int i = t.column(name);
    return i < 0 ? std::string() : row[i];
  };
  std::vector<std::string> errors;
  std::vector<TruthRow> out;
  std::map<std::string, size_t> seen;  // series + key -> index in out
  long unlabelled = 0;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    TruthRow tr;
    tr.line = t.line_numbers[r];
    std::string where = "line " + std::to_string(tr.line) + ": ";
    tr.series_uid = row[c_series];
    tr.study_uid = col(row, "study_uid");
    tr.manufacturer = col(row, "manufacturer");
    tr.field_strength_t = col(row, "field_strength_t");
    tr.domain = col(row, "domain");
    tr.deidentified = col(row, "deidentified");
    tr.series_kind = col(row, "series_kind");
    if (tr.series_uid.empty()) {
      errors.push_back(where + "empty series_uid");
      continue;
    }
    const std::string& label_text = row[c_label];
    if (label_text.empty()) {
      ++unlabelled;  // a labelling sheet still being filled in
      continue;
    }
    auto label = parse_label(label_text);
    if (!label) {
      errors.push_back(where + "unknown label '" + label_text + "' (see docs/evaluation.md for names and aliases)");
      continue;
    }
    tr.label = *label;
    bool bad_te = false, bad_b = false, bad_t = false;
    tr.echo_time_ms = parse_number(col(row, "echo_time_ms"), bad_te);
    tr.b_value = parse_number(col(row, "b_value"), bad_b);
    auto ti = parse_number(col(row, "temporal_index"), bad_t);
    if (ti && *ti != std::floor(*ti)) bad_t = true;
    if (ti && !bad_t) tr.temporal_index = static_cast<int>(*ti);
    if (bad_te || bad_b || bad_t) {
      errors.push_back(where + "echo_time_ms, b_value and temporal_index must be numbers or blank");
      continue;
    }
    std::string key = tr.series_uid + "|" + describe_key(tr.echo_time_ms, tr.b_value, tr.temporal_index);
    auto it = seen.find(key);
    if (it != seen.end()) {
      const TruthRow& first = out[it->second];
      if (first.label == tr.label) {
        warnings.push_back(where + "duplicate of line " + std::to_string(first.line) + " (same label), ignored");
      } else {
        errors.push_back(where + "series " + tr.series_uid + " " +
                         describe_key(tr.echo_time_ms, tr.b_value, tr.temporal_index) + " is labelled " +
                         std::string(to_string(tr.label)) + " here but " + std::string(to_string(first.label)) +
                         " on line " + std::to_string(first.line));
      }
      continue;
    }
    seen[key] = out.size();
    out.push_back(tr);
  }
  throw_if_errors(path, errors);
  if (unlabelled > 0)
    warnings.push_back(std::to_string(unlabelled) + " truth row(s) have an empty label and are not scored");
  if (out.empty()) throw Error(ErrorKind::Input, path + ": no labelled truth rows");
  return out;
}

std::vector<PredRow> read_predictions(const std::string& pred_dir, Level level) {
  fs::path dir(pred_dir);
  fs::path file = dir / (level == Level::Volume ? "volumes.csv" : "series.csv");
  if (!fs::exists(file))
    throw Error(ErrorKind::Input, file.string() + " not found: --pred must be the output folder of a classify run");
  CsvTable t = read_csv_file(file.string());
  for (const char* need : {"study_uid", "series_uid", "label", "status"})
    if (t.column(need) < 0) throw Error(ErrorKind::Input, file.string() + ": no column " + need);
  auto col = [&](const std::vector<std::string>& row, const char* name) {
    int i = t.column(name);
    return i < 0 ? std::string() : row[i];
  };
  std::vector<PredRow> out;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    PredRow p;
    p.study_uid = col(row, "study_uid");
    p.series_uid = col(row, "series_uid");
    p.series_description = col(row, "series_description");
    p.series_number = std::atoi(col(row, "series_number").c_str());
    p.volume_index = std::atoi(col(row, "volume_index").c_str());
    bool bad = false;
    p.echo_time_ms = parse_number(col(row, "echo_time_ms"), bad);
    p.b_value = parse_number(col(row, "b_value"), bad);
    auto ti = parse_number(col(row, "temporal_index"), bad);
    if (ti) p.temporal_index = static_cast<int>(std::lround(*ti));
    if (bad) throw Error(ErrorKind::Input, file.string() + " line " + std::to_string(t.line_numbers[r]) + ": bad number");
    p.status = col(row, "status");
    p.reason = col(row, "reason");
    p.evidence = col(row, "evidence");
    p.confidence = std::atof(col(row, "confidence").c_str());
    p.manufacturer = col(row, "manufacturer");
    p.field_strength_t = col(row, "field_strength_t");
    std::string label = col(row, "label");
    if (p.status != "failed" && !label.empty()) {
      p.label = parse_label(label);
      if (!p.label)
        throw Error(ErrorKind::Input, file.string() + " line " + std::to_string(t.line_numbers[r]) + ": unknown label " + label);
    }
    out.push_back(std::move(p));
  }
  // series.csv carries no scanner columns; borrow them from volumes.csv for the breakdowns.
  if (level == Level::Series && fs::exists(dir / "volumes.csv")) {
    CsvTable v = read_csv_file((dir / "volumes.csv").string());
    int cs = v.column("series_uid"), cm = v.column("manufacturer"), cf = v.column("field_strength_t");
    std::map<std::string, std::pair<std::string, std::string>> scanner;
    if (cs >= 0)
      for (const auto& row : v.rows) scanner.emplace(row[cs], std::make_pair(cm < 0 ? "" : row[cm], cf < 0 ? "" : row[cf]));
    for (auto& p : out) {
      auto it = scanner.find(p.series_uid);
      if (it != scanner.end()) p.manufacturer = it->second.first, p.field_strength_t = it->second.second;
    }
  }
  return out;
}

Matching match(const std::vector<TruthRow>& truth, const std::vector<PredRow>& preds, Level level) {
  Matching m;
  std::map<std::string, std::vector<int>> by_series;
  for (size_t i = 0; i < preds.size(); ++i) by_series[preds[i].series_uid].push_back(static_cast<int>(i));
  std::vector<int> claimed(preds.size(), -1);  // truth line that named each prediction
  auto make_item = [&](int tr, int pr, const std::string& note) {
    const TruthRow& t = truth[tr];
    Item it;
    it.truth_row = tr;
    it.pred_row = pr;
    it.truth = index_of(t.label);
    it.note = note;
    const PredRow* p = pr >= 0 ? &preds[pr] : nullptr;
    if (p && p->label) it.predicted = index_of(*p->label);
    if (p && !p->label) it.note = "classification failed: " + (p->reason.empty() ? std::string("no reason given") : p->reason);
    it.study = !t.study_uid.empty() ? t.study_uid : p && !p->study_uid.empty() ? p->study_uid : t.series_uid;
    it.manufacturer = !t.manufacturer.empty() ? t.manufacturer : p ? p->manufacturer : "";
    it.field_strength = field_group(!t.field_strength_t.empty() ? t.field_strength_t : p ? p->field_strength_t : "");
    if (pr >= 0) {
      if (claimed[pr] >= 0 && claimed[pr] != t.line)
        m.warnings.push_back("line " + std::to_string(t.line) + ": names the same prediction as line " +
                             std::to_string(claimed[pr]) + " (scored twice)");
      claimed[pr] = t.line;
    }
    m.items.push_back(it);
  };

  if (level == Level::Series) {
    // A series is scored once: its truth is the label all of its truth rows agree on.
    std::map<std::string, std::vector<int>> rows_of;
    std::vector<std::string> order;
    for (size_t i = 0; i < truth.size(); ++i) {
      if (!rows_of.count(truth[i].series_uid)) order.push_back(truth[i].series_uid);
      rows_of[truth[i].series_uid].push_back(static_cast<int>(i));
    }
    for (const auto& uid : order) {
      const auto& rows = rows_of[uid];
      std::set<int> labels;
      for (int r : rows) labels.insert(index_of(truth[r].label));
      int series_row = rows[0];
      if (labels.size() > 1) {
        bool all_keyed = true;
        for (int r : rows) all_keyed = all_keyed && truth[r].has_key();
        if (!all_keyed) {
          m.warnings.push_back("line " + std::to_string(truth[rows[0]].line) + ": series " + uid +
                               " has rows with and without volume keys that disagree on the label; not scored at "
                               "--level series");
          for (int r : rows) m.unscored_truth.push_back(r);
          continue;
        }
        series_row = series_truth_row(truth, rows);
      }
      auto it = by_series.find(uid);
      int pr = -1;
      if (it != by_series.end()) {
        pr = it->second.front();
        for (int c : it->second)
          if (preds[c].label) {
            pr = c;
            break;
          }
      }
      make_item(series_row, pr, pr < 0 ? "series not in the predictions" : "");
    }
  } else {
    for (size_t i = 0; i < truth.size(); ++i) {
      const TruthRow& t = truth[i];
      auto it = by_series.find(t.series_uid);
      if (it == by_series.end()) {
        make_item(static_cast<int>(i), -1, "series not in the predictions");
        continue;
      }
      const auto& vols = it->second;
      if (!t.has_key()) {
        // Volumes split on something the truth format cannot name (orientation, image type) are all
        // named by the row: it could not have told them apart.
        bool same_keys = true;
        for (int v : vols)
          same_keys = same_keys && preds[v].echo_time_ms == preds[vols[0]].echo_time_ms &&
                      preds[v].b_value == preds[vols[0]].b_value && preds[v].temporal_index == preds[vols[0]].temporal_index;
        if (same_keys) {
          for (int v : vols) make_item(static_cast<int>(i), v, "");
        } else {
          std::string keys;
          for (int v : vols)
            keys += (keys.empty() ? "" : ", ") + describe_key(preds[v].echo_time_ms, preds[v].b_value, preds[v].temporal_index);
          m.warnings.push_back("line " + std::to_string(t.line) + ": series " + t.series_uid + " has " +
                               std::to_string(vols.size()) + " volumes (" + keys +
                               ") but the row names none; add echo_time_ms/b_value/temporal_index or use --level "
                               "series. Not scored");
          m.unscored_truth.push_back(static_cast<int>(i));
        }
        continue;
      }
      std::vector<int> hits;
      for (int v : vols)
        if (key_matches(t, preds[v])) hits.push_back(v);
      if (hits.empty()) {
        std::string keys;
        for (int v : vols)
          keys += (keys.empty() ? "" : ", ") + describe_key(preds[v].echo_time_ms, preds[v].b_value, preds[v].temporal_index);
        std::string note = "no volume with " + describe_key(t.echo_time_ms, t.b_value, t.temporal_index) +
                           " in the series (has " + keys + ")";
        m.warnings.push_back("line " + std::to_string(t.line) + ": " + note + "; counted as missing");
        make_item(static_cast<int>(i), -1, note);
        continue;
      }
      if (hits.size() > 1)
        m.warnings.push_back("line " + std::to_string(t.line) + ": key matches " + std::to_string(hits.size()) +
                             " volumes of series " + t.series_uid + "; the label applies to each");
      for (int h : hits) make_item(static_cast<int>(i), h, "");
    }
  }
  for (int c : claimed) m.unlabelled_predictions += (c < 0);
  return m;
}

}  // namespace mpmri::eval
