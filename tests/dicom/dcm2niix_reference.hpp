#pragma once
// dcm2niix as the reference for our voxels and geometry: run it on a folder, read its NIfTI files with ITK, and
// compare a volume with them in physical space. Used by the loader's test (test_dcm2niix.cpp) and the NIfTI
// export's (tests/report/test_routing.cpp).
#include <gtest/gtest.h>
#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkNiftiImageIO.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "mpmri/volume.hpp"

namespace mpmri::test {

using Nifti = itk::Image<float, 4>;

inline Nifti::Pointer read_nifti(const std::filesystem::path& p) {
  auto reader = itk::ImageFileReader<Nifti>::New();
  reader->SetImageIO(itk::NiftiImageIO::New());
  reader->SetFileName(p.string());
  reader->Update();
  return reader->GetOutput();
}

// Why we do not expect dcm2niix's voxels for this volume, or empty when we do.
inline std::string deliberate_difference(const VolumeInfo& v) {
  if (v.header.mosaic) return "mosaic: dcm2niix cuts the tiles into a 3D volume, we keep the 2D image (docs/vendor-quirks.md)";
  for (const auto& w : v.warnings)
    if (w.find("no ImagePositionPatient") != std::string::npos) return "no ImagePositionPatient: geometry is invented by both tools";
  const std::string& ts = v.header.transfer_syntax_uid;
  if (ts == "1.2.840.10008.1.2.4.91" || ts == "1.2.840.10008.1.2.4.50" || ts == "1.2.840.10008.1.2.4.51")
    return "lossy transfer syntax: decoders may round differently";
  return "";
}

struct Match {
  bool geometry = false, values = false;
  std::string detail;
};

// Maps every voxel of `img` to `n` through physical space; tries every 4th-dimension index.
inline Match compare(const VolumeImage& img, const Nifti* n) {
  Match m;
  auto size = n->GetLargestPossibleRegion().GetSize();
  if (size_t(size[0]) * size[1] * size[2] != img.voxel_count()) {
    m.detail = "different voxel count";
    return m;
  }
  const auto& o = n->GetOrigin();
  const auto& d = n->GetDirection();
  const auto& s = n->GetSpacing();
  std::vector<std::array<long, 3>> index(img.voxel_count());
  size_t at = 0;
  double worst = 0;
  for (int k = 0; k < img.size[2]; ++k)
    for (int j = 0; j < img.size[1]; ++j)
      for (int i = 0; i < img.size[0]; ++i, ++at) {
        double step[3] = {i * img.spacing[0], j * img.spacing[1], k * img.spacing[2]};
        double p[3];
        for (int r = 0; r < 3; ++r)
          p[r] = img.origin[r] + img.direction[r * 3 + 0] * step[0] + img.direction[r * 3 + 1] * step[1] + img.direction[r * 3 + 2] * step[2];
        std::array<long, 3> idx{};
        for (int a = 0; a < 3; ++a) {
          double c = 0;
          for (int r = 0; r < 3; ++r) c += d[r][a] * (p[r] - o[r]);  // direction is orthonormal: inverse = transpose
          c /= s[a];
          idx[a] = std::lround(c);
          worst = std::max(worst, std::fabs(c - double(idx[a])) * s[a]);
          if (idx[a] < 0 || idx[a] >= long(size[a])) {
            m.detail = "voxel maps outside the NIfTI grid";
            return m;
          }
        }
        index[at] = idx;
      }
  if (worst > 1e-3) {
    std::ostringstream w;
    w << "voxel centres differ by up to " << worst << " mm";
    m.detail = w.str();
    return m;
  }
  m.geometry = true;
  for (size_t t = 0; t < size[3] && !m.values; ++t) {
    bool same = true;
    for (size_t v = 0; v < index.size() && same; ++v) {
      Nifti::IndexType ix{{index[v][0], index[v][1], index[v][2], long(t)}};
      float theirs = n->GetPixel(ix), ours = img.voxels[v];
      same = std::fabs(theirs - ours) <= 1e-4f * std::max(1.0f, std::fabs(ours));
    }
    m.values = same;
  }
  if (!m.values) m.detail = "geometry agrees but no NIfTI volume has the same voxel values";
  return m;
}

// dcm2niix's conversion of every series under `dicom_dir` into `out_dir` (uncompressed, no sidecars, named
// <SeriesInstanceUID>_...), by series UID. Fails the calling test when dcm2niix fails.
struct Dcm2niixOutput {
  std::map<std::string, std::vector<Nifti::Pointer>> by_series;
  std::map<std::string, std::vector<std::string>> names;
};

inline bool have_dcm2niix() { return std::system("dcm2niix -h > /dev/null 2>&1") == 0; }

inline Dcm2niixOutput run_dcm2niix(const std::filesystem::path& dicom_dir, const std::filesystem::path& out_dir) {
  // -p n: dcm2niix otherwise applies Philips' private "precise" scale (2005,100E); we apply the standard
  // RescaleSlope/Intercept (display values) on purpose, see docs/vendor-quirks.md.
  std::string cmd = "dcm2niix -z n -b n -p n -f %j_%s_%e_%p -o '" + out_dir.string() + "' '" + dicom_dir.string() +
                    "' > '" + (out_dir / "log.txt").string() + "' 2>&1";
  Dcm2niixOutput out;
  EXPECT_EQ(std::system(cmd.c_str()), 0) << "dcm2niix failed, see " << cmd;
  for (const auto& e : std::filesystem::directory_iterator(out_dir)) {
    if (e.path().extension() != ".nii") continue;
    std::string name = e.path().filename().string();
    std::string uid = name.substr(0, name.find('_'));
    out.by_series[uid].push_back(read_nifti(e.path()));
    out.names[uid].push_back(name);
  }
  return out;
}

}  // namespace mpmri::test
