#include <gtest/gtest.h>

#include <cmath>

#include "mpmri/error.hpp"
#include "mpmri/preprocess.hpp"

namespace mpmri {
namespace {

// A volume of zeros with one bright cube at known voxel indices.
VolumeImage cube_volume(std::array<int, 3> size, std::array<double, 3> spacing, std::array<double, 3> origin,
                        std::array<int, 3> lo, std::array<int, 3> hi) {
  VolumeImage v;
  v.size = size;
  v.spacing = spacing;
  v.origin = origin;
  v.voxels.assign(v.voxel_count(), 0.0f);
  for (int z = lo[2]; z < hi[2]; ++z)
    for (int y = lo[1]; y < hi[1]; ++y)
      for (int x = lo[0]; x < hi[0]; ++x) v.voxels[(size_t(z) * size[1] + y) * size[0] + x] = 100.0f;
  return v;
}

std::array<double, 3> physical(const VolumeImage& v, double x, double y, double z) {
  std::array<double, 3> idx{x, y, z}, p = v.origin;
  for (int r = 0; r < 3; ++r)
    for (int k = 0; k < 3; ++k) p[r] += v.direction[r * 3 + k] * idx[k] * v.spacing[k];
  return p;
}

// Intensity-weighted centre of mass in physical coordinates.
std::array<double, 3> centre_of_mass(const VolumeImage& v) {
  std::array<double, 3> c{};
  double w = 0;
  for (int z = 0; z < v.size[2]; ++z)
    for (int y = 0; y < v.size[1]; ++y)
      for (int x = 0; x < v.size[0]; ++x) {
        double val = v.voxels[(size_t(z) * v.size[1] + y) * v.size[0] + x];
        if (val <= 0) continue;
        auto p = physical(v, x, y, z);
        for (int k = 0; k < 3; ++k) c[k] += val * p[k];
        w += val;
      }
  for (double& x : c) x /= w;
  return c;
}

TEST(Resample, CubeKeepsItsPhysicalLocation) {
  VolumeImage in = cube_volume({128, 96, 30}, {1.5, 1.5, 5}, {-90, -70, 40}, {80, 20, 10}, {96, 36, 14});
  GridSpec grid;
  grid.size = {64, 64, 16};
  VolumeImage out = resample_to_grid(in, grid);
  auto a = centre_of_mass(in), b = centre_of_mass(out);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(a[k], b[k], 2.0) << "axis " << k;
}

TEST(Resample, FitKeepsWholeFieldOfViewCentredAndIsotropicInPlane) {
  VolumeImage in = cube_volume({200, 100, 20}, {2, 2, 6}, {10, 20, 30}, {0, 0, 0}, {0, 0, 0});
  // Bright blocks in all eight corners: if any part of the field of view were cropped, mass would be lost.
  for (int z = 0; z < 20; ++z)
    for (int y = 0; y < 100; ++y)
      for (int x = 0; x < 200; ++x)
        if ((x < 10 || x >= 190) && (y < 10 || y >= 90) && (z < 3 || z >= 17))
          in.voxels[(size_t(z) * 100 + y) * 200 + x] = 100.0f;
  GridSpec grid;
  grid.size = {64, 64, 16};
  VolumeImage out = resample_to_grid(in, grid);
  // 400 mm wide, 200 mm tall, 120 mm deep: x limits the in-plane spacing, z has its own.
  EXPECT_NEAR(out.spacing[0], 400.0 / 64, 1e-9);
  EXPECT_NEAR(out.spacing[1], 400.0 / 64, 1e-9);
  EXPECT_NEAR(out.spacing[2], 120.0 / 16, 1e-9);
  // Output box centre equals input box centre.
  auto in_c = physical(in, (200 - 1) / 2.0, (100 - 1) / 2.0, (20 - 1) / 2.0);
  auto out_c = physical(out, (64 - 1) / 2.0, (64 - 1) / 2.0, (16 - 1) / 2.0);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(in_c[k], out_c[k], 1e-6);
  // The input spans output rows 16..47; every corner block lands in the outermost output voxels.
  auto at = [&](int x, int y, int z) { return out.voxels[(size_t(z) * 64 + y) * 64 + x]; };
  for (int z : {0, 15})
    for (int y : {16, 47})
      for (int x : {0, 63}) EXPECT_GT(at(x, y, z), 50.0f) << x << "," << y << "," << z;
  EXPECT_EQ(at(0, 15, 0), 0.0f);
  EXPECT_EQ(at(0, 48, 0), 0.0f);
}

TEST(Resample, InsideMaskMarksPadding) {
  VolumeImage in = cube_volume({200, 100, 20}, {2, 2, 6}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0});
  for (float& v : in.voxels) v = 5.0f;
  GridSpec grid;
  grid.size = {64, 64, 16};
  grid.pad_value = -1;
  std::vector<unsigned char> inside;
  VolumeImage out = resample_to_grid(in, grid, &inside);
  ASSERT_EQ(inside.size(), out.voxels.size());
  size_t n_inside = 0;
  for (size_t i = 0; i < inside.size(); ++i) {
    n_inside += inside[i];
    EXPECT_FLOAT_EQ(out.voxels[i], inside[i] ? 5.0f : -1.0f) << i;
  }
  // Half of the rows (200 mm of a 400 mm square) come from inside the field of view.
  EXPECT_EQ(n_inside, size_t(64) * 32 * 16);
}

TEST(Resample, ObliqueAndCoronalVolumesMapIntoLps) {
  // Coronal acquisition: columns along L (x), rows along -S, slices along P.
  VolumeImage in = cube_volume({64, 64, 20}, {3, 3, 4}, {-96, -40, 96}, {40, 40, 5}, {50, 50, 8});
  in.direction = {1, 0, 0, 0, 0, 1, 0, -1, 0};
  GridSpec grid;
  grid.size = {32, 32, 16};
  VolumeImage out = resample_to_grid(in, grid);
  EXPECT_EQ(out.direction, (std::array<double, 9>{1, 0, 0, 0, 1, 0, 0, 0, 1}));
  auto a = centre_of_mass(in), b = centre_of_mass(out);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(a[k], b[k], 3.0) << "axis " << k;

  grid.orientation = "acquisition";
  VolumeImage acq = resample_to_grid(in, grid);
  EXPECT_EQ(acq.direction, in.direction);
  auto c = centre_of_mass(acq);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(a[k], c[k], 3.0) << "axis " << k;
}

TEST(Resample, SingleSliceVolumeWorks) {
  VolumeImage in = cube_volume({50, 50, 1}, {4, 4, 8}, {0, 0, 0}, {0, 0, 0}, {50, 50, 1});
  GridSpec grid;
  grid.size = {16, 16, 4};
  VolumeImage out = resample_to_grid(in, grid);
  for (float v : out.voxels) EXPECT_FLOAT_EQ(v, 100.0f);
}

TEST(Resample, BadInputIsRefused) {
  VolumeImage empty;
  EXPECT_THROW(resample_to_grid(empty, GridSpec{}), Error);
  VolumeImage v = cube_volume({4, 4, 4}, {1, 1, 1}, {0, 0, 0}, {0, 0, 0}, {1, 1, 1});
  v.voxels.pop_back();
  EXPECT_THROW(resample_to_grid(v, GridSpec{}), Error);
  v.voxels.push_back(0);
  v.direction = {1, 0, 0, 1, 0, 0, 0, 0, 1};
  EXPECT_THROW(resample_to_grid(v, GridSpec{}), Error);
  v.direction = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  GridSpec bad;
  bad.fit = "stretch";
  EXPECT_THROW(resample_to_grid(v, bad), Error);
}

}  // namespace
}  // namespace mpmri
