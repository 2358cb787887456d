// Our volumes against dcm2niix's NIfTI for every image series under ../shared/dicom: same geometry
// (compared in physical LPS space, ITK's NIfTI reader converts from RAS) and identical voxel values.
#include <gtest/gtest.h>
#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkNiftiImageIO.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>

#include "dicom/dicom_fixtures.hpp"
#include "dicom/real_data.hpp"
#include "mpmri/dicom.hpp"

namespace fs = std::filesystem;
using namespace mpmri;
using Nifti = itk::Image<float, 4>;

namespace {

Nifti::Pointer read_nifti(const fs::path& p) {
  auto reader = itk::ImageFileReader<Nifti>::New();
  reader->SetImageIO(itk::NiftiImageIO::New());
  reader->SetFileName(p.string());
  reader->Update();
  return reader->GetOutput();
}

// Why we do not expect dcm2niix's voxels for this volume, or empty when we do.
std::string deliberate_difference(const VolumeInfo& v) {
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
Match compare(const VolumeImage& img, const Nifti* n) {
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

}  // namespace

TEST(dicomVsDcm2niix, EveryLosslessVolumeMatches) {
  REQUIRE_SHARED_DICOM();
  if (std::system("dcm2niix -h > /dev/null 2>&1") != 0) GTEST_SKIP() << "dcm2niix is not installed";
  mpmri::test::TempDir out;
  // -p n: dcm2niix otherwise applies Philips' private "precise" scale (2005,100E); we apply the standard
  // RescaleSlope/Intercept (display values) on purpose, see docs/vendor-quirks.md.
  std::string cmd = "dcm2niix -z n -b n -p n -f %j_%s_%e_%p -o '" + out.path.string() + "' '" +
                    mpmri::test::shared_dicom().string() + "' > '" + (out.path / "log.txt").string() + "' 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "dcm2niix failed, see " << cmd;
  std::map<std::string, std::vector<Nifti::Pointer>> by_series;
  std::map<std::string, std::vector<std::string>> names;
  for (const auto& e : fs::directory_iterator(out.path)) {
    if (e.path().extension() != ".nii") continue;
    std::string name = e.path().filename().string();
    std::string uid = name.substr(0, name.find('_'));
    by_series[uid].push_back(read_nifti(e.path()));
    names[uid].push_back(name);
  }
  ASSERT_FALSE(by_series.empty());
  auto scan = scan_folders({mpmri::test::shared_dicom().string()});
  int matched = 0, excused = 0;
  for (const auto* v : mpmri::test::all_volumes(scan)) {
    std::string why = deliberate_difference(*v);
    std::string label = v->header.series_description + " [" + v->key.describe() + "] " + v->id();
    if (!why.empty()) {
      ++excused;
      std::cout << "[ differs  ] " << label << ": " << why << "\n";
      continue;
    }
    auto it = by_series.find(v->header.series_uid);
    if (it == by_series.end()) {
      ADD_FAILURE() << label << ": dcm2niix wrote nothing for this series";
      continue;
    }
    VolumeImage img = load_volume(*v);
    std::string details;
    bool ok = false;
    for (size_t f = 0; f < it->second.size() && !ok; ++f) {
      Match m = compare(img, it->second[f].GetPointer());
      ok = m.geometry && m.values;
      details += "\n  " + names[it->first][f] + ": " + m.detail;
    }
    EXPECT_TRUE(ok) << label << details;
    if (ok) ++matched;
  }
  std::cout << "[ dcm2niix ] " << matched << " volumes identical, " << excused << " deliberately different\n";
  EXPECT_GT(matched, 40);
}
