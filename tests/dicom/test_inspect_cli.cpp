// `mpmri-classify inspect` end to end: JSON rows per volume, skipped files, exit codes from counts.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "dicom/dicom_fixtures.hpp"
#include "dicom/real_data.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path kCli = fs::path(MPMRI_BINARY_DIR) / "src" / "cli" / "mpmri-classify";

// Runs the CLI; returns its exit code and stdout.
int run(const std::string& args, std::string& out) {
  std::string cmd = "'" + kCli.string() + "' " + args + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  out.clear();
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST(dicomInspectCli, ChaosJsonShowsBothEchoes) {
  REQUIRE_SHARED_DICOM();
  if (!fs::exists(kCli)) GTEST_SKIP() << kCli << " not built";
  std::string out;
  int rc = run("inspect --json '" + (mpmri::test::shared_dicom() / "chaos-liver-t1dual" / "dataset sample").string() + "'", out);
  ASSERT_EQ(rc, 0) << out;
  auto j = nlohmann::json::parse(out);
  ASSERT_EQ(j["volumes"].size(), 2u);
  EXPECT_NEAR(j["volumes"][0]["TE_ms"].get<double>(), 2.30, 0.01);
  EXPECT_NEAR(j["volumes"][1]["TE_ms"].get<double>(), 4.6, 0.05);
  EXPECT_EQ(j["volumes"][0]["plane"], "axial");
  EXPECT_EQ(j["volumes"][0]["slices"], 26);
}

TEST(dicomInspectCli, TableAndExitCodes) {
  if (!fs::exists(kCli)) GTEST_SKIP() << kCli << " not built";
  mpmri::test::TempDir t;
  std::ofstream(t.path / "notes.txt") << "not an image";
  std::string out;
  EXPECT_EQ(run("inspect '" + t.path.string() + "'", out), 4) << "nothing usable";
  EXPECT_NE(out.find("notes.txt\tnot DICOM"), std::string::npos) << out;
  mpmri::test::write_good_series(t.path / "good");
  EXPECT_EQ(run("inspect --decode '" + t.path.string() + "'", out), 0) << out;
  EXPECT_NE(out.find("study_uid\tseries_uid"), std::string::npos);
  EXPECT_NE(out.find("8x8x3"), std::string::npos) << out;
  for (int i = 0; i < 2; ++i) {  // a second series of mixed matrices: one part fails
    mpmri::test::FakeSlice s;
    s.series_uid = "1.2.3.4.50";
    s.instance = i + 1;
    s.position = std::array<double, 3>{0, 0, double(i)};
    s.rows = s.cols = 8 + 8 * i;
    mpmri::test::write_slice(t.path / ("mixed" + std::to_string(i) + ".dcm"), s);
  }
  EXPECT_EQ(run("inspect '" + t.path.string() + "'", out), 3) << out;
  EXPECT_NE(out.find("inconsistent dimensions"), std::string::npos) << out;
  EXPECT_EQ(run("inspect", out), 2) << "missing folder is a usage error";
}
