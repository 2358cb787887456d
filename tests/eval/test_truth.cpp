// Truth files, matching rules and the evaluate outputs, on a hand-made classify output folder.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "mpmri/error.hpp"
#include "mpmri/eval.hpp"
#include "mpmri/report.hpp"

using namespace mpmri;
using namespace mpmri::eval;
namespace fs = std::filesystem;

namespace {

fs::path fresh(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("mpmri_eval_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

VolumeResult vol(const std::string& series, int number, int index, Label label, const char* maker) {
  VolumeResult v;
  v.info.header.study_uid = "9.1";
  v.info.header.series_uid = series;
  v.info.header.series_number = number;
  v.info.header.manufacturer = maker;
  v.info.header.field_strength_t = 1.5;
  v.info.volume_index = index;
  v.label = label;
  v.confidence = 0.8;
  v.fused[index_of(label)] = 0.8;
  return v;
}

// A classify output folder: T1 dual echo split on TE, a DCE series split on time, one failed volume.
fs::path make_run() {
  fs::path dir = fresh("run");
  StudyResult st;
  st.study_uid = "9.1";
  auto in = vol("9.1.3", 3, 0, Label::T1WI_In, "Philips"), opp = vol("9.1.3", 3, 1, Label::T1WI_In, "Philips");
  in.info.key.echo_time_ms = 4.6;
  opp.info.key.echo_time_ms = 2.3;  // wrongly called in-phase
  // A localizer split on orientation only: one keyless truth row names both volumes.
  auto ax = vol("9.1.1", 1, 0, Label::Other, "Philips"), cor = vol("9.1.1", 1, 1, Label::Other, "Philips");
  ax.info.key.orientation = "axial";
  cor.info.key.orientation = "coronal";
  st.volumes = {ax, cor, in, opp};
  for (int t = 1; t <= 3; ++t) {
    auto d = vol("9.1.9", 9, t - 1, t == 1 ? Label::DCE_Pre : t == 2 ? Label::DCE_Arterial : Label::DCE_Portal, "Philips");
    d.info.key.temporal_index = t;
    st.volumes.push_back(d);
  }
  st.volumes.push_back(vol("9.1.4", 4, 0, Label::T2WI_Fs, "Philips"));
  auto bad = vol("9.1.7", 7, 0, Label::Other, "Philips");
  bad.status = VolumeStatus::Failed;
  bad.reason = "cannot decode";
  st.volumes.push_back(bad);
  SeriesResult s3;
  s3.series_uid = "9.1.3";
  s3.label = Label::T1WI_In;
  s3.volumes = 2;
  SeriesResult s4;
  s4.series_uid = "9.1.4";
  s4.label = Label::T2WI_Fs;
  s4.volumes = 1;
  SeriesResult s1;
  s1.series_uid = "9.1.1";
  s1.label = Label::Other;
  s1.volumes = 2;
  st.series = {s1, s3, s4};
  ResultsWriter w(dir.string(), {});
  w.add_study(st);
  w.finish();
  return dir;
}

}  // namespace

TEST(Truth, UnknownLabelsAndConflictsAreErrorsWithLineNumbers) {
  fs::path d = fresh("truth_bad");
  std::ofstream(d / "t.csv") << "series_uid,label\n1.2,ADC\n1.3,T3WI\n1.2,DWI\n";
  std::vector<std::string> warnings;
  try {
    read_truth((d / "t.csv").string(), warnings);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Input);
    std::string m = e.what();
    EXPECT_NE(m.find("line 3: unknown label 'T3WI'"), std::string::npos) << m;
    EXPECT_NE(m.find("line 4"), std::string::npos) << m;
  }
  std::ofstream(d / "u.csv") << "study_uid,series_uid,echo_time_ms,label,extra\n"
                             << "9.1,1.2,4.6,in phase,x\n9.1,1.2,4.60,IP,y\n9.1,1.2,2.3,,z\n";
  auto rows = read_truth((d / "u.csv").string(), warnings);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].label, Label::T1WI_In);
  EXPECT_EQ(warnings.size(), 2u);  // one duplicate, one row without a label
  std::ofstream(d / "v.csv") << "uid,label\n1,ADC\n";
  EXPECT_THROW(read_truth((d / "v.csv").string(), warnings), Error);
  fs::remove_all(d);
}

TEST(Truth, MatchesVolumesByKeyAndCountsMissing) {
  fs::path run = make_run();
  std::ofstream(run / "truth.csv") << "study_uid,series_uid,echo_time_ms,b_value,temporal_index,label\n"
                                   << "9.1,9.1.1,,,,Other\n"
                                   << "9.1,9.1.3,4.605,,,T1WI_In\n"    // TE within 0.01 ms
                                   << "9.1,9.1.3,2.3,,,T1WI_Opp\n"
                                   << "9.1,9.1.9,,,1,DCE_Pre\n"
                                   << "9.1,9.1.9,,,2,DCE_Arterial\n"
                                   << "9.1,9.1.9,,,3,DCE_Portal\n"
                                   << "9.1,9.1.9,,,4,DCE_Delayed\n"    // no such volume
                                   << "9.1,9.1.9,,,,DCE_Portal\n"      // keyless on a split series
                                   << "9.1,9.1.4,,,,T2WI_Fs\n"
                                   << "9.1,9.1.7,,,,ADC\n"             // failed volume
                                   << "9.1,9.1.99,,,,DWI_HighB\n";     // not in the run
  std::vector<std::string> warnings;
  auto truth = read_truth((run / "truth.csv").string(), warnings);
  auto preds = read_predictions(run.string(), Level::Volume);
  Matching m = match(truth, preds, Level::Volume);
  ASSERT_EQ(m.items.size(), 11u);
  EXPECT_EQ(m.unscored_truth.size(), 1u);
  int missing = 0, right = 0;
  for (const auto& it : m.items) missing += it.predicted == kMissing, right += it.predicted == it.truth;
  EXPECT_EQ(missing, 3);
  EXPECT_EQ(right, 7);
  EXPECT_EQ(m.unlabelled_predictions, 0);
  bool told = false;
  for (const auto& w : m.warnings) told |= w.find("no volume with t=4") != std::string::npos;
  EXPECT_TRUE(told);

  EvaluateOptions o;
  o.pred_dir = run.string();
  o.truth_path = (run / "truth.csv").string();
  o.bootstrap = 50;
  o.report_html = (run / "eval.html").string();
  Evaluation e = run_evaluation(o);
  EXPECT_NEAR(e.figures.accuracy, 7.0 / 11.0, 1e-12);
  for (const char* f : {"metrics.json", "per_class.csv", "confusion.csv", "items.csv", "table.md", "confusion.png"})
    EXPECT_TRUE(fs::exists(run / "evaluation" / f)) << f;
  auto j = nlohmann::json::parse(slurp(run / "evaluation" / "metrics.json"));
  EXPECT_EQ(j["n_missing"], 3);
  EXPECT_EQ(j["confusion"]["columns"].back(), "(missing)");
  bool philips = false;  // items without a prediction or truth column fall in "(unknown)"
  for (const auto& b : j["breakdowns"]) philips |= b["by"] == "manufacturer" && b["group"] == "Philips";
  EXPECT_TRUE(philips);
  std::string md = slurp(run / "evaluation" / "table.md");
  EXPECT_NE(md.find("| Macro-F1, without Other |"), std::string::npos);
  EXPECT_NE(md.find("0.819"), std::string::npos);
  std::string html = slurp(run / "eval.html");
  EXPECT_NE(html.find("truth: T1WI_Opp"), std::string::npos);
  EXPECT_NE(html.find("data:image/png;base64,"), std::string::npos);

  // Series level: the dual-echo series has two truth labels, so it is left out with a warning.
  o.level = Level::Series;
  o.report_html.clear();
  o.out_dir = (run / "eval_series").string();
  Evaluation s = run_evaluation(o);
  // 9.1.1 and 9.1.4 right; 9.1.3 scored as opposed phase (shorter echo), wrong; 9.1.7 and 9.1.99 missing;
  // 9.1.9 mixes keyed and keyless rows that disagree, so it is left out.
  ASSERT_EQ(s.matching.items.size(), 5u);
  EXPECT_EQ(s.matching.unscored_truth.size(), 5u);
  for (const auto& it : s.matching.items)
    if (s.truth[it.truth_row].series_uid == "9.1.3") {
      EXPECT_EQ(it.truth, index_of(Label::T1WI_Opp));
    }
  fs::remove_all(run);
}
