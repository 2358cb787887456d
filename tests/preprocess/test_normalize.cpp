#include <gtest/gtest.h>

#include <numeric>

#include "mpmri/error.hpp"
#include "mpmri/preprocess.hpp"

namespace mpmri {
namespace {

VolumeImage ramp(int n) {
  VolumeImage v;
  v.size = {n, 1, 1};
  v.voxels.resize(n);
  std::iota(v.voxels.begin(), v.voxels.end(), 0.0f);  // 0..n-1
  return v;
}

TEST(Normalize, PercentilesClipAndScale) {
  VolumeImage v = ramp(101);  // percentile p of 0..100 is exactly p
  NormSpec norm;
  norm.low_percentile = 10;
  norm.high_percentile = 90;
  normalize_intensities(v, norm);
  EXPECT_FLOAT_EQ(v.voxels[0], 0.0f);
  EXPECT_FLOAT_EQ(v.voxels[10], 0.0f);
  EXPECT_FLOAT_EQ(v.voxels[50], 0.5f);
  EXPECT_FLOAT_EQ(v.voxels[90], 1.0f);
  EXPECT_FLOAT_EQ(v.voxels[100], 1.0f);
}

TEST(Normalize, InterpolatesBetweenOrderStatisticsLikeNumpy) {
  VolumeImage v = ramp(11);  // 0..10: numpy.percentile(.., 25) = 2.5, (.., 75) = 7.5
  NormSpec norm;
  norm.low_percentile = 25;
  norm.high_percentile = 75;
  normalize_intensities(v, norm);
  EXPECT_FLOAT_EQ(v.voxels[5], 0.5f);
  EXPECT_FLOAT_EQ(v.voxels[3], 0.1f);
}

TEST(Normalize, PaddingIsIgnoredAndSetToLow) {
  VolumeImage v = ramp(101);
  std::vector<unsigned char> inside(101, 1);
  // The top half is padding (huge values) and must not move the percentiles.
  for (int i = 51; i < 101; ++i) {
    inside[i] = 0;
    v.voxels[i] = 1e6f;
  }
  NormSpec norm;
  norm.low_percentile = 0;
  norm.high_percentile = 100;
  norm.out_low = -1;
  norm.out_high = 1;
  normalize_intensities(v, norm, &inside);
  EXPECT_FLOAT_EQ(v.voxels[0], -1.0f);
  EXPECT_FLOAT_EQ(v.voxels[25], 0.0f);
  EXPECT_FLOAT_EQ(v.voxels[50], 1.0f);
  EXPECT_FLOAT_EQ(v.voxels[80], -1.0f);
}

TEST(Normalize, ConstantImageDoesNotDivideByZero) {
  VolumeImage v = ramp(10);
  for (float& x : v.voxels) x = 7;
  normalize_intensities(v, NormSpec{});
  for (float x : v.voxels) EXPECT_FLOAT_EQ(x, 0.0f);
}

TEST(Normalize, BadPercentilesRefused) {
  VolumeImage v = ramp(10);
  NormSpec norm;
  norm.low_percentile = 90;
  norm.high_percentile = 10;
  EXPECT_THROW(normalize_intensities(v, norm), Error);
}

TEST(Prepare, OutputIsGridSizedAndInRange) {
  VolumeImage v;
  v.size = {40, 30, 12};
  v.spacing = {2, 2, 5};
  v.voxels.resize(v.voxel_count());
  for (size_t i = 0; i < v.voxels.size(); ++i) v.voxels[i] = float(i % 97);
  GridSpec grid;
  grid.size = {16, 16, 8};
  auto out = prepare_model_input(v, grid, NormSpec{});
  ASSERT_EQ(out.size(), size_t(16 * 16 * 8));
  for (float x : out) {
    EXPECT_GE(x, 0.0f);
    EXPECT_LE(x, 1.0f);
  }
}

}  // namespace
}  // namespace mpmri
