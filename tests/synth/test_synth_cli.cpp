// mpmri-synth as a program: exit codes for bad input, and resumable runs with --first-index.
#include <gtest/gtest.h>

#include <filesystem>

#include "synth_fixture.hpp"

using namespace synth_test;
namespace fs = std::filesystem;

namespace {
std::string exe() { return MPMRI_SYNTH_EXE; }
fs::path scratch(const char* name) {
  fs::path p = fs::temp_directory_path() / (std::string("synth-cli-") + name + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  return p;
}
}  // namespace

TEST(SynthCli, BadArgumentsAreUsageErrors) {
  fs::path out = scratch("bad");
  std::string msg;
  EXPECT_EQ(run(exe() + " --out " + out.string() + " --domain nowhere", &msg), 2) << msg;
  EXPECT_NE(msg.find("unknown --domain"), std::string::npos) << msg;
  EXPECT_EQ(run(exe() + " --out " + out.string() + " --studies 0"), 2);
  EXPECT_EQ(run(exe() + " --out " + out.string() + " --layout zip"), 2);
  EXPECT_EQ(run(exe() + " --studies 1"), 2) << "--out is required";
  EXPECT_FALSE(fs::exists(out / "labels.csv"));
}

TEST(SynthCli, UnwritableOutputIsAnIoFailureNotACrash) {
  std::string msg;
  int rc = run(exe() + " --out /proc/mpmri-synth-cannot-write --studies 1 --max-slices 2", &msg);
  EXPECT_EQ(rc, 1) << msg;
  EXPECT_NE(msg.find("cannot"), std::string::npos) << msg;
}

TEST(SynthCli, ResumedRunsMergeToTheSameLabelsAsOneRun) {
  fs::path one = scratch("one"), parts = scratch("parts");
  const std::string common = " --seed 5 --max-slices 2 --jobs 1";
  ASSERT_EQ(run(exe() + " --out " + one.string() + " --studies 2" + common), 0);
  ASSERT_EQ(run(exe() + " --out " + parts.string() + " --studies 1 --first-index 1" + common), 0);
  ASSERT_EQ(run(exe() + " --out " + parts.string() + " --studies 1 --first-index 0" + common), 0);
  std::string a = read_text((one / "labels.csv").string()), b = read_text((parts / "labels.csv").string());
  EXPECT_GT(a.size(), 200u);
  EXPECT_EQ(a, b);
  EXPECT_TRUE(fs::exists(parts / "study_000000" / "labels.csv"));
  EXPECT_TRUE(fs::exists(parts / "study_000001" / "synth.json"));
  fs::remove_all(one);
  fs::remove_all(parts);
}
