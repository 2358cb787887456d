#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <map>
#include <set>
#include <set>
#include <nlohmann/json.hpp>
#include <sstream>

#include "mpmri/error.hpp"
#include "mpmri/report.hpp"
#include "mpmri/runner.hpp"
#include "mpmri/synth.hpp"

namespace mpmri {
namespace {

namespace fs = std::filesystem;

const std::string kTinyCard = std::string(MPMRI_SOURCE_DIR) + "/tests/data/tiny_model.json";

// One generated study shared by the tests (generation is the slow part).
class PreprocessRunner : public ::testing::Test {
 protected:
  static fs::path root;
  static void SetUpTestSuite() {
    root = fs::temp_directory_path() / ("mpmri-prep-test-" + std::to_string(std::random_device{}()));
    synth::SynthOptions o;
    o.out_dir = (root / "study").string();
    o.studies = 1;
    o.seed = 5;
    o.jobs = 2;
    synth::run_synth(o);
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  PreprocessOptions options(const std::string& cache) const {
    PreprocessOptions p;
    p.inputs = {(root / "study").string()};
    p.labels_csv = (root / "study" / "labels.csv").string();
    p.out_dir = (root / cache).string();
    p.card_path = kTinyCard;
    p.jobs = 2;
    return p;
  }
};
fs::path PreprocessRunner::root;

TEST_F(PreprocessRunner, EveryLabelledVolumeBecomesOneTensor) {
  Outcome out = run_preprocess(options("cache"));
  CsvTable truth = read_csv_file((root / "study" / "labels.csv").string());
  CsvTable manifest = read_csv_file((root / "cache" / "manifest.csv").string());
  ASSERT_GT(truth.rows.size(), 5u);
  // A truth row without key columns labels every volume of its series (a 3-plane localizer is three volumes).
  EXPECT_GE(manifest.rows.size(), truth.rows.size());
  EXPECT_EQ(out.ok, long(manifest.rows.size()));
  EXPECT_EQ(out.failed, 0);
  std::map<std::string, int> want, got;
  std::set<std::string> series_want, series_got;
  for (const auto& r : truth.rows) {
    ++want[r[truth.column("label")]];
    series_want.insert(r[truth.column("series_uid")]);
  }
  for (const auto& r : manifest.rows) {
    ++got[r[manifest.column("label")]];
    series_got.insert(r[manifest.column("series_uid")]);
  }
  EXPECT_EQ(series_want, series_got);
  for (const auto& [label, n] : want) {
    if (label == "Other") EXPECT_GE(got[label], n);
    else EXPECT_EQ(got[label], n) << label;
  }
  // Tensors: 8x16x16 float32 in [0,1] at the stated offsets.
  for (const auto& r : manifest.rows) {
    EXPECT_EQ(r[manifest.column("shape")], "8x16x16");
    std::ifstream f(root / "cache" / r[manifest.column("tensor")], std::ios::binary);
    f.seekg(std::stol(r[manifest.column("offset")]));
    std::vector<float> t(8 * 16 * 16);
    f.read(reinterpret_cast<char*>(t.data()), std::streamsize(t.size() * 4));
    ASSERT_TRUE(f.good());
    float hi = 0;
    for (float x : t) {
      ASSERT_GE(x, 0.0f);
      ASSERT_LE(x, 1.0f);
      hi = std::max(hi, x);
    }
    EXPECT_FLOAT_EQ(hi, 1.0f) << "normalisation should reach out_high";
  }
}

TEST_F(PreprocessRunner, RerunSkipsFinishedStudiesAndOtherGridIsRefused) {
  run_preprocess(options("cache2"));
  auto part_dir = root / "cache2" / "parts";
  ASSERT_FALSE(fs::is_empty(part_dir));
  auto part = fs::directory_iterator(part_dir)->path();
  auto stamp = fs::last_write_time(part);
  auto manifest_before = read_csv_file((root / "cache2" / "manifest.csv").string()).rows.size();
  Outcome again = run_preprocess(options("cache2"));
  EXPECT_EQ(fs::last_write_time(part), stamp) << "a finished study was redone";
  EXPECT_EQ(again.ok, long(manifest_before));

  // A cache made with one grid must not silently mix in tensors of another.
  auto card = nlohmann::json::parse(std::ifstream(kTinyCard));
  card["grid"]["size_xyz"] = {32, 32, 8};
  std::ofstream(root / "other.json") << card.dump();
  PreprocessOptions other = options("cache2");
  other.card_path = (root / "other.json").string();
  EXPECT_THROW(run_preprocess(other), Error);
}

TEST_F(PreprocessRunner, BadLabelsFileIsRefused) {
  std::ofstream(root / "bad.csv") << "series_uid,label\n1.2.3,NotALabel\n";
  PreprocessOptions p = options("cache3");
  p.labels_csv = (root / "bad.csv").string();
  EXPECT_THROW(run_preprocess(p), Error);
}

}  // namespace
}  // namespace mpmri
