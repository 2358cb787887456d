// Every figure of the evaluator against scikit-learn, on random inputs and on the edge cases.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "mpmri/error.hpp"
#include "mpmri/eval.hpp"

using namespace mpmri;
using namespace mpmri::eval;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Case {
  std::string name;
  std::vector<int> truth, pred;
};

std::vector<Case> make_cases() {
  std::vector<Case> cases;
  std::mt19937 rng(7);
  for (int k = 0; k < 6; ++k) {
    // Mostly right, wrong towards any column including "missing", sizes from tiny to large.
    Case c{"random" + std::to_string(k), {}, {}};
    int n = k == 0 ? 3 : 40 * k * k;
    std::uniform_int_distribution<int> label(0, kNumLabels - 1), column(0, kMissing), pct(0, 99);
    for (int i = 0; i < n; ++i) {
      int t = label(rng);
      c.truth.push_back(t);
      c.pred.push_back(pct(rng) < 70 ? t : (k % 2 ? column(rng) : label(rng)));
    }
    cases.push_back(c);
  }
  cases.push_back({"never_predicted", {0, 1, 4, 4, 2, 1}, {0, 1, 1, 2, 2, 1}});
  cases.push_back({"absent_from_truth", {0, 1, 2, 2, 3}, {0, 7, 2, 7, 3}});
  cases.push_back({"all_right", {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3}});
  cases.push_back({"all_wrong", {0, 1, 2, 3, 9}, {1, 2, 3, 0, 4}});
  cases.push_back({"single_class_right", {2, 2, 2}, {2, 2, 2}});
  cases.push_back({"single_class_mixed", {5, 5, 5, 5}, {5, 6, 10, 5}});
  cases.push_back({"only_other", {9, 9, 1}, {9, 1, 9}});
  cases.push_back({"all_missing", {3, 4}, {10, 10}});
  cases.push_back({"one_item", {8}, {7}});
  return cases;
}

void expect_near(double ours, const json& ref, const std::string& what) {
  if (ref.is_null()) {
    EXPECT_TRUE(std::isnan(ours)) << what << ": sklearn gives NaN, ours " << ours;
  } else {
    EXPECT_NEAR(ours, ref.get<double>(), 1e-9) << what;
  }
}

}  // namespace

TEST(Metrics, MatchScikitLearnOnRandomAndEdgeCases) {
  if (std::system("/usr/bin/python3 -c 'import sklearn' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "/usr/bin/python3 lacks scikit-learn (apt-get install python3-sklearn)";
  auto cases = make_cases();
  fs::path dir = fs::temp_directory_path() / ("mpmri_sklearn_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  json in = {{"cases", json::array()}};
  for (const auto& c : cases) in["cases"].push_back({{"name", c.name}, {"y_true", c.truth}, {"y_pred", c.pred}});
  std::ofstream(dir / "in.json") << in.dump();
  std::string cmd = "/usr/bin/python3 " MPMRI_SOURCE_DIR "/tests/eval/sklearn_reference.py " + (dir / "in.json").string() +
                    " " + (dir / "out.json").string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  json ref = json::parse(std::ifstream(dir / "out.json"));
  ASSERT_EQ(ref.size(), cases.size());
  for (size_t k = 0; k < cases.size(); ++k) {
    SCOPED_TRACE(cases[k].name);
    const json& r = ref[k];
    Figures f = compute_figures(cases[k].truth, cases[k].pred);
    EXPECT_EQ(f.classes, r["classes"].get<std::vector<int>>());
    for (const char* name : {"accuracy", "macro_accuracy", "macro_f1", "micro_f1", "weighted_f1", "macro_precision",
                             "macro_recall", "kappa", "macro_accuracy_targets", "macro_f1_targets", "micro_f1_targets"}) {
      double ours = name == std::string("accuracy")                 ? f.accuracy
                    : name == std::string("macro_accuracy")         ? f.macro_accuracy
                    : name == std::string("macro_f1")               ? f.macro_f1
                    : name == std::string("micro_f1")               ? f.micro_f1
                    : name == std::string("weighted_f1")            ? f.weighted_f1
                    : name == std::string("macro_precision")        ? f.macro_precision
                    : name == std::string("macro_recall")           ? f.macro_recall
                    : name == std::string("kappa")                  ? f.kappa
                    : name == std::string("macro_accuracy_targets") ? f.macro_accuracy_targets
                    : name == std::string("macro_f1_targets")       ? f.macro_f1_targets
                                                                    : f.micro_f1_targets;
      expect_near(ours, r[name], name);
    }
    ASSERT_EQ(f.per_class.size(), r["per_class"].size());
    for (size_t i = 0; i < f.per_class.size(); ++i) {
      const auto& c = f.per_class[i];
      const json& rc = r["per_class"][i];
      std::string who = column_name(c.label) + " ";
      EXPECT_EQ(c.label, rc["label"].get<int>());
      EXPECT_EQ(c.tp, rc["tp"].get<long>()) << who;
      EXPECT_EQ(c.fp, rc["fp"].get<long>()) << who;
      EXPECT_EQ(c.fn, rc["fn"].get<long>()) << who;
      EXPECT_EQ(c.tn, rc["tn"].get<long>()) << who;
      EXPECT_EQ(c.support, rc["support"].get<long>()) << who;
      expect_near(c.accuracy, rc["accuracy"], who + "accuracy");
      expect_near(c.sensitivity, rc["sensitivity"], who + "sensitivity");
      expect_near(c.specificity, rc["specificity"], who + "specificity");
      expect_near(c.precision, rc["precision"], who + "precision");
      expect_near(c.f1, rc["f1"], who + "f1");
    }
    for (int t = 0; t < kNumLabels; ++t)
      for (int p = 0; p < kNumColumns; ++p) {
        EXPECT_EQ(f.confusion[t][p], r["confusion"][t][p].get<long>()) << t << "," << p;
        EXPECT_NEAR(f.confusion_rows[t][p], r["confusion_rows"][t][p].get<double>(), 1e-9) << t << "," << p;
      }
  }
  fs::remove_all(dir);
}

TEST(Metrics, AccuracyEqualsMicroF1WithoutMissing) {
  Figures f = compute_figures({0, 1, 2, 2, 3, 5}, {0, 2, 2, 2, 1, 5});
  EXPECT_NEAR(f.accuracy, 4.0 / 6.0, 1e-12);
  EXPECT_NEAR(f.micro_f1, f.accuracy, 1e-12);
  EXPECT_THROW(compute_figures({}, {}), Error);
}

TEST(Bootstrap, ResamplesStudiesDeterministically) {
  std::vector<int> t, p, g;
  std::mt19937 rng(3);
  for (int s = 0; s < 30; ++s)
    for (int v = 0; v < 9; ++v) {
      t.push_back(v);
      p.push_back(rng() % 10 < 8 ? v : (v + 1) % 9);
      g.push_back(s);
    }
  Figures f = compute_figures(t, p);
  Bootstrap a = bootstrap(t, p, g, f.classes, 300, 42), b = bootstrap(t, p, g, f.classes, 300, 42),
            c = bootstrap(t, p, g, f.classes, 300, 43);
  EXPECT_EQ(a.overall.at("accuracy").lo, b.overall.at("accuracy").lo);
  EXPECT_EQ(a.overall.at("macro_f1").hi, b.overall.at("macro_f1").hi);
  EXPECT_NE(a.overall.at("accuracy").lo, c.overall.at("accuracy").lo);
  for (const char* name : {"accuracy", "macro_accuracy", "macro_f1", "micro_f1", "kappa"}) {
    EXPECT_LT(a.overall.at(name).lo, 1.0) << name;
    EXPECT_LE(a.overall.at(name).lo, a.overall.at(name).hi) << name;
  }
  EXPECT_LE(a.overall.at("accuracy").lo, f.accuracy);
  EXPECT_GE(a.overall.at("accuracy").hi, f.accuracy);
  // Whole studies are drawn: with 30 studies the interval is a few points wide, not zero.
  EXPECT_GT(a.overall.at("accuracy").hi - a.overall.at("accuracy").lo, 0.02);
  EXPECT_EQ(a.overall.at("accuracy").replicates, 300);
  EXPECT_EQ(a.per_class.size(), f.classes.size());

  std::vector<int> right = t;
  Bootstrap perfect = bootstrap(t, right, g, f.classes, 100, 1);
  EXPECT_EQ(perfect.overall.at("accuracy").lo, 1.0);
  EXPECT_EQ(perfect.overall.at("macro_f1").hi, 1.0);
}
