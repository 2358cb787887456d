// One VolumeInfo -> VolumeImage: decode each file once, place its frames along the slice normal.
#include <tbb/parallel_for_each.h>

#include <cmath>
#include <map>

#include "dicom/decode.hpp"
#include "dicom/nifti_source.hpp"
#include "dicom/splitter.hpp"
#include "mpmri/dicom.hpp"
#include "mpmri/error.hpp"

namespace mpmri {

VolumeImage load_volume(const VolumeInfo& volume, const ScanOptions& options) {
  if (volume.nifti) return nifti::load_nifti_volume(volume, options);
  const auto& slices = volume.slices;
  int cols = volume.matrix[0], rows = volume.matrix[1];
  if (slices.empty()) throw Error(ErrorKind::Input, "volume " + volume.id() + " has no slices");
  if (cols <= 0 || rows <= 0) throw Error(ErrorKind::Input, "volume " + volume.id() + " has no matrix size");
  double total = double(cols) * rows * double(slices.size());
  if (total > double(options.max_voxels))
    throw Error(ErrorKind::Input, "volume " + volume.id() + " has " + std::to_string(static_cast<long long>(total)) +
                                      " voxels, over the limit of " + std::to_string(options.max_voxels));
  VolumeImage img;
  img.size = {cols, rows, static_cast<int>(slices.size())};
  const auto& o = volume.header.orientation;
  std::array<double, 6> iop = volume.header.has_orientation ? o : std::array<double, 6>{1, 0, 0, 0, 1, 0};
  auto n = dicom::normal_of(iop);
  for (int r = 0; r < 3; ++r) {
    img.direction[r * 3 + 0] = iop[r];
    img.direction[r * 3 + 1] = iop[3 + r];
    img.direction[r * 3 + 2] = n[r];
  }
  img.origin = slices.front().position;
  double dz = volume.header.slice_thickness_mm.value_or(1.0);
  if (slices.size() > 1) {
    auto along = [&](const std::array<double, 3>& p) { return p[0] * n[0] + p[1] * n[1] + p[2] * n[2]; };
    double span = along(slices.back().position) - along(slices.front().position);
    if (span > 0) dz = span / double(slices.size() - 1);
  }
  if (!(dz > 0)) dz = 1.0;
  img.spacing = {volume.pixel_spacing[0] > 0 ? volume.pixel_spacing[0] : 1.0,
                 volume.pixel_spacing[1] > 0 ? volume.pixel_spacing[1] : 1.0, dz};
  img.voxels.assign(img.voxel_count(), 0.0f);

  const size_t slice_voxels = size_t(cols) * size_t(rows);
  std::map<std::string, std::vector<dicom::FrameTarget>> by_file;
  for (size_t z = 0; z < slices.size(); ++z)
    by_file[slices[z].path].push_back({slices[z].frame, img.voxels.data() + z * slice_voxels});
  std::vector<const std::pair<const std::string, std::vector<dicom::FrameTarget>>*> jobs;
  for (const auto& entry : by_file) jobs.push_back(&entry);
  // Files are independent; TBB rethrows the first Error on the calling thread.
  tbb::parallel_for_each(jobs.begin(), jobs.end(), [&](const auto* job) {
    dicom::decode_file(job->first, rows, cols, job->second, options.max_voxels);
  });
  return img;
}

}  // namespace mpmri
