// ITK resampling of a loader VolumeImage onto the model card's grid (see include/mpmri/preprocess.hpp).
#include <itkImage.h>
#include <itkImportImageFilter.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkNearestNeighborInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "mpmri/error.hpp"
#include "mpmri/preprocess.hpp"

namespace mpmri {
namespace {

using Image = itk::Image<float, 3>;
using Mat3 = std::array<double, 9>;  // row-major, columns are axis directions

double det3(const Mat3& m) {
  return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
         m[2] * (m[3] * m[7] - m[4] * m[6]);
}

// The signed permutation closest to the acquisition axes, so "acquisition" output stays axis-aligned
// in patient space while keeping the order (and sense) the scanner used.
Mat3 nearest_axes(const Mat3& d) {
  Mat3 out{};
  std::array<bool, 3> used{};
  for (int axis = 0; axis < 3; ++axis) {
    int best = -1;
    double best_abs = -1;
    for (int row = 0; row < 3; ++row) {
      if (used[row]) continue;
      double a = std::abs(d[row * 3 + axis]);
      if (a > best_abs) best_abs = a, best = row;
    }
    used[best] = true;
    out[best * 3 + axis] = d[best * 3 + axis] < 0 ? -1.0 : 1.0;
  }
  return out;
}

Image::Pointer wrap(const VolumeImage& in) {
  using Importer = itk::ImportImageFilter<float, 3>;
  auto importer = Importer::New();
  Importer::SizeType size;
  Importer::IndexType start;
  start.Fill(0);
  double origin[3], spacing[3];
  for (int k = 0; k < 3; ++k) {
    size[k] = static_cast<itk::SizeValueType>(in.size[k]);
    origin[k] = in.origin[k];
    spacing[k] = in.spacing[k];
  }
  Importer::RegionType region(start, size);
  importer->SetRegion(region);
  importer->SetOrigin(origin);
  importer->SetSpacing(spacing);
  Image::DirectionType dir;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) dir(r, c) = in.direction[r * 3 + c];
  importer->SetDirection(dir);
  // ITK only reads the buffer; it never takes ownership, so the VolumeImage must outlive the pipeline.
  importer->SetImportPointer(const_cast<float*>(in.voxels.data()), in.voxels.size(), false);
  importer->Update();
  return importer->GetOutput();
}

void check_input(const VolumeImage& in, const GridSpec& grid) {
  for (int k = 0; k < 3; ++k) {
    if (in.size[k] <= 0) throw Error(ErrorKind::Input, "cannot resample an empty volume");
    if (!(in.spacing[k] > 0) || !std::isfinite(in.spacing[k]))
      throw Error(ErrorKind::Input, "volume has a non-positive voxel spacing");
    if (grid.size[k] <= 0) throw Error(ErrorKind::Model, "grid size must be positive");
  }
  if (in.voxels.size() != in.voxel_count())
    throw Error(ErrorKind::Input, "volume buffer holds " + std::to_string(in.voxels.size()) + " voxels, expected " +
                                      std::to_string(in.voxel_count()));
  if (std::abs(det3(in.direction)) < 1e-6) throw Error(ErrorKind::Input, "volume direction matrix is singular");
  if (grid.fit != "fit" && grid.fit != "spacing") throw Error(ErrorKind::Model, "unknown grid fit mode: " + grid.fit);
  if (grid.orientation != "LPS" && grid.orientation != "acquisition")
    throw Error(ErrorKind::Model, "unknown grid orientation: " + grid.orientation);
  if (grid.interpolation != "linear" && grid.interpolation != "nearest")
    throw Error(ErrorKind::Model, "unknown interpolation: " + grid.interpolation);
}

}  // namespace

VolumeImage resample_to_grid(const VolumeImage& in, const GridSpec& grid, std::vector<unsigned char>* inside) {
  check_input(in, grid);
  const Mat3 out_dir = grid.orientation == "LPS" ? Mat3{1, 0, 0, 0, 1, 0, 0, 0, 1} : nearest_axes(in.direction);

  // Physical bounding box of the input (voxel edges, not centres) expressed along the output axes.
  std::array<double, 3> lo{}, hi{};
  lo.fill(std::numeric_limits<double>::max());
  hi.fill(std::numeric_limits<double>::lowest());
  for (int corner = 0; corner < 8; ++corner) {
    std::array<double, 3> p = in.origin;
    for (int k = 0; k < 3; ++k) {
      double idx = (corner >> k & 1) ? in.size[k] - 0.5 : -0.5;
      for (int r = 0; r < 3; ++r) p[r] += in.direction[r * 3 + k] * idx * in.spacing[k];
    }
    for (int a = 0; a < 3; ++a) {
      double q = 0;
      for (int r = 0; r < 3; ++r) q += out_dir[r * 3 + a] * p[r];
      lo[a] = std::min(lo[a], q);
      hi[a] = std::max(hi[a], q);
    }
  }

  std::array<double, 3> spacing{};
  if (grid.fit == "fit") {
    // In-plane isotropic so anatomy keeps its shape; z gets its own scale because slice counts vary widely.
    double inplane = std::max((hi[0] - lo[0]) / grid.size[0], (hi[1] - lo[1]) / grid.size[1]);
    spacing = {inplane, inplane, (hi[2] - lo[2]) / grid.size[2]};
  } else {
    spacing = grid.spacing_mm;
  }
  for (double& s : spacing)
    if (!(s > 0)) throw Error(ErrorKind::Model, "grid spacing must be positive");

  // Centre the grid on the box centre; origin is the centre of the first output voxel.
  std::array<double, 3> origin_out{};
  for (int a = 0; a < 3; ++a) {
    double centre = 0.5 * (lo[a] + hi[a]);
    origin_out[a] = centre - 0.5 * grid.size[a] * spacing[a] + 0.5 * spacing[a];
  }
  std::array<double, 3> origin{};
  for (int r = 0; r < 3; ++r)
    for (int a = 0; a < 3; ++a) origin[r] += out_dir[r * 3 + a] * origin_out[a];

  Image::Pointer input = wrap(in);
  using Resampler = itk::ResampleImageFilter<Image, Image>;
  auto resampler = Resampler::New();
  resampler->SetInput(input);
  if (grid.interpolation == "nearest")
    resampler->SetInterpolator(itk::NearestNeighborInterpolateImageFunction<Image, double>::New());
  else
    resampler->SetInterpolator(itk::LinearInterpolateImageFunction<Image, double>::New());
  resampler->SetDefaultPixelValue(static_cast<float>(grid.pad_value));
  Image::SizeType size;
  Image::DirectionType dir;
  double sp[3], org[3];
  for (int k = 0; k < 3; ++k) {
    size[k] = static_cast<itk::SizeValueType>(grid.size[k]);
    sp[k] = spacing[k];
    org[k] = origin[k];
  }
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) dir(r, c) = out_dir[r * 3 + c];
  resampler->SetSize(size);
  resampler->SetOutputSpacing(sp);
  resampler->SetOutputOrigin(org);
  resampler->SetOutputDirection(dir);
  // The caller parallelises over volumes; one thread here avoids oversubscribing the cores.
  resampler->SetNumberOfWorkUnits(1);
  try {
    resampler->Update();
  } catch (const itk::ExceptionObject& e) {
    throw Error(ErrorKind::Input, std::string("resampling failed: ") + e.GetDescription());
  }

  VolumeImage out;
  out.size = grid.size;
  out.spacing = spacing;
  out.origin = origin;
  out.direction = out_dir;
  const float* buf = resampler->GetOutput()->GetBufferPointer();
  out.voxels.assign(buf, buf + out.voxel_count());

  if (inside) {
    // Same half-voxel rule ITK's interpolators use for "inside the buffer".
    inside->assign(out.voxel_count(), 0);
    size_t i = 0;
    for (int z = 0; z < grid.size[2]; ++z)
      for (int y = 0; y < grid.size[1]; ++y)
        for (int x = 0; x < grid.size[0]; ++x, ++i) {
          Image::PointType p;
          double idx[3] = {double(x), double(y), double(z)};
          for (int r = 0; r < 3; ++r) {
            p[r] = origin[r];
            for (int a = 0; a < 3; ++a) p[r] += out_dir[r * 3 + a] * idx[a] * spacing[a];
          }
          itk::ContinuousIndex<double, 3> c;
          input->TransformPhysicalPointToContinuousIndex(p, c);
          bool in_fov = true;
          for (int k = 0; k < 3; ++k) in_fov = in_fov && c[k] >= -0.5 - 1e-6 && c[k] <= in.size[k] - 0.5 + 1e-6;
          (*inside)[i] = in_fov ? 1 : 0;
        }
  }
  return out;
}

}  // namespace mpmri
