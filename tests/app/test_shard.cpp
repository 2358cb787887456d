#include <gtest/gtest.h>

#include <map>

#include "app/shard.hpp"
#include "mpmri/error.hpp"

namespace mpmri {

TEST(Shard, ParsesIOfN) {
  ShardSpec s = ShardSpec::parse("2/3");
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 3);
  EXPECT_EQ(s.text(), "2/3");
  EXPECT_TRUE(ShardSpec::parse("1/1").whole_archive());
  for (const char* bad : {"0/3", "4/3", "1/0", "3", "a/b", "1/3x", ""}) EXPECT_THROW(ShardSpec::parse(bad), Error) << bad;
}

TEST(Shard, RelativePathsNameTheInputAndSurviveStaging) {
  std::vector<std::string> inputs = {"/archive/a", "/archive/a/deep", "/other/"};
  EXPECT_EQ(archive_relative_path("/archive/a/S1/x.dcm", inputs), "000000/S1/x.dcm");
  EXPECT_EQ(archive_relative_path("/archive/a/deep/S2/y.dcm", inputs), "000001/S2/y.dcm");  // the longest input wins
  EXPECT_EQ(archive_relative_path("/other/S3/z.dcm", inputs), "000002/S3/z.dcm");
  // The same study staged elsewhere keeps its key.
  EXPECT_EQ(archive_relative_path("/scratch/job7/S1/x.dcm", {"/scratch/job7"}), "000000/S1/x.dcm");
  // A file given on its own.
  EXPECT_EQ(archive_relative_path("scans/t2.nii.gz", {"scans/t2.nii.gz"}), "000000/t2.nii.gz");
}

TEST(Shard, UnitIsTheTopLevelFolder) {
  EXPECT_EQ(shard_unit("000000/Patient7/Study1/Series2/x.dcm"), "000000/Patient7");
  EXPECT_EQ(shard_unit("000000/x.dcm"), "000000");  // files directly in the input go together
}

TEST(Shard, AssignmentIsStableAndCoversEveryFileOnce) {
  // FNV-1a 64 of the unit: pinned, since shards of one archive may be run by different builds.
  EXPECT_EQ(shard_of("000000/study_000000", 1000003), 927149);
  std::vector<std::string> all;
  for (int i = 0; i < 300; ++i) all.push_back("/a/study_" + std::to_string(i) + "/1.dcm");
  std::map<std::string, int> seen;
  std::vector<size_t> sizes;
  for (int i = 1; i <= 3; ++i) {
    std::vector<std::string> files = all;
    keep_shard_files(files, {"/a"}, ShardSpec{i, 3});
    sizes.push_back(files.size());
    for (const auto& f : files) seen[f]++;
  }
  EXPECT_EQ(seen.size(), all.size());
  for (const auto& [file, times] : seen) EXPECT_EQ(times, 1) << file;
  for (size_t n : sizes) EXPECT_GT(n, 70u);  // 100 expected each; hashing keeps them near it
}

}  // namespace mpmri
