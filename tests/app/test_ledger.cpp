#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "app/ledger.hpp"

namespace mpmri {

namespace fs = std::filesystem;

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("ledger_test_" + std::to_string(::getpid()) + "_" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir / "a");
    fs::create_directories(dir / "b");
    for (const char* f : {"a/1.dcm", "a/2.dcm", "a/readme.txt", "b/1.dcm"}) write(f, "x");
  }
  void TearDown() override { fs::remove_all(dir); }
  std::string path(const std::string& rel) const { return (dir / rel).string(); }
  void write(const std::string& rel, const std::string& text) { std::ofstream(dir / rel) << text; }
  std::vector<std::string> listing() const {
    std::vector<std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(dir / "a")) if (e.is_regular_file()) files.push_back(e.path().string());
    files.push_back(path("b/1.dcm"));
    std::sort(files.begin(), files.end());
    return files;
  }
  LedgerStudy study_a() const {
    LedgerStudy s;
    s.sort_key = "000000/a/1.dcm";
    s.study_uid = "1.2.3";
    s.ok = 2;
    s.failed = 1;
    s.volumes_csv = "v\n";
    s.series_csv = "s\n";
    s.study_json = "{}";
    s.files = {path("a/1.dcm"), path("a/2.dcm")};
    return s;
  }
  fs::path dir;
};

TEST_F(LedgerTest, KeepsUnchangedStudiesAndTheirSkippedFiles) {
  Ledger ledger(path("ledger.sqlite"));
  EXPECT_TRUE(ledger.empty());
  ledger.commit_study(study_a(), {{path("a/readme.txt"), "not DICOM", false}});
  std::vector<std::string> files = listing();
  EXPECT_EQ(ledger.keep_unchanged(files), 1);
  EXPECT_EQ(files, std::vector<std::string>{path("b/1.dcm")});  // only what was never done is scanned
  Outcome o = ledger.outcome();
  EXPECT_EQ(o.ok, 2);
  EXPECT_EQ(o.failed, 1);
}

TEST_F(LedgerTest, RedoesAStudyWhoseFileChanged) {
  Ledger ledger(path("ledger.sqlite"));
  ledger.commit_study(study_a(), {});
  write("a/2.dcm", "changed, longer");
  std::vector<std::string> files = listing();
  EXPECT_EQ(ledger.keep_unchanged(files), 0);
  EXPECT_EQ(files, listing());
  EXPECT_TRUE(ledger.empty());
}

TEST_F(LedgerTest, RedoesAStudyThatGainedANeighbour) {
  Ledger ledger(path("ledger.sqlite"));
  ledger.commit_study(study_a(), {{path("a/readme.txt"), "not DICOM", false}});
  write("a/3.dcm", "a series copied in late");
  std::vector<std::string> files = listing();
  EXPECT_EQ(ledger.keep_unchanged(files), 0);
  EXPECT_EQ(files.size(), 4u);  // a/1, a/2, a/3, b/1: the readme is known unchanged
}

TEST_F(LedgerTest, ACommitReplacesTheStudyOwningItsFiles) {
  Ledger ledger(path("ledger.sqlite"));
  ledger.commit_study(study_a(), {});
  LedgerStudy again = study_a();
  again.sort_key = "000000/a/2.dcm";
  again.files = {path("a/2.dcm")};
  again.ok = 5;
  ledger.commit_study(again, {});
  EXPECT_EQ(ledger.studies(), 1);
  EXPECT_EQ(ledger.outcome().ok, 5);
}

TEST_F(LedgerTest, AbsorbRefusesAStudyInTwoShards) {
  {
    Ledger one(path("one.sqlite"));
    one.commit_study(study_a(), {});
  }
  Ledger merged(path("merged.sqlite"));
  merged.absorb(path("one.sqlite"));
  EXPECT_EQ(merged.studies(), 1);
  EXPECT_THROW(merged.absorb(path("one.sqlite")), Error);
  EXPECT_EQ(merged.studies(), 1);  // nothing half-copied
}

}  // namespace mpmri
