// The study source hands out each study with the failures found among its files; what no study claims is
// kept for the end, so a failure is never lost between pipeline stages (it was once read by the last stage
// while the first appended to it). And classify_study, the one-study library call, on its own.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "app/study_source.hpp"
#include "dicom/dicom_fixtures.hpp"
#include "mpmri/model.hpp"
#include "mpmri/runner.hpp"

namespace fs = std::filesystem;
using namespace mpmri;
using mpmri::test::FakeSlice;
using mpmri::test::TempDir;

namespace {

// Three slices of one series. Unorderable: no positions and one InstanceNumber, so the loader cannot order them
// and the series fails as a whole ("slice order unknown").
void write_series(const fs::path& dir, const std::string& study_uid, const std::string& series_uid, bool unorderable = false) {
  fs::create_directories(dir);
  for (int i = 0; i < 3; ++i) {
    FakeSlice s;
    s.study_uid = study_uid;
    s.series_uid = series_uid;
    s.sop_uid = series_uid + "." + std::to_string(i + 1);
    s.instance = unorderable ? 1 : i + 1;
    if (unorderable) s.position.reset();
    else s.position = std::array<double, 3>{0, 0, double(i)};
    mpmri::test::write_slice(dir / (series_uid + "_" + std::to_string(i) + ".dcm"), s);
  }
}

void write_unorderable_series(const fs::path& dir, const std::string& study_uid, const std::string& series_uid) {
  write_series(dir, study_uid, series_uid, true);
}

std::vector<Study> drain(StudySource& source) {
  std::vector<Study> out;
  while (auto s = source.next()) out.push_back(std::move(*s));
  return out;
}

}  // namespace

TEST(StudySource, FailuresComeWithTheirStudy) {
  TempDir t;
  write_series(t.path / "s1", "1.9.1", "1.9.1.1");
  write_unorderable_series(t.path / "s1", "1.9.1", "1.9.1.2");
  StudySource source({t.path.string()}, {});
  auto studies = drain(source);
  ASSERT_EQ(studies.size(), 1u);
  EXPECT_EQ(studies[0].series.size(), 1u);
  ASSERT_EQ(studies[0].failed.size(), 1u);
  EXPECT_EQ(studies[0].failed[0].series_uid, "1.9.1.2");
  EXPECT_TRUE(source.take_unclaimed_failures().empty());
}

TEST(StudySource, FailureOfAStudyWithoutVolumesIsKeptForTheEnd) {
  TempDir t;
  write_series(t.path / "a", "1.9.1", "1.9.1.1");
  write_unorderable_series(t.path / "b", "1.9.2", "1.9.2.1");
  StudySource source({t.path.string()}, {});
  auto studies = drain(source);
  ASSERT_EQ(studies.size(), 1u);
  EXPECT_TRUE(studies[0].failed.empty());
  auto late = source.take_unclaimed_failures();
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].study_uid, "1.9.2");
}

// NBIA layout: one folder per series under the study. Neighbouring folders make one study.
TEST(StudySource, StudyInNeighbouringFoldersComesOutOnceWithAllItsSeriesAndFailures) {
  TempDir t;
  write_series(t.path / "study" / "1", "1.9.1", "1.9.1.1");
  write_unorderable_series(t.path / "study" / "2", "1.9.1", "1.9.1.2");
  write_series(t.path / "study" / "3", "1.9.1", "1.9.1.3");
  StudySource source({t.path.string()}, {});
  auto studies = drain(source);
  ASSERT_EQ(studies.size(), 1u);
  EXPECT_EQ(studies[0].series.size(), 2u);
  EXPECT_EQ(studies[0].failed.size(), 1u);
}

TEST(StudySource, MacMetadataIsSkippedNotFailed) {
  TempDir t;
  write_series(t.path / "s", "1.9.1", "1.9.1.1");
  std::ofstream(t.path / "s" / "._1.9.1.1_0.dcm") << "Mac OS X AppleDouble";
  StudySource source({t.path.string()}, {});
  auto studies = drain(source);
  ASSERT_EQ(studies.size(), 1u);
  bool seen = false;
  for (const auto& s : source.skipped())
    if (fs::path(s.path).filename() == "._1.9.1.1_0.dcm") {
      seen = true;
      EXPECT_FALSE(s.is_error) << s.reason;
    }
  EXPECT_TRUE(seen);
}

// One row per series: a good series and a failed one of the same study, through the library call.
TEST(ClassifyStudy, HeaderModeGivesOneRowPerSeriesWithItsStatus) {
  TempDir t;
  write_series(t.path / "s", "1.9.1", "1.9.1.1");
  write_unorderable_series(t.path / "s", "1.9.1", "1.9.1.2");
  StudySource source({t.path.string()}, {});
  auto study = source.next();
  ASSERT_TRUE(study);
  ClassifyOptions options;
  options.out_dir.clear();  // no thumbnails
  options.mode = Mode::Header;
  DecisionEngine decisions;
  StudyResult r = classify_study(std::move(*study), options, nullptr, nullptr, decisions, {});
  ASSERT_EQ(r.series.size(), 2u);
  std::map<std::string, VolumeStatus> status;
  for (const auto& s : r.series) status[s.series_uid] = s.status;
  EXPECT_EQ(status["1.9.1.1"], VolumeStatus::Ok);
  EXPECT_EQ(status["1.9.1.2"], VolumeStatus::Failed);
  ASSERT_EQ(r.volumes.size(), 1u);
  EXPECT_EQ(r.volumes[0].status, VolumeStatus::Ok);
}

namespace {
// An image model that fails the way LibTorch does on a device out of memory.
class FailingClassifier final : public ImageClassifier {
 public:
  const ModelCard& card() const override { return card_; }

 protected:
  std::vector<LabelProbs> predict_or_error(const std::vector<std::vector<float>>&, std::string& error) noexcept override {
    error = "CUDA out of memory";
    return {};
  }

 private:
  ModelCard card_;
};
}  // namespace

// An image-model failure fails that study's volumes with the reason; it is not an exception out of the call.
TEST(ClassifyStudy, ModelFailureFailsTheStudysVolumesWithTheReason) {
  TempDir t;
  write_series(t.path / "s", "1.9.1", "1.9.1.1");
  StudySource source({t.path.string()}, {});
  auto study = source.next();
  ASSERT_TRUE(study);
  ClassifyOptions options;
  options.out_dir.clear();
  options.mode = Mode::Fusion;
  DecisionEngine decisions;
  FailingClassifier model;
  StudyResult r = classify_study(std::move(*study), options, nullptr, &model, decisions, {});
  ASSERT_EQ(r.volumes.size(), 1u);
  EXPECT_EQ(r.volumes[0].status, VolumeStatus::Failed);
  EXPECT_NE(r.volumes[0].reason.find("CUDA out of memory"), std::string::npos) << r.volumes[0].reason;
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].status, VolumeStatus::Failed);
}

// A study whose series lie in distant folders (another study's folder sorts between them) comes out in two parts
// by default, and as one study with --whole-studies (every StudyInstanceUID read first).
TEST(StudySource, WholeStudiesJoinsAStudySpreadOverDistantFolders) {
  TempDir t;
  write_series(t.path / "a-first-part", "1.9.5", "1.9.5.1");
  write_series(t.path / "m-other-study", "1.9.6", "1.9.6.1");
  write_series(t.path / "z-second-part", "1.9.5", "1.9.5.2");
  fs::create_directories(t.path / "n-no-dicom");
  std::ofstream(t.path / "n-no-dicom" / "notes.txt") << "not DICOM";
  {
    StudySource streaming({t.path.string()}, {});
    auto studies = drain(streaming);
    ASSERT_EQ(studies.size(), 3u);
    EXPECT_EQ(studies[0].study_uid, "1.9.5");
    EXPECT_EQ(studies[0].series.size(), 1u);
  }
  StudySource whole({t.path.string()}, {}, {}, true);
  auto studies = drain(whole);
  ASSERT_EQ(studies.size(), 2u);
  std::map<std::string, size_t> series;
  for (const auto& s : studies) series[s.study_uid] = s.series.size();
  EXPECT_EQ(series, (std::map<std::string, size_t>{{"1.9.5", 2u}, {"1.9.6", 1u}}));
  EXPECT_EQ(studies[0].study_uid, "1.9.6") << "the other study is handed out first, not held back";
}

TEST(StudySource, ReadStudyUidReadsDicomAndNothingElse) {
  TempDir t;
  write_series(t.path, "1.9.7", "1.9.7.1");
  std::ofstream(t.path / "notes.txt") << "not DICOM";
  EXPECT_EQ(read_study_uid((t.path / "1.9.7.1_0.dcm").string()).value_or(""), "1.9.7");
  EXPECT_FALSE(read_study_uid((t.path / "notes.txt").string()));
  EXPECT_FALSE(read_study_uid((t.path / "missing.dcm").string()));
}
