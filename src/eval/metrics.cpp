// Confusion matrix and figures, pure functions. Conventions follow scikit-learn 1.2 with zero_division=0,
// so reviewers can check any number against sklearn.metrics (tests/eval does exactly that).
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <set>

#include "mpmri/error.hpp"
#include "mpmri/eval.hpp"

namespace mpmri::eval {

namespace {

double ratio(double num, double den) { return den > 0 ? num / den : 0.0; }  // sklearn zero_division=0

double f1_of(double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0.0; }

// sklearn.metrics.cohen_kappa_score over the labels present in either vector (kMissing included).
double cohen_kappa(const std::vector<std::vector<long>>& cm, long n) {
  std::vector<double> rows(kNumColumns, 0), cols(kNumColumns, 0);
  std::set<int> present;
  for (int t = 0; t < kNumLabels; ++t)
    for (int p = 0; p < kNumColumns; ++p) {
      rows[t] += double(cm[t][p]);
      cols[p] += double(cm[t][p]);
      if (cm[t][p] > 0) present.insert(t), present.insert(p);
    }
  double observed = 0, expected = 0;
  for (int a : present)
    for (int b : present) {
      if (a == b) continue;
      observed += a < kNumLabels ? double(cm[a][b]) : 0.0;
      expected += rows[a] * cols[b] / double(n);
    }
  if (expected == 0) return std::numeric_limits<double>::quiet_NaN();
  return 1.0 - observed / expected;
}

struct Averages {
  double macro_accuracy = 0, macro_f1 = 0, micro_f1 = 0;
};
Averages averages(const std::vector<ClassFigures>& per, bool skip_other) {
  Averages a;
  long tp = 0, fp = 0, fn = 0;
  int k = 0;
  for (const auto& c : per) {
    if (skip_other && c.label == index_of(Label::Other)) continue;
    a.macro_accuracy += c.accuracy;
    a.macro_f1 += c.f1;
    tp += c.tp, fp += c.fp, fn += c.fn;
    ++k;
  }
  if (k > 0) a.macro_accuracy /= k, a.macro_f1 /= k;
  a.micro_f1 = f1_of(ratio(double(tp), double(tp + fp)), ratio(double(tp), double(tp + fn)));
  return a;
}

}  // namespace

std::string column_name(int column) {
  if (column == kMissing) return "(missing)";
  if (column < 0 || column > kMissing) return "?";
  return std::string(kLabelNames[column]);
}

Figures compute_figures(const std::vector<int>& truth, const std::vector<int>& predicted, std::vector<int> classes) {
  if (truth.size() != predicted.size()) throw Error(ErrorKind::Internal, "truth and prediction lengths differ");
  if (truth.empty()) throw Error(ErrorKind::Input, "nothing to score: no truth item was matched");
  Figures f;
  f.n = static_cast<long>(truth.size());
  f.confusion.assign(kNumLabels, std::vector<long>(kNumColumns, 0));
  long correct = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    int t = truth[i], p = predicted[i];
    if (t < 0 || t >= kNumLabels || p < 0 || p > kMissing) throw Error(ErrorKind::Internal, "label index out of range");
    ++f.confusion[t][p];
    correct += (t == p);
  }
  if (classes.empty()) {
    std::set<int> present(truth.begin(), truth.end());
    for (int p : predicted)
      if (p != kMissing) present.insert(p);
    classes.assign(present.begin(), present.end());
  }
  f.classes = classes;
  f.confusion_rows.assign(kNumLabels, std::vector<double>(kNumColumns, 0.0));
  for (int t = 0; t < kNumLabels; ++t) {
    long row = 0;
    for (long v : f.confusion[t]) row += v;
    for (int p = 0; p < kNumColumns; ++p) f.confusion_rows[t][p] = ratio(double(f.confusion[t][p]), double(row));
  }
  double weighted = 0;
  long support_total = 0;
  for (int c : classes) {
    ClassFigures cf;
    cf.label = c;
    cf.tp = f.confusion[c][c];
    for (int t = 0; t < kNumLabels; ++t) cf.fp += (t != c) ? f.confusion[t][c] : 0;
    for (int p = 0; p < kNumColumns; ++p) cf.fn += (p != c) ? f.confusion[c][p] : 0;
    cf.tn = f.n - cf.tp - cf.fp - cf.fn;
    cf.support = cf.tp + cf.fn;
    cf.accuracy = ratio(double(cf.tp + cf.tn), double(f.n));
    cf.sensitivity = ratio(double(cf.tp), double(cf.tp + cf.fn));
    cf.specificity = ratio(double(cf.tn), double(cf.tn + cf.fp));
    cf.precision = ratio(double(cf.tp), double(cf.tp + cf.fp));
    cf.f1 = f1_of(cf.precision, cf.sensitivity);
    weighted += cf.f1 * double(cf.support);
    support_total += cf.support;
    f.macro_precision += cf.precision;
    f.macro_recall += cf.sensitivity;
    f.per_class.push_back(cf);
  }
  if (!classes.empty()) {
    f.macro_precision /= double(classes.size());
    f.macro_recall /= double(classes.size());
  }
  f.accuracy = ratio(double(correct), double(f.n));
  Averages all = averages(f.per_class, false), targets = averages(f.per_class, true);
  f.macro_accuracy = all.macro_accuracy;
  f.macro_f1 = all.macro_f1;
  f.micro_f1 = all.micro_f1;
  f.weighted_f1 = ratio(weighted, double(support_total));
  f.macro_accuracy_targets = targets.macro_accuracy;
  f.macro_f1_targets = targets.macro_f1;
  f.micro_f1_targets = targets.micro_f1;
  f.kappa = cohen_kappa(f.confusion, f.n);
  return f;
}

namespace {

// numpy.percentile's default (linear interpolation between closest ranks).
double percentile(std::vector<double>& v, double q) {
  std::sort(v.begin(), v.end());
  double pos = q / 100.0 * double(v.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(v.size() - 1, lo + 1);
  return v[lo] + (pos - double(lo)) * (v[hi] - v[lo]);
}

Interval interval_of(std::vector<double>& values) {
  std::vector<double> ok;
  for (double x : values)
    if (std::isfinite(x)) ok.push_back(x);
  Interval i;
  i.replicates = static_cast<int>(ok.size());
  if (ok.empty()) {
    i.lo = i.hi = std::numeric_limits<double>::quiet_NaN();
    return i;
  }
  i.lo = percentile(ok, 2.5);
  i.hi = percentile(ok, 97.5);
  return i;
}

}  // namespace

Bootstrap bootstrap(const std::vector<int>& truth, const std::vector<int>& predicted, const std::vector<int>& group,
                    const std::vector<int>& classes, int resamples, unsigned long long seed) {
  if (truth.size() != group.size()) throw Error(ErrorKind::Internal, "bootstrap: group vector length differs");
  Bootstrap b;
  b.resamples = resamples;
  b.seed = seed;
  if (resamples <= 0 || truth.empty()) return b;
  int groups = 0;
  for (int g : group) groups = std::max(groups, g + 1);
  std::vector<std::vector<size_t>> members(groups);
  for (size_t i = 0; i < group.size(); ++i) members[group[i]].push_back(i);
  // mt19937_64 is fully specified by the standard, and the modulo draw avoids library-specific
  // distributions, so a seed gives the same intervals on every platform.
  std::mt19937_64 rng(seed);
  std::map<std::string, std::vector<double>> overall;
  std::map<int, std::map<std::string, std::vector<double>>> per;
  std::vector<int> t, p;
  for (int r = 0; r < resamples; ++r) {
    t.clear(), p.clear();
    for (int k = 0; k < groups; ++k) {
      const auto& m = members[rng() % static_cast<unsigned long long>(groups)];
      for (size_t i : m) t.push_back(truth[i]), p.push_back(predicted[i]);
    }
    if (t.empty()) continue;
    Figures f = compute_figures(t, p, classes);
    overall["accuracy"].push_back(f.accuracy);
    overall["macro_accuracy"].push_back(f.macro_accuracy);
    overall["macro_f1"].push_back(f.macro_f1);
    overall["micro_f1"].push_back(f.micro_f1);
    overall["weighted_f1"].push_back(f.weighted_f1);
    overall["kappa"].push_back(f.kappa);
    overall["macro_f1_targets"].push_back(f.macro_f1_targets);
    overall["macro_accuracy_targets"].push_back(f.macro_accuracy_targets);
    overall["micro_f1_targets"].push_back(f.micro_f1_targets);
    for (const auto& c : f.per_class) {
      auto& m = per[c.label];
      m["accuracy"].push_back(c.accuracy);
      // Sensitivity is undefined in a resample that drew no case of the class; leave it out there.
      m["sensitivity"].push_back(c.support > 0 ? c.sensitivity : std::numeric_limits<double>::quiet_NaN());
      m["specificity"].push_back(c.tn + c.fp > 0 ? c.specificity : std::numeric_limits<double>::quiet_NaN());
      m["f1"].push_back(c.f1);
    }
  }
  for (auto& [name, values] : overall) b.overall[name] = interval_of(values);
  for (auto& [label, m] : per)
    for (auto& [name, values] : m) b.per_class[label][name] = interval_of(values);
  return b;
}

}  // namespace mpmri::eval
